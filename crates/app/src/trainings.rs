//! Trainings (tập huấn, S2.2, S3.2, T1.5): an office or a school schedules one for people of its
//! subtree, who are invited by notice and e-mail; they register, take a pre-test, attend with
//! the code shown in the room (or are ticked by the organizer), take the post-test and download
//! a certificate anyone can verify by its code.
//!
//! Who sees a training: its organizers (those who manage trainings at its unit) and the people
//! invited to it; anyone else gets 404. The tests are the test lesson's quiz; the platform never
//! scores a person, so only the group's per-question counts are kept and shown.

use lanhmang_domain::lesson::Question;
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::report::VIETNAM;
use lanhmang_domain::training::{self, Gain, TrainingFields, TrainingInput};
use lanhmang_domain::{Action, Paging, Role, Target};
use lanhmang_store::notifications::Outgoing;
use lanhmang_store::people::Person;
use lanhmang_store::trainings::{
    Attended, Invitee, NewTraining, Phase, Registered, Registration, Training, TrainingChange, TrainingEdit, Verified,
};
use rand::Rng;
use time::OffsetDateTime;

use crate::notifications::{Audience, Message, Told, addressed_about};
use crate::{Actor, App, AppError, Problem, Result};

/// A training with what the reader may do with it.
#[derive(Debug, Clone)]
pub struct TrainingView {
    pub training: Training,
    /// The reader manages trainings at its unit: sees the code, the people, the results.
    pub organizer: bool,
    pub invited: bool,
    pub registration: Option<Registration>,
    pub questions: Vec<Question>,
    /// (lesson id, title) of the materials the reader can open.
    pub materials: Vec<(String, String)>,
    pub may_register: bool,
    pub may_unregister: bool,
    pub may_check_in: bool,
    pub may_pre_test: bool,
    pub may_post_test: bool,
    pub may_download_certificate: bool,
    /// For organizers: everyone invited, with their registration.
    pub invitees: Vec<Invitee>,
    /// For organizers: per question, the group before and after.
    pub results: Vec<QuestionGain>,
    pub ended: bool,
    /// For organizers: before the start, the time, place and capacity may change.
    pub may_edit: bool,
    /// For organizers: until the end, it may be cancelled.
    pub may_cancel: bool,
}

/// One question's group results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionGain {
    pub text: String,
    pub gain: Gain,
}

/// What scheduling did.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub id: i64,
    pub invited: usize,
    pub told: Told,
}

fn problems(list: Vec<lanhmang_domain::field::FieldProblem>) -> Vec<Problem> {
    list.into_iter().map(Problem::from).collect()
}

fn draw_code() -> String {
    let mut rng = rand::rng();
    (0..6).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// Certificate codes: letters and digits people do not confuse when reading them aloud.
const CERTIFICATE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn draw_certificate_code() -> String {
    let mut rng = rand::rng();
    (0..12)
        .map(|_| char::from(CERTIFICATE_ALPHABET[rng.random_range(0..CERTIFICATE_ALPHABET.len())]))
        .collect()
}

/// A certificate code as printed: ABCD-EFGH-JKLM.
pub fn spaced_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// "08:00 ngày 15/10/2026", Vietnam time.
pub fn when_text(at: OffsetDateTime) -> String {
    let local = at.to_offset(VIETNAM);
    format!(
        "{:02}:{:02} ngày {}",
        local.hour(),
        local.minute(),
        lanhmang_domain::text::date_text(local.date())
    )
}

/// "2 giờ", "1 giờ 30 phút".
pub fn duration_text(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} phút"),
        (h, 0) => format!("{h} giờ"),
        (h, m) => format!("{h} giờ {m} phút"),
    }
}

/// The units a person may organize trainings for: the roots of their scope.
pub async fn organizer_units(app: &App, actor: &Actor) -> Result<Vec<lanhmang_store::Unit>> {
    let roots = scope_roots(&actor.permissions, Action::ManageTrainings);
    Ok(app.store.units_by_ids(&roots).await?)
}

