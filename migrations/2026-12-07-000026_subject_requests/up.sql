-- Subject requests (UU PDP): a person asks what Sigap holds about them, to
-- correct it, or to erase it; the answer is due within 3 × 24 hours. The
-- person is named only by a blind index (HMAC under SIGAP_INDEX_KEY) of the
-- NIK, the phone number, or the name and birth date: never in plain text.
CREATE TABLE subject_requests (
    id                   UUID PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT subject_requests_kind_check CHECK (
        kind IN ('access', 'rectification', 'erasure')),
    status               TEXT NOT NULL DEFAULT 'open' CONSTRAINT subject_requests_status_check CHECK (
        status IN ('open', 'done')),
    identifier_kind      TEXT NOT NULL CONSTRAINT subject_requests_identifier_kind_check CHECK (
        identifier_kind IN ('nik', 'phone', 'name_and_birth_date')),
    identifier_index     TEXT NOT NULL,
    -- Who asked (the person, a guardian, a lawyer), as the staff wrote it.
    requested_by         TEXT NOT NULL,
    note                 TEXT NOT NULL,
    -- The staff member (token `sub`) who recorded it.
    received_by          TEXT NOT NULL,
    received_at          TIMESTAMPTZ NOT NULL,
    due_at               TIMESTAMPTZ NOT NULL,
    -- What was found when it was recorded: reports where the person is the
    -- reporter, and the person's rows; capped, `matches_capped` says so.
    reporter_report_ids  UUID[] NOT NULL DEFAULT '{}',
    beneficiary_ids      UUID[] NOT NULL DEFAULT '{}',
    matches_capped       BOOLEAN NOT NULL DEFAULT false,
    completed_at         TIMESTAMPTZ,
    completed_by         TEXT,
    completion_note      TEXT,
    CONSTRAINT subject_requests_done_check CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX subject_requests_queue_idx ON subject_requests (status, due_at, id);

-- A person is found by name and birth date with an exact, case-insensitive
-- match.
CREATE INDEX beneficiaries_name_birth_idx ON beneficiaries (lower(name), birth_date)
    WHERE birth_date IS NOT NULL AND name IS NOT NULL;

-- Erasure (retention, or a subject's request): when a case's or a person's
-- personal data was erased.
ALTER TABLE reports ADD COLUMN erased_at TIMESTAMPTZ;
ALTER TABLE beneficiaries ADD COLUMN erased_at TIMESTAMPTZ;
-- What retention looks for: finished cases not erased yet, by when they ended.
CREATE INDEX reports_retention_idx ON reports ((coalesce(closed_at, cancelled_at)), id)
    WHERE erased_at IS NULL AND status IN ('closed', 'cancelled', 'duplicate');

-- Reading a subject's export shows personal data: it is logged too.
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check CHECK (action IN (
    'report_view', 'beneficiary_list', 'beneficiary_view', 'export_download',
    'open311_request', 'subject_export'));
