-- A version per unit work queue, bumped whenever one of the unit's cases
-- changes or leaves it: cheap ETags and wake-ups for polling UPT staff.
CREATE TABLE unit_queues (
    unit_code  TEXT PRIMARY KEY,
    version    BIGINT NOT NULL DEFAULT 0,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION touch_unit_queue(unit TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_queues (unit_code, version, changed_at) VALUES (unit, 1, now())
    ON CONFLICT (unit_code) DO UPDATE SET version = unit_queues.version + 1, changed_at = now();
    PERFORM pg_notify('sigap_unit_queue', unit);
END $$;

CREATE FUNCTION report_touches_unit_queues() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.unit_code IS NOT NULL THEN
        PERFORM touch_unit_queue(NEW.unit_code);
    END IF;
    IF OLD.unit_code IS NOT NULL AND OLD.unit_code IS DISTINCT FROM NEW.unit_code THEN
        PERFORM touch_unit_queue(OLD.unit_code);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reports_unit_queue
    AFTER UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION report_touches_unit_queues();

-- The unit's work queue, urgent first.
CREATE INDEX reports_unit_queue_idx ON reports (
    unit_code,
    (CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END),
    created_at,
    id
);
