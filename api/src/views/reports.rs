//! Reports as callers see them: the answer types of the report and case
//! endpoints, with their OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::{Category, Channel, Claims, Need, Status, Urgency};
use sigap_store::reports::{self, EventRow, ReportRow};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a beneficiary's entry loses for roles that may not see personal data.
const PERSONAL_BENEFICIARY_FIELDS: &[&str] = &["name", "nik", "phone"];

/// One entry of a report's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    /// `received`, `assigned`, `needs_triage`, `status_changed`, `note`, `transferred`, `escalated`.
    pub kind: String,
    #[schema(value_type = Option<String>)]
    pub from_status: Option<Status>,
    #[schema(value_type = Option<String>)]
    pub to_status: Option<Status>,
    pub unit_code: Option<String>,
    pub actor: String,
    pub actor_role: String,
    /// What the actor wrote; null for roles that may not see personal data
    /// (the text of a note or a reason may name people).
    pub note: Option<String>,
    /// For assignments, the router's decision with its explanation; for
    /// transfers the units and the `reason`, which is left out for roles
    /// that may not see personal data.
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
            object.remove("reason");
        }
        EventView {
            id: row.id,
            kind: row.kind,
            from_status: row.from_status,
            to_status: row.to_status,
            unit_code: row.unit_code,
            actor: row.actor,
            actor_role: row.actor_role,
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
    pub address: Option<String>,
    pub location: Option<Location>,
    /// Present only for roles that may see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterView>,
    /// Names, NIKs and phones are removed for roles that may not see
    /// personal data.
    #[schema(value_type = Vec<Object>)]
    pub beneficiaries: serde_json::Value,
    pub beneficiary_count: i32,
    pub description: String,
    pub external_ref: Option<String>,
    pub unit_code: Option<String>,
    pub previous_units: Vec<String>,
    pub triage_reason: Option<String>,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
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
            address: row.address,
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
            description: row.description,
            external_ref: row.external_ref,
            unit_code: row.unit_code,
            previous_units: row.previous_units,
            triage_reason: row.triage_reason,
            sla_due_at: row.sla_due_at,
            escalation_level: row.escalation_level,
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
        }
    }
}
