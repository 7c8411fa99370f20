//! A unit's work queue, polled by UPT staff: urgent first, incremental with
//! `updated_since`, cheap to repeat (`ETag` / `If-None-Match` → 304) and able
//! to wait for the next change (`wait`, a long poll woken by the database).

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, Problem};
use crate::queue_watch;
use crate::routes::reports::parse_statuses;
use crate::routes::units::is_unit_code;
use crate::startup::AppState;
use crate::views::reports::DeadlineView;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigap_domain::{Category, Need, Role, Status, Urgency};
use sigap_store::FieldError;
use sigap_store::cases::{self, QueueCursor, QueueFilter, QueuedCase};
use sigap_store::reports::Visibility;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_unit_cases);
}

/// Longest long poll.
const MAX_WAIT_SECS: u64 = 30;

/// When a token over its long polls may try again: about when one of its
/// waiting requests could have been answered by a change.
const LONG_POLL_RETRY_AFTER_SECS: u64 = 2;

/// A case in a unit's queue (no personal data: fetch the report for that).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub ticket: String,
    pub status: Status,
    #[schema(value_type = String)]
    pub category: Category,
    #[schema(value_type = String)]
    pub need: Need,
    pub urgency: Urgency,
    pub region_code: String,
    pub beneficiary_count: i32,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
    /// The deadline of the stage the case is in; null when none is open.
    pub deadline: Option<DeadlineView>,
    /// For `If-Match` on status changes.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl From<QueuedCase> for CaseSummary {
    fn from(case: QueuedCase) -> CaseSummary {
        CaseSummary {
            id: case.id,
            ticket: case.ticket,
            status: case.status,
            category: case.category,
            need: case.need,
            urgency: case.urgency,
            region_code: case.region_code,
            beneficiary_count: case.beneficiary_count,
            sla_due_at: case.sla_due_at,
            escalation_level: case.escalation_level,
            deadline: DeadlineView::of(
                case.deadline_stage,
                case.deadline_due_at,
                case.deadline_allowance,
                case.deadline_working,
                case.deadline_time_zone,
            ),
            version: case.version,
            created_at: case.created_at,
            updated_at: case.updated_at,
            assigned_at: case.assigned_at,
            acknowledged_at: case.acknowledged_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// One status or several, comma-separated; default: the open ones
    /// (assigned, acknowledged, assessing, in_service).
    #[param(
        pattern = "^ *(received|needs_triage|assigned|acknowledged|assessing|in_service|resolved|closed|cancelled|duplicate) *(, *(received|needs_triage|assigned|acknowledged|assessing|in_service|resolved|closed|cancelled|duplicate) *)*$",
        example = "assigned,acknowledged"
    )]
    pub status: Option<String>,
    pub urgency: Option<Urgency>,
    /// Only cases changed after this time (RFC 3339), for incremental polling.
    pub updated_since: Option<DateTime<Utc>>,
    /// Long poll: wait up to this many seconds (at most 30) for a change
    /// when there is nothing new to return.
    #[param(minimum = 0, maximum = 30)]
    pub wait: Option<u64>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    /// Only a cursor this API issued is accepted (422 otherwise).
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// Cursor of a queue page: urgency rank, creation time (µs) and id.
fn case_key(case: &QueuedCase) -> String {
    page::key(&[&case.rank, &page::time_field(case.created_at), &case.id])
}

fn parse_case_cursor(cursor: &str) -> ApiResult<QueueCursor> {
    let mut fields = page::KeyFields::decode(cursor)?;
    let rank = fields.field()?;
    let created_at = fields.next_time()?;
    let id = fields.field()?;
    fields.end()?;
    Ok(QueueCursor {
        rank,
        created_at,
        id,
    })
}

/// A unit's work queue, urgent first, then oldest first.
///
/// Poll with `If-None-Match` (the last `ETag`) to get 304 while nothing
/// changed; add `wait` to hold the request until a case of the unit changes
/// (or the wait ends: 304 with `If-None-Match`, else an empty page). A token
/// holds at most 4 such waiting requests at once: a fifth (`wait` above 0)
/// is answered 429 at once, with `Retry-After`.
#[utoipa::path(
    tag = "cases",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-MULYA-JAYA"), CaseQuery,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The ETag of the last answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<CaseSummary>, headers(("ETag" = String))),
        (status = 304, description = "Nothing changed since the given ETag"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit, or not the caller's"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter, or a cursor this API did not issue"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "The token already holds 4 long polls; see Retry-After",
            headers(("Retry-After" = u64))),
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
    if !is_unit_code(&unit) || !Visibility::of(claims).covers_unit(&unit) {
        return Err(ApiError::NotFound(format!("no unit {unit}")));
    }
    let limit = page::limit(query.limit, 100)?;
    let filter = QueueFilter {
        statuses: parse_statuses(&query.status)?.unwrap_or_else(|| Status::OPEN_AT_UNIT.to_vec()),
        urgency: query.urgency,
        updated_since: query.updated_since,
        after: page::cursor(&query.cursor)
            .map(parse_case_cursor)
            .transpose()?,
    };
    let wait = query.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECS {
        return Err(vec![FieldError::new(
            "wait",
            format!("must be at most {MAX_WAIT_SECS} seconds"),
        )]
        .into());
    }
    // Held until the answer: a token's waiting requests are bounded, so that
    // one client cannot hold every connection of the server.
    let _long_poll =
        match wait {
            0 => None,
            _ => Some(state.queue_watch.long_poll(&claims.sub).ok_or(
                ApiError::TooManyRequests {
                    retry_after_secs: LONG_POLL_RETRY_AFTER_SECS,
                },
            )?),
        };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Identifies the question (not how long to wait), so that an ETag only
    // matches the same one.
    let statuses = sigap_store::vocabulary::spellings(&filter.statuses);
    let question = format!(
        "{statuses:?}|{:?}|{:?}|{limit}|{:?}",
        query.urgency,
        query.updated_since,
        page::cursor(&query.cursor)
    );
    let question = hex::encode(&Sha256::digest(question.as_bytes())[..6]);
    // Subscribe before reading, so that no change falls between the two.
    let mut changes = state.queue_watch.subscribe(&unit);

    let mut conn = state.pool.get().await?;
    loop {
        let Some(version) = cases::queue_version(&mut conn, &unit).await? else {
            return Err(ApiError::NotFound(format!("no unit {unit}")));
        };
        let etag = format!("\"{version}-{question}\"");
        let unchanged = if_none_match.as_deref() == Some(etag.as_str());
        if !unchanged {
            let rows = cases::queue_page(&mut conn, &unit, &filter, limit + 1).await?;
            let nothing_new = rows.is_empty() && query.updated_since.is_some();
            if !nothing_new || tokio::time::Instant::now() >= deadline {
                return Ok(HttpResponse::Ok()
                    .insert_header((header::ETAG, etag))
                    .insert_header((header::CACHE_CONTROL, "no-cache"))
                    .json(Page::from_rows(rows, limit, case_key).map(CaseSummary::from)));
            }
        } else if tokio::time::Instant::now() >= deadline {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish());
        }
        // Nothing to say yet: give the connection back while waiting.
        drop(conn);
        queue_watch::wait_for_change(&mut changes, deadline).await;
        conn = state.pool.get().await?;
    }
}
