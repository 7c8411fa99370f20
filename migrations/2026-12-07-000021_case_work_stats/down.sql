DROP TRIGGER assessments_latest ON assessments;
DROP FUNCTION beneficiaries_latest_assessment();
ALTER TABLE beneficiaries
    DROP COLUMN functioning,
    DROP COLUMN assessed_at;
