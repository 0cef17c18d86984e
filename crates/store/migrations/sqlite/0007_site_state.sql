-- A site's headline state (domain::supervision::SiteState), worst first: its worst open
-- finding, then whether it answers, then the standard's verdict. Written with every run in the
-- transaction that records it, so the list filters and the overview counts by one column.
ALTER TABLE sites ADD COLUMN state TEXT NOT NULL DEFAULT 'not_yet_inspected'
    CHECK (state IN ('compromised', 'down', 'certificate_expired', 'fails_standard', 'fine', 'not_yet_inspected'));

-- The existing sites, derived as SiteState::derive does.
UPDATE sites SET state = CASE
    WHEN EXISTS (SELECT 1 FROM site_findings f WHERE f.site_id = sites.id AND f.state <> 'resolved'
        AND f.code IN ('spam_visible', 'spam_hidden', 'cloaking', 'malicious_redirect', 'spam_links')) THEN 'compromised'
    WHEN status = 'down' OR EXISTS (SELECT 1 FROM site_findings f WHERE f.site_id = sites.id
        AND f.state <> 'resolved' AND f.code = 'unreachable') THEN 'down'
    WHEN EXISTS (SELECT 1 FROM site_findings f WHERE f.site_id = sites.id AND f.state <> 'resolved'
        AND f.code = 'tls_expired') THEN 'certificate_expired'
    WHEN meets_standard = FALSE THEN 'fails_standard'
    WHEN meets_standard = TRUE THEN 'fine'
    ELSE 'not_yet_inspected'
END;

-- The list's order is the state's (SiteState::rank): compromised first, never inspected last.
UPDATE sites SET list_rank = CASE state
    WHEN 'compromised' THEN 0
    WHEN 'down' THEN 1
    WHEN 'certificate_expired' THEN 2
    WHEN 'fails_standard' THEN 3
    WHEN 'fine' THEN 4
    ELSE 5
END;

-- The overview counts states over a subtree from this index alone.
CREATE INDEX sites_scope_state ON sites (unit_path, active, state);
