-- Consent (UU PDP, Law 27/2022): what a person (or, for a child, a
-- guardian) agreed their data may be used for. A consent is recorded once
-- and never edited; withdrawing it stamps `withdrawn_at`, and from then on
-- it no longer counts. A beneficiary's personal data reaches a partner
-- (an integrator) only under an active consent for `share_with_partner`,
-- and a regional office only under one for `share_with_regional_office`:
-- the store's queries ask this table on every read (no cache), so a
-- withdrawal takes effect on the next request.
CREATE TABLE consents (
    id                UUID PRIMARY KEY,
    beneficiary_id    UUID NOT NULL REFERENCES beneficiaries (id) ON DELETE CASCADE,
    report_id         UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    purposes          TEXT[] NOT NULL CONSTRAINT consents_purposes_check CHECK (
        cardinality(purposes) > 0
        AND array_position(purposes, NULL) IS NULL
        AND purposes <@ ARRAY['case_handling', 'share_with_partner',
            'share_with_regional_office', 'photo']::TEXT[]),
    given_by          TEXT NOT NULL CONSTRAINT consents_given_by_check CHECK (
        given_by IN ('self', 'guardian')),
    guardian_name     TEXT,
    guardian_relation TEXT,
    method            TEXT NOT NULL CONSTRAINT consents_method_check CHECK (
        method IN ('written', 'recorded_verbal')),
    recorded_on       DATE NOT NULL,
    -- The token's `sub` of who recorded it, and its role.
    recorded_by       TEXT NOT NULL,
    recorded_by_role  TEXT NOT NULL CONSTRAINT consents_recorded_by_role_check CHECK (
        recorded_by_role IN ('operator', 'supervisor', 'upt_staff', 'regional', 'integrator',
            'admin')),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    withdrawn_at      TIMESTAMPTZ,
    withdrawn_by      TEXT,
    -- Personal data (free text): kept for those who see the person.
    withdrawal_reason TEXT,
    CONSTRAINT consents_guardian_named CHECK (
        given_by = 'self' OR (guardian_name IS NOT NULL AND guardian_relation IS NOT NULL)),
    CONSTRAINT consents_withdrawn_by_someone CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);

-- The look-up every read of a person by a partner or regional office
-- makes: the active consents of one beneficiary (a handful at most), with
-- their purposes in the index (an index-only probe).
CREATE INDEX consents_active_idx ON consents (beneficiary_id) INCLUDE (purposes)
    WHERE withdrawn_at IS NULL;
-- A person's consents, in the order they were recorded (UUIDv7 ids).
CREATE INDEX consents_beneficiary_idx ON consents (beneficiary_id, id);
