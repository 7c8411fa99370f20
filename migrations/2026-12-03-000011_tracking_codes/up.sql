-- A tracking code per report: the ticket, `-` and six random characters of
-- Crockford's base32 (no I, L, O or U), so that knowing one ticket does not
-- let anyone guess another's code. Reports filed from now on get theirs from
-- the api; the ones already stored get a random suffix here.
ALTER TABLE reports ADD COLUMN tracking_code TEXT;

-- Six characters from the CSPRNG behind gen_random_uuid(): its first six
-- bytes are all random, and 256 is a multiple of 32, so `% 32` is uniform.
-- VOLATILE, so that every row gets its own.
CREATE FUNCTION pg_temp.tracking_suffix() RETURNS TEXT LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', get_byte(r.bytes, i) % 32 + 1, 1), '' ORDER BY i)
    FROM (SELECT uuid_send(gen_random_uuid()) AS bytes) r, generate_series(0, 5) i
$$;

UPDATE reports SET tracking_code = ticket || '-' || pg_temp.tracking_suffix();

ALTER TABLE reports ALTER COLUMN tracking_code SET NOT NULL;
ALTER TABLE reports ADD CONSTRAINT reports_tracking_code_key UNIQUE (tracking_code);
