DROP INDEX reports_category_region_idx;
DROP INDEX reports_category_latitude_idx;
DROP TRIGGER reports_people_updated ON reports;
DROP TRIGGER reports_people_inserted ON reports;
DROP FUNCTION report_people_sync();
DROP TABLE report_people;
DROP FUNCTION report_people_of(UUID, JSONB);
DROP FUNCTION person_name_key(TEXT);
DROP EXTENSION IF EXISTS pg_trgm;
