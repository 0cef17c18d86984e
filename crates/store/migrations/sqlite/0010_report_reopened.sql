-- A reopened report is its own state ("Được mở lại"), no longer "returned". SQLite cannot alter a
-- CHECK constraint, so the report tables are rebuilt. Foreign keys are on during migrations and
-- dropping `reports` would cascade into its values and history, so the children are copied first
-- into tables that reference the new `reports_new`; renaming it to `reports` rewrites their
-- references. Indexes and AUTOINCREMENT counters are carried over.
CREATE TABLE reports_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'reopened')),
    version BIGINT NOT NULL DEFAULT 1,
    results TEXT NOT NULL DEFAULT '',
    strengths TEXT NOT NULL DEFAULT '',
    limitations TEXT NOT NULL DEFAULT '',
    proposals TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    -- The first submission decides timeliness: a return by the office does not make a school late.
    first_submitted_at TEXT,
    submitted_at TEXT,
    late BOOLEAN,
    accepted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (plan_id, unit_id)
);
INSERT INTO reports_new (id, plan_id, unit_id, status, version, results, strengths, limitations, proposals,
    review_comment, first_submitted_at, submitted_at, late, accepted_at, created_at, updated_at)
SELECT id, plan_id, unit_id, status, version, results, strengths, limitations, proposals,
    review_comment, first_submitted_at, submitted_at, late, accepted_at, created_at, updated_at
FROM reports;
DELETE FROM sqlite_sequence WHERE name = 'reports_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'reports_new', seq FROM sqlite_sequence WHERE name = 'reports';

CREATE TABLE report_values_new (
    report_id INTEGER NOT NULL REFERENCES reports_new(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL,
    -- Numbers and yes/no (1 or 0) in number_value, text in text_value.
    number_value REAL,
    text_value TEXT,
    -- What the activity log and other providers computed, kept beside an override.
    computed_value REAL,
    override_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, indicator)
);
INSERT INTO report_values_new (report_id, indicator, number_value, text_value, computed_value, override_reason)
SELECT report_id, indicator, number_value, text_value, computed_value, override_reason FROM report_values;

CREATE TABLE report_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports_new(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor_person_id INTEGER REFERENCES people(id),
    actor TEXT NOT NULL,
    -- created, saved, submitted, returned, accepted, reopened, reopen_requested
    event TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    -- Who a review told, as the reviewer was shown it.
    notified TEXT NOT NULL DEFAULT ''
);
INSERT INTO report_events_new (id, report_id, at, actor_person_id, actor, event, comment, notified)
SELECT id, report_id, at, actor_person_id, actor, event, comment, notified FROM report_events;
DELETE FROM sqlite_sequence WHERE name = 'report_events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'report_events_new', seq FROM sqlite_sequence WHERE name = 'report_events';

DROP TABLE report_values;
DROP TABLE report_events;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
ALTER TABLE report_values_new RENAME TO report_values;
ALTER TABLE report_events_new RENAME TO report_events;
CREATE INDEX reports_plan_status ON reports (plan_id, status);
CREATE INDEX reports_unit ON reports (unit_id);
CREATE INDEX report_events_report ON report_events (report_id, at);

-- Reports reopened before this state existed were stored as returned: their last step tells.
UPDATE reports SET status = 'reopened'
WHERE status = 'returned'
  AND (SELECT e.event FROM report_events e WHERE e.report_id = reports.id AND e.event <> 'saved'
       ORDER BY e.at DESC, e.id DESC LIMIT 1) = 'reopened';
