//! The unit directory in the database: the router's snapshot and unit
//! loads, the admin's edits of coverage rules (each recorded with who made
//! it), the directory's history and the coverage gaps.

use crate::error::{Error, Result};
use crate::schema::{
    coverage_rule_removals, coverage_rules, directory_changes, directory_version, regions, units,
};
use crate::vocabulary::{Term, spellings};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, Int8, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::{Category, Role};
use sigap_router::{Basis, Directory, Provenance, Region, Rule, Unit};
use std::collections::HashMap;

/// Spellings of a unit's categories, as the router takes them.
fn category_names(categories: Vec<Term<Category>>) -> Vec<String> {
    categories
        .into_iter()
        .map(|c| c.0.as_str().to_owned())
        .collect()
}

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
        .load::<(String, String, f64, f64, Vec<Term<Category>>, i32, bool)>(conn)
        .await?
        .into_iter()
        .map(
            |(code, name, lat, lon, categories, capacity, active)| Unit {
                code,
                name,
                lat,
                lon,
                categories: category_names(categories),
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

/// A unit as an admin saves it, checked by the caller.
#[derive(Debug, Clone)]
pub struct UnitRecord {
    /// The unit's code, such as `SENTRA-MULYA-JAYA`: a new one creates the
    /// unit, a known one replaces it.
    pub code: String,
    /// The unit's name, such as `Sentra Mulya Jaya`.
    pub name: String,
    /// `sentra`, `sentra_terpadu`, `balai`, …
    pub kind: String,
    /// Regency (or province) of the unit's seat; an unknown one is
    /// [`EditError::UnknownRegion`].
    pub region_code: String,
    /// Latitude of the unit's seat.
    pub lat: f64,
    /// Longitude of the unit's seat.
    pub lon: f64,
    /// Empty means all; stored sorted, without repeats.
    pub categories: Vec<Category>,
    /// Open cases the unit can hold before the router passes it over.
    pub capacity: i32,
    /// Whether the router may assign cases to the unit.
    pub active: bool,
    /// How to reach the unit.
    pub contact: Option<String>,
    /// The unit's office hours in its local time; `None` keeps those it
    /// has (a new unit gets Monday to Friday, 08:00 to 16:00).
    pub office_hours: Option<sigap_domain::working_time::OfficeHours>,
}

/// Creates or replaces a unit as `actor`, who is recorded with the change.
/// The unit becomes the admin's (origin `admin`): seeding leaves it as it
/// was saved. True when the unit existed before.
pub async fn save_unit(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    unit: &UnitRecord,
) -> Result<(bool, crate::units::Unit), EditError> {
    let mut categories = unit.categories.clone();
    categories.sort_by_key(|c| c.as_str());
    categories.dedup();
    let categories = spellings(&categories);
    let values = (
        units::code.eq(&unit.code),
        units::name.eq(&unit.name),
        units::kind.eq(&unit.kind),
        units::region_code.eq(&unit.region_code),
        units::latitude.eq(unit.lat),
        units::longitude.eq(unit.lon),
        units::categories.eq(&categories),
        units::capacity.eq(unit.capacity),
        units::active.eq(unit.active),
        units::contact.eq(&unit.contact),
        units::updated_at.eq(diesel::dsl::now),
        units::origin.eq("admin"),
    );
    let office_days: Option<Vec<Option<i16>>> = unit.office_hours.map(|hours| {
        hours
            .weekdays()
            .into_iter()
            .map(|d| Some(i16::from(d)))
            .collect()
    });
    let office = (
        office_days.map(|days| units::office_days.eq(days)),
        unit.office_hours
            .map(|hours| units::office_opens.eq(hours.opens())),
        unit.office_hours
            .map(|hours| units::office_closes.eq(hours.closes())),
    );
    conn.transaction::<_, EditError, _>(async |conn| {
        act_as(conn, actor).await?;
        let existed = unit_exists(conn, &unit.code).await?;
        let saved = diesel::insert_into(units::table)
            .values((values, office.clone()))
            .on_conflict(units::code)
            .do_update()
            .set((values, office.clone()))
            .returning(crate::units::Unit::as_returning())
            .get_result(conn)
            .await
            .map_err(region_error)?;
        Ok((existed, saved))
    })
    .await
}

/// Whether a province or regency with this code exists.
pub async fn region_exists(conn: &mut AsyncPgConnection, code: &str) -> Result<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(regions::table.find(code)))
            .get_result(conn)
            .await?,
    )
}

