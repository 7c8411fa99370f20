//! The router's view of the database: the directory snapshot and unit loads.

use crate::schema::{coverage_rules, directory_version, regions, units};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sigap_router::{Directory, Region, Rule, Unit};
use std::collections::HashMap;

/// The current directory version; it changes whenever a unit or a coverage
/// rule does (a trigger bumps it).
pub async fn version(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    directory_version::table
        .select(directory_version::version)
        .first(conn)
        .await
}

/// Loads the whole directory (regions, units, active and inactive rules).
pub async fn load(conn: &mut AsyncPgConnection) -> QueryResult<(i64, Directory)> {
    let version = version(conn).await?;
    let regions: Vec<Region> = regions::table
        .select((
            regions::code,
            regions::parent_code,
            regions::latitude,
            regions::longitude,
        ))
        .load::<(String, Option<String>, f64, f64)>(conn)
        .await?
        .into_iter()
        .map(|(code, parent, lat, lon)| Region {
            code,
            parent,
            lat,
            lon,
        })
        .collect();
    let units: Vec<Unit> = units::table
        .order(units::code)
        .select((
            units::code,
            units::name,
            units::latitude,
            units::longitude,
            units::categories,
            units::capacity,
            units::active,
        ))
        .load::<(String, String, f64, f64, Vec<String>, i32, bool)>(conn)
        .await?
        .into_iter()
        .map(
            |(code, name, lat, lon, categories, capacity, active)| Unit {
                code,
                name,
                lat,
                lon,
                categories,
                capacity: i64::from(capacity),
                active,
            },
        )
        .collect();
    let rules: Vec<Rule> = coverage_rules::table
        .order(coverage_rules::id)
        .select((
            coverage_rules::id,
            coverage_rules::unit_code,
            coverage_rules::region_code,
            coverage_rules::category,
            coverage_rules::priority,
            coverage_rules::active,
        ))
        .load::<(i64, String, Option<String>, Option<String>, i32, bool)>(conn)
        .await?
        .into_iter()
        .map(
            |(id, unit_code, region_code, category, priority, active)| Rule {
                id,
                unit_code,
                region_code,
                category,
                priority,
                active,
            },
        )
        .collect();
    Ok((version, Directory::new(regions, units, rules)))
}

/// Open cases per unit.
pub async fn loads(conn: &mut AsyncPgConnection) -> QueryResult<HashMap<String, i64>> {
    Ok(units::table
        .select((units::code, units::open_cases))
        .load::<(String, i32)>(conn)
        .await?
        .into_iter()
        .map(|(code, open)| (code, i64::from(open)))
        .collect())
}
