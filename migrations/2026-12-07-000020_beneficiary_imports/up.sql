-- Lists of people imported into a case (`POST /v1/reports/{id}/beneficiaries:import`),
-- by the SHA-256 of the file's bytes: the same file imported again into the
-- same case adds nobody and answers with the people of the first import
-- (`beneficiary_ids`, in the file's row order).
CREATE TABLE beneficiary_imports (
    report_id       UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    digest          TEXT NOT NULL CONSTRAINT beneficiary_imports_digest_shape CHECK (digest ~ '^[0-9a-f]{64}$'),
    beneficiary_ids UUID[] NOT NULL,
    imported        INTEGER NOT NULL CONSTRAINT beneficiary_imports_imported_range CHECK (imported >= 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, digest)
);
