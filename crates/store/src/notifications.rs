//! What a change tells people: e-mails for the outbox and notices for the in-app list, written
//! in the transaction of the change that causes them, so both happen or neither.

use crate::outbox::NewMail;

/// An in-app notice for one person. `dedup_key` makes it idempotent: a notice whose key exists
/// already is not written again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// A path inside the application (`/ke-hoach/3`).
    pub link: String,
    pub dedup_key: Option<String>,
}

/// An automatic notice a change records in the notice list beside what it sends: its
/// recipients are the people its notifications reach, already told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    /// `plan_published`, `plan_changed`, `plan_returned` or `report_returned`.
    pub kind: &'static str,
    /// The unit the notice comes from (the plan's issuer).
    pub unit_ancestry: Vec<i64>,
    pub title: String,
    pub body: String,
    /// A path inside the application (`/ke-hoach/3`).
    pub link: String,
}

/// Everything one change sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    pub mails: Vec<NewMail>,
    pub notifications: Vec<NewNotification>,
    /// Also listed as a notice, to the people of `notifications`.
    pub record: Option<NoticeRecord>,
    /// The mails wait until then (the quiet hours of the night); the notifications do not.
    pub mail_held_until: Option<time::OffsetDateTime>,
}

impl Outgoing {
    pub fn is_empty(&self) -> bool {
        self.mails.is_empty() && self.notifications.is_empty()
    }

    pub fn extend(&mut self, other: Outgoing) {
        self.mails.extend(other.mails);
        self.notifications.extend(other.notifications);
        if self.record.is_none() {
            self.record = other.record;
        }
        self.mail_held_until = self.mail_held_until.max(other.mail_held_until);
    }
}

pub(crate) const INSERT_RECORDED_NOTICE: &str = "INSERT INTO notices (unit_id, unit_path, kind, title, body, link, audience, \
     recipients, created_at) VALUES ($1, $2, $3, $4, $5, $6, '{}', 0, $7) RETURNING id";
pub(crate) const INSERT_RECORDED_RECIPIENT: &str = "INSERT INTO notice_recipients (notice_id, person_id, unit_id, delivered_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (notice_id, person_id) DO NOTHING";
pub(crate) const COUNT_RECORDED_RECIPIENTS: &str =
    "UPDATE notices SET recipients = (SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1) WHERE id = $1";
/// A notice's recipients counted per unit once, when it is addressed (see `notice_units`).
pub(crate) const COUNT_NOTICE_UNITS: &str = "INSERT INTO notice_units (notice_id, unit_id, recipients) \
     SELECT notice_id, unit_id, COUNT(*) FROM notice_recipients WHERE notice_id = $1 GROUP BY notice_id, unit_id";

pub(crate) const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (person_id, unit_id, kind, title, body, link, dedup_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING";
