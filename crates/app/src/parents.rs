//! Parents and their classes (S3.3, T5.2): a school's principal or teachers invite the parents
//! of a class with a code; a parent signs up with it (or, signed in, joins one more class);
//! the school sees who joined and can take a parent out of a class or stop a code.
//!
//! A parent gives their own name and a contact, and of the child only the class. Who may act:
//! `ReachParents` at the school; a code that does not open a class answers the same whether it
//! never existed, was revoked or expired, and the public side is throttled per address.

use lanhmang_domain::parents::{CLASS_NAME_HINT, ClassName, INVITATION_DAYS, SignupInput, parse_code};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::throttle::ThrottlePolicy;
use lanhmang_domain::{Action, Paging, Target, UnitKind, UnitStatus};
use lanhmang_store::parents::{CODE_REFUSED, ClassSummary, Invitation, ParentClass};
use lanhmang_store::people::Person;
use lanhmang_store::{AuditContext, StoreError, Unit};
use time::Duration;

use crate::{Actor, App, AppError, Problem, Result};

/// Codes tried from one address: a family or a school's computer room signs up a few parents,
/// a script guessing codes is slowed to a crawl.
const SIGNUP_POLICY: ThrottlePolicy = ThrottlePolicy {
    free_attempts: 10,
    base_delay: Duration::seconds(30),
    max_delay: Duration::minutes(30),
    forget_after: Duration::hours(1),
};

/// The school whose families the actor reaches: an active school where they may `ReachParents`;
/// a school out of sight is not found.
async fn school(app: &App, actor: &Actor, unit_id: i64) -> Result<Unit> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    if !actor.may(Action::ReachParents, target) {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    active_school(&unit)?;
    Ok(unit)
}

/// Families are reached through an active school only.
fn active_school(unit: &Unit) -> Result<()> {
    if unit.kind != UnitKind::School || unit.status != UnitStatus::Active {
        return Err(AppError::Conflict(
            "Chỉ trường đang hoạt động mới mời cha mẹ học sinh theo lớp.".into(),
        ));
    }
    Ok(())
}

/// The schools whose families the actor reaches.
pub async fn schools(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let roots = scope_roots(&actor.permissions, Action::ReachParents);
    Ok(app
        .store
        .units_by_ids(&roots)
        .await?
        .into_iter()
        .filter(|u| u.kind == UnitKind::School && u.status == UnitStatus::Active)
        .collect())
}

fn class_name(raw: &str, field: &str) -> Result<ClassName> {
    ClassName::parse(raw).ok_or_else(|| AppError::Invalid(vec![Problem::at(field, CLASS_NAME_HINT)]))
}

/// A new code for the parents of a class, valid for `INVITATION_DAYS`.
pub async fn invite(app: &App, actor: &Actor, unit_id: i64, class: &str) -> Result<Invitation> {
    let unit = school(app, actor, unit_id).await?;
    let class = class_name(class, "class_name")?;
    new_invitation(app, actor, &unit, &class).await
}

async fn new_invitation(app: &App, actor: &Actor, unit: &Unit, class: &ClassName) -> Result<Invitation> {
    let expires = lanhmang_store::now() + Duration::days(INVITATION_DAYS);
    // 31^8 codes: a collision is rare; the second try is as rare again.
    let mut tries = 0;
    loop {
        let code = lanhmang_domain::code::random_code(lanhmang_domain::parents::CODE_LEN);
        match app
            .store
            .create_invitation(&actor.audit(), unit.id, class, &code, expires)
            .await
        {
            Err(StoreError::Conflict(_)) if tries < 2 => tries += 1,
            other => return Ok(other?),
        }
    }
}

/// A school's codes, newest first, and the classes with their parents counted.
pub async fn invitations(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    paging: Paging,
) -> Result<(Unit, Vec<Invitation>, i64, Vec<ClassSummary>)> {
    let unit = school(app, actor, unit_id).await?;
    let (list, total) = app.store.invitations(unit.id, paging.limit(), paging.offset()).await?;
    let classes = app.store.classes_of_school(unit.id).await?;
    Ok((unit, list, total, classes))
}

/// One of a school's codes, with the school.
pub async fn invitation(app: &App, actor: &Actor, unit_id: i64, invitation_id: i64) -> Result<(Unit, Invitation)> {
    let unit = school(app, actor, unit_id).await?;
    let invitation = app
        .store
        .invitation(invitation_id)
        .await?
        .filter(|i| i.unit_id == unit.id)
        .ok_or(AppError::NotFound)?;
    Ok((unit, invitation))
}

/// Stops a code working; the parents who joined with it stay.
pub async fn revoke(app: &App, actor: &Actor, unit_id: i64, invitation_id: i64) -> Result<Invitation> {
    let (_, invitation) = invitation(app, actor, unit_id, invitation_id).await?;
    app.store.revoke_invitation(&actor.audit(), &invitation).await?;
    app.store.invitation(invitation.id).await?.ok_or(AppError::NotFound)
}

