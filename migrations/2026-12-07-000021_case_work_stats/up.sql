-- Statistics of case work read each person's latest assessment from the
-- person's row, so that counting people by functioning difficulty is one
-- pass over `beneficiaries` instead of a look-up per person: when the
-- person was last assessed (null: never), and the Washington Group answers
-- of that assessment in the short set's order (seeing, hearing, walking,
-- remembering, self_care, communicating; elements null when not asked).
-- A trigger keeps them as assessments are recorded (the latest by
-- `created_at`; of two in one transaction, the one inserted last).
ALTER TABLE beneficiaries
    ADD COLUMN assessed_at TIMESTAMPTZ,
    ADD COLUMN functioning TEXT[];

CREATE FUNCTION beneficiaries_latest_assessment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE beneficiaries
    SET assessed_at = NEW.created_at,
        functioning = ARRAY[NEW.seeing, NEW.hearing, NEW.walking, NEW.remembering,
                            NEW.self_care, NEW.communicating]
    WHERE id = NEW.beneficiary_id AND (assessed_at IS NULL OR assessed_at <= NEW.created_at);
    RETURN NULL;
END $$;

CREATE TRIGGER assessments_latest AFTER INSERT ON assessments
    FOR EACH ROW EXECUTE FUNCTION beneficiaries_latest_assessment();

-- The people assessed so far.
UPDATE beneficiaries b
SET assessed_at = a.created_at,
    functioning = ARRAY[a.seeing, a.hearing, a.walking, a.remembering, a.self_care, a.communicating]
FROM (SELECT DISTINCT ON (beneficiary_id) *
      FROM assessments
      ORDER BY beneficiary_id, created_at DESC, id DESC) a
WHERE a.beneficiary_id = b.id;
