//! Incident playbooks: one short card per incident category, in plain Vietnamese, for the
//! school's collaborator (cộng tác viên, requirement S3.1) who has just learned of a problem.
//!
//! The collaborator is usually a teacher or the youth-union or Đội leader, not a specialist, and
//! often reads on a cheap phone: so every line is one short sentence. Each card says what to do
//! first, in order; what not to do, and why; and whom to tell or call. The cards keep the
//! boundary of the whole platform: Lành Mạng records what people report, never watches pupils'
//! personal accounts, never asks for passwords, and answers false statements of fact, never
//! opinions. The child-protection card never asks anyone to keep sexual images of a child, even
//! as evidence: the police collect evidence.
//!
//! The category codes are the incident categories' stable codes; the tests list them all.

/// What a collaborator reads first when an incident of one category is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Playbook {
    /// The category code, e.g. "cyberbullying".
    pub category: &'static str,
    /// A short title, without a full stop.
    pub title: &'static str,
    /// Three to six steps: what to do first, in order.
    pub first: &'static [&'static str],
    /// Two to five things not to do, each with its reason in the same sentence.
    pub avoid: &'static [&'static str],
    /// One to four lines: whom to tell or call, and when.
    pub call: &'static [&'static str],
}

/// Every playbook, in the order of the incident categories.
pub const PLAYBOOKS: &[Playbook] = &[
    Playbook {
        category: "cyberbullying",
        title: "Khi học sinh bị bắt nạt trên mạng",
        first: &[
            "Gặp riêng em ở nơi yên tĩnh, lắng nghe và nói rằng em đã làm đúng khi kể ra.",
            "Hỏi xem em có đang sợ hãi hay có ý nghĩ làm hại bản thân không; nếu có, ở bên em và báo Ban giám hiệu \
                ngay.",
            "Nhờ người báo tin gửi đường dẫn hoặc ảnh chụp màn hình bài đăng, tin nhắn; ghi thêm tên tài khoản và thời \
                gian.",
            "Ghi sự việc vào Lành Mạng, chỉ ghi điều đã được kể hoặc đã thấy, không phỏng đoán.",
            "Cùng giáo viên chủ nhiệm gặp gia đình các em liên quan để thống nhất cách giúp đỡ.",
            "Hướng dẫn em và gia đình chặn tài khoản bắt nạt và dùng chức năng báo cáo của mạng xã hội.",
        ],
        avoid: &[
            "Không khuyên em đáp trả hay đăng bài nói lại, vì việc bắt nạt dễ bùng lên nặng hơn.",
            "Không chia sẻ lại bài đăng bắt nạt, kể cả để cảnh báo, vì mỗi lần chia sẻ lại thêm người xem.",
            "Không đòi xem điện thoại hay hỏi mật khẩu của học sinh, vì đó là quyền riêng tư của các em.",
            "Không nêu tên các em trước lớp hay trong nhóm phụ huynh, vì em bị bắt nạt sẽ tổn thương thêm.",
            "Không vội phạt em bị cho là bắt nạt trước khi nhà trường nghe đủ các bên, vì em ấy cũng cần được giáo \
                dục.",
        ],
        call: &[
            "Báo giáo viên chủ nhiệm và Ban giám hiệu ngay trong ngày.",
            "Gọi Tổng đài quốc gia bảo vệ trẻ em 111 (miễn phí, 24/7) khi em cần được tư vấn hoặc có ý nghĩ làm hại \
                bản thân.",
            "Báo công an khi có lời đe dọa gây hại, tống tiền, hoặc khi em đang gặp nguy hiểm; khẩn cấp thì gọi 113.",
            "Nếu có hình ảnh nhạy cảm của trẻ em, báo Hiệu trưởng ngay và làm theo hướng dẫn về xâm hại tình dục trẻ \
                em qua mạng.",
        ],
    },
    Playbook {
        category: "image_without_consent",
        title: "Khi hình ảnh, clip bị quay, chụp hoặc phát tán khi chưa được đồng ý",
        first: &[
            "Nếu hình ảnh có cảnh khỏa thân hoặc tình dục của trẻ em, dừng lại và làm theo hướng dẫn về xâm hại tình \
                dục trẻ em qua mạng.",
            "Gặp riêng người trong hình, trấn an và hỏi em muốn nhà trường giúp gì.",
            "Ghi lại đường dẫn, tên tài khoản đã đăng và thời gian; chỉ chụp màn hình khi không có cảnh nhạy cảm.",
            "Hướng dẫn em và gia đình dùng chức năng báo cáo vi phạm quyền riêng tư của mạng xã hội để yêu cầu gỡ.",
            "Nếu người đăng là học sinh trong trường, cùng giáo viên chủ nhiệm và gia đình đề nghị em ấy gỡ xuống.",
            "Ghi sự việc vào Lành Mạng và theo dõi đến khi hình ảnh được gỡ.",
        ],
        avoid: &[
            "Không chia sẻ lại hình ảnh, clip vào bất kỳ nhóm nào, kể cả nhóm giáo viên, vì như vậy là phát tán thêm.",
            "Không tự lục điện thoại của học sinh để tìm và xóa, vì đó là xâm phạm quyền riêng tư; hãy đề nghị em tự \
                xóa khi có gia đình.",
            "Không trách người bị quay, chụp, vì em là người bị hại và cần được bảo vệ.",
        ],
        call: &[
            "Báo giáo viên chủ nhiệm và Ban giám hiệu ngay khi biết.",
            "Báo công an khi có tống tiền, đe dọa, hoặc hình ảnh khỏa thân, tình dục của trẻ em.",
            "Gọi Tổng đài 111 (miễn phí, 24/7) khi em hoặc gia đình cần được tư vấn, hỗ trợ.",
        ],
    },
    Playbook {
        category: "phone_rules",
        title: "Khi học sinh vi phạm quy định sử dụng điện thoại ở trường",
        first: &[
            "Nhắc em nhẹ nhàng, rồi làm đúng theo quy định sử dụng điện thoại của nhà trường.",
            "Nếu quy định cho tạm giữ, để em tự tắt máy trước mặt mình, rồi cất vào nơi có khóa.",
            "Ghi vào sổ tên em, lớp, giờ tạm giữ và tình trạng máy, ví dụ màn hình đã nứt sẵn.",
            "Trả điện thoại cho cha mẹ hoặc theo đúng cách quy định nêu, có ký nhận.",
            "Ghi sự việc vào Lành Mạng ngắn gọn: lớp, thời gian, việc đã làm, không thêm nhận xét về em.",
        ],
        avoid: &[
            "Không mở, xem hay lục điện thoại của học sinh, vì đó là thông tin riêng của em và gia đình.",
            "Không phạt em trước lớp hay nói nặng lời, vì mục đích là giúp em dùng điện thoại đúng lúc, đúng chỗ.",
            "Không giữ máy lâu hơn quy định hay giao cho người khác giữ, vì trường chịu trách nhiệm nếu máy mất, hỏng.",
        ],
        call: &[
            "Báo giáo viên chủ nhiệm trong ngày để trao đổi với gia đình.",
            "Báo Ban giám hiệu khi em vi phạm nhiều lần hoặc gia đình chưa đồng ý với cách xử lý.",
            "Báo Ban giám hiệu nếu em đã dùng điện thoại để quay, chụp, phát tán nội dung xấu, rồi làm theo hướng dẫn \
                của loại việc đó.",
        ],
    },
    Playbook {
        category: "scam",
        title: "Khi có lừa đảo trực tuyến, kể cả tin nhắn mạo danh nhà trường",
        first: &[
            "Nếu ai đó vừa chuyển tiền hoặc đọc mã OTP, bảo họ gọi ngay số tổng đài in trên thẻ hoặc trong ứng dụng \
                ngân hàng để khóa tài khoản.",
            "Ghi lại tên tài khoản, số điện thoại, đường dẫn, nội dung tin nhắn và thời gian; chụp màn hình tin nhắn.",
            "Cảnh báo phụ huynh qua kênh chính thức của trường: website, sổ liên lạc điện tử, giáo viên chủ nhiệm.",
            "Trong cảnh báo, nói rõ trường không bao giờ hỏi mã OTP hay mật khẩu; ai nghi ngờ thì gọi giáo viên chủ \
                nhiệm theo số đã biết.",
            "Báo cáo tài khoản, trang giả mạo bằng chức năng báo cáo của mạng xã hội hoặc ứng dụng nhắn tin.",
            "Ghi sự việc vào Lành Mạng để Phòng/Sở biết và cảnh báo các trường khác khi cần.",
        ],
        avoid: &[
            "Không chuyển tiền, đọc mã OTP hay bấm đường dẫn lạ, kể cả khi người nhắn xưng là thầy cô, vì kẻ lừa \
                đảo hay mạo danh người quen.",
            "Không nhắn lại hay gọi lại để đôi co với kẻ lừa đảo, vì họ có thể lấy thêm thông tin của mình.",
            "Không chuyển tiếp tin nhắn lừa đảo còn đường dẫn bấm được, vì người khác có thể bấm nhầm.",
            "Không trách người đã bị lừa, vì họ sẽ ngại kể và ngại báo công an.",
        ],
        call: &[
            "Báo Ban giám hiệu ngay khi thấy kẻ xấu mạo danh nhà trường hoặc thầy cô.",
            "Hướng dẫn người đã mất tiền báo ngay ngân hàng và công an xã, phường gần nhất, mang theo ảnh chụp tin \
                nhắn.",
            "Ban giám hiệu báo Phòng/Sở khi trường bị mạo danh trên nhiều kênh hoặc nhiều phụ huynh bị nhắn.",
        ],
    },
    Playbook {
        category: "false_information",
        title: "Khi có thông tin sai sự thật về nhà trường, về ngành",
        first: &[
            "Đọc kỹ xem đó là sự việc có thể kiểm chứng hay chỉ là ý kiến, lời chê; chỉ xử lý khi sai về sự việc.",
            "Ghi lại đường dẫn, tên trang hoặc tài khoản đã đăng, thời gian và ảnh chụp màn hình nội dung.",
            "Tìm sự thật từ nguồn chính thức: văn bản, số liệu, người trực tiếp phụ trách việc đó.",
            "Báo Ban giám hiệu kèm sự thật và nguồn đã tìm được, để nhà trường quyết định có đính chính không.",
            "Khi cần, Phòng/Sở đăng bài đính chính hoặc thông tin chính thức trên Lành Mạng; trường chia sẻ bài đó qua \
                kênh chính thức.",
            "Ghi sự việc vào Lành Mạng, nêu rõ câu nào sai và sự thật là gì.",
        ],
        avoid: &[
            "Không tranh cãi hay phản bác ý kiến của người bình luận, vì ai cũng có quyền nêu ý kiến; mình chỉ đưa sự \
                thật.",
            "Không trả lời bằng tài khoản cá nhân khi chưa có ý kiến Ban giám hiệu, vì lời mình dễ bị hiểu là lời nhà \
                trường.",
            "Không tìm hiểu hay ghi lại thông tin cá nhân của người đăng, vì Lành Mạng chỉ ghi sự việc, không ghi về \
                con người.",
            "Không đe dọa bắt người đăng xóa bài, vì sự thật được nêu rõ ràng, có nguồn sẽ thuyết phục hơn.",
        ],
        call: &[
            "Báo Ban giám hiệu trong ngày, kèm đường dẫn và sự thật có nguồn.",
            "Ban giám hiệu báo Phòng/Sở khi thông tin lan rộng hoặc liên quan đến cả ngành.",
            "Ban giám hiệu cân nhắc báo công an khi nội dung đe dọa, kêu gọi gây hại hoặc vu khống một người cụ thể.",
        ],
    },
    Playbook {
        category: "child_exploitation",
        title: "Khi trẻ em bị xâm hại tình dục, dụ dỗ, lôi kéo qua mạng",
        first: &[
            "Trước hết bảo đảm em đang an toàn: ở bên em, hoặc nhờ một người lớn tin cậy ở bên em.",
            "Lắng nghe bình tĩnh, tin em và nói rằng em không có lỗi; chỉ hỏi đủ để biết em có an toàn không.",
            "Báo Hiệu trưởng ngay lập tức, không chờ hết tiết hay hết ngày.",
            "Gọi Tổng đài quốc gia bảo vệ trẻ em 111 và/hoặc báo công an; nếu em đang gặp nguy hiểm, gọi ngay 113.",
            "Ghi ra giấy đường dẫn, tên tài khoản, thời gian và lời em kể, đúng như em nói; công an sẽ thu thập chứng \
                cứ.",
            "Ghi sự việc vào Lành Mạng chỉ bằng lời, không tải lên bất kỳ hình ảnh nào.",
        ],
        avoid: &[
            "Không sao chép, chụp màn hình, chuyển tiếp, tải về hay lưu hình ảnh tình dục của trẻ em, kể cả để làm \
                bằng chứng, vì như vậy là phát tán thêm.",
            "Không hỏi đi hỏi lại hay bắt em kể chi tiết, vì em sẽ tổn thương thêm; việc hỏi để công an và chuyên gia \
                làm.",
            "Không tự gặp, nhắn tin hay chất vấn người bị nghi ngờ, vì họ có thể xóa dấu vết hoặc gây sức ép lên em.",
            "Không kể cho người không cần biết, kể cả nhóm giáo viên hay phụ huynh, vì giữ bí mật là để bảo vệ em.",
            "Không lục điện thoại hay hỏi mật khẩu tài khoản của em, vì thu thập chứng cứ là việc của công an.",
        ],
        call: &[
            "Báo Hiệu trưởng ngay khi biết; chỉ những người cần biết mới được biết.",
            "Gọi Tổng đài quốc gia bảo vệ trẻ em 111 (miễn phí, 24/7) để được hướng dẫn và hỗ trợ em.",
            "Báo công an phường, xã; nếu em đang gặp nguy hiểm hoặc sắp gặp người lạ quen qua mạng, gọi ngay 113.",
            "Hiệu trưởng báo gia đình em; nếu nghi ngờ người trong nhà, hỏi ý kiến 111 hoặc công an trước khi báo.",
        ],
    },
    Playbook {
        category: "gambling",
        title: "Khi có học sinh tham gia cờ bạc, cá độ",
        first: &[
            "Gặp riêng em, bình tĩnh hỏi em chơi ở đâu, đã mất tiền hay đang nợ ai không.",
            "Hỏi em có bị đe dọa, ép trả nợ hay ép rủ thêm bạn không; nếu có, báo Ban giám hiệu ngay.",
            "Ghi lại tên trang, ứng dụng, nhóm hoặc đường dẫn mà em hay bạn em cho biết, kèm thời gian.",
            "Cùng giáo viên chủ nhiệm gặp gia đình để giúp em dừng chơi.",
            "Ghi sự việc vào Lành Mạng, chỉ ghi những gì cần để theo dõi và giúp em.",
            "Nếu thấy quảng cáo cờ bạc trên website của trường, làm thêm theo hướng dẫn về website bị xâm nhập.",
        ],
        avoid: &[
            "Không đưa tiền hay trả nợ thay em, vì em dễ chơi tiếp và kẻ xấu sẽ đòi thêm.",
            "Không nêu tên em trước lớp hay trong nhóm phụ huynh, vì em sẽ giấu chuyện và khó nhận giúp đỡ.",
            "Không tự vào trang cá độ hay nhóm chơi để tìm hiểu, vì dễ bị lừa và lộ thông tin cá nhân.",
            "Không lục điện thoại hay hỏi mật khẩu của em, vì đó là quyền riêng tư; chỉ dùng điều các em tự kể.",
        ],
        call: &[
            "Báo giáo viên chủ nhiệm và Ban giám hiệu trong ngày.",
            "Báo công an khi có người lớn tổ chức, rủ rê, cho học sinh vay tiền hoặc đe dọa đòi nợ.",
            "Gọi Tổng đài 111 (miễn phí, 24/7) khi em bị đe dọa, sợ hãi, hoặc gia đình cần được tư vấn.",
        ],
    },
    Playbook {
        category: "website_compromised",
        title: "Khi website của trường, của ngành bị xâm nhập hoặc bị thay đổi nội dung",
        first: &[
            "Chụp màn hình trang bị thay đổi, ghi lại địa chỉ trang và thời điểm thấy.",
            "Báo ngay cán bộ quản trị website, gửi kèm ảnh chụp và địa chỉ trang.",
            "Báo Ban giám hiệu và ghi sự việc vào Lành Mạng để Phòng/Sở biết.",
            "Cán bộ quản trị website xem kết quả kiểm tra và hướng dẫn khắc phục trong phần giám sát website của Lành \
                Mạng.",
            "Nhắc thầy cô, học sinh, phụ huynh tạm thời không bấm đường dẫn lạ trên website cho đến khi xử lý xong.",
            "Khi được báo đã sửa, mở lại trang để xem nội dung đã đúng chưa và cập nhật trong Lành Mạng.",
        ],
        avoid: &[
            "Không tự vào máy chủ để xóa, sửa nội dung nếu mình không phải người quản trị, vì dễ mất dấu vết và hỏng \
                website.",
            "Không chia sẻ trang bị thay đổi lên mạng xã hội hay nhóm chat, vì nội dung xấu sẽ lan rộng hơn.",
            "Không gửi mật khẩu quản trị qua tin nhắn cho người nhận sửa giúp, vì mật khẩu có thể bị lộ thêm.",
        ],
        call: &[
            "Báo cán bộ quản trị website ngay khi thấy.",
            "Báo Ban giám hiệu và Phòng/Sở trong ngày; website trên cổng thông tin chung thì báo cả đơn vị vận hành \
                cổng.",
            "Ban giám hiệu báo thêm công an khi website bị dùng để lừa đảo, thu tiền hay lấy thông tin người xem.",
        ],
    },
    Playbook {
        category: "data_leak",
        title: "Khi dữ liệu cá nhân bị lộ lọt",
        first: &[
            "Xác định dữ liệu gì bị lộ, như danh sách học sinh, điểm, số điện thoại, ảnh; lộ ở đâu và từ khi nào.",
            "Hạn chế lan rộng: nếu tệp nằm trên kênh của trường, nhờ người quản lý kênh gỡ hoặc tắt chia sẻ ngay.",
            "Đề nghị người đã nhận hoặc đăng lại xóa tệp và không chia sẻ tiếp.",
            "Báo Hiệu trưởng ngay, nói rõ dữ liệu của những ai và khoảng bao nhiêu người.",
            "Nếu mật khẩu bị lộ, đổi mật khẩu ngay và báo người quản trị hệ thống đó.",
            "Ghi sự việc vào Lành Mạng, chỉ mô tả loại dữ liệu, không đính kèm chính dữ liệu bị lộ.",
        ],
        avoid: &[
            "Không tải về hay chuyển tiếp tệp bị lộ, kể cả để báo cáo, vì mỗi lần chuyển là thêm một bản bị lộ.",
            "Không tự đăng thông báo về vụ việc khi chưa có ý kiến Hiệu trưởng, vì thông tin cần chính xác và thống \
                nhất.",
            "Không trách móc công khai người làm lộ, vì cần họ kể đúng sự việc để khắc phục.",
        ],
        call: &[
            "Báo Hiệu trưởng ngay khi biết.",
            "Hiệu trưởng quyết định việc báo cơ quan có thẩm quyền theo Luật Bảo vệ dữ liệu cá nhân, và báo Phòng/Sở.",
            "Báo người quản trị hệ thống bị lộ, như phần mềm quản lý hay sổ liên lạc điện tử, để khóa và đổi mật khẩu.",
            "Ban giám hiệu báo công an khi dữ liệu bị đánh cắp, bị rao bán hoặc bị dùng để lừa đảo phụ huynh.",
        ],
    },
    Playbook {
        category: "feedback",
        title: "Khi có góp ý, câu hỏi về chính sách",
        first: &[
            "Cảm ơn người góp ý và cho biết nhà trường đã nhận, sẽ trả lời khi có thông tin.",
            "Ghi góp ý, câu hỏi vào Lành Mạng, giữ đúng ý của người viết.",
            "Tìm câu trả lời trong văn bản chính thức: kế hoạch, quy định của trường, văn bản của Phòng/Sở.",
            "Câu hỏi vượt quá phạm vi của trường thì chuyển Ban giám hiệu để hỏi Phòng/Sở.",
            "Trả lời ngắn gọn, dẫn nguồn văn bản, qua đúng kênh người hỏi đã dùng.",
        ],
        avoid: &[
            "Không tranh luận hay nhận xét quan điểm của người góp ý, vì việc của mình là ghi nhận và trả lời.",
            "Không trả lời theo suy đoán khi chưa chắc, vì trả lời sai làm người hỏi mất lòng tin.",
            "Không đưa tên, số điện thoại của người góp ý cho người khác, vì họ cần yên tâm khi góp ý.",
        ],
        call: &[
            "Báo Ban giám hiệu khi góp ý liên quan đến quy định của trường hoặc cần trả lời chính thức.",
            "Ban giám hiệu chuyển lên Phòng/Sở những câu hỏi về chính sách chung của ngành.",
        ],
    },
    Playbook {
        category: "other",
        title: "Khi gặp việc khác",
        first: &[
            "Nếu có học sinh đang gặp nguy hiểm hay bị tổn thương, lo cho em an toàn trước hết.",
            "Ghi lại việc gì đã xảy ra, ở đâu, khi nào và ai đã báo.",
            "Xem việc này có gần với loại nào trong danh sách không, rồi làm theo hướng dẫn của loại đó.",
            "Ghi sự việc vào Lành Mạng với loại «Việc khác», mô tả ngắn gọn, không phỏng đoán.",
            "Báo Ban giám hiệu để thống nhất cách xử lý.",
        ],
        avoid: &[
            "Không lục điện thoại, theo dõi tài khoản cá nhân hay hỏi mật khẩu của học sinh, vì Lành Mạng chỉ ghi điều \
                được báo.",
            "Không kể sự việc cho người không liên quan, vì có thể làm ảnh hưởng đến các em.",
            "Không ghi nhận xét về ý kiến, quan điểm của ai vào Lành Mạng, vì hệ thống chỉ ghi sự việc.",
        ],
        call: &[
            "Báo Ban giám hiệu khi chưa biết xử lý thế nào.",
            "Gọi Tổng đài 111 khi việc liên quan đến an toàn của trẻ em; khi có nguy hiểm tức thì, gọi 113.",
        ],
    },
];

