//! Demo data: one department, one coordinating office, 24 fictional schools and one account
//! per role. Only this module ever creates the demo password.

use anyhow::{Context, bail};
use lanhmang_domain::activity::ActivityKind;
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
    (
        "demo.family",
        "Nguyễn Thị Mai (phụ huynh lớp 4A, demo)",
        Role::Parent,
        DemoPlace::FirstSchool,
    ),
    (
        "demo.incidentlead",
        "Trần Minh Khoa (đầu mối xử lý sự cố, demo)",
        Role::IncidentLead,
        DemoPlace::Office,
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
    let ctx = AuditContext::system("Dữ liệu mẫu");
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
    let mut accounts = std::collections::HashMap::new();
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
        // A parent's role comes with a class, by the class's code (below).
        if *role != Role::Parent {
            store.grant_role(&ctx, person.id, *role, unit_id).await?;
        }
        accounts.insert(*username, person.id);
    }
    // Class 4A has invited its parents; the parent and the parents' board member joined, and
    // the school named the board member the class's representative.
    let class = lanhmang_domain::parents::ClassName::parse("4A").context("tên lớp mẫu")?;
    let code = lanhmang_domain::code::random_code(lanhmang_domain::parents::CODE_LEN);
    let expires = lanhmang_store::now() + time::Duration::days(lanhmang_domain::parents::INVITATION_DAYS);
    store
        .create_invitation(&ctx, first_school, &class, &code, expires)
        .await?;
    for username in ["demo.family", "demo.parent"] {
        if let Some(id) = accounts.get(username) {
            store.join_class(&ctx, *id, &code).await?;
        }
    }
    if let Some(id) = accounts.get("demo.parent") {
        store
            .set_class_representative(&ctx, *id, first_school, &class, true)
            .await?;
    }
    seed_stories(store, first_school, &accounts).await?;
    // Every activity has the person who logged it: the teacher at the accounts' school, the
    // office's specialist (who may log for any school) at the others.
    let as_person = |username: &str| AuditContext {
        actor_id: accounts.get(username).copied(),
        actor: username.to_string(),
        client_ip: String::new(),
    };
    let recorders = Recorders {
        first_school,
        teacher: as_person("demo.teacher"),
        principal: as_person("demo.principal"),
        office: as_person("demo.office"),
    };
    seed_yearly_loop(store, &ctx, office.id, &recorders).await?;
    store.set_setting(SETTING, "yes").await?;
    store
        .record(&ctx, "demo.seed", "", "24 trường, 10 tài khoản mẫu")
        .await?;
    Ok(())
}

