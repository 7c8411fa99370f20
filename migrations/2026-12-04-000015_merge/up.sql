-- A report merged into another (POST /v1/reports/{id}/merge) names the one
-- it continues as. Only a duplicate names one, never itself, and a kept
-- report is never itself a duplicate: merging into a duplicate is refused,
-- and a kept report merged later hands its own duplicates on.
ALTER TABLE reports ADD COLUMN duplicate_of UUID REFERENCES reports (id);
ALTER TABLE reports ADD CONSTRAINT reports_duplicate_of_is_a_duplicate
    CHECK (duplicate_of IS NULL OR (status = 'duplicate' AND duplicate_of <> id));

-- The reports merged into a kept one, for its view.
CREATE INDEX reports_duplicate_of_idx ON reports (duplicate_of) WHERE duplicate_of IS NOT NULL;
