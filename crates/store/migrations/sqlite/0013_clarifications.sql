-- Clarifications (S2.3): the facts a unit publishes in answer to false information, written by
-- the office or a principal, approved by an office head, public once published; a withdrawn
-- one stays addressable with a notice.
CREATE TABLE clarifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    -- The false-information case it answers, if any.
    incident_id INTEGER REFERENCES incidents(id),
    title TEXT NOT NULL,
    claim TEXT NOT NULL,
    facts TEXT NOT NULL,
    -- One source a line (addresses or references).
    sources TEXT NOT NULL DEFAULT '',
    -- Related sector news entries, ids separated by spaces.
    news_ids TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
    written_by INTEGER REFERENCES people(id),
    approved_by INTEGER REFERENCES people(id),
    published_at TEXT,
    withdrawn_at TEXT,
    withdraw_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX clarifications_scope ON clarifications (unit_path, created_at);
CREATE INDEX clarifications_published ON clarifications (published_at) WHERE state <> 'draft';
