//! Vietnamese text for the simulated school sites: names, news, disclosure parts, the
//! anti-gambling article (the negative control) and the gambling spam (the positive one).
//! Every name is made up. Placeholders in braces are filled per site and per article.

pub(crate) const SCHOOL_NAMES: [&str; 40] = [
    "An Phú",
    "Bình Minh",
    "Hòa Bình",
    "Tân Lập",
    "Hoa Sen",
    "Sao Mai",
    "Thanh Xuân",
    "Phú Lâm",
    "Đông Hải",
    "Hướng Dương",
    "Quang Trung",
    "Lê Lợi",
    "Trần Phú",
    "Nguyễn Du",
    "Kim Đồng",
    "Võ Thị Sáu",
    "Hòa Khánh",
    "Phước Long",
    "Tân Hưng",
    "Long Thạnh",
    "Mỹ Lộc",
    "Vĩnh Hưng",
    "Cát Tiên",
    "Hồng Hà",
    "Tây Sơn",
    "Nam Cường",
    "Đồng Tâm",
    "Hải Thượng",
    "Lam Hạ",
    "Thủy An",
    "Bắc Sơn",
    "Ngọc Lâm",
    "Thạch Bàn",
    "Yên Thế",
    "Phù Lưu",
    "Chu Văn An",
    "Lý Tự Trọng",
    "Tô Hiệu",
    "Hưng Đạo",
    "Suối Hoa",
];

pub(crate) const COMMUNES: [&str; 24] = [
    "xã Tân Hòa",
    "xã Phước Hưng",
    "phường Hòa An",
    "xã Đồng Lạc",
    "phường Bình Trung",
    "xã Yên Mỹ",
    "xã Thạnh Phú",
    "phường Long Biên Tây",
    "xã Sơn Thủy",
    "xã Quế Lâm",
    "phường Hải Châu Bắc",
    "xã Ea Tiêu",
    "xã Nam Phong",
    "xã Hưng Lộc",
    "phường Tân Định Đông",
    "xã Vĩnh Thạnh",
    "xã Cẩm Hà",
    "phường Phú Hòa",
    "xã Tiên Lữ",
    "xã Lạc Sơn",
    "phường An Khánh",
    "xã Kim Liên",
    "xã Trà Đông",
    "phường Thủy Xuân",
];

pub(crate) const PROVINCES: [&str; 10] = [
    "tỉnh Lam Sơn",
    "tỉnh Bình Giang",
    "tỉnh Hà Nguyên",
    "tỉnh Đông Sơn",
    "thành phố Hải Minh",
    "tỉnh Tây Nguyên Lâm",
    "tỉnh Sông Cầu",
    "tỉnh Phú Hải",
    "thành phố Bắc Hà",
    "tỉnh Kim Thủy",
];

pub(crate) const SURNAMES: [&str; 16] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lý",
];
pub(crate) const MIDDLE_NAMES: [&str; 10] = [
    "Thị", "Văn", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu", "Hoài", "Kim",
];
pub(crate) const GIVEN_NAMES: [&str; 20] = [
    "Lan", "Hương", "Hùng", "Dũng", "Mai", "Hà", "Tuấn", "Nga", "Bình", "Thảo", "Hạnh", "Sơn", "Phương", "Yến",
    "Quang", "Trang", "Tâm", "Hiền", "Long", "Oanh",
];

/// One news topic: a title template and paragraph templates.
pub(crate) struct Topic {
    pub title: &'static str,
    pub paragraphs: &'static [&'static str],
}

