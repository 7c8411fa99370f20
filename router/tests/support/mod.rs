//! Loads the national seed data (`data/*.csv` at the workspace root) into a
//! [`Directory`]. Shared by `tests/national.rs` and `benches/route.rs`, so the
//! library itself stays free of I/O.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use sigap_router::{Basis, Directory, Provenance, Region, Rule, Unit};

/// Sigap's report categories, in the order the data uses.
pub const CATEGORIES: [&str; 8] = [
    "child",
    "disability",
    "elderly",
    "social_vulnerability",
    "substance_abuse",
    "disaster_victim",
    "poverty",
    "other",
];

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    level: String,
    parent_code: Option<String>,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct UnitRow {
    code: String,
    name: String,
    region_code: String,
    lat: Option<f64>,
    lon: Option<f64>,
    categories: String,
    capacity: i64,
    active: bool,
}

#[derive(Deserialize)]
struct RuleRow {
    unit_code: String,
    region_code: Option<String>,
    category: Option<String>,
    priority: Option<i32>,
    #[serde(default)]
    basis: String,
    confidence: Option<String>,
    year: Option<i32>,
    source: Option<String>,
    note: Option<String>,
}

/// The national directory with the codes of its regencies.
pub struct National {
    /// Regions, units and coverage rules of `data/`, as the api seeds them:
    /// rule ids are 1..n in file order.
    pub directory: Directory,
    /// Every regency code, in file order.
    pub regencies: Vec<String>,
}

/// Reads `data/regions.csv`, `data/units.csv` and `data/coverage_rules.csv`.
pub fn national() -> National {
    national_with(&data_dir())
}

/// The directory as it was before the units and working areas from sources
/// (27 units, 103 rules), kept beside the benchmarks to compare with.
#[allow(
    dead_code,
    reason = "the benchmark uses it; the tests sharing this module do not"
)]
pub fn previous() -> National {
    national_with(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/previous_directory"))
}

/// Regions from `data/`, units and rules from `dir`.
fn national_with(dir: &Path) -> National {
    let rows = read::<RegionRow>(&data_dir(), "regions.csv");
    let regencies = rows
        .iter()
        .filter(|r| r.level == "regency")
        .map(|r| r.code.clone())
        .collect();
    let regions: Vec<Region> = rows
        .into_iter()
        .map(|r| Region {
            code: r.code,
            parent: r.parent_code,
            lat: r.lat,
            lon: r.lon,
        })
        .collect();
    let units = read::<UnitRow>(dir, "units.csv")
        .into_iter()
        .map(|u| {
            // A unit without coordinates sits at its region's centroid.
            let region = regions.iter().find(|r| r.code == u.region_code);
            let (lat, lon) = match (u.lat, u.lon, region) {
                (Some(lat), Some(lon), _) => (lat, lon),
                (_, _, Some(r)) => (r.lat, r.lon),
                _ => panic!("unit {} has no coordinates and no known region", u.code),
            };
            Unit {
                code: u.code,
                name: u.name,
                lat,
                lon,
                categories: u
                    .categories
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect(),
                capacity: u.capacity,
                active: u.active,
            }
        })
        .collect();
    let rules = read::<RuleRow>(dir, "coverage_rules.csv")
        .into_iter()
        .zip(1..)
        .map(|(r, id)| Rule {
            id,
            unit_code: r.unit_code,
            region_code: r.region_code,
            category: r.category,
            priority: r.priority.unwrap_or(0),
            active: true,
            provenance: Provenance {
                // The previous directory said `source` for stated areas.
                basis: match r.basis.as_str() {
                    "source" => Basis::Stated,
                    name => Basis::parse(name)
                        .unwrap_or_else(|| panic!("unknown basis {name:?} in coverage_rules.csv")),
                },
                confidence: r.confidence,
                year: r.year,
                source: r.source,
                note: r.note,
            },
        })
        .collect();
    National {
        directory: Directory::new(regions, units, rules),
        regencies,
    }
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn read<T: DeserializeOwned>(dir: &Path, file: &str) -> Vec<T> {
    let path = dir.join(file);
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.unwrap_or_else(|e| panic!("{}, row {}: {e}", path.display(), i + 1)))
        .collect()
}
