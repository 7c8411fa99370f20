//! Statistics for planning (`GET /v1/stats`): how many reports were filed,
//! where, for whom and for what; how fast they were assigned, acknowledged and
//! resolved; and whether units acknowledged them within their SLA.
//!
//! Everything is aggregated by PostgreSQL in three statements (counts by every
//! grouping in one `GROUPING SETS` pass, times, escalations) that run in one
//! read-only transaction, so that they agree with each other. The reports
//! counted are those filed (`created_at`) in `[from, to)` in the area asked for.

use crate::error::{Error, Result};
use crate::intake::RegionCode;
use chrono::{DateTime, Duration, DurationRound, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Float8, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde::Serialize;
use sigap_domain::Claims;
use sigap_domain::FieldError;
use sigap_domain::{Category, Role};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Longest range one request may cover.
pub const MAX_RANGE_DAYS: i64 = 366;
/// Range covered when `from` is not given: this many days before `to`.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

/// A statistics request, checked: a range of filing times and, optionally, a
/// region (whose existence is checked by [`compute`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRequest {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub region: Option<RegionCode>,
}

/// Accepts RFC 3339 with an offset; a `+` decoded from a query string as a
/// space is taken back.
fn parse_time(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|e| DateTime::parse_from_rfc3339(&text.replace(' ', "+")).map_err(|_| e))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            errors.push(FieldError::new(
                field,
                "must be an RFC 3339 time such as 2026-11-01T00:00:00Z",
            ))
        })
        .ok()
}

impl StatsRequest {
    /// Reads the query parameters. `to` defaults to `now`, `from` to 30 days
    /// before `to`; every invalid parameter is reported at once.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        region: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<StatsRequest> {
        let mut errors = Vec::new();
        let now = now.duration_trunc(Duration::microseconds(1)).unwrap_or(now);
        let to = match to {
            Some(text) => parse_time("to", text, &mut errors),
            None => Some(now),
        };
        let from = match from {
            Some(text) => parse_time("from", text, &mut errors),
            None => to.map(|to| to - Duration::days(DEFAULT_RANGE_DAYS)),
        };
        let region = region
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .and_then(|r| {
                RegionCode::parse(r)
                    .map_err(|m| errors.push(FieldError::new("region", m)))
                    .ok()
            });
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                errors.push(FieldError::new("to", "must be later than from"));
            } else if to - from > Duration::days(MAX_RANGE_DAYS) {
                errors.push(FieldError::new(
                    "to",
                    format!("must be at most {MAX_RANGE_DAYS} days after from"),
                ));
            }
        }
        match (from, to) {
            (Some(from), Some(to)) if errors.is_empty() => Ok(StatsRequest { from, to, region }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

/// The reports a request covers, by place.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Area {
    National,
    Province(String),
    Regency(String),
}

impl Area {
    fn code(&self) -> Option<&str> {
        match self {
            Area::National => None,
            Area::Province(code) | Area::Regency(code) => Some(code),
        }
    }

    /// The condition on `reports r`; the code, when there is one, is `$3`.
    fn condition(&self) -> &'static str {
        match self {
            Area::National => "TRUE",
            Area::Province(_) => "r.province_code = $3",
            Area::Regency(_) => "r.region_code = $3",
        }
    }
}

#[derive(Debug, QueryableByName)]
struct RegionRow {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Nullable<Text>)]
    parent_code: Option<String>,
}

async fn region(conn: &mut AsyncPgConnection, code: &str) -> Result<Option<RegionRow>> {
    Ok(
        diesel::sql_query("SELECT code, level, parent_code FROM regions WHERE code = $1")
            .bind::<Text, _>(code)
            .get_result(conn)
            .await
            .optional()?,
    )
}

fn area_of(region: RegionRow) -> Area {
    if region.level == "province" {
        Area::Province(region.code)
    } else {
        Area::Regency(region.code)
    }
}

