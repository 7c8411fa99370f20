-- Upserts the seed's coverage rules ($1: a JSON array of rules, one object
-- each, read by column name). A rule an admin added or changed (origin
-- 'admin') keeps its values, and a seeded rule an admin removed is not
-- brought back.
WITH incoming AS (
    SELECT *
    FROM jsonb_to_recordset($1::jsonb)
        AS t (unit_code text, region_code text, category text, priority int, basis text,
              confidence text, year int, source text, note text)
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
