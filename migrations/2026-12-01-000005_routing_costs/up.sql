-- What routing a batch of reports costs the database.

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