/// The playbook for an incident category code, if there is one.
pub fn playbook(category: &str) -> Option<&'static Playbook> {
    PLAYBOOKS.iter().find(|p| p.category == category)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The incident category codes, in their order.
    const CATEGORIES: [&str; 11] = [
        "cyberbullying",
        "image_without_consent",
        "phone_rules",
        "scam",
        "false_information",
        "child_exploitation",
        "gambling",
        "website_compromised",
        "data_leak",
        "feedback",
        "other",
    ];

    /// Every sentence of a playbook (not the title).
    fn sentences(p: &Playbook) -> Vec<&'static str> {
        p.first.iter().chain(p.avoid).chain(p.call).copied().collect()
    }

    /// Everything a playbook says, lowercased, for keyword checks.
    fn whole(p: &Playbook) -> String {
        let mut all = vec![p.title];
        all.extend(sentences(p));
        all.join(" ").to_lowercase()
    }

    #[test]
    fn one_playbook_per_category_in_order() {
        let codes: Vec<&str> = PLAYBOOKS.iter().map(|p| p.category).collect();
        assert_eq!(codes, CATEGORIES);
    }

    #[test]
    fn playbook_finds_each_and_nothing_else() {
        for code in CATEGORIES {
            let p = playbook(code).expect("a playbook");
            assert_eq!(p.category, code);
        }
        for unknown in ["", "no_such_category", "SCAM", " scam", "political_opinion"] {
            assert_eq!(playbook(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn lists_have_the_right_length() {
        for p in PLAYBOOKS {
            assert!(
                (3..=6).contains(&p.first.len()),
                "{}: {} first steps",
                p.category,
                p.first.len()
            );
            assert!(
                (2..=5).contains(&p.avoid.len()),
                "{}: {} avoid",
                p.category,
                p.avoid.len()
            );
            assert!((1..=4).contains(&p.call.len()), "{}: {} call", p.category, p.call.len());
        }
    }

    #[test]
    fn sentences_are_short_full_and_tidy() {
        for p in PLAYBOOKS {
            for t in sentences(p) {
                assert!(!t.trim().is_empty(), "{}: empty sentence", p.category);
                assert!(t.ends_with('.'), "{}: no full stop: {t:?}", p.category);
                assert!(
                    t.chars().count() < 220,
                    "{}: too long ({}): {t:?}",
                    p.category,
                    t.chars().count()
                );
                assert!(
                    t.chars().next().is_some_and(char::is_uppercase),
                    "{}: lower-case start: {t:?}",
                    p.category
                );
            }
            let mut all = sentences(p);
            all.push(p.title);
            for t in all {
                assert_eq!(t, t.trim(), "{}: stray white space in {t:?}", p.category);
                assert!(!t.contains("  "), "{}: double space in {t:?}", p.category);
                assert!(!t.contains('\n'), "{}: line break in {t:?}", p.category);
                // Precomposed Vietnamese letters, not a base letter followed by combining marks.
                assert!(
                    !t.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                    "{}: combining mark in {t:?}",
                    p.category
                );
            }
            assert!(!p.title.is_empty(), "{}: empty title", p.category);
            assert!(!p.title.ends_with('.'), "{}: title ends with a full stop", p.category);
            assert!(p.title.starts_with("Khi "), "{}: title {:?}", p.category, p.title);
            assert!(!p.title.is_ascii(), "{}: no diacritics", p.category);
        }
    }

    #[test]
    fn every_avoid_says_why() {
        for p in PLAYBOOKS {
            for t in p.avoid {
                assert!(t.starts_with("Không "), "{}: {t:?}", p.category);
                assert!(t.contains(" vì "), "{}: no reason in {t:?}", p.category);
            }
        }
    }

    #[test]
    fn child_exploitation_protects_the_child_and_keeps_no_images() {
        let p = playbook("child_exploitation").expect("child_exploitation");
        let text = whole(p);
        for needle in [
            "111",
            "113",
            "an toàn",
            "hiệu trưởng",
            "công an",
            "không hỏi đi hỏi lại",
        ] {
            assert!(text.contains(needle), "does not say {needle:?}");
        }
        assert!(p.first[0].contains("an toàn"), "safety must come first");
        assert!(
            p.first.iter().any(|t| t.contains("111")),
            "111 must be among the first steps"
        );
        let images = p
            .avoid
            .iter()
            .map(|t| t.to_lowercase())
            .find(|t| t.contains("hình ảnh"))
            .expect("an avoid about images");
        for verb in ["không", "sao chép", "chuyển tiếp", "tải về", "lưu", "bằng chứng"] {
            assert!(images.contains(verb), "the image rule does not say {verb:?}");
        }
        assert!(
            text.contains("chất vấn người bị nghi ngờ"),
            "no rule against confronting"
        );
        assert!(
            text.contains("bí mật") && text.contains("cần biết"),
            "no confidentiality rule"
        );
        assert!(
            text.contains("đường dẫn") && text.contains("tên tài khoản"),
            "no note of link and account"
        );
    }

    #[test]
    fn never_about_political_opinion() {
        for p in PLAYBOOKS {
            assert!(!whole(p).contains("chính trị"), "{}: says «chính trị»", p.category);
        }
    }

    #[test]
    fn nobody_is_asked_to_watch_pupils_or_ask_passwords() {
        // Asking for a password, searching a phone or watching an account appears only as a prohibition.
        for p in PLAYBOOKS {
            for t in sentences(p) {
                let lower = t.to_lowercase();
                let watches = ["hỏi mật khẩu", "lục điện thoại", "theo dõi tài khoản"];
                if watches.iter().any(|w| lower.contains(w)) {
                    assert!(t.starts_with("Không "), "{}: {t:?}", p.category);
                }
            }
        }
    }

    #[test]
    fn the_named_facts_are_where_they_belong() {
        let text = |code| whole(playbook(code).expect(code));
        let scam = text("scam");
        for needle in ["kênh chính thức", "otp", "báo cáo", "không chuyển tiền"] {
            assert!(scam.contains(needle), "scam: {needle:?}");
        }
        let false_info = text("false_information");
        for needle in ["đính chính", "lành mạng", "nguồn", "ý kiến"] {
            assert!(false_info.contains(needle), "false_information: {needle:?}");
        }
        let website = text("website_compromised");
        for needle in ["quản trị", "phòng/sở", "giám sát website", "hướng dẫn khắc phục"] {
            assert!(website.contains(needle), "website_compromised: {needle:?}");
        }
        let leak = text("data_leak");
        for needle in ["hiệu trưởng", "luật bảo vệ dữ liệu cá nhân", "hạn chế lan rộng"] {
            assert!(leak.contains(needle), "data_leak: {needle:?}");
        }
        assert!(!leak.contains("điều "), "data_leak names an article");
        let phone = text("phone_rules");
        for needle in ["quy định", "không mở, xem hay lục điện thoại", "cha mẹ"] {
            assert!(phone.contains(needle), "phone_rules: {needle:?}");
        }
        // Only the real hotlines appear: 111 and 113, nothing invented.
        for p in PLAYBOOKS {
            for t in sentences(p) {
                for number in t.split(|c: char| !c.is_ascii_digit()).filter(|s| s.len() >= 3) {
                    assert!(
                        ["111", "113"].contains(&number),
                        "{}: number {number} in {t:?}",
                        p.category
                    );
                }
            }
        }
    }
}
