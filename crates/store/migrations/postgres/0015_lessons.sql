-- Lessons an office adapted from a built-in one or wrote itself, published to its subtree.
-- The built-in lessons ship with the binary and are not stored. `content` is the current
-- version as JSON (domain::lesson::LessonContent); every saved version is kept.
CREATE TABLE lessons (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- The issuing unit's ancestry path: published lessons reach the units under it.
    unit_path TEXT NOT NULL,
    -- The built-in lesson or the stored lesson ("lesson:<id>") it was adapted from.
    based_on TEXT,
    topic TEXT NOT NULL,
    band TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    title TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    -- Requirement ids separated by spaces, e.g. "S1.3 S2.1".
    requirements TEXT NOT NULL,
    version BIGINT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    content TEXT NOT NULL,
    created_by BIGINT REFERENCES people(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX lessons_unit ON lessons (unit_id, id);

CREATE TABLE lesson_versions (
    lesson_id BIGINT NOT NULL REFERENCES lessons(id),
    version BIGINT NOT NULL,
    content TEXT NOT NULL,
    saved_by BIGINT REFERENCES people(id),
    saved_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lesson_id, version)
);

-- A class taking a lesson's quiz: no pupil accounts and no pupil data. The questions are a
-- snapshot taken at the start, so a lesson edited meanwhile does not change an open quiz.
CREATE TABLE class_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Six digits a class types to join; unique among open sessions only.
    code TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    teacher_id BIGINT NOT NULL REFERENCES people(id),
    lesson_id TEXT NOT NULL,
    lesson_title TEXT NOT NULL,
    topic TEXT NOT NULL,
    band TEXT NOT NULL,
    class_name TEXT NOT NULL,
    pupils_present BIGINT NOT NULL,
    questions TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    joined BIGINT NOT NULL DEFAULT 0,
    answered BIGINT NOT NULL DEFAULT 0,
    -- Quiz sheets the teacher counted by hand, added to `answered` in the results.
    sheets BIGINT NOT NULL DEFAULT 0,
    opened_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    activity_id BIGINT REFERENCES activities(id)
);
CREATE UNIQUE INDEX class_sessions_open_code ON class_sessions (code) WHERE state = 'open';
CREATE INDEX class_sessions_teacher ON class_sessions (teacher_id, id);
CREATE INDEX class_sessions_unit ON class_sessions (unit_id, id);

-- Who joined an open session: a random token and, if the pupil typed one, a nickname. Every row
-- of a session is deleted when it closes.
CREATE TABLE class_session_participants (
    session_id BIGINT NOT NULL REFERENCES class_sessions(id),
    token TEXT NOT NULL,
    nickname TEXT,
    answered BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (session_id, token)
);

-- The class's answers, counted: how many chose each choice of each question. Choice -1 counts
-- wrong answers the teacher tallied by hand without saying which choice.
CREATE TABLE class_session_tallies (
    session_id BIGINT NOT NULL REFERENCES class_sessions(id),
    question BIGINT NOT NULL,
    choice BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (session_id, question, choice)
);
