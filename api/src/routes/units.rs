//! The unit directory.

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::startup::AppState;
use crate::views::units::UnitView;
use actix_web::{get, web};
use serde::Deserialize;
use sigap_store::units;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units).service(get_unit);
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
    let after = query.cursor.as_deref().map(page::decode).transpose()?;
    let mut conn = state.pool.get().await?;
    let rows = units::list(&mut conn, after.as_deref(), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |u: &units::Unit| u.code.clone());
    Ok(web::Json(page.map(UnitView::from)))
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
    Ok(web::Json(units::find(&mut conn, &code).await?.into()))
}
