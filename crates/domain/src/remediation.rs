//! Remediation guides: one per inspection finding code, in plain Vietnamese, for the school's
//! website administrator (requirements S3.2 and T1.5).
//!
//! The website administrator is usually a teacher who also looks after the school's website, not
//! an IT specialist. Each guide says what the finding means, why it matters to pupils, parents
//! and the school, what to do step by step on the hosting schools commonly use (WordPress,
//! Joomla, the shared school portal run for the Department or office, a cPanel or DirectAdmin
//! control panel), how to check the fix, and when to hand the problem to someone else. The
//! guides are the training material as much as the fix: they explain every term they use.
//!
//! The codes are the inspector's stable finding codes; the tests list them all.

use crate::finding::FindingCode;

/// What a website administrator reads next to one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guide {
    /// The finding code, e.g. "tls_expired".
    pub code: &'static str,
    /// A short title.
    pub title: &'static str,
    /// What the finding means, in one to three plain sentences.
    pub what: &'static str,
    /// Why it matters to pupils, parents and the school.
    pub why: &'static str,
    /// Three to seven concrete steps, in order.
    pub steps: &'static [&'static str],
    /// How to check that it is fixed.
    pub verify: &'static str,
    /// When to stop and whom to ask.
    pub ask_for_help: &'static str,
    /// Rough time a non-specialist needs, in minutes.
    pub minutes: u32,
}

