//! What a change tells people: e-mails for the outbox and notices for the in-app list, written
//! in the transaction of the change that causes them, so both happen or neither.

use crate::outbox::NewMail;

/// An in-app notice for one person. `dedup_key` makes it idempotent: a notice whose key exists
/// already is not written again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// A path inside the application (`/ke-hoach/3`).
    pub link: String,
    pub dedup_key: Option<String>,
}

/// Everything one change sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    pub mails: Vec<NewMail>,
    pub notices: Vec<NewNotice>,
}

impl Outgoing {
    pub fn is_empty(&self) -> bool {
        self.mails.is_empty() && self.notices.is_empty()
    }

    pub fn extend(&mut self, other: Outgoing) {
        self.mails.extend(other.mails);
        self.notices.extend(other.notices);
    }
}

pub(crate) const INSERT_NOTICE: &str = "INSERT INTO notifications (person_id, unit_id, kind, title, body, link, dedup_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING";
