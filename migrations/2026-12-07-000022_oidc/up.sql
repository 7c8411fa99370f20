-- Signing in through the organisation's identity provider (OpenID Connect).
-- A sign-in in progress keeps its state, nonce and PKCE verifier here, not in
-- a cookie, for a few minutes and for one callback only. A finished one hands
-- the console a one-time code (kept as its SHA-256) that starts the session.

CREATE TABLE oidc_sign_ins (
    -- SHA-256 of the `state` parameter sent to the provider.
    state_hash    BYTEA PRIMARY KEY,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_sign_ins_expires_idx ON oidc_sign_ins (expires_at);

CREATE TABLE staff_sign_in_codes (
    code_hash  BYTEA PRIMARY KEY,
    staff_id   UUID NOT NULL REFERENCES staff (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sign_in_codes_expires_idx ON staff_sign_in_codes (expires_at);