/// The parents of a school (of one class when given), a page at a time.
pub async fn parents(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    class: Option<&str>,
    paging: Paging,
) -> Result<(Vec<ParentClass>, i64)> {
    let unit = school(app, actor, unit_id).await?;
    let class = match class.map(str::trim).filter(|c| !c.is_empty()) {
        Some(raw) => Some(class_name(raw, "class_name")?),
        None => None,
    };
    Ok(app
        .store
        .parents_of_school(unit.id, class.as_ref(), paging.limit(), paging.offset())
        .await?)
}

/// Takes a parent out of a class; with their last class at the school goes their role there.
pub async fn remove(app: &App, actor: &Actor, unit_id: i64, person_id: i64, class: &str) -> Result<()> {
    let unit = school(app, actor, unit_id).await?;
    let class = class_name(class, "class_name")?;
    if !app
        .store
        .remove_parent(&actor.audit(), person_id, unit.id, &class)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Names a parent of a class as one of its representatives (`representative`), or no longer.
/// The school decides, as it names the class's parents' board; the parent's account stays theirs.
pub async fn set_representative(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    person_id: i64,
    class: &str,
    representative: bool,
) -> Result<()> {
    let unit = school(app, actor, unit_id).await?;
    let class = class_name(class, "class_name")?;
    if !app
        .store
        .set_class_representative(&actor.audit(), person_id, unit.id, &class, representative)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A class the caller represents: how many parents joined it and the code that opens it now.
#[derive(Debug, Clone)]
pub struct RepresentedClass {
    pub class: ParentClass,
    pub families: i64,
    pub invitation: Option<Invitation>,
}

/// The classes the caller represents, with their parents counted and their open code.
pub async fn represented_classes(app: &App, actor: &Actor) -> Result<Vec<RepresentedClass>> {
    let now = lanhmang_store::now();
    let mut out = Vec::new();
    for class in app.store.classes_of_parent(actor.person.id).await? {
        if !class.representative {
            continue;
        }
        // A closed school's code is not shown: it opens nothing.
        let active = app
            .store
            .unit(class.unit_id)
            .await?
            .is_some_and(|u| active_school(&u).is_ok());
        let families = app.store.parents_in_class(class.unit_id, &class.class_name).await?;
        let invitation = match ClassName::parse(&class.class_name) {
            Some(name) if active => app.store.open_invitation(class.unit_id, &name, now).await?,
            _ => None,
        };
        out.push(RepresentedClass {
            class,
            families,
            invitation,
        });
    }
    Ok(out)
}

/// The code a class's representative shares with the class's other families: the class's open
/// code, or a new one when the last one expired (never one the school revoked). A
/// representative reaches only their own class, only while the school keeps them as
/// representative.
pub async fn invite_as_representative(app: &App, actor: &Actor, unit_id: i64, class: &str) -> Result<Invitation> {
    let class = class_name(class, "class_name")?;
    let represents = app
        .store
        .classes_of_parent(actor.person.id)
        .await?
        .into_iter()
        .any(|c| c.representative && c.unit_id == unit_id && c.class_name == class.as_str());
    if !represents {
        return Err(AppError::NotFound);
    }
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    active_school(&unit)?;
    if let Some(open) = app
        .store
        .open_invitation(unit.id, &class, lanhmang_store::now())
        .await?
    {
        return Ok(open);
    }
    // A code the school revoked (it leaked, say) is the school's to replace, not the
    // representative's: only an expired one is renewed here.
    if app
        .store
        .latest_invitation(unit.id, &class)
        .await?
        .is_some_and(|i| i.revoked_at.is_some())
    {
        return Err(AppError::Conflict(
            "Nhà trường đã thu hồi mã mời của lớp. Anh/chị hãy liên hệ giáo viên chủ nhiệm để có mã mới.".into(),
        ));
    }
    new_invitation(app, actor, &unit, &class).await
}

/// Accounts made with codes from one address in an hour: a class's parents at a meeting on
/// the school's Wi-Fi, with room; never given back, so one printed code cannot mint accounts
/// without end.
const ACCOUNTS_POLICY: ThrottlePolicy = ThrottlePolicy {
    free_attempts: 40,
    base_delay: Duration::minutes(1),
    max_delay: Duration::minutes(30),
    forget_after: Duration::hours(1),
};

/// The throttle's key for codes tried from an address (or, signed in, by an account).
fn throttle_key(client_key: &str) -> String {
    format!("parent_code:{client_key}")
}

/// Takes one attempt under `policy` for `key`; refused while it is throttled, saying `why` and
/// how long to wait.
async fn take_or_wait(app: &App, key: &str, policy: &ThrottlePolicy, why: &str) -> Result<()> {
    let now = lanhmang_store::now();
    if let Err(until) = app.store.throttle_take(key, policy, now).await? {
        let wait_seconds = (until - now).whole_seconds().max(1);
        return Err(AppError::Limited {
            wait_seconds,
            message: format!("{why} Hãy thử lại sau {} phút.", (wait_seconds + 59) / 60),
        });
    }
    Ok(())
}

/// Counts one try of a code from `client_key` (the address); refused while it is throttled.
/// Counted before the code is looked up, so tries sent together cannot all pass; a try whose
/// code was good is given back (`settle`), so thirty parents at a meeting on the school's
/// Wi-Fi are never held back, and only wrong codes count.
async fn count_try(app: &App, client_key: &str) -> Result<()> {
    take_or_wait(
        app,
        &throttle_key(client_key),
        &SIGNUP_POLICY,
        "Anh/chị đã thử mã mời nhiều lần.",
    )
    .await
}

/// Gives back the try of a code that opened a class, and passes the outcome on: only failed
/// tries count.
async fn settle<T>(app: &App, client_key: &str, outcome: Result<T>) -> Result<T> {
    if outcome.is_ok() {
        app.store
            .throttle_refund(&throttle_key(client_key), &SIGNUP_POLICY)
            .await?;
    }
    outcome
}

/// The class and school an open code leads to, for the sign-up page to confirm ("lớp 4B,
/// Trường Tiểu học …"). Throttled like signing up: it tells whether a code is good.
pub async fn class_of_code(app: &App, client_key: &str, raw: &str) -> Result<Invitation> {
    let code = parse_code(raw).map_err(|p| AppError::Invalid(vec![p.into()]))?;
    count_try(app, client_key).await?;
    let found = app
        .store
        .invitation_by_code(&code)
        .await?
        .filter(|i| i.open_at(lanhmang_store::now()))
        .ok_or_else(|| AppError::Invalid(vec![Problem::at("code", CODE_REFUSED)]));
    settle(app, client_key, found).await
}

/// A parent signs up with a class's code: their account, the parent's role at the school and
/// the class, at once. Nothing about the child is asked but the class the code names.
pub async fn sign_up(
    app: &App,
    client_ip: &str,
    client_key: &str,
    input: &SignupInput,
) -> Result<(Person, Invitation)> {
    let signup = input
        .parse()
        .map_err(|list| AppError::Invalid(list.into_iter().map(Problem::from).collect()))?;
    count_try(app, client_key).await?;
    // A wrong code is refused before the password costs a hash; the sign-up's own transaction
    // takes the code again, so one revoked meanwhile still writes nothing.
    let open = app
        .store
        .invitation_by_code(&signup.code)
        .await?
        .is_some_and(|i| i.open_at(lanhmang_store::now()));
    if !open {
        let refused = Err(AppError::Invalid(vec![Problem::at("code", CODE_REFUSED)]));
        return settle(app, client_key, refused).await;
    }
    take_or_wait(
        app,
        &format!("parent_accounts:{client_key}"),
        &ACCOUNTS_POLICY,
        "Đã có nhiều tài khoản được tạo từ địa chỉ này.",
    )
    .await?;
    let hash = crate::people::hash_password(&input.password).await?;
    let ctx = AuditContext {
        actor_id: None,
        actor: signup.person.username.clone(),
        client_ip: client_ip.to_string(),
    };
    let outcome = match app
        .store
        .sign_up_parent(&ctx, &signup.code, &signup.person, &hash)
        .await
    {
        Ok(done) => Ok(done),
        Err(StoreError::NotFound(_)) => Err(AppError::Invalid(vec![Problem::at("code", CODE_REFUSED)])),
        Err(StoreError::Conflict(m)) => Err(AppError::Invalid(vec![Problem::at("username", m)])),
        Err(e) => Err(e.into()),
    };
    settle(app, client_key, outcome).await
}

/// A signed-in parent joins one more class with its code.
pub async fn join(app: &App, actor: &Actor, raw: &str) -> Result<Invitation> {
    let code = parse_code(raw).map_err(|p| AppError::Invalid(vec![p.into()]))?;
    // Counted by account: a signed-in parent cannot spread guesses over addresses.
    let key = format!("person:{}", actor.person.id);
    count_try(app, &key).await?;
    let outcome = match app.store.join_class(&actor.audit(), actor.person.id, &code).await {
        Err(StoreError::NotFound(_)) => Err(AppError::Invalid(vec![Problem::at("code", CODE_REFUSED)])),
        other => other.map_err(AppError::from),
    };
    settle(app, &key, outcome).await
}

/// The caller's own classes, as a parent.
pub async fn my_classes(app: &App, actor: &Actor) -> Result<Vec<ParentClass>> {
    Ok(app.store.classes_of_parent(actor.person.id).await?)
}

/// Whether the person is a parent and nothing else: their home is the family page.
pub fn family_only(actor: &Actor) -> bool {
    !actor.grants.is_empty() && actor.grants.iter().all(|g| g.role == lanhmang_domain::Role::Parent)
}
