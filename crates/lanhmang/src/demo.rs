//! Demo data: one department, one coordinating office, 24 fictional schools and one account
//! per role. Only this module ever creates the demo password.

use anyhow::{Context, bail};
use lanhmang_domain::person::PersonInput;
use lanhmang_domain::unit::UnitInput;
use lanhmang_domain::{Role, password};
use lanhmang_store::{AuditContext, Store};

pub const DEMO_PASSWORD: &str = "lanhmang-demo";

/// The demo accounts: username, display name, role, and whether the role sits in the office
/// (otherwise in the first school).
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, DemoPlace)] = &[
    (
        "demo.admin",
        "Quản trị Hệ thống (demo)",
        Role::SystemAdmin,
        DemoPlace::Department,
    ),
    (
        "demo.office",
        "Trần Minh Khoa (chuyên viên, demo)",
        Role::OfficeAdmin,
        DemoPlace::Office,
    ),
    (
        "demo.head",
        "Lê Thị Thu Hà (trưởng phòng, demo)",
        Role::OfficeHead,
        DemoPlace::Office,
    ),
    (
        "demo.principal",
        "Nguyễn Văn Bình (hiệu trưởng, demo)",
        Role::Principal,
        DemoPlace::FirstSchool,
    ),
    (
        "demo.teacher",
        "Phạm Thị Lan (giáo viên, demo)",
        Role::Teacher,
        DemoPlace::FirstSchool,
    ),
    (
        "demo.webadmin",
        "Võ Quốc Huy (quản trị website, demo)",
        Role::WebsiteAdmin,
        DemoPlace::FirstSchool,
    ),
    (
        "demo.collaborator",
        "Đặng Thu Trang (cộng tác viên, demo)",
        Role::Collaborator,
        DemoPlace::FirstSchool,
    ),
    (
        "demo.parent",
        "Hoàng Văn Nam (Ban đại diện CMHS, demo)",
        Role::ParentRep,
        DemoPlace::FirstSchool,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoPlace {
    Department,
    Office,
    FirstSchool,
}

/// Fictional place names for the schools (no real school is meant).
const PRIMARY: &[&str] = &[
    "An Bình",
    "Hoa Sen",
    "Bình Minh",
    "Sông Xanh",
    "Đồi Thông",
    "Cầu Tre",
    "Hương Lúa",
    "Suối Bạc",
    "Trúc Lâm",
    "Phù Sa",
    "Ngọc Lan",
    "Cánh Diều",
];
const LOWER_SECONDARY: &[&str] = &[
    "An Bình",
    "Bến Đò",
    "Thanh Xuân",
    "Lạc Hồng",
    "Đông Hòa",
    "Tân Phú",
    "Hòa Thuận",
    "Vĩnh An",
    "Kim Đồng",
    "Quang Trung",
    "Tây Sơn",
    "Hải Đăng",
];

const SETTING: &str = "demo_data";

fn slug(name: &str) -> String {
    lanhmang_domain::text::fold_key(name).replace('_', "")
}

/// Creates the demo data in an empty database. Refuses when units or people exist.
pub async fn seed(store: &Store) -> anyhow::Result<()> {
    if store.count_units().await? > 0 || store.count_people().await? > 0 {
        bail!("Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ được tạo trong cơ sở dữ liệu trống.");
    }
    let ctx = AuditContext::system("lanhmang demo");
    let unit = |code: &str, name: &str, kind: &str, level: &str, status: &str, address: &str, web: &str| {
        UnitInput {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            school_level: level.into(),
            status: status.into(),
            address: address.into(),
            websites: web.into(),
        }
        .parse()
        .map_err(|e| anyhow::anyhow!("dữ liệu mẫu không hợp lệ ({code}): {e:?}"))
    };
    let department = store
        .create_unit(
            &ctx,
            None,
            &unit(
                "SGD-DEMO",
                "Sở Giáo dục và Đào tạo tỉnh Sông Hồng (demo)",
                "department",
                "",
                "active",
                "Số 1 đường Lê Lợi, thành phố Sông Hồng",
                "https://sgd.demo.test/",
            )?,
        )
        .await?;
    let office = store
        .create_unit(
            &ctx,
            Some(department.id),
            &unit(
                "VHXH-ANBINH",
                "Phòng Văn hóa - Xã hội phường An Bình (demo)",
                "office",
                "",
                "active",
                "Trụ sở UBND phường An Bình",
                "https://anbinh.demo.test/",
            )?,
        )
        .await?;
    let mut first_school = None;
    for (level, prefix, names, code_prefix) in [
        ("primary", "Trường Tiểu học", PRIMARY, "TH"),
        ("lower_secondary", "Trường THCS", LOWER_SECONDARY, "THCS"),
    ] {
        for name in names {
            let code = format!("{code_prefix}-{}", slug(name).to_uppercase());
            // One school closed after a merger, as happens every year somewhere.
            let status = if code_prefix == "THCS" && *name == "Bến Đò" {
                "closed"
            } else {
                "active"
            };
            let web = format!("https://{}-{}.demo.test/", code_prefix.to_lowercase(), slug(name));
            let school = store
                .create_unit(
                    &ctx,
                    Some(office.id),
                    &unit(
                        &code,
                        &format!("{prefix} {name}"),
                        "school",
                        level,
                        status,
                        &format!("Phường An Bình, khu {name}"),
                        &web,
                    )?,
                )
                .await?;
            first_school.get_or_insert(school.id);
        }
    }
    let first_school = first_school.context("dữ liệu mẫu không có trường nào")?;
    let hash = {
        let p = DEMO_PASSWORD.to_string();
        tokio::task::spawn_blocking(move || password::hash(&p)).await??
    };
    for (username, name, role, place) in DEMO_ACCOUNTS {
        let unit_id = match place {
            DemoPlace::Department => department.id,
            DemoPlace::Office => office.id,
            DemoPlace::FirstSchool => first_school,
        };
        let fields = PersonInput {
            username: (*username).into(),
            display_name: (*name).into(),
            email: format!("{username}@demo.test"),
            phone: String::new(),
        }
        .parse()
        .map_err(|e| anyhow::anyhow!("tài khoản mẫu không hợp lệ: {e:?}"))?;
        let person = store.create_person(&ctx, unit_id, &fields, Some(&hash), false).await?;
        store.grant_role(&ctx, person.id, *role, unit_id).await?;
    }
    store.set_setting(SETTING, "yes").await?;
    store
        .record(&ctx, "demo.seed", "", "24 trường, 8 tài khoản mẫu")
        .await?;
    Ok(())
}

/// Whether the database holds the demo data.
pub async fn is_demo(store: &Store) -> anyhow::Result<bool> {
    Ok(store.setting(SETTING).await?.as_deref() == Some("yes"))
}

/// For `serve --demo`: seed an empty database, accept one that already holds the demo, refuse
/// one that holds real data.
pub async fn ensure(store: &Store) -> anyhow::Result<bool> {
    if is_demo(store).await? {
        return Ok(false);
    }
    seed(store)
        .await
        .context("--demo cần một cơ sở dữ liệu trống hoặc đã chứa dữ liệu mẫu")?;
    Ok(true)
}
