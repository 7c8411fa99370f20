-- Case work of the reports filed in [$1, $2) in the area (the placeholder
-- stands for the area's condition on $3), duplicates left out (their people
-- are counted on the report kept). $4: the Washington Group answers that
-- count as a difficulty.
--
-- People: assessed (at least one assessment) and served (status `served`),
-- in one pass grouped by place, sex, age band, the set of their
-- disabilities and the set of domains where their latest assessment
-- (`beneficiaries.functioning`, kept by a trigger) reports a difficulty;
-- the store spreads a set over its members (a person counts once under
-- each), which keeps the sets few and the pass one.
--
-- Services: planned (not cancelled) and delivered, with the quantity handed
-- over, in one pass by component, device, place and unit; and the median
-- days from filing (the filing day in Western Indonesia Time) to a case's
-- first delivery.
WITH counted AS MATERIALIZED (
    SELECT r.id, r.created_at, r.province_code,
           CASE WHEN r.region_code <> r.province_code THEN r.region_code END AS regency_code
    FROM reports r
    WHERE r.created_at >= $1 AND r.created_at < $2 AND {area} AND r.status <> 'duplicate'
), people AS (
    SELECT c.province_code, c.regency_code,
           COALESCE(b.sex, 'unknown') AS sex,
           CASE WHEN y.years IS NULL THEN 'unknown'
                WHEN y.years < 18 THEN '0-17'
                WHEN y.years < 60 THEN '18-59'
                ELSE '60+' END AS age_band,
           CASE WHEN cardinality(b.disabilities) = 0 THEN ARRAY['none'] ELSE b.disabilities END AS disabilities,
           array_remove(ARRAY[
               CASE WHEN b.functioning[1] = ANY ($4::text[]) THEN 'seeing' END,
               CASE WHEN b.functioning[2] = ANY ($4::text[]) THEN 'hearing' END,
               CASE WHEN b.functioning[3] = ANY ($4::text[]) THEN 'walking' END,
               CASE WHEN b.functioning[4] = ANY ($4::text[]) THEN 'remembering' END,
               CASE WHEN b.functioning[5] = ANY ($4::text[]) THEN 'self_care' END,
               CASE WHEN b.functioning[6] = ANY ($4::text[]) THEN 'communicating' END
           ], NULL) AS difficulties,
           b.assessed_at IS NOT NULL AS assessed,
           b.status = 'served' AS served
    FROM counted c
    JOIN beneficiaries b ON b.report_id = c.id
    CROSS JOIN LATERAL (VALUES (COALESCE(
        date_part('year', age((c.created_at AT TIME ZONE 'Asia/Jakarta')::date, b.birth_date))::int,
        b.age))) AS y (years)
), planned AS MATERIALIZED (
    SELECT c.id AS report_id, c.created_at, c.province_code, c.regency_code,
           s.unit_code, s.component, s.item, s.status, s.delivered_quantity, s.delivered_on
    FROM counted c
    JOIN services s ON s.report_id = c.id
    WHERE s.status <> 'cancelled'
), figures AS (
    SELECT CASE WHEN GROUPING(p.province_code) = 0 THEN 'people_province'
                WHEN GROUPING(p.regency_code) = 0 THEN 'people_regency'
                WHEN GROUPING(p.sex) = 0 THEN 'sex'
                WHEN GROUPING(p.age_band) = 0 THEN 'age_band'
                WHEN GROUPING(p.disabilities) = 0 THEN 'disabilities'
                WHEN GROUPING(p.difficulties) = 0 THEN 'difficulties'
                ELSE 'people' END AS dimension,
           COALESCE(p.province_code, p.regency_code, p.sex, p.age_band,
                    array_to_string(p.disabilities, ','), array_to_string(p.difficulties, ',')) AS key,
           count(*) FILTER (WHERE p.assessed) AS assessed,
           count(*) FILTER (WHERE p.served) AS served,
           0::bigint AS planned, 0::bigint AS delivered, 0::bigint AS delivered_quantity
    FROM people p
    GROUP BY GROUPING SETS ((), (p.province_code), (p.regency_code), (p.sex), (p.age_band),
                            (p.disabilities), (p.difficulties))
    UNION ALL
    SELECT CASE WHEN GROUPING(s.component) = 0 THEN 'component'
                WHEN GROUPING(s.item) = 0 THEN 'device'
                WHEN GROUPING(s.province_code) = 0 THEN 'service_province'
                WHEN GROUPING(s.regency_code) = 0 THEN 'service_regency'
                WHEN GROUPING(s.unit_code) = 0 THEN 'service_unit'
                ELSE 'services' END,
           COALESCE(s.component, s.item, s.province_code, s.regency_code, s.unit_code),
           0, 0,
           count(*),
           count(*) FILTER (WHERE s.status = 'delivered'),
           COALESCE(sum(s.delivered_quantity) FILTER (WHERE s.status = 'delivered'), 0)::bigint
    FROM planned s
    GROUP BY GROUPING SETS ((), (s.component), (s.item), (s.province_code), (s.regency_code), (s.unit_code))
)
SELECT f.dimension, f.key, COALESCE(rg.name, u.name, f.key) AS label,
       f.assessed, f.served, f.planned, f.delivered, f.delivered_quantity,
       NULL::float8 AS days
FROM figures f
LEFT JOIN regions rg ON f.dimension IN ('people_province', 'people_regency', 'service_province', 'service_regency')
                    AND rg.code = f.key
LEFT JOIN units u ON f.dimension = 'service_unit' AND u.code = f.key
WHERE f.key IS NOT NULL OR f.dimension IN ('people', 'services')
UNION ALL
SELECT 'median_days', NULL, NULL, 0, 0, 0, 0, 0,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first.days::float8)
FROM (
    SELECT min(s.delivered_on) - (min(s.created_at) AT TIME ZONE 'Asia/Jakarta')::date AS days
    FROM planned s
    WHERE s.status = 'delivered'
    GROUP BY s.report_id
) first
