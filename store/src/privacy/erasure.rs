//! Erasure of personal data (UU PDP): of whole cases once they have been
//! finished longer than the retention time ([`erase_due`]), and of one
//! person at their request (a subject request of kind `erasure`).
//!
//! What is erased: names, NIKs and phone numbers with their blind indexes,
//! birth dates (the age at filing is kept, so that age bands stay the
//! same), addresses, the description, notes, transfer and merge reasons,
//! the people's end reasons, assessment findings and recommendation notes,
//! service notes, receivers and reasons, follow-up notes, attachments'
//! names, notes and bytes. Free text becomes [`MARKER`]; names, NIKs, phones
//! and birth dates become null (a marker as a name would be looked up as a
//! person by the duplicate check); coordinates are rounded to 0.01°. What
//! the statistics count stays: statuses, category, region, unit, times,
//! sex, age, disabilities, functioning, and services' component, item,
//! quantities and dates.
//!
//! The report's list of people (`reports.beneficiaries`) is rewritten from
//! the erased rows, so that its triggers keep the rows and the duplicate
//! look-up (`report_people`) as they are: an erased person is no longer
//! found by anything.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Interval, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use uuid::Uuid;

/// What replaces erased free text.
pub const MARKER: &str = "[dihapus]";

/// The statuses after which a case's clock of retention runs: closed,
/// cancelled and merged as a duplicate (each sets `closed_at` or
/// `cancelled_at`). A resolved case is not finished: it may still be
/// reopened.
pub const FINISHED: [&str; 3] = ["closed", "cancelled", "duplicate"];

/// Runs `sql` with the ids `$1` and the marker `$2`; the rows changed.
async fn with_marker(conn: &mut AsyncPgConnection, sql: &str, ids: &[Uuid]) -> Result<usize> {
    Ok(diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Text, _>(MARKER)
        .execute(conn)
        .await?)
}

/// Erases the personal data of the people `ids` (rows of `beneficiaries`)
/// and of their assessments and services, and rewrites their reports'
/// lists. Idempotent. The caller holds the reports' locks.
pub async fn erase_people(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let erased = with_marker(
        conn,
        "UPDATE beneficiaries b SET \
            age = coalesce(date_part('year', age((r.created_at AT TIME ZONE 'Asia/Jakarta')::date, \
                b.birth_date))::int, b.age), \
            birth_date = NULL, name = NULL, nik = NULL, nik_index = NULL, \
            phone = NULL, phone_index = NULL, \
            address = CASE WHEN b.address IS NOT NULL THEN $2 END, \
            status_reason = CASE WHEN b.status_reason IS NOT NULL THEN $2 END, \
            erased_at = coalesce(b.erased_at, now()), updated_at = now() \
         FROM reports r WHERE r.id = b.report_id AND b.id = ANY($1)",
        ids,
    )
    .await?;
    with_marker(
        conn,
        "UPDATE assessments SET findings = $2, \
            recommendations = coalesce((SELECT jsonb_agg(CASE WHEN jsonb_typeof(e) = 'object' \
                THEN e - 'note' ELSE e END) FROM jsonb_array_elements(recommendations) e), '[]') \
         WHERE beneficiary_id = ANY($1)",
        ids,
    )
    .await?;
    with_marker(
        conn,
        "UPDATE services SET \
            note = CASE WHEN note IS NOT NULL THEN $2 END, \
            received_by = CASE WHEN received_by IS NOT NULL THEN $2 END, \
            delivery_note = CASE WHEN delivery_note IS NOT NULL THEN $2 END, \
            cancel_reason = CASE WHEN cancel_reason IS NOT NULL THEN $2 END \
         WHERE beneficiary_id = ANY($1)",
        ids,
    )
    .await?;
    with_marker(
        conn,
        "UPDATE service_follow_ups f SET note = $2 \
         FROM services s WHERE s.id = f.service_id AND s.beneficiary_id = ANY($1) \
           AND f.note IS NOT NULL",
        ids,
    )
    .await?;
    // A guardian's consent must name the guardian (a CHECK): the marker
    // stands in for the name, as for the other free text.
    with_marker(
        conn,
        "UPDATE consents SET \
            guardian_name = CASE WHEN guardian_name IS NOT NULL THEN $2 END, \
            withdrawal_reason = CASE WHEN withdrawal_reason IS NOT NULL THEN $2 END \
         WHERE beneficiary_id = ANY($1)",
        ids,
    )
    .await?;
    rewrite_lists(conn, ids).await?;
    Ok(erased)
}

