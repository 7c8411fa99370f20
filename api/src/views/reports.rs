//! Reports as callers see them: the answer types of the report and case
//! endpoints, with their OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::{Category, Channel, Claims, Need, Stage, Status, Urgency};
use sigap_store::merge::{MergeLinks, ReportLink};
use sigap_store::reports::{self, EventRow, ReportRow};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a beneficiary's entry loses for roles that may not see personal data.
const PERSONAL_BENEFICIARY_FIELDS: &[&str] = &[
    "name",
    "nik",
    "phone",
    "birth_date",
    "address",
    "status_reason",
];

/// What an event's details lose for roles that may not see personal data:
/// what a person wrote (a transfer's, merge's or status change's reason, a
/// note).
const FREE_TEXT_DETAILS: &[&str] = &["reason", "note", "status_reason", "caption"];

/// One entry of a report's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    /// `received`, `assigned`, `needs_triage`, `status_changed`, `note`, `transferred`, `escalated`,
    /// `merged_into` (details: `into`, `into_ticket`), `merged_from` (details: `from`,
    /// `from_ticket`, `people_added`, `beneficiary_count`); case work:
    /// `beneficiary_added`, `beneficiary_updated`, `beneficiary_assessed`,
    /// `service_planned`, `service_delivered`, `service_cancelled`,
    /// `service_followed_up` (details: ids, component, item, quantity and
    /// statuses), `consent_recorded`, `consent_withdrawn`; a
    /// `status_changed` the work caused has `details.by` (`assessment`,
    /// `service_planned`).
    pub kind: String,
    #[schema(value_type = Option<String>)]
    pub from_status: Option<Status>,
    #[schema(value_type = Option<String>)]
    pub to_status: Option<Status>,
    pub unit_code: Option<String>,
    pub actor: String,
    pub actor_role: String,
    /// The name of the staff account that acted (`actor` is then its id);
    /// absent for other actors and for roles that may not see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// What the actor wrote; null for roles that may not see personal data
    /// (the text of a note or a reason may name people).
    pub note: Option<String>,
    /// For assignments, the router's decision with its explanation; for
    /// transfers the units and the `reason`, which is left out (as every
    /// free text: `reason`, `note`, `status_reason`, `caption`) for roles
    /// that may not see personal data; consents: `consent_id`,
    /// `beneficiary_id`, `purposes`.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

impl EventView {
    /// The event as a caller sees it: those who may not see personal data
    /// ([`reports::sees_personal_data`]) get what happened and when, not
    /// what was written.
    fn for_caller(row: EventRow, personal: bool) -> EventView {
        let mut details = row.details;
        if !personal && let Some(object) = details.as_mut().and_then(|d| d.as_object_mut()) {
            for field in FREE_TEXT_DETAILS {
                object.remove(*field);
            }
        }
        EventView {
            id: row.id,
            kind: row.kind,
            from_status: row.from_status,
            to_status: row.to_status,
            unit_code: row.unit_code,
            actor: row.actor,
            actor_role: row.actor_role,
            actor_name: row.actor_name.filter(|_| personal),
            note: row.note.filter(|_| personal),
            details,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReporterView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub anonymous: bool,
}

/// The deadline of the stage a case is in.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "stage": "assess", "due_at": "2026-12-08T01:00:00Z", "allowance": "2wd",
    "working_time": true, "time_zone": "WIT", "overdue": false
}))]
pub struct DeadlineView {
    /// `acknowledge` (assigned → acknowledged), `assess` (acknowledged →
    /// assessing) or `serve` (assessing → the first service delivered, or
    /// in service when no service is planned).
    pub stage: Stage,
    /// When the stage is due.
    pub due_at: DateTime<Utc>,
    /// The time the stage has, as configured: `15m`, `2wd` (working days),
    /// `4wh` (working hours).
    #[schema(example = "2wd")]
    pub allowance: String,
    /// Whether the allowance counts the unit's office hours only, skipping
    /// weekends, holidays and collective-leave days.
    pub working_time: bool,
    /// The zone of the unit's office hours: `WIB`, `WITA` or `WIT`.
    #[schema(example = "WIT")]
    pub time_zone: String,
    /// Whether the stage is past its due time.
    pub overdue: bool,
}

impl DeadlineView {
    /// The open deadline of a report's columns, if it has one.
    pub fn of(
        stage: Option<Stage>,
        due_at: Option<DateTime<Utc>>,
        allowance: Option<String>,
        working: Option<bool>,
        time_zone: Option<String>,
    ) -> Option<DeadlineView> {
        let (stage, due_at) = (stage?, due_at?);
        Some(DeadlineView {
            stage,
            due_at,
            allowance: allowance.unwrap_or_default(),
            working_time: working.unwrap_or(false),
            time_zone: time_zone.unwrap_or_else(|| "WIB".into()),
            overdue: due_at < Utc::now(),
        })
    }
}

