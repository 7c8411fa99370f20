-- Stage deadlines of the reports filed in [$1, $2) in the area (the
-- placeholder stands for the area's condition on $3), by stage: met (left
-- forward by the due time), missed (left forward late, or closed otherwise
-- after the due time: escalated, triaged, cancelled late) and still open
-- past the due time.
SELECT d.stage,
       count(*) FILTER (WHERE d.met_at IS NOT NULL AND d.met_at <= d.due_at) AS met,
       count(*) FILTER (WHERE d.met_at > d.due_at
                           OR (d.met_at IS NULL AND d.closed_at > d.due_at)) AS missed,
       count(*) FILTER (WHERE d.closed_at IS NULL AND d.due_at < now()) AS open_overdue
FROM report_deadlines d
JOIN reports r ON r.id = d.report_id
WHERE r.created_at >= $1 AND r.created_at < $2 AND {area}
GROUP BY d.stage