/// The area the caller gets: the one asked for, which must exist; for a
/// regional office its own region when none is asked for, and nothing outside
/// it (a regency inside its province is fine).
async fn resolve_area(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    asked: Option<&RegionCode>,
) -> Result<Area> {
    let asked = match asked {
        Some(code) => Some(
            region(conn, code.as_str())
                .await?
                .ok_or_else(|| Error::validation("region", "is not a known region"))?,
        ),
        None => None,
    };
    if claims.role != Role::Regional {
        return Ok(asked.map(area_of).unwrap_or(Area::National));
    }
    let own = claims
        .region
        .as_deref()
        .ok_or_else(|| Error::Forbidden("this regional token names no region".into()))?;
    match asked {
        None => region(conn, own)
            .await?
            .map(area_of)
            .ok_or_else(|| Error::Forbidden("this regional token names an unknown region".into())),
        Some(r) if r.code == own || r.parent_code.as_deref() == Some(own) => Ok(area_of(r)),
        Some(r) => Err(Error::Forbidden(format!(
            "a regional office of {own} may not read the statistics of {}",
            r.code
        ))),
    }
}

/// One group of reports.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"key": "13.03", "label": "Kabupaten Sijunjung", "count": 4}))]
pub struct GroupCount {
    /// The code or value grouped by: region or unit code, category, need,
    /// urgency, status, or a UTC day (`YYYY-MM-DD`).
    pub key: String,
    /// Region and unit names, Indonesian category labels; otherwise the key.
    pub label: String,
    pub count: i64,
}

/// Beneficiaries of the reports counted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"reported": 1500, "served": 900}))]
pub struct Beneficiaries {
    /// Sum of `beneficiary_count` over the reports.
    pub reported: i64,
    /// The same over reports that reached service: `in_service`, `resolved`
    /// or `closed`.
    pub served: i64,
}

/// A duration from filing, over the reports that have reached that point.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"count": 80, "median_seconds": 600.0, "p90_seconds": 3000.0}))]
pub struct DurationSummary {
    /// Reports that have the time stamp.
    pub count: i64,
    /// Null when `count` is 0.
    #[schema(required = true)]
    pub median_seconds: Option<f64>,
    /// 90th percentile (continuous); null when `count` is 0.
    #[schema(required = true)]
    pub p90_seconds: Option<f64>,
}

/// How long cases took, from filing.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "to_assign": {"count": 100, "median_seconds": 0.4, "p90_seconds": 1.2},
    "to_acknowledge": {"count": 80, "median_seconds": 600.0, "p90_seconds": 3000.0},
    "to_resolve": {"count": 20, "median_seconds": 86400.0, "p90_seconds": 200000.0}
}))]
pub struct Times {
    /// To the first assignment to a unit (routing or by hand): a later
    /// transfer or escalation does not restart it.
    pub to_assign: DurationSummary,
    /// To acknowledgement by the unit that has the case now (a transfer or an
    /// escalation clears the acknowledgement of the unit before).
    pub to_acknowledge: DurationSummary,
    /// To `resolved`.
    pub to_resolve: DurationSummary,
}

/// SLA compliance: the share of cases acknowledged in time.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"due": 90, "met": 80, "missed": 10, "compliance": 0.8888888888888888}))]
pub struct Compliance {
    /// SLA periods that have ended: acknowledged, or past their due time.
    pub due: i64,
    /// Acknowledged at or before the due time.
    pub met: i64,
    /// `due - met`: acknowledged late, still unacknowledged past the due
    /// time, or escalated.
    pub missed: i64,
    /// `met / due`; null when `due` is 0.
    #[schema(required = true)]
    pub compliance: Option<f64>,
}

impl Compliance {
    fn new(due: i64, met: i64) -> Compliance {
        Compliance {
            due,
            met,
            missed: due - met,
            compliance: (due > 0).then(|| met as f64 / due as f64),
        }
    }
}

/// SLA compliance of one unit or urgency.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"key": "SENTRA-MULYA-JAYA", "label": "Sentra Mulya Jaya", "due": 50, "met": 45, "missed": 5, "compliance": 0.9}))]
pub struct SlaGroup {
    pub key: String,
    pub label: String,
    pub due: i64,
    pub met: i64,
    pub missed: i64,
    /// `met / due`.
    #[schema(required = true)]
    pub compliance: Option<f64>,
}

