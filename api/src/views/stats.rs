//! Statistics as the api shows them (`GET /v1/stats`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::Stage;
use sigap_store::stats as store;
use utoipa::ToSchema;

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

/// The reports of one province or regency, with the figures a map of them
/// shows: how many are filed, how many are still open, and how often units
/// acknowledged them in time.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"key": "13.03", "label": "Kabupaten Sijunjung", "count": 4, "open": 3,
    "sla": {"due": 2, "met": 1, "missed": 1, "compliance": 0.5}, "people_served": 68}))]
pub struct PlaceCount {
    /// The region's code (`13` a province, `13.03` a regency).
    pub key: String,
    /// The region's name.
    pub label: String,
    /// Reports filed there in the range (duplicates left out).
    pub count: i64,
    /// Of those, the ones not yet finished: not `resolved`, `closed`,
    /// `cancelled` or `duplicate`.
    pub open: i64,
    /// SLA compliance of those reports: the periods on the reports
    /// themselves (an escalated period counts towards `sla.by_unit` and
    /// `sla.overall` only, as it belongs to the unit that missed it).
    pub sla: Compliance,
    /// People of those reports who are served (status `served`), as
    /// `case_work.people.served` counts them.
    pub people_served: i64,
}

/// People of one group: how many were assessed and how many served.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"key": "60+", "label": "60+", "assessed": 54, "served": 50}))]
pub struct PeopleGroup {
    /// The value grouped by: `F`, `M` or `unknown`; an age band; a
    /// disability or `none`; a Washington Group domain.
    pub key: String,
    /// The key (the console translates it).
    pub label: String,
    /// People with at least one assessment.
    pub assessed: i64,
    /// People whose status is `served`.
    pub served: i64,
}

/// Services of one group: how many were planned and how many delivered.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"key": "wheelchair", "label": "wheelchair", "planned": 54, "delivered": 50, "delivered_quantity": 50}))]
pub struct ServiceGroup {
    /// An ATENSI component, an assistive device, a region code or a unit code.
    pub key: String,
    /// Region and unit names; otherwise the key (the console translates it).
    pub label: String,
    /// Services planned, delivered ones included, cancelled ones left out.
    pub planned: i64,
    /// Services delivered.
    pub delivered: i64,
    /// Items handed over by those deliveries (the sum of their quantities).
    pub delivered_quantity: i64,
}

/// The people of the reports counted (people listed on duplicates are
/// counted on the report kept).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "assessed": 70, "served": 66,
    "by_sex": [{"key": "F", "label": "F", "assessed": 40, "served": 38}, {"key": "M", "label": "M", "assessed": 30, "served": 28}, {"key": "unknown", "label": "unknown", "assessed": 0, "served": 0}],
    "by_age_band": [{"key": "0-17", "label": "0-17", "assessed": 2, "served": 2}, {"key": "18-59", "label": "18-59", "assessed": 14, "served": 13}, {"key": "60+", "label": "60+", "assessed": 54, "served": 51}, {"key": "unknown", "label": "unknown", "assessed": 0, "served": 0}],
    "by_disability": [{"key": "physical", "label": "physical", "assessed": 12, "served": 12}, {"key": "sensory_hearing", "label": "sensory_hearing", "assessed": 4, "served": 4}, {"key": "none", "label": "none", "assessed": 54, "served": 50}],
    "by_functioning": [{"key": "walking", "label": "walking", "assessed": 48, "served": 45}, {"key": "hearing", "label": "hearing", "assessed": 9, "served": 9}]
}))]
pub struct CaseWorkPeople {
    /// People with at least one assessment.
    pub assessed: i64,
    /// People whose status is `served`.
    pub served: i64,
    /// `F`, `M` and `unknown` (not recorded), in that order.
    pub by_sex: Vec<PeopleGroup>,
    /// Age at filing (from the birth date, else the age given): `0-17`,
    /// `18-59`, `60+` and `unknown`, in that order.
    pub by_age_band: Vec<PeopleGroup>,
    /// Every kind of disability in the vocabulary's order, then `none`; a
    /// person with several counts under each.
    pub by_disability: Vec<PeopleGroup>,
    /// The six Washington Group domains (`seeing`, `hearing`, `walking`,
    /// `remembering`, `self_care`, `communicating`): people whose latest
    /// assessment reports a lot of difficulty, or cannot do at all, in that
    /// domain.
    pub by_functioning: Vec<PeopleGroup>,
}

