-- A report concerns a few people (one to three, a list of 70 at most), each
-- with a few services. PostgreSQL estimates how many rows share a report id
-- from a sample, and on a million reports it guesses about 17 where there
-- are 3: it then scans every person and every service to join the reports
-- of a 30-day statistic, where looking each report's few rows up by index
-- is ten times faster. The share of distinct values (a negative
-- n_distinct: about one report id in three rows) corrects the guess; it is
-- read by the next ANALYZE, run here.
ALTER TABLE beneficiaries ALTER COLUMN report_id SET (n_distinct = -0.3);
ALTER TABLE services ALTER COLUMN report_id SET (n_distinct = -0.3);
ALTER TABLE assessments ALTER COLUMN report_id SET (n_distinct = -0.3);
ANALYZE beneficiaries;
ANALYZE services;
ANALYZE assessments;
