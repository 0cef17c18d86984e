//! The stories workflow through the pages and the public site it feeds: a teacher writes about
//! a pupil and adds a photo (its EXIF, GPS included, does not survive), prints the consent form,
//! the principal records the pupil's signed form and asks the parent in the app, the parent
//! agrees, the principal approves; the school's public page, the story's page, its photo, the
//! feed and the sitemap show it with their validators (304 on a conditional request) and no
//! cookie; the parent withdraws and every address of it answers 410, the photo deleted. The
//! public page passes the inspector and the header grade. On SQLite and PostgreSQL.

use crate::common;

use std::io::Read as _;

use common::{TestApp, add_person, api, api_token, both_backends, unit_by_code};
use lanhmang_domain::Role;

/// A JPEG with an EXIF segment holding a GPS tag, as a phone writes one.
fn phone_photo() -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(120, 90, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 2) as u8, 140])
    }));
    let mut plain = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .unwrap();
    let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x25\x88\x04\0\x01\0\0\0\x1a\0\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS 21.0285 N 105.8542 E");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&plain[2..]);
    out
}

fn has_metadata(bytes: &[u8]) -> bool {
    bytes.windows(4).any(|w| w == b"Exif")
        || bytes.windows(3).any(|w| w == b"GPS")
        || bytes.windows(2).any(|w| w == [0xFF, 0xE1])
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The first number after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> i64 {
    let at = text.find(prefix).unwrap_or_else(|| panic!("{prefix} in page")) + prefix.len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn stories_count(app: &TestApp) -> u64 {
    app.store()
        .execute_raw_for_tests("UPDATE stories SET title = title")
        .await
        .unwrap()
}

/// A visitor without an account: no cookie store, no redirects followed.
fn visitor() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = visitor().get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

both_backends!(a_story_goes_public_with_its_consents_and_leaves_everywhere_when_withdrawn);
async fn a_story_goes_public_with_its_consents_and_leaves_everywhere_when_withdrawn(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = app.signed_in("demo.teacher").await;
    let principal = app.signed_in("demo.principal").await;
    let parent = app.signed_in("demo.parent").await;
    let school = unit_by_code(&app, "TH-ANBINH").await;
    let unit = school.id.to_string();

    // Bad input: each problem beside its field, nothing written.
    let before = stories_count(&app).await;
    let r = teacher
        .submit(
            "/cau-chuyen/moi",
            "/cau-chuyen/moi",
            &[
                ("unit_id", &unit),
                ("title", " "),
                ("body", "Nội dung"),
                ("kind_1", "pupil"),
                ("name_1", "Lê Bảo Ngọc"),
                ("age_1", "chín"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("tiêu đề") && page.contains("tuổi phải là một số"),
        "{backend}: {page}"
    );
    assert_eq!(stories_count(&app).await, before, "{backend}");

    let r = teacher
        .submit("/cau-chuyen/moi", "/cau-chuyen/moi", &[("unit_id", &unit), ("title", "Ngọc và đôi bạn kiểm chứng tin"),
            ("body", "Lê Bảo Ngọc lớp 4A hướng dẫn các bạn hỏi lại thầy cô trước khi chia sẻ một tin lạ.\n\nCả lớp lập góc «Tin thật, tin giả» ở bảng tin."),
            ("kind_1", "pupil"), ("name_1", "Lê Bảo Ngọc"), ("age_1", "9")])
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let story_path = location(&r);
    let story_path = story_path.split('?').next().unwrap().to_string();
    let id = number_after(&story_path, "/cau-chuyen/");
    let (status, page) = teacher.text(&story_path).await;
    assert_eq!(status, 200, "{backend}");
    let subject = number_after(&page, &format!("/cau-chuyen/{id}/nguoi/"));

    // A photo: a program named .jpg is refused (nothing kept); a phone photo keeps no metadata.
    let r = teacher
        .submit_multipart(
            &story_path,
            &format!("{story_path}/anh"),
            &[("caption", "Góc tin thật")],
            "photo",
            &[("anh.jpg", b"MZ\x90\x00 not a photo".to_vec())],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    assert!(r.text().await.unwrap().contains("Chỉ nhận ảnh JPEG"), "{backend}");
    let original = phone_photo();
    assert!(has_metadata(&original));
    let r = teacher
        .submit_multipart(
            &story_path,
            &format!("{story_path}/anh"),
            &[("caption", "Góc tin thật của lớp 4A")],
            "photo",
            &[("IMG_2031.jpg", original)],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let (_, page) = teacher.text(&story_path).await;
    let photo = number_after(&page, &format!("/cau-chuyen/{id}/anh/"));

    // The printable consent form, in both formats, names the story and the signatures it needs.
    let r = teacher
        .get(&format!("/cau-chuyen/{id}/nguoi/{subject}/phieu.pdf"))
        .await;
    assert_eq!(r.status(), 200, "{backend}");
    let pdf = r.bytes().await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for says in [
        "PHIẾU ĐỒNG Ý",
        "Ngọc và đôi bạn kiểm chứng tin",
        "Cha, mẹ hoặc người giám hộ",
        "Học sinh (ký",
    ] {
        assert!(flat.contains(says), "{backend}: {says} in {flat}");
    }
    let r = teacher
        .get(&format!("/cau-chuyen/{id}/nguoi/{subject}/phieu.docx"))
        .await;
    assert_eq!(r.status(), 200, "{backend}");
    let docx = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains("Ngọc và đôi bạn kiểm chứng tin") && xml.contains("Đăng trên trang của trường"),
        "{backend}"
    );

    // Not public before approval, and not approvable without the parent's consent.
    assert_eq!(
        get(&app, &format!("/trang/TH-ANBINH/cau-chuyen/{id}"), &[])
            .await
            .status(),
        404,
        "{backend}"
    );
    let r = principal
        .submit(
            &story_path,
            &format!("{story_path}/dang"),
            &[("purpose", "school_site")],
        )
        .await;
    assert_eq!(r.status(), 409, "{backend}");
    assert!(
        r.text().await.unwrap().contains("cần sự đồng ý của cha mẹ"),
        "{backend}"
    );

    // The principal records the pupil's own signed form and asks the parent in the app.
    let scan = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let r = principal
        .submit_multipart(
            &story_path,
            &format!("{story_path}/dong-y"),
            &[
                ("subject", &subject.to_string()),
                ("given_by", "self"),
                ("purpose", "school_site"),
                ("note", "Phiếu ký 03/12"),
            ],
            "form",
            &[("phieu-ngoc.pdf", scan)],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let parent_token = api_token(&app, "demo.parent").await;
    let (_, me) = api(&app, &parent_token, "GET", "/api/v1/me", None).await;
    let parent_id = me["id"].as_i64().unwrap().to_string();
    // A parent of another school cannot be asked.
    let other = unit_by_code(&app, "TH-HOASEN").await;
    let stranger = add_person(&app, other.id, "gv.hoasen2", Role::Teacher)
        .await
        .to_string();
    let r = principal
        .submit(
            &story_path,
            &format!("{story_path}/hoi-cha-me"),
            &[("subject", &subject.to_string()), ("parent", &stranger)],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let r = principal
        .submit(
            &story_path,
            &format!("{story_path}/hoi-cha-me"),
            &[("subject", &subject.to_string()), ("parent", &parent_id)],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");

    // The parent sees the request on their home, reads the story, and agrees for the school's page.
    let (_, home) = parent.text("/gia-dinh").await;
    assert!(
        home.contains("Ngọc và đôi bạn kiểm chứng tin") && home.contains("Chờ anh/chị trả lời"),
        "{backend}"
    );
    let answer = format!("/gia-dinh/cau-chuyen/{id}");
    let (status, page) = parent.text(&answer).await;
    assert_eq!(status, 200, "{backend}");
    assert!(page.contains("Cả lớp lập góc"), "{backend}");
    let r = parent
        .submit(
            &answer,
            &format!("{answer}/dong-y"),
            &[("subject", &subject.to_string()), ("purpose", "school_site")],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    // Another family was not asked: nothing to read, nothing to answer.
    let family = app.signed_in("demo.family").await;
    assert_eq!(family.text(&answer).await.0, 404, "{backend}");

    // Approved by the principal; a teacher does not approve.
    let r = teacher
        .submit(
            &story_path,
            &format!("{story_path}/dang"),
            &[("purpose", "school_site")],
        )
        .await;
    assert_eq!(r.status(), 403, "{backend}");
    let r = principal
        .submit(
            &story_path,
            &format!("{story_path}/dang"),
            &[("purpose", "school_site")],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");

    // The public site: the school's page, the story, the photo, the feed, the sitemap.
    let r = get(&app, "/trang/TH-ANBINH", &[]).await;
    assert_eq!(r.status(), 200, "{backend}");
    assert!(
        r.headers().get("set-cookie").is_none(),
        "{backend}: no cookie for visitors"
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let modified = r.headers()["last-modified"].to_str().unwrap().to_string();
    assert_eq!(r.headers()["cache-control"], "public, no-cache", "{backend}");
    let home = r.text().await.unwrap();
    assert!(home.len() < 50_000, "{backend}: {} bytes", home.len());
    for says in [
        "Ngọc và đôi bạn kiểm chứng tin",
        "<link rel=\"alternate\" type=\"application/atom+xml\"",
        "property=\"og:title\"",
        "rel=\"canonical\"",
        "\"@type\":\"School\"",
        "/phan-anh/TH-ANBINH",
    ] {
        assert!(home.contains(says), "{backend}: {says} in home");
    }
    assert!(
        !home.contains("<script src") && !home.contains("Phiếu ký 03/12"),
        "{backend}"
    );
    assert!(
        !home.contains(me["display_name"].as_str().unwrap()),
        "{backend}: no parent named"
    );
    assert_eq!(
        get(&app, "/trang/TH-ANBINH", &[("if-none-match", &etag)])
            .await
            .status(),
        304,
        "{backend}"
    );
    assert_eq!(
        get(&app, "/trang/TH-ANBINH", &[("if-modified-since", &modified)])
            .await
            .status(),
        304,
        "{backend}"
    );
    // Approved for the school's page only: the office's page does not show it.
    let office_home = get(&app, "/trang/VHXH-ANBINH", &[]).await.text().await.unwrap();
    assert!(!office_home.contains("Ngọc và đôi bạn"), "{backend}");
    assert_eq!(
        get(&app, &format!("/trang/VHXH-ANBINH/cau-chuyen/{id}"), &[])
            .await
            .status(),
        404,
        "{backend}"
    );

    let public_story = format!("/trang/TH-ANBINH/cau-chuyen/{id}");
    let r = get(&app, &public_story, &[]).await;
    assert_eq!(r.status(), 200, "{backend}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("\"@type\":\"NewsArticle\"") && page.contains("og:image"),
        "{backend}"
    );
    let public_photo = format!("{public_story}/anh/{photo}");
    for path in [public_photo.clone(), format!("{public_photo}/nho")] {
        let r = get(&app, &path, &[]).await;
        assert_eq!(r.status(), 200, "{backend}: {path}");
        assert_eq!(r.headers()["content-type"], "image/jpeg", "{backend}");
        let bytes = r.bytes().await.unwrap();
        assert!(!has_metadata(&bytes), "{backend}: {path} keeps no metadata");
        assert!(image::load_from_memory(&bytes).is_ok(), "{backend}");
    }
    let feed = get(&app, "/trang/TH-ANBINH/tin.atom", &[]).await.text().await.unwrap();
    assert!(
        feed.contains(&public_story) && feed.contains("Ngọc và đôi bạn"),
        "{backend}: {feed}"
    );
    let sitemap = get(&app, "/sitemap.xml", &[]).await.text().await.unwrap();
    assert!(
        sitemap.contains(&public_story) && sitemap.contains("/trang/VHXH-ANBINH<"),
        "{backend}"
    );
    let robots = get(&app, "/robots.txt", &[]).await.text().await.unwrap();
    assert!(
        robots.contains("Sitemap: ") && robots.contains("Allow: /trang/"),
        "{backend}"
    );

    // Visits are counted per unit and day, and the school's staff see them beside their stories.
    let (_, list) = principal.text("/cau-chuyen").await;
    assert!(
        list.contains("lượt xem trong 30 ngày") && !list.contains("An Bình</a> <span class=\"muted\">· 0 lượt"),
        "{backend}: {list}"
    );
    let days = app
        .store()
        .execute_raw_for_tests(&format!(
            "UPDATE public_visits SET visits = visits WHERE unit_id = {}",
            school.id
        ))
        .await
        .unwrap();
    assert_eq!(days, 1, "{backend}: one row per unit and day, nothing else");

    // A school's own domain pointing here opens its public page at the root; others sign in.
    app.store()
        .execute_raw_for_tests("UPDATE units SET websites = 'https://www.th-anbinh.edu.vn/' WHERE code = 'TH-ANBINH'")
        .await
        .unwrap();
    let r = get(&app, "/", &[("host", "th-anbinh.edu.vn")]).await;
    assert_eq!(r.status(), 200, "{backend}");
    assert!(r.text().await.unwrap().contains("Trường Tiểu học An Bình"), "{backend}");
    let r = get(&app, "/", &[("host", "other-school.edu.vn")]).await;
    assert_eq!(r.status(), 303, "{backend}");
    assert_eq!(location(&r), "/dang-nhap", "{backend}");

    // Who reads the story's staff page: its school's writers and approvers above; not others.
    let hoasen = app.signed_in("gv.hoasen2").await;
    assert_eq!(hoasen.text(&story_path).await.0, 404, "{backend}");
    assert_eq!(
        app.signed_in("demo.office").await.text(&story_path).await.0,
        200,
        "{backend}"
    );

    // The parent withdraws in the app: gone from the page, the feed, the photo's address.
    let (_, page) = parent.text(&answer).await;
    let consent = number_after(&page, &format!("/gia-dinh/cau-chuyen/{id}/dong-y/"));
    let r = parent
        .submit(
            &answer,
            &format!("{answer}/dong-y/{consent}/rut"),
            &[("subject", &subject.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    assert_eq!(get(&app, &public_story, &[]).await.status(), 410, "{backend}");
    assert_eq!(get(&app, &public_photo, &[]).await.status(), 410, "{backend}");
    let feed = get(&app, "/trang/TH-ANBINH/tin.atom", &[]).await.text().await.unwrap();
    assert!(!feed.contains(&public_story), "{backend}");
    let r = get(&app, "/trang/TH-ANBINH", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 200, "{backend}: the page changed");
    assert!(!r.text().await.unwrap().contains("Ngọc và đôi bạn"), "{backend}");
    assert!(
        !get(&app, "/sitemap.xml", &[])
            .await
            .text()
            .await
            .unwrap()
            .contains(&public_story),
        "{backend}"
    );
    // The photo's bytes are deleted (no purpose covers it any more) and the removal audited.
    let kept = app
        .store()
        .execute_raw_for_tests("UPDATE story_photos SET caption = caption WHERE large IS NOT NULL OR small IS NOT NULL")
        .await
        .unwrap();
    assert_eq!(kept, 0, "{backend}");
    app.stop().await;
}

both_backends!(the_public_page_passes_the_inspector_and_grades_a_plus_over_https);
async fn the_public_page_passes_the_inspector_and_grades_a_plus_over_https(backend: &'static str) {
    use lanhmang_domain::finding::Severity;
    use lanhmang_inspect::observatory::{FetchChain, Hop, ObservatoryInput, grade};
    let layer = lanhmang::config::Layer {
        public_url: Some("https://lanhmang.example.vn".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_configured(backend, true, layer).await;
    // As production serves it behind its HTTPS proxy: the headers of our own answer.
    let r = get(&app, "/trang/TH-ANBINH", &[]).await;
    assert_eq!(r.status(), 200, "{backend}");
    let headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r.text().await.unwrap();
    let input = ObservatoryInput {
        hostname: "lanhmang.example.vn".into(),
        http: None,
        https: Some(FetchChain {
            hops: vec![Hop {
                url: "https://lanhmang.example.vn/trang/TH-ANBINH".into(),
                status: 200,
                headers,
            }],
            certificate_verified: true,
            body: Some(body),
        }),
        cors_preflight: None,
        fetched_at: time::OffsetDateTime::now_utc(),
    };
    let report = grade(&input).unwrap();
    assert_eq!(report.grade, "A+", "{backend}: {:?}", report.tests);
    app.stop().await;

    // The whole inspector over plain HTTP: nothing above low but what HTTPS would fix.
    let app = TestApp::spawn(backend).await;
    let config = lanhmang_inspect::InspectConfig {
        allow_private_targets: true,
        retries: 0,
        max_pages: 5,
        ..Default::default()
    };
    let inspector = lanhmang_inspect::Inspector::new(config).unwrap();
    let report = inspector
        .inspect(&reqwest::Url::parse(&app.url("/trang/TH-ANBINH")).unwrap())
        .await;
    assert!(report.reachable, "{backend}: {report:?}");
    let above_low: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code.severity() > Severity::Low)
        .filter(|f| {
            !f.code.as_str().contains("https") && !f.code.as_str().contains("tls") && !f.code.as_str().contains("hsts")
        })
        .collect();
    assert!(above_low.is_empty(), "{backend}: {above_low:?}");
    app.stop().await;
}

both_backends!(the_api_takes_photos_and_a_parents_answer_with_the_same_rules);
async fn the_api_takes_photos_and_a_parents_answer_with_the_same_rules(backend: &'static str) {
    use base64::Engine as _;
    use serde_json::json;
    let app = TestApp::spawn(backend).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let parent = api_token(&app, "demo.parent").await;
    let family = api_token(&app, "demo.family").await;
    let school = unit_by_code(&app, "TH-ANBINH").await;
    let (status, created) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/stories",
        Some(
            json!({"unit_id": school.id, "title": "Tùng và giờ ra chơi không điện thoại",
            "body": "Em Đỗ Thanh Tùng rủ các bạn chơi cờ vua trong giờ ra chơi thay vì xem điện thoại.",
            "subjects": [{"kind": "pupil", "name": "Đỗ Thanh Tùng", "age": 8}]}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {created}");
    let id = created["id"].as_i64().unwrap();
    let (_, story) = api(&app, &teacher, "GET", &format!("/api/v1/stories/{id}"), None).await;
    let subject = story["subjects"][0]["id"].as_i64().unwrap();

    // Photos: not base64, not a picture: 422, nothing kept; a phone photo loses its metadata.
    let photos = format!("/api/v1/stories/{id}/photos");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    for (bad, says) in [
        (json!({"content_base64": "không phải base64"}), "base64"),
        (json!({"content_base64": b64(b"%PDF-1.4 a document")}), "Chỉ nhận ảnh"),
        (
            json!({"content_base64": b64(&phone_photo()), "caption": "x".repeat(501)}),
            "Chú thích",
        ),
    ] {
        let (status, body) = api(&app, &teacher, "POST", &photos, Some(bad)).await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(body.to_string().contains(says), "{backend}: {says} in {body}");
    }
    let (_, story) = api(&app, &teacher, "GET", &format!("/api/v1/stories/{id}"), None).await;
    assert_eq!(story["photos"], json!([]), "{backend}");
    let mut kept = Vec::new();
    for n in 0..4 {
        let (status, body) = api(
            &app,
            &teacher,
            "POST",
            &photos,
            Some(json!({"content_base64": b64(&phone_photo()), "caption": format!("Ván cờ {n}")})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {body}");
        kept.push(body["id"].as_i64().unwrap());
    }
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        &photos,
        Some(json!({"content_base64": b64(&phone_photo())})),
    )
    .await;
    assert_eq!(status, 409, "{backend}: at most four: {body}");
    let r = app
        .client()
        .get(app.url(&format!("{photos}/{}", kept[0])))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{backend}");
    assert!(!has_metadata(&r.bytes().await.unwrap()), "{backend}");
    // The office reads but does not write; a parent does neither.
    let office = api_token(&app, "demo.office").await;
    let (status, _) = api(&app, &office, "POST", &format!("{photos}/{}/remove", kept[3]), None).await;
    assert_eq!(status, 403, "{backend}");
    let (status, _) = api(&app, &family, "GET", &format!("/api/v1/stories/{id}"), None).await;
    assert_eq!(status, 404, "{backend}");
    let (status, body) = api(&app, &teacher, "POST", &format!("{photos}/{}/remove", kept[3]), None).await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert!(body["photos"][3]["deleted_at"].is_string(), "{backend}: {body}");

    // Asking a parent: only for a pupil, only a parent of the school; then only that parent answers.
    let (_, me) = api(&app, &parent, "GET", "/api/v1/me", None).await;
    let ask = format!("/api/v1/stories/{id}/subjects/{subject}/parent");
    let (status, _) = api(&app, &teacher, "POST", &ask, Some(json!({"parent_id": 1}))).await;
    assert_eq!(status, 422, "{backend}: the administrator is no parent here");
    let (status, body) = api(&app, &teacher, "POST", &ask, Some(json!({"parent_id": me["id"]}))).await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["asked_parents"][0]["parent_id"], me["id"], "{backend}");
    let (_, requests) = api(&app, &parent, "GET", "/api/v1/parents/stories", None).await;
    assert!(
        requests["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["story_id"] == id),
        "{backend}: {requests}"
    );
    let give = format!("/api/v1/parents/stories/{id}/consents");
    let (status, _) = api(
        &app,
        &family,
        "POST",
        &give,
        Some(json!({"subject": subject, "purpose": "school_site"})),
    )
    .await;
    assert_eq!(status, 404, "{backend}: another parent was not asked");
    let (status, body) = api(
        &app,
        &parent,
        "POST",
        &give,
        Some(json!({"subject": subject, "purpose": "website"})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    let (status, body) = api(
        &app,
        &parent,
        "POST",
        &give,
        Some(json!({"subject": subject, "purpose": "school_site"})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {body}");
    let consent = body["id"].as_i64().unwrap();
    let (status, _) = api(
        &app,
        &parent,
        "POST",
        &give,
        Some(json!({"subject": subject, "purpose": "school_site"})),
    )
    .await;
    assert_eq!(status, 409, "{backend}: one standing consent");
    let (_, story) = api(&app, &principal, "GET", &format!("/api/v1/stories/{id}"), None).await;
    let recorded = story["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == consent)
        .unwrap()
        .clone();
    assert_eq!(recorded["method"], "app", "{backend}");
    assert_eq!(recorded["given_by"], "parent", "{backend}");

    // With the pupil's own form the principal publishes; the parent's withdrawal takes it off.
    // The yearly report counts each story published in the year (S1.2), withdrawn or not.
    let (_, plan) = common::principal_school_and_plan(&app, &principal).await;
    let plan = app.store().plan(plan).await.unwrap().expect("the plan");
    let stories_counted = || async {
        lanhmang_app::reports::computed(app.store(), &plan, &school)
            .await
            .unwrap()["s1_2_stories"]
    };
    let (before, source) = stories_counted().await;
    assert_eq!(source, lanhmang_domain::report::StoryFacts::SOURCE, "{backend}");
    let (status, _) = api(
        &app,
        &teacher,
        "POST",
        &format!("/api/v1/stories/{id}/consents"),
        Some(json!({"subject": subject, "given_by": "self", "purpose": "school_site"})),
    )
    .await;
    assert_eq!(status, 201, "{backend}");
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        Some(json!({"purpose": "school_site"})),
    )
    .await;
    assert_eq!(status, 200, "{backend}");
    assert_eq!(
        get(&app, &format!("/trang/TH-ANBINH/cau-chuyen/{id}"), &[])
            .await
            .status(),
        200,
        "{backend}"
    );
    let withdraw = format!("/api/v1/parents/stories/{id}/consents/{consent}/withdraw");
    let (status, _) = api(&app, &family, "POST", &withdraw, Some(json!({"subject": subject}))).await;
    assert_eq!(status, 404, "{backend}");
    let (status, body) = api(&app, &parent, "POST", &withdraw, Some(json!({"subject": subject}))).await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["unpublished"], json!(["school_site"]), "{backend}");
    assert_eq!(
        get(&app, &format!("/trang/TH-ANBINH/cau-chuyen/{id}"), &[])
            .await
            .status(),
        410,
        "{backend}"
    );
    assert_eq!(stories_counted().await.0, before + 1.0, "{backend}");
    let r = app
        .client()
        .get(app.url(&format!("{photos}/{}", kept[0])))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "{backend}: the photo's bytes are deleted");
    app.stop().await;
}
