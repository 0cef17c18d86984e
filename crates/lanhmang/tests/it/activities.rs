//! The activity log's pages as staff use them: logging with evidence, listing, filtering, the
//! calendar, the Excel export, downloads, editing, and every refusal (wrong file, oversize file,
//! bad input, another school, roles without the log), on both backends.

use crate::common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{Browser, TestApp, both_backends};
use lanhmang_domain::Paging;
use lanhmang_domain::plan::{PlanContent, PlanHeader};
use lanhmang_store::AuditContext;
use lanhmang_store::activities::ActivityFilter;
use reqwest::multipart::{Form, Part};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00";

pub(crate) struct Demo {
    pub(crate) plan_id: i64,
    /// The demo teacher's, principal's, web admin's school.
    pub(crate) school_a: i64,
    /// A sibling school of the same office.
    school_b: i64,
    department: i64,
}

/// The published 2026–2027 plan of the demo office: the demo's own when it has one, otherwise
/// one created and published here.
pub(crate) async fn demo(app: &TestApp) -> Demo {
    let store = app.store();
    let school_a = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
    let school_b = store.unit_by_code("TH-HOASEN").await.unwrap().unwrap();
    let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
    let department = store.unit_by_code("SGD-DEMO").await.unwrap().unwrap();
    let existing = store.plans_for_school(&school_a.ancestry).await.unwrap();
    let plan_id = match existing.iter().find(|p| p.school_year.start_year == 2026) {
        Some(p) => p.id,
        None => {
            let ctx = AuditContext::system("test");
            let plan = store
                .create_plan(
                    &ctx,
                    office.id,
                    &PlanHeader::parse("Kế hoạch", "2026-2027", "", "").unwrap(),
                    "builtin",
                    &PlanContent::from_template(&lanhmang_domain::plan_template::BUILTIN),
                )
                .await
                .unwrap();
            store
                .publish_plan(&ctx, plan.id, None, &Default::default())
                .await
                .unwrap()
                .id
        }
    };
    Demo {
        plan_id,
        school_a: school_a.id,
        school_b: school_b.id,
        department: department.id,
    }
}

pub(crate) async fn count_activities(app: &TestApp, d: &Demo) -> i64 {
    app.store()
        .list_activities(
            &[d.department],
            &ActivityFilter::default(),
            Paging { page: 1, per_page: 1 },
        )
        .await
        .unwrap()
        .1
}

