-- Case work at the unit: the people of a report as rows of their own
-- (replacing the JSON list as the record), their assessments, and the
-- services (ATENSI) planned, delivered and followed up for them.
--
-- `reports.beneficiaries` stays, as a mirror of the rows: intake keeps
-- writing it in its one statement, and a trigger turns each entry into a
-- row (by its place in the list, `ordinal`); the store rewrites the list
-- from the rows whenever it adds or edits a person, so that `report_people`
-- (duplicate look-up, kept by its own trigger on the list) and merging
-- (which joins two lists) keep working unchanged.

-- The disability vocabulary (after UU 8/2016) from the free text intake
-- accepted before: the vocabulary's own spellings, and the common English
-- and Indonesian words for each. Anything else maps to no disability.
CREATE FUNCTION disability_terms(text TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT term ORDER BY term), '{}')
    FROM (
        SELECT CASE
            WHEN w IN ('physical', 'fisik', 'daksa', 'tunadaksa', 'mobility') THEN 'physical'
            WHEN w IN ('intellectual', 'intelektual', 'grahita', 'tunagrahita') THEN 'intellectual'
            WHEN w IN ('mental', 'psychosocial', 'psikososial', 'tunalaras') THEN 'mental'
            WHEN w IN ('sensory_visual', 'visual', 'blind', 'netra', 'tunanetra') THEN 'sensory_visual'
            WHEN w IN ('sensory_hearing', 'hearing', 'deaf', 'rungu', 'tunarungu') THEN 'sensory_hearing'
            WHEN w IN ('sensory_speech', 'speech', 'mute', 'wicara', 'tunawicara') THEN 'sensory_speech'
        END AS term
        FROM regexp_split_to_table(lower(coalesce(text, '')), '[^a-z_]+') AS w
    ) words
    WHERE term IS NOT NULL
$$;

CREATE TABLE beneficiaries (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    report_id     UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- The person's place in `reports.beneficiaries`, from 0.
    ordinal       INTEGER NOT NULL,
    name          TEXT,
    nik           TEXT CONSTRAINT beneficiaries_nik_shape CHECK (nik ~ '^[0-9]{16}$'),
    birth_date    DATE,
    age           INTEGER CONSTRAINT beneficiaries_age_range CHECK (age BETWEEN 0 AND 130),
    sex           TEXT CONSTRAINT beneficiaries_sex_check CHECK (sex IN ('F', 'M')),
    disabilities  TEXT[] NOT NULL DEFAULT '{}' CONSTRAINT beneficiaries_disabilities_check CHECK (
        disabilities <@ ARRAY['physical', 'intellectual', 'mental', 'sensory_visual',
            'sensory_hearing', 'sensory_speech']::TEXT[]),
    phone         TEXT,
    address       TEXT,
    status        TEXT NOT NULL DEFAULT 'awaiting_assessment' CONSTRAINT beneficiaries_status_check CHECK (
        status IN ('awaiting_assessment', 'assessed', 'in_service', 'served', 'not_eligible',
            'unreachable', 'declined')),
    -- Why a person's case ended without service (required then).
    status_reason TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT beneficiaries_report_ordinal_key UNIQUE (report_id, ordinal),
    CONSTRAINT beneficiaries_final_status_has_reason CHECK (
        status NOT IN ('not_eligible', 'unreachable', 'declined') OR status_reason IS NOT NULL)
);

