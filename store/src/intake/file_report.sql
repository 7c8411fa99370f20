-- The whole intake in one statement (one round trip, one implicit
-- transaction). Its arguments arrive as one JSON object with named fields
-- (`IntakeArguments`), so that no value can land in another's column. With
-- an idempotency key it takes the key's advisory lock, held until the
-- statement commits, and looks for an earlier report with the key; it stores
-- the report, its first event and its outbox row only when it holds the lock
-- and the key is new. The ticket comes from a sequence; the tracking code is
-- the ticket and the random suffix the caller drew.
WITH input AS (
    SELECT * FROM jsonb_to_record($1) AS i(
        id uuid,
        idempotency_owner text,
        idempotency_key text,
        request_hash text,
        channel text,
        category text,
        need text,
        urgency text,
        region_code text,
        address text,
        latitude float8,
        longitude float8,
        reporter_name text,
        reporter_phone text,
        reporter_phone_index text,
        reporter_anonymous boolean,
        beneficiaries jsonb,
        beneficiary_count int,
        description text,
        external_ref text,
        filed_by text,
        client_id text,
        status text,
        actor_role text,
        event_details jsonb,
        message_id uuid,
        routing_key text,
        payload jsonb,
        tracking_suffix text
    )
), claim AS (
    SELECT CASE WHEN i.idempotency_key IS NULL THEN true
        ELSE pg_try_advisory_xact_lock(hashtextextended(i.idempotency_owner || chr(31) || i.idempotency_key, 7))
        END AS locked
    FROM input i
), earlier AS (
    SELECT r.id, r.ticket, r.tracking_code, r.created_at, r.request_hash FROM reports r, input i
    WHERE r.idempotency_owner = i.idempotency_owner AND r.idempotency_key = i.idempotency_key
), report AS (
    INSERT INTO reports (id, ticket, tracking_code, idempotency_owner, idempotency_key, request_hash, channel, category,
        need, urgency, region_code, province_code, address, latitude, longitude, reporter_name,
        reporter_phone, reporter_phone_index, reporter_anonymous, beneficiaries, beneficiary_count, description,
        external_ref, filed_by, client_id, status)
    SELECT i.id, seq.ticket, seq.ticket || '-' || i.tracking_suffix, i.idempotency_owner, i.idempotency_key, i.request_hash, i.channel, i.category, i.need, i.urgency,
        i.region_code, (SELECT coalesce(parent_code, code) FROM regions WHERE code = i.region_code),
        i.address, i.latitude, i.longitude, i.reporter_name, i.reporter_phone, i.reporter_phone_index, i.reporter_anonymous,
        i.beneficiaries, i.beneficiary_count, i.description, i.external_ref, i.filed_by, i.client_id,
        i.status
    FROM input i, claim, (
        SELECT 'CC-' || to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '-'
            || lpad(n::text, greatest(6, length(n::text)), '0') AS ticket
        FROM (SELECT nextval('report_ticket_seq') AS n) s
    ) seq
    WHERE claim.locked AND NOT EXISTS (SELECT 1 FROM earlier)
    RETURNING id, ticket, tracking_code, created_at, request_hash
), event AS (
    INSERT INTO report_events (report_id, kind, to_status, actor, actor_role, details)
    SELECT report.id, i.status, i.status, i.filed_by, i.actor_role, i.event_details FROM report, input i
), message AS (
    INSERT INTO outbox (message_id, exchange, routing_key, payload)
    SELECT i.message_id, 'reports', i.routing_key, i.payload FROM report, input i
)
SELECT 'filed' AS outcome, id, ticket, tracking_code, created_at, request_hash FROM report
UNION ALL
SELECT 'earlier', id, ticket, tracking_code, created_at, request_hash FROM earlier, claim WHERE claim.locked
UNION ALL
SELECT 'in_flight', NULL, NULL, NULL, NULL, NULL FROM claim WHERE NOT claim.locked
