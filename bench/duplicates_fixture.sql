-- A million reports with people for measuring POST /v1/reports:check.
--
-- Usage, on a database that `sigap-api migrate` and `sigap-api seed` have prepared:
--   psql -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f bench/duplicates_fixture.sql [-v reports=1000000]
-- Reports are spread uniformly over the regencies and categories, filed over
-- the last year, each near its regency's centroid (within about 20 km) with
-- one to three people whose names come from 60 given names and 60 family
-- names (so each name recurs hundreds of times nationally), one in two with
-- a NIK and one in three with a phone. A third are closed, at any time in
-- the year. The trigger fills report_people as intake does.

\if :{?reports}
\else
\set reports 1000000
\endif

BEGIN;
SELECT setseed(0.17);

CREATE TEMP TABLE fx_regency ON COMMIT DROP AS
    SELECT (row_number() OVER (ORDER BY code))::int AS i, code, parent_code, latitude, longitude
    FROM regions WHERE level = 'regency' AND latitude IS NOT NULL;

CREATE TEMP TABLE fx_given (i int, name text) ON COMMIT DROP;
INSERT INTO fx_given SELECT row_number() OVER (), n FROM unnest(string_to_array(
    'Siti,Ahmad,Budi,Dewi,Eko,Fitri,Gita,Hadi,Indah,Joko,Kartini,Lestari,Made,Nur,Oktaviani,Putri,Rahmat,Sari,Tono,Umar,'
    'Wati,Yusuf,Zainal,Agus,Bambang,Citra,Dian,Endang,Fajar,Hendra,Ikhsan,Jamal,Komang,Lina,Maya,Nia,Rina,Slamet,Teguh,Wayan,'
    'Yanti,Andi,Bayu,Cahya,Dedi,Erna,Farida,Gunawan,Hasan,Ida,Irwan,Juwita,Kurnia,Lukman,Mulyadi,Nanda,Rizki,Sutrisno,Tuti,Wahyu', ',')) n;
CREATE TEMP TABLE fx_family (i int, name text) ON COMMIT DROP;
INSERT INTO fx_family SELECT row_number() OVER (), n FROM unnest(string_to_array(
    'Aminah,Rahmawati,Santoso,Wijaya,Saputra,Hidayat,Kusuma,Pratama,Nugroho,Setiawan,Siregar,Nasution,Harahap,Lubis,Simanjuntak,'
    'Sinaga,Tanjung,Putra,Lestari,Hasibuan,Rangkuti,Daulay,Sembiring,Ginting,Tarigan,Manurung,Pane,Batubara,Purba,Damanik,'
    'Halim,Gunadi,Suryadi,Wibowo,Susanto,Kurniawan,Hakim,Syahputra,Maulana,Ramadhan,Fauzi,Firmansyah,Hartono,Irawan,Yulianti,'
    'Safitri,Anggraini,Permata,Utami,Wulandari,Handayani,Puspita,Marlina,Sulistyo,Wardani,Rusdi,Effendi,Zulkarnain,Ismail,Bakar', ',')) n;

INSERT INTO reports (id, ticket, tracking_code, channel, category, need, urgency, region_code, province_code,
    latitude, longitude, reporter_anonymous, beneficiaries, beneficiary_count, description,
    filed_by, status, created_at, updated_at, closed_at)
SELECT gen_random_uuid(),
       'BX-' || lpad(d.n::text, 8, '0'), 'BX-' || lpad(d.n::text, 8, '0') || '-BENCH0',
       'hotline',
       (ARRAY['child', 'disability', 'elderly', 'social_vulnerability', 'substance_abuse',
              'disaster_victim', 'poverty', 'other'])[1 + floor(d.r_category * 8)::int],
       'other', 'normal', rg.code, rg.parent_code,
       rg.latitude + (d.r_lat - 0.5) * 0.36, rg.longitude + (d.r_lon - 0.5) * 0.36,
       TRUE,
       (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'name', g.name || ' ' || f.name,
                'nik', CASE WHEN random() < 0.5 THEN replace(rg.code, '.', '') || lpad(floor(random() * 100)::text, 2, '0')
                    || lpad((1 + floor(random() * 28))::text, 2, '0') || lpad((1 + floor(random() * 12))::text, 2, '0')
                    || lpad(floor(random() * 100)::text, 2, '0') || lpad(floor(random() * 10000)::text, 4, '0') END,
                'phone', CASE WHEN random() < 0.33 THEN '+628' || lpad(floor(random() * 1e10)::bigint::text, 10, '0') END)))
        FROM (SELECT 1 + floor(random() * 60)::int AS gi, 1 + floor(random() * 60)::int AS fi
              FROM generate_series(1, d.people)) AS k
        JOIN fx_given g ON g.i = k.gi JOIN fx_family f ON f.i = k.fi),
       d.people, 'Laporan uji duplikat', 'bench-fixture',
       CASE WHEN d.r_closed < 0.33 THEN 'closed' ELSE 'assigned' END,
       d.created_at, d.created_at,
       CASE WHEN d.r_closed < 0.33 THEN d.created_at + interval '3 days' END
FROM (
    SELECT n + (SELECT count(*) FROM reports WHERE ticket LIKE 'BX-%') AS n, random() AS r_region, random() AS r_category, random() AS r_lat, random() AS r_lon,
           random() AS r_closed, 1 + floor(random() * random() * 3)::int AS people,
           now() - random() * interval '365 days' AS created_at
    FROM generate_series(1, :reports) AS n
) d
JOIN fx_regency rg ON rg.i = 1 + floor(d.r_region * (SELECT count(*) FROM fx_regency))::int
ORDER BY d.created_at;

COMMIT;
VACUUM ANALYZE reports;
VACUUM ANALYZE report_people;
