-- The office's case list, its overdue filter and the coverage totals read the cases of a subtree
-- from this index alone; the old (unit_path, received_at) index is a prefix of this one.
CREATE INDEX incidents_scope_cover ON incidents (unit_path) INCLUDE (spam, received_at, id, state, category, responded_at, response_due_at, resolution_due_at);
DROP INDEX incidents_scope;

-- The coverage dashboard counts a page of schools' cases by their clocks, and the report's
-- pre-fill a school's cases of a year: both from this index alone.
CREATE INDEX incidents_by_unit ON incidents (unit_id, spam, received_at) INCLUDE (state, responded_at, response_due_at, resolved_at, resolution_due_at);
DROP INDEX incidents_unit;

-- The sector's working time for the cases' clocks, one row, edited by the system administrator.
-- Without a row the built-in Vietnamese default applies.
CREATE TABLE incident_working_time (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    -- "HH:MM", Vietnam time.
    day_start TEXT NOT NULL,
    day_end TEXT NOT NULL,
    -- ISO weekday numbers (1 = Monday), separated by spaces.
    weekdays TEXT NOT NULL,
    -- Days off as "YYYY-MM-DD", separated by spaces.
    holidays TEXT NOT NULL,
    updated_by BIGINT REFERENCES people(id),
    updated_at TIMESTAMPTZ NOT NULL
);

-- Links from a case to another case or to a supervision finding. A link is shown from both ends.
CREATE TABLE incident_links (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('incident', 'finding')),
    target_id BIGINT NOT NULL,
    linked_by BIGINT REFERENCES people(id),
    linked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, target_kind, target_id)
);
CREATE INDEX incident_links_target ON incident_links (target_kind, target_id);

-- Evidence files attached by staff and collaborators, kept with the case and deleted when the
-- case's details are purged.
CREATE TABLE incident_attachments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by BIGINT REFERENCES people(id),
    uploaded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_attachments_case ON incident_attachments (incident_id, id);
