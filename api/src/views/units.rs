//! Units as callers see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::Category;
use sigap_domain::working_time::{OfficeHours, Zone};
use sigap_store::units::Unit;
use utoipa::ToSchema;

/// A technical unit (UPT) of the ministry.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    #[schema(example = "SENTRA-MULYA-JAYA")]
    pub code: String,
    #[schema(example = "Sentra Mulya Jaya")]
    pub name: String,
    /// `sentra`, `sentra_terpadu`, `balai`, …
    pub kind: String,
    /// Regency of the unit's seat.
    pub region_code: String,
    pub lat: f64,
    pub lon: f64,
    /// Categories served; empty means all.
    pub categories: Vec<Category>,
    /// Open cases the unit can hold before the router passes it over.
    pub capacity: i32,
    /// Open cases now.
    pub open_cases: i32,
    pub active: bool,
    pub contact: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub office_hours: OfficeHoursView,
    /// The time zone of the seat's province, which the office hours are in.
    #[schema(example = "WIB")]
    pub time_zone: Option<Zone>,
}

/// The days and hours a unit works, in its local time.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:00"}))]
pub struct OfficeHoursView {
    /// ISO weekdays, 1 (Monday) to 7 (Sunday).
    pub days: Vec<u8>,
    /// `HH:MM`, local time.
    pub opens: String,
    /// `HH:MM`, local time.
    pub closes: String,
}

impl From<OfficeHours> for OfficeHoursView {
    fn from(hours: OfficeHours) -> OfficeHoursView {
        OfficeHoursView {
            days: hours.weekdays(),
            opens: hours.opens().format("%H:%M").to_string(),
            closes: hours.closes().format("%H:%M").to_string(),
        }
    }
}

impl From<Unit> for UnitView {
    fn from(unit: Unit) -> UnitView {
        let office_hours = unit.office_hours().into();
        let time_zone = unit.zone();
        UnitView {
            code: unit.code,
            name: unit.name,
            kind: unit.kind,
            region_code: unit.region_code,
            lat: unit.lat,
            lon: unit.lon,
            categories: unit.categories.into_iter().map(Category::from).collect(),
            capacity: unit.capacity,
            open_cases: unit.open_cases,
            active: unit.active,
            contact: unit.contact,
            updated_at: unit.updated_at,
            office_hours,
            time_zone,
        }
    }
}
