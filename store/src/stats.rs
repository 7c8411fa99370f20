//! Statistics for planning (`GET /v1/stats`): how many reports were filed,
//! where, for whom and for what; how fast they were assigned, acknowledged and
//! resolved; and whether units acknowledged them within their SLA.
//!
//! Everything is aggregated by PostgreSQL in three statements (counts by every
//! grouping in one `GROUPING SETS` pass, times, escalations) that run in one
//! read-only transaction, so that they agree with each other. The reports
//! counted are those filed (`created_at`) in `[from, to)` in the area asked for.

use crate::db::prepared;
use crate::error::{Error, Result};
use crate::vocabulary::spellings;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Float8, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use sigap_domain::Claims;
use sigap_domain::RegionCode;
use sigap_domain::{
    AssistiveDevice, AtensiComponent, Category, Difficulty, Disability, Functioning, Role, Stage,
    Status,
};
use std::collections::BTreeMap;

/// Longest range one request may cover.
pub const MAX_RANGE_DAYS: i64 = 366;
/// Range covered when `from` is not given: this many days before `to`.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

/// A statistics request, checked by the api: a range of filing times at most
/// [`MAX_RANGE_DAYS`] long and, optionally, a region (whose existence is
/// checked by [`compute`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRequest {
    /// Filed at or after.
    pub from: DateTime<Utc>,
    /// Filed before.
    pub to: DateTime<Utc>,
    /// Only this province or regency; `None` for the whole country.
    pub region: Option<RegionCode>,
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

    /// The condition on `reports r`, on the area's code, bound as `$3`
    /// (null for the whole country).
    fn condition(&self) -> &'static str {
        match self {
            Area::National => "$3::text IS NULL",
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
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCount {
    /// The code or value grouped by: region or unit code, category, need,
    /// urgency, status, or a UTC day (`YYYY-MM-DD`).
    pub key: String,
    /// Region and unit names, Indonesian category labels; otherwise the key.
    pub label: String,
    /// Reports in the group.
    pub count: i64,
    /// Reports of the group not yet finished ([`Status::is_open`]; a
    /// duplicate is never open).
    pub open: i64,
    /// SLA periods of the group's reports (the periods on the reports
    /// themselves; escalations are counted only by unit and urgency).
    pub sla: Compliance,
    /// People of the group's reports who are served (provinces and
    /// regencies; 0 elsewhere).
    pub people_served: i64,
}

/// Beneficiaries of the reports counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Beneficiaries {
    /// Sum of `beneficiary_count` over the reports.
    pub reported: i64,
    /// The same over reports that reached service: `in_service`, `resolved`
    /// or `closed`.
    pub served: i64,
}

/// A duration from filing, over the reports that have reached that point.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationSummary {
    /// Reports that have the time stamp.
    pub count: i64,
    /// Null when `count` is 0.
    pub median_seconds: Option<f64>,
    /// 90th percentile (continuous); null when `count` is 0.
    pub p90_seconds: Option<f64>,
}

/// How long cases took, from filing.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct Compliance {
    /// SLA periods that have ended: acknowledged, or past their due time.
    pub due: i64,
    /// Acknowledged at or before the due time.
    pub met: i64,
    /// `due - met`: acknowledged late, still unacknowledged past the due
    /// time, or escalated.
    pub missed: i64,
    /// `met / due`; null when `due` is 0.
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
#[derive(Debug, Clone, PartialEq)]
pub struct SlaGroup {
    /// The unit's code or the urgency.
    pub key: String,
    /// The unit's name or the urgency.
    pub label: String,
    /// SLA periods that came due.
    pub due: i64,
    /// Periods acknowledged in time.
    pub met: i64,
    /// Periods missed.
    pub missed: i64,
    /// `met / due`.
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
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    /// Every period counted.
    pub overall: Compliance,
    /// By the unit that had the case during the period.
    pub by_unit: Vec<SlaGroup>,
    /// By the case's urgency.
    pub by_urgency: Vec<SlaGroup>,
}

