//! The holiday calendar: national holidays and collective-leave days that
//! working-time deadlines skip. Everyone signed in reads it; admins correct
//! it when a decree changes or the official sighting moves an Islamic holiday.

use crate::auth::Auth;
use crate::body;
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::startup::AppState;
use crate::views::holidays::{HolidayView, HolidayYear};
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use sigap_domain::working_time::Zone;
use sigap_domain::{HolidayKind, Role};
use sigap_store::FieldError;
use sigap_store::calendar;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

/// The years the calendar holds.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_holidays)
        .service(put_holiday)
        .service(delete_holiday);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidayQuery {
    /// 2000 to 2100; absent = the current year in Jakarta (WIB).
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub year: Option<i32>,
}

/// The days off of a year.
#[utoipa::path(
    tag = "calendar",
    params(HolidayQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = HolidayYear),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad year"),
        AuthErrors,
    )
)]
#[get("/v1/holidays")]
async fn list_holidays(
    _auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<HolidayQuery>,
) -> ApiResult<web::Json<HolidayYear>> {
    let year = match query.year {
        Some(year) if YEARS.contains(&year) => year,
        Some(_) => {
            return Err(vec![FieldError::new("year", "must be 2000 to 2100")].into());
        }
        None => (Utc::now() + Duration::hours(i64::from(Zone::Wib.utc_offset_hours()))).year(),
    };
    let mut conn = state.pool.get().await?;
    let holidays = calendar::year(&mut conn, year)
        .await?
        .into_iter()
        .map(HolidayView::from)
        .collect();
    Ok(web::Json(HolidayYear { year, holidays }))
}

/// Body of `PUT /v1/holidays/{date}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Idulfitri 1448 Hijriah", "kind": "holiday"}))]
pub struct HolidayInput {
    /// 1 to 200 characters, not all blank (surrounding blanks are dropped).
    #[schema(max_length = 200, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub name: String,
    pub kind: HolidayKind,
}

/// The day of a path, `YYYY-MM-DD` in 2000 to 2100.
fn day_of(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| text.len() == 10 && YEARS.contains(&d.year()))
}

/// Make a day a holiday or a collective-leave day, or rename it (admin).
///
/// A day an admin saves is the admin's: seeding the data again leaves it.
#[utoipa::path(
    tag = "calendar",
    params(("date" = String, Path, format = Date, pattern = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$", example = "2027-03-10", description = "YYYY-MM-DD, 2000 to 2100")),
    request_body(content = HolidayInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = HolidayView, description = "Replaced"),
        (status = 201, body = HolidayView, description = "Created"),
        BodyErrors,
        AuthErrors,
    )
)]
#[put("/v1/holidays/{date}")]
async fn put_holiday(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    date: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let day = day_of(&date).ok_or_else(|| {
        ApiError::from(vec![FieldError::new(
            "date",
            "must be a date YYYY-MM-DD from 2000 to 2100",
        )])
    })?;
    let input: HolidayInput = body::json(&req, payload).await?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(vec![FieldError::new("name", "must be 1 to 200 characters")].into());
    }
    let mut conn = state.pool.get().await?;
    let (existed, holiday) = calendar::save(&mut conn, &claims.sub, day, name, input.kind).await?;
    tracing::info!(%day, kind = %input.kind, replaced = existed, "holiday saved");
    let holiday = HolidayView::from(holiday);
    Ok(if existed {
        HttpResponse::Ok().json(holiday)
    } else {
        HttpResponse::Created().json(holiday)
    })
}

/// Remove a day off (admin). Seeding the data again does not bring it back.
#[utoipa::path(
    tag = "calendar",
    params(("date" = String, Path, format = Date, pattern = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$", example = "2027-03-10", description = "YYYY-MM-DD, 2000 to 2100")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No day off on that date"),
        AuthErrors,
    )
)]
#[delete("/v1/holidays/{date}")]
async fn delete_holiday(
    auth: Auth,
    state: web::Data<AppState>,
    date: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let not_found = || ApiError::NotFound(format!("no day off on {date}"));
    let day = day_of(&date).ok_or_else(not_found)?;
    let mut conn = state.pool.get().await?;
    if !calendar::remove(&mut conn, &claims.sub, day).await? {
        return Err(not_found());
    }
    tracing::info!(%day, "holiday removed");
    Ok(HttpResponse::NoContent().finish())
}
