//! The holiday calendar as callers see it.

use chrono::NaiveDate;
use serde::Serialize;
use sigap_domain::HolidayKind;
use sigap_store::calendar::Holiday;
use utoipa::ToSchema;

/// A day nobody works: a national holiday or a collective-leave day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"date": "2026-03-20", "name": "Cuti bersama Idulfitri 1447 Hijriah", "kind": "collective_leave"}))]
pub struct HolidayView {
    pub date: NaiveDate,
    /// In Indonesian, as the decree names it.
    pub name: String,
    pub kind: HolidayKind,
}

impl From<Holiday> for HolidayView {
    fn from(holiday: Holiday) -> HolidayView {
        HolidayView {
            date: holiday.day,
            name: holiday.name,
            kind: holiday.kind.into(),
        }
    }
}

/// The days off of one year, in date order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2026, "holidays": [
    {"date": "2026-03-20", "name": "Cuti bersama Idulfitri 1447 Hijriah", "kind": "collective_leave"},
    {"date": "2026-03-21", "name": "Idulfitri 1447 Hijriah", "kind": "holiday"}
]}))]
pub struct HolidayYear {
    pub year: i32,
    pub holidays: Vec<HolidayView>,
}
