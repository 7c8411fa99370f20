-- Exports: files built by the worker from a request, kept for a while (the
-- worker sets expires_at when the file is ready and deletes it afterwards).
-- A worker claims a queued job (or one whose lease ran out: its worker died)
-- with FOR UPDATE SKIP LOCKED; attempts bound the retries.
CREATE TABLE exports (
    id               UUID PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('reports', 'beneficiaries', 'services', 'stats')),
    format           TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
    filters          JSONB NOT NULL DEFAULT '{}',
    requested_by     TEXT NOT NULL,
    requester_role   TEXT NOT NULL,
    requester_unit   TEXT,
    requester_region TEXT,
    status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'building', 'ready', 'failed', 'expired')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_until      TIMESTAMPTZ,
    row_count        BIGINT,
    size_bytes       BIGINT,
    filename         TEXT,
    error            TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    expires_at       TIMESTAMPTZ
);
CREATE INDEX exports_pending ON exports (created_at) WHERE status IN ('queued', 'building');
CREATE INDEX exports_ready_expiry ON exports (expires_at) WHERE status = 'ready';
CREATE INDEX exports_requester ON exports (requested_by, created_at);

-- A finished file, in chunks of at most 1 MiB, so that neither writing nor
-- serving it holds the whole file in memory.
CREATE TABLE export_chunks (
    export_id UUID NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL CHECK (seq >= 0),
    bytes     BYTEA NOT NULL,
    PRIMARY KEY (export_id, seq)
);

-- Files attached to a case (photos, letters). The bytes live here, in a
-- table of their own; the metadata is what lists read.
CREATE TABLE attachments (
    id              UUID PRIMARY KEY,
    report_id       UUID NOT NULL REFERENCES reports (id),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size            INTEGER NOT NULL CHECK (size > 0 AND size <= 10485760),
    sha256          TEXT NOT NULL,
    bytes           BYTEA NOT NULL,
    beneficiary_ref TEXT,
    note            TEXT,
    uploaded_by     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX attachments_report ON attachments (report_id, created_at, id);

-- Report lists and exports page newest first by (created_at, id) with a
-- row-value comparison, which this index answers as a range: each page of a
-- million-row export starts where the last ended instead of re-reading it.
CREATE INDEX reports_created_id_idx ON reports (created_at, id);
