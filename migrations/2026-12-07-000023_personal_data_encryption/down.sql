-- Encrypted values stay as they are: decrypting needs the keys, which SQL
-- has not. The NIK shape is checked again for new rows only.
CREATE OR REPLACE FUNCTION beneficiaries_sync(report UUID, list JSONB) RETURNS void
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

CREATE OR REPLACE FUNCTION report_people_of(id UUID, beneficiaries JSONB)
RETURNS TABLE (report_id UUID, ordinal INTEGER, name_key TEXT, nik TEXT, phone TEXT)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT id, (b.ordinality - 1)::int, person_name_key(b.value ->> 'name'),
           b.value ->> 'nik', b.value ->> 'phone'
    FROM jsonb_array_elements(CASE jsonb_typeof(beneficiaries) WHEN 'array' THEN beneficiaries ELSE '[]' END)
         WITH ORDINALITY AS b
    WHERE person_name_key(b.value ->> 'name') IS NOT NULL
       OR b.value ->> 'nik' IS NOT NULL OR b.value ->> 'phone' IS NOT NULL
$$;

COMMENT ON COLUMN report_people.nik IS NULL;
COMMENT ON COLUMN report_people.phone IS NULL;

DROP INDEX reports_reporter_phone_index_idx;
ALTER TABLE reports DROP COLUMN reporter_phone_index;
DROP INDEX beneficiaries_phone_index_idx;
DROP INDEX beneficiaries_nik_index_idx;
ALTER TABLE beneficiaries DROP COLUMN phone_index, DROP COLUMN nik_index;
ALTER TABLE beneficiaries ADD CONSTRAINT beneficiaries_nik_shape CHECK (nik ~ '^[0-9]{16}$') NOT VALID;
