-- Coverage rules carry their evidence (basis, confidence, year, source) and
-- their origin (the seed data or a person), so that seeding never overwrites
-- what an admin added, changed or removed. Every change to a unit or a rule
-- is recorded with who made it.

UPDATE coverage_rules SET basis = 'stated' WHERE basis = 'source';
ALTER TABLE coverage_rules
    ADD CONSTRAINT coverage_rules_basis_check CHECK (basis IN ('stated', 'served', 'derived', 'admin')),
    ADD COLUMN confidence TEXT CHECK (confidence IN ('high', 'medium', 'low')),
    ADD COLUMN year INTEGER CHECK (year BETWEEN 1945 AND 2100),
    ADD COLUMN source TEXT,
    ADD COLUMN origin TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN ('seed', 'admin'));
UPDATE coverage_rules SET origin = 'seed' WHERE basis <> 'admin';

ALTER TABLE units ADD COLUMN origin TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN ('seed', 'admin'));
UPDATE units SET origin = 'seed';

-- Seeded rules an admin removed: seeding does not bring them back.
CREATE TABLE coverage_rule_removals (
    unit_code    TEXT NOT NULL,
    region_key   TEXT NOT NULL,
    category_key TEXT NOT NULL,
    removed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    removed_by   TEXT NOT NULL,
    PRIMARY KEY (unit_code, region_key, category_key)
);

-- The directory's audit trail. No foreign key: the history outlives a
-- removed unit or rule.
CREATE TABLE directory_changes (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    actor      TEXT NOT NULL,
    actor_role TEXT,
    unit_code  TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('unit', 'coverage_rule')),
    rule_id    BIGINT,
    action     TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    before     JSONB,
    after      JSONB
);
CREATE INDEX directory_changes_by_unit ON directory_changes (unit_code, id);

-- Who acts is set per transaction by the application
-- (`set_config('sigap.actor', …, true)`); a change made any other way is
-- recorded as made by `database`.
CREATE FUNCTION record_directory_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before_row JSONB;
    after_row  JSONB;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        before_row := to_jsonb(OLD) - 'open_cases' - 'updated_at';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after_row := to_jsonb(NEW) - 'open_cases' - 'updated_at';
    END IF;
    IF TG_OP = 'UPDATE' AND before_row = after_row THEN
        RETURN NULL;
    END IF;
    INSERT INTO directory_changes (actor, actor_role, unit_code, entity, rule_id, action, before, after)
    VALUES (
        coalesce(nullif(current_setting('sigap.actor', true), ''), 'database'),
        nullif(current_setting('sigap.actor_role', true), ''),
        CASE TG_TABLE_NAME WHEN 'units' THEN coalesce(after_row, before_row) ->> 'code'
            ELSE coalesce(after_row, before_row) ->> 'unit_code' END,
        CASE TG_TABLE_NAME WHEN 'units' THEN 'unit' ELSE 'coverage_rule' END,
        CASE TG_TABLE_NAME WHEN 'units' THEN NULL
            ELSE (coalesce(after_row, before_row) ->> 'id')::BIGINT END,
        CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
        before_row,
        after_row
    );
    RETURN NULL;
END $$;

-- Only the directory's own columns: the load counter changes with every
-- routed report and is no edit.
CREATE TRIGGER units_record_change
    AFTER INSERT OR DELETE OR UPDATE OF name, kind, region_code, latitude, longitude, categories, capacity, active, contact, origin
    ON units FOR EACH ROW EXECUTE FUNCTION record_directory_change();
CREATE TRIGGER coverage_rules_record_change
    AFTER INSERT OR DELETE OR UPDATE
    ON coverage_rules FOR EACH ROW EXECUTE FUNCTION record_directory_change();
