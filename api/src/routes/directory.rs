//! Editing the unit directory and previewing the router. Changes bump the
//! directory version, which running workers pick up at their next batch.

use crate::auth::Auth;
use crate::body;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::routes::units::{is_unit_code, unit_code_or_404};
use crate::startup::AppState;
use crate::views::directory::{CoverageGap, CoverageRule, DirectoryChange};
use crate::views::units::UnitView;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use sigap_domain::Claims;
use sigap_domain::working_time::OfficeHours;
use sigap_domain::{Category, Role};
use sigap_domain::{GeoPoint, RegionCode};
use sigap_router::RouteRequest;
use sigap_store::FieldError;
use sigap_store::directory::{self, Actor, EditError, NewRule, RuleChange, UnitRecord};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_unit)
        .service(list_unit_coverage)
        .service(create_unit_coverage)
        .service(coverage_gaps)
        .service(update_coverage)
        .service(delete_coverage)
        .service(unit_history)
        .service(preview_route);
}

/// Body of `PUT /v1/units/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Sentra Mulya Jaya", "kind": "sentra", "region_code": "31.75", "lat": -6.2137, "lon": 106.944,
    "categories": [], "capacity": 500, "active": true,
    "office_hours": {"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:00"}
}))]
pub struct UnitInput {
    /// 1 to 200 characters, not all blank (surrounding blanks are dropped).
    #[schema(max_length = 200, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub name: String,
    /// `sentra`, `sentra_terpadu`, `balai`, `loka`, `dinas_sosial`, …; 1 to
    /// 50 characters, not all blank.
    #[schema(max_length = 50, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub kind: String,
    /// Regency (or province) of the seat: a known Kemendagri code.
    #[schema(pattern = r"^[0-9]{2}(\.[0-9]{2})?$", example = "31.75")]
    pub region_code: String,
    #[schema(minimum = -11.0, maximum = 6.0)]
    pub lat: f64,
    #[schema(minimum = 95.0, maximum = 141.5)]
    pub lon: f64,
    /// Categories served; empty (the default) means all.
    #[serde(default)]
    pub categories: Vec<Category>,
    #[schema(minimum = 0)]
    pub capacity: i32,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub contact: Option<String>,
    /// Absent or null keeps the unit's office hours (a new unit gets Monday
    /// to Friday, 08:00 to 16:00).
    #[serde(default)]
    pub office_hours: Option<OfficeHoursInput>,
}

/// The days and hours a unit works, in the local time of its province.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:00"}))]
pub struct OfficeHoursInput {
    /// ISO weekdays, 1 (Monday) to 7 (Sunday); at least one.
    #[schema(schema_with = iso_weekdays)]
    pub days: Vec<i64>,
    /// `HH:MM`, before `closes`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "08:00")]
    pub opens: String,
    /// `HH:MM`, after `opens`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "16:00")]
    pub closes: String,
}

/// The schema of `days`: one to seven ISO weekdays, 1 (Monday) to 7
/// (Sunday), which the field's type alone cannot state.
fn iso_weekdays() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(7)),
        )
        .min_items(Some(1))
        .max_items(Some(7))
        .unique_items(true)
        .description(Some(
            "ISO weekdays, 1 (Monday) to 7 (Sunday); at least one, none twice.",
        ))
        .examples([serde_json::json!([1, 2, 3, 4, 5])])
        .build()
}

