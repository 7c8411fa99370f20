//! Statistics for supervisors and regional social offices.

use crate::auth::Auth;
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::Utc;
use serde::Deserialize;
use sigap_domain::Role;
use sigap_store::stats::{self, Stats, StatsRequest};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_stats);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Start of the range of filing times, inclusive (RFC 3339). Default: 30
    /// days before `to`.
    #[param(format = DateTime, example = "2026-11-01T00:00:00Z")]
    pub from: Option<String>,
    /// End of the range, exclusive (RFC 3339); later than `from` and at most
    /// 366 days after it. Default: now.
    #[param(format = DateTime, example = "2026-12-01T00:00:00Z")]
    pub to: Option<String>,
    /// Only reports from this province (`13`) or regency (`13.03`). Default:
    /// the whole country; for a regional office, its own region (it may ask
    /// for a regency inside it, not for anything outside).
    #[param(example = "13")]
    pub region: Option<String>,
}

/// Statistics of the reports filed in a range of time.
///
/// Counts by province, regency, category, need, urgency, current unit,
/// status and UTC day; beneficiaries reported and served; median and 90th
/// percentile times from filing to assignment, acknowledgement and
/// resolution; and SLA compliance (the share of SLA periods acknowledged in
/// time, where each escalation counts as a miss of the unit that lost the
/// case), overall, by unit and by urgency. Lists are sorted by count (SLA
/// groups by `due`) descending, then key; `by_day` by day. An empty range
/// gives zeros, empty lists and null times.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Stats, description = "The statistics; lists may be empty, times and compliance null"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "A bad time or range (`from`, `to`), or a malformed or unknown region (`region`), listed in `errors`"),
        AuthErrors,
    )
)]
#[get("/v1/stats")]
#[tracing::instrument(name = "get_stats", skip_all)]
async fn get_stats(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> ApiResult<web::Json<Stats>> {
    let claims = auth.require(&[Role::Supervisor, Role::Admin, Role::Regional])?;
    let request = StatsRequest::parse(
        query.from.as_deref(),
        query.to.as_deref(),
        query.region.as_deref(),
        Utc::now(),
    )?;
    let mut conn = state.pool.get().await?;
    let stats = stats::compute(&mut conn, claims, &request).await?;
    tracing::info!(region = ?stats.region, total = stats.total, "stats computed");
    Ok(web::Json(stats))
}
