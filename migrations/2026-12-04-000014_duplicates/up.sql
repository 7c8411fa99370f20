-- Duplicate suggestions at intake: the people of each report in a table of
-- their own, with a name key that fuzzy matching compares, their NIK and
-- their phone, kept in step with `reports.beneficiaries` by a trigger.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The part of a name that tells people apart: lower case, accents of the
-- common Latin letters folded, honorifics dropped (bapak, ibu, pak, bu, mbah,
-- nenek, kakek, hj, h, …), punctuation removed, a repeated letter written
-- once (so that "Sitti" and "Siti" agree) and spaces collapsed. Null when
-- nothing is left.
CREATE FUNCTION person_name_key(name TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT nullif(btrim(regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    translate(lower(name), 'àáâãäåèéêëìíîïòóôõöùúûüýÿñç', 'aaaaaaeeeeiiiiooooouuuuyync'),
                    '[^a-z]+', ' ', 'g'),
                '\m(bapak|bpk|ibu|pak|bu|mbah|nenek|kakek|nek|kek|hj|h|hajah|haji|sdr|sdri|saudara|saudari|tn|ny|nyonya|tuan|alm|almh|almarhum|almarhumah)\M',
                ' ', 'g'),
            '([a-z])\1+', '\1', 'g'),
        ' {2,}', ' ', 'g')), '')
$$;

CREATE TABLE report_people (
    report_id UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- The person's place in `reports.beneficiaries`, from 0.
    ordinal  INTEGER NOT NULL,
    name_key  TEXT,
    nik       TEXT,
    phone     TEXT,
    PRIMARY KEY (report_id, ordinal)
);
CREATE INDEX report_people_name_key_idx ON report_people USING gin (name_key gin_trgm_ops);
CREATE INDEX report_people_nik_idx ON report_people (nik) WHERE nik IS NOT NULL;
CREATE INDEX report_people_phone_idx ON report_people (phone) WHERE phone IS NOT NULL;

-- The people of one report, as `report_people` holds them; only those with
-- something to match on.
CREATE FUNCTION report_people_of(id UUID, beneficiaries JSONB)
RETURNS TABLE (report_id UUID, ordinal INTEGER, name_key TEXT, nik TEXT, phone TEXT)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT id, (b.ordinality - 1)::int, person_name_key(b.value ->> 'name'),
           b.value ->> 'nik', b.value ->> 'phone'
    FROM jsonb_array_elements(CASE jsonb_typeof(beneficiaries) WHEN 'array' THEN beneficiaries ELSE '[]' END)
         WITH ORDINALITY AS b
    WHERE person_name_key(b.value ->> 'name') IS NOT NULL
       OR b.value ->> 'nik' IS NOT NULL OR b.value ->> 'phone' IS NOT NULL
$$;

CREATE FUNCTION report_people_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM report_people WHERE report_id = NEW.id;
    END IF;
    IF NEW.beneficiaries IS NOT NULL AND NEW.beneficiaries <> '[]'::jsonb THEN
        INSERT INTO report_people (report_id, ordinal, name_key, nik, phone)
        SELECT * FROM report_people_of(NEW.id, NEW.beneficiaries);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reports_people_inserted AFTER INSERT ON reports
    FOR EACH ROW WHEN (NEW.beneficiaries IS NOT NULL AND NEW.beneficiaries <> '[]'::jsonb)
    EXECUTE FUNCTION report_people_sync();
CREATE TRIGGER reports_people_updated AFTER UPDATE OF beneficiaries ON reports
    FOR EACH ROW WHEN (OLD.beneficiaries IS DISTINCT FROM NEW.beneficiaries)
    EXECUTE FUNCTION report_people_sync();

INSERT INTO report_people (report_id, ordinal, name_key, nik, phone)
SELECT p.* FROM reports r, LATERAL report_people_of(r.id, r.beneficiaries) p
WHERE r.beneficiaries <> '[]'::jsonb;

-- The candidates of a new report: the same category, near it (a box of
-- about 2 km around its coordinates) or in the same region.
CREATE INDEX reports_category_latitude_idx ON reports (category, latitude, longitude)
    WHERE latitude IS NOT NULL;
CREATE INDEX reports_category_region_idx ON reports (category, region_code, created_at);
CREATE INDEX reports_category_region_unplaced_idx ON reports (category, region_code, created_at)
    WHERE latitude IS NULL;
