DROP FUNCTION possible_duplicates(JSONB);
DROP FUNCTION people_match(UUID, TEXT[], TEXT[], TEXT[]);
DROP FUNCTION km_between(FLOAT8, FLOAT8, FLOAT8, FLOAT8);
DROP VIEW duplicate_candidates;
CREATE INDEX reports_category_latitude_idx ON reports (category, latitude, longitude)
    WHERE latitude IS NOT NULL;
DROP INDEX reports_category_point_idx;
DROP EXTENSION IF EXISTS btree_gist;