/// Who changes the directory, recorded with every change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The token's subject, or `seed` for the reference data.
    pub sub: &'a str,
    /// The role acted in; `None` for the seed.
    pub role: Option<Role>,
}

/// Names the actor for the audit trigger, for the rest of the transaction.
pub async fn act_as(conn: &mut AsyncPgConnection, actor: Actor<'_>) -> QueryResult<()> {
    diesel::sql_query(
        "SELECT set_config('sigap.actor', $1, true), set_config('sigap.actor_role', coalesce($2, ''), true)",
    )
    .bind::<Text, _>(actor.sub)
    .bind::<Nullable<Text>, _>(actor.role.map(Term))
    .execute(conn)
    .await?;
    Ok(())
}

/// A coverage rule with its evidence and origin.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = coverage_rules, check_for_backend(diesel::pg::Pg))]
pub struct CoverageRule {
    /// The rule's id, which routing decisions name (`rule_id`).
    pub id: i64,
    /// The unit the rule routes to.
    pub unit_code: String,
    /// Province or regency; `None` = national.
    pub region_code: Option<String>,
    /// `None` = all categories.
    pub category: Option<Term<Category>>,
    /// Higher wins among rules of the same specificity.
    pub priority: i32,
    /// Whether the router uses the rule; an inactive one stays listed.
    pub active: bool,
    /// `stated`, `served`, `derived` or `admin` (see [`Basis`]).
    pub basis: String,
    /// `high`, `medium` or `low`, for rules from a source.
    pub confidence: Option<String>,
    /// The year of the source.
    pub year: Option<i32>,
    /// The source's address.
    pub source: Option<String>,
    /// `seed` (from the reference data) or `admin` (added or changed by an
    /// admin; seeding leaves it alone).
    pub origin: String,
    /// Why the unit covers the region, in one sentence.
    pub note: Option<String>,
    /// When the rule was first stored; seeding it again keeps the time.
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
            category: self.category.map(|c| c.0.as_str().to_owned()),
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
    /// No unit has this code.
    #[error("no unit {0}")]
    NoUnit(String),
    /// The region code names no region (the foreign key refused it).
    #[error("is not a known region")]
    UnknownRegion,
    /// The unit already has a rule for the region and category
    /// (`coverage_rules_natural_key`).
    #[error("the unit already has a rule for this region and category")]
    Duplicate,
    /// Any other failure, as the store reports it.
    #[error(transparent)]
    Database(crate::Error),
}

impl From<DieselError> for EditError {
    fn from(e: DieselError) -> EditError {
        EditError::Database(e.into())
    }
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
) -> Result<Option<Vec<CoverageRule>>> {
    if !unit_exists(conn, unit).await? {
        return Ok(None);
    }
    Ok(Some(
        coverage_rules::table
            .filter(coverage_rules::unit_code.eq(unit))
            .order(coverage_rules::id)
            .select(CoverageRule::as_select())
            .load(conn)
            .await?,
    ))
}

