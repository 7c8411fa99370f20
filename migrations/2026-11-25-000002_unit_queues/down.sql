DROP INDEX reports_unit_queue_idx;
DROP TRIGGER reports_unit_queue ON reports;
DROP FUNCTION report_touches_unit_queues();
DROP FUNCTION touch_unit_queue(TEXT);
DROP TABLE unit_queues;
