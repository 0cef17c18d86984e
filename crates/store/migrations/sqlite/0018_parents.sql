-- Parents and their classes (S3.3, T5.2), and what a notice to a million families needs. SQLite
-- dialect.

-- SQLite cannot alter a CHECK constraint: the grants table is rebuilt (nothing references it).
CREATE TABLE role_grants_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system_admin', 'office_admin', 'office_head', 'principal', 'teacher',
        'website_admin', 'collaborator', 'parent_rep', 'incident_lead', 'parent')),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    created_at TEXT NOT NULL,
    UNIQUE (person_id, role, unit_id)
);
INSERT INTO role_grants_new (id, person_id, role, unit_id, created_at)
SELECT id, person_id, role, unit_id, created_at FROM role_grants;
DELETE FROM sqlite_sequence WHERE name = 'role_grants_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'role_grants_new', seq FROM sqlite_sequence WHERE name = 'role_grants';
DROP TABLE role_grants;
ALTER TABLE role_grants_new RENAME TO role_grants;
CREATE INDEX role_grants_unit ON role_grants (unit_id);
-- A notice to the parents of a province reads the grants by role, then by place.
CREATE INDEX role_grants_role ON role_grants (role, unit_id, person_id);

-- A class's invitation: the code its parents sign up with, until it expires or is revoked.
-- Nothing about a pupil: the class is a name ("4B") and its grade.
CREATE TABLE class_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    class_name TEXT NOT NULL,
    grade BIGINT NOT NULL,
    -- As printed ("7KQ2-MX9A"); unique for ever, so an old slip never opens a new class.
    code TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    -- How many parents joined with it.
    joined BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX class_invitations_unit ON class_invitations (unit_id, class_name, id);

-- A parent's class: the parent's role is held at the school while they have one here.
CREATE TABLE parent_classes (
    person_id INTEGER NOT NULL REFERENCES people(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    class_name TEXT NOT NULL,
    grade BIGINT NOT NULL,
    invitation_id INTEGER REFERENCES class_invitations(id),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (person_id, unit_id, class_name)
);
CREATE INDEX parent_classes_class ON parent_classes (unit_id, class_name, person_id);
CREATE INDEX parent_classes_grade ON parent_classes (unit_id, grade, person_id);

-- A notice's readings per unit, kept by the statements that address and mark people, so the
-- sender's page reads one row per school however many families were addressed.
CREATE TABLE notice_units (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    recipients BIGINT NOT NULL,
    read_count BIGINT NOT NULL DEFAULT 0,
    ack_count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (notice_id, unit_id)
);
INSERT INTO notice_units (notice_id, unit_id, recipients, read_count, ack_count)
SELECT notice_id, unit_id, COUNT(*), COUNT(read_at), COUNT(acknowledged_at)
FROM notice_recipients GROUP BY notice_id, unit_id;

-- Delivery walks the recipients not yet told in key order, a batch at a time.
DROP INDEX notice_recipients_undelivered;
CREATE INDEX notice_recipients_undelivered ON notice_recipients (notice_id, person_id) WHERE delivered_at IS NULL;
-- The sender's list of recipients: those who have not read first, in a stable order.
CREATE INDEX notice_recipients_reading ON notice_recipients (notice_id, read_at, person_id);
-- Only notices with a due day wait for a reminder.
DROP INDEX notices_due;
CREATE INDEX notices_due ON notices (due_on) WHERE reminded_at IS NULL AND due_on IS NOT NULL;
-- A teacher's own notices to the parents of a class.
CREATE INDEX notices_created_by ON notices (created_by, id);
