//! Reading the regions: provinces and their regencies/cities.

use crate::error::Result;
use crate::schema::regions;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The level of a province.
const PROVINCE: &str = "province";

/// A province or regency/city.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions, check_for_backend(diesel::pg::Pg))]
pub struct Region {
    /// Kemendagri code: `13` (province) or `13.03` (regency/city).
    pub code: String,
    /// The region's name, such as `Sumatera Barat` or `Kabupaten Sijunjung`.
    pub name: String,
    /// `province` or `regency`.
    pub level: String,
    /// The province of a regency/city; `None` for a province.
    pub parent_code: Option<String>,
    /// Centroid.
    pub latitude: f64,
    /// Longitude of the centroid.
    pub longitude: f64,
}

/// Which regions to list; `None` leaves a dimension open.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    /// Only the regencies of this province.
    pub parent: Option<String>,
    /// `province` or `regency`.
    pub level: Option<String>,
    /// Only codes after this one.
    pub after: Option<String>,
}

/// At most `limit` regions matching `filter`, by code.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &RegionFilter,
    limit: i64,
) -> Result<Vec<Region>> {
    let mut q = regions::table
        .select(Region::as_select())
        .order(regions::code)
        .limit(limit)
        .into_boxed();
    if let Some(parent) = &filter.parent {
        q = q.filter(regions::parent_code.eq(parent.clone()));
    }
    if let Some(level) = &filter.level {
        q = q.filter(regions::level.eq(level.clone()));
    }
    if let Some(after) = &filter.after {
        q = q.filter(regions::code.gt(after.clone()));
    }
    Ok(q.load(conn).await?)
}

/// Whether `code` is a known province.
pub async fn province_exists(conn: &mut AsyncPgConnection, code: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        regions::table
            .find(code)
            .filter(regions::level.eq(PROVINCE)),
    ))
    .get_result(conn)
    .await?)
}