/// A valid activity's fields, with some replaced.
pub(crate) fn fields(school: i64, plan: i64, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("unit_id", school.to_string()),
        ("plan_id", plan.to_string()),
        ("kind", "talk".to_string()),
        ("held_on", "29/10/2026".to_string()),
        ("title", "Ngoại khóa «Em lướt mạng thông thái» cho khối 5".to_string()),
        ("teachers", "4".to_string()),
        ("staff", "1".to_string()),
        ("pupils_g3_5", "60".to_string()),
        ("parents", "12".to_string()),
        ("partner", "Công an phường An Bình".to_string()),
        (
            "description",
            "Học sinh thực hành nhận diện tin nhắn lừa đảo.\nMỗi lớp cử hai bạn trình bày.".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in changes {
        out.retain(|(name, _)| name != k);
        if !v.is_empty() {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

/// A form's fields and files, turned into a multipart body once the CSRF token is known.
struct Multipart {
    fields: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
}

fn form(fields: &[(String, String)], files: &[(&str, &[u8])]) -> Multipart {
    Multipart {
        fields: fields.to_vec(),
        files: files.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect(),
    }
}

impl Multipart {
    /// The body, with the token as its first field, as the page sends it.
    fn build(self, csrf: Option<&str>) -> Form {
        let mut form = Form::new();
        if let Some(csrf) = csrf {
            form = form.text("_csrf", csrf.to_string());
        }
        for (k, v) in self.fields {
            form = form.text(k, v);
        }
        for (name, bytes) in self.files {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        form
    }
}

/// Posts a multipart form with the session's CSRF token as its first field, as the page does.
async fn post_multipart(b: &Browser, path: &str, form: Multipart) -> reqwest::Response {
    let csrf = b.csrf_from("/").await;
    b.client
        .post(format!("{}{path}", b.base))
        .multipart(form.build(Some(&csrf)))
        .send()
        .await
        .unwrap()
}

/// Logs an activity and returns its id from the redirect.
async fn log(b: &Browser, fields: &[(String, String)], files: &[(&str, &[u8])]) -> i64 {
    let r = post_multipart(b, "/hoat-dong/moi", form(fields, files)).await;
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    assert_eq!(status, 303, "logging should redirect: {}", r.text().await.unwrap());
    let location = location.unwrap();
    let id = location
        .strip_prefix("/hoat-dong/")
        .and_then(|rest| rest.split('?').next())
        .unwrap();
    assert!(location.ends_with("?tb=da-ghi"), "{location}");
    id.parse().unwrap()
}

/// Every `/minh-chung/{id}` on a page, in order, without repeats.
fn evidence_ids(body: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for part in body.split("/minh-chung/").skip(1) {
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        let id = digits.parse().unwrap();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The list row of an activity, from its link to the end of the row.
fn row_of(body: &str, id: i64) -> &str {
    let start = body
        .find(&format!("<a href=\"/hoat-dong/{id}\">"))
        .expect("row present");
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

both_backends!(a_teacher_logs_with_evidence_and_everyone_in_scope_finds_it);
async fn a_teacher_logs_with_evidence_and_everyone_in_scope_finds_it(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let d = demo(&app).await;
        let teacher = app.signed_in("demo.teacher").await;

        // The form: the teacher's only school is chosen already; the published plan is offered.
        let (status, page) = teacher.text("/hoat-dong/moi").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("enctype=\"multipart/form-data\""), "{backend}");
        assert!(
            page.contains(&format!("<option value=\"{}\" selected>", d.school_a)),
            "{backend}"
        );
        assert!(page.contains(&format!("value=\"{}\"", d.plan_id)), "{backend}");
        assert!(
            page.contains("name=\"tasks\" value=\"II.1.d\""),
            "{backend}: the plan's tasks"
        );
        assert!(page.contains("Nói chuyện chuyên đề"), "{backend}: kinds by label");

        let before = count_activities(&app, &d).await;
        let mut f = fields(d.school_a, d.plan_id, &[("tasks", "II.1.d")]);
        f.push(("link".into(), "https://th-anbinh.demo.test/tin-tuc/ngoai-khoa".into()));
        f.push(("link".into(), String::new()));
        let id = log(
            &teacher,
            &f,
            &[("Biên bản buổi ngoại khóa.pdf", PDF), ("anh-hoi-truong.png", PNG)],
        )
        .await;
        assert_eq!(count_activities(&app, &d).await, before + 1, "{backend}");

        // The detail page, with the notice, the counts and every piece of evidence.
        let (status, body) = teacher.text(&format!("/hoat-dong/{id}?tb=da-ghi")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(body.contains("Đã ghi hoạt động."), "{backend}");
        assert!(
            body.contains("Ngoại khóa «Em lướt mạng thông thái» cho khối 5"),
            "{backend}"
        );
        assert!(body.contains("29/10/2026"), "{backend}");
        assert!(body.contains("Người tham dự: 77"), "{backend}: 4 + 1 + 60 + 12");
        assert!(body.contains("Công an phường An Bình"), "{backend}");
        assert!(body.contains("Biên bản buổi ngoại khóa.pdf"), "{backend}");
        assert!(
            body.contains(
                "<a href=\"https://th-anbinh.demo.test/tin-tuc/ngoai-khoa\" rel=\"noopener noreferrer nofollow\""
            ),
            "{backend}: links open without the referrer"
        );
        assert!(
            body.contains("<img src=\"/minh-chung/"),
            "{backend}: the small image is previewed"
        );
        let ids = evidence_ids(&body);
        assert_eq!(ids.len(), 2, "{backend}: two files ({ids:?})");

        // Downloads carry the type found by content, and cannot run anything.
        let r = teacher.get(&format!("/minh-chung/{}", ids[0])).await;
        assert_eq!(r.status(), 200, "{backend}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(
            disposition.starts_with("attachment; filename=\"bien ban buoi ngoai khoa.pdf\""),
            "{disposition}"
        );
        assert!(
            disposition.contains("filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n"),
            "{disposition}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let csp: Vec<&str> = r
            .headers()
            .get_all("content-security-policy")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(csp.contains(&"sandbox"), "{backend}: {csp:?}");
        assert!(
            csp.iter().any(|p| p.contains("default-src 'none'")),
            "{backend}: the global policy stays too"
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), PDF, "{backend}");
        let r = teacher.get(&format!("/minh-chung/{}", ids[1])).await;
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline;")
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), PNG, "{backend}");

        // The list: the row with its date, school, kind, people and evidence count.
        let (status, list) = teacher.text("/hoat-dong").await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            list.contains("href=\"/hoat-dong/moi\""),
            "{backend}: the teacher may log"
        );
        assert!(
            list.contains("href=\"/hoat-dong\" aria-current=\"page\""),
            "{backend}: nav entry"
        );
        let row = row_of(&list, id);
        for expected in [
            "29/10/2026",
            "Trường Tiểu học An Bình",
            "Nói chuyện chuyên đề",
            ">77<",
            ">3<",
        ] {
            assert!(row.contains(expected), "{backend}: {expected} in {row}");
        }

        // Filters narrow the list: kind, dates, and a search typed without diacritics.
        let has = |body: &str| body.contains(&format!("<a href=\"/hoat-dong/{id}\">"));
        for (query, expected) in [
            ("?q=luot+mang+thong+thai", true),
            ("?q=LƯỚT%20MẠNG", true),
            ("?q=khong+co+dau+vet", false),
            ("?loai=talk&q=luot", true),
            ("?loai=training&q=luot", false),
            ("?tu=2026-10-01&den=31/10/2026", true),
            ("?tu=01/11/2026", false),
            ("?den=2026-10-28", false),
            (&format!("?ke_hoach={}&q=luot", d.plan_id), true),
        ] {
            let (status, body) = teacher.text(&format!("/hoat-dong{query}")).await;
            assert_eq!(status, 200, "{backend}: {query}");
            assert_eq!(has(&body), expected, "{backend}: {query}");
        }
        let (_, body) = teacher.text("/hoat-dong?tu=31/02/2026").await;
        assert!(
            body.contains("Ngày «31/02/2026» không hợp lệ"),
            "{backend}: a bad date is explained"
        );
        // Links keep the filters.
        let (_, body) = teacher.text("/hoat-dong?loai=talk&q=luot").await;
        assert!(
            body.contains("href=\"/hoat-dong/lich?loai=talk&#38;q=luot\""),
            "{backend}"
        );
        assert!(
            body.contains("href=\"/hoat-dong/xuat.xlsx?loai=talk&#38;q=luot\""),
            "{backend}"
        );

        // The calendar shows it on its day, a Thursday.
        let (status, cal) = teacher.text("/hoat-dong/lich?thang=2026-10").await;
        assert_eq!(status, 200, "{backend}");
        assert!(cal.contains("Tháng 10/2026"), "{backend}");
        assert!(cal.contains("<th scope=\"col\">T2</th>") && cal.contains("<th scope=\"col\">CN</th>"));
        let day = cal.find("Thứ Năm, 29/10/2026").expect("the day is listed");
        let cell = &cal[day..day + cal[day..].find("</td>").unwrap()];
        assert!(cell.contains(&format!("href=\"/hoat-dong/{id}\"")), "{backend}: {cell}");
        assert!(
            cal.contains("thang=2026-09") && cal.contains("thang=2026-11"),
            "{backend}: month links"
        );
        let (_, nov) = teacher.text("/hoat-dong/lich?thang=2026-11").await;
        assert!(!nov.contains(&format!("href=\"/hoat-dong/{id}\"")), "{backend}");
        let (status, _) = teacher.text("/hoat-dong/lich?thang=2026-13").await;
        assert_eq!(status, 400, "{backend}");

        // The export holds the row, read back from the workbook.
        let r = teacher.get("/hoat-dong/xuat.xlsx?q=luot+mang").await;
        assert_eq!(r.status(), 200, "{backend}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let disposition = r.headers()["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"hoat-dong-") && disposition.ends_with(".xlsx\""));
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name).unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let header = rows
            .iter()
            .position(|r| r.first() == Some(&Data::String("Ngày".into())))
            .unwrap();
        let row = rows
            .iter()
            .find(|r| r.get(4) == Some(&Data::String("Ngoại khóa «Em lướt mạng thông thái» cho khối 5".into())))
            .expect("the activity's row");
        assert_eq!(row[1], Data::String("TH-ANBINH".into()), "{backend}");
        assert_eq!(row[2], Data::String("Trường Tiểu học An Bình".into()));
        assert_eq!(row[3], Data::String("Nói chuyện chuyên đề".into()));
        assert_eq!(row[5], Data::String("II.1.d".into()));
        let num = |c: &Data| match c {
            Data::Float(f) => *f,
            Data::Int(i) => *i as f64,
            other => panic!("not a number: {other:?}"),
        };
        assert_eq!(num(&row[6]), 4.0);
        assert_eq!(num(&row[7]), 1.0);
        assert_eq!(num(&row[9]), 60.0, "pupils of grades 3–5");
        assert_eq!(num(&row[13]), 60.0, "pupils in all");
        assert_eq!(num(&row[14]), 12.0, "parents");
        assert_eq!(row[15], Data::String("Công an phường An Bình".into()));
        assert_eq!(num(&row[16]), 3.0, "evidence");
        assert!(matches!(row[0], Data::DateTime(_)), "{backend}: a real date cell");
        assert_eq!(rows.len() - header - 1, 2, "{backend}: one row and the totals");

        // Editing: the author removes the image and adds a link; the web admin of the same
        // school, who did not log it, may not change it; the principal may.
        let (status, edit) = teacher.text(&format!("/hoat-dong/{id}/sua")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            edit.contains("value=\"Ngoại khóa «Em lướt mạng thông thái» cho khối 5\""),
            "{backend}"
        );
        assert!(edit.contains("name=\"tasks\" value=\"II.1.d\" checked"), "{backend}");
        let mut f = fields(
            d.school_a,
            d.plan_id,
            &[("title", "Ngoại khóa «Em lướt mạng thông thái» (đã sửa)")],
        );
        f.push(("remove_evidence".into(), ids[1].to_string()));
        f.push(("link".into(), "https://th-anbinh.demo.test/anh".into()));
        let r = post_multipart(&teacher, &format!("/hoat-dong/{id}/sua"), form(&f, &[])).await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(r.headers()["location"], format!("/hoat-dong/{id}?tb=da-luu"));
        let (_, body) = teacher.text(&format!("/hoat-dong/{id}")).await;
        assert!(body.contains("(đã sửa)"), "{backend}");
        assert_eq!(evidence_ids(&body), vec![ids[0]], "{backend}: the image is gone");
        assert!(body.contains("https://th-anbinh.demo.test/anh"), "{backend}");
        assert_eq!(teacher.get(&format!("/minh-chung/{}", ids[1])).await.status(), 404);

        let webadmin = app.signed_in("demo.webadmin").await;
        assert_eq!(
            webadmin.get(&format!("/hoat-dong/{id}")).await.status(),
            200,
            "{backend}: may see"
        );
        assert_eq!(
            webadmin.get(&format!("/hoat-dong/{id}/sua")).await.status(),
            403,
            "{backend}"
        );
        let r = post_multipart(&webadmin, &format!("/hoat-dong/{id}/sua"), form(&f, &[])).await;
        assert_eq!(r.status(), 403, "{backend}");

        // Deleting needs the token and the right person; the principal may.
        let r = webadmin.submit("/", &format!("/hoat-dong/{id}/xoa"), &[]).await;
        assert_eq!(r.status(), 403, "{backend}");
        let principal = app.signed_in("demo.principal").await;
        let (_, body) = principal.text(&format!("/hoat-dong/{id}")).await;
        assert!(
            body.contains("data-confirm=\"Xóa hoạt động"),
            "{backend}: a confirmation first"
        );
        assert_eq!(
            principal.post_form(&format!("/hoat-dong/{id}/xoa"), &[]).await.status(),
            403,
            "no token"
        );
        let r = principal.submit("/", &format!("/hoat-dong/{id}/xoa"), &[]).await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(r.headers()["location"], "/hoat-dong?tb=da-xoa");
        assert_eq!(
            teacher.get(&format!("/hoat-dong/{id}")).await.status(),
            404,
            "{backend}"
        );
        assert_eq!(
            teacher.get(&format!("/minh-chung/{}", ids[0])).await.status(),
            404,
            "{backend}"
        );
        assert_eq!(count_activities(&app, &d).await, before, "{backend}");
        app.stop().await;
    }
}

both_backends!(wrong_files_and_bad_input_are_refused_and_nothing_is_written);
async fn wrong_files_and_bad_input_are_refused_and_nothing_is_written(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let d = demo(&app).await;
        let teacher = app.signed_in("demo.teacher").await;
        let before = count_activities(&app, &d).await;
        let ok = fields(d.school_a, d.plan_id, &[]);

        // A program renamed .pdf is recognised by its content.
        let exe: Vec<u8> = [b"MZ\x90\x00\x03\x00\x00\x00".as_slice(), &[0u8; 512]].concat();
        let r = post_multipart(
            &teacher,
            "/hoat-dong/moi",
            form(&ok, &[("bien-ban.pdf", PDF), ("bien-ban-2.pdf", &exe)]),
        )
        .await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Tệp «bien-ban-2.pdf» không phải PDF, ảnh (PNG, JPEG, GIF, WebP), DOCX hay XLSX."),
            "{backend}: {body}"
        );
        assert!(
            body.contains("hãy chọn lại tệp"),
            "{backend}: the person is told to pick the files again"
        );
        assert!(
            body.contains("value=\"Công an phường An Bình\""),
            "{backend}: typed values kept"
        );
        assert_eq!(
            count_activities(&app, &d).await,
            before,
            "{backend}: nothing written, not even the good file"
        );

        // Over 10 MB: a clear message, nothing written.
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(11 * 1024 * 1024, b'0');
        let r = post_multipart(&teacher, "/hoat-dong/moi", form(&ok, &[("ke-hoach-scan.pdf", &big)])).await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(body.contains("Tệp «ke-hoach-scan.pdf» lớn hơn 10 MB."), "{backend}");
        assert_eq!(count_activities(&app, &d).await, before, "{backend}");

        // A file just under the cap, far over the global 2 MiB body limit, is accepted.
        let mut large = b"%PDF-1.7\n".to_vec();
        large.resize(9 * 1024 * 1024, b'0');
        let id = log(
            &teacher,
            &fields(d.school_a, d.plan_id, &[("title", "Tập huấn có tệp lớn")]),
            &[("lon.pdf", &large)],
        )
        .await;
        assert_eq!(count_activities(&app, &d).await, before + 1, "{backend}");
        let (_, body) = teacher.text(&format!("/hoat-dong/{id}")).await;
        assert!(body.contains("9,0 MB"), "{backend}: the size is shown");

        // More files than allowed, and a link that is not a web address.
        let r = post_multipart(
            &teacher,
            "/hoat-dong/moi",
            form(
                &ok,
                &[
                    ("1.pdf", PDF),
                    ("2.pdf", PDF),
                    ("3.pdf", PDF),
                    ("4.pdf", PDF),
                    ("5.pdf", PDF),
                ],
            ),
        )
        .await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(r.text().await.unwrap().contains("tối đa 4 tệp"), "{backend}");
        let mut f = ok.clone();
        f.push(("link".into(), "javascript:alert(1)".into()));
        let r = post_multipart(&teacher, "/hoat-dong/moi", form(&f, &[])).await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("không hợp lệ: hãy dán địa chỉ trang, ví dụ https://truong.edu.vn/bai-viet"),
            "{backend}"
        );

        // Bad fields: each is marked, with its message, and nothing is written.
        for (change, field, message) in [
            (("title", ""), "title", "Tên hoạt động không được để trống."),
            (
                ("held_on", "15/10/2025"),
                "held_on",
                "nằm ngoài năm học 2026–2027 của kế hoạch",
            ),
            (("held_on", "31/02/2027"), "held_on", "Ngày không hợp lệ"),
            (("teachers", "-3"), "teachers", "Số người tham dự «-3» không hợp lệ"),
            (("kind", "party"), "kind", "Loại hoạt động không hợp lệ"),
            (("tasks", "IX.9"), "tasks", "Nhiệm vụ IX.9 không có trong kế hoạch."),
        ] {
            let r = post_multipart(
                &teacher,
                "/hoat-dong/moi",
                form(&fields(d.school_a, d.plan_id, &[change]), &[]),
            )
            .await;
            assert_eq!(r.status(), 422, "{backend}: {change:?}");
            let body = r.text().await.unwrap();
            assert!(
                body.contains(message),
                "{backend}: {message} in the page for {change:?}"
            );
            assert!(
                body.contains(&format!("aria-invalid=\"true\" aria-describedby=\"{field}-error\"")),
                "{backend}: {field} marked"
            );
            assert!(body.contains("class=\"field-error\""), "{backend}");
            assert!(body.contains("Chưa lưu được"), "{backend}");
        }
        assert_eq!(count_activities(&app, &d).await, before + 1, "{backend}");

        // More people from the school than the school has.
        app.store()
            .set_school_size(&AuditContext::system("test"), d.school_a, Some(5), Some(40))
            .await
            .unwrap();
        let r = post_multipart(&teacher, "/hoat-dong/moi", form(&ok, &[])).await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Số người của trường tham dự (65) lớn hơn"),
            "{backend}: {body}"
        );
        assert_eq!(count_activities(&app, &d).await, before + 1, "{backend}");

        // A multipart form without the token is refused before anything else.
        let r = teacher
            .client
            .post(app.url("/hoat-dong/moi"))
            .multipart(form(&ok, &[]).build(None))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{backend}");
        assert_eq!(count_activities(&app, &d).await, before + 1, "{backend}");
        app.stop().await;
    }
}