/// Placeholders: {truong} full school name, {ten} short name, {ngay} dd/mm/yyyy, {nam_hoc}
/// "2025-2026", {nam_hoc_sau} the next school year, {ht} principal, {xa} commune, {so1} {so2}
/// numbers, {lop} the entry grade.
pub(crate) const TOPICS: [Topic; 16] = [
    Topic {
        title: "Hội nghị viên chức, người lao động năm học {nam_hoc}",
        paragraphs: &[
            "Ngày {ngay}, {truong} tổ chức Hội nghị viên chức, người lao động năm học {nam_hoc}. Tham dự hội nghị có đại diện lãnh đạo Ủy ban nhân dân {xa} cùng toàn thể {so1} cán bộ, giáo viên, nhân viên nhà trường.",
            "Tại hội nghị, đồng chí {ht}, Hiệu trưởng nhà trường, đã báo cáo kết quả thực hiện nhiệm vụ năm học trước và triển khai phương hướng, nhiệm vụ trọng tâm của năm học mới. Các đại biểu đã thảo luận sôi nổi, đóng góp nhiều ý kiến tâm huyết.",
            "Hội nghị đã biểu quyết thông qua quy chế chi tiêu nội bộ, quy chế thực hiện dân chủ ở cơ sở và tổ chức ký giao ước thi đua giữa các tổ chuyên môn.",
        ],
    },
    Topic {
        title: "Sinh hoạt chuyên môn theo hướng nghiên cứu bài học",
        paragraphs: &[
            "Nhằm nâng cao chất lượng dạy học, ngày {ngay} tổ chuyên môn của {truong} đã tổ chức buổi sinh hoạt chuyên môn theo hướng nghiên cứu bài học.",
            "Giáo viên dạy minh họa đã tổ chức cho học sinh hoạt động nhóm, khuyến khích các em tự tìm tòi, phát hiện kiến thức. Sau tiết dạy, {so1} giáo viên dự giờ cùng phân tích hoạt động học của học sinh thay vì chỉ nhận xét người dạy.",
            "Buổi sinh hoạt giúp giáo viên chia sẻ kinh nghiệm, điều chỉnh phương pháp để mọi học sinh đều được tham gia học tập tích cực.",
        ],
    },
    Topic {
        title: "Tập huấn ứng dụng công nghệ thông tin và chuyển đổi số trong dạy học",
        paragraphs: &[
            "Ngày {ngay}, {truong} tổ chức buổi tập huấn ứng dụng công nghệ thông tin và chuyển đổi số cho {so1} cán bộ, giáo viên.",
            "Nội dung tập huấn gồm sử dụng học liệu số, xây dựng bài giảng điện tử, quản lý hồ sơ học sinh trên phần mềm và bảo vệ thông tin cá nhân khi làm việc trên môi trường mạng.",
            "Sau buổi tập huấn, các thầy cô đã thực hành soạn bài giảng và chia sẻ sản phẩm trong kho học liệu chung của nhà trường.",
        ],
    },
    Topic {
        title: "Hội nghị cha mẹ học sinh năm học {nam_hoc}",
        paragraphs: &[
            "Ngày {ngay}, {truong} tổ chức Hội nghị cha mẹ học sinh năm học {nam_hoc} với sự tham dự của đông đảo phụ huynh các lớp.",
            "Nhà trường thông báo kết quả học tập, rèn luyện của học sinh, kế hoạch giáo dục năm học và các khoản thu theo quy định. Phụ huynh đã trao đổi về việc phối hợp quản lý thời gian sử dụng điện thoại, mạng xã hội của con em ở nhà.",
            "Hội nghị đã bầu Ban đại diện cha mẹ học sinh nhà trường gồm {so2} thành viên.",
        ],
    },
    Topic {
        title: "Tuyên truyền an toàn giao thông cho học sinh",
        paragraphs: &[
            "Sáng ngày {ngay}, {truong} phối hợp với Công an {xa} tổ chức buổi tuyên truyền pháp luật về an toàn giao thông cho {so1} học sinh.",
            "Các em được hướng dẫn cách đi bộ an toàn, đội mũ bảo hiểm đúng cách khi ngồi trên xe máy, xe đạp điện và không đùa nghịch khi tham gia giao thông.",
            "Buổi tuyên truyền kết thúc bằng phần thi đố vui với nhiều câu hỏi bổ ích, thu hút sự tham gia hào hứng của học sinh.",
        ],
    },
    Topic {
        title: "Phòng, chống đuối nước cho học sinh",
        paragraphs: &[
            "Ngày {ngay}, {truong} tổ chức tuyên truyền kỹ năng phòng, chống đuối nước cho học sinh toàn trường.",
            "Các em được nghe hướng dẫn không tắm ở ao, hồ, sông suối khi không có người lớn đi cùng, cách nhận biết khu vực nguy hiểm và cách kêu gọi trợ giúp khi thấy người bị đuối nước.",
            "Nhà trường đề nghị cha mẹ học sinh quan tâm, nhắc nhở con em, nhất là trong dịp nghỉ hè và những ngày mưa lũ.",
        ],
    },
    Topic {
        title: "Ngày hội đọc sách: lan tỏa văn hóa đọc trong nhà trường",
        paragraphs: &[
            "Hưởng ứng Ngày Sách và Văn hóa đọc Việt Nam, ngày {ngay} thư viện {truong} tổ chức Ngày hội đọc sách với nhiều hoạt động sôi nổi.",
            "Học sinh tham gia giới thiệu sách, vẽ tranh theo nội dung truyện, đóng kịch và trao đổi sách cũ. Thư viện đã bổ sung {so1} đầu sách mới do phụ huynh và cựu học sinh tặng.",
            "Ngày hội góp phần hình thành thói quen đọc sách, giúp các em sử dụng thời gian rảnh một cách bổ ích.",
        ],
    },
    Topic {
        title: "Hội thi giáo viên dạy giỏi cấp trường năm học {nam_hoc}",
        paragraphs: &[
            "Từ ngày {ngay}, {truong} tổ chức Hội thi giáo viên dạy giỏi cấp trường năm học {nam_hoc} với {so2} giáo viên tham gia.",
            "Các tiết dạy được chuẩn bị công phu, vận dụng linh hoạt phương pháp dạy học tích cực và đồ dùng dạy học tự làm. Ban giám khảo đánh giá cao sự sáng tạo và tinh thần trách nhiệm của các thầy cô.",
            "Kết quả, hội thi đã chọn ra những giáo viên tiêu biểu để tham dự hội thi cấp trên.",
        ],
    },
    Topic {
        title: "Giáo dục kỹ năng sử dụng mạng xã hội an toàn, lành mạnh cho học sinh",
        paragraphs: &[
            "Ngày {ngay}, {truong} tổ chức chuyên đề giáo dục kỹ năng sử dụng Internet và mạng xã hội an toàn, lành mạnh cho học sinh.",
            "Học sinh được hướng dẫn cách bảo vệ mật khẩu, không chia sẻ thông tin cá nhân, nhận biết tin giả và các hình thức lừa đảo trực tuyến, biết từ chối và báo cho người lớn khi bị làm phiền trên mạng.",
            "Nhà trường khuyến khích cha mẹ cùng con thống nhất thời gian sử dụng thiết bị số hợp lý trong gia đình.",
        ],
    },
    Topic {
        title: "Phong trào Kế hoạch nhỏ: thu gom giấy vụn, bảo vệ môi trường",
        paragraphs: &[
            "Hưởng ứng phong trào Kế hoạch nhỏ, ngày {ngay} Liên đội {truong} tổ chức thu gom giấy vụn, vỏ lon và chai nhựa.",
            "Kết quả, toàn Liên đội thu được hơn {so1} ki-lô-gam giấy vụn. Số tiền thu được dùng để mua sách vở tặng học sinh có hoàn cảnh khó khăn.",
        ],
    },
    Topic {
        title: "Hội khỏe Phù Đổng cấp trường",
        paragraphs: &[
            "Ngày {ngay}, {truong} long trọng khai mạc Hội khỏe Phù Đổng cấp trường với các môn thi đấu: điền kinh, cờ vua, đá cầu, kéo co và bóng đá mini.",
            "Gần {so1} vận động viên là học sinh các khối lớp đã thi đấu sôi nổi, đoàn kết, trung thực. Hội khỏe là dịp để phát hiện, bồi dưỡng học sinh có năng khiếu thể thao.",
        ],
    },
    Topic {
        title: "Hoạt động trải nghiệm: em yêu lịch sử quê hương",
        paragraphs: &[
            "Ngày {ngay}, học sinh {truong} tham gia hoạt động trải nghiệm tìm hiểu di tích lịch sử tại {xa}.",
            "Các em được nghe kể về truyền thống cách mạng của quê hương, dâng hương tưởng niệm các anh hùng liệt sĩ và làm sạch khuôn viên khu di tích.",
            "Hoạt động giúp học sinh thêm hiểu biết, tự hào và có ý thức giữ gìn các giá trị lịch sử, văn hóa của địa phương.",
        ],
    },
    Topic {
        title: "Kiểm tra nội bộ trường học năm học {nam_hoc}",
        paragraphs: &[
            "Thực hiện kế hoạch kiểm tra nội bộ năm học {nam_hoc}, ngày {ngay} Ban kiểm tra nội bộ {truong} đã kiểm tra hồ sơ chuyên môn và hoạt động sư phạm của {so2} giáo viên.",
            "Qua kiểm tra, phần lớn giáo viên thực hiện đúng chương trình, hồ sơ đầy đủ, khoa học. Ban kiểm tra đã góp ý để các thầy cô tiếp tục hoàn thiện.",
        ],
    },
    Topic {
        title: "Thông báo tuyển sinh {lop} năm học {nam_hoc_sau}",
        paragraphs: &[
            "{truong} thông báo kế hoạch tuyển sinh {lop} năm học {nam_hoc_sau} theo hướng dẫn của cơ quan quản lý giáo dục.",
            "Đối tượng tuyển sinh là trẻ trong độ tuổi cư trú trên địa bàn {xa}. Cha mẹ học sinh đăng ký trực tuyến trên hệ thống tuyển sinh hoặc nộp hồ sơ trực tiếp tại văn phòng nhà trường trong giờ hành chính.",
            "Mọi thắc mắc xin liên hệ văn phòng nhà trường để được hướng dẫn.",
        ],
    },
    Topic {
        title: "Trao học bổng cho học sinh vượt khó học tốt",
        paragraphs: &[
            "Ngày {ngay}, {truong} phối hợp với Ban đại diện cha mẹ học sinh trao {so2} suất học bổng cho học sinh có hoàn cảnh khó khăn vượt khó học tốt.",
            "Mỗi suất học bổng gồm tiền mặt, sách vở và đồ dùng học tập. Đây là nguồn động viên kịp thời giúp các em tiếp tục cố gắng trong học tập.",
        ],
    },
    Topic {
        title: "Sơ kết phong trào thi đua “Dạy tốt – Học tốt”",
        paragraphs: &[
            "Ngày {ngay}, {truong} tổ chức sơ kết phong trào thi đua “Dạy tốt – Học tốt” năm học {nam_hoc}.",
            "Trong đợt thi đua, toàn trường có {so1} tiết dạy tốt, nhiều lớp đạt thành tích cao trong các phong trào văn nghệ, thể thao, đọc sách. Nhà trường đã khen thưởng các tập thể và cá nhân xuất sắc.",
        ],
    },
];

