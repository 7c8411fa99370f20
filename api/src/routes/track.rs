//! Public tracking by ticket: what a reporter may know, nothing personal.

use crate::problem::{ApiError, ApiResult, Problem};
use crate::startup::AppState;
use actix_web::{HttpRequest, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::{Category, Status};
use sigap_store::reports;
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
}

impl From<reports::Tracking> for Tracking {
    fn from(t: reports::Tracking) -> Tracking {
        Tracking {
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

/// Track a report by its ticket (no token). Rate limited per client address.
#[utoipa::path(
    tag = "tracking",
    params(("ticket" = String, Path, example = "CC-2026-000123")),
    responses(
        (status = 200, body = Tracking),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such ticket"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests; see Retry-After",
            headers(("Retry-After" = u64))),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unavailable"),
    )
)]
#[get("/v1/track/{ticket}")]
async fn track_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    ticket: web::Path<String>,
) -> ApiResult<web::Json<Tracking>> {
    if let Some(client) = req.peer_addr().map(|a| a.ip()) {
        state
            .track_limiter
            .check(client)
            .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    }
    let ticket = ticket.into_inner();
    let unknown = || ApiError::NotFound("no report with this ticket".into());
    // No ticket holds NUL, which PostgreSQL text cannot; any other malformed
    // ticket takes the same path as an unknown one: one indexed lookup.
    if ticket.contains('\0') {
        return Err(unknown());
    }
    let mut conn = state.pool.get().await?;
    match reports::track(&mut conn, &ticket).await {
        Ok(tracking) => Ok(web::Json(tracking.into())),
        Err(sigap_store::Error::NotFound) => Err(unknown()),
        Err(other) => Err(other.into()),
    }
}
