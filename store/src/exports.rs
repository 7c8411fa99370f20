//! Exports: files of reports, beneficiaries or statistics that a caller asks
//! for and the worker builds.
//!
//! A request is a row of `exports` (`queued`). Workers poll for work and
//! claim a row with `FOR UPDATE SKIP LOCKED`, so several can run; a claim is
//! a lease (`lease_until`) that the builder renews as it goes. A worker that
//! dies mid-build stops renewing: once the lease has run out another worker
//! claims the job and builds it again from the start, up to
//! [`MAX_ATTEMPTS`] times. The finished file is stored in `export_chunks`
//! (1 MiB each) in the same transaction that marks the export `ready`, so a
//! download never sees half a file; `expires_at` is set then, and the
//! worker's sweep deletes the chunks once it has passed (`expired`).
//!
//! What an export holds is decided here, with the caller's claims stored on
//! the row: the rows are those the requester may read
//! ([`crate::reports::Visibility`]), and personal data appears only when the
//! requester may see it ([`crate::reports::PersonalData`]).

use crate::casework::{self, ServiceLine};
use crate::error::{Error, Result};
use crate::reports::{self, ListCursor, PersonalData, ReportFilter, ReportRow};
use crate::schema::{export_chunks, exports};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Int4, Interval, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use sigap_domain::{Category, Claims, Role, Status, Urgency};
use std::collections::HashSet;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use uuid::Uuid;

