-- Removes seeded rules the data no longer has ($1: the data's rules, as for
-- the upsert; only their natural keys are read). An admin's rules stay.
DELETE FROM coverage_rules c
WHERE c.origin = 'seed'
  AND NOT EXISTS (
      SELECT 1
      FROM jsonb_to_recordset($1::jsonb) AS t (unit_code text, region_code text, category text)
      WHERE t.unit_code = c.unit_code
        AND coalesce(t.region_code, '') = coalesce(c.region_code, '')
        AND coalesce(t.category, '') = coalesce(c.category, ''))
