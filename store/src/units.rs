//! Reading the unit directory: the units, one by one or page by page.

use crate::error::Result;
use crate::schema::units;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;

/// A technical unit (UPT) of the ministry.
// Serialized and documented here, not in the api, because the directory's
// handlers still write units with this row as their answer.
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

/// At most `limit` units by code, after the code `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<UnitView>> {
    let mut q = units::table
        .select(UnitView::as_select())
        .order(units::code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(units::code.gt(after.to_owned()));
    }
    Ok(q.load(conn).await?)
}

/// The unit with `code`.
pub async fn find(conn: &mut AsyncPgConnection, code: &str) -> Result<UnitView> {
    Ok(units::table
        .find(code)
        .select(UnitView::as_select())
        .first(conn)
        .await?)
}

/// Whether a unit with `code` exists.
pub async fn exists(conn: &mut AsyncPgConnection, code: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(units::table.find(code)))
        .get_result(conn)
        .await?)
}
