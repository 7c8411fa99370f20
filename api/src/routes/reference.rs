//! Reference data: regions and categories.

use crate::auth::Auth;
use crate::page::{self, Page};
use crate::problem::{ApiResult, AuthErrors, Problem};
use crate::startup::AppState;
use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use sigap_domain::Category;
use sigap_store::regions::{self, Region, RegionFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions).service(list_categories);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    /// Kemendagri code: `13` (province) or `13.03` (regency/city).
    #[schema(example = "13.03")]
    pub code: String,
    #[schema(example = "Kabupaten Sijunjung")]
    pub name: String,
    #[schema(value_type = RegionLevel)]
    pub level: String,
    pub parent_code: Option<String>,
    /// Centroid.
    pub lat: f64,
    pub lon: f64,
}

impl From<Region> for RegionView {
    fn from(r: Region) -> RegionView {
        RegionView {
            code: r.code,
            name: r.name,
            level: r.level,
            parent_code: r.parent_code,
            lat: r.latitude,
            lon: r.longitude,
        }
    }
}

/// Whether a region is a province (`13`) or a regency or city (`13.03`).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum RegionLevel {
    Province,
    Regency,
}

impl RegionLevel {
    fn parse(text: &str) -> Option<RegionLevel> {
        match text {
            "province" => Some(RegionLevel::Province),
            "regency" => Some(RegionLevel::Regency),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::Regency => "regency",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Only the regencies of this province.
    #[param(example = "13")]
    pub parent: Option<String>,
    /// Only the regions of this level.
    #[param(value_type = Option<RegionLevel>)]
    pub level: Option<String>,
    /// 1 to 500 (default 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before; absent or empty for the first.
    #[param(pattern = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$")]
    pub cursor: Option<String>,
}

/// Provinces and regencies/cities.
#[utoipa::path(
    tag = "reference",
    params(RegionQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<RegionView>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter"),
        AuthErrors,
    )
)]
#[get("/v1/regions")]
async fn list_regions(
    _auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<RegionQuery>,
) -> ApiResult<web::Json<Page<RegionView>>> {
    let limit = page::limit(query.limit, page::MAX_LIMIT)?;
    let level = match query.level.as_deref() {
        None => None,
        Some(text) => match RegionLevel::parse(text) {
            Some(level) => Some(level.as_str().to_owned()),
            None => {
                return Err(vec![sigap_store::FieldError::new(
                    "level",
                    "must be province or regency",
                )]
                .into());
            }
        },
    };
    // No region's code holds NUL, which PostgreSQL text cannot.
    if query.parent.as_deref().is_some_and(|p| p.contains('\0')) {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    let filter = RegionFilter {
        parent: query.parent.clone(),
        level,
        after: page::after(&query.cursor)?,
    };
    let mut conn = state.pool.get().await?;
    let rows: Vec<RegionView> = regions::list(&mut conn, &filter, limit + 1)
        .await?
        .into_iter()
        .map(RegionView::from)
        .collect();
    Ok(web::Json(Page::from_rows(rows, limit, |r| r.code.clone())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: Category,
    /// Indonesian label.
    pub label_id: &'static str,
    /// English label.
    pub label_en: &'static str,
}

/// Report categories (target groups of social rehabilitation), with labels.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    responses((status = 200, body = Page<CategoryView>), AuthErrors)
)]
#[get("/v1/categories")]
async fn list_categories(_auth: Auth) -> web::Json<Page<CategoryView>> {
    let items = Category::ALL
        .iter()
        .map(|c| {
            let (label_id, label_en) = c.labels();
            CategoryView {
                code: *c,
                label_id,
                label_en,
            }
        })
        .collect();
    web::Json(Page {
        items,
        next_cursor: None,
    })
}
