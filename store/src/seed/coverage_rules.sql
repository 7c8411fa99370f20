-- Upserts the seed's coverage rules ($1..$9, one array per column). A rule
-- an admin added or changed (origin 'admin') keeps its values, and a seeded
-- rule an admin removed is not brought back.
WITH incoming AS (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::int[],
                $8::text[], $9::text[])
        AS t (unit_code, region_code, category, priority, basis, confidence, year, source, note)
)
INSERT INTO coverage_rules (unit_code, region_code, category, priority, basis, confidence, year,
                            source, note, origin)
SELECT unit_code, region_code, category, priority, basis, confidence, year, source, note, 'seed'
FROM incoming i
WHERE NOT EXISTS (
    SELECT 1 FROM coverage_rule_removals x
    WHERE x.unit_code = i.unit_code
      AND x.region_key = coalesce(i.region_code, '')
      AND x.category_key = coalesce(i.category, ''))
ON CONFLICT (unit_code, coalesce(region_code, ''), coalesce(category, ''))
DO UPDATE SET priority = excluded.priority, basis = excluded.basis,
              confidence = excluded.confidence, year = excluded.year,
              source = excluded.source, note = excluded.note
    WHERE coverage_rules.origin = 'seed'
