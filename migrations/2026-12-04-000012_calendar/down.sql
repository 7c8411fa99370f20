DROP TRIGGER holidays_directory_changed ON holidays;
DROP TRIGGER units_directory_changed ON units;
CREATE TRIGGER units_directory_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, kind, region_code, latitude, longitude, categories, capacity, active
    ON units FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();
ALTER TABLE units
    DROP CONSTRAINT units_office_hours_check,
    DROP COLUMN office_closes,
    DROP COLUMN office_opens,
    DROP COLUMN office_days;
DROP TABLE holidays;
