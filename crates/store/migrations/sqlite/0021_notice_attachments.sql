-- The files a notice carries (the signed document, an annex), kept in the database beside the
-- notice so that a backup holds it whole. SQLite dialect.
CREATE TABLE notice_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE INDEX notice_attachments_notice ON notice_attachments (notice_id, id);
