-- Who a review told, as the reviewer was shown it ("Đã báo cho …" or "chưa ai nhận được"):
-- kept with the step so the history stays truthful after the school's accounts change.
ALTER TABLE report_events ADD COLUMN notified TEXT NOT NULL DEFAULT '';
ALTER TABLE school_plans ADD COLUMN review_notified TEXT NOT NULL DEFAULT '';
