DELETE FROM access_log WHERE action = 'subject_export';
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check CHECK (action IN (
    'report_view', 'beneficiary_list', 'beneficiary_view', 'export_download',
    'open311_request'));
DROP INDEX reports_retention_idx;
ALTER TABLE beneficiaries DROP COLUMN erased_at;
ALTER TABLE reports DROP COLUMN erased_at;
DROP INDEX beneficiaries_name_birth_idx;
DROP TABLE subject_requests;