/// Schedules a training for the unit `unit_id` and invites everyone its audience names, in one
/// transaction with their notices and mails.
pub async fn schedule(app: &App, actor: &Actor, unit_id: Option<i64>, input: &TrainingInput) -> Result<Scheduled> {
    let unit = match unit_id {
        Some(id) => app.store.unit(id).await?.ok_or(AppError::NotFound)?,
        None => {
            let units = organizer_units(app, actor).await?;
            match units.as_slice() {
                [one] => one.clone(),
                [] => return Err(AppError::Forbidden),
                _ => {
                    return Err(AppError::Invalid(vec![Problem::at(
                        "unit_id",
                        "Hãy chọn đơn vị tổ chức.",
                    )]));
                }
            }
        }
    };
    let target = Target::Unit(&unit.ancestry);
    if !actor.may(Action::ManageTrainings, target) {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let mut found = Vec::new();
    let parsed = input.parse(lanhmang_store::now());
    let fields = match parsed {
        Ok(f) => Some(f),
        Err(list) => {
            found.extend(problems(list));
            None
        }
    };
    // What the domain cannot check: the units exist under the organizer's, the lessons exist.
    let mut audience_units = Vec::new();
    let mut materials = Vec::new();
    let mut test: Option<(String, Vec<Question>)> = None;
    if let Some(f) = &fields {
        let units = app.store.units_by_ids(&f.unit_ids).await?;
        for id in &f.unit_ids {
            match units.iter().find(|u| u.id == *id) {
                Some(u) if u.ancestry.contains(&unit.id) => audience_units.push(u.id),
                _ => found.push(Problem::at(
                    "units",
                    "Chỉ mời được đơn vị tổ chức và các đơn vị trực thuộc.",
                )),
            }
        }
        materials = library_materials(app, actor, &f.materials, &mut found).await?;
        if let Some(id) = &f.test_lesson {
            match crate::lessons::lesson(app, actor, id).await {
                Ok(l) if !l.content.questions.is_empty() => test = Some((l.item.id, l.content.questions)),
                Ok(_) | Err(AppError::NotFound) => found.push(Problem::at(
                    "test_lesson",
                    "Không tìm thấy bài học có câu hỏi kiểm tra này trong thư viện.",
                )),
                Err(e) => return Err(e),
            }
        }
    }
    let (Some(fields), true) = (fields, found.is_empty()) else {
        return Err(AppError::Invalid(found));
    };
    if audience_units.is_empty() {
        audience_units.push(unit.id);
    }
    let people = invitees(app, &fields, &audience_units).await?;
    let questions = match &test {
        Some((_, q)) => serde_json::to_string(q),
        None => serde_json::to_string(&Vec::<Question>::new()),
    }
    .map_err(|e| AppError::Conflict(format!("Không chuẩn bị được câu hỏi: {e}")))?;
    let new = NewTraining {
        title: fields.title.clone(),
        starts_at: fields.starts_at,
        minutes: i64::from(fields.minutes),
        place: fields.place.clone(),
        online_link: fields.online_link.clone(),
        capacity: i64::from(fields.capacity),
        audience_roles: fields.roles.iter().map(|r| r.as_str().to_string()).collect(),
        audience_units: audience_units.clone(),
        webadmins_with_findings: fields.webadmins_with_findings,
        materials,
        test_lesson_id: test.map(|(id, _)| id),
        questions,
        attendance_code: draw_code(),
    };
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let mut told = Told::default();
    let id = app
        .store
        .create_training(&actor.audit(), &unit.ancestry, &new, &ids, |id| {
            let message = invitation(&new, &unit.name, id);
            let (out, t): (Outgoing, Told) =
                addressed_about(app, None, unit.id, &message, people.iter().cloned(), Audience::Invited);
            told = t;
            out
        })
        .await?;
    Ok(Scheduled {
        id,
        invited: ids.len(),
        told,
    })
}

/// The lessons named as materials, as the library knows them; a missing one is a problem.
async fn library_materials(app: &App, actor: &Actor, ids: &[String], found: &mut Vec<Problem>) -> Result<Vec<String>> {
    let mut materials = Vec::new();
    for id in ids {
        match crate::lessons::lesson(app, actor, id).await {
            Ok(l) => materials.push(l.item.id),
            Err(AppError::NotFound) => found.push(Problem::at(
                "materials",
                format!("Không tìm thấy bài học “{id}” trong thư viện."),
            )),
            Err(e) => return Err(e),
        }
    }
    Ok(materials)
}

/// The training as an organizer may change it: 404 for those who may not see it, 403 for
/// those invited, 409 once it is cancelled.
async fn organized(app: &App, actor: &Actor, id: i64) -> Result<Training> {
    let (training, organizer, _) = access(app, actor, id).await?;
    if !organizer {
        return Err(AppError::Forbidden);
    }
    if training.cancelled {
        return Err(AppError::Conflict("Buổi tập huấn này đã bị hủy.".into()));
    }
    Ok(training)
}

/// What the edit form starts from: the training as scheduled.
pub fn input_of(t: &Training) -> TrainingInput {
    let local = t.starts_at.to_offset(VIETNAM);
    TrainingInput {
        title: t.title.clone(),
        date: lanhmang_domain::text::date_text(local.date()),
        time: format!("{:02}:{:02}", local.hour(), local.minute()),
        minutes: t.minutes.to_string(),
        place: t.place.clone().unwrap_or_default(),
        online_link: t.online_link.clone().unwrap_or_default(),
        capacity: t.capacity.to_string(),
        roles: t.audience_roles.clone(),
        units: t.audience_units.iter().map(i64::to_string).collect(),
        webadmins_with_findings: t.webadmins_with_findings,
        materials: t.materials.clone(),
        test_lesson: t.test_lesson_id.clone().unwrap_or_default(),
    }
}

/// An organizer changes the title, time, place, link, capacity or materials before the start.
/// The audience and the test stay as scheduled (whatever `input` says of them): invitations
/// went out for them and pre-tests may have been taken. When the time or the place changes,
/// everyone invited is told.
pub async fn update(app: &App, actor: &Actor, id: i64, input: &TrainingInput) -> Result<Told> {
    let training = organized(app, actor, id).await?;
    let now = lanhmang_store::now();
    if training.starts_at <= now {
        return Err(AppError::Conflict(
            "Buổi tập huấn đã bắt đầu; không sửa được nữa.".into(),
        ));
    }
    let scheduled = input_of(&training);
    let input = TrainingInput {
        roles: scheduled.roles,
        units: scheduled.units,
        webadmins_with_findings: scheduled.webadmins_with_findings,
        test_lesson: scheduled.test_lesson,
        ..input.clone()
    };
    let mut found = Vec::new();
    let fields = match input.parse(now) {
        Ok(f) => Some(f),
        Err(list) => {
            found.extend(problems(list));
            None
        }
    };
    // Checked whatever else is wrong, so the form names every problem at once.
    if input
        .capacity
        .trim()
        .parse::<i64>()
        .is_ok_and(|c| c >= 1 && c < training.registered)
    {
        found.push(Problem::at(
            "capacity",
            format!("Đã có {} người đăng ký; số chỗ không thể ít hơn.", training.registered),
        ));
    }
    let mut materials = Vec::new();
    if let Some(f) = &fields {
        materials = library_materials(app, actor, &f.materials, &mut found).await?;
    }
    let (Some(fields), true) = (fields, found.is_empty()) else {
        return Err(AppError::Invalid(found));
    };
    let change = TrainingChange {
        title: fields.title,
        starts_at: fields.starts_at,
        minutes: i64::from(fields.minutes),
        place: fields.place,
        online_link: fields.online_link,
        capacity: i64::from(fields.capacity),
        materials,
    };
    let moved = change.starts_at != training.starts_at
        || change.minutes != training.minutes
        || change.place != training.place
        || change.online_link != training.online_link;
    let (outgoing, told) = if moved {
        let people = app.store.people_invited_to_training(id).await?;
        let message = changed_message(&change, &training.unit_name, id);
        addressed_about(app, None, training.unit_id, &message, people, Audience::Invited)
    } else {
        (Outgoing::default(), Told::default())
    };
    if !app
        .store
        .edit_training(&actor.audit(), id, TrainingEdit::Change(&change), &outgoing)
        .await?
    {
        return Err(AppError::Conflict(
            "Không lưu được: buổi tập huấn vừa bắt đầu, bị hủy, hoặc vừa có thêm người đăng ký vượt số chỗ mới. Hãy tải lại trang.".into(),
        ));
    }
    Ok(told)
}

fn changed_message(t: &TrainingChange, unit_name: &str, id: i64) -> Message {
    let mut body = format!(
        "{unit_name} đã đổi lịch buổi tập huấn “{}”: nay bắt đầu lúc {} ({}).",
        t.title,
        when_text(t.starts_at),
        duration_text(t.minutes)
    );
    body.push_str(&where_text(t.place.as_deref(), t.online_link.as_deref()));
    Message {
        kind: "training_changed",
        subject: format!("Đổi lịch tập huấn: {}", t.title),
        body,
        link: format!("/tap-huan/{id}"),
        dedup: None,
    }
}

/// Most characters of a cancellation's reason.
pub const MAX_CANCEL_REASON: usize = 300;

/// An organizer cancels a training that has not ended, saying why; everyone invited is told.
pub async fn cancel(app: &App, actor: &Actor, id: i64, reason: &str) -> Result<Told> {
    let training = organized(app, actor, id).await?;
    let reason = lanhmang_domain::text::clean_line(reason);
    if reason.is_empty() || reason.chars().count() > MAX_CANCEL_REASON {
        return Err(AppError::Invalid(vec![Problem::at(
            "reason",
            format!("Hãy ghi lý do hủy cho người được mời (1–{MAX_CANCEL_REASON} ký tự)."),
        )]));
    }
    if ended(&training, lanhmang_store::now()) {
        return Err(AppError::Conflict(
            "Buổi tập huấn đã kết thúc; không hủy được nữa.".into(),
        ));
    }
    let people = app.store.people_invited_to_training(id).await?;
    let message = Message {
        kind: "training_cancelled",
        subject: format!("Hủy buổi tập huấn: {}", training.title),
        body: format!(
            "{} đã hủy buổi tập huấn “{}” dự kiến lúc {}. Lý do: {reason}",
            training.unit_name,
            training.title,
            when_text(training.starts_at)
        ),
        link: format!("/tap-huan/{id}"),
        dedup: Some(format!("training-cancelled:{id}")),
    };
    let (outgoing, told) = addressed_about(app, None, training.unit_id, &message, people, Audience::Invited);
    if !app
        .store
        .edit_training(
            &actor.audit(),
            id,
            TrainingEdit::Cancel {
                starts_at_seen: training.starts_at,
                reason: &reason,
            },
            &outgoing,
        )
        .await?
    {
        return Err(AppError::Conflict(
            "Không hủy được: buổi tập huấn vừa được đổi lịch hoặc đã bị hủy. Hãy tải lại trang.".into(),
        ));
    }
    Ok(told)
}

/// Everyone the audience names: holders of its roles in its units' subtrees and, with the T1.5
/// flag, the website administrators of schools there with open supervision findings.
async fn invitees(app: &App, fields: &TrainingFields, units: &[i64]) -> Result<Vec<Person>> {
    let mut people = app.store.people_with_roles_under(units, &fields.roles).await?;
    if fields.webadmins_with_findings {
        for p in app.store.webadmins_with_open_findings_under(units).await? {
            if !people.iter().any(|q| q.id == p.id) {
                people.push(p);
            }
        }
    }
    Ok(people)
}

/// " Địa điểm: …. Tham dự trực tuyến: …", as the messages about a training say where it is.
fn where_text(place: Option<&str>, link: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(place) = place {
        text.push_str(&format!(" Địa điểm: {place}."));
    }
    if let Some(link) = link {
        text.push_str(&format!(" Tham dự trực tuyến: {link}"));
    }
    text
}

fn invitation(t: &NewTraining, unit_name: &str, id: i64) -> Message {
    let mut body = format!(
        "{unit_name} mời anh/chị tham dự buổi tập huấn “{}” lúc {} ({}).",
        t.title,
        when_text(t.starts_at),
        duration_text(t.minutes)
    );
    body.push_str(&where_text(t.place.as_deref(), t.online_link.as_deref()));
    body.push_str(" Hãy đăng ký trên Lành Mạng để giữ chỗ.");
    Message {
        kind: "training_invited",
        subject: format!("Mời tham dự tập huấn: {}", t.title),
        body,
        link: format!("/tap-huan/{id}"),
        dedup: Some(format!("training:{id}")),
    }
}

/// Trainings the person organizes (in their scope) or is invited to, newest first.
pub async fn list(app: &App, actor: &Actor, paging: Paging) -> Result<(Vec<Training>, i64)> {
    let roots = scope_roots(&actor.permissions, Action::ManageTrainings);
    Ok(app
        .store
        .trainings_for(&roots, actor.person.id, paging.limit(), paging.offset())
        .await?)
}

/// A training the person may see, whether they organize it, and whether they are invited.
async fn access(app: &App, actor: &Actor, id: i64) -> Result<(Training, bool, bool)> {
    let training = app.store.training(id).await?.ok_or(AppError::NotFound)?;
    let organizer = actor.may(Action::ManageTrainings, Target::Unit(&training.unit_ancestry));
    let invited = app.store.is_invited_to_training(id, actor.person.id).await?;
    if !organizer && !invited {
        return Err(AppError::NotFound);
    }
    Ok((training, organizer, invited))
}

fn questions_of(t: &Training) -> Result<Vec<Question>> {
    serde_json::from_str(&t.questions).map_err(|e| {
        tracing::error!(training = t.id, error = %e, "a training's questions cannot be read");
        AppError::Conflict("Không đọc được câu hỏi kiểm tra của buổi tập huấn này.".into())
    })
}

fn ended(t: &Training, now: OffsetDateTime) -> bool {
    now >= training::ends_at(t.starts_at, t.minutes)
}

/// A training as the reader may see it.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<TrainingView> {
    let (training, organizer, invited) = access(app, actor, id).await?;
    let now = lanhmang_store::now();
    let registration = app.store.training_registration(id, actor.person.id).await?;
    let questions = questions_of(&training)?;
    let mut materials = Vec::new();
    for m in &training.materials {
        if let Ok(l) = crate::lessons::lesson(app, actor, m).await {
            materials.push((l.item.id, l.content.title));
        }
    }
    let open = !training.cancelled;
    let attended = registration.as_ref().is_some_and(|r| r.attended_at.is_some());
    let has_test = !questions.is_empty();
    let view = TrainingView {
        may_register: open
            && invited
            && registration.is_none()
            && training.registered < training.capacity
            && training::registration_open(now, training.starts_at, training.minutes),
        may_unregister: open
            && registration
                .as_ref()
                .is_some_and(|r| r.attended_at.is_none() && !r.pre_done)
            && training::registration_open(now, training.starts_at, training.minutes),
        may_check_in: open
            && (invited || registration.is_some())
            && !attended
            && training::check_in_open(now, training.starts_at, training.minutes),
        may_pre_test: open
            && has_test
            && registration.as_ref().is_some_and(|r| !r.pre_done)
            && training::pre_test_open(now, training.starts_at, training.minutes),
        may_post_test: open
            && has_test
            && registration
                .as_ref()
                .is_some_and(|r| r.attended_at.is_some() && !r.post_done),
        may_download_certificate: attended,
        invitees: if organizer {
            app.store.training_invitees(id).await?
        } else {
            Vec::new()
        },
        results: if organizer {
            gains(app, &training, &questions).await?
        } else {
            Vec::new()
        },
        ended: ended(&training, now),
        may_edit: organizer && open && now < training.starts_at,
        may_cancel: organizer && open && !ended(&training, now),
        training,
        organizer,
        invited,
        registration,
        questions,
        materials,
    };
    Ok(view)
}