/// Compliance with one stage's deadlines, in the time each counts
/// (working time for `2wd`, wall clock for `15m`).
#[derive(Debug, Clone, PartialEq)]
pub struct StageCompliance {
    /// The stage.
    pub stage: Stage,
    /// Stages left forward by their due time.
    pub met: i64,
    /// Stages left forward late, or ended otherwise (escalated, triaged,
    /// cancelled) after their due time.
    pub missed: i64,
    /// Stages still open past their due time.
    pub open_overdue: i64,
    /// `met / (met + missed + open_overdue)`; null when that is 0.
    pub compliance: Option<f64>,
}

/// The statistics of the reports filed in `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Start of the range, inclusive.
    pub from: DateTime<Utc>,
    /// End of the range, exclusive.
    pub to: DateTime<Utc>,
    /// The province or regency counted; null for the whole country.
    pub region: Option<String>,
    /// Reports filed in the range.
    pub total: i64,
    /// People reported and served.
    pub beneficiaries: Beneficiaries,
    /// By the report's province.
    pub by_province: Vec<GroupCount>,
    /// Reports located only to a province are left out.
    pub by_regency: Vec<GroupCount>,
    /// By category.
    pub by_category: Vec<GroupCount>,
    /// By need.
    pub by_need: Vec<GroupCount>,
    /// By urgency.
    pub by_urgency: Vec<GroupCount>,
    /// By the unit that has the case now; unassigned reports are left out.
    pub by_unit: Vec<GroupCount>,
    /// By status now.
    pub by_status: Vec<GroupCount>,
    /// UTC days with reports, oldest first.
    pub by_day: Vec<GroupCount>,
    /// How long the steps of a case took.
    pub times: Times,
    /// How often units acknowledged in time.
    pub sla: Sla,
    /// Compliance per stage (acknowledge, assess, serve), every stage listed.
    pub deadlines: Vec<StageCompliance>,
    /// What the units did for the people of these reports.
    pub case_work: CaseWork,
}

/// People of one group: assessed and served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleGroup {
    /// The value grouped by.
    pub key: String,
    /// The key (the console translates it).
    pub label: String,
    /// People with at least one assessment.
    pub assessed: i64,
    /// People whose status is `served`.
    pub served: i64,
}

/// Services of one group: planned and delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceGroup {
    /// The component, device, region or unit code.
    pub key: String,
    /// Region and unit names; otherwise the key.
    pub label: String,
    /// Services planned, cancelled ones left out (delivered ones included).
    pub planned: i64,
    /// Services delivered.
    pub delivered: i64,
    /// Items handed over by those deliveries (devices, packages).
    pub delivered_quantity: i64,
}

/// The people of the reports counted, by who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWorkPeople {
    /// People with at least one assessment.
    pub assessed: i64,
    /// People served.
    pub served: i64,
    /// `F`, `M`, `unknown`.
    pub by_sex: Vec<PeopleGroup>,
    /// Age at filing: [`AGE_BANDS`].
    pub by_age_band: Vec<PeopleGroup>,
    /// Each kind of disability (a person counts under each of theirs), then
    /// `none`.
    pub by_disability: Vec<PeopleGroup>,
    /// People whose latest assessment reports a lot of difficulty, or
    /// cannot do at all, in each Washington Group domain.
    pub by_functioning: Vec<PeopleGroup>,
}

/// The services of the reports counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWorkServices {
    /// Services planned (not cancelled).
    pub planned: i64,
    /// Services delivered.
    pub delivered: i64,
    /// Every ATENSI component, in the vocabulary's order.
    pub by_component: Vec<ServiceGroup>,
    /// Every assistive device, in the vocabulary's order.
    pub by_device: Vec<ServiceGroup>,
    /// Provinces with services, by planned descending then code.
    pub by_province: Vec<ServiceGroup>,
    /// Regencies with services (reports located only to a province left out).
    pub by_regency: Vec<ServiceGroup>,
    /// Units holding cases with services.
    pub by_unit: Vec<ServiceGroup>,
}

