-- Duplicate candidates near a new report are read nearest first: a GiST
-- index on the category and the report's point answers "the closest reports
-- of this category" without reading and sorting every report in the 2 km
-- box, so that a flood of reports from one village costs a new report the
-- same bounded work as a quiet day.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX reports_category_point_idx ON reports USING gist (category, point(longitude, latitude))
    WHERE latitude IS NOT NULL;
DROP INDEX reports_category_latitude_idx;

-- The reports a new one may duplicate, before any comparison of people:
-- never one already marked duplicate, and only open ones or those ended
-- (resolved, closed, cancelled) in the last 30 days. A view, so that each
-- branch of the look-up states this once and keeps its own index.
CREATE VIEW duplicate_candidates AS
SELECT id, ticket, status, unit_code, created_at, category, region_code, latitude, longitude, client_id
FROM reports
WHERE status <> 'duplicate'
  AND (status NOT IN ('resolved', 'closed', 'cancelled')
       OR greatest(resolved_at, closed_at, cancelled_at) >= now() - interval '30 days');

-- The great-circle distance in kilometres between two points.
CREATE FUNCTION km_between(lat1 FLOAT8, lon1 FLOAT8, lat2 FLOAT8, lon2 FLOAT8) RETURNS FLOAT8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 12742 * asin(sqrt(power(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2)))
$$;

-- How the people of one report compare with the people being looked for:
-- whether one has a wanted NIK or phone, and the best trigram similarity of
-- a name key with a wanted one. One row, also for a report without people.
CREATE FUNCTION people_match(candidate UUID, name_keys TEXT[], niks TEXT[], phones TEXT[])
RETURNS TABLE (same_nik BOOLEAN, same_phone BOOLEAN, name_similarity REAL)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(bool_or(rp.nik = ANY (niks)), false),
           coalesce(bool_or(rp.phone = ANY (phones)), false),
           coalesce(max(similarity(rp.name_key, k.name_key)), 0)
    FROM report_people rp
    LEFT JOIN unnest(name_keys) AS k(name_key) ON true
    WHERE rp.report_id = candidate
$$;

-- The reports a new one may duplicate: the same category; open, or ended in
-- the last 30 days, never one already marked duplicate (the view
-- `duplicate_candidates`); within 2 km of the new report's coordinates, or
-- in its region when either side has none; and a person in common
-- (`people_match`): the same NIK, the same phone, or a name whose key
-- (`person_name_key`) has a trigram similarity of at least 0.6. The
-- arguments arrive as one JSON object (`ProbeArguments` in
-- store/src/duplicates.rs).
--
-- The work is bounded however many reports an area holds, so that a flood
-- of reports from one village costs each new one no more than a quiet day:
-- - near: the 10 nearest that match, among the 200 nearest (a GiST index
--   read in distance order);
-- - in the region, when either side has no coordinates: the 10 newest that
--   match, among the 200 newest;
-- - through the people's own indexes: up to 20 sharing a NIK or a phone,
--   however many others are near.
-- The answer holds the 10 best of these.
--
-- A function, planned once per connection (a generic plan) with sequential
-- and bitmap scans, sorts, hash and merge joins off: every branch then walks
-- its index in order and stops at its limit, whatever the statistics say.
-- The plan a few rows of statistics suggest (every report of the box or the
-- region read, then sorted or hashed) would read a flood's thousands first.
-- The costs of the methods turned off would make the plan look expensive
-- enough to compile with JIT, for seconds: JIT is off too.
CREATE FUNCTION possible_duplicates(arguments JSONB)
RETURNS TABLE (report_id UUID, ticket TEXT, status TEXT, unit_code TEXT, created_at TIMESTAMPTZ,
               distance_km FLOAT8, score FLOAT8, reasons TEXT[])