async fn gains(app: &App, training: &Training, questions: &[Question]) -> Result<Vec<QuestionGain>> {
    let tallies = app.store.training_tallies(training.id).await?;
    Ok(questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut gain = Gain::default();
            for t in tallies.iter().filter(|t| t.question == i as i64) {
                match t.phase {
                    Phase::Pre => {
                        gain.pre_right = t.right;
                        gain.pre_answered = t.answered;
                    }
                    Phase::Post => {
                        gain.post_right = t.right;
                        gain.post_answered = t.answered;
                    }
                }
            }
            QuestionGain {
                text: q.text.clone(),
                gain,
            }
        })
        .collect())
}

/// The group's results per question, for organizers only.
pub async fn results(app: &App, actor: &Actor, id: i64) -> Result<Vec<QuestionGain>> {
    let (training, organizer, _) = access(app, actor, id).await?;
    if !organizer {
        return Err(AppError::Forbidden);
    }
    let questions = questions_of(&training)?;
    gains(app, &training, &questions).await
}

/// An invited person registers, while there is room and before the training is over.
pub async fn register(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let (training, _, invited) = access(app, actor, id).await?;
    if !invited {
        return Err(AppError::Forbidden);
    }
    if training.cancelled {
        return Err(AppError::Conflict("Buổi tập huấn này đã bị hủy.".into()));
    }
    if !training::registration_open(lanhmang_store::now(), training.starts_at, training.minutes) {
        return Err(AppError::Conflict(
            "Buổi tập huấn đã kết thúc; không đăng ký được nữa.".into(),
        ));
    }
    match app.store.register_for_training(id, actor.person.id).await? {
        Registered::Registered => Ok(()),
        Registered::AlreadyRegistered => Err(AppError::Conflict("Anh/chị đã đăng ký buổi tập huấn này rồi.".into())),
        Registered::Full => Err(AppError::Conflict(
            "Buổi tập huấn đã đủ chỗ; không đăng ký thêm được.".into(),
        )),
    }
}