-- The entries of a report's list as rows: a new place is a new person, a
-- known place takes what the entry says (a merge completes a person with
-- the other report's NIK or phone). The store writes the list from the rows
-- after its own changes, so that those come back here unchanged.
CREATE FUNCTION beneficiaries_sync(report UUID, list JSONB) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO beneficiaries AS b (report_id, ordinal, name, nik, birth_date, age, sex,
        disabilities, phone, address)
    SELECT report, (e.ordinality - 1)::int,
        e.value ->> 'name',
        e.value ->> 'nik',
        CASE WHEN e.value ->> 'birth_date' ~ '^\d{4}-\d{2}-\d{2}$' THEN (e.value ->> 'birth_date')::date END,
        CASE WHEN e.value ->> 'age' ~ '^\d{1,3}$' AND (e.value ->> 'age')::int <= 130 THEN (e.value ->> 'age')::int END,
        CASE upper(e.value ->> 'sex') WHEN 'F' THEN 'F' WHEN 'M' THEN 'M' END,
        CASE WHEN jsonb_typeof(e.value -> 'disabilities') = 'array'
            THEN ARRAY(SELECT jsonb_array_elements_text(e.value -> 'disabilities'))
            ELSE disability_terms(e.value ->> 'disability') END,
        e.value ->> 'phone',
        e.value ->> 'address'
    FROM jsonb_array_elements(CASE jsonb_typeof(list) WHEN 'array' THEN list ELSE '[]' END)
        WITH ORDINALITY AS e
    WHERE jsonb_typeof(e.value) = 'object'
    ON CONFLICT (report_id, ordinal) DO UPDATE SET
        name = EXCLUDED.name, nik = EXCLUDED.nik, birth_date = EXCLUDED.birth_date,
        age = EXCLUDED.age, sex = EXCLUDED.sex, disabilities = EXCLUDED.disabilities,
        phone = EXCLUDED.phone, address = EXCLUDED.address, updated_at = now()
    WHERE (b.name, b.nik, b.birth_date, b.age, b.sex, b.disabilities, b.phone, b.address)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.nik, EXCLUDED.birth_date, EXCLUDED.age,
            EXCLUDED.sex, EXCLUDED.disabilities, EXCLUDED.phone, EXCLUDED.address)
$$;

CREATE FUNCTION beneficiaries_from_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM beneficiaries_sync(NEW.id, NEW.beneficiaries);
    RETURN NULL;
END $$;

CREATE TRIGGER reports_beneficiaries_inserted AFTER INSERT ON reports
    FOR EACH ROW WHEN (NEW.beneficiaries IS NOT NULL AND NEW.beneficiaries <> '[]'::jsonb)
    EXECUTE FUNCTION beneficiaries_from_report();
CREATE TRIGGER reports_beneficiaries_updated AFTER UPDATE OF beneficiaries ON reports
    FOR EACH ROW WHEN (OLD.beneficiaries IS DISTINCT FROM NEW.beneficiaries)
    EXECUTE FUNCTION beneficiaries_from_report();

-- The lists of the reports filed so far become rows.
SELECT beneficiaries_sync(r.id, r.beneficiaries) FROM reports r
WHERE r.beneficiaries <> '[]'::jsonb;

