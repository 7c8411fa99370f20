//! Sigap's routing engine: decides which technical unit (UPT) of the Ministry
//! of Social Affairs takes a report, and records why.
//!
//! The crate is pure: no I/O, no async, no database. Callers build a
//! [`Directory`] from regions, units and coverage rules they loaded, then call
//! [`Directory::route`] with a unit-load lookup. The same inputs always give
//! the same [`Decision`], which is stored with the case as its explanation.
//!
//! The rules, in order:
//! 1. candidates are active units that serve the report's category and have an
//!    active coverage rule for its regency, its province or the nation;
//! 2. the most specific coverage wins (regency, then province, then national);
//! 3. among equals: higher rule priority, then shorter distance to the unit's
//!    seat, then lower load ratio, then unit code;
//! 4. units at capacity are passed over unless every eligible candidate is
//!    full, in which case the least loaded takes the report over capacity;
//! 5. no candidate means the report needs triage by a person.

mod boundaries;
mod directory;
mod geo;

#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use boundaries::{Boundaries, BoundaryError, Shape};
pub use directory::{Directory, RouteRequest};
pub use geo::{EARTH_RADIUS_KM, haversine_km};

/// How specific a coverage rule is for a report. Orders most specific first,
/// so `Level::Regency < Level::Province < Level::National`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The rule names the report's regency (kabupaten/kota).
    Regency,
    /// The rule names the report's province.
    Province,
    /// The rule names no region: it covers the whole nation.
    National,
}

impl Level {
    /// The name used in JSON and in decision texts (`"regency"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Regency => "regency",
            Level::Province => "province",
            Level::National => "national",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A province or regency with its centroid, used to place reports that carry
/// no coordinates of their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// Kemendagri code: `13` for a province, `13.03` for a regency.
    pub code: String,
    /// The province of a regency; `None` for a province.
    pub parent: Option<String>,
    /// Centroid latitude, degrees.
    pub lat: f64,
    /// Centroid longitude, degrees.
    pub lon: f64,
}

/// A technical unit (sentra, sentra terpadu or balai) that can take cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// Stable code, e.g. `SENTRA-MULYA-JAYA`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Latitude of the unit's seat, degrees; distances are measured to it.
    pub lat: f64,
    /// Longitude of the unit's seat, degrees.
    pub lon: f64,
    /// Report categories the unit serves; empty means all of them.
    pub categories: Vec<String>,
    /// Open cases the unit can hold before it counts as full.
    pub capacity: i64,
    /// Inactive units never take reports and are not listed as candidates.
    pub active: bool,
}

impl Unit {
    /// Whether the unit takes reports of this category.
    pub fn serves(&self, category: &str) -> bool {
        self.categories.is_empty() || self.categories.iter().any(|c| c == category)
    }
}

/// A coverage rule: `unit_code` takes reports from `region_code` (a province
/// or a regency; `None` = the whole nation) of `category` (`None` = all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Database id, recorded in decisions; ties between rules of one unit go
    /// to the lowest id.
    pub id: i64,
    /// The unit this rule gives coverage to.
    pub unit_code: String,
    /// Province or regency code; `None` for national coverage.
    pub region_code: Option<String>,
    /// Only reports of this category match; `None` matches all.
    pub category: Option<String>,
    /// Higher wins among rules of the same specificity.
    pub priority: i32,
    /// Inactive rules are ignored.
    pub active: bool,
    /// Where the rule comes from; quoted in the explanation of a decision
    /// it wins.
    #[serde(default)]
    pub provenance: Provenance,
}

/// What a coverage rule rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A source names the region in the unit's working area.
    Stated,
    /// A source shows the unit serving the region: evidence, not a definition.
    Served,
    /// Set where no source speaks (the seat's regency or province, the
    /// national fallback).
    #[default]
    Derived,
    /// Added by a person through the admin API.
    Admin,
}

impl Basis {
    /// Every basis, strongest evidence first.
    pub const ALL: [Basis; 4] = [Basis::Stated, Basis::Served, Basis::Derived, Basis::Admin];

    /// The name used in JSON, CSV and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Stated => "stated",
            Basis::Served => "served",
            Basis::Derived => "derived",
            Basis::Admin => "admin",
        }
    }

    /// The basis with this name.
    pub fn parse(name: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// Why a coverage rule exists: the evidence behind it, as the directory's
/// data records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// What the rule rests on.
    pub basis: Basis,
    /// `high`, `medium` or `low`, for rules taken from a source.
    pub confidence: Option<String>,
    /// The year of the source.
    pub year: Option<i32>,
    /// The source's address.
    pub source: Option<String>,
    /// One sentence saying why the unit covers the region; the explanation
    /// of a decision reads "covered because <note>".
    pub note: Option<String>,
}

/// Whether a report found a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A unit was chosen: [`Decision::unit_code`] is set.
    Assigned,
    /// No unit could take the report; a person must route it.
    NeedsTriage,
}

/// The result of routing one report, with enough detail to explain it to the
/// people involved: the winning rule, every unit considered and why each lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Assigned or needs triage.
    pub outcome: Outcome,
    /// The chosen unit.
    pub unit_code: Option<String>,
    /// The chosen unit's rule that matched.
    pub rule_id: Option<i64>,
    /// Specificity of that rule for the report's region.
    pub level: Option<Level>,
    /// True when every eligible unit was full and the least loaded took it.
    pub over_capacity: bool,
    /// The winner's distance, km, rounded to 0.1 km.
    pub distance_km: Option<f64>,
    /// Every unit considered, winner first, then the rest in ranking order.
    pub candidates: Vec<Candidate>,
    /// One English sentence: why the winner won, or why nothing matched.
    pub reason: String,
    /// The evidence behind the winning rule.
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

/// One unit considered for a report, with the rule that made it a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The unit.
    pub unit_code: String,
    /// Its best matching rule for this report.
    pub rule_id: i64,
    /// That rule's specificity.
    pub level: Level,
    /// That rule's priority.
    pub priority: i32,
    /// What that rule rests on.
    #[serde(default)]
    pub basis: Basis,
    /// Distance from the report to the unit's seat, km, rounded to 0.1 km.
    /// Units are compared on this rounded value, so that the recorded
    /// explanation always agrees with the numbers shown. Infinite only when
    /// the data gives no finite coordinates for the report or the seat.
    pub distance_km: f64,
    /// Open cases at routing time.
    pub load: i64,
    /// The unit's capacity.
    pub capacity: i64,
    /// Why it lost to the winner; `None` for the winner.
    pub rejected_because: Option<String>,
}