/// SLA compliance, overall and by unit and urgency (groups with nothing due
/// are left out).
///
/// Each SLA period of a case is counted once. The report itself carries the
/// period of the unit that has it now (`sla_due_at`): it is due when
/// acknowledged, or when its due time passed before the case was cancelled
/// (a case cancelled in time is never late); periods not yet due are left
/// out. The periods that ended in an escalation are no longer on the report
/// (the escalation starts a fresh one for the next unit, or clears it for
/// triage), so each `escalated` event counts as one missed period of the unit
/// named in its `details.missed_by`: the unit that lost the case. The event's
/// own `unit_code` is the unit it went to, which missed nothing. Periods ended
/// by a transfer are not counted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "overall": {"due": 90, "met": 80, "missed": 10, "compliance": 0.8888888888888888},
    "by_unit": [{"key": "SENTRA-MULYA-JAYA", "label": "Sentra Mulya Jaya", "due": 50, "met": 45, "missed": 5, "compliance": 0.9}],
    "by_urgency": [{"key": "critical", "label": "critical", "due": 10, "met": 9, "missed": 1, "compliance": 0.9}]
}))]
pub struct Sla {
    pub overall: Compliance,
    /// By the unit that had the case during the period.
    pub by_unit: Vec<SlaGroup>,
    pub by_urgency: Vec<SlaGroup>,
}

/// The statistics of the reports filed in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "region": "13",
    "total": 10,
    "beneficiaries": {"reported": 14, "served": 5},
    "by_province": [{"key": "13", "label": "Sumatera Barat", "count": 10}],
    "by_regency": [{"key": "13.03", "label": "Kabupaten Sijunjung", "count": 4}, {"key": "13.71", "label": "Kota Padang", "count": 3}],
    "by_category": [{"key": "elderly", "label": "Lanjut usia", "count": 7}, {"key": "child", "label": "Anak", "count": 3}],
    "by_need": [{"key": "assistive_device", "label": "assistive_device", "count": 6}, {"key": "protection", "label": "protection", "count": 4}],
    "by_urgency": [{"key": "high", "label": "high", "count": 6}, {"key": "critical", "label": "critical", "count": 2}, {"key": "normal", "label": "normal", "count": 2}],
    "by_unit": [{"key": "SENTRA-MULYA-JAYA", "label": "Sentra Mulya Jaya", "count": 9}],
    "by_status": [{"key": "assigned", "label": "assigned", "count": 5}, {"key": "resolved", "label": "resolved", "count": 4}, {"key": "needs_triage", "label": "needs_triage", "count": 1}],
    "by_day": [{"key": "2026-11-29", "label": "2026-11-29", "count": 5}, {"key": "2026-11-30", "label": "2026-11-30", "count": 5}],
    "times": {
        "to_assign": {"count": 9, "median_seconds": 0.4, "p90_seconds": 1.2},
        "to_acknowledge": {"count": 4, "median_seconds": 600.0, "p90_seconds": 3000.0},
        "to_resolve": {"count": 4, "median_seconds": 86400.0, "p90_seconds": 200000.0}
    },
    "sla": {
        "overall": {"due": 5, "met": 4, "missed": 1, "compliance": 0.8},
        "by_unit": [{"key": "SENTRA-MULYA-JAYA", "label": "Sentra Mulya Jaya", "due": 5, "met": 4, "missed": 1, "compliance": 0.8}],
        "by_urgency": [{"key": "high", "label": "high", "due": 3, "met": 3, "missed": 0, "compliance": 1.0}, {"key": "critical", "label": "critical", "due": 2, "met": 1, "missed": 1, "compliance": 0.5}]
    }
}))]
pub struct Stats {
    /// Start of the range, inclusive.
    pub from: DateTime<Utc>,
    /// End of the range, exclusive.
    pub to: DateTime<Utc>,
    /// The province or regency counted; null for the whole country.
    #[schema(required = true, example = "13")]
    pub region: Option<String>,
    /// Reports filed in the range.
    pub total: i64,
    pub beneficiaries: Beneficiaries,
    pub by_province: Vec<GroupCount>,
    /// Reports located only to a province are left out.
    pub by_regency: Vec<GroupCount>,
    pub by_category: Vec<GroupCount>,
    pub by_need: Vec<GroupCount>,
    pub by_urgency: Vec<GroupCount>,
    /// By the unit that has the case now; unassigned reports are left out.
    pub by_unit: Vec<GroupCount>,
    pub by_status: Vec<GroupCount>,
    /// UTC days with reports, oldest first.
    pub by_day: Vec<GroupCount>,
    pub times: Times,
    pub sla: Sla,
}

