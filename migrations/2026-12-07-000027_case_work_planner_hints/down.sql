ALTER TABLE assessments ALTER COLUMN report_id RESET (n_distinct);
ALTER TABLE services ALTER COLUMN report_id RESET (n_distinct);
ALTER TABLE beneficiaries ALTER COLUMN report_id RESET (n_distinct);
