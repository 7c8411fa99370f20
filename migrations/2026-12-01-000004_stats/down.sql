DROP INDEX report_events_escalated_idx;
DROP INDEX report_events_assigned_idx;
DROP STATISTICS reports_created_day_stats;
DROP INDEX reports_created_idx;