/// Counts by every grouping in one pass over the reports. `dimension` names
/// the grouping set; lists come sorted by count descending then key, days by
/// day. The grouping expressions are written out (not taken from a subquery)
/// so that PostgreSQL sees the statistics on the day and hashes every set.
const GROUPS: &str = "
WITH groups AS (
    SELECT CASE WHEN GROUPING(r.province_code) = 0 THEN 'province'
                WHEN GROUPING(CASE WHEN r.region_code <> r.province_code THEN r.region_code END) = 0 THEN 'regency'
                WHEN GROUPING(r.category) = 0 THEN 'category'
                WHEN GROUPING(r.need) = 0 THEN 'need'
                WHEN GROUPING(r.urgency) = 0 THEN 'urgency'
                WHEN GROUPING(r.unit_code) = 0 THEN 'unit'
                WHEN GROUPING(r.status) = 0 THEN 'status'
                WHEN GROUPING((r.created_at AT TIME ZONE 'UTC')::date) = 0 THEN 'day'
                ELSE 'total' END AS dimension,
           COALESCE(r.province_code, CASE WHEN r.region_code <> r.province_code THEN r.region_code END,
                    r.category, r.need, r.urgency, r.unit_code, r.status,
                    ((r.created_at AT TIME ZONE 'UTC')::date)::text) AS key,
           count(*) AS count,
           COALESCE(sum(r.beneficiary_count), 0)::bigint AS reported,
           COALESCE(sum(r.beneficiary_count)
                        FILTER (WHERE r.status IN ('in_service', 'resolved', 'closed')), 0)::bigint AS served,
           count(*) FILTER (WHERE r.sla_due_at IS NOT NULL
                                AND (r.acknowledged_at IS NOT NULL
                                     OR r.sla_due_at < LEAST(now(), r.cancelled_at))) AS due,
           count(*) FILTER (WHERE r.acknowledged_at <= r.sla_due_at) AS met
    FROM reports r
    WHERE r.created_at >= $1 AND r.created_at < $2 AND {area}
    GROUP BY GROUPING SETS ((), (r.province_code), (CASE WHEN r.region_code <> r.province_code THEN r.region_code END),
                            (r.category), (r.need), (r.urgency), (r.unit_code), (r.status),
                            ((r.created_at AT TIME ZONE 'UTC')::date))
)
SELECT g.dimension, g.key, COALESCE(rg.name, u.name, g.key) AS label,
       g.count, g.reported, g.served, g.due, g.met
FROM groups g
LEFT JOIN regions rg ON g.dimension IN ('province', 'regency') AND rg.code = g.key
LEFT JOIN units u ON g.dimension = 'unit' AND u.code = g.key
WHERE g.key IS NOT NULL OR g.dimension = 'total'
ORDER BY g.dimension, CASE WHEN g.dimension = 'day' THEN g.key END, g.count DESC, g.key";

/// Median and 90th percentile of each duration. The first assignment of a
/// case that has changed units is read from its history (`assigned_at` holds
/// the latest one).
const TIMES: &str = "
SELECT count(t.to_assign) AS assign_count,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.to_assign) AS assign,
       count(t.to_acknowledge) AS acknowledge_count,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.to_acknowledge) AS acknowledge,
       count(t.to_resolve) AS resolve_count,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t.to_resolve) AS resolve
FROM reports r
LEFT JOIN LATERAL (
    SELECT e.created_at AS at FROM report_events e
    WHERE cardinality(r.previous_units) > 0 AND e.report_id = r.id AND e.kind = 'assigned'
    ORDER BY e.created_at LIMIT 1
) first ON TRUE
CROSS JOIN LATERAL (VALUES (
    date_part('epoch', COALESCE(first.at, r.assigned_at) - r.created_at),
    date_part('epoch', r.acknowledged_at - r.created_at),
    date_part('epoch', r.resolved_at - r.created_at)
)) AS t (to_assign, to_acknowledge, to_resolve)
WHERE r.created_at >= $1 AND r.created_at < $2 AND {area}";