/// Withdraws one's registration before attending and before the pre-test.
pub async fn unregister(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let (training, _, _) = access(app, actor, id).await?;
    if !training::registration_open(lanhmang_store::now(), training.starts_at, training.minutes) {
        return Err(AppError::Conflict("Buổi tập huấn đã kết thúc.".into()));
    }
    if app.store.unregister_from_training(id, actor.person.id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "Không hủy được: anh/chị chưa đăng ký, đã làm bài kiểm tra đầu vào hoặc đã điểm danh.".into(),
        ))
    }
}

/// A person present types the code the organizer shows, from half an hour before the start
/// until the end.
pub async fn attend_by_code(app: &App, actor: &Actor, id: i64, code: &str) -> Result<()> {
    let (training, _, invited) = access(app, actor, id).await?;
    let registered = app.store.training_registration(id, actor.person.id).await?.is_some();
    if !invited && !registered {
        return Err(AppError::Forbidden);
    }
    let Some(code) = training::parse_code(code) else {
        return Err(AppError::Invalid(vec![Problem::at(
            "code",
            "Mã điểm danh gồm 6 chữ số.",
        )]));
    };
    if training.cancelled {
        return Err(AppError::Conflict("Buổi tập huấn này đã bị hủy.".into()));
    }
    if !training::check_in_open(lanhmang_store::now(), training.starts_at, training.minutes) {
        return Err(AppError::Conflict(
            "Chỉ điểm danh được từ 30 phút trước giờ bắt đầu đến khi buổi tập huấn kết thúc.".into(),
        ));
    }
    if code != training.attendance_code {
        return Err(AppError::Invalid(vec![Problem::at(
            "code",
            "Mã điểm danh không đúng; hãy xem lại mã trên màn hình của ban tổ chức.",
        )]));
    }
    app.store
        .mark_training_attended(&actor.audit(), id, actor.person.id, "code")
        .await?;
    Ok(())
}

