//! Public tracking by ticket: what a reporter may know, nothing personal.

use crate::problem::{ApiError, ApiResult, Problem};
use crate::startup::AppState;
use actix_web::{HttpRequest, get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use sigap_domain::Status;
use sigap_store::schema::{reports, units};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(track_report);
}

/// The public view of a report.
#[derive(Debug, Serialize, Queryable, ToSchema)]
pub struct Tracking {
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
    #[schema(value_type = Status)]
    pub status: String,
    pub category: String,
    /// The unit handling the case, once assigned.
    pub unit_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
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
    // A malformed ticket takes the same path as an unknown one: one indexed lookup.
    let mut conn = state.pool.get().await?;
    let tracking: Option<Tracking> = reports::table
        .left_join(units::table)
        .filter(reports::ticket.eq(&ticket))
        .select((
            reports::ticket,
            reports::status,
            reports::category,
            units::name.nullable(),
            reports::created_at,
            reports::updated_at,
            reports::assigned_at,
            reports::acknowledged_at,
            reports::resolved_at,
            reports::closed_at,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    tracking
        .map(web::Json)
        .ok_or_else(|| ApiError::NotFound("no report with this ticket".into()))
}
