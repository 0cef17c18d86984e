//! The web shell as a person uses it: signing in, pages per role, forms, security headers.

use crate::common;

use common::{Browser, TestApp, both_backends};

const HEADERS: &[&str] = &[
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
];

fn assert_security_headers(r: &reqwest::Response, what: &str) {
    for h in HEADERS {
        assert!(r.headers().contains_key(*h), "{what}: missing {h}");
    }
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

both_backends!(sign_in_home_pages_by_role_and_sign_out);
async fn sign_in_home_pages_by_role_and_sign_out(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let anonymous = Browser {
            client: app.client(),
            base: app.base.clone(),
        };

        let home = anonymous.get("/").await;
        assert_eq!(home.status(), 303, "{backend}");
        assert_eq!(home.headers()["location"], "/dang-nhap");
        let login = anonymous.get("/dang-nhap").await;
        assert_security_headers(&login, "login page");
        let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag");
        assert!(
            !login.headers().contains_key("strict-transport-security"),
            "no HSTS over plain HTTP"
        );

        // Wrong password: the form comes back with a Vietnamese message, no session.
        let csrf = anonymous.csrf_from("/dang-nhap").await;
        let r = anonymous
            .post_form(
                "/dang-nhap",
                &[
                    ("_csrf", &csrf),
                    ("username", "demo.office"),
                    ("password", "sai-mat-khau-roi"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status(), 401, "{backend}");
        let body = r.text().await.unwrap();
        assert!(body.contains("Tên đăng nhập hoặc mật khẩu không đúng."), "{backend}");
        assert!(body.contains("value=\"demo.office\""), "username kept");

        // The office sees the figures of its subtree: 23 active schools, 1 closed.
        let office = app.signed_in("demo.office").await;
        let r = office.get("/").await;
        assert_security_headers(&r, "home");
        let set_cookie: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
        assert!(set_cookie.is_empty(), "no cookie churn on normal pages");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("<span class=\"num\">23</span><span>trường đang hoạt động"),
            "{backend}: {body}"
        );
        assert!(
            body.contains("<span class=\"num\">1</span><span>trường đã đóng"),
            "{backend}"
        );
        assert!(
            body.contains("href=\"/nguoi-dung\""),
            "office admin sees people in the nav"
        );
        assert!(
            !body.contains("href=\"/nhat-ky\""),
            "only system admins see the audit log"
        );

        // The parent sees the school, its contacts, and no management.
        let parent = app.signed_in("demo.parent").await;
        let (status, body) = parent.text("/").await;
        assert_eq!(status, 200);
        assert!(body.contains("Trường Tiểu học An Bình"), "{backend}");
        assert!(
            body.contains("Nguyễn Văn Bình (hiệu trưởng, demo)"),
            "{backend}: principal as contact"
        );
        assert!(
            !body.contains("trường đang hoạt động"),
            "{backend}: no office figures for a parent"
        );
        assert!(!body.contains("href=\"/nguoi-dung\""), "{backend}");

        // Signing out ends the session on the server.
        let csrf = office.csrf_from("/").await;
        let r = office.post_form("/dang-xuat", &[("_csrf", &csrf)]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(office.get("/").await.status(), 303, "{backend}: signed out");
        app.stop().await;
    }
}

both_backends!(error_pages_are_vietnamese);
async fn error_pages_are_vietnamese(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let teacher = app.signed_in("demo.teacher").await;
        let r = teacher.get("/khong-co-trang-nay").await;
        assert_eq!(r.status(), 404);
        assert_security_headers(&r, "404");
        assert!(r.text().await.unwrap().contains("Không tìm thấy trang"));
        let r = teacher.get("/nguoi-dung").await;
        assert_eq!(r.status(), 403, "{backend}");
        assert!(r.text().await.unwrap().contains("Không có quyền truy cập"));
        let (status, _) = teacher.text("/don-vi/999999").await;
        assert_eq!(status, 404);
        let (status, _) = teacher.text("/don-vi/abc").await;
        assert_eq!(status, 404);
        app.stop().await;
    }
}

both_backends!(csrf_protects_every_state_change);
async fn csrf_protects_every_state_change(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let before = app.store().count_units().await.unwrap();
        let fields = [
            ("parent_id", "2"),
            ("code", "TH-MOI"),
            ("name", "Trường mới"),
            ("kind", "school"),
            ("school_level", "primary"),
            ("status", "active"),
        ];

        // No token.
        let r = office.post_form("/don-vi/moi", &fields).await;
        assert_eq!(r.status(), 403, "{backend}");
        assert!(r.text().await.unwrap().contains("Biểu mẫu đã hết hạn"));
        // A wrong token.
        let mut wrong = vec![("_csrf", "xyz")];
        wrong.extend_from_slice(&fields);
        assert_eq!(office.post_form("/don-vi/moi", &wrong).await.status(), 403);
        // A right token, but sent from another site.
        let csrf = office.csrf_from("/don-vi/moi").await;
        let mut good = vec![("_csrf", csrf.as_str())];
        good.extend_from_slice(&fields);
        let cross = office
            .client
            .post(app.url("/don-vi/moi"))
            .header("origin", "https://evil.example")
            .form(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), 403, "{backend}: cross-site POST");
        let cross = office
            .client
            .post(app.url("/don-vi/moi"))
            .header("sec-fetch-site", "cross-site")
            .form(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), 403, "{backend}: cross-site POST by Fetch metadata");
        assert_eq!(
            app.store().count_units().await.unwrap(),
            before,
            "{backend}: nothing written"
        );
        // The same request from the page itself goes through.
        let ok = office
            .client
            .post(app.url("/don-vi/moi"))
            .header("origin", &app.base)
            .form(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 303, "{backend}");
        assert_eq!(app.store().count_units().await.unwrap(), before + 1);
        // Logging in needs the login page's token too.
        let stranger = Browser {
            client: app.client(),
            base: app.base.clone(),
        };
        let r = stranger
            .post_form(
                "/dang-nhap",
                &[("username", "demo.office"), ("password", common::DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(r.status(), 403, "{backend}: login CSRF");
        app.stop().await;
    }
}

both_backends!(unit_forms_validate_and_write_nothing_on_error);
async fn unit_forms_validate_and_write_nothing_on_error(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let before = app.store().count_units().await.unwrap();
        let r = office
            .submit(
                "/don-vi/moi",
                "/don-vi/moi",
                &[
                    ("parent_id", "2"),
                    ("code", "mã sai"),
                    ("name", ""),
                    ("kind", "school"),
                    ("school_level", ""),
                    ("status", "active"),
                    ("websites", "ftp://x"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        for message in [
            "Tên đơn vị không được để trống.",
            "Mã đơn vị dài tối đa 32 ký tự",
            "Trường học phải có cấp học.",
            "Địa chỉ website không hợp lệ",
        ] {
            assert!(body.contains(message), "{backend}: missing «{message}»");
        }
        assert!(body.contains("value=\"mã sai\""), "what was typed is kept");
        // A duplicate code is refused with a message beside the code field.
        let r = office
            .submit(
                "/don-vi/moi",
                "/don-vi/moi",
                &[
                    ("parent_id", "2"),
                    ("code", "TH-ANBINH"),
                    ("name", "Trùng"),
                    ("kind", "school"),
                    ("school_level", "primary"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Mã đơn vị đã được dùng"));
        // An office admin cannot create a unit outside its subtree (under the department).
        let r = office
            .submit(
                "/don-vi/moi",
                "/don-vi/moi",
                &[
                    ("parent_id", "1"),
                    ("code", "X1"),
                    ("name", "Ngoài phạm vi"),
                    ("kind", "office"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(
            app.store().count_units().await.unwrap(),
            before,
            "{backend}: nothing written"
        );

        // Editing: a school can be closed; the change shows and is audited.
        let school = app.store().unit_by_code("TH-HOASEN").await.unwrap().unwrap();
        let path = format!("/don-vi/{}/sua", school.id);
        let r = office
            .submit(
                &path,
                &path,
                &[
                    ("code", "TH-HOASEN"),
                    ("name", "Trường Tiểu học Hoa Sen"),
                    ("kind", "school"),
                    ("school_level", "primary"),
                    ("status", "closed"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let (_, body) = office.text(&format!("/don-vi/{}", school.id)).await;
        assert!(body.contains("Đã đóng"), "{backend}");
        let (entries, _) = app
            .store()
            .audit_page(lanhmang_domain::Paging::default())
            .await
            .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.action == "unit.update" && e.actor == "demo.office")
        );
        app.stop().await;
    }
}

both_backends!(people_management_passwords_and_disabling);
async fn people_management_passwords_and_disabling(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let school = app.store().unit_by_code("THCS-THANHXUAN").await.unwrap().unwrap();
        let school_id = school.id.to_string();

        // Bad input: every field error at once, nobody created.
        let people_before = app.store().count_people().await.unwrap();
        let r = office
            .submit(
                "/nguoi-dung/moi",
                "/nguoi-dung/moi",
                &[
                    ("username", "X"),
                    ("display_name", " "),
                    ("email", "khong-phai-email"),
                    ("phone", "12"),
                    ("unit_id", &school_id),
                    ("role", "principal"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Tên đăng nhập gồm 3–64 ký tự") && body.contains("Địa chỉ e-mail không hợp lệ."),
            "{backend}"
        );
        // An office admin cannot make a system administrator.
        let r = office
            .submit(
                "/nguoi-dung/moi",
                "/nguoi-dung/moi",
                &[
                    ("username", "thu.ha"),
                    ("display_name", "Thu Hà"),
                    ("unit_id", &school_id),
                    ("role", "system_admin"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.store().count_people().await.unwrap(), people_before, "{backend}");

        // Creating a principal shows a temporary password once.
        let r = office
            .submit(
                "/nguoi-dung/moi",
                "/nguoi-dung/moi",
                &[
                    ("username", "ht.thanhxuan"),
                    ("display_name", "Đỗ Minh Tâm"),
                    ("unit_id", &school_id),
                    ("role", "principal"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200, "{backend}");
        let body = r.text().await.unwrap();
        let start = body.find("<p class=\"secret\"><code>").unwrap() + "<p class=\"secret\"><code>".len();
        let temp = body[start..start + 14].to_string();

        // The new principal must change the password before anything else.
        let principal = app.signed_in_with("ht.thanhxuan", &temp).await;
        let r = principal.get("/").await;
        assert_eq!(r.headers()["location"], "/tai-khoan/mat-khau", "{backend}");
        let r = principal
            .submit(
                "/tai-khoan/mat-khau",
                "/tai-khoan/mat-khau",
                &[("current", &temp), ("new", "matkhau123"), ("confirm", "matkhau123")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("quá phổ biến"));
        let r = principal
            .submit(
                "/tai-khoan/mat-khau",
                "/tai-khoan/mat-khau",
                &[
                    ("current", &temp),
                    ("new", "trăng rằm tháng tám"),
                    ("confirm", "trăng rằm tháng tám"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let (status, body) = principal.text("/").await;
        assert_eq!(status, 200);
        assert!(
            body.contains("Trường THCS Thanh Xuân"),
            "{backend}: principal home shows the school"
        );

        // Disabling ends the principal's session at once.
        let person = app.store().person_by_username("ht.thanhxuan").await.unwrap().unwrap();
        let page = format!("/nguoi-dung/{}", person.id);
        let r = office
            .submit(&page, &format!("{page}/khoa"), &[("disabled", "1")])
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(
            principal.get("/").await.status(),
            303,
            "{backend}: disabled account is signed out"
        );
        // An office admin cannot disable itself.
        let me = app.store().person_by_username("demo.office").await.unwrap().unwrap();
        let mine = format!("/nguoi-dung/{}", me.id);
        assert_eq!(
            office
                .submit(&mine, &format!("{mine}/khoa"), &[("disabled", "1")])
                .await
                .status(),
            409
        );

        // Reset password: a new temporary password, old sessions gone.
        let teacher = app.signed_in("demo.teacher").await;
        let t = app.store().person_by_username("demo.teacher").await.unwrap().unwrap();
        let tpage = format!("/nguoi-dung/{}", t.id);
        let r = office.submit(&tpage, &format!("{tpage}/dat-lai-mat-khau"), &[]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(teacher.get("/").await.status(), 303, "{backend}: reset ends sessions");

        // Roles: grant then revoke, both audited.
        let r = office
            .submit(
                &tpage,
                &format!("{tpage}/vai-tro"),
                &[("role", "collaborator"), ("unit_id", &t.unit_id.to_string())],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let grants = app.store().grants_of(t.id).await.unwrap();
        assert_eq!(grants.len(), 2);
        let collab = grants
            .iter()
            .find(|g| g.role == lanhmang_domain::Role::Collaborator)
            .unwrap();
        let r = office
            .submit(&tpage, &format!("{tpage}/vai-tro/{}/xoa", collab.id), &[])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.store().grants_of(t.id).await.unwrap().len(), 1);
        let report = app.store().verify_audit_chain().await.unwrap();
        assert_eq!(report.first_broken, None, "{backend}");
        app.stop().await;
    }
}

both_backends!(oversized_bodies_get_413);
async fn oversized_bodies_get_413(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let csrf = office.csrf_from("/tai-khoan").await;
        let huge = "x".repeat(3 * 1024 * 1024);
        let r = office
            .post_form(
                "/tai-khoan",
                &[("_csrf", csrf.as_str()), ("display_name", huge.as_str())],
            )
            .await;
        assert_eq!(r.status(), 413, "{backend}");
        assert!(r.text().await.unwrap().contains("quá lớn"));
        app.stop().await;
    }
}

both_backends!(operations_endpoints);
async fn operations_endpoints(backend: &'static str) {
    {
        let token = "prometheus-scrape-token-1";
        let extra = lanhmang::config::Layer {
            metrics_token: Some(lanhmang::config::Secret(token.into())),
            ..Default::default()
        };
        let app = TestApp::spawn_configured(backend, true, extra).await;
        let c = app.client();
        assert_eq!(
            c.get(app.url("/healthz")).send().await.unwrap().text().await.unwrap(),
            "ok"
        );
        assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 200);
        let metrics = c
            .get(app.url("/metrics"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("http_requests_total"), "{backend}: {metrics}");
        assert!(metrics.contains("lanhmang_jobs{state=\"queued\"}"), "{backend}");
        let css = c.get(app.url("/static/app.css")).send().await.unwrap();
        assert!(css.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        app.stop().await;
    }
}

both_backends!(https_deployments_get_secure_cookies_and_hsts);
async fn https_deployments_get_secure_cookies_and_hsts(backend: &'static str) {
    {
        let extra = lanhmang::config::Layer {
            public_url: Some("https://lanhmang.example.vn".into()),
            ..Default::default()
        };
        let app = TestApp::spawn_configured(backend, true, extra).await;
        let r = app.client().get(app.url("/dang-nhap")).send().await.unwrap();
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("; Secure"), "{backend}: {cookie}");
        let hsts = r.headers()["strict-transport-security"].to_str().unwrap();
        assert!(hsts.contains("max-age=63072000"), "{hsts}");
        app.stop().await;
    }
}

both_backends!(profile_and_login_forms_refuse_bad_input);
async fn profile_and_login_forms_refuse_bad_input(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let b = app.signed_in("demo.teacher").await;
        let r = b
            .submit(
                "/tai-khoan",
                "/tai-khoan",
                &[("display_name", ""), ("email", "a@b"), ("phone", "abc")],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Họ và tên không được để trống.") && body.contains("Số điện thoại không hợp lệ"),
            "{backend}"
        );
        assert!(body.contains("aria-invalid=\"true\""), "fields with errors are marked");
        let me = app.store().person_by_username("demo.teacher").await.unwrap().unwrap();
        assert_eq!(
            me.display_name, "Phạm Thị Lan (giáo viên, demo)",
            "{backend}: nothing written"
        );
        let r = b
            .submit(
                "/tai-khoan",
                "/tai-khoan",
                &[
                    ("display_name", "Phạm Thị Lan"),
                    ("email", "lan@truong.edu.vn"),
                    ("phone", "0912 345 678"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let me = app.store().person_by_username("demo.teacher").await.unwrap().unwrap();
        assert_eq!(
            (me.display_name.as_str(), me.phone.as_deref()),
            ("Phạm Thị Lan", Some("0912345678"))
        );
        // Wrong current password on the password page.
        let r = b
            .submit(
                "/tai-khoan/mat-khau",
                "/tai-khoan/mat-khau",
                &[
                    ("current", "khong-dung-dau"),
                    ("new", "một câu khá dài"),
                    ("confirm", "một câu khác"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Mật khẩu hiện tại không đúng.") && body.contains("không khớp"),
            "{backend}"
        );
        // Empty login fields.
        let anon = common::Browser {
            client: app.client(),
            base: app.base.clone(),
        };
        let r = anon
            .submit("/dang-nhap", "/dang-nhap", &[("username", ""), ("password", "")])
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Hãy nhập tên đăng nhập và mật khẩu."));
        app.stop().await;
    }
}

both_backends!(office_admins_import_units_from_a_file_in_their_scope_only);
async fn office_admins_import_units_from_a_file_in_their_scope_only(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let csrf = office.csrf_from("/don-vi/nhap").await;
        let upload = |csv: &'static str, dry: bool| {
            let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes()).file_name("don-vi.csv"),
            );
            if dry {
                form = form.text("dry_run", "1");
            }
            office.client.post(app.url("/don-vi/nhap")).multipart(form).send()
        };
        let before = app.store().count_units().await.unwrap();

        // Errors: listed by row and column, nothing written.
        let r = upload(
            "ma_don_vi,ten_don_vi,loai,ma_cap_tren,cap_hoc\nTH-MOI-1,,truong,VHXH-ANBINH,\n",
            false,
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Tên đơn vị không được để trống.") && body.contains("chưa ghi gì"),
            "{backend}"
        );
        // Outside the office's subtree.
        let r = upload(
            "ma_don_vi,ten_don_vi,loai,ma_cap_tren\nPHONG-KHAC,Phòng khác,phong,SGD-DEMO\n",
            false,
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        assert!(r.text().await.unwrap().contains("nằm ngoài phạm vi bạn quản lý"));
        // A dry run writes nothing.
        let good = "ma_don_vi,ten_don_vi,loai,ma_cap_tren,cap_hoc\nTH-MOI-1,Trường Tiểu học Mới Một,truong,VHXH-ANBINH,Tiểu học\nTH-HOASEN,Trường Tiểu học Hoa Sen (đổi tên),truong,VHXH-ANBINH,Tiểu học\n";
        let r = upload(good, true).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("1 đơn vị mới, 1 đơn vị cập nhật. Chưa ghi gì"),
            "{backend}"
        );
        assert_eq!(app.store().count_units().await.unwrap(), before, "{backend}");
        // The real import.
        let r = upload(good, false).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Đã nhập tệp don-vi.csv: 1 đơn vị mới, 1 đơn vị cập nhật.")
        );
        assert_eq!(app.store().count_units().await.unwrap(), before + 1, "{backend}");
        assert_eq!(
            app.store().unit_by_code("TH-HOASEN").await.unwrap().unwrap().name,
            "Trường Tiểu học Hoa Sen (đổi tên)"
        );
        // Without the form's token: refused.
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(good.as_bytes()).file_name("x.csv"),
        );
        assert_eq!(
            office
                .client
                .post(app.url("/don-vi/nhap"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        let sample = office.get("/don-vi/nhap/mau.csv").await;
        assert!(
            sample.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        app.stop().await;
    }
}
