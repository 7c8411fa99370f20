//! Statistics for supervisors and regional social offices.

use crate::auth::Auth;
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::query_time;
use crate::startup::AppState;
use crate::views::stats::Stats;
use actix_web::{get, web};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Deserialize;
use sigap_domain::RegionCode;
use sigap_domain::{FieldError, Role};
use sigap_store::stats::{self, DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, StatsRequest};
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
    /// for a regency inside it, not for anything outside). Empty is the
    /// same as absent; a well-formed code that names no region is 422.
    #[param(pattern = r"^([0-9]{2}(\.[0-9]{2})?)?$", example = "13")]
    pub region: Option<String>,
}

/// A time parameter, or an error naming its field.
fn time(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let time = query_time::rfc3339(text);
    if time.is_none() {
        errors.push(FieldError::new(
            field,
            "must be an RFC 3339 time such as 2026-11-01T00:00:00Z",
        ));
    }
    time
}

/// Reads the query parameters. `to` defaults to `now`, `from` to 30 days
/// before `to`; every invalid parameter is reported at once.
pub(crate) fn stats_request(
    from: Option<&str>,
    to: Option<&str>,
    region: Option<&str>,
    now: DateTime<Utc>,
) -> Result<StatsRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let now = now.duration_trunc(Duration::microseconds(1)).unwrap_or(now);
    let to = match to {
        Some(text) => time("to", text, &mut errors),
        None => Some(now),
    };
    let from = match from {
        Some(text) => time("from", text, &mut errors),
        None => to.map(|to| to - Duration::days(DEFAULT_RANGE_DAYS)),
    };
    let region = region.filter(|r| !r.is_empty()).and_then(|r| {
        RegionCode::parse(r)
            .map_err(|m| errors.push(FieldError::new("region", m)))
            .ok()
    });
    if let (Some(from), Some(to)) = (from, to) {
        if from >= to {
            errors.push(FieldError::new("to", "must be later than from"));
        } else if to - from > Duration::days(MAX_RANGE_DAYS) {
            errors.push(FieldError::new(
                "to",
                format!("must be at most {MAX_RANGE_DAYS} days after from"),
            ));
        }
    }
    match (from, to) {
        (Some(from), Some(to)) if errors.is_empty() => Ok(StatsRequest { from, to, region }),
        _ => Err(errors),
    }
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
    let request = stats_request(
        query.from.as_deref(),
        query.to.as_deref(),
        query.region.as_deref(),
        Utc::now(),
    )?;
    let mut conn = state.pool.get().await?;
    let stats = stats::compute(&mut conn, claims, &request).await?;
    tracing::info!(region = ?stats.region, total = stats.total, "stats computed");
    Ok(web::Json(stats.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().expect("time")
    }

    fn fields(result: Result<StatsRequest, Vec<FieldError>>) -> Vec<String> {
        match result {
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
            Ok(request) => panic!("expected a validation error, got {request:?}"),
        }
    }

    #[test]
    fn the_default_range_is_the_last_thirty_days() {
        let request = stats_request(None, None, None, now()).expect("valid");
        assert_eq!(request.to, now());
        assert_eq!(request.from, now() - Duration::days(30));
        assert_eq!(request.region, None);
        let request = stats_request(None, Some("2026-06-01T00:00:00+07:00"), Some("13"), now())
            .expect("valid");
        assert_eq!(
            request.to,
            "2026-05-31T17:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        );
        assert_eq!(request.from, request.to - Duration::days(30));
        assert_eq!(
            request.region.map(|r| r.as_str().to_owned()).as_deref(),
            Some("13")
        );
    }

    #[test]
    fn an_offset_whose_plus_became_a_space_is_read_back() {
        let request =
            stats_request(Some("2026-11-01T00:00:00 07:00"), None, None, now()).expect("valid");
        assert_eq!(
            request.from,
            "2026-10-31T17:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        );
    }

    #[test]
    fn bad_ranges_and_codes_name_their_fields() {
        // from, to, region, and the fields reported.
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            (Some("yesterday"), None, None, &["from"]),
            (None, Some("2026-13-01T00:00:00Z"), None, &["to"]),
            (
                Some("nope"),
                Some("nope"),
                Some("1303"),
                &["to", "from", "region"],
            ),
            (
                Some("2026-11-02T00:00:00Z"),
                Some("2026-11-01T00:00:00Z"),
                None,
                &["to"],
            ),
            (
                Some("2026-11-01T00:00:00Z"),
                Some("2026-11-01T00:00:00Z"),
                None,
                &["to"],
            ),
            (
                Some("2025-11-01T00:00:00Z"),
                Some("2026-11-03T00:00:00Z"),
                None,
                &["to"],
            ),
            (None, None, Some("13.3"), &["region"]),
        ];
        for (from, to, region, expected) in cases {
            let got = fields(stats_request(*from, *to, *region, now()));
            assert_eq!(&got, expected, "{from:?} {to:?} {region:?}");
        }
        let longest = stats_request(
            Some("2025-11-01T00:00:00Z"),
            Some("2026-11-02T00:00:00Z"),
            None,
            now(),
        );
        assert!(longest.is_ok(), "366 days are allowed");
    }
}
