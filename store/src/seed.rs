//! Loads the reference data in `data/` (regions, units, coverage rules, the
//! holiday calendar) idempotently: running it twice leaves the same rows.
//! Units, rules and holidays an admin added, changed or removed stay as the
//! admin left them.

use crate::directory::{Actor, act_as};
use crate::schema::{coverage_rules, holidays, regions, units};
use crate::vocabulary::{Term, spellings};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Jsonb;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use sigap_domain::{Category, HolidayKind};
use std::path::Path;

/// Why seeding stopped; nothing is stored then.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A CSV file cannot be read or parsed.
    #[error("{file}: {error}")]
    Csv {
        /// The file's path.
        file: String,
        /// The reader's error; a parse error names its line.
        error: csv::Error,
    },
    /// A row holds a category, basis or confidence Sigap does not know.
    #[error("{file} line {line}: {message}")]
    Invalid {
        /// The file, such as `units.csv`.
        file: String,
        /// The row's line in the file (the header is line 1).
        line: usize,
        /// What is wrong, such as `unknown category "kids"`.
        message: String,
    },
    /// The database refused a row or failed.
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// Rows in each table after seeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCounts {
    /// Provinces and regencies/cities.
    pub regions: i64,
    /// Units, the admin's included.
    pub units: i64,
    /// Coverage rules, the admin's included.
    pub coverage_rules: i64,
    /// Of those, rules an admin added or changed (left as they are).
    pub admin_rules: i64,
    /// Days off of the holiday calendar, the admin's included, the removed
    /// ones left out.
    pub holidays: i64,
}

/// A row of `holidays.csv`.
#[derive(Debug, Deserialize)]
pub struct HolidayRow {
    /// The day off.
    pub date: NaiveDate,
    /// Its name in Indonesian.
    pub name: String,
    /// `holiday` or `collective_leave`.
    pub kind: String,
    /// The decree it comes from, or why it is provisional.
    pub source: String,
}

/// Reads and checks `holidays.csv` in `dir`: known kinds, names of 1 to 200
/// characters, no day twice.
pub fn holiday_rows(dir: &Path) -> Result<Vec<(NaiveDate, String, HolidayKind)>, SeedError> {
    let rows: Vec<HolidayRow> = read(dir, "holidays.csv")?;
    let mut days = std::collections::BTreeSet::new();
    let mut checked = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let invalid = |message: String| SeedError::Invalid {
            file: "holidays.csv".into(),
            line: i + 2,
            message,
        };
        let kind = HolidayKind::parse(row.kind.trim())
            .ok_or_else(|| invalid(format!("unknown kind {:?}", row.kind)))?;
        let name = row.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("the name must be 1 to 200 characters".into()));
        }
        if !days.insert(row.date) {
            return Err(invalid(format!("{} is listed twice", row.date)));
        }
        checked.push((row.date, name, kind));
    }
    Ok(checked)
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent_code: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct UnitRow {
    code: String,
    name: String,
    kind: String,
    region_code: String,
    lat: f64,
    lon: f64,
    categories: String,
    capacity: i32,
    active: bool,
    contact: String,
}

/// A coverage rule of the data, as the upsert reads it: one JSON object per
/// rule, its keys the columns of `seed/coverage_rules.sql`.
#[derive(Serialize)]
struct SeededRule<'a> {
    unit_code: &'a str,
    region_code: Option<&'a str>,
    category: Option<Category>,
    priority: i32,
    basis: &'a str,
    confidence: Option<&'a str>,
    year: Option<i32>,
    source: Option<&'a str>,
    note: Option<&'a str>,
}

impl<'a> SeededRule<'a> {
    /// The rule of a row already checked (its category is known).
    fn new(row: &'a RuleRow) -> SeededRule<'a> {
        SeededRule {
            unit_code: row.unit_code.trim(),
            region_code: optional(&row.region_code),
            category: optional(&row.category).and_then(Category::parse),
            priority: row.priority,
            basis: row.basis.trim(),
            confidence: optional(&row.confidence),
            year: row.year,
            source: optional(&row.source),
            note: optional(&row.note),
        }
    }
}

#[derive(Deserialize)]
struct RuleRow {
    unit_code: String,
    region_code: String,
    category: String,
    priority: i32,
    basis: String,
    confidence: String,
    year: Option<i32>,
    source: String,
    note: String,
}

const BASES: [&str; 3] = ["stated", "served", "derived"];
const CONFIDENCES: [&str; 3] = ["high", "medium", "low"];

fn read<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>, SeedError> {
    let file = dir.join(name).display().to_string();
    let mut reader = csv::Reader::from_path(&file).map_err(|error| SeedError::Csv {
        file: file.clone(),
        error,
    })?;
    reader
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|error| SeedError::Csv { file, error })
}

fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// Loads `regions.csv`, `units.csv` and `coverage_rules.csv` from `dir`.
pub async fn seed(conn: &mut AsyncPgConnection, dir: &Path) -> Result<SeedCounts, SeedError> {
    let mut region_rows: Vec<RegionRow> = read(dir, "regions.csv")?;
    let unit_rows: Vec<UnitRow> = read(dir, "units.csv")?;
    let rule_rows: Vec<RuleRow> = read(dir, "coverage_rules.csv")?;
    let holiday_rows = holiday_rows(dir)?;
    // Provinces before regencies, for the parent foreign key.
    region_rows.sort_by_key(|r| (r.level != "province", r.code.clone()));
    for (i, unit) in unit_rows.iter().enumerate() {
        for category in unit.categories.split(';').filter_map(optional) {
            if Category::parse(category).is_none() {
                return Err(SeedError::Invalid {
                    file: "units.csv".into(),
                    line: i + 2,
                    message: format!("unknown category {category:?}"),
                });
            }
        }
    }

    for (i, rule) in rule_rows.iter().enumerate() {
        let invalid = |message: String| SeedError::Invalid {
            file: "coverage_rules.csv".into(),
            line: i + 2,
            message,
        };
        if !BASES.contains(&rule.basis.as_str()) {
            // An admin's rules come from the api, never from the data.
            return Err(invalid(format!("unknown basis {:?}", rule.basis)));
        }
        if optional(&rule.confidence).is_some_and(|c| !CONFIDENCES.contains(&c)) {
            return Err(invalid(format!("unknown confidence {:?}", rule.confidence)));
        }
        if optional(&rule.category).is_some_and(|c| Category::parse(c).is_none()) {
            return Err(invalid(format!("unknown category {:?}", rule.category)));
        }
    }

    conn.transaction::<SeedCounts, SeedError, _>(async |conn| {
        act_as(
            conn,
            Actor {
                sub: "seed",
                role: None,
            },
        )
        .await?;
        for chunk in region_rows.chunks(1000) {
            let values: Vec<_> = chunk
                .iter()
                .map(|r| {
                    (
                        regions::code.eq(&r.code),
                        regions::name.eq(&r.name),
                        regions::level.eq(&r.level),
                        regions::parent_code.eq(optional(&r.parent_code)),
                        regions::latitude.eq(r.lat),
                        regions::longitude.eq(r.lon),
                    )
                })
                .collect();
            diesel::insert_into(regions::table)
                .values(values)
                .on_conflict(regions::code)
                .do_update()
                .set((
                    regions::name.eq(excluded(regions::name)),
                    regions::level.eq(excluded(regions::level)),
                    regions::parent_code.eq(excluded(regions::parent_code)),
                    regions::latitude.eq(excluded(regions::latitude)),
                    regions::longitude.eq(excluded(regions::longitude)),
                ))
                .execute(conn)
                .await?;
        }
        let values: Vec<_> = unit_rows
            .iter()
            .map(|u| {
                let categories: Vec<Category> = u
                    .categories
                    .split(';')
                    .filter_map(optional)
                    .filter_map(Category::parse)
                    .collect();
                (
                    units::code.eq(&u.code),
                    units::name.eq(&u.name),
                    units::kind.eq(&u.kind),
                    units::region_code.eq(&u.region_code),
                    units::latitude.eq(u.lat),
                    units::longitude.eq(u.lon),
                    units::categories.eq(spellings(&categories)),
                    units::capacity.eq(u.capacity),
                    units::active.eq(u.active),
                    units::contact.eq(optional(&u.contact)),
                    units::origin.eq("seed"),
                )
            })
            .collect();
        let upsert = diesel::insert_into(units::table)
            .values(values)
            .on_conflict(units::code)
            .do_update()
            .set((
                units::name.eq(excluded(units::name)),
                units::kind.eq(excluded(units::kind)),
                units::region_code.eq(excluded(units::region_code)),
                units::latitude.eq(excluded(units::latitude)),
                units::longitude.eq(excluded(units::longitude)),
                units::categories.eq(excluded(units::categories)),
                units::capacity.eq(excluded(units::capacity)),
                units::active.eq(excluded(units::active)),
                units::contact.eq(excluded(units::contact)),
            ));
        // Units an admin saved keep the admin's values.
        diesel::query_dsl::methods::FilterDsl::filter(upsert, units::origin.eq("seed"))
            .execute(conn)
            .await?;
        let rules: Vec<SeededRule> = rule_rows.iter().map(SeededRule::new).collect();
        let rules = serde_json::to_value(rules).expect("rules serialize");
        diesel::sql_query(include_str!("seed/coverage_rules.sql"))
            .bind::<Jsonb, _>(&rules)
            .execute(conn)
            .await?;
        diesel::sql_query(include_str!("seed/stale_rules.sql"))
            .bind::<Jsonb, _>(&rules)
            .execute(conn)
            .await?;
        let values: Vec<_> = holiday_rows
            .iter()
            .map(|(day, name, kind)| {
                (
                    holidays::day.eq(day),
                    holidays::name.eq(name),
                    holidays::kind.eq(Term(*kind)),
                    holidays::origin.eq("seed"),
                    holidays::updated_by.eq("seed"),
                )
            })
            .collect();
        // A day an admin saved or removed keeps the admin's word; a seeded
        // one takes the data's corrections.
        let upsert = diesel::insert_into(holidays::table)
            .values(values)
            .on_conflict(holidays::day)
            .do_update()
            .set((
                holidays::name.eq(excluded(holidays::name)),
                holidays::kind.eq(excluded(holidays::kind)),
                holidays::updated_at.eq(diesel::dsl::now),
            ));
        diesel::query_dsl::methods::FilterDsl::filter(
            upsert,
            holidays::origin
                .eq("seed")
                .and(holidays::removed.eq(false))
                .and(
                    holidays::name
                        .ne(excluded(holidays::name))
                        .or(holidays::kind.ne(excluded(holidays::kind))),
                ),
        )
        .execute(conn)
        .await?;
        Ok(SeedCounts {
            regions: regions::table.count().get_result(conn).await?,
            units: units::table.count().get_result(conn).await?,
            coverage_rules: coverage_rules::table.count().get_result(conn).await?,
            admin_rules: coverage_rules::table
                .filter(coverage_rules::origin.eq("admin"))
                .count()
                .get_result(conn)
                .await?,
            holidays: holidays::table
                .filter(holidays::removed.eq(false))
                .count()
                .get_result(conn)
                .await?,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn data() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
    }

    #[test]
    fn the_holiday_data_parses_covers_2025_to_2027_and_lists_no_day_twice() {
        let rows = holiday_rows(&data()).expect("holidays.csv parses");
        assert!(
            rows.iter()
                .all(|(day, _, _)| (2025..=2027).contains(&day.year()))
        );
        for year in 2025..=2027 {
            assert!(rows.iter().any(|(day, _, _)| day.year() == year), "{year}");
        }
        let days: std::collections::BTreeSet<_> = rows.iter().map(|(day, _, _)| *day).collect();
        assert_eq!(days.len(), rows.len());
        let of_2026 = |kind: HolidayKind| {
            rows.iter()
                .filter(|(day, _, k)| day.year() == 2026 && *k == kind)
                .count()
        };
        assert_eq!(of_2026(HolidayKind::Holiday), 17);
        assert_eq!(of_2026(HolidayKind::CollectiveLeave), 8);
    }

    #[test]
    fn every_holiday_row_names_its_decree_or_says_it_is_provisional() {
        let rows: Vec<HolidayRow> = read(&data(), "holidays.csv").expect("parses");
        for row in &rows {
            let decreed = row.source.starts_with("SKB ");
            let provisional = row.source.starts_with("provisional: ");
            assert!(decreed || provisional, "{row:?}");
            // No decree for 2027 was found: its rows must say so.
            assert_eq!(provisional, row.date.year() == 2027, "{row:?}");
        }
    }

    #[test]
    fn a_day_listed_twice_or_an_unknown_kind_stops_the_seed() {
        let dir = std::env::temp_dir().join(format!("sigap-holidays-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let write = |text: &str| std::fs::write(dir.join("holidays.csv"), text).expect("write");
        write("date,name,kind,source\n2026-01-01,A,holiday,SKB x\n2026-01-01,B,holiday,SKB x\n");
        let twice = holiday_rows(&dir).expect_err("a day twice");
        assert!(twice.to_string().contains("line 3"), "{twice}");
        write("date,name,kind,source\n2026-01-01,A,festival,SKB x\n");
        let unknown = holiday_rows(&dir).expect_err("an unknown kind");
        assert!(unknown.to_string().contains("festival"), "{unknown}");
        write("date,name,kind,source\n2026-02-30,A,holiday,SKB x\n");
        assert!(holiday_rows(&dir).is_err(), "no such date");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
