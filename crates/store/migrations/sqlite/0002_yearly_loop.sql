-- The plan's yearly loop: plans and their versions, school plans, the activity log with its
-- evidence, yearly evaluation reports with their values and history, and the e-mail outbox.
-- SQLite dialect.

-- The school's size, when the office knows it: reports and activities are checked against it.
ALTER TABLE units ADD COLUMN staff_count INTEGER;
ALTER TABLE units ADD COLUMN pupil_count INTEGER;

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The coordinating office (or department) that issues the plan; it reaches the schools below.
    issuing_unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    -- First calendar year of the school year: 2026 for 2026–2027.
    school_year BIGINT NOT NULL,
    deadline TEXT NOT NULL,
    -- Decree 30/2020 number: "05/KH-PGDĐT" is sequence 5, issuer "PGDĐT", in calendar year doc_year.
    doc_sequence BIGINT,
    doc_issuer TEXT NOT NULL DEFAULT '',
    doc_year BIGINT,
    template_code TEXT NOT NULL,
    -- Sections, tasks and indicators as JSON, copied from the template and edited by the office.
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    -- Bumped by every change; edits name the version they started from.
    version BIGINT NOT NULL DEFAULT 1,
    published_at TEXT,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (issuing_unit_id, doc_year, doc_sequence)
);
CREATE INDEX plans_issuer ON plans (issuing_unit_id, school_year);

-- Every published state of a plan: version 1 at publication, one more per later change.
CREATE TABLE plan_versions (
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    deadline TEXT NOT NULL,
    content TEXT NOT NULL,
    change_note TEXT NOT NULL DEFAULT '',
    changed_by INTEGER REFERENCES people(id),
    changed_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE school_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    -- The school's tasks as JSON: the office plan's tasks plus its own, with owners and dates.
    content TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    submitted_at TEXT,
    reviewed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (plan_id, unit_id)
);
CREATE INDEX school_plans_unit ON school_plans (unit_id);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    kind TEXT NOT NULL CHECK (kind IN ('talk', 'training', 'campaign', 'parent_meeting', 'web_post',
        'partner_work', 'phone_rules', 'story_post', 'other')),
    -- Plan task codes it serves, space-separated ('' = the kind's usual task).
    tasks TEXT NOT NULL DEFAULT '',
    held_on TEXT NOT NULL,
    title TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    teachers BIGINT NOT NULL DEFAULT 0,
    staff BIGINT NOT NULL DEFAULT 0,
    pupils_g1_2 BIGINT NOT NULL DEFAULT 0,
    pupils_g3_5 BIGINT NOT NULL DEFAULT 0,
    pupils_g6_7 BIGINT NOT NULL DEFAULT 0,
    pupils_g8_9 BIGINT NOT NULL DEFAULT 0,
    -- Pupils whose grade band was not given.
    pupils_other BIGINT NOT NULL DEFAULT 0,
    parents BIGINT NOT NULL DEFAULT 0,
    partner TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX activities_plan_unit ON activities (plan_id, unit_id, held_on);
CREATE INDEX activities_unit_date ON activities (unit_id, held_on);

CREATE TABLE activity_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    -- A file (content, its checked type) or a link (url).
    file_name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size_bytes BIGINT NOT NULL DEFAULT 0,
    content BLOB,
    url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX activity_evidence_activity ON activity_evidence (activity_id);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
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
CREATE INDEX reports_plan_status ON reports (plan_id, status);
CREATE INDEX reports_unit ON reports (unit_id);

CREATE TABLE report_values (
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL,
    -- Numbers and yes/no (1 or 0) in number_value, text in text_value.
    number_value REAL,
    text_value TEXT,
    -- What the activity log and other providers computed, kept beside an override.
    computed_value REAL,
    override_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, indicator)
);

CREATE TABLE report_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor_person_id INTEGER REFERENCES people(id),
    actor TEXT NOT NULL,
    -- created, saved, submitted, returned, accepted, reopened
    event TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address TEXT NOT NULL,
    to_name TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- What caused the mail: reminder, report_returned, manual_reminder, …
    reason TEXT NOT NULL,
    plan_id INTEGER REFERENCES plans(id),
    -- The unit the mail concerns; the office sees the mail of the units in its scope.
    unit_id INTEGER REFERENCES units(id),
    -- A mail being sent stays 'queued': the worker that claims it pushes next_attempt_at past
    -- a lease, so a worker that dies mid-send leaves it to be retried when the lease runs out.
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    -- The same reminder is never queued twice.
    dedup_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_plan ON outbox (plan_id, unit_id);
CREATE INDEX outbox_unit ON outbox (unit_id, id);
