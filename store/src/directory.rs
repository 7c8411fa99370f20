//! The unit directory in the database: the router's snapshot and unit
//! loads, the admin's edits of coverage rules (each recorded with who made
//! it), the directory's history and the coverage gaps.

use crate::schema::{
    coverage_rule_removals, coverage_rules, directory_changes, directory_version, regions, units,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, Int8, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sigap_domain::Category;
use sigap_router::{Basis, Directory, Provenance, Region, Rule, Unit};
use std::collections::HashMap;
use utoipa::ToSchema;

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
        .select(CoverageRule::as_select())
        .load::<CoverageRule>(conn)
        .await?
        .into_iter()
        .map(CoverageRule::into_rule)
        .collect::<QueryResult<_>>()?;
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

/// Who changes the directory, recorded with every change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The token's subject, or `seed` for the reference data.
    pub sub: &'a str,
    /// The role acted in; `None` for the seed.
    pub role: Option<&'a str>,
}

/// Names the actor for the audit trigger, for the rest of the transaction.
pub async fn act_as(conn: &mut AsyncPgConnection, actor: Actor<'_>) -> QueryResult<()> {
    diesel::sql_query(
        "SELECT set_config('sigap.actor', $1, true), set_config('sigap.actor_role', coalesce($2, ''), true)",
    )
    .bind::<Text, _>(actor.sub)
    .bind::<Nullable<Text>, _>(actor.role)
    .execute(conn)
    .await?;
    Ok(())
}

/// A coverage rule with its evidence and origin.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = coverage_rules, check_for_backend(diesel::pg::Pg))]
pub struct CoverageRule {
    pub id: i64,
    pub unit_code: String,
    /// Province or regency; null = national.
    pub region_code: Option<String>,
    /// Null = all categories.
    pub category: Option<String>,
    /// Higher wins among rules of the same specificity.
    pub priority: i32,
    pub active: bool,
    /// `stated` (a source names the region in the unit's working area),
    /// `served` (a source shows the unit serving it), `derived` (set where
    /// no source speaks) or `admin` (added by a person).
    #[schema(example = "stated")]
    pub basis: String,
    /// `high`, `medium` or `low`, for rules from a source.
    pub confidence: Option<String>,
    /// The year of the source.
    pub year: Option<i32>,
    /// The source's address.
    pub source: Option<String>,
    /// `seed` (from the reference data, updated by `sigap-api seed`) or
    /// `admin` (added or changed by an admin; seeding leaves it alone).
    #[schema(example = "seed")]
    pub origin: String,
    /// Why the unit covers the region, in one sentence.
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl CoverageRule {
    /// The router's rule; a basis the router does not know is an error,
    /// never a guess.
    fn into_rule(self) -> QueryResult<Rule> {
        let basis = Basis::parse(&self.basis).ok_or_else(|| {
            DieselError::DeserializationError(
                format!(
                    "coverage rule {} has an unknown basis {:?}",
                    self.id, self.basis
                )
                .into(),
            )
        })?;
        Ok(Rule {
            id: self.id,
            unit_code: self.unit_code,
            region_code: self.region_code,
            category: self.category,
            priority: self.priority,
            active: self.active,
            provenance: Provenance {
                basis,
                confidence: self.confidence,
                year: self.year,
                source: self.source,
                note: self.note,
            },
        })
    }
}

/// Why a directory edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no unit {0}")]
    NoUnit(String),
    #[error("is not a known region")]
    UnknownRegion,
    #[error("the unit already has a rule for this region and category")]
    Duplicate,
    #[error(transparent)]
    Database(#[from] DieselError),
}

/// Whether a unit with this code exists.
pub async fn unit_exists(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(units::table.find(code)))
        .get_result(conn)
        .await
}

/// A unit's coverage rules, oldest first; `None` when there is no such unit.
pub async fn unit_rules(
    conn: &mut AsyncPgConnection,
    unit: &str,
) -> QueryResult<Option<Vec<CoverageRule>>> {
    if !unit_exists(conn, unit).await? {
        return Ok(None);
    }
    coverage_rules::table
        .filter(coverage_rules::unit_code.eq(unit))
        .order(coverage_rules::id)
        .select(CoverageRule::as_select())
        .load(conn)
        .await
        .map(Some)
}

/// A rule an admin adds.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub region_code: Option<String>,
    pub category: Option<Category>,
    pub priority: i32,
    pub note: Option<String>,
}

/// Adds an admin's rule (basis and origin `admin`).
pub async fn add_rule(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    unit: &str,
    rule: &NewRule,
) -> Result<CoverageRule, EditError> {
    conn.transaction::<_, EditError, _>(async |conn| {
        act_as(conn, actor).await?;
        if !unit_exists(conn, unit).await? {
            return Err(EditError::NoUnit(unit.to_owned()));
        }
        diesel::insert_into(coverage_rules::table)
            .values((
                coverage_rules::unit_code.eq(unit),
                coverage_rules::region_code.eq(&rule.region_code),
                coverage_rules::category.eq(rule.category.map(|c| c.as_str())),
                coverage_rules::priority.eq(rule.priority),
                coverage_rules::basis.eq("admin"),
                coverage_rules::origin.eq("admin"),
                coverage_rules::note.eq(&rule.note),
            ))
            .returning(CoverageRule::as_returning())
            .get_result(conn)
            .await
            .map_err(edit_error)
    })
    .await
}