/// Escalations of the reports counted, as missed SLA periods of the unit
/// that lost the case, overall, by that unit and by urgency. Every
/// escalation raises `escalation_level`, so only those reports are joined.
const ESCALATIONS: &str = "
WITH missed AS (
    SELECT e.details->>'missed_by' AS unit_code, r.urgency
    FROM report_events e
    JOIN reports r ON r.id = e.report_id
    WHERE e.kind = 'escalated' AND r.escalation_level > 0 AND r.created_at >= $1 AND r.created_at < $2 AND {area}
), groups AS (
    SELECT CASE WHEN GROUPING(unit_code) = 0 THEN 'unit'
                WHEN GROUPING(urgency) = 0 THEN 'urgency'
                ELSE 'total' END AS dimension,
           COALESCE(unit_code, urgency) AS key,
           count(*) AS count
    FROM missed
    GROUP BY GROUPING SETS ((), (unit_code), (urgency))
)
SELECT g.dimension, g.key, COALESCE(u.name, g.key) AS label, g.count
FROM groups g
LEFT JOIN units u ON g.dimension = 'unit' AND u.code = g.key
WHERE g.key IS NOT NULL OR g.dimension = 'total'";

#[derive(Debug, QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = Text)]
    dimension: String,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    reported: i64,
    #[diesel(sql_type = BigInt)]
    served: i64,
    #[diesel(sql_type = BigInt)]
    due: i64,
    #[diesel(sql_type = BigInt)]
    met: i64,
}

#[derive(Debug, QueryableByName)]
struct TimesRow {
    #[diesel(sql_type = BigInt)]
    assign_count: i64,
    #[diesel(sql_type = Nullable<Array<Float8>>)]
    assign: Option<Vec<f64>>,
    #[diesel(sql_type = BigInt)]
    acknowledge_count: i64,
    #[diesel(sql_type = Nullable<Array<Float8>>)]
    acknowledge: Option<Vec<f64>>,
    #[diesel(sql_type = BigInt)]
    resolve_count: i64,
    #[diesel(sql_type = Nullable<Array<Float8>>)]
    resolve: Option<Vec<f64>>,
}

#[derive(Debug, QueryableByName)]
struct EscalationRow {
    #[diesel(sql_type = Text)]
    dimension: String,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// One of the statements above for `area`, with its parameters bound.
fn scoped<'a>(
    sql: &str,
    request: &StatsRequest,
    area: &'a Area,
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    let query = diesel::sql_query(sql.replace("{area}", area.condition()))
        .into_boxed()
        .bind::<Timestamptz, _>(request.from)
        .bind::<Timestamptz, _>(request.to);
    match area.code() {
        Some(code) => query.bind::<Text, _>(code),
        None => query,
    }
}

fn summary(count: i64, percentiles: Option<Vec<f64>>) -> DurationSummary {
    let at = |i: usize| percentiles.as_ref().and_then(|p| p.get(i).copied());
    DurationSummary {
        count,
        median_seconds: at(0),
        p90_seconds: at(1),
    }
}

fn label(dimension: &str, key: &str, label: Option<String>) -> String {
    match (dimension, Category::parse(key)) {
        ("category", Some(category)) => category.labels().0.to_owned(),
        _ => label.unwrap_or_else(|| key.to_owned()),
    }
}

/// Due and met periods of one SLA group, with its label.
#[derive(Debug, Default)]
struct Tally {
    label: String,
    due: i64,
    met: i64,
}

fn sla_groups(tallies: BTreeMap<String, Tally>) -> Vec<SlaGroup> {
    let mut groups: Vec<SlaGroup> = tallies
        .into_iter()
        .filter(|(_, t)| t.due > 0)
        .map(|(key, t)| {
            let c = Compliance::new(t.due, t.met);
            SlaGroup {
                key,
                label: t.label,
                due: c.due,
                met: c.met,
                missed: c.missed,
                compliance: c.compliance,
            }
        })
        .collect();
    groups.sort_by(|a, b| b.due.cmp(&a.due).then_with(|| a.key.cmp(&b.key)));
    groups
}