both_backends!(each_person_sees_and_logs_only_within_scope);
async fn each_person_sees_and_logs_only_within_scope(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let d = demo(&app).await;
        let before = count_activities(&app, &d).await;

        // The office logs for a school below it, choosing among all its schools.
        let office = app.signed_in("demo.office").await;
        let (status, page) = office.text("/hoat-dong/moi").await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            page.contains("— Chọn trường —"),
            "{backend}: several schools, none preselected"
        );
        let other_title = "Họp cha mẹ học sinh trường Hoa Sen về giờ dùng điện thoại";
        let b_id = log(
            &office,
            &fields(
                d.school_b,
                d.plan_id,
                &[("kind", "parent_meeting"), ("title", other_title)],
            ),
            &[("bien-ban.pdf", PDF)],
        )
        .await;
        let (_, b_page) = office.text(&format!("/hoat-dong/{b_id}")).await;
        let b_evidence = evidence_ids(&b_page);
        assert_eq!(b_evidence.len(), 1, "{backend}");

        // The teacher of school A cannot log for school B, nor see its activity or evidence.
        let teacher = app.signed_in("demo.teacher").await;
        let r = post_multipart(
            &teacher,
            "/hoat-dong/moi",
            form(&fields(d.school_b, d.plan_id, &[]), &[]),
        )
        .await;
        assert!(matches!(r.status().as_u16(), 403 | 404), "{backend}: {}", r.status());
        assert_eq!(
            count_activities(&app, &d).await,
            before + 1,
            "{backend}: nothing written"
        );
        assert_eq!(
            teacher.get(&format!("/hoat-dong/{b_id}")).await.status(),
            404,
            "{backend}"
        );
        assert_eq!(
            teacher.get(&format!("/hoat-dong/{b_id}/sua")).await.status(),
            404,
            "{backend}"
        );
        assert_eq!(
            teacher.get(&format!("/minh-chung/{}", b_evidence[0])).await.status(),
            404,
            "{backend}"
        );
        let r = teacher.submit("/", &format!("/hoat-dong/{b_id}/xoa"), &[]).await;
        assert_eq!(r.status(), 404, "{backend}");
        let (_, list) = teacher.text("/hoat-dong?q=hoa+sen").await;
        assert!(!list.contains(other_title), "{backend}");
        assert!(
            !list.contains("name=\"don_vi\""),
            "{backend}: one school, no school filter"
        );
        // A filter naming another school is ignored, not obeyed.
        let (_, list) = teacher
            .text(&format!("/hoat-dong?don_vi={}&q=hoa+sen", d.school_b))
            .await;
        assert!(!list.contains(other_title), "{backend}");
        assert!(list.contains("không thuộc phạm vi của bạn"), "{backend}");

        let a_title = "Phổ biến nội quy dùng điện thoại ở trường An Bình";
        let a_id = log(
            &teacher,
            &fields(d.school_a, d.plan_id, &[("kind", "phone_rules"), ("title", a_title)]),
            &[],
        )
        .await;

        // The office sees both schools, and may narrow to one.
        let (_, list) = office.text("/hoat-dong?tu=2026-10-29&den=2026-10-29").await;
        assert!(list.contains(other_title) && list.contains(a_title), "{backend}");
        assert!(list.contains("name=\"don_vi\""), "{backend}: the school filter");
        let (_, list) = office
            .text(&format!("/hoat-dong?don_vi={}&tu=2026-10-29", d.school_b))
            .await;
        assert!(list.contains(other_title) && !list.contains(a_title), "{backend}");
        let (_, list) = office
            .text(&format!("/hoat-dong?don_vi={}&tu=2026-10-29", d.school_b))
            .await;
        assert!(
            list.contains(&format!("<option value=\"{}\" selected>", d.school_b)),
            "{backend}"
        );
        // The office head sees and may correct, though not log.
        let head = app.signed_in("demo.head").await;
        assert_eq!(head.get(&format!("/hoat-dong/{a_id}")).await.status(), 200, "{backend}");
        assert_eq!(
            head.get(&format!("/hoat-dong/{a_id}/sua")).await.status(),
            200,
            "{backend}"
        );
        assert_eq!(head.get("/hoat-dong/moi").await.status(), 403, "{backend}");
        let (_, list) = head.text("/hoat-dong").await;
        assert!(
            !list.contains("href=\"/hoat-dong/moi\""),
            "{backend}: no logging button"
        );

        // The parents' representative and the collaborator have no activity pages.
        for account in ["demo.parent", "demo.collaborator"] {
            let b = app.signed_in(account).await;
            for path in [
                "/hoat-dong".to_string(),
                "/hoat-dong/moi".to_string(),
                "/hoat-dong/lich".to_string(),
                "/hoat-dong/xuat.xlsx".to_string(),
                format!("/hoat-dong/{a_id}"),
                format!("/minh-chung/{}", b_evidence[0]),
            ] {
                assert_eq!(b.get(&path).await.status(), 403, "{backend}: {account} on {path}");
            }
            let r = post_multipart(&b, "/hoat-dong/moi", form(&fields(d.school_a, d.plan_id, &[]), &[])).await;
            assert_eq!(r.status(), 403, "{backend}: {account} logging");
            let (_, home) = b.text("/").await;
            assert!(
                !home.contains("href=\"/hoat-dong\""),
                "{backend}: no nav entry for {account}"
            );
        }
        assert_eq!(count_activities(&app, &d).await, before + 2, "{backend}");
        app.stop().await;
    }
}
