-- Personal data at rest: NIK and phone numbers are stored encrypted
-- (AES-256-GCM, `enc1:<key id>:…`, by the store; SQL has no key) with a
-- keyed blind index beside each (hex HMAC-SHA256) for exact look-ups.
--
-- Values stored before this migration stay readable as they are until
-- `sigap-api keys rotate` encrypts them and writes their indexes; until
-- then duplicate look-ups do not find them by NIK or phone.

-- Ciphertext is not 16 digits: the shape was checked by the domain anyway.
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_nik_shape;
ALTER TABLE beneficiaries ADD COLUMN nik_index TEXT, ADD COLUMN phone_index TEXT;
CREATE INDEX beneficiaries_nik_index_idx ON beneficiaries (nik_index) WHERE nik_index IS NOT NULL;
CREATE INDEX beneficiaries_phone_index_idx ON beneficiaries (phone_index) WHERE phone_index IS NOT NULL;

ALTER TABLE reports ADD COLUMN reporter_phone_index TEXT;
CREATE INDEX reports_reporter_phone_index_idx ON reports (reporter_phone_index)
    WHERE reporter_phone_index IS NOT NULL;

-- `report_people.nik` and `.phone` now hold the blind indexes of the list's
-- entries (`nik_index`, `phone_index`), and `possible_duplicates` is given
-- indexes to look for: the look-up compares them exactly as it compared
-- the plain values.
COMMENT ON COLUMN report_people.nik IS 'blind index (hex HMAC-SHA256) of the NIK';
COMMENT ON COLUMN report_people.phone IS 'blind index (hex HMAC-SHA256) of the phone';
UPDATE report_people SET nik = NULL, phone = NULL WHERE nik IS NOT NULL OR phone IS NOT NULL;

CREATE OR REPLACE FUNCTION report_people_of(id UUID, beneficiaries JSONB)
RETURNS TABLE (report_id UUID, ordinal INTEGER, name_key TEXT, nik TEXT, phone TEXT)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT id, (b.ordinality - 1)::int, person_name_key(b.value ->> 'name'),
           b.value ->> 'nik_index', b.value ->> 'phone_index'
    FROM jsonb_array_elements(CASE jsonb_typeof(beneficiaries) WHEN 'array' THEN beneficiaries ELSE '[]' END)
         WITH ORDINALITY AS b
    WHERE person_name_key(b.value ->> 'name') IS NOT NULL
       OR b.value ->> 'nik_index' IS NOT NULL OR b.value ->> 'phone_index' IS NOT NULL
$$;

-- The rows take the encrypted values and their indexes from the list.
CREATE OR REPLACE FUNCTION beneficiaries_sync(report UUID, list JSONB) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO beneficiaries AS b (report_id, ordinal, name, nik, nik_index, birth_date, age, sex,
        disabilities, phone, phone_index, address)
    SELECT report, (e.ordinality - 1)::int,
        e.value ->> 'name',
        e.value ->> 'nik',
        e.value ->> 'nik_index',
        CASE WHEN e.value ->> 'birth_date' ~ '^\d{4}-\d{2}-\d{2}$' THEN (e.value ->> 'birth_date')::date END,
        CASE WHEN e.value ->> 'age' ~ '^\d{1,3}$' AND (e.value ->> 'age')::int <= 130 THEN (e.value ->> 'age')::int END,
        CASE upper(e.value ->> 'sex') WHEN 'F' THEN 'F' WHEN 'M' THEN 'M' END,
        CASE WHEN jsonb_typeof(e.value -> 'disabilities') = 'array'
            THEN ARRAY(SELECT jsonb_array_elements_text(e.value -> 'disabilities'))
            ELSE disability_terms(e.value ->> 'disability') END,
        e.value ->> 'phone',
        e.value ->> 'phone_index',
        e.value ->> 'address'
    FROM jsonb_array_elements(CASE jsonb_typeof(list) WHEN 'array' THEN list ELSE '[]' END)
        WITH ORDINALITY AS e
    WHERE jsonb_typeof(e.value) = 'object'
    ON CONFLICT (report_id, ordinal) DO UPDATE SET
        name = EXCLUDED.name, nik = EXCLUDED.nik, nik_index = EXCLUDED.nik_index,
        birth_date = EXCLUDED.birth_date, age = EXCLUDED.age, sex = EXCLUDED.sex,
        disabilities = EXCLUDED.disabilities, phone = EXCLUDED.phone,
        phone_index = EXCLUDED.phone_index, address = EXCLUDED.address, updated_at = now()
    WHERE (b.name, b.nik, b.nik_index, b.birth_date, b.age, b.sex, b.disabilities, b.phone,
           b.phone_index, b.address)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.nik, EXCLUDED.nik_index, EXCLUDED.birth_date,
            EXCLUDED.age, EXCLUDED.sex, EXCLUDED.disabilities, EXCLUDED.phone,
            EXCLUDED.phone_index, EXCLUDED.address)
$$;