/// Puts the rows of the three statements together.
fn assemble(
    request: &StatsRequest,
    area: &Area,
    groups: Vec<GroupRow>,
    times: TimesRow,
    escalations: Vec<EscalationRow>,
) -> Stats {
    let mut stats = Stats {
        from: request.from,
        to: request.to,
        region: area.code().map(str::to_owned),
        total: 0,
        beneficiaries: Beneficiaries {
            reported: 0,
            served: 0,
        },
        by_province: vec![],
        by_regency: vec![],
        by_category: vec![],
        by_need: vec![],
        by_urgency: vec![],
        by_unit: vec![],
        by_status: vec![],
        by_day: vec![],
        times: Times {
            to_assign: summary(times.assign_count, times.assign),
            to_acknowledge: summary(times.acknowledge_count, times.acknowledge),
            to_resolve: summary(times.resolve_count, times.resolve),
        },
        sla: Sla {
            overall: Compliance::new(0, 0),
            by_unit: vec![],
            by_urgency: vec![],
        },
    };
    let (mut due, mut met) = (0, 0);
    let mut sla_by_unit: BTreeMap<String, Tally> = BTreeMap::new();
    let mut sla_by_urgency: BTreeMap<String, Tally> = BTreeMap::new();
    for row in groups {
        let Some(key) = row.key else {
            stats.total = row.count;
            stats.beneficiaries = Beneficiaries {
                reported: row.reported,
                served: row.served,
            };
            (due, met) = (row.due, row.met);
            continue;
        };
        let label = label(&row.dimension, &key, row.label);
        let sla = match row.dimension.as_str() {
            "unit" => Some(&mut sla_by_unit),
            "urgency" => Some(&mut sla_by_urgency),
            _ => None,
        };
        if let Some(tallies) = sla {
            tallies.insert(
                key.clone(),
                Tally {
                    label: label.clone(),
                    due: row.due,
                    met: row.met,
                },
            );
        }
        let list = match row.dimension.as_str() {
            "province" => &mut stats.by_province,
            "regency" => &mut stats.by_regency,
            "category" => &mut stats.by_category,
            "need" => &mut stats.by_need,
            "urgency" => &mut stats.by_urgency,
            "unit" => &mut stats.by_unit,
            "status" => &mut stats.by_status,
            "day" => &mut stats.by_day,
            _ => continue,
        };
        list.push(GroupCount {
            key,
            label,
            count: row.count,
        });
    }
    for row in escalations {
        let tallies = match (row.dimension.as_str(), row.key) {
            ("unit", Some(key)) => sla_by_unit.entry(key),
            ("urgency", Some(key)) => sla_by_urgency.entry(key),
            _ => {
                due += row.count;
                continue;
            }
        };
        let key = tallies.key().clone();
        let tally = tallies.or_insert_with(|| Tally {
            label: row.label.unwrap_or(key),
            ..Tally::default()
        });
        tally.due += row.count;
    }
    stats.sla = Sla {
        overall: Compliance::new(due, met),
        by_unit: sla_groups(sla_by_unit),
        by_urgency: sla_groups(sla_by_urgency),
    };
    stats
}

/// Settings for the statements above. Compiling them (JIT) takes longer than
/// running them; with memory for a hash table per grouping, PostgreSQL groups
/// in one pass instead of sorting on disk.
const SESSION: &str = "SET LOCAL jit = off; SET LOCAL work_mem = '32MB'";

