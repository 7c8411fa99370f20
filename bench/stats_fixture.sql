-- A realistic volume of reports for measuring GET /v1/stats.
--
-- Usage, on a database that `sigap-api migrate` and `sigap-api seed` have prepared:
--   psql -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f bench/stats_fixture.sql \
--        [-v reports=1000000] [-v days=365] [-v seed=0.42]
-- psql variables:
--   reports  how many reports to add (default 1000000)
--   days     they are filed evenly over this many days up to now (default 365)
--   seed     seed of random(), for a repeatable set (default 0.42)
-- Running it again adds another set (tickets come from the ticket sequence).
--
-- Each report gets the stamps and the history the real flow would give it:
-- filed uniformly over the regencies; 2 % left in triage, 1 % cancelled; the
-- rest assigned within about 2 s with the SLA of their urgency (critical 15 min,
-- high 1 h, normal 24 h); 4 % escalated once because their first unit never
-- acknowledged; 80 % of the others acknowledged in time and 20 % late; then
-- assessing, in service, resolved and closed over the following days, as far as
-- their age allows. Reports are stored in filing order, as intake stores them.
-- History: each report's received, assigned (or needs_triage) and escalated
-- events; status changes are left out of the history (statistics do not read
-- them) to keep loading quick. Unit loads (units.open_cases) are recomputed.
--
-- Case work: every report lists its people as rows (`beneficiary_count` of
-- them: 1 for 60 %, 2 to 5 for 25 %, 5 to 14 for 15 %, about 2.9 per report,
-- so three million for a million reports), 52 % women, 2 % of unrecorded
-- sex, 10 % of unknown age, ages by category, a disability for every person
-- of a disability report and for one in five others. People of a case being
-- assessed are assessed (70 %), not eligible (10 %) or still waiting; of a
-- case in service mostly in service, some served; of a resolved or closed
-- case served (85 %), not eligible or unreachable. Each assessed person has
-- an assessment (one in ten a second, later one), with Washington Group
-- answers (10 % a lot of difficulty, 5 % cannot do at all per domain). Each
-- person in service or served has a service (one in five a second): 40 % an
-- assistive device, delivered with a handover record for the served, the
-- first still planned for those in service.

\if :{?reports}
\else
\set reports 1000000
\endif
\if :{?days}
\else
\set days 365
\endif
\if :{?seed}
\else
\set seed 0.42
\endif

BEGIN;

SELECT setseed(:seed);

CREATE TEMP TABLE fx_regency ON COMMIT DROP AS
    SELECT (row_number() OVER (ORDER BY code))::int AS i, code, parent_code
    FROM regions WHERE level = 'regency';
CREATE TEMP TABLE fx_unit ON COMMIT DROP AS
    SELECT (row_number() OVER (ORDER BY code))::int AS i, code
    FROM units WHERE active;