CREATE TABLE assessments (
    id             UUID PRIMARY KEY,
    beneficiary_id UUID NOT NULL REFERENCES beneficiaries (id) ON DELETE CASCADE,
    report_id      UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    assessed_on    DATE NOT NULL,
    method         TEXT NOT NULL CONSTRAINT assessments_method_check CHECK (
        method IN ('home_visit', 'at_unit', 'community', 'remote')),
    eligible       BOOLEAN NOT NULL,
    findings       TEXT NOT NULL,
    -- The Washington Group short set; all null when not asked.
    seeing         TEXT CONSTRAINT assessments_seeing_check CHECK (seeing IN (
        'no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all')),
    hearing        TEXT CONSTRAINT assessments_hearing_check CHECK (hearing IN (
        'no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all')),
    walking        TEXT CONSTRAINT assessments_walking_check CHECK (walking IN (
        'no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all')),
    remembering    TEXT CONSTRAINT assessments_remembering_check CHECK (remembering IN (
        'no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all')),
    self_care      TEXT CONSTRAINT assessments_self_care_check CHECK (self_care IN (
        'no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all')),
    communicating  TEXT CONSTRAINT assessments_communicating_check CHECK (communicating IN (
        'no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all')),
    -- [{component, item?, quantity?, note?}], checked by the domain.
    recommendations JSONB NOT NULL DEFAULT '[]' CONSTRAINT assessments_recommendations_array CHECK (
        jsonb_typeof(recommendations) = 'array'),
    assessed_by    TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX assessments_beneficiary_idx ON assessments (beneficiary_id, created_at);

CREATE TABLE services (
    id                 UUID PRIMARY KEY,
    report_id          UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    beneficiary_id     UUID NOT NULL REFERENCES beneficiaries (id) ON DELETE CASCADE,
    -- The unit holding the report, kept in step by a trigger: the unit's
    -- delivery list reads it.
    unit_code          TEXT REFERENCES units (code),
    component          TEXT NOT NULL CONSTRAINT services_component_check CHECK (component IN (
        'decent_living_support', 'social_care', 'family_support', 'therapy',
        'vocational_training', 'social_assistance', 'accessibility_support')),
    modality           TEXT NOT NULL CONSTRAINT services_modality_check CHECK (modality IN (
        'family_based', 'community_based', 'residential')),
    -- An assistive device, for `accessibility_support` only.
    item               TEXT CONSTRAINT services_item_check CHECK (item IN (
        'wheelchair', 'walker', 'crutches', 'walking_stick', 'white_cane', 'hearing_aid',
        'prosthesis', 'orthosis', 'other')),
    quantity           INTEGER NOT NULL CONSTRAINT services_quantity_range CHECK (quantity BETWEEN 1 AND 10000),
    due_on             DATE NOT NULL,
    note               TEXT,
    status             TEXT NOT NULL DEFAULT 'planned' CONSTRAINT services_status_check CHECK (
        status IN ('planned', 'delivered', 'cancelled')),
    delivered_on       DATE,
    delivered_quantity INTEGER CONSTRAINT services_delivered_quantity_range CHECK (delivered_quantity BETWEEN 1 AND 10000),
    -- The number of the signed handover record (BAST).
    handover_ref       TEXT,
    received_by        TEXT,
    delivery_note      TEXT,
    cancel_reason      TEXT,
    -- Devices are due a follow-up 90 days after delivery.
    follow_up_due_on   DATE,
    followed_up_on     DATE,
    follow_up_outcome  TEXT CONSTRAINT services_follow_up_outcome_check CHECK (follow_up_outcome IN (
        'in_use', 'needs_repair', 'not_used', 'returned', 'lost')),
    planned_by         TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT services_item_is_a_device CHECK (item IS NULL OR component = 'accessibility_support'),
    CONSTRAINT services_delivered_has_proof CHECK (status <> 'delivered' OR (
        delivered_on IS NOT NULL AND delivered_quantity IS NOT NULL AND handover_ref IS NOT NULL
        AND received_by IS NOT NULL)),
    CONSTRAINT services_cancelled_has_reason CHECK (status <> 'cancelled' OR cancel_reason IS NOT NULL)
);
CREATE INDEX services_report_idx ON services (report_id, id);
CREATE INDEX services_beneficiary_idx ON services (beneficiary_id);
-- The unit's delivery list: by status, then due date.
CREATE INDEX services_unit_idx ON services (unit_code, status, due_on, id);
CREATE INDEX services_unit_follow_up_idx ON services (unit_code, follow_up_due_on, id)
    WHERE follow_up_due_on IS NOT NULL AND followed_up_on IS NULL;

CREATE TABLE service_follow_ups (
    id         BIGSERIAL PRIMARY KEY,
    service_id UUID NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    checked_on DATE NOT NULL,
    outcome    TEXT NOT NULL CONSTRAINT service_follow_ups_outcome_check CHECK (outcome IN (
        'in_use', 'needs_repair', 'not_used', 'returned', 'lost')),
    note       TEXT,
    checked_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX service_follow_ups_service_idx ON service_follow_ups (service_id, id);

-- A transfer or an escalation hands the services over with the case.
CREATE FUNCTION services_follow_their_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE services SET unit_code = NEW.unit_code WHERE report_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER reports_services_unit AFTER UPDATE OF unit_code ON reports
    FOR EACH ROW WHEN (OLD.unit_code IS DISTINCT FROM NEW.unit_code)
    EXECUTE FUNCTION services_follow_their_report();