impl OfficeHoursInput {
    /// The office hours, or the errors of the fields under `office_hours`.
    fn parse(&self) -> Result<OfficeHours, Vec<FieldError>> {
        let mut errors = Vec::new();
        let time = |field: &str, text: &str, errors: &mut Vec<FieldError>| {
            let parsed = (text.len() == 5)
                .then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
                .flatten();
            if parsed.is_none() {
                errors.push(FieldError::new(
                    format!("office_hours.{field}"),
                    "must be a time HH:MM, such as 08:00",
                ));
            }
            parsed
        };
        let opens = time("opens", &self.opens, &mut errors);
        let closes = time("closes", &self.closes, &mut errors);
        let days: Option<Vec<u8>> = self
            .days
            .iter()
            .map(|d| u8::try_from(*d).ok().filter(|d| (1..=7).contains(d)))
            .collect();
        let mut days = match days {
            Some(days) if !days.is_empty() => Some(days),
            _ => {
                errors.push(FieldError::new(
                    "office_hours.days",
                    "must list ISO weekdays, 1 (Monday) to 7 (Sunday), at least one",
                ));
                None
            }
        };
        if let Some(d) = days.as_mut() {
            d.sort_unstable();
            if d.windows(2).any(|w| w[0] == w[1]) {
                errors.push(FieldError::new(
                    "office_hours.days",
                    "must not list a day twice",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(days), Some(opens), Some(closes)) = (days, opens, closes) else {
            return Err(errors);
        };
        OfficeHours::new(&days, opens, closes)
            .map_err(|m| vec![FieldError::new("office_hours.closes", m)])
    }
}

fn yes() -> bool {
    true
}

fn unit_code(code: &str) -> ApiResult<String> {
    if is_unit_code(code) {
        Ok(code.to_owned())
    } else {
        Err(vec![FieldError::new(
            "code",
            "must be 1 to 64 characters of A-Z, 0-9 and -",
        )]
        .into())
    }
}

/// Create or replace a unit (admin).
///
/// `region_code` must name a known region (422 otherwise).
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-MULYA-JAYA")),
    request_body(content = UnitInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UnitView, description = "Replaced"),
        (status = 201, body = UnitView, description = "Created"),
        BodyErrors,
        AuthErrors,
    )
)]
#[put("/v1/units/{code}")]
async fn put_unit(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let code = unit_code(&code)?;
    let input: UnitInput = body::json(&req, payload).await?;
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    let kind = input.kind.trim().to_owned();
    if kind.is_empty() || kind.chars().count() > 50 {
        errors.push(FieldError::new("kind", "must be 1 to 50 characters"));
    }
    if let Err(m) = RegionCode::parse(&input.region_code) {
        errors.push(FieldError::new("region_code", m));
    }
    if let Err(location) = GeoPoint::parse(input.lat, input.lon, "") {
        errors.extend(location);
    }
    if input.capacity < 0 {
        errors.push(FieldError::new("capacity", "must be zero or more"));
    }
    if input
        .contact
        .as_ref()
        .is_some_and(|c| c.chars().count() > 500)
    {
        errors.push(FieldError::new("contact", "must be at most 500 characters"));
    }
    let office_hours = match input.office_hours.as_ref().map(OfficeHoursInput::parse) {
        Some(Ok(hours)) => Some(hours),
        Some(Err(office)) => {
            errors.extend(office);
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let unit = UnitRecord {
        code: code.clone(),
        name,
        kind,
        region_code: input.region_code,
        lat: input.lat,
        lon: input.lon,
        categories: input.categories,
        capacity: input.capacity,
        active: input.active,
        contact: input.contact,
        office_hours,
    };
    let mut conn = state.pool.get().await?;
    let (existed, unit) = directory::save_unit(&mut conn, actor(claims), &unit)
        .await
        .map_err(edit_problem)?;
    let unit = UnitView::from(unit);
    tracing::info!(unit = %code, created = !existed, "unit saved");
    Ok(if existed {
        HttpResponse::Ok().json(unit)
    } else {
        HttpResponse::Created().json(unit)
    })
}

/// Body of `POST /v1/units/{code}/coverage`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_code": "13.03", "category": "elderly", "priority": 0}))]
pub struct CoverageInput {
    /// A known province or regency code; null or absent = national.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{2}(\.[0-9]{2})?$")]
    pub region_code: Option<String>,
    /// Null or absent = all categories.
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub priority: i32,
    /// Why the unit covers the region (shown in routing explanations).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Body of `PATCH /v1/coverage/{id}`: the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"priority": 1, "note": "the 2026 decree moves Ciamis to Sentra Phalamartha"}))]
pub struct CoverageChange {
    pub priority: Option<i32>,
    pub active: Option<bool>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn note_errors(note: &Option<String>) -> ApiResult<Option<String>> {
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(vec![FieldError::new("note", "must be at most 500 characters")].into());
    }
    Ok(note)
}

fn edit_problem(e: EditError) -> ApiError {
    match e {
        EditError::NoUnit(code) => ApiError::NotFound(format!("no unit {code}")),
        EditError::UnknownRegion => {
            vec![FieldError::new("region_code", "is not a known region")].into()
        }
        EditError::Duplicate => ApiError::Core(sigap_store::Error::Conflict(
            "the unit already has a rule for this region and category".into(),
        )),
        EditError::Database(e) => ApiError::Core(e),
    }
}

fn actor(claims: &Claims) -> Actor<'_> {
    Actor {
        sub: &claims.sub,
        role: Some(claims.role),
    }
}

/// A unit's coverage rules with their evidence (admin, supervisor).
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-WYATA-GUNA")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<CoverageRule>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit"),
        AuthErrors,
    )
)]
#[get("/v1/units/{code}/coverage")]
async fn list_unit_coverage(
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<Page<CoverageRule>>> {
    auth.require(&[Role::Admin, Role::Supervisor])?;
    let code = unit_code_or_404(&code)?;
    let mut conn = state.pool.get().await?;
    let items = directory::unit_rules(&mut conn, code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no unit {code}")))?
        .into_iter()
        .map(CoverageRule::from)
        .collect();
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Add a coverage rule to a unit (admin). The router uses it from its next
/// decision; seeding never changes or removes it. A `region_code` must name
/// a known region (422 otherwise).
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-MULYA-JAYA")),
    request_body(content = CoverageInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = CoverageRule),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The unit already has a rule for this region and category"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/units/{code}/coverage")]
async fn create_unit_coverage(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let code = unit_code_or_404(&code)?;
    let input: CoverageInput = body::json(&req, payload).await?;
    if let Some(region) = &input.region_code {
        RegionCode::parse(region)
            .map_err(|m| ApiError::from(vec![FieldError::new("region_code", m)]))?;
    }
    let note = note_errors(&input.note)?.unwrap_or_else(|| format!("added by {}", claims.sub));
    let rule = NewRule {
        region_code: input.region_code.clone(),
        category: input.category,
        priority: input.priority,
        note: Some(note),
    };
    let mut conn = state.pool.get().await?;
    let rule = directory::add_rule(&mut conn, actor(claims), code, &rule)
        .await
        .map_err(edit_problem)?;
    tracing::info!(unit = %code, rule_id = rule.id, "coverage rule added");
    Ok(HttpResponse::Created().json(CoverageRule::from(rule)))
}

/// Change a coverage rule's priority, active flag or note (admin). A seeded
/// rule becomes the admin's: seeding leaves it as the admin set it.
#[utoipa::path(
    tag = "directory",
    params(("id" = i64, Path)),
    request_body(content = CoverageChange, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CoverageRule),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such rule"),
        BodyErrors,
        AuthErrors,
    )
)]
#[patch("/v1/coverage/{id}")]
async fn update_coverage(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<CoverageRule>> {
    let claims = auth.require(&[Role::Admin])?;
    let input: CoverageChange = body::json(&req, payload).await?;
    let change = RuleChange {
        priority: input.priority,
        active: input.active,
        note: note_errors(&input.note)?,
    };
    let mut conn = state.pool.get().await?;
    let rule = directory::change_rule(&mut conn, actor(claims), *id, &change)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such coverage rule".into()))?;
    tracing::info!(unit = %rule.unit_code, rule_id = rule.id, "coverage rule changed");
    Ok(web::Json(rule.into()))
}

/// Remove a coverage rule (admin). A seeded rule stays removed when the
/// reference data is seeded again.
#[utoipa::path(
    tag = "directory",
    params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such rule"),
        AuthErrors,
    )
)]
#[delete("/v1/coverage/{id}")]
async fn delete_coverage(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    if !directory::remove_rule(&mut conn, actor(claims), *id).await? {
        return Err(ApiError::NotFound("no such coverage rule".into()));
    }
    tracing::info!(rule_id = *id, "coverage rule removed");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// Who changed a unit or its coverage rules, when, and what the values
/// were before and after (admin, supervisor). Newest first.
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-MULYA-JAYA"), HistoryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<DirectoryChange>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit, now or before"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit or cursor"),
        AuthErrors,
    )
)]
#[get("/v1/units/{code}/history")]
async fn unit_history(
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> ApiResult<web::Json<Page<DirectoryChange>>> {
    auth.require(&[Role::Admin, Role::Supervisor])?;
    let code = unit_code_or_404(&code)?;
    let limit = page::limit(query.limit, 100)?;
    let before = match page::cursor(&query.cursor) {
        Some(cursor) => Some(page::decode(cursor)?.parse::<i64>().map_err(|_| {
            ApiError::from(vec![FieldError::new(
                "cursor",
                "is not a cursor this API issued",
            )])
        })?),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    let rows = directory::unit_history(&mut conn, code, before, limit + 1)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no unit {code}")))?
        .into_iter()
        .map(DirectoryChange::from)
        .collect();
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |c: &DirectoryChange| c.id.to_string(),
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GapQuery {
    /// Only this category (default: all of them).
    pub category: Option<Category>,
    /// Only the regencies of this province.
    #[param(pattern = r"^[0-9]{2}$", example = "93")]
    pub province: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// Where the directory's data is missing (admin, supervisor): every regency
/// with the categories for which no unit holds a coverage rule from a
/// source (`stated` or `served`) or an admin, for the regency or its
/// province. Reports of those categories from there are routed by derived
/// rules only (the seat province or the national fallback). By regency code.
#[utoipa::path(
    tag = "directory",
    params(GapQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<CoverageGap>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad category, province, limit or cursor"),
        AuthErrors,
    )
)]
#[get("/v1/coverage/gaps")]
async fn coverage_gaps(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<GapQuery>,
) -> ApiResult<web::Json<Page<CoverageGap>>> {
    auth.require(&[Role::Admin, Role::Supervisor])?;
    let limit = page::limit(query.limit, 100)?;
    if let Some(province) = &query.province
        && !(province.len() == 2 && province.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(vec![FieldError::new(
            "province",
            "must be a province code such as 93",
        )]
        .into());
    }
    let after = page::after(&query.cursor)?;
    let categories: Vec<Category> = match query.category {
        Some(c) => vec![c],
        None => Category::ALL.to_vec(),
    };
    let mut conn = state.pool.get().await?;
    let rows = directory::coverage_gaps(
        &mut conn,
        &categories,
        query.province.as_deref(),
        after.as_deref(),
        limit + 1,
    )
    .await?
    .into_iter()
    .map(CoverageGap::from)
    .collect();
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |g: &CoverageGap| g.region_code.clone(),
    )))
}

