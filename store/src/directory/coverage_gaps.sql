-- Every regency × category (of $1) for which no active unit serving the
-- category holds an active rule from a source or an admin for the regency
-- or its province. National and derived ($5, the derived basis) rules do
-- not count: they route a report, but say nothing about who is meant to
-- serve the place. $2: only this province (or null); $3: after this regency
-- code (or null), for paging; $4: the limit.
SELECT r.code AS region_code, r.name, r.parent_code AS province_code,
       array_agg(c.category ORDER BY c.ord) AS categories
FROM regions r
CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS c (category, ord)
WHERE r.level = 'regency'
  AND ($2::text IS NULL OR r.parent_code = $2)
  AND ($3::text IS NULL OR r.code > $3)
  AND NOT EXISTS (
      SELECT 1
      FROM coverage_rules cr
      JOIN units u ON u.code = cr.unit_code
      WHERE cr.active AND u.active
        AND cr.basis <> $5
        AND cr.region_code IN (r.code, r.parent_code)
        AND (cr.category IS NULL OR cr.category = c.category)
        AND (cardinality(u.categories) = 0 OR c.category = ANY (u.categories)))
GROUP BY r.code, r.name, r.parent_code
ORDER BY r.code
LIMIT $4
