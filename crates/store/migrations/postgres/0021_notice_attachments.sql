-- The files a notice carries (the signed document, an annex), kept in the database beside the
-- notice so that a backup holds it whole. PostgreSQL dialect.
CREATE TABLE notice_attachments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL
);
CREATE INDEX notice_attachments_notice ON notice_attachments (notice_id, id);
