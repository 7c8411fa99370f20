-- What routing and polling cost the database during a flood of reports.

-- Unit loads and work-queue versions follow the reports once per statement,
-- not once per row: the worker assigns a batch of reports in one UPDATE, and
-- row triggers updated the same few unit rows again for every report of it.
DROP TRIGGER reports_unit_load ON reports;
DROP TRIGGER reports_unit_queue ON reports;

CREATE FUNCTION follow_report_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unit TEXT;
BEGIN
    -- units.open_cases: minus the cases that were open, plus those now open
    -- (a case that stays open at the same unit cancels out).
    UPDATE units u SET open_cases = u.open_cases + d.delta
    FROM (
        SELECT unit_code, sum(delta)::int AS delta
        FROM (
            SELECT unit_code, -1 AS delta FROM old_reports
            WHERE unit_code IS NOT NULL
              AND status IN ('assigned', 'acknowledged', 'assessing', 'in_service')
            UNION ALL
            SELECT unit_code, 1 FROM new_reports
            WHERE unit_code IS NOT NULL
              AND status IN ('assigned', 'acknowledged', 'assessing', 'in_service')
        ) changes
        GROUP BY unit_code
        HAVING sum(delta) <> 0
    ) d
    WHERE u.code = d.unit_code;

    -- unit_queues: one bump (and one wake-up) per queue a case changed in or left.
    FOR unit IN
        SELECT n.unit_code FROM new_reports n WHERE n.unit_code IS NOT NULL
        UNION
        SELECT o.unit_code FROM old_reports o JOIN new_reports n USING (id)
        WHERE o.unit_code IS NOT NULL AND o.unit_code IS DISTINCT FROM n.unit_code
        ORDER BY 1
    LOOP
        PERFORM touch_unit_queue(unit);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER reports_follow_changes
    AFTER UPDATE ON reports
    REFERENCING OLD TABLE AS old_reports NEW TABLE AS new_reports
    FOR EACH STATEMENT EXECUTE FUNCTION follow_report_changes();

-- Each routing decision keeps its explanation (every candidate unit and why
-- it lost, about 4 KB of JSON): lz4 compresses it several times faster than
-- the default pglz, at about the same size.
ALTER TABLE report_events ALTER COLUMN details SET COMPRESSION lz4;

-- A page of a unit's work queue, urgent first, then oldest first. It always
-- walks reports_unit_queue_idx in order and stops at the page's end: right
-- after a flood of assignments the table's statistics lag behind (they still
-- say the unit has few cases), and the planner would otherwise read every
-- open case of the unit and sort them for each poll (27 ms instead of 0.7 ms
-- for 8,000 cases). Lists of rare statuses (closed) walk the unit's cases
-- until the page is full.
CREATE FUNCTION unit_queue_page(unit TEXT, statuses TEXT[], only_urgency TEXT, changed_since TIMESTAMPTZ,
        after_rank INT, after_created TIMESTAMPTZ, after_id UUID, page_size BIGINT)
RETURNS TABLE (id UUID, ticket TEXT, status TEXT, category TEXT, need TEXT, urgency TEXT, region_code TEXT,
        beneficiary_count INT, sla_due_at TIMESTAMPTZ, escalation_level INT, version INT,
        created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, assigned_at TIMESTAMPTZ, acknowledged_at TIMESTAMPTZ,
        rank INT)
LANGUAGE sql STABLE
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
    SELECT r.id, r.ticket, r.status, r.category, r.need, r.urgency, r.region_code, r.beneficiary_count,
           r.sla_due_at, r.escalation_level, r.version, r.created_at, r.updated_at, r.assigned_at,
           r.acknowledged_at, (CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END)
    FROM reports r
    WHERE r.unit_code = unit
      AND r.status = ANY(statuses)
      AND (only_urgency IS NULL OR r.urgency = only_urgency)
      AND (changed_since IS NULL OR r.updated_at > changed_since)
      AND (after_rank IS NULL OR ((CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END), r.created_at, r.id)
            > (after_rank, after_created, after_id))
    ORDER BY (CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END), r.created_at, r.id
    LIMIT page_size
$$;