/// Case work of the reports counted: people assessed and served, services
/// planned and delivered, and how long a case waited for its first delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseWork {
    /// People by sex, age band, disability and functioning difficulty.
    pub people: CaseWorkPeople,
    /// Services by component, device, place and unit.
    pub services: CaseWorkServices,
    /// Median over the cases with a delivery of the days from filing (the
    /// filing day in Western Indonesia Time) to the first delivery; null
    /// when none was delivered.
    pub median_days_to_first_delivery: Option<f64>,
}

/// The age bands of the statistics, by age at filing; `unknown` when
/// neither a birth date nor an age is known.
pub const AGE_BANDS: &[&str] = &["0-17", "18-59", "60+", "unknown"];
/// The sexes of the statistics; `unknown` when not recorded.
pub const SEXES: &[&str] = &["F", "M", "unknown"];
/// The key of people without a recorded disability.
pub const NO_DISABILITY: &str = "none";

/// Counts by every grouping in one pass (`$4`: the statuses of reports that
/// reached service).
const GROUPS: &str = include_str!("stats/groups.sql");

/// Median and 90th percentile of each duration.
const TIMES: &str = include_str!("stats/times.sql");

/// Escalations as missed SLA periods.
const ESCALATIONS: &str = include_str!("stats/escalations.sql");

/// Stage deadlines met, missed and overdue.
const DEADLINES: &str = include_str!("stats/deadlines.sql");

/// People and services of the case work, by every grouping (people by sets
/// of disabilities and of difficulties, spread here over their members),
/// and the median days to the first delivery (`$4`: the answers counted as
/// a difficulty).
const CASE_WORK: &str = include_str!("stats/casework.sql");

#[derive(Debug, QueryableByName)]
struct CaseWorkRow {
    #[diesel(sql_type = Text)]
    dimension: String,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
    #[diesel(sql_type = BigInt)]
    assessed: i64,
    #[diesel(sql_type = BigInt)]
    served: i64,
    #[diesel(sql_type = BigInt)]
    planned: i64,
    #[diesel(sql_type = BigInt)]
    delivered: i64,
    #[diesel(sql_type = BigInt)]
    delivered_quantity: i64,
    #[diesel(sql_type = Nullable<Float8>)]
    days: Option<f64>,
}

/// Every key of `keys`, in that order, with the rows' figures (zeros where
/// there is none).
fn fixed<T>(keys: &[&str], rows: &BTreeMap<String, T>, zero: impl Fn(&str) -> T) -> Vec<T>
where
    T: Clone,
{
    keys.iter()
        .map(|k| rows.get(*k).cloned().unwrap_or_else(|| zero(k)))
        .collect()
}

