-- Reference data: Kemendagri regions, the ministry's units and their coverage rules.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'regency')),
    parent_code TEXT REFERENCES regions (code),
    latitude    DOUBLE PRECISION NOT NULL,
    longitude   DOUBLE PRECISION NOT NULL,
    CHECK ((level = 'province') = (parent_code IS NULL))
);
CREATE INDEX regions_parent_idx ON regions (parent_code, code);

CREATE TABLE units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    latitude    DOUBLE PRECISION NOT NULL,
    longitude   DOUBLE PRECISION NOT NULL,
    categories  TEXT[] NOT NULL DEFAULT '{}',
    capacity    INTEGER NOT NULL DEFAULT 500 CHECK (capacity >= 0),
    -- Open cases (assigned .. in_service); maintained by the reports trigger below.
    open_cases  INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    contact     TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE coverage_rules (
    id          BIGSERIAL PRIMARY KEY,
    unit_code   TEXT NOT NULL REFERENCES units (code) ON DELETE CASCADE,
    region_code TEXT REFERENCES regions (code),
    category    TEXT,
    priority    INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    basis       TEXT NOT NULL DEFAULT 'admin',
    note        TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One rule per unit, region and category: seeding is idempotent on it.
CREATE UNIQUE INDEX coverage_rules_natural_key
    ON coverage_rules (unit_code, COALESCE(region_code, ''), COALESCE(category, ''));

-- Bumped on every change to units or coverage rules, so that running routers reload.
CREATE TABLE directory_version (
    id      BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    version BIGINT NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (TRUE, 1);

CREATE FUNCTION bump_directory_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_version SET version = version + 1;
    PERFORM pg_notify('sigap_directory', '');
    RETURN NULL;
END $$;

CREATE TRIGGER units_directory_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, kind, region_code, latitude, longitude, categories, capacity, active
    ON units FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();
CREATE TRIGGER coverage_rules_directory_changed
    AFTER INSERT OR UPDATE OR DELETE
    ON coverage_rules FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();

-- Reports and their history.
CREATE SEQUENCE report_ticket_seq;

CREATE TABLE reports (
    id                  UUID PRIMARY KEY,
    ticket              TEXT NOT NULL UNIQUE,
    idempotency_owner   TEXT,
    idempotency_key     TEXT,
    request_hash        TEXT,
    channel             TEXT NOT NULL,
    category            TEXT NOT NULL,
    need                TEXT NOT NULL,
    urgency             TEXT NOT NULL CHECK (urgency IN ('critical', 'high', 'normal')),
    region_code         TEXT NOT NULL REFERENCES regions (code),
    province_code       TEXT NOT NULL REFERENCES regions (code),
    address             TEXT,
    latitude            DOUBLE PRECISION,
    longitude           DOUBLE PRECISION,
    reporter_name       TEXT,
    reporter_phone      TEXT,
    reporter_anonymous  BOOLEAN NOT NULL DEFAULT FALSE,
    beneficiaries       JSONB NOT NULL DEFAULT '[]',
    beneficiary_count   INTEGER NOT NULL DEFAULT 1,
    description         TEXT NOT NULL,
    external_ref        TEXT,
    filed_by            TEXT NOT NULL,
    client_id           TEXT,
    status              TEXT NOT NULL DEFAULT 'received',
    unit_code           TEXT REFERENCES units (code),
    previous_units      TEXT[] NOT NULL DEFAULT '{}',
    triage_reason       TEXT,
    sla_due_at          TIMESTAMPTZ,
    escalation_level    INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    assigned_at         TIMESTAMPTZ,
    acknowledged_at     TIMESTAMPTZ,
    assessing_at        TIMESTAMPTZ,
    in_service_at       TIMESTAMPTZ,
    resolved_at         TIMESTAMPTZ,
    closed_at           TIMESTAMPTZ,
    cancelled_at        TIMESTAMPTZ
);
CREATE UNIQUE INDEX reports_idempotency_idx ON reports (idempotency_owner, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_unit_updated_idx ON reports (unit_code, updated_at, id);
CREATE INDEX reports_status_created_idx ON reports (status, created_at, id);
CREATE INDEX reports_region_created_idx ON reports (region_code, created_at);
CREATE INDEX reports_province_created_idx ON reports (province_code, created_at);
CREATE INDEX reports_updated_idx ON reports (updated_at, id);
CREATE INDEX reports_sla_due_idx ON reports (sla_due_at) WHERE status = 'assigned';

-- Keeps units.open_cases equal to the number of the unit's open reports
-- (a report is filed as 'received' with no unit, so only updates matter).
CREATE FUNCTION maintain_unit_load() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_open BOOLEAN := OLD.unit_code IS NOT NULL
        AND OLD.status IN ('assigned', 'acknowledged', 'assessing', 'in_service');
    is_open BOOLEAN := NEW.unit_code IS NOT NULL
        AND NEW.status IN ('assigned', 'acknowledged', 'assessing', 'in_service');
BEGIN
    IF was_open AND is_open AND OLD.unit_code = NEW.unit_code THEN
        RETURN NULL;
    END IF;
    IF was_open THEN
        UPDATE units SET open_cases = open_cases - 1 WHERE code = OLD.unit_code;
    END IF;
    IF is_open THEN
        UPDATE units SET open_cases = open_cases + 1 WHERE code = NEW.unit_code;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reports_unit_load
    AFTER UPDATE OF status, unit_code ON reports
    FOR EACH ROW EXECUTE FUNCTION maintain_unit_load();

CREATE TABLE report_events (
    id          BIGSERIAL PRIMARY KEY,
    report_id   UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    unit_code   TEXT,
    actor       TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    note        TEXT,
    details     JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX report_events_report_idx ON report_events (report_id, id);

-- Transactional outbox: written with the change it announces, published by the relay.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    message_id  UUID NOT NULL,
    exchange    TEXT NOT NULL CHECK (exchange IN ('reports', 'events')),
    routing_key TEXT NOT NULL,
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
