-- Counts by every grouping in one pass over the reports filed in [$1, $2)
-- in the area (the placeholder stands for the area's condition on $3). $4: the
-- statuses of reports that reached service; $5: the open statuses (not yet
-- finished), counted as `open`. `dimension` names the grouping
-- set; lists come sorted by count descending then key, days by day. The
-- grouping expressions are written out (not taken from a subquery) so that
-- PostgreSQL sees the statistics on the day and hashes every set. SLA
-- compliance (`due`, `met`) measures the units' work on every report,
-- duplicates included.
WITH groups AS (
    SELECT CASE WHEN GROUPING(r.province_code) = 0 THEN 'province'
                WHEN GROUPING(CASE WHEN r.region_code <> r.province_code THEN r.region_code END) = 0 THEN 'regency'
                WHEN GROUPING(r.category) = 0 THEN 'category'
                WHEN GROUPING(r.need) = 0 THEN 'need'
                WHEN GROUPING(r.urgency) = 0 THEN 'urgency'
                WHEN GROUPING(r.unit_code) = 0 THEN 'unit'
                WHEN GROUPING(r.status) = 0 THEN 'status'
                WHEN GROUPING((r.created_at AT TIME ZONE 'UTC')::date) = 0 THEN 'day'
                ELSE 'total' END AS dimension,
           COALESCE(r.province_code, CASE WHEN r.region_code <> r.province_code THEN r.region_code END,
                    r.category, r.need, r.urgency, r.unit_code, r.status,
                    ((r.created_at AT TIME ZONE 'UTC')::date)::text) AS key,
           -- A duplicate (merged into the report kept) is not a case of its
           -- own and its people are counted on the kept one: only the counts
           -- by status show duplicates.
           CASE WHEN GROUPING(r.status) = 0 THEN count(*)
                ELSE count(*) FILTER (WHERE r.status <> 'duplicate') END AS count,
           COALESCE(sum(r.beneficiary_count) FILTER (WHERE r.status <> 'duplicate'), 0)::bigint AS reported,
           COALESCE(sum(r.beneficiary_count)
                        FILTER (WHERE r.status = ANY ($4::text[])), 0)::bigint AS served,
           count(*) FILTER (WHERE r.sla_due_at IS NOT NULL
                                AND (r.acknowledged_at IS NOT NULL
                                     OR r.sla_due_at < LEAST(now(), r.cancelled_at))) AS due,
           count(*) FILTER (WHERE r.acknowledged_at <= r.sla_due_at) AS met,
           count(*) FILTER (WHERE r.status = ANY ($5::text[])) AS open
    FROM reports r
    WHERE r.created_at >= $1 AND r.created_at < $2 AND {area}
    GROUP BY GROUPING SETS ((), (r.province_code), (CASE WHEN r.region_code <> r.province_code THEN r.region_code END),
                            (r.category), (r.need), (r.urgency), (r.unit_code), (r.status),
                            ((r.created_at AT TIME ZONE 'UTC')::date))
)
SELECT g.dimension, g.key, COALESCE(rg.name, u.name, g.key) AS label,
       g.count, g.reported, g.served, g.due, g.met, g.open
FROM groups g
LEFT JOIN regions rg ON g.dimension IN ('province', 'regency') AND rg.code = g.key
LEFT JOIN units u ON g.dimension = 'unit' AND u.code = g.key
WHERE g.key IS NOT NULL OR g.dimension = 'total'
ORDER BY g.dimension, CASE WHEN g.dimension = 'day' THEN g.key END, g.count DESC, g.key
