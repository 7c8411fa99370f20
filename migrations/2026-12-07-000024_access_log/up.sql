-- Who saw personal data (UU PDP): one row for each answer that showed
-- names, NIKs, phones or addresses, written in batches off the request
-- path. A report's rows are read by supervisors and admins
-- (`GET /v1/reports/{id}/access-log`).
CREATE TABLE access_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- When the answer was given (not when the row was written).
    at              TIMESTAMPTZ NOT NULL,
    -- The token's `sub`: a staff account or an API client.
    actor           TEXT NOT NULL,
    actor_kind      TEXT NOT NULL CONSTRAINT access_log_actor_kind_check CHECK (
        actor_kind IN ('staff', 'client')),
    role            TEXT NOT NULL,
    -- The report shown; null for an export, which names the export instead.
    report_id       UUID,
    export_id       UUID,
    -- The people whose data the answer held.
    beneficiary_ids UUID[] NOT NULL DEFAULT '{}',
    action          TEXT NOT NULL CONSTRAINT access_log_action_check CHECK (action IN (
        'report_view', 'beneficiary_list', 'beneficiary_view', 'export_download',
        'open311_request')),
    request_id      TEXT,
    CONSTRAINT access_log_names_what CHECK (report_id IS NOT NULL OR export_id IS NOT NULL)
);
CREATE INDEX access_log_report_idx ON access_log (report_id, id) WHERE report_id IS NOT NULL;