/// The anti-gambling article: a school warning pupils against gambling. It uses the gambling
/// words on purpose; an inspector must not call it spam.
pub(crate) const AG_TITLES: [&str; 3] = [
    "Tuyên truyền phòng, chống cờ bạc, cá độ bóng đá trực tuyến cho học sinh",
    "Học sinh {ten} nói không với cờ bạc và cá độ bóng đá qua mạng",
    "Tăng cường giáo dục phòng ngừa tệ nạn cờ bạc, cá cược trong học sinh",
];

pub(crate) const AG_PARAGRAPHS: [&str; 4] = [
    "Thời gian gần đây, tình trạng học sinh bị lôi kéo tham gia cờ bạc, cá độ bóng đá trên mạng có chiều hướng gia tăng. Nhiều trang web của nhà cái núp bóng trò chơi trực tuyến, game bài đổi thưởng, quảng cáo khuyến mãi để dụ dỗ các em nạp tiền.",
    "Trong buổi chào cờ ngày {ngay}, {truong} đã tuyên truyền cho học sinh về tác hại của cờ bạc và cá cược trực tuyến. Báo cáo viên phân tích những hậu quả: mất tiền, vay nợ, sa sút học tập, dễ sa vào các tệ nạn khác và vi phạm pháp luật.",
    "Nhà trường đề nghị cha mẹ học sinh quản lý việc sử dụng điện thoại, tài khoản ngân hàng và ví điện tử của con em. Học sinh tuyệt đối không truy cập, không chia sẻ đường link của các trang cá độ, nhà cái; khi bị rủ rê, các em cần báo ngay cho giáo viên chủ nhiệm hoặc gia đình.",
    "Cuối buổi, đại diện học sinh các lớp đã ký cam kết không tham gia cờ bạc, cá độ dưới mọi hình thức.",
];

