-- Notices (thông báo, công văn; T1.1): sent by an office or a department to the people of its
-- subtree that the audience names, each numbered in the issuing unit's sequence for the year
-- (Decree 30/2020: "12/TB-PGDĐT"); and the automatic ones a change records beside the mail it
-- sends (a plan published or changed, a school's plan or report returned), unnumbered.
CREATE TABLE notices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- The issuing unit's ancestry path: its senders are those who send notices above.
    unit_path TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'notice'
        CHECK (kind IN ('notice', 'plan_published', 'plan_changed', 'plan_returned', 'report_returned')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- What an automatic notice is about, inside the application ('/ke-hoach/3'); '' for a sent one.
    link TEXT NOT NULL DEFAULT '',
    -- The audience as chosen (JSON: unit ids, kinds, levels, roles), for the record.
    audience TEXT NOT NULL,
    ack_required BOOLEAN NOT NULL DEFAULT FALSE,
    -- The day by which it should be read (and acknowledged), Vietnam time; NULL: none.
    due_on DATE,
    -- The number of a sent notice; NULL for an automatic one.
    doc_sequence BIGINT,
    doc_issuer TEXT,
    doc_year BIGINT,
    -- How many people it was addressed to, fixed when sent.
    recipients BIGINT NOT NULL,
    -- How many of them read it and acknowledged it: kept by the same UPDATE that marks a
    -- person, so the sender's counts never scan the recipients.
    read_count BIGINT NOT NULL DEFAULT 0,
    ack_count BIGINT NOT NULL DEFAULT 0,
    -- When those who had not read it by the due day were reminded (once).
    reminded_at TIMESTAMPTZ,
    created_by BIGINT REFERENCES people(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX notices_number ON notices (unit_id, doc_year, doc_sequence);
CREATE INDEX notices_unit_path ON notices (unit_path, id);
CREATE INDEX notices_due ON notices (due_on) WHERE reminded_at IS NULL;

-- Who a notice was addressed to, with the unit where they hold the addressed role (for the
-- per-school counts), when they read and acknowledged it, and when its notification and mail
-- were written (by the delivery job, in batches, so sending returns at once).
CREATE TABLE notice_recipients (
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    read_at TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    PRIMARY KEY (notice_id, person_id)
);
CREATE INDEX notice_recipients_person ON notice_recipients (person_id, notice_id);
CREATE INDEX notice_recipients_unit ON notice_recipients (notice_id, unit_id);
CREATE INDEX notice_recipients_undelivered ON notice_recipients (notice_id) WHERE delivered_at IS NULL;
