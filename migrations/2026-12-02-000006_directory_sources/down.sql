DROP TRIGGER coverage_rules_record_change ON coverage_rules;
DROP TRIGGER units_record_change ON units;
DROP FUNCTION record_directory_change();
DROP TABLE directory_changes;
DROP TABLE coverage_rule_removals;

ALTER TABLE units DROP COLUMN origin;

ALTER TABLE coverage_rules
    DROP COLUMN origin,
    DROP COLUMN source,
    DROP COLUMN year,
    DROP COLUMN confidence,
    DROP CONSTRAINT coverage_rules_basis_check;
UPDATE coverage_rules SET basis = 'source' WHERE basis IN ('stated', 'served');