/// What an admin changes in a rule; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RuleChange {
    pub priority: Option<i32>,
    pub active: Option<bool>,
    pub note: Option<String>,
}

/// Changes a rule. The rule becomes the admin's (origin `admin`; its basis
/// and evidence stay): seeding no longer touches it. `None` when there is
/// no such rule.
pub async fn change_rule(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: i64,
    change: &RuleChange,
) -> QueryResult<Option<CoverageRule>> {
    conn.transaction(async |conn| {
        act_as(conn, actor).await?;
        let Some(current) = coverage_rules::table
            .find(id)
            .select(CoverageRule::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(None);
        };
        diesel::update(coverage_rules::table.find(id))
            .set((
                coverage_rules::priority.eq(change.priority.unwrap_or(current.priority)),
                coverage_rules::active.eq(change.active.unwrap_or(current.active)),
                coverage_rules::note.eq(change.note.clone().or(current.note)),
                coverage_rules::origin.eq("admin"),
            ))
            .returning(CoverageRule::as_returning())
            .get_result(conn)
            .await
            .map(Some)
    })
    .await
}

/// Removes a rule; a seeded one is remembered as removed, so that the next
/// seed does not bring it back. False when there is no such rule.
pub async fn remove_rule(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: i64,
) -> QueryResult<bool> {
    conn.transaction(async |conn| {
        act_as(conn, actor).await?;
        let removed: Option<(String, Option<String>, Option<String>, String)> =
            diesel::delete(coverage_rules::table.find(id))
                .returning((
                    coverage_rules::unit_code,
                    coverage_rules::region_code,
                    coverage_rules::category,
                    coverage_rules::origin,
                ))
                .get_result(conn)
                .await
                .optional()?;
        let Some((unit, region, category, origin)) = removed else {
            return Ok(false);
        };
        if origin == "seed" {
            diesel::insert_into(coverage_rule_removals::table)
                .values((
                    coverage_rule_removals::unit_code.eq(unit),
                    coverage_rule_removals::region_key.eq(region.unwrap_or_default()),
                    coverage_rule_removals::category_key.eq(category.unwrap_or_default()),
                    coverage_rule_removals::removed_by.eq(actor.sub),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        Ok(true)
    })
    .await
}

fn edit_error(e: DieselError) -> EditError {
    match &e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => EditError::Duplicate,
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info)
            if info
                .constraint_name()
                .is_some_and(|c| c.contains("region_code")) =>
        {
            EditError::UnknownRegion
        }
        _ => EditError::Database(e),
    }
}

/// One change to a unit or one of its coverage rules.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = directory_changes, check_for_backend(diesel::pg::Pg))]
pub struct DirectoryChange {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who made it: a token's subject, `seed` for the reference data, or
    /// `database` for a change made outside Sigap.
    pub actor: String,
    pub actor_role: Option<String>,
    pub unit_code: String,
    /// `unit` or `coverage_rule`.
    #[schema(example = "coverage_rule")]
    pub entity: String,
    pub rule_id: Option<i64>,
    /// `created`, `updated` or `deleted`.
    #[schema(example = "updated")]
    pub action: String,
    /// The unit or rule before the change; null when created.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The unit or rule after the change; null when deleted.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// A unit's history, newest first, older than the change `before_id` when
/// paging. `None` when no unit has this code and none ever had.
pub async fn unit_history(
    conn: &mut AsyncPgConnection,
    unit: &str,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Option<Vec<DirectoryChange>>> {
    let mut query = directory_changes::table
        .filter(directory_changes::unit_code.eq(unit))
        .order(directory_changes::id.desc())
        .limit(limit)
        .select(DirectoryChange::as_select())
        .into_boxed();
    if let Some(id) = before_id {
        query = query.filter(directory_changes::id.lt(id));
    }
    let changes = query.load(conn).await?;
    if changes.is_empty() && before_id.is_none() && !unit_exists(conn, unit).await? {
        return Ok(None);
    }
    Ok(Some(changes))
}

/// A regency and the categories for which no unit holds a rule from a
/// source (stated or served) or from an admin, for the regency or its
/// province; reports of those categories are routed by derived rules only.
#[derive(Debug, Clone, Serialize, QueryableByName, ToSchema)]
pub struct CoverageGap {
    #[diesel(sql_type = Text)]
    #[schema(example = "93.01")]
    pub region_code: String,
    #[diesel(sql_type = Text)]
    #[schema(example = "Kabupaten Merauke")]
    pub name: String,
    #[diesel(sql_type = Text)]
    #[schema(example = "93")]
    pub province_code: String,
    /// The categories without such a rule, in the vocabulary's order.
    #[diesel(sql_type = Array<Text>)]
    pub categories: Vec<String>,
}

/// The coverage gaps, by regency code, after `after` when paging.
pub async fn coverage_gaps(
    conn: &mut AsyncPgConnection,
    categories: &[Category],
    province: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<CoverageGap>> {
    let categories: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    crate::db::prepared(
        diesel::sql_query(include_str!("directory/coverage_gaps.sql"))
            .bind::<Array<Text>, _>(categories)
            .bind::<Nullable<Text>, _>(province)
            .bind::<Nullable<Text>, _>(after)
            .bind::<Int8, _>(limit),
    )
    .load(conn)
    .await
}