/// Puts the case-work rows together, and the people served per place onto
/// `by_province` and `by_regency`.
fn assemble_case_work(stats: &mut Stats, rows: Vec<CaseWorkRow>) {
    let mut people: BTreeMap<&'static str, BTreeMap<String, PeopleGroup>> = BTreeMap::new();
    let mut services: BTreeMap<&'static str, Vec<ServiceGroup>> = BTreeMap::new();
    let mut served_in: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    let work = &mut stats.case_work;
    for row in rows {
        let dimension: &'static str = match row.dimension.as_str() {
            "people" => {
                work.people.assessed = row.assessed;
                work.people.served = row.served;
                continue;
            }
            "services" => {
                work.services.planned = row.planned;
                work.services.delivered = row.delivered;
                continue;
            }
            "median_days" => {
                work.median_days_to_first_delivery = row.days;
                continue;
            }
            "people_province" => "province",
            "people_regency" => "regency",
            "sex" => "sex",
            "age_band" => "age_band",
            "disabilities" => "disability",
            "difficulties" => "functioning",
            "component" => "component",
            "device" => "device",
            "service_province" => "service_province",
            "service_regency" => "service_regency",
            "service_unit" => "service_unit",
            _ => continue,
        };
        let Some(key) = row.key else { continue };
        let label = row.label.unwrap_or_else(|| key.clone());
        match dimension {
            "province" | "regency" => {
                served_in.insert((dimension, key), row.served);
            }
            "sex" | "age_band" => {
                people.entry(dimension).or_default().insert(
                    key.clone(),
                    PeopleGroup {
                        key,
                        label,
                        assessed: row.assessed,
                        served: row.served,
                    },
                );
            }
            // A set of disabilities or difficulties (comma-separated): its
            // people count under each member.
            "disability" | "functioning" => {
                let groups = people.entry(dimension).or_default();
                for member in key.split(',').filter(|m| !m.is_empty()) {
                    let group = groups
                        .entry(member.to_owned())
                        .or_insert_with(|| PeopleGroup {
                            key: member.to_owned(),
                            label: member.to_owned(),
                            assessed: 0,
                            served: 0,
                        });
                    group.assessed += row.assessed;
                    group.served += row.served;
                }
            }
            _ => services.entry(dimension).or_default().push(ServiceGroup {
                key,
                label,
                planned: row.planned,
                delivered: row.delivered,
                delivered_quantity: row.delivered_quantity,
            }),
        }
    }
    let person = |key: &str| PeopleGroup {
        key: key.to_owned(),
        label: key.to_owned(),
        assessed: 0,
        served: 0,
    };
    let empty = BTreeMap::new();
    let of = |d: &str| people.get(d).unwrap_or(&empty);
    let disabilities: Vec<&str> = Disability::ALL
        .iter()
        .map(|d| d.as_str())
        .chain([NO_DISABILITY])
        .collect();
    work.people.by_sex = fixed(SEXES, of("sex"), person);
    work.people.by_age_band = fixed(AGE_BANDS, of("age_band"), person);
    work.people.by_disability = fixed(&disabilities, of("disability"), person);
    work.people.by_functioning = fixed(Functioning::DOMAINS, of("functioning"), person);
    let service = |key: &str| ServiceGroup {
        key: key.to_owned(),
        label: key.to_owned(),
        planned: 0,
        delivered: 0,
        delivered_quantity: 0,
    };
    let mut take = |d: &str| services.remove(d).unwrap_or_default();
    let keyed = |list: Vec<ServiceGroup>| -> BTreeMap<String, ServiceGroup> {
        list.into_iter().map(|g| (g.key.clone(), g)).collect()
    };
    let components: Vec<&str> = AtensiComponent::ALL.iter().map(|c| c.as_str()).collect();
    let devices: Vec<&str> = AssistiveDevice::ALL.iter().map(|d| d.as_str()).collect();
    work.services.by_component = fixed(&components, &keyed(take("component")), service);
    work.services.by_device = fixed(&devices, &keyed(take("device")), service);
    let ranked = |mut list: Vec<ServiceGroup>| {
        list.sort_by(|a, b| b.planned.cmp(&a.planned).then_with(|| a.key.cmp(&b.key)));
        list
    };
    work.services.by_province = ranked(take("service_province"));
    work.services.by_regency = ranked(take("service_regency"));
    work.services.by_unit = ranked(take("service_unit"));
    for (dimension, list) in [
        ("province", &mut stats.by_province),
        ("regency", &mut stats.by_regency),
    ] {
        for place in list.iter_mut() {
            place.people_served = served_in
                .get(&(dimension, place.key.clone()))
                .copied()
                .unwrap_or(0);
        }
    }
}