/// Every guide, in the inspector's order of finding codes.
pub const GUIDES: &[Guide] = &[
    // Reachability.
    Guide {
        code: "unreachable",
        title: "Không truy cập được website",
        what: "Lành Mạng đã thử mở website của trường nhiều lần nhưng không nhận được trả lời. Có thể tên miền (địa \
            chỉ website, ví dụ truong.edu.vn) hoặc gói hosting (dịch vụ thuê chỗ trên máy chủ để đặt website) đã hết \
            hạn, máy chủ đang hỏng, hoặc máy chủ chặn không cho Lành Mạng vào.",
        why: "Khi website không mở được, phụ huynh và học sinh không đọc được thông báo, kế hoạch và các nội dung công \
            khai của nhà trường. Nếu tên miền hết hạn mà không gia hạn kịp, người khác có thể mua lại và dùng tên của \
            trường để đăng nội dung xấu.",
        steps: &[
            "Tự mở website bằng điện thoại (dùng 4G, không dùng wifi của trường) và bằng máy tính; ghi lại thông báo \
                lỗi mà trình duyệt hiện ra.",
            "Tìm thư, hóa đơn của nơi đăng ký tên miền và của nhà cung cấp hosting để xem tên miền và gói hosting còn \
                hạn không; nếu đã hết hạn, báo ngay Ban giám hiệu để gia hạn.",
            "Đăng nhập trang quản trị hosting (cPanel hoặc DirectAdmin); nếu thấy tài khoản bị tạm khóa (suspended) \
                hoặc hết dung lượng, gọi nhà cung cấp hosting để được mở lại.",
            "Nếu website của trường nằm trên cổng thông tin chung của Sở/Phòng (do VNPT, Viettel hoặc đơn vị khác vận \
                hành), đừng tự sửa mà báo cho đơn vị vận hành cổng hoặc cán bộ công nghệ thông tin của Phòng/Sở.",
            "Nếu thầy cô vẫn mở được website bình thường, có thể máy chủ đang chặn các lượt truy cập lạ: đề nghị nhà \
                cung cấp hosting không chặn công cụ kiểm tra có tên «LanhMangInspector».",
        ],
        verify: "Mở website bằng điện thoại và máy tính thấy trang chủ hiện bình thường, rồi bấm «Kiểm tra lại» trên \
            trang website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting khi gói hosting bị khóa hoặc máy chủ hỏng; liên hệ nơi đăng ký tên \
            miền khi tên miền hết hạn. Nếu sau một ngày website vẫn không mở được, báo cán bộ công nghệ thông tin của \
            Phòng/Sở.",
        minutes: 30,
    },
    Guide {
        code: "http_error",
        title: "Website báo lỗi khi mở trang",
        what: "Máy chủ có trả lời nhưng gửi về một mã lỗi thay cho nội dung trang. Hay gặp nhất là 404 (không có trang \
            này), 403 (bị cấm truy cập), 500 (máy chủ gặp lỗi bên trong) và 503 (máy chủ đang quá tải hoặc đang bảo \
            trì).",
        why: "Người xem gặp trang lỗi sẽ không tìm được thông tin cần và nghĩ rằng website của trường đã bị bỏ. Lỗi ở \
            trang chủ giống như cổng trường đóng: không ai vào được các trang bên trong.",
        steps: &[
            "Xem trong chi tiết phát hiện của Lành Mạng trang nào bị lỗi và mã lỗi là số mấy, rồi tự mở lại địa chỉ đó \
                để chắc chắn.",
            "Với lỗi 404: nếu bài đã bị xóa hoặc đổi địa chỉ, sửa lại đường dẫn trên menu (WordPress: «Giao diện» → \
                «Menu»; Joomla: «Menus») hoặc khôi phục bài viết từ «Thùng rác».",
            "Với lỗi 500 xuất hiện ngay sau khi cài hoặc cập nhật plugin (phần mở rộng) hay giao diện: tắt plugin, \
                giao diện vừa thay đổi; nếu không vào được trang quản trị, dùng «File Manager» trong trang quản trị \
                hosting đổi tên thư mục của plugin đó trong wp-content/plugins.",
            "Với lỗi 503 trên WordPress sau một lần cập nhật bị dừng giữa chừng: mở «File Manager» và xóa tệp \
                .maintenance ở thư mục gốc của website.",
            "Với lỗi 403 hoặc khi chưa rõ nguyên nhân: xem mục «Errors» (nhật ký lỗi) trong cPanel nếu có, rồi gửi địa \
                chỉ trang, mã lỗi và thời điểm cho nhà cung cấp hosting để họ kiểm tra.",
        ],
        verify: "Mở lại đúng địa chỉ bị báo lỗi thấy nội dung hiện bình thường, rồi bấm «Kiểm tra lại» trên trang \
            website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting khi lỗi 500, 503 hoặc 403 kéo dài quá một giờ, hoặc khi cả website đều \
            báo lỗi. Website nằm trên cổng thông tin chung của Sở/Phòng thì báo đơn vị vận hành cổng.",
        minutes: 30,
    },
    Guide {
        code: "slow_response",
        title: "Website phản hồi chậm",
        what: "Website mất quá lâu (vài giây trở lên) mới bắt đầu gửi trang về cho người xem. Nguyên nhân hay gặp là \
            ảnh quá nặng, quá nhiều plugin (phần mở rộng), chưa bật bộ nhớ đệm (cache: lưu sẵn trang đã dựng để lần \
            sau gửi nhanh hơn) hoặc gói hosting quá yếu.",
        why: "Phụ huynh thường xem website bằng điện thoại và mạng di động; trang chậm khiến họ bỏ đi trước khi đọc \
            được thông báo. Vào những lúc đông người truy cập như mùa tuyển sinh, website chậm có thể sập hẳn.",
        steps: &[
            "Trước khi đăng ảnh, thu nhỏ ảnh (chiều ngang khoảng 1200–1600 điểm ảnh) và nén lại: ảnh chụp từ điện \
                thoại thường nặng vài MB, sau khi nén chỉ còn vài trăm KB.",
            "Đăng video lên YouTube hoặc kênh video của trường rồi nhúng vào bài, không tải thẳng tệp video lên \
                website.",
            "WordPress: bật một plugin bộ nhớ đệm (hosting dùng LiteSpeed thì dùng LiteSpeed Cache); Joomla: vào \
                «System» → «Global Configuration», ở thẻ «System» bật «Cache», ở thẻ «Server» bật «Gzip Page \
                Compression».",
            "Tắt và xóa những plugin, giao diện không dùng đến; mỗi plugin thừa đều làm trang chậm hơn và tăng nguy cơ \
                bị tấn công.",
            "Chỉ hiện khoảng 10 bài mới nhất trên trang chủ (WordPress: «Cài đặt» → «Đọc»).",
            "Nếu đã làm các bước trên mà vẫn chậm, hỏi nhà cung cấp hosting xem gói hosting có bị quá tải không \
                (cPanel có mục «Resource Usage») và có cần nâng cấp không.",
        ],
        verify: "Mở website bằng điện thoại dùng 4G thấy trang chủ hiện ra trong vòng 2–3 giây, rồi bấm «Kiểm tra lại» \
            trên trang website trong Lành Mạng.",
        ask_for_help: "Liên hệ nhà cung cấp hosting khi máy chủ quá tải hoặc cần nâng gói. Website nằm trên cổng thông \
            tin chung của Sở/Phòng thì báo đơn vị vận hành cổng, vì trường không tự chỉnh được máy chủ.",
        minutes: 60,
    },
    // HTTPS and certificates.
    Guide {
        code: "no_https",
        title: "Website chưa dùng HTTPS",
        what: "Website chỉ mở được bằng địa chỉ http://, chưa có https://. HTTPS là cách gửi trang đã được mã hóa, nhờ \
            một chứng chỉ bảo mật (giống giấy tờ tùy thân của website); khi có HTTPS, trình duyệt hiện biểu tượng ổ \
            khóa cạnh địa chỉ.",
        why: "Không có HTTPS, trình duyệt ghi «Không an toàn» cạnh địa chỉ, và kẻ xấu dùng chung mạng wifi có thể đọc \
            trộm mật khẩu quản trị hoặc sửa nội dung trang trên đường truyền. Chứng chỉ nay có thể lấy miễn phí nên \
            không còn lý do để thiếu.",
        steps: &[
            "Nếu website nằm trên cổng thông tin chung của Sở/Phòng hoặc do nhà cung cấp quản lý toàn bộ, đề nghị họ \
                bật HTTPS: chứng chỉ của nhiều trường do nhà cung cấp quản lý, trường không tự cài.",
            "cPanel: vào «SSL/TLS Status», chọn tên miền của trường rồi bấm «Run AutoSSL» để nhận chứng chỉ miễn phí \
                (Let's Encrypt hoặc Sectigo), được tự động gia hạn.",
            "DirectAdmin: vào «SSL Certificates», chọn «Free & automatic certificate from Let's Encrypt», đánh dấu cả \
                tên miền có và không có www, rồi bấm «Save».",
            "Mở https://tên-miền-của-trường để chắc chắn trang đã hiện ổ khóa; chỉ khi đó mới sang bước tiếp theo.",
            "WordPress: vào «Cài đặt» → «Tổng quan», đổi cả hai ô «Địa chỉ WordPress (URL)» và «Địa chỉ trang web \
                (URL)» sang https://; Joomla 4 trở lên: «System» → «Global Configuration» → «Server», đặt «Force \
                HTTPS» là «Entire Site».",
            "Làm tiếp hai việc liên quan: cho http:// tự chuyển sang https:// (xem hướng dẫn «Địa chỉ http:// chưa tự \
                chuyển sang https://») và sửa nội dung hỗn hợp nếu Lành Mạng báo.",
        ],
        verify: "Mở https://tên-miền-của-trường thấy biểu tượng ổ khóa, không có cảnh báo, rồi bấm «Kiểm tra lại» trên \
            trang website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting nếu trang quản trị hosting không có chức năng chứng chỉ miễn phí hoặc \
            cấp chứng chỉ bị lỗi. Nếu lỡ đổi địa chỉ WordPress sang https:// khi chưa có chứng chỉ và không đăng nhập \
            được nữa, nhờ nhà cung cấp hoặc cán bộ công nghệ thông tin của Phòng/Sở sửa lại.",
        minutes: 30,
    },
    Guide {
        code: "no_https_redirect",
        title: "Địa chỉ http:// chưa tự chuyển sang https://",
        what: "Website đã có HTTPS, nhưng ai gõ địa chỉ bắt đầu bằng http:// (hoặc bấm vào một đường dẫn cũ) vẫn được \
            đưa vào bản không mã hóa. Cần cài đặt để máy chủ tự chuyển mọi người sang bản https://.",
        why: "Phần lớn phụ huynh chỉ gõ tên miền của trường vào thanh địa chỉ, nên nếu không tự chuyển, họ sẽ xem bản \
            không an toàn. Thầy cô đăng nhập quản trị qua bản http:// còn có thể bị lộ mật khẩu.",
        steps: &[
            "cPanel: vào «Domains», bật công tắc «Force HTTPS Redirect» ở dòng tên miền của trường.",
            "DirectAdmin: vào «Domain Setup», chọn tên miền, đánh dấu «Force SSL with https redirect» rồi lưu.",
            "Joomla 4 trở lên: «System» → «Global Configuration» → «Server», đặt «Force HTTPS» là «Entire Site»; \
                WordPress: kiểm tra «Cài đặt» → «Tổng quan» đã dùng https:// ở cả hai ô địa chỉ.",
            "Nếu không thấy các tùy chọn trên, hoặc website nằm trên cổng thông tin chung của Sở/Phòng, đề nghị nhà \
                cung cấp cài chuyển hướng vĩnh viễn (mã 301) từ http:// sang https://.",
            "Chỉ dùng một cách chuyển hướng (hoặc trong hosting, hoặc bằng plugin), không bật cả hai, vì dễ gây chuyển \
                hướng vòng tròn.",
        ],
        verify: "Gõ http://tên-miền-của-trường vào trình duyệt: địa chỉ phải tự đổi thành https:// và có ổ khóa. Sau \
            đó bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hosting nếu bật chuyển hướng xong website báo lỗi «chuyển hướng quá nhiều lần» \
            hoặc không vào được; nhờ cán bộ công nghệ thông tin của Phòng/Sở khi phải sửa tệp cấu hình máy chủ.",
        minutes: 15,
    },
    Guide {
        code: "tls_expired",
        title: "Chứng chỉ bảo mật đã hết hạn",
        what: "Chứng chỉ bảo mật giúp trình duyệt tin rằng đây đúng là website của trường và mã hóa đường truyền; mỗi \
            chứng chỉ chỉ dùng được trong một thời hạn nhất định. Chứng chỉ của website đã quá hạn mà chưa được gia \
            hạn.",
        why: "Trình duyệt hiện cả một trang cảnh báo như «Kết nối của bạn không phải là kết nối riêng tư», nên phần \
            lớn phụ huynh sẽ không vào được hoặc hoảng sợ bỏ đi. Tệ hơn, ai quen bấm bỏ qua cảnh báo sẽ dễ mắc bẫy các \
            website giả mạo sau này.",
        steps: &[
            "Trước hết xác định ai quản lý chứng chỉ: chứng chỉ của nhiều trường do nhà cung cấp hosting hoặc đơn vị \
                vận hành cổng thông tin của Sở/Phòng (VNPT, Viettel…) quản lý; khi đó gọi ngay cho họ để gia hạn.",
            "cPanel: vào «SSL/TLS Status», chọn tên miền của trường và bấm «Run AutoSSL» để cấp lại chứng chỉ miễn \
                phí.",
            "DirectAdmin: vào «SSL Certificates», chọn «Free & automatic certificate from Let's Encrypt» cho cả tên \
                miền có và không có www, rồi bấm «Save».",
            "Nếu trường đang dùng chứng chỉ trả phí: liên hệ nơi bán để gia hạn và cài chứng chỉ mới; nên cân nhắc \
                chuyển sang chứng chỉ miễn phí Let's Encrypt, được tự động gia hạn.",
            "Nếu cấp lại bị lỗi: kiểm tra tên miền còn hạn và vẫn trỏ về đúng hosting; tạm tắt plugin bảo mật hoặc quy \
                tắc trong tệp .htaccess có thể chặn thư mục /.well-known/ rồi thử lại.",
            "Sau khi xong, bảo đảm chế độ tự động gia hạn đang bật (AutoSSL và Let's Encrypt tự gia hạn nếu không bị \
                tắt) và đặt lịch nhắc hằng tháng trên điện thoại để xem ngày hết hạn.",
        ],
        verify: "Mở https://tên-miền-của-trường, bấm vào biểu tượng bên trái thanh địa chỉ để xem chứng chỉ hợp lệ và \
            ngày hết hạn mới, rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting ngay nếu không tự cấp lại được trong vòng một buổi, vì lúc này website \
            gần như không dùng được. Báo cán bộ công nghệ thông tin của Phòng/Sở nếu nhà cung cấp chậm xử lý.",
        minutes: 20,
    },
    Guide {
        code: "tls_expiring_soon",
        title: "Chứng chỉ bảo mật sắp hết hạn",
        what: "Chứng chỉ bảo mật của website (giúp trình duyệt tin rằng đây đúng là website của trường và mã hóa đường \
            truyền) sắp hết hạn, thường là chỉ còn dưới 30 ngày. Nếu để quá hạn, trình duyệt sẽ chặn người xem bằng \
            một trang cảnh báo.",
        why: "Gia hạn lúc này chỉ mất vài phút, còn khi đã hết hạn thì phụ huynh, học sinh sẽ gặp cảnh báo đỏ và không \
            vào được website. Chứng chỉ miễn phí thường được tự gia hạn khoảng 30 ngày trước hạn, nên phát hiện này \
            cũng có thể cho biết việc tự gia hạn đang trục trặc.",
        steps: &[
            "Hỏi nhà cung cấp hosting hoặc đơn vị vận hành cổng thông tin của Sở/Phòng xem ai đang quản lý chứng chỉ \
                (nhiều trường do nhà cung cấp quản lý); nếu là họ, báo họ ngày hết hạn ghi trong chi tiết của Lành \
                Mạng.",
            "cPanel: vào «SSL/TLS Status» xem chứng chỉ có được AutoSSL quản lý không và có báo lỗi không; bấm «Run \
                AutoSSL» để gia hạn ngay.",
            "DirectAdmin: vào «SSL Certificates», kiểm tra đang dùng chứng chỉ Let's Encrypt tự động; nếu chưa, chọn \
                «Free & automatic certificate from Let's Encrypt» rồi lưu.",
            "Nếu là chứng chỉ trả phí: liên hệ nơi bán để gia hạn sớm, hoặc chuyển sang chứng chỉ miễn phí Let's \
                Encrypt có tự động gia hạn.",
            "Nếu việc tự gia hạn báo lỗi: kiểm tra tên miền còn hạn, vẫn trỏ về đúng hosting, và không có plugin bảo \
                mật hay quy tắc trong tệp .htaccess nào chặn thư mục /.well-known/.",
        ],
        verify: "Mở website, bấm vào biểu tượng bên trái thanh địa chỉ để xem ngày hết hạn mới của chứng chỉ, rồi bấm \
            «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting nếu việc tự gia hạn liên tục báo lỗi, hoặc khi chỉ còn dưới một tuần \
            mà chứng chỉ vẫn chưa được gia hạn.",
        minutes: 15,
    },
    Guide {
        code: "tls_self_signed",
        title: "Chứng chỉ bảo mật tự ký",
        what: "Website đang dùng một chứng chỉ do chính máy chủ tự tạo, không được tổ chức cấp chứng chỉ nào xác nhận. \
            Giống như một tấm thẻ tự in, trình duyệt không tin nó và sẽ hiện cảnh báo.",
        why: "Người xem gặp trang cảnh báo bảo mật và không phân biệt được đây là website thật của trường hay trang \
            giả mạo. Lỗi này thường xảy ra khi hosting vừa được cài đặt mà chưa cấp chứng chỉ thật.",
        steps: &[
            "Hỏi nhà cung cấp hosting hoặc đơn vị vận hành cổng thông tin của Sở/Phòng xem ai quản lý chứng chỉ; chứng \
                chỉ của nhiều trường do nhà cung cấp quản lý, khi đó đề nghị họ thay bằng chứng chỉ thật.",
            "cPanel: vào «SSL/TLS Status», chọn tên miền và bấm «Run AutoSSL» để nhận chứng chỉ miễn phí được trình \
                duyệt tin cậy.",
            "DirectAdmin: vào «SSL Certificates», chọn «Free & automatic certificate from Let's Encrypt» thay cho \
                chứng chỉ tự ký, rồi lưu.",
            "Bảo đảm chế độ tự động gia hạn đang bật để không phải làm lại bằng tay mỗi lần chứng chỉ sắp hết hạn.",
        ],
        verify: "Mở https://tên-miền-của-trường bằng điện thoại hoặc một trình duyệt khác thấy không còn trang cảnh \
            báo, rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting nếu trang quản trị không có chức năng cấp chứng chỉ miễn phí, hoặc máy \
            chủ do nhà cung cấp quản lý.",
        minutes: 20,
    },
    Guide {
        code: "tls_hostname_mismatch",
        title: "Chứng chỉ không đúng tên miền của trường",
        what: "Chứng chỉ bảo mật mà website đưa ra được cấp cho một tên miền khác: ví dụ chỉ cho www.truong.edu.vn \
            trong khi người xem mở truong.edu.vn, hoặc là chứng chỉ chung của nhà cung cấp hosting. Trình duyệt coi \
            đây là dấu hiệu có thể bị giả mạo.",
        why: "Người xem gặp cảnh báo bảo mật toàn trang và có thể không vào được website. Lỗi này hay xuất hiện ngay \
            sau khi trường đổi tên miền hoặc chuyển sang hosting mới mà quên cấp chứng chỉ mới.",
        steps: &[
            "Xem trong chi tiết của Lành Mạng chứng chỉ hiện đang mang tên miền nào và so với địa chỉ của trường.",
            "Nếu chứng chỉ do nhà cung cấp hosting hoặc cổng thông tin của Sở/Phòng quản lý (nhiều trường như vậy), \
                gửi họ thông tin này và đề nghị cấp chứng chỉ đúng tên miền.",
            "cPanel: vào «SSL/TLS Status», đánh dấu cả tên miền có www và không có www, bấm «Run AutoSSL» để cấp chứng \
                chỉ miễn phí (Let's Encrypt hoặc Sectigo) gồm cả hai tên, được tự động gia hạn.",
            "DirectAdmin: vào «SSL Certificates», chọn «Free & automatic certificate from Let's Encrypt» và đánh dấu \
                đủ mọi tên miền mà trường đang dùng, rồi lưu.",
            "Nếu trường vừa đổi tên miền hoặc chuyển hosting: hỏi nơi quản lý tên miền để chắc tên miền đã trỏ về đúng \
                máy chủ mới, vì chứng chỉ chỉ cấp được khi tên miền trỏ đúng.",
        ],
        verify: "Mở cả https://tên-miền-của-trường và https://www.tên-miền-của-trường, cả hai đều không có cảnh báo; \
            rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting khi không cấp được chứng chỉ đúng tên miền hoặc không rõ tên miền đang \
            trỏ về đâu; cán bộ công nghệ thông tin của Phòng/Sở có thể giúp kiểm tra cấu hình tên miền .edu.vn.",
        minutes: 30,
    },
    Guide {
        code: "tls_incomplete_chain",
        title: "Thiếu chứng chỉ trung gian",
        what: "Chứng chỉ của website được xác nhận qua một chuỗi: tổ chức cấp chứng chỉ gốc, rồi chứng chỉ trung gian, \
            rồi mới đến chứng chỉ của trường. Máy chủ phải gửi kèm chứng chỉ trung gian nhưng hiện đang bỏ sót.",
        why: "Trình duyệt trên máy tính thường tự tìm được mắt xích còn thiếu nên thầy cô có thể không thấy lỗi, nhưng \
            nhiều điện thoại, ứng dụng và hệ thống tự động (như hệ thống lấy tin của Sở/Phòng) sẽ báo lỗi hoặc không \
            kết nối được.",
        steps: &[
            "Nếu chứng chỉ do nhà cung cấp hosting hoặc cổng thông tin của Sở/Phòng quản lý (nhiều trường như vậy), \
                báo họ cài thêm chứng chỉ trung gian (thường gọi là tệp «CA Bundle» hoặc «fullchain»).",
            "Lỗi này hay gặp khi tự cài chứng chỉ trả phí. Cách đơn giản nhất là chuyển sang chứng chỉ miễn phí Let's \
                Encrypt qua «SSL/TLS Status» → «Run AutoSSL» (cPanel) hoặc «SSL Certificates» (DirectAdmin): chúng tự \
                gửi đủ chuỗi và được tự động gia hạn.",
            "Nếu vẫn dùng chứng chỉ trả phí trên cPanel: vào «SSL/TLS» → «Manage SSL sites», chọn tên miền, bấm \
                «Autofill by Certificate» để điền ô «Certificate Authority Bundle», rồi bấm «Install Certificate».",
            "Trên DirectAdmin: vào «SSL Certificates», mở phần dán chứng chỉ CA (chứng chỉ gốc, trung gian), dán nội \
                dung tệp CA Bundle mà nơi bán chứng chỉ gửi, rồi lưu.",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng; có thể kiểm tra thêm bằng công cụ miễn phí SSL \
            Labs (ssllabs.com/ssltest), dòng «Chain issues» không còn ghi «Incomplete».",
        ask_for_help: "Nhờ nhà cung cấp hosting hoặc nơi bán chứng chỉ khi không tìm thấy tệp CA Bundle hoặc không \
            biết dán vào đâu.",
        minutes: 20,
    },
    Guide {
        code: "tls_weak_key",
        title: "Chứng chỉ dùng khóa mã hóa yếu",
        what: "Chứng chỉ của website được tạo bằng một khóa mã hóa quá ngắn (ví dụ RSA dưới 2048 bit) hoặc được ký \
            theo cách đã lỗi thời (như SHA-1). Với máy tính ngày nay, những khóa như vậy có thể bị bẻ.",
        why: "Khóa yếu làm giảm tác dụng của HTTPS: kẻ xấu có thể giả mạo website hoặc đọc trộm dữ liệu. Các trình \
            duyệt mới cũng dần từ chối những chứng chỉ này, khiến website báo lỗi.",
        steps: &[
            "Nếu chứng chỉ do nhà cung cấp hosting hoặc cổng thông tin của Sở/Phòng quản lý (nhiều trường như vậy), đề \
                nghị họ cấp lại chứng chỉ với khóa RSA từ 2048 bit trở lên (hoặc ECDSA) và ký bằng SHA-256.",
            "Cách dễ nhất là dùng chứng chỉ miễn phí Let's Encrypt: cPanel vào «SSL/TLS Status» bấm «Run AutoSSL»; \
                DirectAdmin vào «SSL Certificates» chọn «Free & automatic certificate from Let's Encrypt». Các chứng \
                chỉ này dùng khóa đủ mạnh và được tự động gia hạn.",
            "Nếu vẫn dùng chứng chỉ trả phí: tạo yêu cầu cấp chứng chỉ (CSR) mới với khóa 2048 bit trở lên trong \
                cPanel («SSL/TLS» → «Certificate Signing Requests»), rồi đề nghị nơi bán cấp lại.",
            "Sau khi chứng chỉ mới đã chạy, xóa chứng chỉ và khóa cũ khỏi trang quản trị hosting để không bị cài nhầm \
                lại.",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng; có thể xem thêm bằng SSL Labs \
            (ssllabs.com/ssltest), dòng «Key» ghi RSA từ 2048 bit hoặc EC từ 256 bit.",
        ask_for_help: "Nhờ nhà cung cấp hosting hoặc cán bộ công nghệ thông tin của Phòng/Sở khi cần tạo khóa mới hay \
            cài chứng chỉ bằng tay.",
        minutes: 20,
    },
    // Headers and software.
    Guide {
        code: "mixed_content",
        title: "Trang HTTPS còn tải nội dung qua http://",
        what: "Trang đã mở bằng https:// nhưng bên trong vẫn lấy ảnh, tệp hoặc đoạn mã qua địa chỉ http:// không mã \
            hóa; người ta gọi đó là «nội dung hỗn hợp». Trình duyệt sẽ chặn một số phần hoặc bỏ biểu tượng ổ khóa.",
        why: "Ảnh, video hay nút bấm có thể không hiện, và trang bị đánh dấu không an toàn dù trường đã có chứng chỉ. \
            Những đoạn mã tải qua http:// còn có thể bị kẻ xấu tráo trên đường truyền.",
        steps: &[
            "Xem danh sách địa chỉ http:// trong chi tiết của Lành Mạng, hoặc mở trang, bấm F12 và xem các dòng cảnh \
                báo «Mixed Content» ở thẻ «Console».",
            "WordPress: kiểm tra «Cài đặt» → «Tổng quan» đã dùng https:// ở cả hai ô địa chỉ.",
            "Sao lưu website trước, rồi dùng một plugin tìm và thay thế trong cơ sở dữ liệu để đổi \
                «http://tên-miền-của-trường» thành «https://tên-miền-của-trường» trong mọi bài viết; với Joomla hoặc \
                cổng thông tin thì sửa trong từng bài, từng module.",
            "Sửa tay những chỗ mà cách trên không đổi được: logo, ảnh đầu trang, menu, khối chân trang, widget \
                (WordPress: «Giao diện» → «Tùy biến» và «Widget»).",
            "Với nội dung nhúng từ website khác (video, bản đồ, biểu mẫu), lấy lại mã nhúng bản https://; nếu website \
                đó không có https://, gỡ phần nhúng hoặc thay bằng một đường dẫn thường.",
        ],
        verify: "Mở lại trang thấy biểu tượng ổ khóa bình thường và thẻ «Console» (F12) không còn cảnh báo «Mixed \
            Content», rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hosting hoặc người làm giao diện nếu địa chỉ http:// nằm trong mã của giao \
            diện; website trên cổng thông tin chung thì báo đơn vị vận hành cổng.",
        minutes: 45,
    },
    Guide {
        code: "generator_disclosed",
        title: "Website để lộ tên và phiên bản phần mềm",
        what: "Mã của trang có ghi tên phần mềm làm website kèm số phiên bản, ví dụ «WordPress 6.2» hay «Joomla! 4.3». \
            Người xem thường không thấy dòng này, nhưng công cụ dò quét của kẻ tấn công thì đọc được.",
        why: "Biết chính xác phiên bản, kẻ xấu dễ chọn lỗ hổng đã biết để tấn công hàng loạt website trường học. Ẩn \
            phiên bản không thay được việc cập nhật, nhưng làm website bớt lộ trước các công cụ dò quét tự động.",
        steps: &[
            "Trước hết bảo đảm phần mềm, giao diện và plugin đã được cập nhật lên phiên bản mới nhất; đây mới là cách \
                bảo vệ chính.",
            "WordPress: dùng một plugin bảo mật có uy tín có tùy chọn ẩn phiên bản WordPress, hoặc nhờ người làm giao \
                diện gỡ thẻ generator trong giao diện con (child theme).",
            "WordPress: dùng «File Manager» xóa tệp readme.html ở thư mục gốc, vì tệp này cũng ghi phiên bản (sau mỗi \
                lần cập nhật có thể phải xóa lại).",
            "Joomla: nhờ người làm giao diện tắt dòng generator trong template, hoặc dùng một tiện ích có chức năng \
                này từ kho tiện ích chính thức của Joomla.",
            "Website trên cổng thông tin chung của Sở/Phòng: báo đơn vị vận hành cổng, vì trường không sửa được phần \
                mã dùng chung.",
        ],
        verify: "Mở trang, bấm Ctrl+U để xem mã trang, bấm Ctrl+F tìm chữ «generator» thấy không còn số phiên bản; rồi \
            bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Việc này không gấp. Nhờ người làm giao diện, nhà cung cấp hosting hoặc cán bộ công nghệ thông \
            tin của Phòng/Sở nếu phải sửa mã giao diện.",
        minutes: 15,
    },
    Guide {
        code: "outdated_cms",
        title: "Phần mềm website đã cũ",
        what: "Website đang chạy một phiên bản WordPress hoặc Joomla đã cũ (đây là phần mềm quản lý nội dung, còn gọi \
            là CMS, dùng để đăng bài lên website). Các bản cũ có những lỗ hổng đã được công bố rộng rãi, và nhiều bản \
            không còn được vá lỗi bảo mật nữa.",
        why: "Phần lớn các website trường học bị chèn nội dung cờ bạc là do phần mềm, plugin hoặc giao diện lâu không \
            được cập nhật. Cập nhật đều đặn là cách rẻ nhất để giữ an toàn cho website của trường.",
        steps: &[
            "Sao lưu toàn bộ website (các tệp và cơ sở dữ liệu) trước khi làm: cPanel dùng «Backup» hoặc «JetBackup», \
                DirectAdmin dùng «Create/Restore Backups»; tải bản sao lưu về máy.",
            "WordPress: vào «Bảng tin» → «Cập nhật», cập nhật WordPress trước, rồi đến plugin, giao diện và bản dịch; \
                nên làm vào lúc ít người truy cập.",
            "Xóa những plugin, giao diện không dùng, không còn được tác giả cập nhật, hoặc là bản «crack», «nulled» \
                tải trôi nổi trên mạng: những thứ này hay bị cài sẵn mã độc.",
            "Joomla: vào «System» → «Update» → «Joomla» để cập nhật, rồi cập nhật các tiện ích (Extensions). Riêng \
                việc lên từ Joomla 3 là chuyển đổi lớn, không phải bấm một nút là xong: hãy nhờ người có chuyên môn.",
            "Hỏi nhà cung cấp hosting phiên bản PHP (ngôn ngữ mà WordPress và Joomla chạy trên đó) đang dùng, vì phần \
                mềm mới cần PHP mới; cPanel có mục «Select PHP Version» hoặc «MultiPHP Manager».",
            "WordPress: bật tự động cập nhật cho plugin và giao diện (liên kết «Bật tự động cập nhật» trong danh sách \
                plugin).",
        ],
        verify: "Trang «Bảng tin» → «Cập nhật» (WordPress) hoặc «System» → «Update» (Joomla) báo đã là bản mới nhất và \
            website vẫn chạy bình thường; rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hosting hoặc cán bộ công nghệ thông tin của Phòng/Sở khi phải nâng PHP, nâng \
            từ Joomla 3 hoặc WordPress rất cũ, hoặc khi website lỗi sau khi cập nhật (lúc đó khôi phục từ bản sao lưu \
            vừa tạo). Website trên cổng thông tin chung do đơn vị vận hành cổng cập nhật.",
        minutes: 60,
    },
    // Content.
    Guide {
        code: "stale_content",
        title: "Website lâu không có tin mới",
        what: "Lành Mạng không thấy bài viết hay tin tức mới nào trên website trong một thời gian dài (quá số ngày mà \
            tiêu chí kiểm tra của Phòng/Sở quy định, mặc định 90 ngày). Website trông như đã bị bỏ quên.",
        why: "Phụ huynh tìm đến website để biết lịch học, thông báo và hoạt động của con; thông tin cũ khiến họ chuyển \
            sang những nguồn kém tin cậy hơn. Website được cập nhật đều đặn cũng là nơi tốt nhất để trường đưa thông \
            tin đúng, nêu gương tốt và đính chính tin đồn sai.",
        steps: &[
            "Cùng Ban giám hiệu thống nhất một lịch đăng đơn giản, ví dụ mỗi tháng ít nhất 2 tin: hoạt động của \
                trường, thông báo, gương học sinh và thầy cô tiêu biểu.",
            "Nhờ mỗi tổ chuyên môn hoặc mỗi khối lớp gửi ảnh và vài dòng mô tả sau mỗi hoạt động; người quản trị chỉ \
                cần biên tập và đăng.",
            "Khi đăng ảnh học sinh, chỉ dùng ảnh đã được cha mẹ các em đồng ý; tránh ghi kèm họ tên đầy đủ, lớp và \
                những thông tin riêng của các em.",
            "Ghi rõ ngày đăng trên bài viết; gỡ hoặc ghi «đã hết hạn» cho những thông báo cũ, như thông báo tuyển sinh \
                năm trước.",
            "Với cổng thông tin của Sở/Phòng, đăng bằng đúng chức năng tin tức của cổng để bài mới hiện lên trang chủ \
                và trong nguồn tin RSS.",
        ],
        verify: "Trang chủ hiện bài mới nhất có ngày đăng gần đây; rồi bấm «Kiểm tra lại» trên trang website trong \
            Lành Mạng.",
        ask_for_help: "Nếu đã đăng bài mà Lành Mạng vẫn báo lâu không cập nhật, có thể ngày đăng không hiện trên trang \
            hoặc nguồn tin RSS bị lỗi: nhờ nhà cung cấp hoặc cán bộ công nghệ thông tin của Phòng/Sở kiểm tra.",
        minutes: 30,
    },
    Guide {
        code: "disclosure_missing",
        title: "Chưa có mục Công khai",
        what: "Lành Mạng không tìm thấy mục «Công khai» trên website. Theo Thông tư 09/2024/TT-BGDĐT, trường phải công \
            khai trên trang thông tin điện tử của mình các nội dung như thông tin chung, tài chính, đội ngũ, cơ sở vật \
            chất, đảm bảo chất lượng, kế hoạch và kết quả giáo dục, báo cáo thường niên.",
        why: "Công khai là trách nhiệm của nhà trường theo quy định, và là cách để phụ huynh, xã hội theo dõi các \
            khoản thu chi và chất lượng giáo dục. Thiếu mục này, trường bị đánh giá là chưa thực hiện quy định khi \
            được kiểm tra.",
        steps: &[
            "Báo Ban giám hiệu: nội dung công khai do Hiệu trưởng chịu trách nhiệm và duyệt, người quản trị website lo \
                phần đăng tải.",
            "Tạo mục «Công khai» trên menu chính (WordPress: «Giao diện» → «Menu»; Joomla: «Menus»). Cổng thông tin \
                của Sở/Phòng thường có sẵn chuyên mục công khai; không thấy thì hỏi đơn vị vận hành cổng.",
            "Trong mục đó tạo các trang hoặc chuyên mục con, đặt tên rõ ràng: Thông tin chung; Tài chính; Đội ngũ; Cơ \
                sở vật chất; Đảm bảo chất lượng; Kế hoạch và kết quả giáo dục; Báo cáo thường niên.",
            "Xin tài liệu từ người phụ trách (kế toán cho phần tài chính, Phó Hiệu trưởng cho kế hoạch giáo dục…), \
                đăng tệp PDF kèm vài dòng tóm tắt và ngày cập nhật.",
            "Trước khi đăng, bỏ hoặc che những thông tin cá nhân không cần công khai: số căn cước, địa chỉ nhà, số \
                điện thoại riêng của thầy cô, điểm số và thông tin của từng học sinh.",
            "Đặt lịch cập nhật lại mỗi năm học, và giữ nội dung các năm trước trong một mục lưu trữ.",
        ],
        verify: "Từ trang chủ, bấm vào mục «Công khai» trên menu và mở được từng phần; rồi bấm «Kiểm tra lại» trên \
            trang website trong Lành Mạng.",
        ask_for_help: "Hỏi chuyên viên Phòng/Sở phụ trách khi chưa rõ cần công khai những nội dung gì và theo mẫu nào; \
            nhờ đơn vị vận hành cổng thông tin hoặc nhà cung cấp khi không tạo được menu, chuyên mục.",
        minutes: 120,
    },
    Guide {
        code: "disclosure_incomplete",
        title: "Mục Công khai còn thiếu nội dung",
        what: "Website đã có mục «Công khai», nhưng Lành Mạng không tìm thấy một số phần bắt buộc theo Thông tư \
            09/2024/TT-BGDĐT. Những phần còn thiếu được liệt kê trong chi tiết của phát hiện.",
        why: "Công khai chưa đủ thì phụ huynh thiếu thông tin, và trường vẫn bị đánh giá là chưa thực hiện đúng quy \
            định. Nội dung công khai phải được cập nhật hằng năm, nên mục đã đủ năm trước vẫn có thể thiếu năm nay.",
        steps: &[
            "Xem trong chi tiết của Lành Mạng những phần còn thiếu (ví dụ Tài chính, Cơ sở vật chất, Báo cáo thường \
                niên).",
            "Xin tài liệu cho từng phần từ người phụ trách và trình Hiệu trưởng duyệt trước khi đăng.",
            "Tạo trang hoặc chuyên mục con cho mỗi phần, đặt tiêu đề dùng đúng tên gọi trong Thông tư (ví dụ «Công \
                khai tài chính», «Cơ sở vật chất») để người xem và Lành Mạng đều nhận ra.",
            "Đặt đường dẫn đến từng phần ngay trong trang «Công khai», không để tài liệu nằm lẫn trong mục tin tức.",
            "Không đăng thông tin cá nhân không cần thiết: số căn cước, địa chỉ nhà, số điện thoại riêng, điểm số của \
                từng học sinh.",
        ],
        verify: "Mở trang «Công khai» thấy đủ đường dẫn đến các phần, mỗi phần có nội dung của năm học hiện tại; rồi \
            bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Hỏi chuyên viên Phòng/Sở phụ trách khi chưa rõ một phần cần những nội dung gì; báo đơn vị vận \
            hành cổng thông tin nếu chuyên mục có sẵn của cổng thiếu phần cần thiết.",
        minutes: 60,
    },
    // Compromise.
    Guide {
        code: "spam_visible",
        title: "Website hiện nội dung cờ bạc, cá cược",
        what: "Trên website có bài viết, quảng cáo hoặc trang về cờ bạc, cá cược, «nhà cái» mà nhà trường không hề \
            đăng. Đây là một sự cố an ninh mạng: kẻ xấu đã vào được website và đưa nội dung này lên.",
        why: "Học sinh, phụ huynh có thể bị dẫn đến các trang cờ bạc bất hợp pháp, và uy tín của nhà trường bị ảnh \
            hưởng nặng. Kẻ đã vào được thường để lại «cửa hậu» (đoạn mã bí mật để quay lại), nên chỉ xóa bài là chưa \
            đủ.",
        steps: &[
            "Bình tĩnh: đây là sự cố an ninh, không phải lỗi riêng của thầy cô, và xử lý được. Chụp màn hình, ghi lại \
                địa chỉ các trang lạ và thời điểm phát hiện trước khi xóa bất cứ thứ gì.",
            "Báo ngay Ban giám hiệu, cán bộ công nghệ thông tin của Phòng/Sở và nhà cung cấp hosting. Nếu người xem bị \
                chuyển sang trang lạ, tạm đóng website hoặc bật chế độ bảo trì ngay (nhờ nhà cung cấp nếu không tự làm \
                được).",
            "Từ một máy tính sạch (đã quét virus), đổi tất cả mật khẩu: mọi tài khoản quản trị website, trang quản trị \
                hosting, FTP, cơ sở dữ liệu và hộp thư gắn với website.",
            "Kiểm tra danh sách tài khoản quản trị (WordPress: «Thành viên», lọc «Quản trị viên»; Joomla: «Users») và \
                xóa mọi tài khoản lạ.",
            "Khôi phục website từ một bản sao lưu sạch, có từ trước khi bị chèn nội dung (hosting thường giữ bản sao \
                lưu vài ngày đến vài tuần); nếu không có bản sạch, nhờ nhà cung cấp quét và làm sạch.",
            "Cập nhật phần mềm, plugin, giao diện lên bản mới nhất; xóa những thứ không dùng và mọi bản «crack», \
                «nulled».",
            "Gỡ các bài, trang cờ bạc còn sót, rồi tìm trên Google «site:tên-miền-của-trường cá cược» để biết còn \
                trang nào bị chèn.",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng, tìm lại trên Google «site:tên-miền-của-trường \
            cá cược» không còn trang lạ, và kiểm tra lại sau vài ngày vì nội dung có thể quay lại nếu còn cửa hậu.",
        ask_for_help: "Đây là sự cố an ninh: luôn báo Phòng/Sở, kể cả khi đã tự xử lý xong. Nhờ nhà cung cấp hosting \
            quét mã độc và khôi phục; báo cơ quan công an (bộ phận an ninh mạng) theo hướng dẫn của Phòng/Sở nếu bị \
            đòi tiền, bị lộ dữ liệu cá nhân hoặc bị tấn công lặp lại.",
        minutes: 240,
    },
    Guide {
        code: "spam_hidden",
        title: "Website bị chèn nội dung cờ bạc ẩn",
        what: "Trong mã của trang có chữ hoặc liên kết về cờ bạc, cá cược được giấu đi: người xem không thấy, nhưng \
            Google và các công cụ tìm kiếm vẫn đọc được. Đây là một sự cố an ninh mạng: kẻ xấu đã chèn mã vào website \
            để mượn uy tín của trường quảng bá cho trang cờ bạc.",
        why: "Khi tìm tên trường trên Google, phụ huynh có thể thấy tiêu đề, mô tả về cờ bạc, và website có thể bị \
            đánh dấu là nguy hiểm. Kẻ chèn được nội dung ẩn thì cũng có thể làm những việc tệ hơn, như đánh cắp mật \
            khẩu.",
        steps: &[
            "Bình tĩnh: đây là sự cố an ninh, không phải lỗi riêng của thầy cô, và xử lý được. Ghi lại bằng chứng \
                trước khi sửa: mở trang, bấm Ctrl+U để xem mã, chụp màn hình đoạn chữ lạ và ghi lại địa chỉ trang, \
                thời điểm.",
            "Báo ngay Ban giám hiệu, cán bộ công nghệ thông tin của Phòng/Sở và nhà cung cấp hosting. Nếu người xem bị \
                chuyển sang trang lạ, tạm đóng website hoặc bật chế độ bảo trì ngay.",
            "Từ một máy tính sạch (đã quét virus), đổi tất cả mật khẩu: mọi tài khoản quản trị website, trang quản trị \
                hosting, FTP, cơ sở dữ liệu và hộp thư gắn với website.",
            "Kiểm tra danh sách tài khoản quản trị (WordPress: «Thành viên», lọc «Quản trị viên»; Joomla: «Users») và \
                xóa mọi tài khoản lạ.",
            "Khôi phục website từ một bản sao lưu sạch, có từ trước khi bị chèn; nếu không có, nhờ nhà cung cấp tìm và \
                gỡ đoạn mã lạ trong các tệp giao diện (header.php, footer.php, functions.php), trong widget và tệp \
                .htaccess.",
            "Cập nhật phần mềm, plugin, giao diện lên bản mới nhất; xóa những thứ không dùng và mọi bản «crack», \
                «nulled».",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng; mở mã trang (Ctrl+U), tìm (Ctrl+F) các chữ như \
            «cá cược», «casino» không còn thấy; kiểm tra lại sau vài ngày vì mã có thể quay lại nếu còn cửa hậu.",
        ask_for_help: "Đây là sự cố an ninh: luôn báo Phòng/Sở, kể cả khi đã tự xử lý xong. Nhờ nhà cung cấp hosting \
            quét mã độc; báo cơ quan công an (bộ phận an ninh mạng) theo hướng dẫn của Phòng/Sở nếu bị lộ dữ liệu cá \
            nhân hoặc bị tấn công lặp lại.",
        minutes: 240,
    },
    Guide {
        code: "cloaking",
        title: "Website hiện nội dung khác cho Google",
        what: "Website cho người xem thấy trang bình thường, nhưng lại đưa cho Google và các công cụ tìm kiếm một nội \
            dung khác, thường là cờ bạc, cá cược. Đây là một sự cố an ninh mạng: mã độc được cài vào website để đánh \
            lừa, nên thầy cô mở trang sẽ không thấy gì lạ.",
        why: "Tìm tên trường trên Google sẽ ra nội dung cờ bạc, làm mất uy tín của nhà trường và có thể đưa học sinh \
            đến các trang xấu. Vì mắt thường khó thấy, sự cố này thường kéo dài nhiều tháng nếu không được xử lý.",
        steps: &[
            "Bình tĩnh: đây là sự cố an ninh, không phải lỗi riêng của thầy cô, và xử lý được. Tìm trên Google \
                «site:tên-miền-của-trường» rồi chụp màn hình các kết quả lạ làm bằng chứng.",
            "Báo ngay Ban giám hiệu, cán bộ công nghệ thông tin của Phòng/Sở và nhà cung cấp hosting. Nếu người xem bị \
                chuyển sang trang lạ, tạm đóng website hoặc bật chế độ bảo trì ngay.",
            "Từ một máy tính sạch (đã quét virus), đổi tất cả mật khẩu: mọi tài khoản quản trị website, trang quản trị \
                hosting, FTP, cơ sở dữ liệu và hộp thư gắn với website.",
            "Kiểm tra danh sách tài khoản quản trị (WordPress: «Thành viên», lọc «Quản trị viên»; Joomla: «Users») và \
                xóa mọi tài khoản lạ.",
            "Khôi phục website từ một bản sao lưu sạch, có từ trước khi bị cài mã; nếu không có, nhờ nhà cung cấp rà \
                tệp .htaccess, index.php và các plugin, giao diện để gỡ mã lạ.",
            "Cập nhật phần mềm, plugin, giao diện lên bản mới nhất; xóa những thứ không dùng và mọi bản «crack», \
                «nulled».",
            "Nếu trường đã đăng ký Google Search Console, dùng chức năng kiểm tra URL để xem Google thấy gì, và yêu \
                cầu Google thu thập lại các trang sau khi đã sạch.",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng; vài ngày sau tìm lại trên Google \
            «site:tên-miền-của-trường» thấy các kết quả cờ bạc đã giảm dần và không có trang lạ mới.",
        ask_for_help: "Đây là sự cố an ninh: luôn báo Phòng/Sở, kể cả khi đã tự xử lý xong. Việc tìm mã đánh lừa cần \
            người có chuyên môn: nhờ nhà cung cấp hosting hoặc cán bộ công nghệ thông tin của Phòng/Sở; báo cơ quan \
            công an (bộ phận an ninh mạng) theo hướng dẫn của Phòng/Sở nếu bị tấn công lặp lại.",
        minutes: 240,
    },
    Guide {
        code: "malicious_redirect",
        title: "Người xem bị chuyển sang trang cờ bạc",
        what: "Khi mở website của trường (nhiều khi chỉ xảy ra trên điện thoại, hoặc khi bấm vào kết quả tìm kiếm trên \
            Google), người xem bị đưa thẳng sang một trang cờ bạc, cá cược bên ngoài. Đây là một sự cố an ninh mạng \
            nghiêm trọng: website đã bị chèn mã chuyển hướng.",
        why: "Học sinh và phụ huynh bị dẫn thẳng từ địa chỉ của nhà trường vào trang cờ bạc bất hợp pháp, có thể kèm \
            lừa đảo hoặc mã độc. Cần xử lý ngay trong ngày.",
        steps: &[
            "Bình tĩnh nhưng làm ngay: đây là sự cố an ninh. Tạm đóng website hoặc bật chế độ bảo trì để không thêm ai \
                bị chuyển đi: nhờ nhà cung cấp hosting tạm khóa, hoặc với Joomla vào «System» → «Global \
                Configuration», đặt «Site Offline» là «Yes».",
            "Báo ngay Ban giám hiệu, cán bộ công nghệ thông tin của Phòng/Sở và nhà cung cấp hosting; gửi kèm ảnh chụp \
                màn hình, địa chỉ trang bị chuyển tới và thời điểm phát hiện.",
            "Từ một máy tính sạch (đã quét virus), đổi tất cả mật khẩu: mọi tài khoản quản trị website, trang quản trị \
                hosting, FTP, cơ sở dữ liệu và hộp thư gắn với website.",
            "Kiểm tra danh sách tài khoản quản trị (WordPress: «Thành viên», lọc «Quản trị viên»; Joomla: «Users») và \
                xóa mọi tài khoản lạ.",
            "Khôi phục website từ một bản sao lưu sạch, có từ trước khi bị chèn mã; nếu không có, nhờ nhà cung cấp rà \
                tệp .htaccess, index.php, giao diện và plugin để gỡ mã chuyển hướng.",
            "Cập nhật phần mềm, plugin, giao diện lên bản mới nhất; xóa những thứ không dùng và mọi bản «crack», \
                «nulled».",
            "Chỉ mở lại website khi đã thử bằng cả máy tính và điện thoại (kể cả bấm vào từ kết quả tìm kiếm Google) \
                mà không còn bị chuyển đi.",
        ],
        verify: "Mở website bằng điện thoại dùng 4G và bằng cách bấm vào kết quả tìm kiếm trên Google, không còn bị \
            chuyển đi; rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng và kiểm tra lại sau vài ngày.",
        ask_for_help: "Đây là sự cố an ninh nghiêm trọng: luôn báo Phòng/Sở ngay, kể cả khi đã tự xử lý xong. Nhờ nhà \
            cung cấp hosting tạm khóa và làm sạch website; báo cơ quan công an (bộ phận an ninh mạng) theo hướng dẫn \
            của Phòng/Sở, nhất là khi người xem bị lừa đảo hoặc bị lộ thông tin.",
        minutes: 240,
    },
    Guide {
        code: "spam_links",
        title: "Website có liên kết đến trang cờ bạc",
        what: "Trên website có đường dẫn sang các website cờ bạc, cá cược, trong bài viết, chân trang, widget hoặc \
            bình luận. Trừ khi có người trong trường lỡ đặt, đây là dấu hiệu của một sự cố an ninh mạng: kẻ xấu đã \
            chèn liên kết để kéo lượt truy cập về trang cờ bạc.",
        why: "Bấm vào, học sinh sẽ đến các trang cờ bạc bất hợp pháp, và Google cũng đánh giá thấp website đặt những \
            liên kết này. Kẻ chèn được liên kết thường còn để lại «cửa hậu» (đoạn mã bí mật để quay lại) trong \
            website.",
        steps: &[
            "Bình tĩnh: đây là sự cố an ninh, không phải lỗi riêng của thầy cô, và xử lý được. Chụp màn hình các liên \
                kết lạ, ghi lại trang chứa chúng và thời điểm phát hiện.",
            "Báo ngay Ban giám hiệu, cán bộ công nghệ thông tin của Phòng/Sở và nhà cung cấp hosting. Nếu người xem bị \
                chuyển sang trang lạ, tạm đóng website hoặc bật chế độ bảo trì ngay.",
            "Từ một máy tính sạch (đã quét virus), đổi tất cả mật khẩu: mọi tài khoản quản trị website, trang quản trị \
                hosting, FTP, cơ sở dữ liệu và hộp thư gắn với website.",
            "Kiểm tra danh sách tài khoản quản trị (WordPress: «Thành viên», lọc «Quản trị viên»; Joomla: «Users») và \
                xóa mọi tài khoản lạ.",
            "Khôi phục website từ một bản sao lưu sạch, có từ trước khi bị chèn; nếu không có, gỡ từng liên kết lạ \
                trong bài, menu, chân trang, widget, và nhờ nhà cung cấp quét mã độc.",
            "Cập nhật phần mềm, plugin, giao diện lên bản mới nhất; xóa những thứ không dùng và mọi bản «crack», \
                «nulled».",
            "Nếu liên kết nằm trong bình luận, xóa chúng và bật chế độ duyệt bình luận trước khi hiện (WordPress: «Cài \
                đặt» → «Thảo luận»), hoặc tắt bình luận nếu trường không cần.",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng, xem lại các trang đã sửa không còn liên kết \
            lạ, và kiểm tra lại sau vài ngày vì liên kết có thể quay lại nếu còn cửa hậu.",
        ask_for_help: "Đây là sự cố an ninh: luôn báo Phòng/Sở, kể cả khi đã tự xử lý xong. Nhờ nhà cung cấp hosting \
            quét mã độc; báo cơ quan công an (bộ phận an ninh mạng) theo hướng dẫn của Phòng/Sở nếu bị tấn công lặp \
            lại.",
        minutes: 120,
    },
    // Links.
    Guide {
        code: "broken_internal_link",
        title: "Có liên kết hỏng trong website",
        what: "Một số đường dẫn trên website của trường trỏ đến trang hoặc tệp không còn tồn tại trong chính website \
            (báo lỗi 404). Thường là do bài viết, tệp đính kèm đã bị xóa, đổi tên hoặc chuyển chỗ.",
        why: "Phụ huynh bấm vào thông báo hay tài liệu mà chỉ gặp trang lỗi thì sẽ mất lòng tin và phải gọi điện hỏi \
            trường. Liên kết hỏng trong mục Công khai còn khiến phần công khai coi như không có.",
        steps: &[
            "Xem trong chi tiết của Lành Mạng danh sách liên kết hỏng và trang chứa chúng.",
            "Mở trang chứa liên kết, bấm «Sửa», thay bằng đường dẫn đúng, hoặc gỡ liên kết nếu nội dung không còn cần.",
            "Nếu tệp PDF, Word đã bị xóa khỏi thư viện media, tải lại tệp rồi cập nhật đường dẫn mới.",
            "Kiểm tra menu (WordPress: «Giao diện» → «Menu»; Joomla: «Menus»), vì một mục menu hỏng sẽ hỏng trên mọi \
                trang.",
            "Khi đổi địa chỉ một bài quan trọng, tạo chuyển hướng từ địa chỉ cũ sang địa chỉ mới (bằng plugin chuyển \
                hướng của WordPress hoặc mục «Redirects» của cPanel) để đường dẫn cũ vẫn dùng được.",
        ],
        verify: "Bấm thử từng liên kết đã sửa, rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hoặc đơn vị vận hành cổng thông tin khi liên kết hỏng nằm trong phần dùng \
            chung của giao diện mà trường không sửa được.",
        minutes: 20,
    },
    Guide {
        code: "broken_external_link",
        title: "Có liên kết ra ngoài bị hỏng",
        what: "Một số đường dẫn từ website của trường sang website khác không còn mở được. Website kia có thể đã đổi \
            địa chỉ hoặc ngừng hoạt động; chẳng hạn nhiều website cấp huyện đã đóng hoặc chuyển địa chỉ sau khi sắp \
            xếp lại đơn vị hành chính năm 2025.",
        why: "Lỗi này không nghiêm trọng, nhưng liên kết chết làm website trông thiếu chăm sóc. Đáng lo hơn, một tên \
            miền cũ bị bỏ có thể bị người khác mua lại và đưa nội dung xấu lên, trong khi website của trường vẫn dẫn \
            tới đó.",
        steps: &[
            "Xem danh sách liên kết hỏng trong chi tiết của Lành Mạng.",
            "Tìm địa chỉ mới của website đích (ví dụ trang của Bộ, Sở, UBND xã, phường) bằng công cụ tìm kiếm, rồi sửa \
                lại liên kết.",
            "Nếu không còn địa chỉ thay thế, gỡ liên kết đó đi.",
            "Rà lại khối «Liên kết website» hoặc các logo liên kết ở chân trang, vì đây là nơi hay có nhiều liên kết \
                cũ nhất.",
            "Mỗi học kỳ rà lại các liên kết ra ngoài một lần.",
        ],
        verify: "Bấm thử từng liên kết đã sửa, rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Thường không cần nhờ ai. Báo đơn vị vận hành cổng thông tin nếu liên kết nằm trong phần dùng \
            chung của cổng.",
        minutes: 20,
    },
    // Safety and hostile behaviour.
    Guide {
        code: "blocked_private_address",
        title: "Địa chỉ website trỏ vào mạng nội bộ",
        what: "Địa chỉ website của trường khai báo trong Lành Mạng lại dẫn đến một địa chỉ trong mạng nội bộ (ví dụ \
            192.168.x.x, 10.x.x.x hoặc localhost), không phải một website công khai trên Internet. Vì lý do an toàn, \
            Lành Mạng không kiểm tra những địa chỉ như vậy.",
        why: "Nếu đúng như vậy thì phụ huynh ở nhà cũng không vào được website của trường. Thường đây là do khai báo \
            nhầm địa chỉ hoặc cấu hình tên miền bị sai.",
        steps: &[
            "Xem địa chỉ website đang khai báo trong Lành Mạng và bảo đảm đó là tên miền công khai của trường (ví dụ \
                https://thcs-abc.edu.vn), không phải địa chỉ chỉ dùng được trong mạng của trường.",
            "Nếu khai báo nhầm, đề nghị người quản lý danh sách website trong Lành Mạng (thường là chuyên viên \
                Phòng/Sở) sửa lại địa chỉ.",
            "Nếu tên miền khai báo đúng mà vẫn bị báo, tức là tên miền đang trỏ nhầm vào địa chỉ nội bộ: nhờ nơi quản \
                lý tên miền hoặc nhà cung cấp hosting sửa bản ghi tên miền (bản ghi A) về địa chỉ của máy chủ hosting.",
            "Nếu website chỉ đặt trên một máy tính trong trường, hãy báo Phòng/Sở: website công khai cần đặt trên \
                hosting hoặc cổng thông tin chung để mọi người truy cập được an toàn.",
        ],
        verify: "Mở website bằng điện thoại dùng 4G (không dùng wifi của trường) thấy trang hiện bình thường, rồi bấm \
            «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ chuyên viên Phòng/Sở sửa địa chỉ khai báo trong Lành Mạng; nhờ nơi quản lý tên miền hoặc \
            nhà cung cấp hosting sửa bản ghi tên miền.",
        minutes: 15,
    },
    Guide {
        code: "too_many_redirects",
        title: "Website chuyển hướng quá nhiều lần",
        what: "Khi mở website, máy chủ cứ chuyển người xem từ địa chỉ này sang địa chỉ khác, có khi quay vòng, mà \
            không bao giờ đến được trang. Trình duyệt sẽ báo lỗi kiểu «chuyển hướng bạn quá nhiều lần».",
        why: "Không ai vào được những trang bị lỗi, kể cả thầy cô. Lỗi này hay xuất hiện ngay sau khi bật HTTPS, đổi \
            tên miền hoặc cài plugin chuyển hướng.",
        steps: &[
            "Mở website bằng cửa sổ ẩn danh (hoặc xóa cookie của website) để chắc chắn lỗi vẫn còn.",
            "WordPress: vào «Cài đặt» → «Tổng quan», hai ô địa chỉ phải giống nhau ở phần https:// và có hay không có \
                www, và khớp với địa chỉ mà hosting chuyển tới.",
            "Chỉ giữ một nơi chuyển http:// sang https://: hoặc trong hosting («Force HTTPS Redirect» ở cPanel, «Force \
                SSL» ở DirectAdmin), hoặc trong phần mềm; tắt các plugin HTTPS, chuyển hướng bị trùng.",
            "Xem mục «Redirects» trong cPanel và xóa những chuyển hướng cũ mâu thuẫn nhau.",
            "Nếu tên miền dùng Cloudflare, đặt chế độ SSL/TLS là «Full (strict)» thay vì «Flexible».",
            "Nếu không vào được trang quản trị, dùng «File Manager» đổi tên thư mục của plugin vừa cài để tạm tắt nó.",
        ],
        verify: "Mở website trong cửa sổ ẩn danh thấy trang hiện bình thường, rồi bấm «Kiểm tra lại» trên trang \
            website trong Lành Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting nếu không tìm được chỗ gây vòng lặp, nhất là khi phải sửa tệp \
            .htaccess; website trên cổng thông tin chung thì báo đơn vị vận hành cổng.",
        minutes: 30,
    },
    Guide {
        code: "body_too_large",
        title: "Trang quá nặng",
        what: "Một trang của website, chỉ tính phần chữ và mã (chưa kể ảnh tải riêng), lớn hơn giới hạn mà Lành Mạng \
            đọc (mặc định 5 MB), nên không được kiểm tra hết. Thường là do ảnh bị dán thẳng vào nội dung bài, hoặc một \
            trang hiện quá nhiều bài cùng lúc.",
        why: "Trang nặng mở rất chậm trên điện thoại và tốn dung lượng 4G của phụ huynh. Một trang phình to bất thường \
            cũng có thể là dấu hiệu bị chèn nội dung lạ.",
        steps: &[
            "Xem trong chi tiết của Lành Mạng trang nào quá lớn, rồi mở trang đó xem có gì bất thường.",
            "Không dán ảnh trực tiếp từ Word vào khung soạn thảo: với một số trình soạn thảo, ảnh dán vào bị biến \
                thành một đoạn mã rất dài nằm ngay trong bài. Hãy lưu ảnh ra máy, thu nhỏ rồi tải lên bằng nút «Thêm \
                media» (WordPress) hoặc «Media» (Joomla).",
            "Sửa các bài cũ có ảnh dán kiểu này: xóa ảnh trong bài và chèn lại bằng ảnh đã tải lên.",
            "Giảm số bài hiện trên trang chủ và trang chuyên mục (WordPress: «Cài đặt» → «Đọc»), và chia bài quá dài \
                thành nhiều trang.",
            "Nếu thấy nội dung lạ như chữ về cờ bạc hay những đoạn mã dài không rõ nguồn gốc, xử lý như một sự cố an \
                ninh và báo Phòng/Sở.",
        ],
        verify: "Mở lại trang thấy tải nhanh hơn, rồi bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hoặc người làm giao diện nếu trang nặng do giao diện; báo ngay cán bộ công \
            nghệ thông tin của Phòng/Sở nếu nghi bị chèn nội dung.",
        minutes: 30,
    },
    Guide {
        code: "decompression_bomb",
        title: "Dữ liệu nén bất thường",
        what: "Để trang tải nhanh, máy chủ thường nén dữ liệu trước khi gửi, và trình duyệt giải nén ra. Ở website \
            này, dữ liệu khi giải nén lại phình ra lớn bất thường (người ta gọi là «bom giải nén»), điều mà một \
            website bình thường không làm.",
        why: "Dữ liệu như vậy có thể làm treo trình duyệt hoặc máy của người xem. Đây có thể là lỗi cấu hình nghiêm \
            trọng của máy chủ, nhưng cũng có thể là dấu hiệu website đã bị kẻ xấu chiếm quyền.",
        steps: &[
            "Không tự tải về hay mở những tệp lạ mà Lành Mạng nêu trong chi tiết.",
            "Gửi ngay chi tiết phát hiện (địa chỉ trang, thời điểm) cho nhà cung cấp hosting, đề nghị họ kiểm tra cấu \
                hình nén và các tệp trên máy chủ.",
            "Báo cán bộ công nghệ thông tin của Phòng/Sở để cùng theo dõi.",
            "Nhớ lại gần đây có ai cài thêm plugin, giao diện hoặc sửa cấu hình máy chủ không; nếu có, tạm gỡ thay đổi \
                đó.",
            "Nếu nhà cung cấp không tìm ra nguyên nhân hợp lý, xử lý như một sự cố an ninh: đổi mật khẩu quản trị, rà \
                soát tài khoản quản trị và khôi phục từ bản sao lưu sạch.",
        ],
        verify: "Sau khi nhà cung cấp báo đã xử lý, bấm «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Việc này cần nhà cung cấp hosting xử lý, và luôn báo cán bộ công nghệ thông tin của Phòng/Sở. \
            Nếu xác định bị tấn công, báo cơ quan công an (bộ phận an ninh mạng) theo hướng dẫn của Phòng/Sở.",
        minutes: 30,
    },
    Guide {
        code: "timeout",
        title: "Website không trả lời kịp",
        what: "Lành Mạng đã kết nối được tới website nhưng chờ quá thời gian cho phép mà trang vẫn chưa tải xong. Máy \
            chủ có thể đang quá tải, bị một plugin làm treo, hoặc cố tình trả lời rất chậm cho những lượt truy cập lạ.",
        why: "Nếu Lành Mạng phải chờ lâu như vậy, nhiều phụ huynh cũng đang phải chờ hoặc đã bỏ đi. Website chậm đến \
            mức này dễ sập hẳn vào những lúc đông người xem.",
        steps: &[
            "Tự mở website vài lần, cả bằng điện thoại dùng 4G, để xem có chậm hoặc treo không.",
            "Xem mức dùng tài nguyên của gói hosting (cPanel: «Resource Usage» nếu có); nếu thường xuyên chạm giới \
                hạn, hỏi nhà cung cấp về việc nâng gói.",
            "Tạm tắt thử các plugin nặng hoặc vừa cài (thống kê, sao lưu chạy vào giờ cao điểm, trình chiếu ảnh lớn) \
                để xem website có nhanh lên không.",
            "Làm theo hướng dẫn «Website phản hồi chậm»: nén ảnh, bật bộ nhớ đệm, bớt plugin.",
            "Nếu thầy cô mở vẫn nhanh, đề nghị nhà cung cấp kiểm tra tường lửa có đang làm chậm hoặc chặn công cụ kiểm \
                tra «LanhMangInspector» không.",
        ],
        verify: "Mở website thấy trang hiện ra trong vài giây, rồi bấm «Kiểm tra lại» trên trang website trong Lành \
            Mạng.",
        ask_for_help: "Gọi nhà cung cấp hosting khi máy chủ quá tải hoặc tường lửa chặn; website trên cổng thông tin \
            chung thì báo đơn vị vận hành cổng.",
        minutes: 30,
    },
    Guide {
        code: "headers_too_large",
        title: "Phần đầu của phản hồi quá lớn",
        what: "Mỗi lần gửi trang, máy chủ gửi kèm một phần «đầu» (header) chứa thông tin kỹ thuật và cookie, tức những \
            mẩu ghi nhớ nhỏ mà website lưu trong trình duyệt. Ở website này, phần đầu đó lớn bất thường, thường vì có \
            quá nhiều cookie hoặc cookie quá dài.",
        why: "Phần đầu quá lớn có thể khiến một số trình duyệt, mạng di động hoặc máy chủ trung gian báo lỗi thay vì \
            hiện trang. Nhiều cookie theo dõi không cần thiết cũng là thu thập dữ liệu của người xem, trong đó có học \
            sinh, quá mức cần thiết.",
        steps: &[
            "Mở website trong cửa sổ ẩn danh, bấm F12, chọn thẻ «Application» rồi «Cookies» để xem website đặt bao \
                nhiêu cookie.",
            "Tắt lần lượt các plugin hay đặt cookie như thống kê, trò chuyện trực tuyến, cửa sổ quảng cáo bật lên, rồi \
                mở lại để tìm plugin gây ra.",
            "Gỡ các mã theo dõi bị chèn trùng (ví dụ cùng một mã thống kê được chèn hai, ba lần) và những dịch vụ \
                trường không còn dùng.",
            "Nếu không phải do plugin, đề nghị nhà cung cấp hosting kiểm tra cấu hình máy chủ đang thêm những header \
                nào.",
        ],
        verify: "Mở lại website trong cửa sổ ẩn danh thấy số cookie đã giảm, rồi bấm «Kiểm tra lại» trên trang website \
            trong Lành Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hosting hoặc cán bộ công nghệ thông tin của Phòng/Sở khi không tìm ra plugin \
            nào gây ra.",
        minutes: 30,
    },
    Guide {
        code: "invalid_encoding",
        title: "Chữ tiếng Việt bị lỗi bảng mã",
        what: "Trang có những ký tự không đúng chuẩn UTF-8, là bảng mã mà các website hiện nay dùng để hiện chữ có \
            dấu. Khi đó chữ tiếng Việt có thể hiện thành ký tự lạ hoặc dấu hỏi trong ô đen (�), kiểu «Tr�ng» \
            thay cho «Trường».",
        why: "Người xem không đọc được nội dung, nhất là thông báo và văn bản công khai, và website trông thiếu chỉn \
            chu. Công cụ tìm kiếm và các hệ thống lấy tin của Phòng/Sở cũng đọc sai nội dung.",
        steps: &[
            "Xem trong chi tiết của Lành Mạng trang nào bị lỗi, mở trang và tìm những đoạn chữ hiện sai.",
            "Nếu chữ được gõ bằng font cũ (TCVN3 như .VnTime, hoặc VNI), chuyển sang Unicode bằng công cụ chuyển mã \
                của Unikey (bấm Ctrl+Shift+F6), rồi dán lại vào bài.",
            "Khi soạn bài, gõ bằng Unikey hoặc EVKey với bảng mã Unicode; khi chép văn bản từ Word, dán bằng \
                Ctrl+Shift+V để bỏ định dạng lạ.",
            "Nếu sửa tệp HTML hoặc tệp giao diện, lưu tệp với bảng mã UTF-8 (trong Notepad: «Save As», ô «Encoding» \
                chọn «UTF-8») và bảo đảm trang có dòng <meta charset=\"utf-8\">.",
            "Nếu lỗi xuất hiện trên mọi trang, đề nghị nhà cung cấp kiểm tra bảng mã của cơ sở dữ liệu (nên là \
                utf8mb4) và cấu hình máy chủ.",
        ],
        verify: "Mở lại trang thấy chữ tiếng Việt hiện đúng, rồi bấm «Kiểm tra lại» trên trang website trong Lành \
            Mạng.",
        ask_for_help: "Nhờ nhà cung cấp hosting hoặc cán bộ công nghệ thông tin của Phòng/Sở khi lỗi nằm ở cơ sở dữ \
            liệu hoặc máy chủ; website trên cổng thông tin chung thì báo đơn vị vận hành cổng.",
        minutes: 45,
    },
    Guide {
        code: "malformed_feed",
        title: "Nguồn tin RSS bị lỗi",
        what: "Nguồn tin RSS/Atom là một trang đặc biệt liệt kê các bài mới nhất của website, để các hệ thống khác \
            (như trang tổng hợp tin của Phòng/Sở, Lành Mạng, ứng dụng đọc tin) tự động lấy tin. Nguồn tin của trường \
            đang bị sai định dạng nên các hệ thống này không đọc được.",
        why: "Tin bài của trường sẽ không được tự động tổng hợp lên trang của Phòng/Sở, và Lành Mạng có thể tưởng \
            website lâu không cập nhật. Lỗi nguồn tin đôi khi cũng cho biết một plugin hoặc giao diện đang chạy không \
            đúng.",
        steps: &[
            "Mở địa chỉ nguồn tin trong trình duyệt (WordPress: tên-miền-của-trường/feed/; Joomla: thêm \
                ?format=feed&type=rss vào sau địa chỉ một chuyên mục) và xem có thông báo lỗi không.",
            "Nếu lỗi xuất hiện sau khi cài plugin hoặc sửa giao diện, tạm tắt plugin hoặc trả lại giao diện cũ để thử; \
                lỗi hay gặp là có dòng trống hoặc dấu cách thừa ở đầu tệp functions.php.",
            "Sửa những bài có ký tự lạ trong tiêu đề hoặc đoạn trích (xem hướng dẫn «Chữ tiếng Việt bị lỗi bảng mã»).",
            "Nếu nguồn tin trống hoặc chỉ hiện một nửa, xóa bộ nhớ đệm (cache) của website rồi mở lại.",
            "Website trên cổng thông tin chung của Sở/Phòng: báo đơn vị vận hành cổng, vì nguồn tin do hệ thống chung \
                tạo ra.",
        ],
        verify: "Dán địa chỉ nguồn tin vào công cụ kiểm tra miễn phí validator.w3.org/feed thấy báo hợp lệ, rồi bấm \
            «Kiểm tra lại» trên trang website trong Lành Mạng.",
        ask_for_help: "Nhờ người làm giao diện hoặc nhà cung cấp hosting khi lỗi nằm trong mã giao diện hoặc plugin.",
        minutes: 30,
    },
    Guide {
        code: "weak_security_headers",
        title: "Thiếu các chỉ dẫn bảo mật cho trình duyệt",
        what: "Cùng với mỗi trang, máy chủ có thể gửi những dòng chỉ dẫn ngắn (gọi là «header bảo mật») dặn trình \
            duyệt cách bảo vệ người xem: chỉ dùng HTTPS, chỉ chạy mã từ nguồn tin cậy, không cho website khác lồng \
            trang của trường vào. Website này thiếu một số chỉ dẫn như vậy, nên điểm đánh giá (chấm theo cách của MDN \
            HTTP Observatory) thấp hơn mức tối thiểu mà Phòng/Sở đặt ra.",
        why: "Các header này là một lớp bảo vệ thêm: nếu website có lỗ hổng, chúng khiến kẻ xấu khó chèn mã độc, giả \
            mạo trang hay đánh cắp phiên đăng nhập của thầy cô hơn nhiều. Thêm phần lớn các header chỉ mất ít phút và \
            không làm thay đổi giao diện.",
        steps: &[
            "Xem trong chi tiết của Lành Mạng những mục còn thiếu (ví dụ Strict-Transport-Security, \
                X-Content-Type-Options, X-Frame-Options, Referrer-Policy, Content-Security-Policy, thuộc tính của \
                cookie). Website trên cổng thông tin chung hoặc do nhà cung cấp quản lý: gửi danh sách này cho họ.",
            "Bảo đảm website đã chạy ổn định hoàn toàn bằng HTTPS và đã tự chuyển http:// sang https:// trước, vì \
                Strict-Transport-Security buộc trình duyệt chỉ dùng HTTPS trong thời gian dài.",
            "Hosting cPanel hoặc DirectAdmin (máy chủ Apache, LiteSpeed): mở «File Manager», tải một bản sao tệp \
                .htaccess về máy, rồi thêm vào cuối tệp, mỗi mục một dòng: «Header always set X-Content-Type-Options \
                nosniff», «Header always set X-Frame-Options SAMEORIGIN», «Header always set Referrer-Policy \
                strict-origin-when-cross-origin», «Header always set Strict-Transport-Security max-age=31536000». Nếu \
                website báo lỗi 500, chép lại tệp cũ và gọi nhà cung cấp.",
            "Joomla 4 trở lên: vào «System» → «Plugins», mở plugin «System - HTTP Headers» để bật các header trên mà \
                không phải sửa tệp; WordPress: có thể dùng một plugin bảo mật có uy tín có chức năng thêm header bảo \
                mật.",
            "Cookie (mẩu ghi nhớ website lưu trong trình duyệt, gồm cả phiên đăng nhập): với Joomla và phần mềm \
                PHP khác, đề nghị nhà cung cấp (hoặc tự thêm trong «MultiPHP INI Editor» của cPanel) bật \
                session.cookie_secure và session.cookie_httponly, đặt session.cookie_samesite là Lax; với WordPress, \
                cookie thiếu các thuộc tính này thường do plugin đặt, hãy cập nhật hoặc thay plugin đó.",
            "Content-Security-Policy là header khó nhất, đặt sai có thể làm mất ảnh, video, bản đồ: nhờ cán bộ công \
                nghệ thông tin của Phòng/Sở hoặc nhà cung cấp soạn, và thử ở chế độ chỉ báo cáo \
                (Content-Security-Policy-Report-Only) trước khi bật thật.",
        ],
        verify: "Bấm «Kiểm tra lại» trên trang website trong Lành Mạng để xem điểm mới; có thể xem thêm bằng công cụ \
            miễn phí MDN HTTP Observatory (developer.mozilla.org/observatory), và mở thử vài trang để chắc ảnh, video \
            vẫn hiện bình thường.",
        ask_for_help: "Nhờ nhà cung cấp hosting khi máy chủ dùng Nginx hoặc không cho sửa tệp .htaccess; nhờ cán bộ \
            công nghệ thông tin của Phòng/Sở khi soạn Content-Security-Policy. Website trên cổng thông tin chung thì \
            đơn vị vận hành cổng thêm header cho tất cả các trường.",
        minutes: 45,
    },
];

/// The guide for a finding code, if there is one.
pub fn guide(code: &str) -> Option<&'static Guide> {
    GUIDES.iter().find(|g| g.code == code)
}

/// The first host named in a finding's evidence ("meta refresh chuyển tới https://x.bet/…" →
/// "x.bet"), for a sentence that names where visitors are sent without the whole address.
fn first_host(evidence: &str) -> Option<String> {
    evidence
        .split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .find_map(|w| url::Url::parse(w.trim_end_matches([',', '.', ';', ')'])).ok())
        .and_then(|u| u.host_str().map(str::to_string))
}

/// What a finding means for the people who open the site, in one plain Vietnamese sentence
/// an office clerk or a principal understands without knowing the technical words; the
/// evidence (addresses, header names) is shown after it, as detail. Every code has its own
/// sentence: the match is exhaustive, so a new code must be given one.
pub fn plain_sentence(code: FindingCode, evidence: &str) -> String {
    use FindingCode::*;
    let text: &str = match code {
        Unreachable => "Người xem đang không mở được website của trường.",
        HttpError => "Một số trang của website hiện thông báo lỗi thay cho nội dung.",
        SlowResponse => "Website mở rất chậm, người xem phải chờ lâu.",
        NoHttps => "Website chưa có kết nối bảo mật (không có ổ khóa trên thanh địa chỉ).",
        NoHttpsRedirect => "Người gõ địa chỉ không có «https» vẫn vào bản không bảo mật của website.",
        TlsExpired => "Chứng chỉ bảo mật đã hết hạn: trình duyệt cảnh báo người xem rằng website không an toàn.",
        TlsExpiringSoon => "Chứng chỉ bảo mật sắp hết hạn; nếu không gia hạn, người xem sẽ gặp cảnh báo.",
        TlsSelfSigned => "Chứng chỉ bảo mật do trường tự cấp nên trình duyệt cảnh báo người xem.",
        TlsHostnameMismatch => "Chứng chỉ bảo mật không mang tên miền của website nên trình duyệt cảnh báo người xem.",
        TlsIncompleteChain => "Một số điện thoại và máy tính có thể báo lỗi bảo mật khi mở website.",
        TlsWeakKey => "Chứng chỉ bảo mật dùng cách mã hóa đã cũ, dễ bị giả mạo.",
        MixedContent => "Một số ảnh hoặc tệp trên trang được tải qua kết nối không bảo mật.",
        GeneratorDisclosed => "Website để lộ tên phần mềm đang dùng, giúp kẻ xấu biết cách tấn công.",
        OutdatedCms => "Phần mềm làm website đã cũ, có lỗ hổng mà kẻ xấu đã biết cách khai thác.",
        StaleContent => "Website lâu rồi không có tin bài mới.",
        DisclosureMissing => "Website chưa có mục Công khai mà nhà trường phải đăng theo quy định.",
        DisclosureIncomplete => "Mục Công khai trên website còn thiếu một số nội dung bắt buộc.",
        SpamVisible => "Trên website xuất hiện quảng cáo cờ bạc, cá cược: website có thể đã bị kẻ xấu chiếm quyền.",
        SpamHidden => {
            "Kẻ xấu đã giấu nội dung hoặc liên kết cờ bạc vào website (người xem không thấy nhưng Google thấy)."
        }
        Cloaking => "Website cho Google xem nội dung khác với người xem: dấu hiệu đã bị kẻ xấu cài mã.",
        MaliciousRedirect => {
            return match first_host(evidence) {
                Some(host) => {
                    format!("Trang chủ tự chuyển người xem sang một trang web khác ({host}, có thể là trang cờ bạc).")
                }
                None => "Trang chủ tự chuyển người xem sang một trang web khác (có thể là trang cờ bạc).".to_string(),
            };
        }
        SpamLinks => "Website có liên kết dẫn tới các trang cờ bạc, cá cược.",
        BrokenInternalLink => "Một số liên kết trong website dẫn tới trang không còn tồn tại.",
        BrokenExternalLink => "Một số liên kết ra website khác không còn mở được.",
        BlockedPrivateAddress => "Địa chỉ đã đăng ký trỏ vào mạng nội bộ nên không kiểm tra được.",
        TooManyRedirects => "Website chuyển qua lại giữa các địa chỉ mãi không dừng, người xem không vào được trang.",
        BodyTooLarge => "Trang chủ quá nặng, mở bằng điện thoại sẽ rất chậm.",
        DecompressionBomb => "Website gửi về dữ liệu bất thường, có thể đã bị cài mã độc.",
        Timeout => "Website không trả lời kịp: người xem chờ mãi không thấy trang.",
        HeadersTooLarge => "Máy chủ gửi kèm quá nhiều thông tin phụ, dễ gây lỗi khi mở trang.",
        InvalidEncoding => "Một số chữ trên trang bị lỗi phông, người xem không đọc được.",
        MalformedFeed => "Bản tin tự động (RSS) của website bị lỗi nên không ai theo dõi tin mới được.",
        WeakSecurityHeaders => "Cấu hình bảo mật máy chủ của website còn thấp hơn mức Phòng/Sở yêu cầu.",
    };
    text.to_string()
}

/// [`plain_sentence`] for a code as stored: an unknown code (from another inspector version)
/// gets a neutral sentence, never its raw name.
pub fn plain_sentence_for(code: &str, evidence: &str) -> String {
    match FindingCode::parse(code) {
        Some(c) => plain_sentence(c, evidence),
        None => "Lần kiểm tra phát hiện một vấn đề cần xem chi tiết kỹ thuật bên dưới.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_plain_sentence_without_jargon() {
        for code in FindingCode::ALL {
            let sentence = plain_sentence(code, "");
            assert!(sentence.ends_with('.'), "{code:?}: {sentence}");
            assert!(sentence.chars().next().is_some_and(char::is_uppercase), "{code:?}");
            let lower = sentence.to_lowercase();
            for jargon in [
                "meta refresh",
                "tls",
                "http ",
                "header",
                "csp",
                "hsts",
                "cms",
                "redirect",
            ] {
                assert!(!lower.contains(jargon), "{code:?} says «{jargon}»: {sentence}");
            }
        }
        assert_eq!(
            plain_sentence(
                FindingCode::MaliciousRedirect,
                "meta refresh chuyển tới https://nha-cai.bet/vao?x=1"
            ),
            "Trang chủ tự chuyển người xem sang một trang web khác (nha-cai.bet, có thể là trang cờ bạc)."
        );
        assert!(plain_sentence(FindingCode::MaliciousRedirect, "").contains("trang cờ bạc"));
        assert!(!plain_sentence_for("a_newer_code", "").contains("a_newer_code"));
    }

    const COMPROMISE: [&str; 5] = [
        "spam_visible",
        "spam_hidden",
        "cloaking",
        "malicious_redirect",
        "spam_links",
    ];

    const TLS: [&str; 6] = [
        "tls_expired",
        "tls_expiring_soon",
        "tls_self_signed",
        "tls_hostname_mismatch",
        "tls_incomplete_chain",
        "tls_weak_key",
    ];

    fn texts(g: &Guide) -> Vec<&'static str> {
        let mut all = vec![g.title, g.what, g.why, g.verify, g.ask_for_help];
        all.extend(g.steps.iter().copied());
        all
    }

    /// Everything a guide says, lowercased, for keyword checks.
    fn whole(g: &Guide) -> String {
        texts(g).join(" ").to_lowercase()
    }

    #[test]
    fn every_field_is_filled() {
        for g in GUIDES {
            for t in texts(g) {
                assert!(!t.trim().is_empty(), "{}: empty text", g.code);
            }
            assert!(
                g.minutes > 0 && g.minutes <= 8 * 60,
                "{}: minutes {}",
                g.code,
                g.minutes
            );
        }
    }

    #[test]
    fn three_to_seven_steps() {
        for g in GUIDES {
            assert!((3..=7).contains(&g.steps.len()), "{}: {} steps", g.code, g.steps.len());
        }
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for g in GUIDES {
            assert!(seen.insert(g.code), "{} twice", g.code);
            let ok = !g.code.is_empty()
                && g.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && g.code.as_bytes()[0].is_ascii_lowercase()
                && !g.code.ends_with('_')
                && !g.code.contains("__");
            assert!(ok, "{} is not snake_case", g.code);
        }
    }

    #[test]
    fn guide_finds_each_and_nothing_else() {
        for g in GUIDES {
            assert_eq!(guide(g.code), Some(g));
        }
        assert_eq!(guide("no_such_code"), None);
        assert_eq!(guide(""), None);
        assert_eq!(guide("TLS_EXPIRED"), None);
        assert_eq!(guide(" tls_expired"), None);
    }

    #[test]
    fn every_inspector_code_has_a_guide() {
        for code in crate::finding::FindingCode::ALL {
            assert!(guide(code.as_str()).is_some(), "no guide for {}", code.as_str());
        }
        assert_eq!(
            GUIDES.len(),
            crate::finding::FindingCode::ALL.len(),
            "a guide for a code the inspector does not report"
        );
    }

    #[test]
    fn text_is_tidy_vietnamese() {
        for g in GUIDES {
            for t in texts(g) {
                assert_eq!(t, t.trim(), "{}: stray white space in {t:?}", g.code);
                assert!(!t.contains("  "), "{}: double space in {t:?}", g.code);
                assert!(!t.contains('\n'), "{}: line break in {t:?}", g.code);
            }
            assert!(!g.title.ends_with('.'), "{}: title ends with a full stop", g.code);
            for t in [g.what, g.why, g.verify, g.ask_for_help].iter().chain(g.steps) {
                assert!(t.ends_with('.'), "{}: sentence without a full stop: {t:?}", g.code);
            }
            // Written with diacritics, not in ASCII.
            assert!(!g.title.is_ascii() && !g.what.is_ascii(), "{}: no diacritics", g.code);
        }
    }

    #[test]
    fn compromise_guides_treat_it_as_an_incident() {
        for code in COMPROMISE {
            let g = guide(code).expect("compromise guide");
            let text = whole(g);
            for needle in [
                "sự cố an ninh",
                "bình tĩnh",
                "bảo trì",
                "đổi tất cả mật khẩu",
                "tài khoản quản trị",
                "bản sao lưu sạch",
                "cập nhật",
                "phòng/sở",
            ] {
                assert!(text.contains(needle), "{code}: does not say {needle:?}");
            }
            assert!(
                g.what.contains("sự cố an ninh"),
                "{code}: the meaning must name the incident"
            );
        }
    }

    #[test]
    fn tls_guides_name_free_certificates_and_the_provider() {
        for code in TLS {
            let text = whole(guide(code).expect("tls guide"));
            for needle in ["let's encrypt", "nhà cung cấp", "tự động gia hạn"] {
                assert!(text.contains(needle), "{code}: does not say {needle:?}");
            }
        }
    }

    #[test]
    fn every_guide_says_how_to_check_in_lanh_mang() {
        for g in GUIDES {
            assert!(g.verify.contains("«Kiểm tra lại»"), "{}: no re-check", g.code);
        }
    }
}
