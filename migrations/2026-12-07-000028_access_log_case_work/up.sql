-- Reads of case work that show personal data are logged too: a person's
-- assessments (findings), a report's services (receivers, notes), a unit's
-- delivery list (names) and attachment downloads (photos, letters).
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check CHECK (action IN (
    'report_view', 'beneficiary_list', 'beneficiary_view', 'export_download',
    'open311_request', 'subject_export', 'assessment_list', 'service_list',
    'unit_service_list', 'attachment_download'));
