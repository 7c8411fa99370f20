//! Editing the unit directory and previewing the router. Changes bump the
//! directory version, which running workers pick up at their next batch.

use crate::auth::Auth;
use crate::body;
use crate::page::Page;
use crate::problem::{ApiError, ApiResult, AuthErrors, BodyErrors, Problem};
use crate::routes::units::UnitView;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use sigap_core::FieldError;
use sigap_core::domain::{Category, Role};
use sigap_core::intake::{GeoPoint, RegionCode};
use sigap_core::schema::{coverage_rules, regions, units};
use sigap_router::RouteRequest;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_unit)
        .service(list_unit_coverage)
        .service(create_unit_coverage)
        .service(delete_coverage)
        .service(preview_route);
}

/// Body of `PUT /v1/units/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Sentra Mulya Jaya", "kind": "sentra", "region_code": "31.75", "lat": -6.2137, "lon": 106.944,
    "categories": [], "capacity": 500, "active": true
}))]
pub struct UnitInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `sentra`, `sentra_terpadu`, `balai`, `loka`, `dinas_sosial`, …
    #[schema(min_length = 1, max_length = 50)]
    pub kind: String,
    /// Regency (or province) of the seat.
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
}

fn yes() -> bool {
    true
}

fn unit_code(code: &str) -> ApiResult<String> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(vec![FieldError::new(
            "code",
            "must be 1 to 64 characters of A-Z, 0-9 and -",
        )]
        .into())
    }
}

/// Maps a missing region (foreign key) to a field error.
fn region_problem(e: DieselError) -> ApiError {
    match &e {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info)
            if info
                .constraint_name()
                .is_some_and(|c| c.contains("region_code")) =>
        {
            vec![FieldError::new("region_code", "is not a known region")].into()
        }
        _ => e.into(),
    }
}

/// Create or replace a unit (admin).
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, example = "SENTRA-MULYA-JAYA")),
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
    auth.require(&[Role::Admin])?;
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
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut categories: Vec<String> = input
        .categories
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    categories.sort();
    categories.dedup();
    let mut conn = state.pool.get().await?;
    let existed: bool = diesel::select(diesel::dsl::exists(units::table.find(&code)))
        .get_result(&mut conn)
        .await?;
    let values = (
        units::code.eq(&code),
        units::name.eq(&name),
        units::kind.eq(&kind),
        units::region_code.eq(&input.region_code),
        units::latitude.eq(input.lat),
        units::longitude.eq(input.lon),
        units::categories.eq(&categories),
        units::capacity.eq(input.capacity),
        units::active.eq(input.active),
        units::contact.eq(&input.contact),
        units::updated_at.eq(diesel::dsl::now),
    );
    let unit: UnitView = diesel::insert_into(units::table)
        .values(values)
        .on_conflict(units::code)
        .do_update()
        .set(values)
        .returning(UnitView::as_returning())
        .get_result(&mut conn)
        .await
        .map_err(region_problem)?;
    tracing::info!(unit = %code, created = !existed, "unit saved");
    Ok(if existed {
        HttpResponse::Ok().json(unit)
    } else {
        HttpResponse::Created().json(unit)
    })
}

/// A coverage rule: a unit covers a region (or the nation) for a category (or all).
#[derive(Debug, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = coverage_rules, check_for_backend(diesel::pg::Pg))]
pub struct CoverageRuleView {
    pub id: i64,
    pub unit_code: String,
    /// Province or regency; null = national.
    pub region_code: Option<String>,
    /// Null = all categories.
    pub category: Option<String>,
    /// Higher wins among rules of the same specificity.
    pub priority: i32,
    pub active: bool,
    /// `source` (from published working areas), `derived`, or `admin`.
    pub basis: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Body of `POST /v1/units/{code}/coverage`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"region_code": "13.03", "category": "elderly", "priority": 0}))]
pub struct CoverageInput {
    /// Province or regency code; null or absent = national.
    #[serde(default)]
    pub region_code: Option<String>,
    /// Null or absent = all categories.
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

async fn require_unit(conn: &mut diesel_async::AsyncPgConnection, code: &str) -> ApiResult<()> {
    let exists: bool = diesel::select(diesel::dsl::exists(units::table.find(code)))
        .get_result(conn)
        .await?;
    if exists {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("no unit {code}")))
    }
}

