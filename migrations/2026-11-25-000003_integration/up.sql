-- Partner apps: OAuth2 client credentials with hashed secrets.
CREATE TABLE api_clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes      TEXT[] NOT NULL DEFAULT '{}',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ
);

-- Open311 and integrators list the reports a client filed.
CREATE INDEX reports_client_idx ON reports (client_id, created_at) WHERE client_id IS NOT NULL;

-- Webhooks: who wants which events, and every attempt to deliver them.
CREATE TABLE webhook_subscriptions (
    id                   UUID PRIMARY KEY,
    owner                TEXT NOT NULL,
    owner_role           TEXT NOT NULL,
    url                  TEXT NOT NULL,
    events               TEXT[] NOT NULL,
    -- Kept to sign deliveries (HMAC needs the secret itself).
    secret               TEXT NOT NULL,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    paused_reason        TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_owner_idx ON webhook_subscriptions (owner);

CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    subscription_id  UUID NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         UUID NOT NULL,
    event            TEXT NOT NULL,
    payload          JSONB NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at     TIMESTAMPTZ,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
