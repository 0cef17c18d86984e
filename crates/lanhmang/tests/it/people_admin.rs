//! People administration across scope: acting on an account never reaches further than one's
//! own right to grant every role it holds; system administration is held at the root only;
//! principals appoint their own school's collaborators and parent representatives; out-of-scope
//! people and units answer as if absent.

use crate::common;

use common::{TestApp, both_backends};
use lanhmang_domain::Role;
use lanhmang_domain::person::PersonInput;
use lanhmang_domain::unit::UnitInput;
use lanhmang_store::{AuditContext, Person, Store, Unit};

const PASSWORD: &str = "mat-khau-rieng-7391";

/// A person with a known password (no change required), homed in `unit`, holding `roles`.
async fn person(store: &Store, username: &str, unit: &Unit, roles: &[(Role, &Unit)]) -> Person {
    let ctx = AuditContext::system("test");
    let fields = PersonInput {
        username: username.into(),
        display_name: format!("Người thử {username}"),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let hash = lanhmang_domain::password::hash(PASSWORD).unwrap();
    let p = store
        .create_person(&ctx, unit.id, &fields, Some(&hash), false)
        .await
        .unwrap();
    for (role, at) in roles {
        store.grant_role(&ctx, p.id, *role, at.id).await.unwrap();
    }
    p
}

async fn unit(store: &Store, code: &str) -> Unit {
    store.unit_by_code(code).await.unwrap().unwrap()
}

async fn password_hash(store: &Store, username: &str) -> Option<String> {
    store.credentials(username).await.unwrap().and_then(|(_, h)| h)
}

/// The temporary password a page shows once.
fn shown_password(body: &str) -> String {
    let marker = "<p class=\"secret\"><code>";
    let start = body.find(marker).expect("a temporary password is shown") + marker.len();
    body[start..start + 14].to_string()
}

both_backends!(an_office_admin_cannot_act_on_a_system_administrator_homed_below_it);
/// Security 2.1: an office administrator saw a person homed in one of its schools who held the
/// system administrator role, reset that password, signed in as them and took the department.
/// Every way of acting on such a person is now refused and changes nothing.
async fn an_office_admin_cannot_act_on_a_system_administrator_homed_below_it(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let department = unit(store, "SGD-DEMO").await;
        let school = unit(store, "TH-ANBINH").await;
        let target = person(
            store,
            "qt.truong",
            &school,
            &[(Role::Teacher, &school), (Role::SystemAdmin, &department)],
        )
        .await;
        // A stray grant at a school (written before the rule existed) is treated the same.
        let stray = person(store, "qt.lac", &school, &[(Role::SystemAdmin, &school)]).await;
        let plain_teacher = person(store, "gv.thuong", &school, &[(Role::Teacher, &school)]).await;

        let office = app.signed_in("demo.office").await;
        for p in [&target, &stray] {
            let page = format!("/nguoi-dung/{}", p.id);
            let (status, body) = office.text(&page).await;
            assert_eq!(status, 200, "{backend}: the person is in sight");
            assert!(
                !body.contains("dat-lai-mat-khau") && !body.contains("/khoa\""),
                "{backend}: no reset or disable offered"
            );
            let hash_before = password_hash(store, &p.username).await;
            let grants_before = store.grants_of(p.id).await.unwrap();
            let csrf = office.csrf_from("/tai-khoan").await;
            let attempts: Vec<(String, Vec<(&str, String)>)> = vec![
                (format!("{page}/dat-lai-mat-khau"), vec![]),
                (format!("{page}/khoa"), vec![("disabled", "1".into())]),
                (
                    page.clone(),
                    vec![("display_name", "Đã bị sửa".into()), ("email", "x@example.org".into())],
                ),
                (
                    format!("{page}/vai-tro"),
                    vec![("role", "teacher".into()), ("unit_id", school.id.to_string())],
                ),
                (format!("{page}/vai-tro/{}/xoa", grants_before[0].id), vec![]),
            ];
            for (action, fields) in attempts {
                let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
                form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                let r = office.post_form(&action, &form).await;
                assert_eq!(r.status(), 403, "{backend}: POST {action}");
            }
            let after = store.person(p.id).await.unwrap().unwrap();
            assert_eq!(password_hash(store, &p.username).await, hash_before, "{backend}");
            assert!(!after.disabled && !after.must_change_password, "{backend}");
            assert_eq!(after.display_name, p.display_name, "{backend}");
            assert_eq!(store.grants_of(p.id).await.unwrap(), grants_before, "{backend}");
        }
        // The target still signs in with their own password: nobody took the account.
        app.signed_in_with("qt.truong", PASSWORD).await;

        // The rule is about the roles held, not about the person: an ordinary teacher of the
        // same school is still the office's to manage.
        let page = format!("/nguoi-dung/{}", plain_teacher.id);
        let r = office.submit(&page, &format!("{page}/dat-lai-mat-khau"), &[]).await;
        assert_eq!(r.status(), 200, "{backend}");
        // And the root's system administrator may act on the system administrator.
        let admin = app.signed_in("demo.admin").await;
        let page = format!("/nguoi-dung/{}", target.id);
        let r = admin.submit(&page, &format!("{page}/dat-lai-mat-khau"), &[]).await;
        assert_eq!(r.status(), 200, "{backend}");
        assert!(
            store.person(target.id).await.unwrap().unwrap().must_change_password,
            "{backend}"
        );
        app.stop().await;
    }
}