/// A unit's coverage rules (admin).
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, example = "SENTRA-MULYA-JAYA")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<CoverageRuleView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit"),
        AuthErrors,
    )
)]
#[get("/v1/units/{code}/coverage")]
async fn list_unit_coverage(
    auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<Page<CoverageRuleView>>> {
    auth.require(&[Role::Admin, Role::Supervisor])?;
    let mut conn = state.pool.get().await?;
    require_unit(&mut conn, &code).await?;
    let items = coverage_rules::table
        .filter(coverage_rules::unit_code.eq(code.as_str()))
        .order(coverage_rules::id)
        .select(CoverageRuleView::as_select())
        .load(&mut conn)
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Add a coverage rule to a unit (admin). The router uses it from its next decision.
#[utoipa::path(
    tag = "directory",
    params(("code" = String, Path, example = "SENTRA-MULYA-JAYA")),
    request_body(content = CoverageInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = CoverageRuleView),
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
    let input: CoverageInput = body::json(&req, payload).await?;
    if let Some(region) = &input.region_code {
        RegionCode::parse(region)
            .map_err(|m| ApiError::from(vec![FieldError::new("region_code", m)]))?;
    }
    if input.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(vec![FieldError::new("note", "must be at most 500 characters")].into());
    }
    let mut conn = state.pool.get().await?;
    require_unit(&mut conn, &code).await?;
    let rule: CoverageRuleView = diesel::insert_into(coverage_rules::table)
        .values((
            coverage_rules::unit_code.eq(code.as_str()),
            coverage_rules::region_code.eq(&input.region_code),
            coverage_rules::category.eq(input.category.map(|c| c.as_str())),
            coverage_rules::priority.eq(input.priority),
            coverage_rules::basis.eq("admin"),
            coverage_rules::note.eq(input
                .note
                .clone()
                .unwrap_or_else(|| format!("added by {}", claims.sub))),
        ))
        .returning(CoverageRuleView::as_returning())
        .get_result(&mut conn)
        .await
        .map_err(|e| match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::Core(sigap_core::Error::Conflict(
                    "the unit already has a rule for this region and category".into(),
                ))
            }
            _ => region_problem(e),
        })?;
    tracing::info!(unit = %code, rule_id = rule.id, "coverage rule added");
    Ok(HttpResponse::Created().json(rule))
}

/// Remove a coverage rule (admin).
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
    auth.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let deleted = diesel::delete(coverage_rules::table.find(id.into_inner()))
        .execute(&mut conn)
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound("no such coverage rule".into()));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Body of `POST /v1/route/preview`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"category": "elderly", "region_code": "13.03", "location": {"lat": -0.69, "lon": 100.95}}))]
pub struct PreviewInput {
    pub category: Category,
    pub region_code: String,
    #[serde(default)]
    pub location: Option<PreviewLocation>,
    /// Units to leave out, as a transfer would.
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewLocation {
    pub lat: f64,
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
    /// Why the winner won, or why nothing matched.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Candidate)]
pub struct CandidateDoc {
    pub unit_code: String,
    pub rule_id: i64,
    pub level: String,
    pub priority: i32,
    pub distance_km: Option<f64>,
    pub load: i64,
    pub capacity: i64,
    /// Null for the winner.
    pub rejected_because: Option<String>,
}

/// Dry run of the router (supervisor, admin): what would happen to a report
/// of this category filed in this region, and why.
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
    let known: bool = diesel::select(diesel::dsl::exists(regions::table.find(&input.region_code)))
        .get_result(&mut conn)
        .await?;
    if !known {
        return Err(vec![FieldError::new("region_code", "is not a known region")].into());
    }
    let (_, directory) = sigap_core::directory::load(&mut conn).await?;
    let loads = sigap_core::directory::loads(&mut conn).await?;
    let request = RouteRequest {
        category: input.category.as_str(),
        region_code: &input.region_code,
        location: input.location.as_ref().map(|l| (l.lat, l.lon)),
        exclude: &input.exclude,
    };
    let decision = directory.route(&request, |code| loads.get(code).copied().unwrap_or(0));
    Ok(HttpResponse::Ok().json(decision))
}