/// Writes the lists (`reports.beneficiaries`) of the reports of the people
/// `ids` from their rows: an erased person's entry keeps only age, sex,
/// disabilities and the address marker; the others are as the rows say
/// (the same merge as case work's mirror).
async fn rewrite_lists(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<()> {
    diesel::sql_query(
        "UPDATE reports r SET updated_at = now(), beneficiaries = coalesce((\
            SELECT jsonb_agg(CASE WHEN b.erased_at IS NOT NULL THEN \
                jsonb_strip_nulls(jsonb_build_object('age', b.age, 'sex', b.sex, 'address', b.address)) \
                || jsonb_build_object('disabilities', to_jsonb(b.disabilities)) \
              ELSE (coalesce(r.beneficiaries -> b.ordinal, '{}'::jsonb) \
                - 'name' - 'nik' - 'nik_index' - 'birth_date' - 'age' - 'sex' - 'phone' \
                - 'phone_index' - 'address' - 'disabilities') \
                || jsonb_strip_nulls(jsonb_build_object('name', b.name, 'nik', b.nik, \
                    'nik_index', b.nik_index, 'birth_date', b.birth_date, 'age', b.age, \
                    'sex', b.sex, 'phone', b.phone, 'phone_index', b.phone_index, \
                    'address', b.address)) \
                || jsonb_build_object('disabilities', to_jsonb(b.disabilities)) END \
              ORDER BY b.ordinal) \
            FROM beneficiaries b WHERE b.report_id = r.id), '[]'::jsonb) \
         WHERE r.id IN (SELECT report_id FROM beneficiaries WHERE id = ANY($1))",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Erases the reporter's name and phone (with its index) of `reports`.
pub async fn erase_reporters(conn: &mut AsyncPgConnection, reports: &[Uuid]) -> Result<usize> {
    if reports.is_empty() {
        return Ok(0);
    }
    Ok(diesel::sql_query(
        "UPDATE reports SET reporter_name = NULL, reporter_phone = NULL, \
            reporter_phone_index = NULL, updated_at = now() \
         WHERE id = ANY($1) AND (reporter_name IS NOT NULL OR reporter_phone IS NOT NULL \
            OR reporter_phone_index IS NOT NULL)",
    )
    .bind::<Array<SqlUuid>, _>(reports)
    .execute(conn)
    .await?)
}

/// Erases the personal data of whole cases: the reporter, every person,
/// the address, description and coordinates, the history's notes and
/// reasons, the attachments; sets `erased_at`. The caller holds the
/// reports' locks.
pub async fn erase_cases(conn: &mut AsyncPgConnection, reports: &[Uuid]) -> Result<usize> {
    if reports.is_empty() {
        return Ok(0);
    }
    let people: Vec<Uuid> = crate::schema::beneficiaries::table
        .filter(crate::schema::beneficiaries::report_id.eq_any(reports))
        .select(crate::schema::beneficiaries::id)
        .load(conn)
        .await?;
    erase_people(conn, &people).await?;
    erase_reporters(conn, reports).await?;
    let erased = with_marker(
        conn,
        "UPDATE reports SET \
            address = CASE WHEN address IS NOT NULL THEN $2 END, description = $2, \
            latitude = round(latitude::numeric, 2)::float8, \
            longitude = round(longitude::numeric, 2)::float8, \
            erased_at = coalesce(erased_at, now()), updated_at = now() \
         WHERE id = ANY($1)",
        reports,
    )
    .await?;
    with_marker(
        conn,
        "UPDATE report_events SET \
            note = CASE WHEN note IS NOT NULL THEN $2 END, \
            details = CASE WHEN kind IN ('transferred', 'merged_into', 'merged_from') \
                AND details ? 'reason' THEN jsonb_set(details, '{reason}', to_jsonb($2::text)) \
                ELSE details END \
         WHERE report_id = ANY($1) AND (note IS NOT NULL OR (details ? 'reason' \
            AND kind IN ('transferred', 'merged_into', 'merged_from')))",
        reports,
    )
    .await?;
    with_marker(
        conn,
        "UPDATE attachments SET filename = $2, bytes = ''::bytea, \
            note = CASE WHEN note IS NOT NULL THEN $2 END, \
            beneficiary_ref = CASE WHEN beneficiary_ref IS NOT NULL THEN $2 END \
         WHERE report_id = ANY($1) AND (octet_length(bytes) > 0 OR filename <> $2)",
        reports,
    )
    .await?;
    Ok(erased)
}

/// A finished case whose personal data retention would erase.
#[derive(Debug, Clone, QueryableByName)]
pub struct Due {
    /// The report.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Its ticket.
    #[diesel(sql_type = Text)]
    pub ticket: String,
    /// `closed`, `cancelled` or `duplicate`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// When it was closed (or cancelled, or merged).
    #[diesel(sql_type = Timestamptz)]
    pub closed_at: DateTime<Utc>,
}

fn interval(older_than: Duration) -> diesel::data_types::PgInterval {
    diesel::data_types::PgInterval::from_microseconds(
        i64::try_from(older_than.as_micros()).unwrap_or(i64::MAX),
    )
}

/// The cases finished longer than `older_than` ago and not erased yet,
/// oldest first, after the case `after` (its end time and id), at most
/// `limit`: what a pass would erase. Changes nothing.
pub async fn due(
    conn: &mut AsyncPgConnection,
    older_than: Duration,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Due>> {
    let (after_at, after_id) = after.unzip();
    Ok(diesel::sql_query(
        "SELECT id, ticket, status, coalesce(closed_at, cancelled_at) AS closed_at FROM reports \
         WHERE erased_at IS NULL AND status IN ('closed', 'cancelled', 'duplicate') \
           AND coalesce(closed_at, cancelled_at) < now() - $1 \
           AND ($2::timestamptz IS NULL OR (coalesce(closed_at, cancelled_at), id) > ($2, $3)) \
         ORDER BY coalesce(closed_at, cancelled_at), id LIMIT $4",
    )
    .bind::<Interval, _>(interval(older_than))
    .bind::<Nullable<Timestamptz>, _>(after_at)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Erases, in one transaction, up to `batch` cases finished longer than
/// `older_than` ago and not erased yet; returns how many. Cases another
/// worker (or a person's change) holds are skipped (`SKIP LOCKED`): the
/// next pass finds them.
pub async fn erase_due(
    conn: &mut AsyncPgConnection,
    older_than: Duration,
    batch: i64,
) -> Result<usize> {
    conn.transaction::<_, Error, _>(async |conn| {
        let ids: Vec<Id> = diesel::sql_query(
            "SELECT id FROM reports \
             WHERE erased_at IS NULL AND status IN ('closed', 'cancelled', 'duplicate') \
               AND coalesce(closed_at, cancelled_at) < now() - $1 \
             ORDER BY coalesce(closed_at, cancelled_at), id LIMIT $2 \
             FOR UPDATE SKIP LOCKED",
        )
        .bind::<Interval, _>(interval(older_than))
        .bind::<BigInt, _>(batch)
        .load(conn)
        .await?;
        let ids: Vec<Uuid> = ids.into_iter().map(|r| r.id).collect();
        erase_cases(conn, &ids).await
    })
    .await
}

/// Runs passes of [`erase_due`] until one erases fewer than `batch`;
/// returns how many cases were erased.
pub async fn erase_all_due(
    conn: &mut AsyncPgConnection,
    older_than: Duration,
    batch: i64,
) -> Result<usize> {
    let mut total = 0;
    loop {
        let erased = erase_due(conn, older_than, batch).await?;
        total += erased;
        if (erased as i64) < batch {
            return Ok(total);
        }
    }
}
