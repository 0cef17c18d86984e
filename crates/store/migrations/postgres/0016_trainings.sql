-- Trainings (tập huấn, S2.2, S3.2, T1.5): scheduled by an office or a school for people of its
-- subtree. `questions` is a snapshot of the test lesson's quiz ('[]' without a test), so a
-- lesson edited later does not change what the pre- and post-tests compare.
CREATE TABLE trainings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- The organizing unit's ancestry path: its organizers are those managing trainings above.
    unit_path TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    minutes BIGINT NOT NULL,
    place TEXT,
    online_link TEXT,
    capacity BIGINT NOT NULL,
    -- Registrations so far: checked against capacity by the registering UPDATE itself.
    registered BIGINT NOT NULL DEFAULT 0,
    -- Role names and unit ids separated by spaces, as scheduled.
    audience_roles TEXT NOT NULL,
    audience_units TEXT NOT NULL,
    webadmins_with_findings BOOLEAN NOT NULL DEFAULT FALSE,
    -- Lesson ids separated by spaces.
    materials TEXT NOT NULL,
    test_lesson_id TEXT,
    questions TEXT NOT NULL,
    -- Six digits shown by the organizer in the room, typed by those present.
    attendance_code TEXT NOT NULL,
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    -- Why it was cancelled, as the organizer wrote it for the people invited.
    cancel_reason TEXT,
    created_by BIGINT REFERENCES people(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX trainings_unit_path ON trainings (unit_path, id);

-- Who was invited when it was scheduled: the right to see the training and to register.
CREATE TABLE training_invitations (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (training_id, person_id)
);
CREATE INDEX training_invitations_person ON training_invitations (person_id, training_id);

-- Registrations and attendance. No answer and no score of a person is kept: only whether they
-- took each test (the tallies below hold the group's counts).
CREATE TABLE training_registrations (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    registered_at TIMESTAMPTZ NOT NULL,
    attended_at TIMESTAMPTZ,
    attendance_by TEXT CHECK (attendance_by IN ('code', 'hand')),
    pre_done BOOLEAN NOT NULL DEFAULT FALSE,
    post_done BOOLEAN NOT NULL DEFAULT FALSE,
    certificate_code TEXT UNIQUE,
    PRIMARY KEY (training_id, person_id)
);
CREATE INDEX training_registrations_person ON training_registrations (person_id, training_id);

-- Per training, per test (pre, post), per question: how many answered and how many were right.
CREATE TABLE training_tallies (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    phase TEXT NOT NULL CHECK (phase IN ('pre', 'post')),
    question BIGINT NOT NULL,
    right_count BIGINT NOT NULL DEFAULT 0,
    answered BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (training_id, phase, question)
);
