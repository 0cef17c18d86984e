-- Website supervision: the registry of units' public web properties, the domain inventory,
-- inspection standards, every inspection run, findings with their history, in-app
-- notifications, and job leases. SQLite dialect.

-- A running job holds a lease; a worker that dies stops renewing it and the job is taken again.
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
-- Finished jobs are pruned after a week (inspections alone queue tens of thousands a day).
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed');

CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    -- The owning unit's path, copied so that a subtree is one range of this table's own index
    -- (moving a unit moves it too, in the same transaction).
    unit_path TEXT NOT NULL DEFAULT '',
    -- Normalised: lower-case host, no default port, no fragment; one registration per URL.
    url TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('website', 'blog', 'forum', 'page')),
    name TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    full_interval_minutes BIGINT NOT NULL DEFAULT 1440,
    check_interval_minutes BIGINT NOT NULL DEFAULT 60,
    next_full_at TEXT NOT NULL,
    next_check_at TEXT NOT NULL,
    -- Runs in a row that found the site unreachable; checks back off while it grows.
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    -- The latest state, written by every run: the overview and the list read only this table.
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'up', 'down')),
    grade TEXT,
    score BIGINT,
    last_full_at TEXT,
    last_check_at TEXT,
    last_inspection_id BIGINT,
    cert_expires_at TEXT,
    compromised BOOLEAN NOT NULL DEFAULT FALSE,
    disclosure_gap BOOLEAN NOT NULL DEFAULT FALSE,
    meets_standard BOOLEAN,
    open_findings BIGINT NOT NULL DEFAULT 0,
    -- The alert states last announced ("down,cert_soon"), so only changes raise alerts.
    alert_flags TEXT NOT NULL DEFAULT '',
    -- The site list's order: 0 down, 1 failing the standard, 2 fine, 3 never inspected.
    list_rank BIGINT NOT NULL DEFAULT 3,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sites_unit ON sites (unit_id, id);
-- The overview reads only this index for a subtree; the list walks the second in its order.
CREATE INDEX sites_scope ON sites (unit_path, active, status, grade, meets_standard, compromised, disclosure_gap,
    cert_expires_at, open_findings);
CREATE INDEX sites_order ON sites (list_rank, id);
CREATE INDEX sites_due_full ON sites (next_full_at) WHERE active;
CREATE INDEX sites_due_check ON sites (next_check_at) WHERE active;
CREATE INDEX sites_host ON sites (host);

-- Registration data from RDAP, by domain name.
CREATE TABLE domains (
    name TEXT PRIMARY KEY,
    registration_expires_at TEXT,
    registrar TEXT NOT NULL DEFAULT '',
    checked_at TEXT,
    check_error TEXT NOT NULL DEFAULT ''
);

-- The inspection standard an office applies to its subtree; every change is a new version.
CREATE TABLE inspection_standards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    version BIGINT NOT NULL,
    rules TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    UNIQUE (unit_id, version)
);

-- "Inspect now" for one site or every site of a unit's subtree; progress is read from the sites.
CREATE TABLE inspection_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    site_id INTEGER REFERENCES sites(id),
    total BIGINT NOT NULL,
    requested_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL
);

-- Every run: a full inspection or an hourly reachability check.
CREATE TABLE site_inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('full', 'check')),
    job_id BIGINT,
    worker TEXT NOT NULL DEFAULT '',
    standard_id BIGINT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    reachable BOOLEAN NOT NULL,
    http_status BIGINT,
    grade TEXT,
    score BIGINT,
    cert_expires_at TEXT,
    pages_checked BIGINT NOT NULL DEFAULT 0,
    broken_links BIGINT NOT NULL DEFAULT 0,
    findings BIGINT NOT NULL DEFAULT 0,
    meets_standard BOOLEAN,
    elapsed_ms BIGINT NOT NULL DEFAULT 0,
    -- Header tests, certificate, broken links, feeds: JSON, capped in size.
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX site_inspections_site ON site_inspections (site_id, id);
-- Hourly checks are pruned after two weeks, and old runs' details slimmed, by age.
CREATE INDEX site_inspections_age ON site_inspections (finished_at);
-- A job's result is stored once, whoever ran it.
CREATE UNIQUE INDEX site_inspections_job ON site_inspections (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE site_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    -- open → acknowledged → fixed (claimed by the administrator) → resolved (confirmed by a run).
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'fixed', 'resolved')),
    evidence TEXT NOT NULL DEFAULT '',
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    resolved_at TEXT,
    acknowledged_by INTEGER REFERENCES people(id),
    acknowledged_at TEXT,
    fixed_by INTEGER REFERENCES people(id),
    fixed_at TEXT,
    -- How often a run found it again after it was marked fixed.
    reopened BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX site_findings_live ON site_findings (site_id, code) WHERE state <> 'resolved';
CREATE INDEX site_findings_state ON site_findings (state, site_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people(id),
    unit_id INTEGER REFERENCES units(id),
    site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    -- The same alert reaches a person once.
    dedup_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_person ON notifications (person_id, id);
