//! Loads the reference data in `data/` (regions, units, coverage rules)
//! idempotently: running it twice leaves the same rows.

use crate::domain::Category;
use crate::schema::{coverage_rules, regions, units};
use diesel::prelude::*;
use diesel::sql_types::{Int4, Nullable, Text};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}: {error}")]
    Csv { file: String, error: csv::Error },
    #[error("{file} line {line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// Rows in each table after seeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCounts {
    pub regions: i64,
    pub units: i64,
    pub coverage_rules: i64,
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

#[derive(Deserialize)]
struct RuleRow {
    unit_code: String,
    region_code: String,
    category: String,
    priority: i32,
    basis: String,
    note: String,
}

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

    conn.transaction::<SeedCounts, SeedError, _>(async |conn| {
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
                let categories: Vec<&str> = u.categories.split(';').filter_map(optional).collect();
                (
                    units::code.eq(&u.code),
                    units::name.eq(&u.name),
                    units::kind.eq(&u.kind),
                    units::region_code.eq(&u.region_code),
                    units::latitude.eq(u.lat),
                    units::longitude.eq(u.lon),
                    units::categories.eq(categories.into_iter().map(str::to_owned).collect::<Vec<_>>()),
                    units::capacity.eq(u.capacity),
                    units::active.eq(u.active),
                    units::contact.eq(optional(&u.contact)),
                )
            })
            .collect();
        diesel::insert_into(units::table)
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
            ))
            .execute(conn)
            .await?;
        for rule in &rule_rows {
            diesel::sql_query(
                "INSERT INTO coverage_rules (unit_code, region_code, category, priority, basis, note) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (unit_code, coalesce(region_code, ''), coalesce(category, '')) \
                 DO UPDATE SET priority = excluded.priority, basis = excluded.basis, note = excluded.note",
            )
            .bind::<Text, _>(&rule.unit_code)
            .bind::<Nullable<Text>, _>(optional(&rule.region_code))
            .bind::<Nullable<Text>, _>(optional(&rule.category))
            .bind::<Int4, _>(rule.priority)
            .bind::<Text, _>(&rule.basis)
            .bind::<Nullable<Text>, _>(optional(&rule.note))
            .execute(conn)
            .await?;
        }
        Ok(SeedCounts {
            regions: regions::table.count().get_result(conn).await?,
            units: units::table.count().get_result(conn).await?,
            coverage_rules: coverage_rules::table.count().get_result(conn).await?,
        })
    })
    .await
}