/// Three stories at the accounts' school: a teacher's, published on the school's and the
/// office's pages with her signed consents; a pupil's, published on the school's page with the
/// parent's consent given in the app and the pupil's own on paper; and one still waiting for
/// another parent's answer on their home page.
async fn seed_stories(
    store: &Store,
    school: i64,
    accounts: &std::collections::HashMap<&str, i64>,
) -> anyhow::Result<()> {
    use lanhmang_domain::story::{GivenBy, Purpose, RawSubject, parse_story};
    use lanhmang_store::stories::{ConsentMethod, NewConsent};
    let id_of = |username: &str| accounts.get(username).copied().context("tài khoản mẫu");
    let as_person = |username: &str| -> anyhow::Result<AuditContext> {
        Ok(AuditContext {
            actor_id: Some(id_of(username)?),
            actor: username.to_string(),
            client_ip: String::new(),
        })
    };
    let teacher = as_person("demo.teacher")?;
    let principal = as_person("demo.principal")?;
    let parent = as_person("demo.parent")?;
    let stories: [(&str, &str, RawSubject); 3] = [
        (
            "Cô Thu Hà và giờ sinh hoạt «Ngừng lại, kiểm tra, rồi mới chia sẻ»",
            "Mỗi sáng thứ Hai, cô Trần Thu Hà dành mười phút sinh hoạt lớp để cả lớp cùng xem một tin đang lan truyền \
             và tự hỏi: ai đăng, đăng khi nào, có nguồn nào khác nói giống vậy không.\n\nSau một học kỳ, các em lớp 4A \
             đã tự phát hiện ba tin giả về trường và báo cho cô trước khi kịp chia sẻ. Cô soạn lại cách làm thành một \
             trang hướng dẫn ngắn để các lớp khác dùng.",
            RawSubject {
                kind: "teacher".into(),
                name: "Trần Thu Hà".into(),
                age: None,
            },
        ),
        (
            "Gia Huy và hộp thư «Hỏi nhỏ» về an toàn trên mạng",
            "Em Phạm Gia Huy lớp 4A đề xuất đặt ở thư viện một hộp thư để các bạn bỏ câu hỏi về những điều gặp trên mạng \
             mà ngại hỏi trực tiếp.\n\nMỗi tuần, Gia Huy cùng cô Tổng phụ trách chọn vài câu hỏi để trả lời trong giờ chào cờ, \
             không nêu tên người hỏi. Đã có hơn bốn mươi câu hỏi được trả lời trong học kỳ I.",
            RawSubject {
                kind: "pupil".into(),
                name: "Phạm Gia Huy".into(),
                age: Some(10),
            },
        ),
        (
            "Minh Khuê và nhóm bạn hướng dẫn ông bà nhận biết cuộc gọi lừa đảo",
            "Nhóm bạn lớp 4A do em Lê Minh Khuê khởi xướng đã làm tờ gấp nhỏ hướng dẫn ông bà nhận biết cuộc gọi lừa đảo \
             và mang về phát cho hàng xóm trong dịp nghỉ lễ.",
            RawSubject {
                kind: "pupil".into(),
                name: "Lê Minh Khuê".into(),
                age: Some(9),
            },
        ),
    ];
    let paper = |subject_id: i64, given_by: GivenBy, purpose: Purpose| NewConsent {
        subject_id,
        given_by,
        purpose,
        method: ConsentMethod::Paper,
        note: "Phiếu giấy lưu tại văn phòng trường".into(),
        scan: None,
    };
    let parent_id = id_of("demo.parent")?;
    for (i, (title, body, subject)) in stories.into_iter().enumerate() {
        let input = parse_story(title, body, &[subject]).map_err(|e| anyhow::anyhow!("câu chuyện mẫu: {e:?}"))?;
        let id = store
            .create_story(&teacher, school, id_of("demo.teacher")?, &input)
            .await?;
        let story = store.story(id).await?.context("câu chuyện mẫu")?;
        let subject_id = story
            .subjects
            .first()
            .map(|s| s.id)
            .context("người trong câu chuyện mẫu")?;
        match i {
            0 => {
                for purpose in [Purpose::SchoolSite, Purpose::OfficeSite] {
                    store
                        .add_story_consent(&teacher, id, &paper(subject_id, GivenBy::Themself, purpose))
                        .await?;
                }
                store
                    .publish_story(&principal, id, Purpose::SchoolSite, id_of("demo.principal")?)
                    .await?;
                store
                    .publish_story(
                        &as_person("demo.office")?,
                        id,
                        Purpose::OfficeSite,
                        id_of("demo.office")?,
                    )
                    .await?;
            }
            1 => {
                store
                    .ask_story_parent(&teacher, id, subject_id, Some(parent_id))
                    .await?;
                store
                    .add_story_consent(&teacher, id, &paper(subject_id, GivenBy::Themself, Purpose::SchoolSite))
                    .await?;
                let in_app = NewConsent {
                    method: ConsentMethod::App,
                    note: String::new(),
                    ..paper(subject_id, GivenBy::Parent, Purpose::SchoolSite)
                };
                store.add_story_consent(&parent, id, &in_app).await?;
                store
                    .publish_story(&principal, id, Purpose::SchoolSite, id_of("demo.principal")?)
                    .await?;
            }
            _ => {
                store
                    .ask_story_parent(&teacher, id, subject_id, Some(id_of("demo.family")?))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Who acts in the demo's history, so that it names people: the teacher logs the first
/// school's activities and its principal writes and sends its plan and report; the office's
/// specialist logs for the other schools (which have no accounts) and reviews every school.
struct Recorders {
    first_school: i64,
    teacher: AuditContext,
    principal: AuditContext,
    office: AuditContext,
}

/// A small deterministic generator, so the demo is the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

const DEMO_TITLES: &[(ActivityKind, &str)] = &[
    (
        ActivityKind::Talk,
        "Nói chuyện chuyên đề: ứng xử văn minh trên mạng xã hội",
    ),
    (
        ActivityKind::Training,
        "Tập huấn giáo viên: nhận diện tin giả và lừa đảo trực tuyến",
    ),
    (
        ActivityKind::Campaign,
        "Tuần lễ tuyên truyền \"Dùng điện thoại đúng lúc, đúng chỗ\"",
    ),
    (
        ActivityKind::ParentMeeting,
        "Họp cha mẹ học sinh: cùng con dùng Internet an toàn",
    ),
    (
        ActivityKind::WebPost,
        "Bài viết trên website trường về quy định của ngành",
    ),
    (
        ActivityKind::PartnerWork,
        "Phối hợp Trung tâm Văn hóa - Thông tin tổ chức buổi ngoại khóa",
    ),
    (
        ActivityKind::PhoneRules,
        "Phổ biến nội quy sử dụng điện thoại di động đầu năm học",
    ),
    (
        ActivityKind::StoryPost,
        "Giới thiệu tấm gương học sinh tiêu biểu trên trang của trường",
    ),
    (ActivityKind::Other, "Sinh hoạt dưới cờ về an toàn thông tin cá nhân"),
];

/// The yearly loop in the demo: last year's plan with every report in, this year's plan with
/// reports in every state, school plans, and a realistic spread of activities.
async fn seed_yearly_loop(
    store: &Store,
    ctx: &AuditContext,
    office_id: i64,
    recorders: &Recorders,
) -> anyhow::Result<()> {
    use lanhmang_domain::plan::{PlanContent, PlanHeader, SchoolPlanContent};
    use lanhmang_domain::report::ReportEvent;
    use lanhmang_store::reports::Narrative;

    let content = PlanContent::from_template(&lanhmang_domain::plan_template::BUILTIN);
    let title =
        "Kế hoạch tổ chức các hoạt động giáo dục, hướng dẫn sử dụng mạng xã hội, khai thác thông tin trên Internet";
    let schools: Vec<_> = store
        .list_units(
            &[office_id],
            &lanhmang_store::UnitFilter::default(),
            lanhmang_domain::Paging { page: 1, per_page: 500 },
        )
        .await?
        .0
        .into_iter()
        .filter(|u| u.kind == lanhmang_domain::UnitKind::School)
        .collect();
    let mut rng = Lcg(2026);
    for school in &schools {
        let pupils = 300 + rng.next(900) as u32;
        store
            .set_school_size(ctx, school.id, Some(20 + pupils / 25), Some(pupils))
            .await?;
    }
    for (year, number, published) in [("2025-2026", "12/KH-VHXH", true), ("2026-2027", "05/KH-VHXH", true)] {
        let header = PlanHeader::parse(title, year, "", number)?;
        let plan = store.create_plan(ctx, office_id, &header, "builtin", &content).await?;
        let plan = if published {
            store.publish_plan(ctx, plan.id, None, &Default::default()).await?
        } else {
            plan
        };
        let last_year = year == "2025-2026";
        let start = plan.school_year.start_year;
        for (i, school) in schools.iter().enumerate() {
            if school.status != lanhmang_domain::UnitStatus::Active && !last_year {
                continue;
            }
            // Activities: September to May last year; September to today this year.
            let months: &[(i32, u8)] = if last_year {
                &[
                    (start, 9),
                    (start, 10),
                    (start, 11),
                    (start, 12),
                    (start + 1, 1),
                    (start + 1, 2),
                    (start + 1, 3),
                    (start + 1, 4),
                    (start + 1, 5),
                ]
            } else {
                &[(start, 9), (start, 10), (start, 11)]
            };
            let count = months.len() * 2 + rng.next(4) as usize;
            for n in 0..count {
                let (y, m) = months[n % months.len()];
                let day = 1 + rng.next(27) as u8;
                let (kind, title) = DEMO_TITLES[rng.next(DEMO_TITLES.len() as u64) as usize];
                let pupils = 40 + rng.next(260) as u32;
                let level_high = school.school_level == Some(lanhmang_domain::SchoolLevel::LowerSecondary);
                let audience = lanhmang_domain::activity::Audience {
                    teachers: 2 + rng.next(20) as u32,
                    staff: rng.next(4) as u32,
                    pupils_g1_2: if level_high { 0 } else { pupils / 3 },
                    pupils_g3_5: if level_high { 0 } else { pupils - pupils / 3 },
                    pupils_g6_7: if level_high { pupils / 2 } else { 0 },
                    pupils_g8_9: if level_high { pupils - pupils / 2 } else { 0 },
                    pupils_other: 0,
                    parents: if kind == ActivityKind::ParentMeeting {
                        30 + rng.next(120) as u32
                    } else {
                        0
                    },
                };
                // Some posts answer false information about the school (II.2.c) rather than
                // carry news of policy (II.1.a, a post's usual task).
                let tasks = if kind == ActivityKind::WebPost && rng.next(3) == 0 {
                    vec!["II.2.c".to_string()]
                } else {
                    Vec::new()
                };
                let fields = lanhmang_domain::activity::ActivityFields {
                    kind,
                    tasks,
                    held_on: time::Date::from_calendar_date(y, time::Month::try_from(m)?, day)?,
                    title: title.to_string(),
                    audience,
                    partner: if kind == ActivityKind::PartnerWork {
                        "Trung tâm Văn hóa - Thông tin và Thể thao phường".into()
                    } else {
                        String::new()
                    },
                    description: String::new(),
                };
                let recorder = if school.id == recorders.first_school {
                    &recorders.teacher
                } else {
                    &recorders.office
                };
                store
                    .create_activity(recorder, school.id, plan.id, &fields, &[])
                    .await?;
            }
            // The principal writes and sends the first school's plan and report; the other
            // schools have no principal account, so the seed itself stands in for them.
            let author = if school.id == recorders.first_school {
                &recorders.principal
            } else {
                ctx
            };
            // School plans: every school last year; two thirds this year, in every state.
            let state = i % 6;
            if last_year || state < 4 {
                let sp = SchoolPlanContent::prefilled(&plan.content);
                store
                    .save_school_plan(author, plan.id, school.id, None, &sp, "")
                    .await?;
                if last_year || state >= 1 {
                    store
                        .review_school_plan(
                            author,
                            plan.id,
                            school.id,
                            ReportEvent::Submit,
                            "",
                            &Default::default(),
                            "",
                        )
                        .await?;
                }
                if last_year || state == 2 {
                    store
                        .review_school_plan(
                            &recorders.office,
                            plan.id,
                            school.id,
                            ReportEvent::Accept,
                            "",
                            &Default::default(),
                            "",
                        )
                        .await?;
                } else if state == 3 {
                    store
                        .review_school_plan(
                            &recorders.office,
                            plan.id,
                            school.id,
                            ReportEvent::Return,
                            "Đề nghị ghi rõ người phụ trách và thời gian từng nhiệm vụ.",
                            &Default::default(),
                            "",
                        )
                        .await?;
                }
            }
            // Reports: all in last year (two late, one returned); this year a few early ones,
            // one returned, some drafts, the rest not started.
            // The accounts' school keeps its report in draft this year: the demo principal has
            // it to finish and send, not an accepted report to look at.
            let this_state = if school.id == recorders.first_school { 3 } else { i % 8 };
            if !last_year && this_state >= 5 {
                continue;
            }
            let facts = store.activity_facts(plan.id, school.id).await?;
            // Pre-filled exactly as a principal's first save would be: one definition of each figure.
            let computed = lanhmang_app::reports::computed(store, &plan, school).await?;
            let mut values = lanhmang_app::reports::prefilled(&computed);
            for def in plan.content.indicators() {
                // Posts per month is measured from the sites' feeds (read after seeding): an
                // invented number would disagree with the news activity page.
                if def.code == "s4_2_posts_per_month" {
                    continue;
                }
                values
                    .entry(def.code.clone())
                    .or_insert_with(|| lanhmang_domain::report::IndicatorValue {
                        value: Some(match def.kind {
                            lanhmang_domain::plan_template::IndicatorKind::Text => {
                                lanhmang_domain::report::Value::Text(
                                    "Đề nghị Phòng tổ chức thêm lớp bồi dưỡng cho cán bộ quản trị website.".into(),
                                )
                            }
                            lanhmang_domain::plan_template::IndicatorKind::YesNo => {
                                lanhmang_domain::report::Value::Number(if rng.next(5) > 0 { 1.0 } else { 0.0 })
                            }
                            lanhmang_domain::plan_template::IndicatorKind::Number => {
                                lanhmang_domain::report::Value::Number((1 + rng.next(6)) as f64)
                            }
                        }),
                        computed: None,
                        override_reason: String::new(),
                    });
            }
            let report = store.ensure_report(author, plan.id, school.id, &values).await?;
            let narrative = Narrative {
                results: format!(
                    "Nhà trường đã tổ chức {} hoạt động theo kế hoạch, thu hút đông đảo giáo viên, học sinh và cha mẹ học sinh tham gia.",
                    facts.len()
                ),
                strengths:
                    "Giáo viên chủ nhiệm phối hợp tốt với cha mẹ học sinh; website trường cập nhật thường xuyên.".into(),
                limitations: "Một số buổi sinh hoạt chưa có minh chứng đầy đủ.".into(),
                proposals: "Đề nghị Phòng cung cấp thêm tài liệu tuyên truyền phù hợp lứa tuổi.".into(),
            };
            let report = store
                .save_report(author, &report, report.version, &narrative, &values)
                .await?;
            if !last_year && this_state >= 3 {
                continue;
            }
            let submitted = store
                .transition_report(
                    author,
                    &plan,
                    &report,
                    report.version,
                    ReportEvent::Submit,
                    "",
                    &Default::default(),
                    "",
                )
                .await?;
            let accept = if last_year { i % 7 != 2 } else { this_state == 0 };
            let give_back = if last_year { i % 7 == 2 } else { this_state == 1 };
            if accept {
                store
                    .transition_report(
                        &recorders.office,
                        &plan,
                        &submitted,
                        submitted.version,
                        ReportEvent::Accept,
                        "",
                        &Default::default(),
                        "",
                    )
                    .await?;
            } else if give_back {
                store
                    .transition_report(
                        &recorders.office,
                        &plan,
                        &submitted,
                        submitted.version,
                        ReportEvent::Return,
                        "Đề nghị bổ sung minh chứng cho các buổi nói chuyện chuyên đề.",
                        &Default::default(),
                        "",
                    )
                    .await?;
            }
            if last_year {
                // Last year's reports came in during May, two of them after the deadline, and
                // were reviewed a week later.
                let day = if i % 11 == 3 { 3 } else { 5 + (i as u8 % 25) };
                let month = if i % 11 == 3 {
                    time::Month::June
                } else {
                    time::Month::May
                };
                let at = time::Date::from_calendar_date(start + 1, month, day)?
                    .with_hms(9, 0, 0)?
                    .assume_offset(lanhmang_domain::report::VIETNAM);
                store.backdate_submission(submitted.id, at, plan.deadline).await?;
            }
        }
    }
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

/// The demo's simulated school websites: the fixture web on fixed local ports when they are
/// free (so the sites keep their addresses across restarts), on any free ports otherwise.
pub async fn start_web() -> anyhow::Result<lanhmang_fixture_web::FixtureWeb> {
    use lanhmang_fixture_web::{FixtureConfig, start};
    let config = |http_port, tls_port| FixtureConfig {
        sites: DEMO_WEBSITES,
        http_port,
        tls_port: Some(tls_port),
        seed: 2026,
    };
    match start(config(47080, 47443)).await {
        Ok(web) => Ok(web),
        Err(_) => start(config(0, 0))
            .await
            .context("không khởi động được các website mẫu trên 127.0.0.1"),
    }
}

/// How many simulated websites the demo registers: one per demo school, and the office's.
const DEMO_WEBSITES: usize = 25;

/// The inspector settings that reach the simulated websites: local addresses allowed (the
/// demo alone does this), the fixture's certificate authority trusted, its ports used.
pub fn inspect_config(
    base: lanhmang_inspect::InspectConfig,
    web: &lanhmang_fixture_web::FixtureWeb,
) -> lanhmang_inspect::InspectConfig {
    lanhmang_inspect::InspectConfig {
        allow_private_targets: true,
        extra_roots_pem: vec![web.ca_pem.clone()],
        http_port: web.http_addr.port(),
        https_port: web.tls_addr.map_or(443, |a| a.port()),
        max_pages: 10,
        ..base
    }
}

/// The school of the demo accounts (where demo.webadmin administers the website).
pub async fn accounts_school(store: &Store) -> anyhow::Result<Option<i64>> {
    let Some(person) = store.person_by_username("demo.webadmin").await? else {
        return Ok(None);
    };
    Ok(store.grants_of(person.id).await?.first().map(|g| g.unit_id))
}

/// Which simulated site goes to the accounts' school: the first whose defects a school fixes
/// itself (an outdated CMS that shows its version), else the first with any defect.
pub fn accounts_site(manifest: &[lanhmang_fixture_web::ManifestSite]) -> usize {
    use lanhmang_domain::finding::FindingCode;
    manifest
        .iter()
        .position(|s| s.defects.contains(&FindingCode::OutdatedCms))
        .or_else(|| manifest.iter().position(|s| !s.defects.is_empty()))
        .unwrap_or(0)
}

/// Registers the simulated websites as the demo schools' and the office's (again pointing
/// them at the current ports after a restart), then asks for a first inspection of all of
/// them. Returns how many websites the demo follows.
pub async fn register_websites(store: &Store, web: &lanhmang_fixture_web::FixtureWeb) -> anyhow::Result<usize> {
    use lanhmang_domain::UnitKind;
    use lanhmang_domain::supervision::{SiteKind, StandardRules, normalize_site_url};
    use lanhmang_store::UnitFilter;
    use lanhmang_store::sites::NewSite;
    let ctx = AuditContext::system("Dữ liệu mẫu");
    let department = store
        .unit_by_code("SGD-DEMO")
        .await?
        .context("dữ liệu mẫu không có Sở")?;
    let (units, _) = store
        .list_units(
            &[department.id],
            &UnitFilter::default(),
            lanhmang_domain::Paging { page: 1, per_page: 500 },
        )
        .await?;
    let office = units
        .iter()
        .find(|u| u.kind == UnitKind::Office)
        .context("dữ liệu mẫu không có Phòng")?;
    let mut owners: Vec<_> = units
        .iter()
        .filter(|u| u.kind == UnitKind::School && u.status == lanhmang_domain::UnitStatus::Active)
        .collect();
    owners.sort_by(|a, b| a.code.cmp(&b.code));
    // The accounts' school gets a site with problems its website administrator can fix, so
    // demo.webadmin has open findings to acknowledge and fix after the first inspection.
    let accounts_school = accounts_school(store).await?;
    let problem_site = accounts_site(&web.manifest);
    if let Some(pos) = owners.iter().position(|u| Some(u.id) == accounts_school)
        && problem_site < owners.len()
    {
        owners.swap(pos, problem_site);
    }
    owners.push(office);
    let rules = StandardRules::default();
    for (owner, site) in owners.iter().zip(&web.manifest) {
        let (url, host) = normalize_site_url(&site.url)?;
        match store.unit_sites(owner.id).await?.into_iter().find(|s| s.host == host) {
            Some(existing) if existing.url != url => store.repoint_site(existing.id, &url).await?,
            Some(_) => {}
            None => {
                let kind = if owner.kind == UnitKind::Office {
                    SiteKind::Page
                } else {
                    SiteKind::Website
                };
                store
                    .add_site(
                        &ctx,
                        &NewSite {
                            unit_id: owner.id,
                            url,
                            host,
                            kind,
                            name: format!("Website {}", owner.name),
                        },
                        &rules,
                    )
                    .await?;
            }
        }
    }
    store.request_inspection(&ctx, &office.ancestry, None).await?;
    Ok(owners.len().min(web.manifest.len()))
}