/// A report as a caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportView {
    pub id: Uuid,
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
    /// What the reporter tracks the report by (`GET /v1/track/{tracking_code}`);
    /// present only for roles that may see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "CC-2026-000123-K7QM2X")]
    pub tracking_code: Option<String>,
    pub status: Status,
    pub category: Category,
    pub need: Need,
    pub urgency: Urgency,
    pub channel: Channel,
    pub region_code: String,
    pub province_code: String,
    /// Where the case is, in words; null for roles that may not see
    /// personal data (regional offices, partners, administrators).
    pub address: Option<String>,
    pub location: Option<Location>,
    /// Present only for roles that may see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterView>,
    /// The people listed: `name`, `age`, `sex`, `disability`, `nik`,
    /// `phone` as filed; on a single report's read also each person's `id`,
    /// `status`, `disabilities`, `birth_date` and `address` (first 100).
    /// Names, NIKs, birth dates, phones and addresses are removed for roles
    /// that may not see personal data.
    #[schema(value_type = Vec<Object>)]
    pub beneficiaries: serde_json::Value,
    pub beneficiary_count: i32,
    /// What happened, as filed; absent for roles that may not see personal
    /// data (regional offices, partners, administrators): free text names
    /// people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub external_ref: Option<String>,
    pub unit_code: Option<String>,
    pub previous_units: Vec<String>,
    pub triage_reason: Option<String>,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
    /// The deadline of the stage the case is in; null when no stage is open
    /// (awaiting assignment, in service, ended).
    pub deadline: Option<DeadlineView>,
    /// Whether that stage is past its due time.
    pub overdue: bool,
    /// For `If-Match` on status changes.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub assessing_at: Option<DateTime<Utc>>,
    pub in_service_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    /// On a single report's read and a merge's answer: the report this one
    /// was merged into (it is then `duplicate`) and continues as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<ReportLinkView>,
    /// On a single report's read: the reports merged into this one, oldest
    /// first (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<ReportLinkView>>,
    /// On a single report's read: how many files are attached
    /// (`GET /v1/reports/{id}/attachments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_count: Option<i64>,
}

/// Another report, by id and ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportLinkView {
    pub id: Uuid,
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
}

impl From<ReportLink> for ReportLinkView {
    fn from(link: ReportLink) -> ReportLinkView {
        ReportLinkView {
            id: link.id,
            ticket: link.ticket,
        }
    }
}

impl ReportView {
    /// The report as `claims` may see it: names and phone numbers, the
    /// tracking code and what people wrote in the history only for those
    /// who act on the case.
    pub fn for_caller(
        claims: &Claims,
        row: ReportRow,
        events: Option<Vec<EventRow>>,
    ) -> ReportView {
        let personal = reports::sees_personal_data(claims, &row);
        let deadline = DeadlineView::of(
            row.deadline_stage,
            row.deadline_due_at,
            row.deadline_allowance,
            row.deadline_working,
            row.deadline_time_zone,
        );
        let mut beneficiaries = row.beneficiaries;
        if let Some(list) = beneficiaries.as_array_mut().filter(|_| !personal) {
            for b in list.iter_mut().filter_map(|b| b.as_object_mut()) {
                for field in PERSONAL_BENEFICIARY_FIELDS {
                    b.remove(*field);
                }
            }
        }
        ReportView {
            id: row.id,
            ticket: row.ticket,
            tracking_code: personal.then_some(row.tracking_code),
            status: row.status,
            category: row.category,
            need: row.need,
            urgency: row.urgency,
            channel: row.channel,
            region_code: row.region_code,
            province_code: row.province_code,
            address: row.address.filter(|_| personal),
            location: row
                .latitude
                .zip(row.longitude)
                .map(|(lat, lon)| Location { lat, lon }),
            reporter: personal.then_some(ReporterView {
                name: row.reporter_name,
                phone: row.reporter_phone,
                anonymous: row.reporter_anonymous,
            }),
            beneficiaries,
            beneficiary_count: row.beneficiary_count,
            description: personal.then_some(row.description),
            external_ref: row.external_ref,
            unit_code: row.unit_code,
            previous_units: row.previous_units,
            triage_reason: row.triage_reason,
            sla_due_at: row.sla_due_at,
            escalation_level: row.escalation_level,
            overdue: deadline.as_ref().is_some_and(|d| d.overdue),
            deadline,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            assigned_at: row.assigned_at,
            acknowledged_at: row.acknowledged_at,
            assessing_at: row.assessing_at,
            in_service_at: row.in_service_at,
            resolved_at: row.resolved_at,
            closed_at: row.closed_at,
            cancelled_at: row.cancelled_at,
            events: events.map(|events| {
                events
                    .into_iter()
                    .map(|event| EventView::for_caller(event, personal))
                    .collect()
            }),
            duplicate_of: None,
            merged_from: None,
            attachment_count: None,
        }
    }

    /// The view with its people as rows (ids and statuses), in the shape
    /// the report's list always had; each person's personal data as the
    /// store decided for the caller (the report's rule, or a consent).
    pub fn with_people(
        mut self,
        case: &sigap_store::casework::CaseRef,
        people: Vec<sigap_store::casework::Person>,
    ) -> ReportView {
        self.beneficiaries = serde_json::Value::Array(
            people
                .into_iter()
                .map(|person| {
                    crate::views::casework::BeneficiaryView::new(case, person.row, person.shown)
                        .entry()
                })
                .collect(),
        );
        self
    }

    /// The view with the report's merge links.
    pub fn with_attachment_count(mut self, count: i64) -> ReportView {
        self.attachment_count = Some(count);
        self
    }

    pub fn with_links(mut self, links: MergeLinks) -> ReportView {
        self.duplicate_of = links.duplicate_of.map(ReportLinkView::from);
        self.merged_from = Some(
            links
                .merged_from
                .into_iter()
                .map(ReportLinkView::from)
                .collect(),
        );
        self
    }
}
