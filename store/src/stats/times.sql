-- Median and 90th percentile of each duration, over the reports filed in
-- [$1, $2) in the area (the placeholder stands for the area's condition on $3). The
-- first assignment of a case that has changed units is read from its history
-- (`assigned_at` holds the latest one).
SELECT count(t.to_assign) AS assign_count,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.to_assign) AS assign,
       count(t.to_acknowledge) AS acknowledge_count,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.to_acknowledge) AS acknowledge,
       count(t.to_resolve) AS resolve_count,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.to_resolve) AS resolve
FROM reports r
LEFT JOIN LATERAL (
    SELECT e.created_at AS at FROM report_events e
    WHERE cardinality(r.previous_units) > 0 AND e.report_id = r.id AND e.kind = 'assigned'
    ORDER BY e.created_at LIMIT 1
) first ON TRUE
CROSS JOIN LATERAL (VALUES (
    date_part('epoch', COALESCE(first.at, r.assigned_at) - r.created_at),
    date_part('epoch', r.acknowledged_at - r.created_at),
    date_part('epoch', r.resolved_at - r.created_at)
)) AS t (to_assign, to_acknowledge, to_resolve)
WHERE r.created_at >= $1 AND r.created_at < $2 AND {area}