#[derive(Debug, QueryableByName)]
struct DeadlineRow {
    #[diesel(sql_type = Text, deserialize_as = crate::vocabulary::Term<Stage>)]
    stage: Stage,
    #[diesel(sql_type = BigInt)]
    met: i64,
    #[diesel(sql_type = BigInt)]
    missed: i64,
    #[diesel(sql_type = BigInt)]
    open_overdue: i64,
}

/// Every stage, with zeros for a stage without deadlines.
fn stage_compliance(rows: Vec<DeadlineRow>) -> Vec<StageCompliance> {
    Stage::ALL
        .iter()
        .map(|&stage| {
            let row = rows.iter().find(|r| r.stage == stage);
            let (met, missed, open_overdue) =
                row.map_or((0, 0, 0), |r| (r.met, r.missed, r.open_overdue));
            let counted = met + missed + open_overdue;
            StageCompliance {
                stage,
                met,
                missed,
                open_overdue,
                compliance: (counted > 0).then(|| met as f64 / counted as f64),
            }
        })
        .collect()
}

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
    #[diesel(sql_type = BigInt)]
    open: i64,
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

/// The statuses of a report that reached service: its beneficiaries count
/// as served.
const SERVED: &[Status] = &[Status::InService, Status::Resolved, Status::Closed];

/// The statuses of a case not yet finished ([`Status::is_open`]).
fn open_statuses() -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect()
}

