//! Public tracking by tracking code: what a reporter may know, nothing
//! personal. The code is the ticket and a random suffix, so that tickets,
//! which are sequential, do not open every case to anyone who counts.

use crate::problem::{ApiError, ApiResult, Problem};
use crate::rate_limit::client_address;
use crate::startup::AppState;
use actix_web::{HttpRequest, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::{Category, Status};
use sigap_store::merge::Continuation;
use sigap_store::{reports, tracking};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(track_report);
}

/// The public view of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tracking {
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
    pub status: Status,
    #[schema(value_type = String)]
    pub category: Category,
    /// The unit handling the case, once assigned.
    pub unit_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// For a report merged into another (status `duplicate`): the case it
    /// continues as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued_as: Option<ContinuedAs>,
}

/// The case a merged report continues as: its ticket, status, unit and last
/// change (not its tracking code, which belongs to its own reporter).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContinuedAs {
    #[schema(example = "CC-2026-000122")]
    pub ticket: String,
    pub status: Status,
    pub unit_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<(reports::Tracking, Option<Continuation>)> for Tracking {
    fn from((t, continued_as): (reports::Tracking, Option<Continuation>)) -> Tracking {
        Tracking {
            continued_as: continued_as.map(|c| ContinuedAs {
                ticket: c.ticket,
                status: c.status,
                unit_name: c.unit_name,
                updated_at: c.updated_at,
            }),
            ticket: t.ticket,
            status: t.status,
            category: t.category,
            unit_name: t.unit_name,
            created_at: t.created_at,
            updated_at: t.updated_at,
            assigned_at: t.assigned_at,
            acknowledged_at: t.acknowledged_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
        }
    }
}

/// Track a report by its tracking code (no token).
///
/// The code is the one given when the report was filed: the ticket, `-` and
/// six characters of Crockford's base32 (`CC-2026-000123-K7QM2X`). Lower
/// case is read as upper case, O as 0, I and L as 1. The ticket alone, or
/// with a wrong suffix, is 404 like an unknown code. Rate limited per client
/// address (an IPv6 client per /64); behind reverse proxies listed in
/// `SIGAP_TRUSTED_PROXIES`, the client is the one their `X-Forwarded-For`
/// names.
#[utoipa::path(
    tag = "tracking",
    params(("tracking_code" = String, Path, example = "CC-2026-000123-K7QM2X")),
    responses(
        (status = 200, body = Tracking),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No report with this tracking code"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests; see Retry-After",
            headers(("Retry-After" = u64))),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
    )
)]
#[get("/v1/track/{tracking_code}")]
async fn track_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    tracking_code: web::Path<String>,
) -> ApiResult<web::Json<Tracking>> {
    if let Some(client) = client_address(&req, &state.config.trusted_proxies) {
        state
            .track_limiter
            .check_address(client)
            .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    }
    let unknown = || ApiError::NotFound("no report with this tracking code".into());
    // What cannot be a code (a bare ticket, a NUL, which PostgreSQL text
    // cannot hold) is answered as an unknown code is.
    let Some(code) = tracking::normalize(&tracking_code) else {
        return Err(unknown());
    };
    let mut conn = state.pool.get().await?;
    match reports::track(&mut conn, &code).await {
        Ok(tracking) => Ok(web::Json(tracking.into())),
        Err(sigap_store::Error::NotFound) => Err(unknown()),
        Err(other) => Err(other.into()),
    }
}