/// The services (ATENSI) planned for the people of the reports counted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "planned": 72, "delivered": 68,
    "by_component": [{"key": "accessibility_support", "label": "accessibility_support", "planned": 70, "delivered": 66, "delivered_quantity": 66}, {"key": "social_assistance", "label": "social_assistance", "planned": 2, "delivered": 2, "delivered_quantity": 2}],
    "by_device": [{"key": "wheelchair", "label": "wheelchair", "planned": 54, "delivered": 50, "delivered_quantity": 50}, {"key": "hearing_aid", "label": "hearing_aid", "planned": 16, "delivered": 16, "delivered_quantity": 16}],
    "by_province": [{"key": "13", "label": "Sumatera Barat", "planned": 72, "delivered": 68, "delivered_quantity": 68}],
    "by_regency": [{"key": "13.03", "label": "Kabupaten Sijunjung", "planned": 72, "delivered": 68, "delivered_quantity": 68}],
    "by_unit": [{"key": "SENTRA-MULYA-JAYA", "label": "Sentra Mulya Jaya", "planned": 72, "delivered": 68, "delivered_quantity": 68}]
}))]
pub struct CaseWorkServices {
    /// Services planned, delivered ones included, cancelled ones left out.
    pub planned: i64,
    /// Services delivered.
    pub delivered: i64,
    /// Every ATENSI component, in the vocabulary's order.
    pub by_component: Vec<ServiceGroup>,
    /// Every assistive device, in the vocabulary's order.
    pub by_device: Vec<ServiceGroup>,
    /// By the report's province; only provinces with services, by
    /// `planned` descending, then code.
    pub by_province: Vec<ServiceGroup>,
    /// By the report's regency (reports located only to a province are left
    /// out), ordered as `by_province`.
    pub by_regency: Vec<ServiceGroup>,
    /// By the unit holding the case, ordered as `by_province`.
    pub by_unit: Vec<ServiceGroup>,
}

/// What the units did for the people of the reports counted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CaseWork {
    pub people: CaseWorkPeople,
    pub services: CaseWorkServices,
    /// Median, over the cases with at least one delivery, of the days from
    /// filing (the filing day in Western Indonesia Time) to the case's first
    /// delivery (`delivered_on`); null when nothing was delivered.
    #[schema(required = true, example = 12.0)]
    pub median_days_to_first_delivery: Option<f64>,
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

/// Compliance with one stage's deadlines, each counted in its own time
/// (working time for `2wd`/`4wh`, wall clock for `15m`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"stage": "assess", "met": 40, "missed": 8, "open_overdue": 2, "compliance": 0.8}))]
pub struct StageCompliance {
    /// `acknowledge`, `assess` or `serve`.
    pub stage: Stage,
    /// Stages left forward by their due time.
    pub met: i64,
    /// Stages left forward late, or ended otherwise (escalated, triaged,
    /// cancelled) after their due time.
    pub missed: i64,
    /// Stages still open past their due time.
    pub open_overdue: i64,
    /// `met / (met + missed + open_overdue)`; null when that is 0.
    #[schema(required = true)]
    pub compliance: Option<f64>,
}