/// One of the statements above for `area`, with the range and the area bound
/// (`$1`, `$2`, `$3`). Its text differs only by the kind of area, so it can
/// be prepared.
fn scoped<'a>(
    sql: &str,
    request: &StatsRequest,
    area: &'a Area,
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    diesel::sql_query(sql.replace("{area}", area.condition()))
        .into_boxed()
        .bind::<Timestamptz, _>(request.from)
        .bind::<Timestamptz, _>(request.to)
        .bind::<Nullable<Text>, _>(area.code())
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
        deadlines: stage_compliance(vec![]),
        case_work: CaseWork {
            people: CaseWorkPeople {
                assessed: 0,
                served: 0,
                by_sex: vec![],
                by_age_band: vec![],
                by_disability: vec![],
                by_functioning: vec![],
            },
            services: CaseWorkServices {
                planned: 0,
                delivered: 0,
                by_component: vec![],
                by_device: vec![],
                by_province: vec![],
                by_regency: vec![],
                by_unit: vec![],
            },
            median_days_to_first_delivery: None,
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
            open: row.open,
            sla: Compliance::new(row.due, row.met),
            people_served: 0,
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
/// in one pass instead of sorting on disk. On solid-state storage an index
/// look-up costs about what a sequential read does (PostgreSQL's default
/// assumes spinning disks), so a range of a few weeks looks its reports'
/// people and services up by index. A year of a million reports takes
/// longer than the pool's statement timeout allows other requests: the
/// statistics, read by few, get a minute.
const SESSION: &str = "SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; \
    SET LOCAL random_page_cost = 1.1; SET LOCAL statement_timeout = '60s'";

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
            let groups: Vec<GroupRow> = prepared(
                scoped(GROUPS, request, &area)
                    .bind::<Array<Text>, _>(spellings(SERVED))
                    .bind::<Array<Text>, _>(spellings(&open_statuses())),
            )
            .load(conn)
            .await?;
            let times: TimesRow = prepared(scoped(TIMES, request, &area))
                .get_result(conn)
                .await?;
            let escalations: Vec<EscalationRow> = prepared(scoped(ESCALATIONS, request, &area))
                .load(conn)
                .await?;
            let deadlines: Vec<DeadlineRow> = prepared(scoped(DEADLINES, request, &area))
                .load(conn)
                .await?;
            let case_work: Vec<CaseWorkRow> = prepared(
                scoped(CASE_WORK, request, &area)
                    .bind::<Array<Text>, _>(spellings(Difficulty::SIGNIFICANT)),
            )
            .load(conn)
            .await?;
            let mut stats = assemble(request, &area, groups, times, escalations);
            stats.deadlines = stage_compliance(deadlines);
            assemble_case_work(&mut stats, case_work);
            Ok(stats)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().expect("time")
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
            open: count / 2,
        }
    }

    #[test]
    fn escalations_count_as_misses_of_the_unit_that_lost_the_case() {
        let request = StatsRequest {
            from: now() - Duration::days(DEFAULT_RANGE_DAYS),
            to: now(),
            region: None,
        };
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
        assert_eq!(stats.by_category[0].open, 5);
        assert_eq!(stats.by_category[0].sla, Compliance::new(6, 4));
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

    fn work_row(dimension: &str, key: Option<&str>, assessed: i64, served: i64) -> CaseWorkRow {
        CaseWorkRow {
            dimension: dimension.into(),
            key: key.map(Into::into),
            label: key.map(Into::into),
            assessed,
            served,
            planned: 0,
            delivered: 0,
            delivered_quantity: 0,
            days: None,
        }
    }

    #[test]
    fn sets_of_disabilities_and_difficulties_count_under_each_member() {
        let request = StatsRequest {
            from: now() - Duration::days(DEFAULT_RANGE_DAYS),
            to: now(),
            region: None,
        };
        let times = TimesRow {
            assign_count: 0,
            assign: None,
            acknowledge_count: 0,
            acknowledge: None,
            resolve_count: 0,
            resolve: None,
        };
        let mut stats = assemble(
            &request,
            &Area::National,
            vec![group("regency", Some("13.03"), 1, 0, 0)],
            times,
            vec![],
        );
        let mut median = work_row("median_days", None, 0, 0);
        median.days = Some(7.5);
        assemble_case_work(
            &mut stats,
            vec![
                work_row("people", None, 6, 3),
                work_row("people_regency", Some("13.03"), 6, 3),
                work_row("disabilities", Some("physical,sensory_hearing"), 2, 1),
                work_row("disabilities", Some("physical"), 1, 1),
                work_row("disabilities", Some("none"), 3, 1),
                work_row("difficulties", Some("seeing,walking"), 2, 2),
                work_row("difficulties", Some(""), 4, 1),
                work_row("sex", Some("F"), 4, 2),
                median,
            ],
        );
        let work = &stats.case_work;
        let figures = |list: &[PeopleGroup]| -> Vec<(String, i64, i64)> {
            list.iter()
                .filter(|g| g.assessed > 0)
                .map(|g| (g.key.clone(), g.assessed, g.served))
                .collect()
        };
        let expected = |list: &[(&str, i64, i64)]| -> Vec<(String, i64, i64)> {
            list.iter()
                .map(|(k, a, s)| ((*k).to_owned(), *a, *s))
                .collect()
        };
        assert_eq!(
            figures(&work.people.by_disability),
            expected(&[
                ("physical", 3, 2),
                ("sensory_hearing", 2, 1),
                ("none", 3, 1)
            ])
        );
        assert_eq!(work.people.by_disability.len(), Disability::ALL.len() + 1);
        assert_eq!(
            figures(&work.people.by_functioning),
            expected(&[("seeing", 2, 2), ("walking", 2, 2)])
        );
        assert_eq!(work.people.by_functioning.len(), 6);
        let sexes: Vec<&str> = work.people.by_sex.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(sexes, SEXES);
        assert_eq!(work.people.assessed, 6);
        assert_eq!(work.median_days_to_first_delivery, Some(7.5));
        assert_eq!(stats.by_regency[0].people_served, 3);
        assert_eq!(work.services.by_device.len(), AssistiveDevice::ALL.len());
    }

    #[test]
    fn nothing_due_means_no_compliance() {
        assert_eq!(Compliance::new(0, 0).compliance, None);
        assert_eq!(Compliance::new(4, 3).compliance, Some(0.75));
        assert_eq!(Compliance::new(4, 3).missed, 1);
    }
}