/// The seven parts of the public-disclosure section (Circular 09/2024/TT-BGDĐT), each with
/// heading variants and slug variants. Every heading keeps its part's key words.
pub(crate) struct Part {
    pub headings: [&'static str; 3],
    pub slugs: [&'static str; 2],
    pub body: &'static [&'static str],
}

pub(crate) const PARTS: [Part; 7] = [
    Part {
        headings: [
            "Thông tin chung về nhà trường",
            "Thông tin chung về cơ sở giáo dục",
            "Công khai thông tin chung",
        ],
        slugs: ["thong-tin-chung", "thong-tin-chung-ve-co-so-giao-duc"],
        body: &[
            "Tên trường: {truong}. Địa chỉ: {xa}, {tinh}. Loại hình: công lập.",
            "Sứ mạng: xây dựng môi trường học tập thân thiện, an toàn, giúp mọi học sinh phát triển toàn diện phẩm chất và năng lực.",
            "Cơ cấu tổ chức: Hiệu trưởng {ht}; {so2} tổ chuyên môn và tổ văn phòng; Hội đồng trường; Liên đội; Ban đại diện cha mẹ học sinh.",
        ],
    },
    Part {
        headings: [
            "Công khai thu, chi tài chính",
            "Thu, chi tài chính năm {nam}",
            "Công khai tài chính",
        ],
        slugs: ["tai-chinh", "thu-chi-tai-chinh"],
        body: &[
            "Dự toán thu, chi ngân sách nhà nước năm {nam} đã được cấp có thẩm quyền giao; tình hình thực hiện được công khai theo quý.",
            "Các khoản thu dịch vụ phục vụ, hỗ trợ hoạt động giáo dục thực hiện theo nghị quyết của Hội đồng nhân dân tỉnh; nhà trường không thu các khoản ngoài quy định.",
            "Chính sách miễn, giảm học phí và hỗ trợ chi phí học tập: {so2} học sinh được hưởng trong năm học {nam_hoc}.",
        ],
    },
    Part {
        headings: [
            "Đội ngũ nhà giáo, cán bộ quản lý và nhân viên",
            "Công khai đội ngũ nhà giáo",
            "Đội ngũ cán bộ, giáo viên, nhân viên",
        ],
        slugs: ["doi-ngu", "doi-ngu-nha-giao"],
        body: &[
            "Tổng số cán bộ quản lý, giáo viên, nhân viên: {so1} người; trong đó {so2} giáo viên đạt trình độ chuẩn được đào tạo trở lên.",
            "Số giáo viên được đánh giá đạt chuẩn nghề nghiệp mức khá trở lên chiếm phần lớn; nhà trường cử giáo viên tham gia bồi dưỡng thường xuyên theo kế hoạch.",
        ],
    },
    Part {
        headings: [
            "Cơ sở vật chất",
            "Điều kiện cơ sở vật chất, thiết bị dạy học",
            "Công khai cơ sở vật chất",
        ],
        slugs: ["co-so-vat-chat", "co-so-vat-chat-thiet-bi"],
        body: &[
            "Diện tích khuôn viên: {so1}00 m²; số phòng học: {so2} phòng kiên cố; có thư viện, phòng tin học, phòng ngoại ngữ và sân chơi, bãi tập.",
            "Thiết bị dạy học tối thiểu được trang bị theo quy định; nhà trường có hệ thống nước sạch và nhà vệ sinh riêng cho học sinh nam, nữ.",
        ],
    },
    Part {
        headings: [
            "Kiểm định chất lượng giáo dục",
            "Kết quả kiểm định chất lượng và công nhận đạt chuẩn quốc gia",
            "Bảo đảm và kiểm định chất lượng giáo dục",
        ],
        slugs: ["kiem-dinh-chat-luong", "kiem-dinh-chat-luong-giao-duc"],
        body: &[
            "Nhà trường đạt kiểm định chất lượng giáo dục cấp độ 2 và được công nhận đạt chuẩn quốc gia mức độ 1.",
            "Kế hoạch cải tiến chất lượng sau đánh giá ngoài được triển khai hằng năm và báo cáo cơ quan quản lý.",
        ],
    },
    Part {
        headings: [
            "Kế hoạch và kết quả hoạt động giáo dục",
            "Kế hoạch giáo dục nhà trường và kết quả thực hiện",
            "Công khai kế hoạch và kết quả giáo dục",
        ],
        slugs: ["ke-hoach-va-ket-qua-giao-duc", "ke-hoach-ket-qua-hoat-dong-giao-duc"],
        body: &[
            "Kế hoạch giáo dục năm học {nam_hoc} được xây dựng theo chương trình giáo dục phổ thông 2018, đã được Hội đồng trường thông qua.",
            "Kết quả năm học trước: {so1} học sinh hoàn thành chương trình; tỉ lệ học sinh được đánh giá hoàn thành tốt và hoàn thành xuất sắc tăng so với năm học trước.",
        ],
    },
    Part {
        headings: [
            "Báo cáo thường niên",
            "Báo cáo thường niên năm {nam}",
            "Công khai báo cáo thường niên",
        ],
        slugs: ["bao-cao-thuong-nien", "bao-cao-thuong-nien-nam"],
        body: &[
            "Báo cáo thường niên năm {nam} của {truong} tổng hợp các điều kiện bảo đảm chất lượng, kết quả hoạt động giáo dục và tình hình tài chính của nhà trường.",
        ],
    },
];

pub(crate) const DISCLOSURE_TITLES: [&str; 5] = [
    "Công khai",
    "CÔNG KHAI THÔNG TIN",
    "Thực hiện công khai",
    "Công khai giáo dục",
    "Công khai theo Thông tư 09",
];
pub(crate) const DISCLOSURE_SLUGS: [&str; 5] = [
    "cong-khai",
    "cong-khai-thong-tin",
    "thuc-hien-cong-khai",
    "cong-khai-giao-duc",
    "cong-khai-tt09",
];

pub(crate) const DISCLOSURE_INTRO: &str = "Thực hiện Thông tư số 09/2024/TT-BGDĐT ngày 03/6/2024 của Bộ trưởng Bộ Giáo dục và Đào tạo quy định về công khai trong hoạt động của các cơ sở giáo dục thuộc hệ thống giáo dục quốc dân, {truong} công khai các nội dung sau:";

pub(crate) const ABOUT: [&str; 3] = [
    "{truong} được thành lập năm {nam_tl}, đóng trên địa bàn {xa}, {tinh}. Trải qua nhiều thế hệ thầy và trò, nhà trường không ngừng lớn mạnh và trở thành địa chỉ tin cậy của cha mẹ học sinh trong vùng.",
    "Năm học {nam_hoc}, trường có {so_lop} lớp với {so_hs} học sinh; đội ngũ gồm {so_gv} cán bộ quản lý, giáo viên và nhân viên, tất cả đều đạt trình độ chuẩn trở lên.",
    "Nhiều năm liền, nhà trường đạt danh hiệu Tập thể lao động tiên tiến; phong trào thi đua dạy tốt, học tốt được duy trì sôi nổi, nhiều học sinh đạt giải trong các cuộc thi, hội thi các cấp.",
];

pub(crate) const NOTICES: [&str; 6] = [
    "Lịch công tác tuần",
    "Kế hoạch kiểm tra cuối học kỳ",
    "Thông báo lịch họp cha mẹ học sinh",
    "Quy chế chi tiêu nội bộ",
    "Kế hoạch phòng, chống thiên tai",
    "Danh sách học sinh được khen thưởng",
];

/// Gambling vocabulary for spam and for the gambling sites. Brand names are invented.
pub(crate) const SPAM_PHRASES: [&str; 12] = [
    "nhà cái uy tín",
    "cá cược bóng đá",
    "kèo nhà cái hôm nay",
    "nổ hũ đổi thưởng",
    "casino trực tuyến",
    "game bài đổi thưởng",
    "xóc đĩa online",
    "tài xỉu uy tín",
    "soi cầu lô đề",
    "bắn cá đổi thưởng",
    "đá gà trực tiếp",
    "tỷ lệ kèo cá độ",
];

pub(crate) const SPAM_SENTENCES: [&str; 5] = [
    "{brand} – nhà cái uy tín số 1 Việt Nam: cá cược bóng đá, casino trực tuyến, nổ hũ, bắn cá. Đăng ký hôm nay nhận ngay 88K, nạp rút siêu tốc 24/7.",
    "Kèo nhà cái hôm nay, tỷ lệ kèo cá độ bóng đá Ngoại hạng Anh cập nhật liên tục tại {brand}. Khuyến mãi 100% cho lần nạp đầu.",
    "Chơi game bài đổi thưởng, xóc đĩa online, tài xỉu uy tín tại {brand}, rút tiền về tài khoản chỉ trong 3 phút.",
    "Soi cầu lô đề miễn phí, dự đoán kết quả xổ số chính xác, vào {brand} để nhận ưu đãi thành viên VIP.",
    "Đá gà trực tiếp, casino trực tuyến với dealer xinh đẹp, hoàn trả cược 1,5% mỗi ngày tại {brand}.",
];

pub(crate) const SPAM_TITLES: [&str; 4] = [
    "Top nhà cái uy tín nhất hiện nay",
    "Link vào {brand} mới nhất không bị chặn",
    "Cá cược bóng đá trực tuyến – kèo thơm mỗi ngày",
    "Nổ hũ đổi thưởng, nạp 50K nhận 150K",
];

pub(crate) fn brand(n: u32) -> String {
    format!("NC{n:02}.CLUB")
}