/// The statistics of the reports filed in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "region": "13",
    "total": 10,
    "beneficiaries": {"reported": 14, "served": 5},
    "by_province": [{"key": "13", "label": "Sumatera Barat", "count": 10, "open": 6, "sla": {"due": 5, "met": 4, "missed": 1, "compliance": 0.8}, "people_served": 2}],
    "by_regency": [
        {"key": "13.03", "label": "Kabupaten Sijunjung", "count": 4, "open": 3, "sla": {"due": 2, "met": 1, "missed": 1, "compliance": 0.5}, "people_served": 2},
        {"key": "13.71", "label": "Kota Padang", "count": 3, "open": 1, "sla": {"due": 3, "met": 3, "missed": 0, "compliance": 1.0}, "people_served": 0}
    ],
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
    },
    "deadlines": [
        {"stage": "acknowledge", "met": 4, "missed": 1, "open_overdue": 0, "compliance": 0.8},
        {"stage": "assess", "met": 3, "missed": 0, "open_overdue": 1, "compliance": 0.75},
        {"stage": "serve", "met": 2, "missed": 0, "open_overdue": 0, "compliance": 1.0}
    ],
    "case_work": {
        "people": {
            "assessed": 3, "served": 2,
            "by_sex": [{"key": "F", "label": "F", "assessed": 2, "served": 1}, {"key": "M", "label": "M", "assessed": 1, "served": 1}, {"key": "unknown", "label": "unknown", "assessed": 0, "served": 0}],
            "by_age_band": [{"key": "0-17", "label": "0-17", "assessed": 0, "served": 0}, {"key": "18-59", "label": "18-59", "assessed": 1, "served": 0}, {"key": "60+", "label": "60+", "assessed": 2, "served": 2}, {"key": "unknown", "label": "unknown", "assessed": 0, "served": 0}],
            "by_disability": [{"key": "physical", "label": "physical", "assessed": 1, "served": 1}, {"key": "intellectual", "label": "intellectual", "assessed": 0, "served": 0}, {"key": "mental", "label": "mental", "assessed": 0, "served": 0}, {"key": "sensory_visual", "label": "sensory_visual", "assessed": 1, "served": 0}, {"key": "sensory_hearing", "label": "sensory_hearing", "assessed": 1, "served": 1}, {"key": "sensory_speech", "label": "sensory_speech", "assessed": 0, "served": 0}, {"key": "none", "label": "none", "assessed": 0, "served": 0}],
            "by_functioning": [{"key": "seeing", "label": "seeing", "assessed": 1, "served": 0}, {"key": "hearing", "label": "hearing", "assessed": 1, "served": 1}, {"key": "walking", "label": "walking", "assessed": 1, "served": 1}, {"key": "remembering", "label": "remembering", "assessed": 0, "served": 0}, {"key": "self_care", "label": "self_care", "assessed": 1, "served": 1}, {"key": "communicating", "label": "communicating", "assessed": 0, "served": 0}]
        },
        "services": {
            "planned": 2, "delivered": 2,
            "by_component": [{"key": "decent_living_support", "label": "decent_living_support", "planned": 0, "delivered": 0, "delivered_quantity": 0}, {"key": "accessibility_support", "label": "accessibility_support", "planned": 2, "delivered": 2, "delivered_quantity": 2}],
            "by_device": [{"key": "wheelchair", "label": "wheelchair", "planned": 1, "delivered": 1, "delivered_quantity": 1}, {"key": "hearing_aid", "label": "hearing_aid", "planned": 1, "delivered": 1, "delivered_quantity": 1}],
            "by_province": [{"key": "13", "label": "Sumatera Barat", "planned": 2, "delivered": 2, "delivered_quantity": 2}],
            "by_regency": [{"key": "13.03", "label": "Kabupaten Sijunjung", "planned": 2, "delivered": 2, "delivered_quantity": 2}],
            "by_unit": [{"key": "SENTRA-MULYA-JAYA", "label": "Sentra Mulya Jaya", "planned": 2, "delivered": 2, "delivered_quantity": 2}]
        },
        "median_days_to_first_delivery": 12.0
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
    /// By the report's province, with open cases and SLA compliance.
    pub by_province: Vec<PlaceCount>,
    /// By the report's regency, with open cases and SLA compliance; reports
    /// located only to a province are left out.
    pub by_regency: Vec<PlaceCount>,
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
    /// Compliance per stage deadline; every stage is listed.
    pub deadlines: Vec<StageCompliance>,
    /// People assessed and served, services planned and delivered, and the
    /// days to a case's first delivery.
    pub case_work: CaseWork,
}

