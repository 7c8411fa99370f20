//! The unit directory.

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use sigap_store::schema::units;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units).service(get_unit);
}

/// A technical unit (UPT) of the ministry.
#[derive(Debug, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct UnitView {
    #[schema(example = "SENTRA-MULYA-JAYA")]
    pub code: String,
    #[schema(example = "Sentra Mulya Jaya")]
    pub name: String,
    /// `sentra`, `sentra_terpadu`, `balai`, …
    pub kind: String,
    /// Regency of the unit's seat.
    pub region_code: String,
    #[diesel(column_name = latitude)]
    pub lat: f64,
    #[diesel(column_name = longitude)]
    pub lon: f64,
    /// Categories served; empty means all.
    pub categories: Vec<String>,
    /// Open cases the unit can hold before the router passes it over.
    pub capacity: i32,
    /// Open cases now.
    pub open_cases: i32,
    pub active: bool,
    pub contact: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// At most 500 (default 500).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The unit directory.
#[utoipa::path(
    tag = "reference",
    params(UnitQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<UnitView>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit or cursor"),
        AuthErrors,
    )
)]
#[get("/v1/units")]
async fn list_units(
    _auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<UnitQuery>,
) -> ApiResult<web::Json<Page<UnitView>>> {
    let limit = page::limit(query.limit, page::MAX_LIMIT)?;
    let mut q = units::table
        .select(UnitView::as_select())
        .order(units::code)
        .limit(limit + 1)
        .into_boxed();
    if let Some(cursor) = &query.cursor {
        q = q.filter(units::code.gt(page::decode(cursor)?));
    }
    let mut conn = state.pool.get().await?;
    let rows = q.load(&mut conn).await?;
    Ok(web::Json(Page::from_rows(rows, limit, |u: &UnitView| {
        u.code.clone()
    })))
}

/// One unit.
#[utoipa::path(
    tag = "reference",
    params(("code" = String, Path, example = "SENTRA-MULYA-JAYA")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UnitView),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such unit"),
        AuthErrors,
    )
)]
#[get("/v1/units/{code}")]
async fn get_unit(
    _auth: Auth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<UnitView>> {
    let mut conn = state.pool.get().await?;
    let unit = units::table
        .find(code.into_inner())
        .select(UnitView::as_select())
        .first(&mut conn)
        .await?;
    Ok(web::Json(unit))
}
