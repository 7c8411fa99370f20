-- Removes seeded rules the data no longer has ($1..$3: the data's natural
-- keys). An admin's rules stay.
DELETE FROM coverage_rules c
WHERE c.origin = 'seed'
  AND NOT EXISTS (
      SELECT 1
      FROM unnest($1::text[], $2::text[], $3::text[]) AS t (unit_code, region_code, category)
      WHERE t.unit_code = c.unit_code
        AND coalesce(t.region_code, '') = coalesce(c.region_code, '')
        AND coalesce(t.category, '') = coalesce(c.category, ''))