impl From<store::GroupCount> for GroupCount {
    fn from(g: store::GroupCount) -> GroupCount {
        GroupCount {
            key: g.key,
            label: g.label,
            count: g.count,
        }
    }
}

impl From<store::GroupCount> for PlaceCount {
    fn from(g: store::GroupCount) -> PlaceCount {
        PlaceCount {
            key: g.key,
            label: g.label,
            count: g.count,
            open: g.open,
            sla: g.sla.into(),
            people_served: g.people_served,
        }
    }
}

impl From<store::DurationSummary> for DurationSummary {
    fn from(d: store::DurationSummary) -> DurationSummary {
        DurationSummary {
            count: d.count,
            median_seconds: d.median_seconds,
            p90_seconds: d.p90_seconds,
        }
    }
}

impl From<store::Compliance> for Compliance {
    fn from(c: store::Compliance) -> Compliance {
        Compliance {
            due: c.due,
            met: c.met,
            missed: c.missed,
            compliance: c.compliance,
        }
    }
}

impl From<store::SlaGroup> for SlaGroup {
    fn from(g: store::SlaGroup) -> SlaGroup {
        SlaGroup {
            key: g.key,
            label: g.label,
            due: g.due,
            met: g.met,
            missed: g.missed,
            compliance: g.compliance,
        }
    }
}

fn groups<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

impl From<store::Stats> for Stats {
    fn from(s: store::Stats) -> Stats {
        Stats {
            from: s.from,
            to: s.to,
            region: s.region,
            total: s.total,
            beneficiaries: Beneficiaries {
                reported: s.beneficiaries.reported,
                served: s.beneficiaries.served,
            },
            by_province: groups(s.by_province),
            by_regency: groups(s.by_regency),
            by_category: groups(s.by_category),
            by_need: groups(s.by_need),
            by_urgency: groups(s.by_urgency),
            by_unit: groups(s.by_unit),
            by_status: groups(s.by_status),
            by_day: groups(s.by_day),
            times: Times {
                to_assign: s.times.to_assign.into(),
                to_acknowledge: s.times.to_acknowledge.into(),
                to_resolve: s.times.to_resolve.into(),
            },
            sla: Sla {
                overall: s.sla.overall.into(),
                by_unit: groups(s.sla.by_unit),
                by_urgency: groups(s.sla.by_urgency),
            },
            deadlines: s
                .deadlines
                .into_iter()
                .map(|d| StageCompliance {
                    stage: d.stage,
                    met: d.met,
                    missed: d.missed,
                    open_overdue: d.open_overdue,
                    compliance: d.compliance,
                })
                .collect(),
            case_work: s.case_work.into(),
        }
    }
}

impl From<store::PeopleGroup> for PeopleGroup {
    fn from(g: store::PeopleGroup) -> PeopleGroup {
        PeopleGroup {
            key: g.key,
            label: g.label,
            assessed: g.assessed,
            served: g.served,
        }
    }
}

impl From<store::ServiceGroup> for ServiceGroup {
    fn from(g: store::ServiceGroup) -> ServiceGroup {
        ServiceGroup {
            key: g.key,
            label: g.label,
            planned: g.planned,
            delivered: g.delivered,
            delivered_quantity: g.delivered_quantity,
        }
    }
}

impl From<store::CaseWork> for CaseWork {
    fn from(w: store::CaseWork) -> CaseWork {
        CaseWork {
            people: CaseWorkPeople {
                assessed: w.people.assessed,
                served: w.people.served,
                by_sex: groups(w.people.by_sex),
                by_age_band: groups(w.people.by_age_band),
                by_disability: groups(w.people.by_disability),
                by_functioning: groups(w.people.by_functioning),
            },
            services: CaseWorkServices {
                planned: w.services.planned,
                delivered: w.services.delivered,
                by_component: groups(w.services.by_component),
                by_device: groups(w.services.by_device),
                by_province: groups(w.services.by_province),
                by_regency: groups(w.services.by_regency),
                by_unit: groups(w.services.by_unit),
            },
            median_days_to_first_delivery: w.median_days_to_first_delivery,
        }
    }
}
