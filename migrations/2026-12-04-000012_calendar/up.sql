-- Working time: the days nobody works and each unit's office hours. Deadlines
-- of high and normal cases count only these hours (`2wd`, `4wh`).

-- National holidays and collective-leave days (cuti bersama), from the joint
-- ministerial decrees (SKB 3 Menteri), editable by admins because the dates
-- of Islamic holidays can move after the official sighting. A row an admin
-- removed stays as `removed` so that seeding again does not bring it back.
CREATE TABLE holidays (
    day        DATE PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'collective_leave')),
    origin     TEXT NOT NULL DEFAULT 'seed' CHECK (origin IN ('seed', 'admin')),
    removed    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_by TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Office hours in the unit's local time (its zone follows its province):
-- ISO weekdays (1 = Monday) and the opening and closing times.
ALTER TABLE units
    ADD COLUMN office_days   SMALLINT[] NOT NULL DEFAULT '{1,2,3,4,5}'
        CHECK (cardinality(office_days) BETWEEN 1 AND 7 AND office_days <@ '{1,2,3,4,5,6,7}'::SMALLINT[]),
    ADD COLUMN office_opens  TIME NOT NULL DEFAULT '08:00',
    ADD COLUMN office_closes TIME NOT NULL DEFAULT '16:00',
    ADD CONSTRAINT units_office_hours_check CHECK (office_opens < office_closes);

-- Running routers and escalation reload the directory, and with it the
-- calendar, when either changes.
DROP TRIGGER units_directory_changed ON units;
CREATE TRIGGER units_directory_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, kind, region_code, latitude, longitude, categories, capacity, active,
        office_days, office_opens, office_closes
    ON units FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();
CREATE TRIGGER holidays_directory_changed
    AFTER INSERT OR UPDATE OR DELETE
    ON holidays FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();