/// Body of `POST /v1/route/preview`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"category": "elderly", "region_code": "13.03", "location": {"lat": -0.69, "lon": 100.95}}))]
pub struct PreviewInput {
    pub category: Category,
    /// Where the report would be filed: a known Kemendagri province or
    /// regency code.
    #[schema(pattern = r"^[0-9]{2}(\.[0-9]{2})?$", example = "13.03")]
    pub region_code: String,
    #[serde(default)]
    pub location: Option<PreviewLocation>,
    /// Units to leave out, as a transfer would.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// WGS84 coordinates, inside Indonesia.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewLocation {
    #[schema(minimum = -11.0, maximum = 6.0)]
    pub lat: f64,
    #[schema(minimum = 95.0, maximum = 141.5)]
    pub lon: f64,
}

/// The router's decision, with its explanation (documentation of `sigap_router::Decision`).
#[derive(Serialize, ToSchema)]
#[schema(as = Decision)]
pub struct DecisionDoc {
    /// `assigned` or `needs_triage`.
    pub outcome: String,
    pub unit_code: Option<String>,
    pub rule_id: Option<i64>,
    /// `regency`, `province` or `national`.
    pub level: Option<String>,
    /// True when every candidate was at capacity and the least loaded took it.
    pub over_capacity: bool,
    pub distance_km: Option<f64>,
    /// Every unit considered, best first.
    pub candidates: Vec<CandidateDoc>,
    /// Why the winner won, or why nothing matched; for a rule from a
    /// source it ends with "covered because" and the source's statement.
    pub reason: String,
    /// The evidence behind the winning rule; null when nothing matched.
    pub provenance: Option<ProvenanceDoc>,
}

