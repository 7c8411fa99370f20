-- Escalations of the reports filed in [$1, $2) in the area (the placeholder stands
-- for the area's condition on $3), as missed SLA periods of the unit that
-- lost the case, overall, by that unit and by urgency. Every escalation
-- raises `escalation_level`, so only those reports are joined.
WITH missed AS (
    SELECT e.details->>'missed_by' AS unit_code, r.urgency
    FROM report_events e
    JOIN reports r ON r.id = e.report_id
    WHERE e.kind = 'escalated' AND r.escalation_level > 0 AND r.created_at >= $1 AND r.created_at < $2 AND {area}
), groups AS (
    SELECT CASE WHEN GROUPING(unit_code) = 0 THEN 'unit'
                WHEN GROUPING(urgency) = 0 THEN 'urgency'
                ELSE 'total' END AS dimension,
           COALESCE(unit_code, urgency) AS key,
           count(*) AS count
    FROM missed
    GROUP BY GROUPING SETS ((), (unit_code), (urgency))
)
SELECT g.dimension, g.key, COALESCE(u.name, g.key) AS label, g.count
FROM groups g
LEFT JOIN units u ON g.dimension = 'unit' AND u.code = g.key
WHERE g.key IS NOT NULL OR g.dimension = 'total'
