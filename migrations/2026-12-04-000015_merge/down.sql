DROP INDEX reports_duplicate_of_idx;
ALTER TABLE reports DROP CONSTRAINT reports_duplicate_of_is_a_duplicate;
ALTER TABLE reports DROP COLUMN duplicate_of;
