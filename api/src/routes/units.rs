//! The unit directory.

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiError, ApiResult, AuthErrors, Problem};
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

/// Whether `code` can be a unit's: 1 to 64 characters of A-Z, 0-9 and `-`
/// (the `code` path parameters say so). Anything else names no unit.
pub fn is_unit_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// 404 for a code no unit can have, before asking the database.
pub fn unit_code_or_404(code: &str) -> ApiResult<&str> {
    if is_unit_code(code) {
        Ok(code)
    } else {
        Err(ApiError::NotFound(format!("no unit {code}")))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// 1 to 500 (default 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
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
    let after = page::after(&query.cursor)?;
    let mut conn = state.pool.get().await?;
    let rows = units::list(&mut conn, after.as_deref(), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |u: &units::Unit| u.code.clone());
    Ok(web::Json(page.map(UnitView::from)))
}

/// One unit.
#[utoipa::path(
    tag = "reference",
    params(("code" = String, Path, pattern = "^[A-Z0-9-]{1,64}$", example = "SENTRA-MULYA-JAYA")),
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
    let code = unit_code_or_404(&code)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(units::find(&mut conn, code).await?.into()))
}
