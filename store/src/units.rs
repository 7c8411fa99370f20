//! Reading the unit directory: the units, one by one or page by page.

use crate::error::Result;
use crate::schema::units;
use crate::vocabulary::Term;
use chrono::{DateTime, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sigap_domain::Category;
use sigap_domain::working_time::{OfficeHours, Zone};

/// A technical unit (UPT) of the ministry, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct Unit {
    /// The unit's code, such as `SENTRA-MULYA-JAYA`.
    pub code: String,
    /// The unit's name, such as `Sentra Mulya Jaya`.
    pub name: String,
    /// `sentra`, `sentra_terpadu`, `balai`, …
    pub kind: String,
    /// Regency (or province) of the unit's seat.
    pub region_code: String,
    /// Latitude of the unit's seat.
    #[diesel(column_name = latitude)]
    pub lat: f64,
    /// Longitude of the unit's seat.
    #[diesel(column_name = longitude)]
    pub lon: f64,
    /// Categories served; empty means all.
    pub categories: Vec<Term<Category>>,
    /// Open cases the unit can hold before the router passes it over.
    pub capacity: i32,
    /// Open cases now.
    pub open_cases: i32,
    /// Whether the router may assign cases to the unit.
    pub active: bool,
    /// How to reach the unit.
    pub contact: Option<String>,
    /// When the unit was last changed.
    pub updated_at: DateTime<Utc>,
    /// Working weekdays, ISO numbers (1 = Monday).
    pub office_days: Vec<Option<i16>>,
    /// When the office opens, in the unit's local time.
    pub office_opens: NaiveTime,
    /// When the office closes, in the unit's local time.
    pub office_closes: NaiveTime,
}

impl Unit {
    /// The unit's office hours; the table's checks keep them valid.
    pub fn office_hours(&self) -> OfficeHours {
        let days: Vec<u8> = self
            .office_days
            .iter()
            .flatten()
            .filter_map(|d| u8::try_from(*d).ok())
            .collect();
        OfficeHours::new(&days, self.office_opens, self.office_closes).unwrap_or_default()
    }

    /// The time zone of the unit's seat, by its province.
    pub fn zone(&self) -> Option<Zone> {
        Zone::for_region(&self.region_code)
    }
}

/// At most `limit` units by code, after the code `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Unit>> {
    let mut q = units::table
        .select(Unit::as_select())
        .order(units::code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(units::code.gt(after.to_owned()));
    }
    Ok(q.load(conn).await?)
}

/// The unit with `code`.
pub async fn find(conn: &mut AsyncPgConnection, code: &str) -> Result<Unit> {
    Ok(units::table
        .find(code)
        .select(Unit::as_select())
        .first(conn)
        .await?)
}

/// Whether a unit with `code` exists.
pub async fn exists(conn: &mut AsyncPgConnection, code: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(units::table.find(code)))
        .get_result(conn)
        .await?)
}