LANGUAGE plpgsql STABLE ROWS 10
SET plan_cache_mode = force_generic_plan
SET jit = off
SET enable_seqscan = off
SET enable_sort = off
SET enable_bitmapscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH probe AS MATERIALIZED (
        SELECT p.category, p.region_code, p.lat, p.lon, p.exclude_id, p.client_id,
               -- A box of 2 km each way: 0.018° of latitude; longitude degrees
               -- shrink with the cosine of the latitude.
               0.018 / cos(radians(p.lat)) AS lon_span,
               -- Each name is normalised once, not once per comparison.
               wanted.name_keys, wanted.niks, wanted.phones
        FROM jsonb_to_record(arguments) AS p(
            category text, region_code text, lat float8, lon float8, exclude_id uuid,
            client_id text, people jsonb),
        LATERAL (
            SELECT array_remove(array_agg(person_name_key(x ->> 'name')), NULL) AS name_keys,
                   array_remove(array_agg(x ->> 'nik'), NULL) AS niks,
                   array_remove(array_agg(x ->> 'phone'), NULL) AS phones
            FROM jsonb_array_elements(p.people) AS x) wanted
    ), found AS (
        SELECT near.* FROM probe p CROSS JOIN LATERAL (
            SELECT nearest.id, m.* FROM (
                SELECT c.id, c.latitude, c.longitude FROM duplicate_candidates c
                WHERE p.lat IS NOT NULL AND c.category = p.category AND c.latitude IS NOT NULL
                  AND point(c.longitude, c.latitude)
                      <@ box(point(p.lon - p.lon_span, p.lat - 0.018), point(p.lon + p.lon_span, p.lat + 0.018))
                  AND (p.client_id IS NULL OR c.client_id = p.client_id) AND c.id IS DISTINCT FROM p.exclude_id
                ORDER BY point(c.longitude, c.latitude) <-> point(p.lon, p.lat)
                LIMIT 200) nearest
            CROSS JOIN LATERAL people_match(nearest.id, p.name_keys, p.niks, p.phones) m
            WHERE km_between(p.lat, p.lon, nearest.latitude, nearest.longitude) <= 2
              AND (m.same_nik OR m.same_phone OR m.name_similarity >= 0.6)
            LIMIT 10) near
        UNION
        SELECT here.* FROM probe p CROSS JOIN LATERAL (
            SELECT newest.id, m.* FROM (
                -- Without coordinates on the new report: every report of its region.
                (SELECT c.id, c.created_at FROM duplicate_candidates c
                 WHERE p.lat IS NULL AND c.category = p.category AND c.region_code = p.region_code
                   AND (p.client_id IS NULL OR c.client_id = p.client_id) AND c.id IS DISTINCT FROM p.exclude_id
                 ORDER BY c.created_at DESC
                 LIMIT 200)
                UNION ALL
                -- With coordinates: the region's reports that have none.
                (SELECT c.id, c.created_at FROM duplicate_candidates c
                 WHERE p.lat IS NOT NULL AND c.latitude IS NULL
                   AND c.category = p.category AND c.region_code = p.region_code
                   AND (p.client_id IS NULL OR c.client_id = p.client_id) AND c.id IS DISTINCT FROM p.exclude_id
                 ORDER BY c.created_at DESC
                 LIMIT 200)) newest
            CROSS JOIN LATERAL people_match(newest.id, p.name_keys, p.niks, p.phones) m
            WHERE m.same_nik OR m.same_phone OR m.name_similarity >= 0.6
            LIMIT 10) here
        UNION
        SELECT same.* FROM probe p CROSS JOIN LATERAL (
            SELECT c.id, m.* FROM (
                SELECT rp.report_id FROM report_people rp WHERE rp.nik = ANY (p.niks)
                UNION
                SELECT rp.report_id FROM report_people rp WHERE rp.phone = ANY (p.phones)) shared
            CROSS JOIN LATERAL (
                SELECT c.id FROM duplicate_candidates c
                WHERE c.id = shared.report_id
                  AND c.category = p.category AND (p.client_id IS NULL OR c.client_id = p.client_id)
                  AND c.id IS DISTINCT FROM p.exclude_id
                  AND CASE WHEN p.lat IS NOT NULL AND c.latitude IS NOT NULL
                           THEN km_between(p.lat, p.lon, c.latitude, c.longitude) <= 2
                           ELSE c.region_code = p.region_code END
                -- One report at a time, by its key.
                OFFSET 0) c
            CROSS JOIN LATERAL people_match(c.id, p.name_keys, p.niks, p.phones) m
            LIMIT 20) same
    ), scored AS (
        SELECT r.id, r.ticket, r.status, r.unit_code, r.created_at,
               CASE WHEN p.lat IS NOT NULL AND r.latitude IS NOT NULL
                    THEN km_between(p.lat, p.lon, r.latitude, r.longitude) END AS distance_km,
               f.same_nik, f.same_phone, f.name_similarity >= 0.6 AS similar_name, f.name_similarity
        FROM probe p, found f
        JOIN reports r ON r.id = f.id
    )
    SELECT s.id, s.ticket, s.status, s.unit_code, s.created_at, s.distance_km,
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
    LIMIT 10;
END $$;
