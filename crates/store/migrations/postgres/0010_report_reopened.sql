-- A reopened report is its own state ("Được mở lại"), no longer "returned".
ALTER TABLE reports DROP CONSTRAINT reports_status_check;
ALTER TABLE reports ADD CONSTRAINT reports_status_check
    CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'reopened'));

-- Reports reopened before this state existed were stored as returned: their last step tells.
UPDATE reports SET status = 'reopened'
WHERE status = 'returned'
  AND (SELECT e.event FROM report_events e WHERE e.report_id = reports.id AND e.event <> 'saved'
       ORDER BY e.at DESC, e.id DESC LIMIT 1) = 'reopened';
