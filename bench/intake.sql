-- Sigap's intake statement (store/src/intake/file_report.sql) for a request with an
-- Idempotency-Key, with the values the api would bind: take the key's
-- advisory lock, look for an earlier report with the key, then store the
-- report, its `received` event and its outbox message, the ticket from the
-- sequence and the tracking code the ticket and a random suffix, in one
-- implicit transaction. Ids are time-ordered (UUIDv7) like
-- the api's.
\set k random(1, 1000000000000000)
\set region random(1, 9)
WITH ids AS (
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
               substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS report_id,
           encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
               substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS message_id,
           ('13.0' || :region) AS region,
           'bench-operator'::text AS owner,
           ('pgbench-' || :client_id || '-' || :k) AS key
), claim AS (
    SELECT CASE WHEN ids.key IS NULL THEN true
        ELSE pg_try_advisory_xact_lock(hashtextextended(ids.owner || chr(31) || ids.key, 7)) END AS locked
    FROM ids
), earlier AS (
    SELECT id, ticket, created_at, request_hash FROM reports, ids
    WHERE idempotency_owner = ids.owner AND idempotency_key = ids.key
), report AS (
    INSERT INTO reports (id, ticket, tracking_code, idempotency_owner, idempotency_key, request_hash, channel, category,
        need, urgency, region_code, province_code, address, latitude, longitude, reporter_name,
        reporter_phone, reporter_anonymous, beneficiaries, beneficiary_count, description,
        external_ref, filed_by, client_id)
    SELECT ids.report_id, seq.ticket, seq.ticket || '-' || upper(substr(md5(random()::text), 1, 6)),
        ids.owner, ids.key, encode(sha256(('pgbench-' || :k)::bytea), 'hex'),
        'hotline', 'elderly', 'assistive_device', 'high', ids.region,
        (SELECT coalesce(parent_code, code) FROM regions WHERE code = ids.region),
        'Jorong Koto Tuo, Kec. Kamang Baru', -0.69, 100.95, 'Pelapor', '+6281234567890', false,
        '[{"age": 78, "sex": "F", "name": "Penerima", "disability": "physical"}]'::jsonb, 1,
        'Lansia tinggal sendiri setelah banjir, rumah rusak, butuh kursi roda dan bantuan dasar.',
        'pgbench', 'bench-operator', NULL
    FROM ids, claim, (SELECT 'CC-' || to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '-'
            || lpad(n::text, greatest(6, length(n::text)), '0') AS ticket
        FROM (SELECT nextval('report_ticket_seq') AS n) s) seq
    WHERE claim.locked AND NOT EXISTS (SELECT 1 FROM earlier)
    RETURNING id, ticket, created_at, request_hash
), event AS (
    INSERT INTO report_events (report_id, kind, to_status, actor, actor_role, details)
    SELECT id, 'received', 'received', 'bench-operator', 'operator', '{"channel": "hotline"}'::jsonb FROM report
), message AS (
    INSERT INTO outbox (message_id, exchange, routing_key, payload)
    SELECT ids.message_id, 'reports', 'report.received.high',
        jsonb_build_object('type', 'ReportReceivedV1', 'report_id', report.id, 'urgency', 'high',
            'request_id', gen_random_uuid()::text)
    FROM report, ids
)
SELECT 'filed' AS outcome, id, ticket, created_at, request_hash FROM report
UNION ALL
SELECT 'earlier', id, ticket, created_at, request_hash FROM earlier, claim WHERE claim.locked
UNION ALL
SELECT 'in_flight', NULL, NULL, NULL, NULL FROM claim WHERE NOT claim.locked;
