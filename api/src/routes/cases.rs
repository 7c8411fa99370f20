//! A unit's work queue, polled by UPT staff: urgent first, incremental with
//! `updated_since`, cheap to repeat (`ETag` / `If-None-Match` → 304) and able
//! to wait for the next change (`wait`, a long poll woken by the database).

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, Problem};
use crate::queue_watch;
use crate::routes::reports::parse_statuses;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigap_domain::{Role, Status, Urgency};
use sigap_store::FieldError;
use sigap_store::db::prepared;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_unit_cases);
}

/// Longest long poll.
const MAX_WAIT_SECS: u64 = 30;

/// A case in a unit's queue (no personal data: fetch the report for that).
#[derive(Debug, Serialize, QueryableByName, ToSchema)]
pub struct CaseSummary {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub ticket: String,
    #[diesel(sql_type = Text)]
    #[schema(value_type = Status)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub need: String,
    #[diesel(sql_type = Text)]
    #[schema(value_type = Urgency)]
    pub urgency: String,
    #[diesel(sql_type = Text)]
    pub region_code: String,
    #[diesel(sql_type = Int4)]
    pub beneficiary_count: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub sla_due_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Int4)]
    pub escalation_level: i32,
    /// For `If-Match` on status changes.
    #[diesel(sql_type = Int4)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub assigned_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    #[diesel(sql_type = Int4)]
    pub rank: i32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// One status or several, comma-separated; default: the open ones
    /// (assigned, acknowledged, assessing, in_service).
    pub status: Option<String>,
    pub urgency: Option<Urgency>,
    /// Only cases changed after this time (RFC 3339), for incremental polling.
    pub updated_since: Option<DateTime<Utc>>,
    /// Long poll: wait up to this many seconds (at most 30) for a change
    /// when there is nothing new to return.
    pub wait: Option<u64>,
    /// At most 500 (default 100).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const OPEN: [&str; 4] = ["assigned", "acknowledged", "assessing", "in_service"];

/// A page of the queue (migration `under_load` says why it is a function).
const CASES: &str = "SELECT * FROM unit_queue_page($1, $2, $3, $4, $5, $6, $7, $8)";

fn case_cursor(case: &CaseSummary) -> String {
    format!(
        "{}:{}:{}",
        case.rank,
        case.created_at.timestamp_micros(),
        case.id
    )
}

fn parse_case_cursor(cursor: &str) -> ApiResult<(i32, DateTime<Utc>, Uuid)> {
    let text = page::decode(cursor)?;
    let bad = || {
        ApiError::from(vec![FieldError::new(
            "cursor",
            "is not a cursor this API issued",
        )])
    };
    let mut parts = text.splitn(3, ':');
    let rank = parts.next().and_then(|r| r.parse().ok()).ok_or_else(bad)?;
    let at = parts
        .next()
        .and_then(|m| m.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(bad)?;
    let id = parts.next().and_then(|i| i.parse().ok()).ok_or_else(bad)?;
    Ok((rank, at, id))
}

/// The version of a unit's work queue (0 before its first case), or `None`
/// when there is no such unit: one round trip, so that a poll answered 304
/// costs a single query.
async fn queue_version(conn: &mut AsyncPgConnection, unit: &str) -> ApiResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = BigInt)]
        version: i64,
    }
    let version: Option<Version> = prepared(
        diesel::sql_query(
            "SELECT coalesce(q.version, 0) AS version FROM units u \
             LEFT JOIN unit_queues q ON q.unit_code = u.code WHERE u.code = $1",
        )
        .bind::<Text, _>(unit),
    )
    .get_result(conn)
    .await
    .optional()?;
    Ok(version.map(|v| v.version))
}

/// A unit's work queue, urgent first, then oldest first.
///
/// Poll with `If-None-Match` (the last `ETag`) to get 304 while nothing
/// changed; add `wait` to hold the request until a case of the unit changes
/// (or the wait ends: 304 with `If-None-Match`, else an empty page).
#[utoipa::path(
    tag = "cases",
    params(("code" = String, Path, example = "SENTRA-MULYA-JAYA"), CaseQuery,
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the last answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<CaseSummary>, headers(("ETag" = String))),
        (status = 304, description = "Nothing changed since the given ETag"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit, or not the caller's"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter"),
        AuthErrors,
    )
)]
#[get("/v1/units/{code}/cases")]
async fn list_unit_cases(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<CaseQuery>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::UptStaff, Role::Supervisor])?;
    let unit = code.into_inner();
    if claims.role == Role::UptStaff && claims.unit.as_deref() != Some(unit.as_str()) {
        return Err(ApiError::NotFound(format!("no unit {unit}")));
    }
    let limit = page::limit(query.limit, 100)?;
    let statuses =
        parse_statuses(&query.status)?.unwrap_or_else(|| OPEN.map(str::to_owned).to_vec());
    let cursor = query.cursor.as_deref().map(parse_case_cursor).transpose()?;
    let wait = query.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECS {
        return Err(vec![FieldError::new(
            "wait",
            format!("must be at most {MAX_WAIT_SECS} seconds"),
        )]
        .into());
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Identifies the question (not how long to wait), so that an ETag only
    // matches the same one.
    let question = format!(
        "{statuses:?}|{:?}|{:?}|{limit}|{:?}",
        query.urgency, query.updated_since, query.cursor
    );
    let question = hex::encode(&Sha256::digest(question.as_bytes())[..6]);
    // Subscribe before reading, so that no change falls between the two.
    let mut changes = state.queue_watch.subscribe();

    let mut conn = state.pool.get().await?;
    loop {
        let Some(version) = queue_version(&mut conn, &unit).await? else {
            return Err(ApiError::NotFound(format!("no unit {unit}")));
        };
        let etag = format!("\"{version}-{question}\"");
        let unchanged = if_none_match.as_deref() == Some(etag.as_str());
        if !unchanged {
            let rows: Vec<CaseSummary> = prepared(
                diesel::sql_query(CASES)
                    .bind::<Text, _>(&unit)
                    .bind::<Array<Text>, _>(&statuses)
                    .bind::<Nullable<Text>, _>(query.urgency.map(|u| u.as_str()))
                    .bind::<Nullable<Timestamptz>, _>(query.updated_since)
                    .bind::<Nullable<Int4>, _>(cursor.map(|c| c.0))
                    .bind::<Nullable<Timestamptz>, _>(cursor.map(|c| c.1))
                    .bind::<Nullable<SqlUuid>, _>(cursor.map(|c| c.2))
                    .bind::<BigInt, _>(limit + 1),
            )
            .load(&mut conn)
            .await?;
            let nothing_new = rows.is_empty() && query.updated_since.is_some();
            if !nothing_new || tokio::time::Instant::now() >= deadline {
                return Ok(HttpResponse::Ok()
                    .insert_header((header::ETAG, etag))
                    .insert_header((header::CACHE_CONTROL, "no-cache"))
                    .json(Page::from_rows(rows, limit, case_cursor)));
            }
        } else if tokio::time::Instant::now() >= deadline {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish());
        }
        // Nothing to say yet: give the connection back while waiting.
        drop(conn);
        queue_watch::wait_for_change(&mut changes, &unit, deadline).await;
        conn = state.pool.get().await?;
    }
}
