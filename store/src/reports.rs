//! Reading reports: who may see which report, and how much of it.

use crate::error::{Error, Result};
use crate::schema::{report_events, reports};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sigap_domain::Claims;
use sigap_domain::Role;
use utoipa::ToSchema;
use uuid::Uuid;

/// A report as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct ReportRow {
    pub id: Uuid,
    pub ticket: String,
    pub channel: String,
    pub category: String,
    pub need: String,
    pub urgency: String,
    pub region_code: String,
    pub province_code: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_anonymous: bool,
    pub beneficiaries: serde_json::Value,
    pub beneficiary_count: i32,
    pub description: String,
    pub external_ref: Option<String>,
    pub filed_by: String,
    pub client_id: Option<String>,
    pub status: String,
    pub unit_code: Option<String>,
    pub previous_units: Vec<String>,
    pub triage_reason: Option<String>,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
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
}

/// One entry of a report's history.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = report_events, check_for_backend(diesel::pg::Pg))]
pub struct EventView {
    pub id: i64,
    /// `received`, `assigned`, `needs_triage`, `status_changed`, `note`, `transferred`, `escalated`.
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub unit_code: Option<String>,
    pub actor: String,
    pub actor_role: String,
    pub note: Option<String>,
    /// For assignments, the router's decision with its explanation.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

/// Whether the caller may see this report at all.
pub fn can_read(claims: &Claims, report: &ReportRow) -> bool {
    match claims.role {
        Role::Operator | Role::Supervisor | Role::Admin => true,
        Role::UptStaff => report.unit_code.is_some() && report.unit_code == claims.unit,
        Role::Regional => claims
            .region
            .as_deref()
            .is_some_and(|r| r == report.province_code || r == report.region_code),
        Role::Integrator => report.filed_by == claims.sub,
    }
}

/// Whether the caller may see names and phone numbers: those who act on the
/// case (operators, supervisors and the unit it is assigned to).
pub fn sees_personal_data(claims: &Claims, report: &ReportRow) -> bool {
    match claims.role {
        Role::Operator | Role::Supervisor => true,
        Role::UptStaff => report.unit_code.is_some() && report.unit_code == claims.unit,
        Role::Regional | Role::Integrator | Role::Admin => false,
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
    #[schema(value_type = sigap_domain::Status)]
    pub status: String,
    #[schema(value_type = sigap_domain::Category)]
    pub category: String,
    #[schema(value_type = sigap_domain::Need)]
    pub need: String,
    #[schema(value_type = sigap_domain::Urgency)]
    pub urgency: String,
    #[schema(value_type = sigap_domain::Channel)]
    pub channel: String,
    pub region_code: String,
    pub province_code: String,
    pub address: Option<String>,
    pub location: Option<Location>,
    /// Present only for roles that may see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterView>,
    /// Names are removed for roles that may not see personal data.
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
    pub fn new(row: ReportRow, personal: bool, events: Option<Vec<EventView>>) -> ReportView {
        let mut beneficiaries = row.beneficiaries;
        if let Some(list) = beneficiaries.as_array_mut().filter(|_| !personal) {
            for b in list.iter_mut().filter_map(|b| b.as_object_mut()) {
                b.remove("name");
            }
        }
        ReportView {
            id: row.id,
            ticket: row.ticket,
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
            events,
        }
    }
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<ReportRow> {
    Ok(reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .await?)
}

pub async fn events(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<EventView>> {
    Ok(report_events::table
        .filter(report_events::report_id.eq(id))
        .order(report_events::id)
        .select(EventView::as_select())
        .load(conn)
        .await?)
}

/// The report with its history, as `claims` may see it. A report the caller
/// may not read is reported as not found, revealing nothing.
pub async fn get_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<ReportView> {
    let row = find(conn, id).await?;
    if !can_read(claims, &row) {
        return Err(Error::NotFound);
    }
    let personal = sees_personal_data(claims, &row);
    let events = events(conn, id).await?;
    Ok(ReportView::new(row, personal, Some(events)))
}