/// A rule an admin adds.
#[derive(Debug, Clone)]
pub struct NewRule {
    /// Province or regency; `None` = national.
    pub region_code: Option<String>,
    /// `None` = all categories.
    pub category: Option<Category>,
    /// Higher wins among rules of the same specificity.
    pub priority: i32,
    /// Why the unit covers the region, in one sentence.
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
                coverage_rules::category.eq(rule.category.map(Term)),
                coverage_rules::priority.eq(rule.priority),
                coverage_rules::basis.eq(Basis::Admin.as_str()),
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
    /// The new priority.
    pub priority: Option<i32>,
    /// Turns the rule on or off for the router.
    pub active: Option<bool>,
    /// A new note; `None` keeps the current one (a note is never cleared).
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
) -> Result<Option<CoverageRule>> {
    conn.transaction::<_, Error, _>(async |conn| {
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
        let rule = diesel::update(coverage_rules::table.find(id))
            .set((
                coverage_rules::priority.eq(change.priority.unwrap_or(current.priority)),
                coverage_rules::active.eq(change.active.unwrap_or(current.active)),
                coverage_rules::note.eq(change.note.clone().or(current.note)),
                coverage_rules::origin.eq("admin"),
            ))
            .returning(CoverageRule::as_returning())
            .get_result(conn)
            .await?;
        Ok(Some(rule))
    })
    .await
}

/// Removes a rule; a seeded one is remembered as removed, so that the next
/// seed does not bring it back. False when there is no such rule.
pub async fn remove_rule(conn: &mut AsyncPgConnection, actor: Actor<'_>, id: i64) -> Result<bool> {
    conn.transaction::<_, Error, _>(async |conn| {
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
        _ => region_error(e),
    }
}

/// A missing region (the foreign key) as [`EditError::UnknownRegion`].
fn region_error(e: DieselError) -> EditError {
    match &e {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info)
            if info
                .constraint_name()
                .is_some_and(|c| c.contains("region_code")) =>
        {
            EditError::UnknownRegion
        }
        _ => EditError::from(e),
    }
}

/// One change to a unit or one of its coverage rules, as the audit trigger
/// recorded it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = directory_changes, check_for_backend(diesel::pg::Pg))]
pub struct DirectoryChange {
    /// Increasing with every change: the history's order and its paging
    /// key (`before_id`).
    pub id: i64,
    /// When the change was made (its own moment, not the start of its
    /// transaction).
    pub at: DateTime<Utc>,
    /// A token's subject, `seed`, or `database` for a change made outside Sigap.
    pub actor: String,
    /// The role acted in; `None` for the seed and for changes made outside
    /// Sigap.
    pub actor_role: Option<String>,
    /// The unit changed, or the unit whose rule changed.
    pub unit_code: String,
    /// `unit` or `coverage_rule`.
    pub entity: String,
    /// The rule changed; `None` for a change to the unit itself.
    pub rule_id: Option<i64>,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// The unit or rule before the change; `None` when created.
    pub before: Option<serde_json::Value>,
    /// The unit or rule after the change; `None` when deleted.
    pub after: Option<serde_json::Value>,
}

/// A unit's history, newest first, older than the change `before_id` when
/// paging. `None` when no unit has this code and none ever had.
pub async fn unit_history(
    conn: &mut AsyncPgConnection,
    unit: &str,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Option<Vec<DirectoryChange>>> {
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
/// province.
#[derive(Debug, Clone, QueryableByName)]
pub struct CoverageGap {
    /// The regency's code, such as `13.03`.
    #[diesel(sql_type = Text)]
    pub region_code: String,
    /// The regency's name, such as `Kabupaten Sijunjung`.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// The regency's province.
    #[diesel(sql_type = Text)]
    pub province_code: String,
    /// The categories without such a rule, in the vocabulary's order.
    #[diesel(sql_type = Array<Text>)]
    pub categories: Vec<Term<Category>>,
}

/// The coverage gaps, by regency code, after `after` when paging.
pub async fn coverage_gaps(
    conn: &mut AsyncPgConnection,
    categories: &[Category],
    province: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CoverageGap>> {
    Ok(crate::db::prepared(
        diesel::sql_query(include_str!("directory/coverage_gaps.sql"))
            .bind::<Array<Text>, _>(spellings(categories))
            .bind::<Nullable<Text>, _>(province)
            .bind::<Nullable<Text>, _>(after)
            .bind::<Int8, _>(limit)
            .bind::<Text, _>(Basis::Derived.as_str()),
    )
    .load(conn)
    .await?)
}
