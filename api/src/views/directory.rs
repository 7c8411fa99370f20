//! The unit directory's rules, history and gaps as the api shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::Category;
use sigap_store::directory as store;
use utoipa::ToSchema;

/// A coverage rule with its evidence and origin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageRule {
    pub id: i64,
    pub unit_code: String,
    /// Province or regency; null = national.
    pub region_code: Option<String>,
    /// Null = all categories.
    #[schema(value_type = Option<String>)]
    pub category: Option<Category>,
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

impl From<store::CoverageRule> for CoverageRule {
    fn from(rule: store::CoverageRule) -> CoverageRule {
        CoverageRule {
            id: rule.id,
            unit_code: rule.unit_code,
            region_code: rule.region_code,
            category: rule.category.map(Category::from),
            priority: rule.priority,
            active: rule.active,
            basis: rule.basis,
            confidence: rule.confidence,
            year: rule.year,
            source: rule.source,
            origin: rule.origin,
            note: rule.note,
            created_at: rule.created_at,
        }
    }
}

/// One change to a unit or one of its coverage rules.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl From<store::DirectoryChange> for DirectoryChange {
    fn from(change: store::DirectoryChange) -> DirectoryChange {
        DirectoryChange {
            id: change.id,
            at: change.at,
            actor: change.actor,
            actor_role: change.actor_role,
            unit_code: change.unit_code,
            entity: change.entity,
            rule_id: change.rule_id,
            action: change.action,
            before: change.before,
            after: change.after,
        }
    }
}

/// A regency and the categories for which no unit holds a rule from a
/// source (stated or served) or from an admin, for the regency or its
/// province; reports of those categories are routed by derived rules only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageGap {
    #[schema(example = "93.01")]
    pub region_code: String,
    #[schema(example = "Kabupaten Merauke")]
    pub name: String,
    #[schema(example = "93")]
    pub province_code: String,
    /// The categories without such a rule, in the vocabulary's order.
    #[schema(value_type = Vec<String>)]
    pub categories: Vec<Category>,
}

impl From<store::CoverageGap> for CoverageGap {
    fn from(gap: store::CoverageGap) -> CoverageGap {
        CoverageGap {
            region_code: gap.region_code,
            name: gap.name,
            province_code: gap.province_code,
            categories: gap.categories.into_iter().map(Category::from).collect(),
        }
    }
}
