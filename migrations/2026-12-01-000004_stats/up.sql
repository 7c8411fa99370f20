-- GET /v1/stats reads the reports filed in a range of time, for the whole
-- country too (provinces and regencies have their own indexes) ...
CREATE INDEX reports_created_idx ON reports (created_at);
-- ... counts them by UTC day: with the number of distinct days known,
-- PostgreSQL hashes that grouping instead of sorting every report ...
CREATE STATISTICS reports_created_day_stats ON ((created_at AT TIME ZONE 'UTC')::date) FROM reports;
-- ... looks up the first assignment of the cases that changed units ...
CREATE INDEX report_events_assigned_idx ON report_events (report_id, created_at) WHERE kind = 'assigned';
-- ... and counts the escalations among them, few next to the rest of the history.
CREATE INDEX report_events_escalated_idx ON report_events (report_id) WHERE kind = 'escalated';
