ALTER TABLE reports
    DROP COLUMN deadline_stage,
    DROP COLUMN deadline_due_at,
    DROP COLUMN deadline_allowance,
    DROP COLUMN deadline_working,
    DROP COLUMN deadline_time_zone;
DROP TABLE report_deadlines;