CREATE TEMP TABLE fx ON COMMIT DROP AS
WITH draws AS (
    SELECT n, random() AS r_region, random() AS r_category, random() AS r_need,
           random() AS r_urgency, random() AS r_channel, random() AS r_fate, random() AS r_ack,
           random() AS r_unit, random() AS r_unit2, random() AS r_count,
           now() - random() * (:days * interval '1 day') AS created_at,
           random() AS d1, random() AS d2, random() AS d3, random() AS d4, random() AS d5
    FROM generate_series(1, :reports) AS n
), shaped AS (
    SELECT d.*, rg.code AS region_code, rg.parent_code AS province_code,
           (ARRAY['child', 'disability', 'elderly', 'social_vulnerability', 'substance_abuse',
                  'disaster_victim', 'poverty', 'other'])[1 + floor(d.r_category * 8)::int] AS category,
           (ARRAY['assistive_device', 'accessibility', 'rehabilitation', 'protection',
                  'basic_needs', 'evacuation', 'health_referral', 'other'])[1 + floor(d.r_need * 8)::int] AS need,
           CASE WHEN d.r_urgency < 0.1 THEN 'critical' WHEN d.r_urgency < 0.4 THEN 'high' ELSE 'normal' END AS urgency,
           (ARRAY['hotline', 'hotline', 'hotline', 'whatsapp', 'whatsapp', 'email', 'web',
                  'mobile_app', 'partner_api', 'open311'])[1 + floor(d.r_channel * 10)::int] AS channel,
           CASE WHEN d.r_fate < 0.02 THEN 'triage' WHEN d.r_fate < 0.03 THEN 'cancelled'
                WHEN d.r_fate < 0.07 THEN 'escalated' ELSE 'routed' END AS fate,
           u1.code AS unit1, u2.code AS unit2,
           CASE WHEN d.r_count < 0.6 THEN 1 WHEN d.r_count < 0.85 THEN 2 + floor(d.d5 * 4)::int
                ELSE 5 + floor(d.d5 * 10)::int END AS beneficiary_count
    FROM draws d
    JOIN fx_regency rg ON rg.i = 1 + floor(d.r_region * (SELECT count(*) FROM fx_regency))::int
    JOIN fx_unit u1 ON u1.i = 1 + floor(d.r_unit * (SELECT count(*) FROM fx_unit))::int
    JOIN fx_unit u2 ON u2.i = 1 + (floor(d.r_unit * (SELECT count(*) FROM fx_unit))::int
                                   + 1 + floor(d.r_unit2 * ((SELECT count(*) FROM fx_unit) - 1))::int)
                                  % (SELECT count(*) FROM fx_unit)
), timed AS (
    SELECT s.*,
           s.created_at + (0.2 + s.d1 * 1.8) * interval '1 second' AS first_assigned_at,
           CASE s.urgency WHEN 'critical' THEN 900 WHEN 'high' THEN 3600 ELSE 86400 END AS sla
    FROM shaped s
), planned AS (
    SELECT t.*,
           -- The assignment whose SLA is the report's: the first, or after the escalation the second.
           CASE WHEN t.fate = 'escalated' THEN t.first_assigned_at + t.sla * interval '1 second'
                ELSE t.first_assigned_at END AS assigned_at
    FROM timed t
), stamped AS (
    SELECT p.*,
           p.assigned_at + p.sla * interval '1 second' AS sla_due_at,
           p.assigned_at + (CASE WHEN p.r_ack < 0.8 THEN p.r_ack / 0.8 * 0.9 ELSE 1 + (p.r_ack - 0.8) * 10 END)
                           * p.sla * interval '1 second' AS ack_at
    FROM planned p
), lived AS (
    SELECT s.*,
           s.ack_at + (1 + s.d2 * 5) * interval '1 hour' AS assessing_at,
           s.ack_at + (1 + s.d2 * 5) * interval '1 hour' + (1 + s.d3 * 2) * interval '1 day' AS in_service_at,
           s.ack_at + (1 + s.d2 * 5) * interval '1 hour' + (1 + s.d3 * 2) * interval '1 day'
               + (1 + s.d4 * 13) * interval '1 day' AS resolved_at,
           s.ack_at + (1 + s.d2 * 5) * interval '1 hour' + (1 + s.d3 * 2) * interval '1 day'
               + (1 + s.d4 * 13) * interval '1 day' + (1 + s.d5 * 2) * interval '1 day' AS closed_at
    FROM stamped s
)
SELECT -- A UUIDv7 of the filing time, as intake makes them.
       encode(set_byte(overlay(uuid_send(gen_random_uuid())
                               PLACING substring(int8send(floor(extract(epoch FROM l.created_at) * 1000)::bigint) FROM 3)
                               FROM 1 FOR 6),
                       6, (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112), 'hex')::uuid AS id,
       l.*,
       CASE WHEN l.fate IN ('triage', 'cancelled') THEN NULL
            WHEN l.fate = 'escalated' THEN l.unit2 ELSE l.unit1 END AS unit_code,
       CASE
           WHEN l.fate = 'triage' THEN 'needs_triage'
           WHEN l.fate = 'cancelled' THEN 'cancelled'
           WHEN l.fate = 'escalated' AND l.assigned_at > now() THEN 'assigned'
           WHEN l.closed_at <= now() THEN 'closed'
           WHEN l.resolved_at <= now() THEN 'resolved'
           WHEN l.in_service_at <= now() THEN 'in_service'
           WHEN l.assessing_at <= now() THEN 'assessing'
           WHEN l.ack_at <= now() THEN 'acknowledged'
           ELSE 'assigned'
       END AS status
FROM lived l;

-- An escalation not yet due in the future is not an escalation yet: those
-- few stay with their first unit, unacknowledged.
UPDATE fx SET fate = 'routed', unit_code = unit1, assigned_at = first_assigned_at,
    sla_due_at = first_assigned_at + sla * interval '1 second', status = 'assigned'
WHERE fate = 'escalated' AND assigned_at > now();

INSERT INTO reports (id, ticket, tracking_code, channel, category, need, urgency, region_code, province_code,
    address, reporter_anonymous, beneficiary_count, description, filed_by, status, unit_code,
    previous_units, triage_reason, sla_due_at, escalation_level, version, created_at, updated_at,
    assigned_at, acknowledged_at, assessing_at, in_service_at, resolved_at, closed_at, cancelled_at)
SELECT id, ticket, ticket || '-' || upper(substr(md5(id::text), 1, 6)),
       channel, category, need, urgency, region_code, province_code,
       'Alamat uji ' || fx.n, TRUE, beneficiary_count, 'Laporan uji statistik', 'bench-fixture', status, unit_code,
       CASE WHEN fate = 'escalated' THEN ARRAY[unit1] ELSE '{}' END,
       CASE WHEN fate = 'triage' THEN 'no unit covers this report' END,
       CASE WHEN fate IN ('triage', 'cancelled') THEN NULL ELSE sla_due_at END,
       CASE WHEN fate = 'escalated' THEN 1 ELSE 0 END,
       1, created_at, LEAST(now(), GREATEST(created_at, CASE status
           WHEN 'closed' THEN closed_at WHEN 'resolved' THEN resolved_at WHEN 'in_service' THEN in_service_at
           WHEN 'assessing' THEN assessing_at WHEN 'acknowledged' THEN ack_at ELSE assigned_at END)),
       CASE WHEN fate IN ('triage', 'cancelled') THEN NULL ELSE assigned_at END,
       CASE WHEN status IN ('acknowledged', 'assessing', 'in_service', 'resolved', 'closed') THEN ack_at END,
       CASE WHEN status IN ('assessing', 'in_service', 'resolved', 'closed') THEN assessing_at END,
       CASE WHEN status IN ('in_service', 'resolved', 'closed') THEN in_service_at END,
       CASE WHEN status IN ('resolved', 'closed') THEN resolved_at END,
       CASE WHEN status = 'closed' THEN closed_at END,
       CASE WHEN fate = 'cancelled' THEN created_at + (1 + d2 * 5) * interval '1 hour' END
FROM (SELECT fx.*, 'CC-' || to_char(fx.created_at AT TIME ZONE 'UTC', 'YYYY') || '-'
                || lpad(ticket_n::text, greatest(6, length(ticket_n::text)), '0') AS ticket
      FROM (SELECT fx.*, nextval('report_ticket_seq') AS ticket_n FROM fx ORDER BY created_at) AS fx) AS fx
ORDER BY created_at;

INSERT INTO report_events (report_id, kind, to_status, actor, actor_role, created_at)
SELECT id, 'received', 'received', 'bench-fixture', 'operator', created_at FROM fx ORDER BY created_at;

INSERT INTO report_events (report_id, kind, from_status, to_status, unit_code, actor, actor_role, details, created_at)
SELECT id, CASE WHEN fate = 'triage' THEN 'needs_triage' ELSE 'assigned' END, 'received',
       CASE WHEN fate = 'triage' THEN 'needs_triage' ELSE 'assigned' END,
       CASE WHEN fate = 'triage' THEN NULL ELSE unit1 END, 'sigap-router', 'system',
       '{"outcome": "fixture"}'::jsonb, first_assigned_at
FROM fx WHERE fate <> 'cancelled' ORDER BY first_assigned_at;

INSERT INTO report_events (report_id, kind, from_status, to_status, unit_code, actor, actor_role, details, created_at)
SELECT id, 'escalated', 'assigned', 'assigned', unit2, 'sigap-escalation', 'system',
       jsonb_build_object('level', 1, 'missed_by', unit1, 'to_unit', unit2,
                          'sla_due_at', first_assigned_at + sla * interval '1 second'),
       assigned_at
FROM fx WHERE fate = 'escalated';

-- People, assessments and services.
-- A Washington Group answer from a draw: 60 % no difficulty, 25 % some,
-- 10 % a lot, 5 % cannot do at all.
-- (`x` is used once, so that PostgreSQL inlines the call.)
CREATE FUNCTION pg_temp.answer(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['no_difficulty', 'some_difficulty', 'a_lot_of_difficulty', 'cannot_do_at_all'])
           [width_bucket(x, ARRAY[0, 0.6, 0.85, 0.95]::float8[])]
$$;

CREATE TEMP TABLE fx_people ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, fx.id AS report_id, o.ordinal, fx.category, fx.unit_code,
       fx.created_at, fx.assessing_at, fx.in_service_at, random() AS r_status, random() AS r_sex,
       random() AS r_age, random() AS r_disability, random() AS r_again,
       -- The answers of the person's latest assessment.
       ARRAY[pg_temp.answer(random() + 0 * o.r), pg_temp.answer(random() + 0 * o.r),
             pg_temp.answer(random() + 0 * o.r), pg_temp.answer(random() + 0 * o.r),
             pg_temp.answer(random() + 0 * o.r), pg_temp.answer(random() + 0 * o.r)] AS answers,
       CASE
           WHEN fx.status = 'assessing' THEN CASE WHEN o.r < 0.7 THEN 'assessed'
               WHEN o.r < 0.8 THEN 'not_eligible' ELSE 'awaiting_assessment' END
           WHEN fx.status = 'in_service' THEN CASE WHEN o.r < 0.75 THEN 'in_service'
               WHEN o.r < 0.85 THEN 'served' ELSE 'not_eligible' END
           WHEN fx.status IN ('resolved', 'closed') THEN CASE WHEN o.r < 0.85 THEN 'served'
               WHEN o.r < 0.93 THEN 'not_eligible' ELSE 'unreachable' END
           ELSE 'awaiting_assessment'
       END AS status
FROM fx
CROSS JOIN LATERAL (SELECT n AS ordinal, random() AS r
                    FROM generate_series(0, fx.beneficiary_count - 1) AS n) AS o;
ALTER TABLE fx_people ADD COLUMN assessed BOOLEAN;
UPDATE fx_people SET assessed = status IN ('assessed', 'in_service', 'served', 'not_eligible');

SET LOCAL session_replication_role = replica;

INSERT INTO beneficiaries (id, report_id, ordinal, name, sex, age, disabilities, status, status_reason,
    assessed_at, functioning, created_at, updated_at)
SELECT id, report_id, ordinal, 'Penerima uji ' || ordinal,
       CASE WHEN r_sex < 0.52 THEN 'F' WHEN r_sex < 0.98 THEN 'M' END,
       CASE WHEN r_age < 0.1 THEN NULL
            WHEN category = 'elderly' THEN 60 + floor(r_age * 35)::int
            WHEN category = 'child' THEN floor(r_age * 18)::int
            ELSE 18 + floor(r_age * 52)::int END,
       CASE WHEN category = 'disability' OR r_disability < 0.2
            THEN ARRAY[(ARRAY['physical', 'intellectual', 'mental', 'sensory_visual', 'sensory_hearing',
                              'sensory_speech'])[1 + floor(random() * 6)::int]]
            ELSE '{}' END,
       status,
       CASE status WHEN 'not_eligible' THEN 'tidak memenuhi syarat (uji)'
                   WHEN 'unreachable' THEN 'tidak dapat dihubungi (uji)' END,
       CASE WHEN assessed THEN assessing_at + CASE WHEN r_again < 0.1 THEN interval '1 day' ELSE interval '0' END END,
       CASE WHEN assessed THEN answers END,
       created_at, created_at
FROM fx_people
-- In the order intake stores them: a person with their report.
ORDER BY created_at, report_id, ordinal;

INSERT INTO assessments (id, beneficiary_id, report_id, assessed_on, method, eligible, findings,
    seeing, hearing, walking, remembering, self_care, communicating, assessed_by, created_at)
SELECT gen_random_uuid(), p.id, p.report_id, (p.assessing_at + a.later)::date, 'home_visit',
       p.status <> 'not_eligible', 'Asesmen uji',
       a.answers[1], a.answers[2], a.answers[3], a.answers[4], a.answers[5], a.answers[6],
       'bench-fixture', p.assessing_at + a.later
FROM fx_people p
CROSS JOIN LATERAL (
    -- The latest: a day after the first for one in ten, reassessed.
    SELECT CASE WHEN p.r_again < 0.1 THEN interval '1 day' ELSE interval '0' END AS later, p.answers
    UNION ALL
    SELECT interval '0', ARRAY[pg_temp.answer(random()), pg_temp.answer(random()),
                               pg_temp.answer(random()), pg_temp.answer(random()),
                               pg_temp.answer(random()), pg_temp.answer(random())]
    WHERE p.r_again < 0.1
) AS a
WHERE p.assessed
ORDER BY p.assessing_at + a.later;

INSERT INTO services (id, report_id, beneficiary_id, unit_code, component, modality, item, quantity, due_on,
    status, delivered_on, delivered_quantity, handover_ref, received_by, follow_up_due_on, planned_by,
    created_at, updated_at)
SELECT gen_random_uuid(), s.report_id, s.beneficiary_id, s.unit_code, s.component,
       (ARRAY['family_based', 'community_based', 'residential'])[1 + floor(random() * 3)::int],
       s.item, 1, (s.in_service_at + interval '14 days')::date,
       CASE WHEN s.delivered THEN 'delivered' ELSE 'planned' END,
       CASE WHEN s.delivered THEN s.delivered_on END,
       CASE WHEN s.delivered THEN 1 END,
       CASE WHEN s.delivered THEN 'BAST/UJI/' || s.n END,
       CASE WHEN s.delivered THEN 'Penerima uji' END,
       CASE WHEN s.delivered AND s.item IS NOT NULL THEN s.delivered_on + 90 END,
       'bench-fixture', s.in_service_at, s.in_service_at
FROM (
    SELECT c.*,
           CASE WHEN c.component = 'accessibility_support' THEN
               CASE WHEN c.r < 0.35 THEN 'wheelchair' WHEN c.r < 0.5 THEN 'walking_stick'
                    WHEN c.r < 0.65 THEN 'hearing_aid' WHEN c.r < 0.75 THEN 'walker'
                    WHEN c.r < 0.85 THEN 'crutches' WHEN c.r < 0.9 THEN 'white_cane'
                    WHEN c.r < 0.95 THEN 'prosthesis' ELSE 'orthosis' END END AS item,
           LEAST(current_date, (c.in_service_at + (1 + floor(c.r * 20)) * interval '1 day')::date) AS delivered_on
    FROM (
        SELECT p.report_id, p.id AS beneficiary_id, p.unit_code, p.in_service_at, k.n,
               p.status = 'served' OR k.second AS delivered, random() AS r,
               CASE WHEN random() < 0.4 THEN 'accessibility_support'
                    ELSE (ARRAY['decent_living_support', 'social_care', 'family_support', 'therapy',
                                'vocational_training', 'social_assistance'])[1 + floor(random() * 6)::int] END
               AS component
        FROM fx_people p
        CROSS JOIN LATERAL (SELECT FALSE AS second, 1 AS n
                            UNION ALL SELECT TRUE, 2 WHERE p.r_again < 0.2) AS k
        WHERE p.status IN ('in_service', 'served')
    ) AS c
) AS s
ORDER BY s.in_service_at;

-- The rows above are consistent by construction: their foreign keys are
-- not checked one by one (as a restore does), which would triple the load.
SET LOCAL session_replication_role = DEFAULT;

UPDATE units u SET open_cases = (
    SELECT count(*) FROM reports r
    WHERE r.unit_code = u.code AND r.status IN ('assigned', 'acknowledged', 'assessing', 'in_service'));

COMMIT;

VACUUM ANALYZE reports;
VACUUM ANALYZE report_events;
VACUUM ANALYZE beneficiaries;
VACUUM ANALYZE assessments;
VACUUM ANALYZE services;
