DELETE FROM access_log
WHERE action IN ('assessment_list', 'service_list', 'unit_service_list', 'attachment_download');
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check CHECK (action IN (
    'report_view', 'beneficiary_list', 'beneficiary_view', 'export_download',
    'open311_request', 'subject_export'));