/// The organizer ticks (or unticks) a person present: registered, or invited and come anyway.
pub async fn attend_by_hand(app: &App, actor: &Actor, id: i64, person_id: i64, present: bool) -> Result<()> {
    let (training, organizer, _) = access(app, actor, id).await?;
    if !organizer {
        return Err(AppError::Forbidden);
    }
    let invited = app.store.is_invited_to_training(id, person_id).await?;
    let registered = app.store.training_registration(id, person_id).await?.is_some();
    if !invited && !registered {
        return Err(AppError::Invalid(vec![Problem::at(
            "person_id",
            "Người này không được mời tham dự buổi tập huấn.",
        )]));
    }
    if training.cancelled {
        return Err(AppError::Conflict("Buổi tập huấn này đã bị hủy.".into()));
    }
    if present {
        app.store
            .mark_training_attended(&actor.audit(), id, person_id, "hand")
            .await?;
    } else {
        app.store
            .unmark_training_attended(&actor.audit(), id, person_id)
            .await?;
    }
    Ok(())
}

/// Which test: before or after.
pub fn parse_phase(raw: &str) -> Option<Phase> {
    match raw {
        "truoc" | "pre" => Some(Phase::Pre),
        "sau" | "post" => Some(Phase::Post),
        _ => None,
    }
}