both_backends!(system_administration_is_held_at_the_root_only);
/// Security 2.1, second half: a system administrator role held at a school acted system-wide
/// (it read the whole audit log). It now gives nothing, and it can no longer be granted there.
async fn system_administration_is_held_at_the_root_only(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let department = unit(store, "SGD-DEMO").await;
        let school = unit(store, "TH-ANBINH").await;
        person(store, "qt.lac", &school, &[(Role::SystemAdmin, &school)]).await;
        let stray = app.signed_in_with("qt.lac", PASSWORD).await;
        assert_eq!(stray.get("/nhat-ky").await.status(), 403, "{backend}: audit log");
        assert_eq!(stray.get("/nguoi-dung").await.status(), 403, "{backend}: people");
        assert_eq!(
            stray.get(&format!("/don-vi/{}/sua", school.id)).await.status(),
            403,
            "{backend}: not even its own school"
        );
        let root = app.signed_in("demo.admin").await;
        assert_eq!(root.get("/nhat-ky").await.status(), 200, "{backend}");

        // Granting system administration below the root is refused, at the root accepted.
        let teacher = store.person_by_username("demo.teacher").await.unwrap().unwrap();
        let page = format!("/nguoi-dung/{}", teacher.id);
        let before = store.grants_of(teacher.id).await.unwrap();
        let r = root
            .submit(
                &page,
                &format!("{page}/vai-tro"),
                &[("role", "system_admin"), ("unit_id", &school.id.to_string())],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(r.text().await.unwrap().contains("chỉ được giao tại đơn vị gốc"));
        assert_eq!(store.grants_of(teacher.id).await.unwrap(), before, "{backend}");
        let r = root
            .submit(
                &page,
                "/nguoi-dung/moi",
                &[
                    ("username", "qt.moi"),
                    ("display_name", "Quản trị mới"),
                    ("unit_id", &school.id.to_string()),
                    ("role", "system_admin"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(store.person_by_username("qt.moi").await.unwrap().is_none(), "{backend}");
        let r = root
            .submit(
                &page,
                &format!("{page}/vai-tro"),
                &[("role", "system_admin"), ("unit_id", &department.id.to_string())],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        assert!(
            store
                .grants_of(teacher.id)
                .await
                .unwrap()
                .iter()
                .any(|g| g.role == Role::SystemAdmin && g.unit_id == department.id),
            "{backend}"
        );
        app.stop().await;
    }
}

both_backends!(principals_appoint_their_schools_collaborators_and_parent_representatives);
/// Issue 9, section 3: a principal appoints the school's own collaborators and parent
/// representatives, and nothing else.
async fn principals_appoint_their_schools_collaborators_and_parent_representatives(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let school = unit(store, "TH-ANBINH").await;
        let other_school = unit(store, "TH-HOASEN").await;
        let principal = app.signed_in("demo.principal").await;

        // The form offers the two roles only, at the own school only.
        let (status, body) = principal.text("/nguoi-dung/moi").await;
        assert_eq!(status, 200, "{backend}");
        assert!(body.contains("value=\"collaborator\"") && body.contains("value=\"parent_rep\""));
        for role in ["teacher", "principal", "office_admin", "system_admin", "website_admin"] {
            assert!(
                !body.contains(&format!("value=\"{role}\"")),
                "{backend}: {role} offered"
            );
        }
        assert!(body.contains(&format!("value=\"{}\"", school.id)));
        assert!(!body.contains(&format!("value=\"{}\"", other_school.id)));

        // A collaborator at the own school: created, with the role, shown a temporary password.
        let r = principal
            .submit(
                "/nguoi-dung/moi",
                "/nguoi-dung/moi",
                &[
                    ("username", "ctv.moi"),
                    ("display_name", "Cộng tác viên mới"),
                    ("unit_id", &school.id.to_string()),
                    ("role", "collaborator"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200, "{backend}");
        shown_password(&r.text().await.unwrap());
        let created = store.person_by_username("ctv.moi").await.unwrap().unwrap();
        assert_eq!(created.unit_id, school.id);
        let grants = store.grants_of(created.id).await.unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!((grants[0].role, grants[0].unit_id), (Role::Collaborator, school.id));

        // At another school: not found, nothing created.
        let people_before = store.count_people().await.unwrap();
        let r = principal
            .submit(
                "/nguoi-dung/moi",
                "/nguoi-dung/moi",
                &[
                    ("username", "ctv.khac"),
                    ("display_name", "Cộng tác viên trường khác"),
                    ("unit_id", &other_school.id.to_string()),
                    ("role", "collaborator"),
                ],
            )
            .await;
        assert_eq!(r.status(), 404, "{backend}");
        // With a role the principal may not grant, or with none: refused, nothing created.
        for role in ["teacher", "principal", ""] {
            let r = principal
                .submit(
                    "/nguoi-dung/moi",
                    "/nguoi-dung/moi",
                    &[
                        ("username", "gv.moi"),
                        ("display_name", "Giáo viên mới"),
                        ("unit_id", &school.id.to_string()),
                        ("role", role),
                    ],
                )
                .await;
            assert_eq!(r.status(), 422, "{backend}: role «{role}»");
        }
        assert_eq!(store.count_people().await.unwrap(), people_before, "{backend}");

        // On the collaborator: granting principal or teacher is refused; a parent
        // representative role is granted, then revoked.
        let page = format!("/nguoi-dung/{}", created.id);
        for role in ["principal", "teacher"] {
            let r = principal
                .submit(
                    &page,
                    &format!("{page}/vai-tro"),
                    &[("role", role), ("unit_id", &school.id.to_string())],
                )
                .await;
            assert_eq!(r.status(), 422, "{backend}: granting {role}");
        }
        assert_eq!(store.grants_of(created.id).await.unwrap().len(), 1, "{backend}");
        let r = principal
            .submit(
                &page,
                &format!("{page}/vai-tro"),
                &[("role", "parent_rep"), ("unit_id", &school.id.to_string())],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let parent_grant = store
            .grants_of(created.id)
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.role == Role::ParentRep)
            .expect("granted");
        let r = principal
            .submit(&page, &format!("{page}/vai-tro/{}/xoa", parent_grant.id), &[])
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(store.grants_of(created.id).await.unwrap().len(), 1, "{backend}");
        // The collaborator's password is the principal's to reset.
        let r = principal.submit(&page, &format!("{page}/dat-lai-mat-khau"), &[]).await;
        assert_eq!(r.status(), 200, "{backend}");

        // A teacher of the school: in sight, but not the principal's to act on.
        let teacher = store.person_by_username("demo.teacher").await.unwrap().unwrap();
        let page = format!("/nguoi-dung/{}", teacher.id);
        let (status, body) = principal.text(&page).await;
        assert_eq!(status, 200, "{backend}");
        assert!(!body.contains("dat-lai-mat-khau"), "{backend}");
        let hash_before = password_hash(store, "demo.teacher").await;
        let r = principal.submit(&page, &format!("{page}/dat-lai-mat-khau"), &[]).await;
        assert_eq!(r.status(), 403, "{backend}");
        let r = principal
            .submit(
                &page,
                &format!("{page}/vai-tro"),
                &[("role", "collaborator"), ("unit_id", &school.id.to_string())],
            )
            .await;
        assert_eq!(r.status(), 403, "{backend}");
        assert_eq!(password_hash(store, "demo.teacher").await, hash_before, "{backend}");
        assert_eq!(store.grants_of(teacher.id).await.unwrap().len(), 1, "{backend}");
        // Units stay the office's.
        assert_eq!(
            principal.get(&format!("/don-vi/{}/sua", school.id)).await.status(),
            403,
            "{backend}"
        );
        app.stop().await;
    }
}

both_backends!(out_of_scope_people_and_units_are_not_found);
/// Security 2.10 (first half): people and units out of scope answer 404, like the rest.
async fn out_of_scope_people_and_units_are_not_found(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let ctx = AuditContext::system("test");
        let department = unit(store, "SGD-DEMO").await;
        let office_b = store
            .create_unit(
                &ctx,
                Some(department.id),
                &UnitInput {
                    code: "VHXH-B".into(),
                    name: "Phòng B".into(),
                    kind: "office".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
            )
            .await
            .unwrap();
        let school_b = store
            .create_unit(
                &ctx,
                Some(office_b.id),
                &UnitInput {
                    code: "TH-B".into(),
                    name: "Trường Tiểu học B".into(),
                    kind: "school".into(),
                    school_level: "th".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
            )
            .await
            .unwrap();
        let stranger = person(store, "gv.b", &school_b, &[(Role::Teacher, &school_b)]).await;
        let office = app.signed_in("demo.office").await;
        for path in [
            format!("/don-vi/{}", office_b.id),
            format!("/don-vi/{}", school_b.id),
            format!("/don-vi/{}/sua", school_b.id),
            format!("/don-vi?trong={}", office_b.id),
            format!("/don-vi/{}", department.id),
            format!("/nguoi-dung/{}", stranger.id),
        ] {
            assert_eq!(office.get(&path).await.status(), 404, "{backend}: GET {path}");
        }
        let csrf = office.csrf_from("/tai-khoan").await;
        let hash_before = password_hash(store, "gv.b").await;
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                format!("/don-vi/{}/sua", school_b.id),
                vec![
                    ("code", "TH-B"),
                    ("name", "Đổi tên"),
                    ("kind", "school"),
                    ("school_level", "th"),
                    ("status", "closed"),
                ],
            ),
            (format!("/nguoi-dung/{}/dat-lai-mat-khau", stranger.id), vec![]),
            (format!("/nguoi-dung/{}/khoa", stranger.id), vec![("disabled", "1")]),
            (
                format!("/nguoi-dung/{}", stranger.id),
                vec![("display_name", "Đổi tên")],
            ),
        ];
        for (path, fields) in posts {
            let mut form = vec![("_csrf", csrf.as_str())];
            form.extend(fields);
            assert_eq!(
                office.post_form(&path, &form).await.status(),
                404,
                "{backend}: POST {path}"
            );
        }
        let after = store.unit(school_b.id).await.unwrap().unwrap();
        assert_eq!(after.name, "Trường Tiểu học B", "{backend}");
        let stranger_after = store.person(stranger.id).await.unwrap().unwrap();
        assert!(!stranger_after.disabled, "{backend}");
        assert_eq!(stranger_after.display_name, stranger.display_name, "{backend}");
        assert_eq!(password_hash(store, "gv.b").await, hash_before, "{backend}");

        // In scope but not allowed stays a refusal: the office head sees the school, may not
        // edit it.
        let head = app.signed_in("demo.head").await;
        let school = unit(store, "TH-ANBINH").await;
        assert_eq!(head.get(&format!("/don-vi/{}", school.id)).await.status(), 200);
        assert_eq!(head.get(&format!("/don-vi/{}/sua", school.id)).await.status(), 403);
        app.stop().await;
    }
}

both_backends!(the_command_line_grants_system_administration_at_a_root_only);
/// The command line follows the same rule: system administration only at a root.
async fn the_command_line_grants_system_administration_at_a_root_only(backend: &'static str) {
    {
        let db = lanhmang_store::test_support::TestDb::new(backend).await.unwrap();
        let run = |args: &[&str]| {
            let o = common::binary()
                .arg("--database-url")
                .arg(&db.url)
                .args(args)
                .output()
                .expect("run lanhmang");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            (o.status.success(), text)
        };
        let (ok, text) = run(&["demo"]);
        assert!(ok, "{backend}: {text}");
        let add = |username: &'static str, unit: &'static str| {
            [
                "user",
                "add",
                username,
                "--name",
                "Quản trị",
                "--unit",
                unit,
                "--role",
                "system_admin",
            ]
        };
        let (ok, text) = run(&add("qt.truong", "TH-ANBINH"));
        assert!(
            !ok && text.contains("chỉ được giao tại đơn vị gốc"),
            "{backend}: {text}"
        );
        let (ok, text) = run(&add("qt.so", "SGD-DEMO"));
        assert!(ok, "{backend}: {text}");
        let store = Store::connect(&db.url, None).await.unwrap();
        assert!(
            store.person_by_username("qt.truong").await.unwrap().is_none(),
            "{backend}"
        );
        assert!(store.person_by_username("qt.so").await.unwrap().is_some(), "{backend}");
        store.close().await;
        db.cleanup().await;
    }
}