/// A job is built at most this many times (a worker died, or the build
/// failed); then it is `failed`.
pub const MAX_ATTEMPTS: i32 = 3;
/// Size of one stored piece of a file.
pub const CHUNK_BYTES: usize = 1024 * 1024;
/// Reports read per page while building.
pub const PAGE_ROWS: i64 = 5_000;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling stored and shown.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value spelled `text`, if any.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            fn read(text: &str) -> Result<$name> {
                $name::parse(text).ok_or_else(|| {
                    Error::Database(diesel::result::Error::DeserializationError(
                        format!("unknown {} {text:?}", stringify!($name)).into(),
                    ))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What an export lists.
    ExportKind {
        /// Reports, as `GET /v1/reports` lists them.
        Reports => "reports",
        /// The people listed on those reports, one row each.
        Beneficiaries => "beneficiaries",
        /// The services planned for the people of those reports, one row each.
        Services => "services",
        /// The figures of `GET /v1/stats`.
        Stats => "stats",
    }
);

text_enum!(
    /// The file's format.
    ExportFormat {
        /// UTF-8 with a byte-order mark, comma-separated.
        Csv => "csv",
        /// An Excel workbook.
        Xlsx => "xlsx",
    }
);

impl ExportFormat {
    /// The media type of the file.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

text_enum!(
    /// Where an export is.
    ExportStatus {
        /// Waiting for a worker.
        Queued => "queued",
        /// A worker is building the file.
        Building => "building",
        /// The file can be downloaded until `expires_at`.
        Ready => "ready",
        /// Every attempt failed.
        Failed => "failed",
        /// The file was kept its time and deleted.
        Expired => "expired",
    }
);

/// The filters of a reports (beneficiaries, services) export: those of
/// `GET /v1/reports`, without paging, on the reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFilters {
    /// Any of these statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Vec<Status>>,
    /// Held by this unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// A province or regency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Of this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Of this urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// Filed at or after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_from: Option<DateTime<Utc>>,
    /// Filed before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_to: Option<DateTime<Utc>>,
    /// Changed after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_since: Option<DateTime<Utc>>,
    /// Only overdue cases (`true`) or only those not overdue (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
}

impl ReportFilters {
    /// The list's filter, from the first page.
    pub fn to_filter(&self) -> ReportFilter {
        ReportFilter {
            statuses: self.status.clone(),
            unit: self.unit.clone(),
            region: self.region.clone(),
            category: self.category,
            urgency: self.urgency,
            created_from: self.created_from,
            created_to: self.created_to,
            updated_since: self.updated_since,
            overdue: self.overdue,
            after: None,
        }
    }
}

/// The filters of a statistics export: those of `GET /v1/stats`, resolved
/// (the range is fixed when the export is requested).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsFilters {
    /// Filed at or after.
    pub from: DateTime<Utc>,
    /// Filed before.
    pub to: DateTime<Utc>,
    /// A province or regency code; none for the whole country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// An export as stored.
#[derive(Debug, Clone)]
pub struct Export {
    /// UUIDv7.
    pub id: Uuid,
    /// What it lists.
    pub kind: ExportKind,
    /// Its format.
    pub format: ExportFormat,
    /// The checked filters ([`ReportFilters`] or [`StatsFilters`]).
    pub filters: serde_json::Value,
    /// The requester, as their claims said when they asked: the file holds
    /// what they could read then.
    pub requester: Claims,
    /// Where it is.
    pub status: ExportStatus,
    /// Builds started.
    pub attempts: i32,
    /// Rows written (data rows, headers left out), once ready.
    pub row_count: Option<i64>,
    /// Size of the file in bytes, once ready.
    pub size_bytes: Option<i64>,
    /// The file's name, once ready.
    pub filename: Option<String>,
    /// Why it failed (no personal data: a kind of error).
    pub error: Option<String>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When the last build started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it became ready or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// When the file is deleted.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Export {
    /// Whether the file is past its time (whether or not the sweep has
    /// deleted it yet).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.status == ExportStatus::Expired || self.expires_at.is_some_and(|at| at <= now)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = exports, check_for_backend(diesel::pg::Pg))]
struct ExportRow {
    id: Uuid,
    kind: String,
    format: String,
    filters: serde_json::Value,
    requested_by: String,
    requester_role: String,
    requester_unit: Option<String>,
    requester_region: Option<String>,
    status: String,
    attempts: i32,
    row_count: Option<i64>,
    size_bytes: Option<i64>,
    filename: Option<String>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl TryFrom<ExportRow> for Export {
    type Error = Error;

    fn try_from(row: ExportRow) -> Result<Export> {
        let role = Role::parse(&row.requester_role).ok_or_else(|| {
            Error::Database(diesel::result::Error::DeserializationError(
                format!("unknown role {:?}", row.requester_role).into(),
            ))
        })?;
        Ok(Export {
            id: row.id,
            kind: ExportKind::read(&row.kind)?,
            format: ExportFormat::read(&row.format)?,
            filters: row.filters,
            requester: Claims {
                sub: row.requested_by,
                role,
                unit: row.requester_unit,
                region: row.requester_region,
                scope: None,
                exp: 0,
                iat: 0,
                iss: String::new(),
                aud: String::new(),
                sid: None,
                enrol_only: false,
            },
            status: ExportStatus::read(&row.status)?,
            attempts: row.attempts,
            row_count: row.row_count,
            size_bytes: row.size_bytes,
            filename: row.filename,
            error: row.error,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            expires_at: row.expires_at,
        })
    }
}

/// Whether the export's file holds personal data: names, phones, NIKs or
/// addresses are columns of reports, people and services exported by a
/// role that may see them (statistics never hold any).
pub fn holds_personal_data(export: &Export) -> bool {
    export.kind != ExportKind::Stats
        && reports::PersonalData::of(&export.requester) != reports::PersonalData::Nothing
}

/// Who may export what: the roles that may read the same thing through the
/// API (`GET /v1/reports` for reports, their people and their services,
/// `GET /v1/stats` for statistics).
pub fn check_allowed(claims: &Claims, kind: ExportKind) -> Result<()> {
    let allowed: &[Role] = match kind {
        ExportKind::Reports | ExportKind::Beneficiaries | ExportKind::Services => {
            &[Role::Operator, Role::Supervisor, Role::Regional]
        }
        ExportKind::Stats => &[Role::Supervisor, Role::Admin, Role::Regional],
    };
    if allowed.contains(&claims.role) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "role {} may not export {kind}",
            claims.role
        )))
    }
}

