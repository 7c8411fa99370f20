-- The reports a new one may duplicate: the same category; open, or ended
-- (resolved, closed, cancelled) in the last 30 days, never one already
-- marked duplicate; within 2 km of the new report's coordinates, or in its
-- region when either side has none; and a person in common: the same NIK,
-- the same phone, or a name whose key (`person_name_key`) has a trigram
-- similarity of at least 0.6. The arguments arrive as one JSON object
-- (`ProbeArguments`). Work is bounded: each area branch keeps at most the
-- 2,000 newest candidates of its index range, and the answer holds at most 10.
WITH probe AS (
    SELECT * FROM jsonb_to_record($1) AS p(
        category text, region_code text, lat float8, lon float8, exclude_id uuid,
        client_id text, people jsonb)
-- Materialized: each name is normalised once, not once per candidate it is
-- compared with (the planner would inline the function into the comparison).
), wanted AS MATERIALIZED (
    SELECT person_name_key(x ->> 'name') AS name_key, x ->> 'nik' AS nik, x ->> 'phone' AS phone
    FROM probe, jsonb_array_elements(probe.people) AS x
), area AS (
    -- A box of 2 km each way (0.018° of latitude; longitude degrees shrink
    -- with the cosine of the latitude); the exact distance is checked below.
    (SELECT r.id, r.ticket, r.status, r.unit_code, r.created_at, r.latitude, r.longitude FROM reports r, probe p
     WHERE p.lat IS NOT NULL AND r.category = p.category AND r.latitude IS NOT NULL
       AND r.latitude BETWEEN p.lat - 0.018 AND p.lat + 0.018
       AND r.longitude BETWEEN p.lon - 0.018 / cos(radians(p.lat)) AND p.lon + 0.018 / cos(radians(p.lat))
       AND r.status <> 'duplicate' AND r.id IS DISTINCT FROM p.exclude_id
       AND (p.client_id IS NULL OR r.client_id = p.client_id)
       AND (r.status NOT IN ('resolved', 'closed', 'cancelled')
            OR greatest(r.resolved_at, r.closed_at, r.cancelled_at) >= now() - interval '30 days')
     ORDER BY r.created_at DESC LIMIT 2000)
    UNION ALL
    -- Without coordinates: the same region.
    (SELECT r.id, r.ticket, r.status, r.unit_code, r.created_at, r.latitude, r.longitude FROM reports r, probe p
     WHERE p.lat IS NULL AND r.category = p.category AND r.region_code = p.region_code
       AND r.status <> 'duplicate' AND r.id IS DISTINCT FROM p.exclude_id
       AND (p.client_id IS NULL OR r.client_id = p.client_id)
       AND (r.status NOT IN ('resolved', 'closed', 'cancelled')
            OR greatest(r.resolved_at, r.closed_at, r.cancelled_at) >= now() - interval '30 days')
     ORDER BY r.created_at DESC LIMIT 2000)
    UNION ALL
    -- With coordinates: also the reports of the region that have none.
    (SELECT r.id, r.ticket, r.status, r.unit_code, r.created_at, r.latitude, r.longitude FROM reports r, probe p
     WHERE p.lat IS NOT NULL AND r.latitude IS NULL
       AND r.category = p.category AND r.region_code = p.region_code
       AND r.status <> 'duplicate' AND r.id IS DISTINCT FROM p.exclude_id
       AND (p.client_id IS NULL OR r.client_id = p.client_id)
       AND (r.status NOT IN ('resolved', 'closed', 'cancelled')
            OR greatest(r.resolved_at, r.closed_at, r.cancelled_at) >= now() - interval '30 days')
     ORDER BY r.created_at DESC LIMIT 2000)
), live AS (
    SELECT a.id, a.ticket, a.status, a.unit_code, a.created_at,
           CASE WHEN p.lat IS NOT NULL AND a.latitude IS NOT NULL THEN
               12742 * asin(sqrt(power(sin(radians(a.latitude - p.lat) / 2), 2)
                   + cos(radians(p.lat)) * cos(radians(a.latitude)) * power(sin(radians(a.longitude - p.lon) / 2), 2)))
           END AS distance_km
    FROM area a, probe p
), matched AS (
    SELECT l.id,
           coalesce(bool_or(rp.nik = w.nik), false) AS same_nik,
           coalesce(bool_or(rp.phone = w.phone), false) AS same_phone,
           coalesce(max(similarity(rp.name_key, w.name_key)), 0) AS name_similarity
    FROM live l
    JOIN report_people rp ON rp.report_id = l.id
    CROSS JOIN wanted w
    WHERE l.distance_km IS NULL OR l.distance_km <= 2
    GROUP BY l.id
), scored AS (
    SELECT l.*, m.same_nik, m.same_phone, m.name_similarity >= 0.6 AS similar_name, m.name_similarity
    FROM live l JOIN matched m USING (id)
    WHERE m.same_nik OR m.same_phone OR m.name_similarity >= 0.6
)
SELECT s.id AS report_id, s.ticket, s.status, s.unit_code, s.created_at, s.distance_km,
       -- The strongest sign (a NIK 0.9, a phone 0.8, a name 0.64 to 0.8 by
       -- its similarity), 0.05 for each further sign and for being near.
       round(least(1.0, greatest(
               CASE WHEN s.same_nik THEN 0.9 ELSE 0 END,
               CASE WHEN s.same_phone THEN 0.8 ELSE 0 END,
               CASE WHEN s.similar_name THEN 0.4 + 0.4 * s.name_similarity ELSE 0 END)
           + 0.05 * (s.same_nik::int + s.same_phone::int + s.similar_name::int - 1)
           + 0.05)::numeric, 2)::float8 AS score,
       array_remove(ARRAY[
           CASE WHEN s.same_nik THEN 'same_nik' END,
           CASE WHEN s.same_phone THEN 'same_phone' END,
           CASE WHEN s.similar_name THEN 'similar_name' END,
           CASE WHEN s.distance_km IS NOT NULL THEN 'within_2km' ELSE 'same_regency' END
       ], NULL) AS reasons
FROM scored s
ORDER BY score DESC, s.created_at DESC, s.id
LIMIT 10
