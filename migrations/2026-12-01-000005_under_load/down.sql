DROP FUNCTION unit_queue_page(TEXT, TEXT[], TEXT, TIMESTAMPTZ, INT, TIMESTAMPTZ, UUID, BIGINT);
ALTER TABLE report_events ALTER COLUMN details SET COMPRESSION pglz;

DROP TRIGGER reports_follow_changes ON reports;
DROP FUNCTION follow_report_changes();

CREATE TRIGGER reports_unit_load
    AFTER UPDATE OF status, unit_code ON reports
    FOR EACH ROW EXECUTE FUNCTION maintain_unit_load();
CREATE TRIGGER reports_unit_queue
    AFTER UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION report_touches_unit_queues();