/// Queues an export for `claims` with checked `filters`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    kind: ExportKind,
    format: ExportFormat,
    filters: serde_json::Value,
) -> Result<Export> {
    check_allowed(claims, kind)?;
    let row: ExportRow = diesel::insert_into(exports::table)
        .values((
            exports::id.eq(Uuid::now_v7()),
            exports::kind.eq(kind.as_str()),
            exports::format.eq(format.as_str()),
            exports::filters.eq(filters),
            exports::requested_by.eq(&claims.sub),
            exports::requester_role.eq(claims.role.as_str()),
            exports::requester_unit.eq(&claims.unit),
            exports::requester_region.eq(&claims.region),
        ))
        .returning(ExportRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// An export as `claims` may see it: their own, or any for an admin;
/// another's is not found.
pub async fn get_for(conn: &mut AsyncPgConnection, claims: &Claims, id: Uuid) -> Result<Export> {
    let mut q = exports::table
        .find(id)
        .select(ExportRow::as_select())
        .into_boxed();
    if claims.role != Role::Admin {
        q = q.filter(exports::requested_by.eq(&claims.sub));
    }
    q.first::<ExportRow>(conn).await?.try_into()
}

/// One piece of a ready export's file (`seq` from 0), or `None` past the
/// last. Pieces are stored encrypted (a file may hold NIKs and phones).
pub async fn chunk(conn: &mut AsyncPgConnection, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>> {
    let stored: Option<Vec<u8>> = export_chunks::table
        .filter(export_chunks::export_id.eq(id))
        .filter(export_chunks::seq.eq(seq))
        .select(export_chunks::bytes)
        .first(conn)
        .await
        .optional()?;
    let keys = crate::privacy::keys()?;
    Ok(stored.map(|s| keys.open_bytes(&s)).transpose()?)
}

fn interval(duration: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(
        i64::try_from(duration.as_micros()).unwrap_or(i64::MAX),
    )
}

/// Claims the oldest queued export, or one whose builder's lease ran out,
/// for `lease`; `None` when there is none. Several workers may call this at
/// once: `SKIP LOCKED` gives each job to one.
pub async fn claim(conn: &mut AsyncPgConnection, lease: Duration) -> Result<Option<Export>> {
    let row: Option<ExportRow> = diesel::sql_query(
        "UPDATE exports e SET status = 'building', attempts = e.attempts + 1, \
                lease_until = now() + $1, started_at = now() \
         FROM (SELECT id FROM exports \
               WHERE status = 'queued' OR (status = 'building' AND lease_until < now()) \
               ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) next \
         WHERE e.id = next.id \
         RETURNING e.id, e.kind, e.format, e.filters, e.requested_by, e.requester_role, \
                   e.requester_unit, e.requester_region, e.status, e.attempts, e.row_count, \
                   e.size_bytes, e.filename, e.error, e.created_at, e.started_at, \
                   e.finished_at, e.expires_at",
    )
    .bind::<Interval, _>(interval(lease))
    .get_result::<ClaimedRow>(conn)
    .await
    .optional()?
    .map(ExportRow::from);
    row.map(Export::try_from).transpose()
}

/// The same columns read by name, for [`claim`]'s raw statement.
#[derive(QueryableByName)]
#[diesel(table_name = exports)]
struct ClaimedRow {
    id: Uuid,
    kind: String,
    format: String,
    filters: serde_json::Value,
    requested_by: String,
    requester_role: String,
    requester_unit: Option<String>,
    requester_region: Option<String>,
    status: String,
    attempts: i32,
    row_count: Option<i64>,
    size_bytes: Option<i64>,
    filename: Option<String>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl From<ClaimedRow> for ExportRow {
    fn from(r: ClaimedRow) -> ExportRow {
        ExportRow {
            id: r.id,
            kind: r.kind,
            format: r.format,
            filters: r.filters,
            requested_by: r.requested_by,
            requester_role: r.requester_role,
            requester_unit: r.requester_unit,
            requester_region: r.requester_region,
            status: r.status,
            attempts: r.attempts,
            row_count: r.row_count,
            size_bytes: r.size_bytes,
            filename: r.filename,
            error: r.error,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            expires_at: r.expires_at,
        }
    }
}

/// Extends the lease of the build `attempt` of export `id`; false when the
/// build no longer holds it (its lease ran out and another worker took the
/// job), so that it stops.
pub async fn renew(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    attempt: i32,
    lease: Duration,
) -> Result<bool> {
    let updated = diesel::sql_query(
        "UPDATE exports SET lease_until = now() + $3 \
         WHERE id = $1 AND attempts = $2 AND status = 'building'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(attempt)
    .bind::<Interval, _>(interval(lease))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Stores the built file (read from `file`, `size` bytes) and marks build
/// `attempt` of export `id` ready until `ttl` from now, in one transaction.
/// False (nothing stored) when the build lost its lease to another worker.
pub async fn finish<R: AsyncRead + Unpin + Send>(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    attempt: i32,
    ttl: Duration,
    row_count: i64,
    filename: &str,
    file: &mut R,
) -> Result<bool> {
    conn.transaction::<bool, Error, _>(async |conn| {
        let held: Option<Uuid> = exports::table
            .find(id)
            .filter(exports::attempts.eq(attempt))
            .filter(exports::status.eq(ExportStatus::Building.as_str()))
            .select(exports::id)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        if held.is_none() {
            return Ok(false);
        }
        diesel::delete(export_chunks::table.filter(export_chunks::export_id.eq(id)))
            .execute(conn)
            .await?;
        let keys = crate::privacy::keys()?;
        let mut buffer = vec![0u8; CHUNK_BYTES];
        let mut seq = 0i32;
        let mut size = 0i64;
        loop {
            let filled = fill(file, &mut buffer)
                .await
                .map_err(|e| Error::Conflict(format!("cannot read the built file: {e}")))?;
            if filled == 0 {
                break;
            }
            diesel::insert_into(export_chunks::table)
                .values((
                    export_chunks::export_id.eq(id),
                    export_chunks::seq.eq(seq),
                    export_chunks::bytes.eq(keys.seal_bytes(&buffer[..filled])),
                ))
                .execute(conn)
                .await?;
            seq += 1;
            size += filled as i64;
            if filled < buffer.len() {
                break;
            }
        }
        diesel::sql_query(
            "UPDATE exports SET status = 'ready', lease_until = NULL, row_count = $2, \
                    size_bytes = $3, filename = $4, finished_at = now(), \
                    expires_at = now() + $5 \
             WHERE id = $1",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<diesel::sql_types::BigInt, _>(row_count)
        .bind::<diesel::sql_types::BigInt, _>(size)
        .bind::<Text, _>(filename)
        .bind::<Interval, _>(interval(ttl))
        .execute(conn)
        .await?;
        Ok(true)
    })
    .await
}

/// Reads until `buffer` is full or the file ends.
async fn fill<R: AsyncRead + Unpin>(file: &mut R, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let n = file.read(&mut buffer[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Records that build `attempt` failed with `reason` (a kind of error, never
/// data): queued again while attempts remain, else `failed`.
pub async fn fail(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    attempt: i32,
    reason: &str,
) -> Result<ExportStatus> {
    let status: Option<String> = diesel::sql_query(
        "UPDATE exports SET lease_until = NULL, error = $3, \
                status = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'queued' END, \
                finished_at = CASE WHEN attempts >= $4 THEN now() END \
         WHERE id = $1 AND attempts = $2 AND status = 'building' RETURNING status",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(attempt)
    .bind::<Text, _>(reason)
    .bind::<Int4, _>(MAX_ATTEMPTS)
    .get_result::<StatusRow>(conn)
    .await
    .optional()?
    .map(|r| r.status);
    match status {
        Some(text) => ExportStatus::read(&text),
        None => Ok(ExportStatus::Building),
    }
}

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = Text)]
    status: String,
}

/// Jobs past their last attempt whose lease ran out (their worker died on
/// the last try) are marked failed; ready files past their time are deleted
/// (`expired`), at most `limit` of each. Returns how many files were deleted.
pub async fn sweep(conn: &mut AsyncPgConnection, limit: i64) -> Result<usize> {
    diesel::sql_query(
        "UPDATE exports SET status = 'failed', lease_until = NULL, finished_at = now(), \
                error = coalesce(error, 'the build did not finish') \
         WHERE id IN (SELECT id FROM exports WHERE status = 'building' AND lease_until < now() \
                      AND attempts >= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Int4, _>(MAX_ATTEMPTS)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(conn)
    .await?;
    conn.transaction::<usize, Error, _>(async |conn| {
        let expired: Vec<IdRow> = diesel::sql_query(
            "UPDATE exports SET status = 'expired' \
             WHERE id IN (SELECT id FROM exports WHERE status = 'ready' AND expires_at <= now() \
                          ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
             RETURNING id",
        )
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
        .await?;
        let ids: Vec<Uuid> = expired.iter().map(|r| r.id).collect();
        if !ids.is_empty() {
            diesel::delete(export_chunks::table.filter(export_chunks::export_id.eq_any(&ids)))
                .execute(conn)
                .await?;
        }
        Ok(ids.len())
    })
    .await
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Reads the reports an export covers, page by page, newest first, as its
/// requester may read them, handing each page to `page` (which writes it
/// out) with the people of the page who consented to being shown to the
/// requester (a partner or a regional office:
/// [`casework::consented_people`]), and renewing the build's lease between
/// pages. All pages are read in
/// one read-only repeatable-read transaction, so the file is one consistent
/// picture. Stops with [`Error::Conflict`] when the lease is lost.
pub async fn for_each_report_page<F>(
    conn: &mut AsyncPgConnection,
    lease_conn: &mut AsyncPgConnection,
    export: &Export,
    lease: Duration,
    filters: &ReportFilters,
    mut page: F,
) -> Result<()>
where
    F: FnMut(&[ReportRow], &HashSet<(Uuid, i32)>) -> Result<()> + Send,
{
    let claims = export.requester.clone();
    let personal = PersonalData::of(&claims);
    let mut filter = filters.to_filter();
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<(), Error, _>(async |conn| {
            loop {
                let rows = reports::list_for(conn, &claims, &filter, PAGE_ROWS).await?;
                let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
                let consented = casework::consented_people(conn, &personal, &ids).await?;
                page(&rows, &consented)?;
                if (rows.len() as i64) < PAGE_ROWS {
                    return Ok(());
                }
                filter.after = rows.last().map(ListCursor::after);
                if !renew(lease_conn, export.id, export.attempts, lease).await? {
                    return Err(Error::Conflict("the export's lease was lost".into()));
                }
            }
        })
        .await
}

/// The same pages as [`for_each_report_page`], each with the services of
/// its reports (read in the same transaction, one statement per page):
/// `page` gets the reports, newest first, and their services, grouped by
/// report in planning order.
pub async fn for_each_service_page<F>(
    conn: &mut AsyncPgConnection,
    lease_conn: &mut AsyncPgConnection,
    export: &Export,
    lease: Duration,
    filters: &ReportFilters,
    mut page: F,
) -> Result<()>
where
    F: FnMut(&[ReportRow], &[ServiceLine]) -> Result<()> + Send,
{
    let claims = export.requester.clone();
    let personal = PersonalData::of(&claims);
    let mut filter = filters.to_filter();
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<(), Error, _>(async |conn| {
            loop {
                let rows = reports::list_for(conn, &claims, &filter, PAGE_ROWS).await?;
                let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
                let services = casework::services_of_reports(conn, &personal, &ids).await?;
                page(&rows, &services)?;
                if (rows.len() as i64) < PAGE_ROWS {
                    return Ok(());
                }
                filter.after = rows.last().map(ListCursor::after);
                if !renew(lease_conn, export.id, export.attempts, lease).await? {
                    return Err(Error::Conflict("the export's lease was lost".into()));
                }
            }
        })
        .await
}
