-- Incidents: categories (data, with the defaults), cases, their history, the views of restricted
-- cases, and the public form's per-address counts. The role of incident lead is added. PostgreSQL dialect.

ALTER TABLE role_grants DROP CONSTRAINT role_grants_role_check;
ALTER TABLE role_grants ADD CONSTRAINT role_grants_role_check
    CHECK (role IN ('system_admin', 'office_admin', 'office_head', 'principal', 'teacher',
        'website_admin', 'collaborator', 'parent_rep', 'incident_lead'));

CREATE TABLE incident_categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Every case of the category is restricted (its details reach only its handlers and leads).
    restricted BOOLEAN NOT NULL DEFAULT FALSE,
    -- Urgent by rule: the principal and the office's leads are alerted at once.
    urgent BOOLEAN NOT NULL DEFAULT FALSE,
    -- Feedback or a question, answered rather than investigated.
    feedback BOOLEAN NOT NULL DEFAULT FALSE,
    position BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
INSERT INTO incident_categories (code, name, restricted, urgent, feedback, position) VALUES
    ('cyberbullying', 'Bắt nạt trên mạng', FALSE, FALSE, FALSE, 1),
    ('image_without_consent', 'Quay, chụp, phát tán hình ảnh hoặc clip khi chưa được đồng ý', FALSE, FALSE, FALSE, 2),
    ('phone_rules', 'Vi phạm quy định sử dụng điện thoại ở trường', FALSE, FALSE, FALSE, 3),
    ('scam', 'Lừa đảo trực tuyến (kể cả tin nhắn mạo danh nhà trường)', FALSE, FALSE, FALSE, 4),
    ('false_information', 'Thông tin sai sự thật về nhà trường, về ngành', FALSE, FALSE, FALSE, 5),
    ('child_exploitation', 'Xâm hại tình dục, dụ dỗ, lôi kéo trẻ em qua mạng', TRUE, TRUE, FALSE, 6),
    ('gambling', 'Cờ bạc, cá độ có học sinh tham gia', FALSE, FALSE, FALSE, 7),
    ('website_compromised', 'Website của trường, của ngành bị xâm nhập hoặc bị thay đổi nội dung', FALSE, FALSE, FALSE, 8),
    ('data_leak', 'Lộ lọt dữ liệu cá nhân', FALSE, FALSE, FALSE, 9),
    ('feedback', 'Góp ý, câu hỏi về chính sách', FALSE, FALSE, TRUE, 10),
    ('other', 'Việc khác', FALSE, FALSE, FALSE, 11);

CREATE TABLE incidents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- The unit's path, copied so that a subtree is one range of this table's own index (moving
    -- a unit moves it too, in the same transaction).
    unit_path TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES incident_categories(code),
    severity TEXT NOT NULL CHECK (severity IN ('urgent', 'high', 'normal')),
    state TEXT NOT NULL CHECK (state IN ('received', 'triaged', 'in_progress', 'waiting', 'referred', 'resolved', 'closed')),
    restricted BOOLEAN NOT NULL,
    -- 'account': a signed-in person; 'public': the public form, with a receipt code.
    source TEXT NOT NULL CHECK (source IN ('account', 'public')),
    -- The details, emptied by the retention purge (purged_at).
    description TEXT NOT NULL,
    links TEXT NOT NULL DEFAULT '',
    happened_on DATE,
    affected TEXT NOT NULL DEFAULT '',
    child_in_danger BOOLEAN NOT NULL DEFAULT FALSE,
    reporter_id BIGINT REFERENCES people(id),
    -- An e-mail address the public reporter asked replies to be sent to; empty otherwise.
    reporter_contact TEXT NOT NULL DEFAULT '',
    -- SHA-256 of the public receipt code.
    receipt_hash TEXT UNIQUE,
    handler_id BIGINT REFERENCES people(id),
    outcome TEXT NOT NULL DEFAULT '',
    referral TEXT NOT NULL DEFAULT '',
    referral_ref TEXT NOT NULL DEFAULT '',
    spam BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    received_at TIMESTAMPTZ NOT NULL,
    responded_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    -- The clocks' due times as of the last change; NULL while the case waits (the clocks stand
    -- still) or once met. Lists and the dashboard filter on them.
    response_due_at TIMESTAMPTZ,
    resolution_due_at TIMESTAMPTZ,
    -- 0: nobody told yet; 1: the principal was told the case is overdue; 2: the office too.
    escalation BIGINT NOT NULL DEFAULT 0,
    purged_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incidents_scope ON incidents (unit_path, received_at);
CREATE INDEX incidents_unit ON incidents (unit_id, state);
CREATE INDEX incidents_reporter ON incidents (reporter_id);
CREATE INDEX incidents_handler ON incidents (handler_id);
CREATE INDEX incidents_overdue ON incidents (resolution_due_at) WHERE state NOT IN ('resolved', 'closed');
CREATE INDEX incidents_closed ON incidents (closed_at) WHERE purged_at IS NULL;

-- A case's history: every move, note and reply, in order.
CREATE TABLE incident_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    at TIMESTAMPTZ NOT NULL,
    actor_person_id BIGINT REFERENCES people(id),
    actor TEXT NOT NULL,
    -- created, moved, note, reply, escalated, spam, purged
    event TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_case ON incident_events (incident_id, id);

-- Who opened a restricted case's details, and when: shown on the case.
CREATE TABLE incident_views (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_views_case ON incident_views (incident_id, at);

-- Public reports per address and hour, the address kept only as a keyed hash.
CREATE TABLE public_report_counts (
    address_key TEXT NOT NULL,
    hour_start TIMESTAMPTZ NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (address_key, hour_start)
);