/// Computes the statistics `request` asks for, as `claims` may see them:
/// a regional office only inside its own region (403 outside it).
pub async fn compute(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    request: &StatsRequest,
) -> Result<Stats> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<Stats, Error, _>(async |conn| {
            conn.batch_execute(SESSION).await?;
            let area = resolve_area(conn, claims, request.region.as_ref()).await?;
            let groups: Vec<GroupRow> = scoped(GROUPS, request, &area).load(conn).await?;
            let times: TimesRow = scoped(TIMES, request, &area).get_result(conn).await?;
            let escalations: Vec<EscalationRow> =
                scoped(ESCALATIONS, request, &area).load(conn).await?;
            Ok(assemble(request, &area, groups, times, escalations))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().expect("time")
    }

    fn fields(result: Result<StatsRequest>) -> Vec<String> {
        match result {
            Err(Error::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_default_range_is_the_last_thirty_days() {
        let request = StatsRequest::parse(None, None, None, now()).expect("valid");
        assert_eq!(request.to, now());
        assert_eq!(request.from, now() - Duration::days(30));
        assert_eq!(request.region, None);
        let request =
            StatsRequest::parse(None, Some("2026-06-01T00:00:00+07:00"), Some("13"), now())
                .expect("valid");
        assert_eq!(
            request.to,
            "2026-05-31T17:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        );
        assert_eq!(request.from, request.to - Duration::days(30));
        assert_eq!(
            request.region.map(|r| r.as_str().to_owned()).as_deref(),
            Some("13")
        );
    }

    #[test]
    fn an_offset_whose_plus_became_a_space_is_read_back() {
        let request = StatsRequest::parse(Some("2026-11-01T00:00:00 07:00"), None, None, now())
            .expect("valid");
        assert_eq!(
            request.from,
            "2026-10-31T17:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        );
    }

    #[test]
    fn bad_ranges_and_codes_name_their_fields() {
        // from, to, region, and the fields reported.
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            (Some("yesterday"), None, None, &["from"]),
            (None, Some("2026-13-01T00:00:00Z"), None, &["to"]),
            (
                Some("nope"),
                Some("nope"),
                Some("1303"),
                &["to", "from", "region"],
            ),
            (
                Some("2026-11-02T00:00:00Z"),
                Some("2026-11-01T00:00:00Z"),
                None,
                &["to"],
            ),
            (
                Some("2026-11-01T00:00:00Z"),
                Some("2026-11-01T00:00:00Z"),
                None,
                &["to"],
            ),
            (
                Some("2025-11-01T00:00:00Z"),
                Some("2026-11-03T00:00:00Z"),
                None,
                &["to"],
            ),
            (None, None, Some("13.3"), &["region"]),
        ];
        for (from, to, region, expected) in cases {
            let got = fields(StatsRequest::parse(*from, *to, *region, now()));
            assert_eq!(&got, expected, "{from:?} {to:?} {region:?}");
        }
        let longest = StatsRequest::parse(
            Some("2025-11-01T00:00:00Z"),
            Some("2026-11-02T00:00:00Z"),
            None,
            now(),
        );
        assert!(longest.is_ok(), "366 days are allowed");
    }

    fn group(dimension: &str, key: Option<&str>, count: i64, due: i64, met: i64) -> GroupRow {
        GroupRow {
            dimension: dimension.into(),
            key: key.map(Into::into),
            label: key.map(|k| format!("name of {k}")),
            count,
            reported: count * 2,
            served: count,
            due,
            met,
        }
    }

    #[test]
    fn escalations_count_as_misses_of_the_unit_that_lost_the_case() {
        let request = StatsRequest::parse(None, None, None, now()).expect("valid");
        let groups = vec![
            group("total", None, 10, 6, 4),
            group("category", Some("elderly"), 10, 6, 4),
            group("unit", Some("A"), 6, 6, 4),
            group("urgency", Some("high"), 10, 6, 4),
        ];
        let times = TimesRow {
            assign_count: 0,
            assign: None,
            acknowledge_count: 2,
            acknowledge: Some(vec![60.0, 90.0]),
            resolve_count: 0,
            resolve: None,
        };
        let escalations = vec![
            EscalationRow {
                dimension: "total".into(),
                key: None,
                label: None,
                count: 2,
            },
            EscalationRow {
                dimension: "unit".into(),
                key: Some("B".into()),
                label: Some("Unit B".into()),
                count: 2,
            },
            EscalationRow {
                dimension: "urgency".into(),
                key: Some("critical".into()),
                label: Some("critical".into()),
                count: 2,
            },
        ];
        let stats = assemble(&request, &Area::National, groups, times, escalations);
        assert_eq!(stats.total, 10);
        assert_eq!(
            stats.beneficiaries,
            Beneficiaries {
                reported: 20,
                served: 10
            }
        );
        assert_eq!(stats.by_category[0].label, "Lanjut usia");
        assert_eq!(stats.sla.overall, Compliance::new(8, 4));
        let units: Vec<(&str, &str, i64, i64)> = stats
            .sla
            .by_unit
            .iter()
            .map(|g| (g.key.as_str(), g.label.as_str(), g.due, g.missed))
            .collect();
        assert_eq!(units, [("A", "name of A", 6, 2), ("B", "Unit B", 2, 2)]);
        let urgencies: Vec<(&str, i64)> = stats
            .sla
            .by_urgency
            .iter()
            .map(|g| (g.key.as_str(), g.due))
            .collect();
        assert_eq!(urgencies, [("high", 6), ("critical", 2)]);
        assert_eq!(stats.times.to_assign.median_seconds, None);
        assert_eq!(stats.times.to_acknowledge.p90_seconds, Some(90.0));
    }

    #[test]
    fn nothing_due_means_no_compliance() {
        assert_eq!(Compliance::new(0, 0).compliance, None);
        assert_eq!(Compliance::new(4, 3).compliance, Some(0.75));
        assert_eq!(Compliance::new(4, 3).missed, 1);
    }
}
