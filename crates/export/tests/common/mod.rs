//! A report like the ones the office exports, shared by the tests and the timing example.

#![allow(dead_code)]

use lanhmang_export::{Letterhead, OfficialDocument, Section, Signature, Table};
use time::macros::date;

pub const HEADINGS: [&str; 3] = [
    "I. ĐẶC ĐIỂM TÌNH HÌNH",
    "II. KẾT QUẢ THỰC HIỆN",
    "III. PHƯƠNG HƯỚNG, ĐỀ XUẤT VÀ KIẾN NGHỊ",
];

pub fn schools_table() -> Table {
    Table {
        header: vec![
            "STT".into(),
            "Đơn vị".into(),
            "Số hoạt động".into(),
            "Người tham gia".into(),
            "Tỷ lệ".into(),
        ],
        rows: vec![
            vec![
                "1".into(),
                "Trường Tiểu học An Bình".into(),
                "14".into(),
                "1.236".into(),
                "92,5%".into(),
            ],
            vec![
                "2".into(),
                "Trường THCS Lê Quý Đôn".into(),
                "9".into(),
                "847".into(),
                "88,0%".into(),
            ],
            vec![
                "3".into(),
                "Trường Mầm non Hoa Sen".into(),
                "6".into(),
                "312".into(),
                "100%".into(),
            ],
            vec!["".into(), "Cộng".into(), "29".into(), "2.395".into(), "".into()],
        ],
        numeric_columns: vec![0, 2, 3, 4],
    }
}

/// The report; `padding` more paragraphs per section make it longer (12 give five pages).
pub fn report(padding: usize) -> OfficialDocument {
    let filler = "Các nhà trường đã tổ chức tuyên truyền, hướng dẫn học sinh sử dụng mạng xã hội an toàn, \
                  lành mạnh; phối hợp với cha mẹ học sinh quản lý thời gian sử dụng điện thoại thông minh; \
                  kịp thời phát hiện, xử lý thông tin sai lệch, độc hại trên không gian mạng.";
    let more = |first: &str| {
        let mut v = vec![first.to_string()];
        v.extend((0..padding).map(|i| format!("{}. {filler}", i + 1)));
        v
    };
    OfficialDocument {
        letterhead: Letterhead {
            parent_authority: "UBND xã An Bình".into(),
            issuing_unit: "Phòng Giáo dục và Đào tạo".into(),
            number: "05/BC-PGDĐT".into(),
            place: "An Bình".into(),
            date: date!(2027 - 06 - 05),
        },
        kind_title: "Báo cáo".into(),
        subtitle: "Kết quả thực hiện kế hoạch sử dụng mạng xã hội lành mạnh năm học 2026–2027".into(),
        intro: vec![
            "Thực hiện Kế hoạch số 12/KH-PGDĐT ngày 15 tháng 9 năm 2026 của Phòng Giáo dục và Đào tạo, \
             Phòng báo cáo kết quả thực hiện như sau:"
                .into(),
        ],
        sections: vec![
            Section {
                heading: HEADINGS[0].into(),
                paragraphs: more("Toàn xã có 3 trường với 2.395 học sinh; 100% trường đã ban hành kế hoạch."),
                table: None,
            },
            Section {
                heading: HEADINGS[1].into(),
                paragraphs: more("Kết quả cụ thể của từng đơn vị được tổng hợp trong bảng dưới đây."),
                table: Some(schools_table()),
            },
            Section {
                heading: HEADINGS[2].into(),
                paragraphs: more("Đề nghị Sở Giáo dục và Đào tạo tiếp tục tổ chức tập huấn cho giáo viên."),
                table: None,
            },
        ],
        recipients: vec![
            "Sở GDĐT (để b/c)".into(),
            "UBND xã (để b/c)".into(),
            "Các trường học".into(),
            "Lưu: VT".into(),
        ],
        signature: Signature {
            on_behalf: Some("KT. Trưởng phòng".into()),
            title: "Phó Trưởng phòng".into(),
            signer: "Nguyễn Thị Thanh Hương".into(),
        },
    }
}

/// Text hostile to Typst markup, XML and spreadsheets alike.
pub const HOSTILE: &str = "#set page(width: 1cm) *đậm* _nghiêng_ $x^2$ [a] \\ \"q\" <nhan> @ref `raw` \
                           #read(\"/etc/passwd\") #import \"@preview/cetz:0.3.0\" </w:t> &amp; ]] =1+1";