/// Why a coverage rule exists (documentation of `sigap_router::Provenance`).
#[derive(Serialize, ToSchema)]
#[schema(as = Provenance)]
pub struct ProvenanceDoc {
    /// `stated`, `served`, `derived` or `admin`.
    #[schema(example = "stated")]
    pub basis: String,
    /// `high`, `medium` or `low`.
    pub confidence: Option<String>,
    pub year: Option<i32>,
    /// The source's address.
    pub source: Option<String>,
    #[schema(
        example = "koransakti.co.id 2023 names Kabupaten Lampung Timur in Sentra Wyata Guna's working area"
    )]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Candidate)]
pub struct CandidateDoc {
    pub unit_code: String,
    pub rule_id: i64,
    pub level: String,
    pub priority: i32,
    /// The basis of the candidate's rule: `stated`, `served`, `derived` or `admin`.
    pub basis: String,
    pub distance_km: Option<f64>,
    pub load: i64,
    pub capacity: i64,
    /// Null for the winner.
    pub rejected_because: Option<String>,
}

/// Dry run of the router (supervisor, admin): what would happen to a report
/// of this category filed in this region, and why. `region_code` must name a
/// known region (422 otherwise).
#[utoipa::path(
    tag = "directory",
    request_body(content = PreviewInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DecisionDoc),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/route/preview")]
async fn preview_route(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Supervisor, Role::Admin])?;
    let input: PreviewInput = body::json(&req, payload).await?;
    let mut errors = Vec::new();
    if let Err(m) = RegionCode::parse(&input.region_code) {
        errors.push(FieldError::new("region_code", m));
    }
    if let Some(Err(location)) = input
        .location
        .as_ref()
        .map(|l| GeoPoint::parse(l.lat, l.lon, "location."))
    {
        errors.extend(location);
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut conn = state.pool.get().await?;
    if !directory::region_exists(&mut conn, &input.region_code).await? {
        return Err(vec![FieldError::new("region_code", "is not a known region")].into());
    }
    let request = RouteRequest {
        category: input.category.as_str(),
        region_code: &input.region_code,
        location: input.location.as_ref().map(|l| (l.lat, l.lon)),
        exclude: &input.exclude,
    };
    let decision = sigap_store::routing::preview(&mut conn, &request).await?;
    Ok(HttpResponse::Ok().json(decision))
}
