-- Staff accounts: the people who sign in (operators, supervisors, UPT staff,
-- regional offices, admins), their sessions, the failed sign-ins that lock an
-- email out for a while, and who changed an account when.

CREATE TABLE staff (
    id                   UUID PRIMARY KEY,
    -- Stored lower-cased, so that uniqueness is case-insensitive.
    email                TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name                 TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role                 TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'upt_staff', 'regional', 'admin')),
    unit_code            TEXT REFERENCES units (code),
    region_code          TEXT REFERENCES regions (code),
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    -- argon2id PHC string; null for people who sign in through the
    -- organisation's identity provider only.
    password_hash        TEXT,
    oidc_issuer          TEXT,
    oidc_subject         TEXT,
    -- RFC 6238 shared secret (raw bytes); required at sign-in once confirmed.
    totp_secret          BYTEA,
    totp_confirmed_at    TIMESTAMPTZ,
    -- The last time step a code was accepted for: a code is good once.
    totp_last_step       BIGINT,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at      TIMESTAMPTZ,
    CONSTRAINT staff_unit_for_upt_staff CHECK ((role = 'upt_staff') = (unit_code IS NOT NULL)),
    CONSTRAINT staff_region_for_regional CHECK ((role = 'regional') = (region_code IS NOT NULL)),
    CONSTRAINT staff_oidc_pair CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL)),
    CONSTRAINT staff_oidc_unique UNIQUE (oidc_issuer, oidc_subject)
);
CREATE INDEX staff_role_idx ON staff (role, id);
CREATE INDEX staff_unit_idx ON staff (unit_code, id) WHERE unit_code IS NOT NULL;

-- Who changed an account, when, and what (field: {from, to}); a password
-- change is recorded as such, never its value or hash.
CREATE TABLE staff_audit (
    id         BIGSERIAL PRIMARY KEY,
    staff_id   UUID NOT NULL REFERENCES staff (id),
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('created', 'updated', 'password_changed', 'totp_confirmed')),
    changes    JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX staff_audit_staff_idx ON staff_audit (staff_id, id);

-- A signed-in session: its id is the access tokens' `sid`. The refresh token
-- is kept as its SHA-256; the one it replaced is remembered, so that its
-- reuse (a stolen token raced its owner) ends the session.
CREATE TABLE staff_sessions (
    id                    UUID PRIMARY KEY,
    staff_id              UUID NOT NULL REFERENCES staff (id),
    refresh_hash          BYTEA NOT NULL UNIQUE,
    previous_refresh_hash BYTEA UNIQUE,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    refreshed_at          TIMESTAMPTZ,
    expires_at            TIMESTAMPTZ NOT NULL,
    ended_at              TIMESTAMPTZ,
    ended_reason          TEXT CHECK (ended_reason IN (
        'logout', 'refresh_reuse', 'deactivated', 'role_changed', 'password_changed')),
    CONSTRAINT staff_sessions_at_most_12h CHECK (expires_at <= created_at + interval '12 hours'),
    CONSTRAINT staff_sessions_ended_with_reason CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id) WHERE ended_at IS NULL;
-- Every api process loads the ended sessions whose tokens could still be live.
CREATE INDEX staff_sessions_ended_idx ON staff_sessions (expires_at) WHERE ended_at IS NOT NULL;

-- Failed sign-ins per (lower-cased) email, known or not: five within 15
-- minutes lock the email out until the oldest of them is 15 minutes old.
CREATE TABLE staff_login_failures (
    id        BIGSERIAL PRIMARY KEY,
    email     TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX staff_login_failures_email_idx ON staff_login_failures (email, failed_at);
