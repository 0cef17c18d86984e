-- Exemplary stories (S1.2, T1.3) and the consent each person in them gave, per purpose. A
-- consent is a record (who agreed, to what, how, when, who recorded it, the signed form's scan)
-- and is withdrawn, never deleted; a story is published for a purpose only while every consent
-- that purpose needs stands. SQLite dialect.
CREATE TABLE stories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX stories_unit ON stories (unit_id, id);

CREATE TABLE story_subjects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id INTEGER NOT NULL REFERENCES stories(id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pupil', 'teacher', 'staff')),
    name TEXT NOT NULL,
    age BIGINT
);
CREATE INDEX story_subjects_story ON story_subjects (story_id, position);

CREATE TABLE story_consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id INTEGER NOT NULL REFERENCES stories(id),
    subject_id INTEGER NOT NULL REFERENCES story_subjects(id),
    given_by TEXT NOT NULL CHECK (given_by IN ('parent', 'self')),
    purpose TEXT NOT NULL CHECK (purpose IN ('school_site', 'office_site', 'press')),
    method TEXT NOT NULL CHECK (method IN ('paper', 'app')),
    note TEXT NOT NULL DEFAULT '',
    scan_file_name TEXT,
    scan_content_type TEXT,
    scan BLOB,
    recorded_by INTEGER NOT NULL REFERENCES people(id),
    recorded_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES people(id),
    withdrawal_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX story_consents_story ON story_consents (story_id, subject_id);
-- One standing consent per person, giver and purpose: withdrawing it must leave none behind.
CREATE UNIQUE INDEX story_consents_standing ON story_consents (story_id, subject_id, given_by, purpose)
    WHERE withdrawn_at IS NULL;

-- A story published for a purpose; unpublishing keeps the row with the time it ended.
CREATE TABLE story_publications (
    story_id INTEGER NOT NULL REFERENCES stories(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('school_site', 'office_site', 'press')),
    approved_by INTEGER NOT NULL REFERENCES people(id),
    published_at TEXT NOT NULL,
    unpublished_at TEXT,
    unpublished_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (story_id, purpose)
);
CREATE INDEX story_publications_live ON story_publications (purpose, published_at) WHERE unpublished_at IS NULL;
