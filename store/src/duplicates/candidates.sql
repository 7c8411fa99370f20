-- The reports a new one may duplicate, at most 10, best first: see
-- `possible_duplicates` in migrations/2026-12-07-000016_duplicate_lookup.
SELECT report_id, ticket, status, unit_code, created_at, distance_km, score, reasons
FROM possible_duplicates($1)
