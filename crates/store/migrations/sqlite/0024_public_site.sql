-- The public site of every office and school (issue 15): a story's photos (kept re-encoded,
-- their bytes dropped once no purpose covers them), the parent account a school asks for a
-- pupil's consent in the app, and visits counted by day only. SQLite dialect.
ALTER TABLE story_subjects ADD COLUMN parent_id INTEGER REFERENCES people(id);

CREATE TABLE story_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id INTEGER NOT NULL REFERENCES stories(id),
    position BIGINT NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    -- Both JPEG, re-encoded from the upload: no metadata survives. NULL once deleted.
    large BLOB,
    small BLOB,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX story_photos_story ON story_photos (story_id, position);

-- How many pages of a unit's public site were served each day (Vietnam's date); nothing about
-- who asked.
CREATE TABLE public_visits (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    day TEXT NOT NULL,
    visits BIGINT NOT NULL,
    PRIMARY KEY (unit_id, day)
);

-- The newest withdrawal per purpose dates a public page's last change.
CREATE INDEX story_publications_ended ON story_publications (purpose, unpublished_at);