/// A test the person may take now: its questions (answers are checked on sending).
pub async fn test(app: &App, actor: &Actor, id: i64, phase: Phase) -> Result<(Training, Vec<Question>)> {
    let view = get(app, actor, id).await?;
    let may = match phase {
        Phase::Pre => view.may_pre_test,
        Phase::Post => view.may_post_test,
    };
    if !may {
        return Err(AppError::Conflict(match phase {
            Phase::Pre => {
                "Bài kiểm tra đầu vào làm một lần, sau khi đăng ký và trước khi buổi tập huấn kết thúc.".into()
            }
            Phase::Post => "Bài kiểm tra cuối khóa làm một lần, sau khi đã điểm danh.".into(),
        }));
    }
    Ok((view.training, view.questions))
}

/// One question after sending: the person's choice, the right one and why.
#[derive(Debug, Clone)]
pub struct FeedbackItem {
    pub question: String,
    pub chosen: Option<String>,
    pub right_choice: String,
    pub correct: bool,
    pub explanation: String,
}

/// Counts a person's test into the group's tallies, once, and gives the explanations. The
/// answers themselves are not kept.
pub async fn submit_test(
    app: &App,
    actor: &Actor,
    id: i64,
    phase: Phase,
    answers: &[Option<i64>],
) -> Result<Vec<FeedbackItem>> {
    let (_, questions) = test(app, actor, id, phase).await?;
    if answers.len() != questions.len() {
        return Err(AppError::Invalid(vec![Problem::at(
            "answers",
            format!(
                "Bài có {} câu hỏi; hãy gửi đủ {} câu trả lời.",
                questions.len(),
                questions.len()
            ),
        )]));
    }
    let mut chosen = Vec::with_capacity(answers.len());
    for (i, (a, q)) in answers.iter().zip(&questions).enumerate() {
        match a {
            Some(c) => match usize::try_from(*c).ok().filter(|c| *c < q.choices.len()) {
                Some(c) => chosen.push(Some(c)),
                None => {
                    return Err(AppError::Invalid(vec![Problem::at(
                        format!("q{i}"),
                        format!("Câu {} chỉ có {} lựa chọn.", i + 1, q.choices.len()),
                    )]));
                }
            },
            None => chosen.push(None),
        }
    }
    let right: Vec<Option<bool>> = chosen
        .iter()
        .zip(&questions)
        .map(|(c, q)| c.map(|c| c == q.answer))
        .collect();
    if !app
        .store
        .record_training_test(id, actor.person.id, phase, &right)
        .await?
    {
        return Err(AppError::Conflict(
            "Anh/chị đã làm bài kiểm tra này rồi; mỗi bài làm một lần.".into(),
        ));
    }
    Ok(questions
        .into_iter()
        .zip(chosen)
        .map(|(q, c)| FeedbackItem {
            correct: c == Some(q.answer),
            chosen: c.and_then(|c| q.choices.get(c).cloned()),
            right_choice: q.choices.get(q.answer).cloned().unwrap_or_default(),
            question: q.text,
            explanation: q.explanation,
        })
        .collect())
}

