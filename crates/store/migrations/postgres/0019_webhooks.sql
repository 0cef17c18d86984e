-- Outbound webhooks: an office's messaging provider receives its notices, signed, with a
-- delivery log. PostgreSQL dialect.

CREATE TABLE webhooks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The office whose notices (and those of the units below it) are posted.
    unit_id BIGINT NOT NULL REFERENCES units(id),
    url TEXT NOT NULL,
    -- Needed whole to sign each attempt; shown to people only at creation.
    secret TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES people(id),
    created_at TIMESTAMPTZ NOT NULL,
    disabled_at TIMESTAMPTZ
);
CREATE INDEX webhooks_unit ON webhooks (unit_id, id);

CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks(id),
    event TEXT NOT NULL CHECK (event IN ('notice.sent', 'ping')),
    notice_id BIGINT REFERENCES notices(id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    -- While queued: not before this (the quiet hours, a retry's backoff, a claim's lease).
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    -- The receiver's last answer code; NULL when it never answered.
    last_status BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ
);
-- One delivery of a notice per connection, however often sending is retried.
CREATE UNIQUE INDEX webhook_deliveries_notice ON webhook_deliveries (webhook_id, notice_id) WHERE notice_id IS NOT NULL;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
-- Due work, and the one in front of each connection's line (deliveries go out in order).
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX webhook_deliveries_line ON webhook_deliveries (webhook_id, id) WHERE status = 'queued';

CREATE TABLE webhook_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id),
    attempted_at TIMESTAMPTZ NOT NULL,
    status_code BIGINT,
    error TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