/// The certificate of an attendee, its code issued on first download.
pub async fn certificate(app: &App, actor: &Actor, id: i64) -> Result<lanhmang_export::Certificate> {
    let (training, _, _) = access(app, actor, id).await?;
    let mut code = None;
    // Twelve characters from 32: a clash is next to impossible; a few tries cover it.
    for _ in 0..5 {
        match app
            .store
            .issue_training_certificate(id, actor.person.id, &draw_certificate_code())
            .await
        {
            Ok(c) => {
                code = c;
                break;
            }
            Err(lanhmang_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let Some(code) = code else {
        return Err(AppError::Conflict(
            "Chứng nhận chỉ cấp cho người đã tham dự (đã điểm danh) buổi tập huấn.".into(),
        ));
    };
    let local = training.starts_at.to_offset(VIETNAM);
    Ok(lanhmang_export::Certificate {
        unit_name: training.unit_name.clone(),
        person_name: actor.person.display_name.clone(),
        training_title: training.title.clone(),
        date_text: format!(
            "Ngày {:02} tháng {:02} năm {}",
            local.day(),
            u8::from(local.month()),
            local.year()
        ),
        hours: Some(duration_text(training.minutes)),
        verify_url: app.settings.links.url(&format!("/chung-nhan/{code}")),
        code: spaced_code(&code),
    })
}

/// What a certificate's code confirms, for anyone: no account needed.
pub async fn verify(app: &App, code: &str) -> Result<Verified> {
    let code = training::parse_certificate_code(code).ok_or(AppError::NotFound)?;
    app.store
        .verify_training_certificate(&code)
        .await?
        .ok_or(AppError::NotFound)
}

/// The trainings a person attended: for their own account page, or for someone who may see
/// people at their unit.
pub async fn attended(app: &App, actor: &Actor, person_id: i64) -> Result<Vec<Attended>> {
    if person_id != actor.person.id {
        let person = app.store.person(person_id).await?.ok_or(AppError::NotFound)?;
        let unit = app.store.unit(person.unit_id).await?.ok_or(AppError::NotFound)?;
        if !actor.may(Action::ViewPeople, Target::Unit(&unit.ancestry)) {
            return Err(AppError::NotFound);
        }
    }
    Ok(app.store.trainings_attended_by(person_id).await?)
}

/// A school's training figures for a school year, for the report's pre-fill: (trainings,
/// staff attendances, website administrators trained).
pub async fn school_facts(
    store: &lanhmang_store::Store,
    school_id: i64,
    year: lanhmang_domain::school_year::SchoolYear,
) -> Result<(u32, u32, u32)> {
    let start = |y: i32| {
        time::Date::from_calendar_date(y, time::Month::August, 1)
            .map(|d| d.midnight().assume_offset(VIETNAM))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    };
    let roles: Vec<&str> = training::STAFF_ROLES.iter().map(|r| r.as_str()).collect();
    let (t, s, w) = store
        .school_training_facts(school_id, &roles, start(year.start_year), start(year.start_year + 1))
        .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(0);
    Ok((count(t), count(s), count(w)))
}

/// The label of an audience role name, for pages.
pub fn role_label(name: &str) -> String {
    Role::parse(name)
        .map(|r| r.label().to_string())
        .unwrap_or_else(|| name.to_string())
}
