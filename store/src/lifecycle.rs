//! What happens to a report after routing: status changes, notes, transfers,
//! manual assignment and SLA escalation. Each change locks the report, checks
//! the caller's authority and the status machine, and writes the change, its
//! event and its outbox message in one transaction.

use crate::bus::EventPayload;
use crate::deadlines::{self, Move, Opening};
use crate::error::{Error, Result};
use crate::outbox;
use crate::reports::{self as report_access, ReportRow};
use crate::routing::{DirectoryCache, event_message, locked_loads, route_request};
use crate::schema::{report_events, reports, units};
use crate::vocabulary::Term;
use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::Claims;
use sigap_domain::{Role, SlaPolicy, Stage, Status};
use sigap_router::{Decision, Outcome};
use std::collections::HashMap;
use uuid::Uuid;

/// Who is acting: a person (from their token) or the system.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Recorded as the event's `actor`: a token's subject, or a name such as
    /// `sigap-escalation`.
    pub sub: String,
    /// Recorded as `actor_role`: the role's spelling, or `system`.
    pub role: String,
}

impl Actor {
    /// The person a token names, in the token's role.
    pub fn from_claims(claims: &Claims) -> Actor {
        Actor {
            sub: claims.sub.clone(),
            role: claims.role.as_str().to_owned(),
        }
    }

    /// Sigap itself under `name`, in the role `system` that no caller holds.
    pub fn system(name: &str) -> Actor {
        Actor {
            sub: name.to_owned(),
            role: crate::routing::SYSTEM_ROLE.to_owned(),
        }
    }
}

/// One entry for the history, plus the event partners see.
pub(crate) struct Change<'a> {
    pub(crate) kind: &'a str,
    pub(crate) from: Status,
    pub(crate) to: Status,
    pub(crate) unit: Option<&'a str>,
    pub(crate) note: Option<&'a str>,
    pub(crate) details: Option<serde_json::Value>,
    pub(crate) event: String,
    pub(crate) routing_key: String,
}

pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    actor: &Actor,
    change: Change<'_>,
) -> Result<()> {
    diesel::insert_into(report_events::table)
        .values((
            report_events::report_id.eq(report.id),
            report_events::kind.eq(change.kind),
            report_events::from_status.eq(Term(change.from)),
            report_events::to_status.eq(Term(change.to)),
            report_events::unit_code.eq(change.unit),
            report_events::actor.eq(&actor.sub),
            report_events::actor_role.eq(&actor.role),
            report_events::note.eq(change.note),
            report_events::details.eq(&change.details),
        ))
        .execute(conn)
        .await?;
    let payload = EventPayload {
        event_id: Uuid::now_v7(),
        event: change.event,
        report_id: report.id,
        ticket: report.ticket.clone(),
        status: change.to,
        unit_code: change.unit.map(str::to_owned),
        occurred_at: Utc::now(),
        details: partner_details(change.details),
    };
    outbox::enqueue(conn, &[event_message(change.routing_key, payload)]).await?;
    Ok(())
}

/// The details as partners receive them: what a person wrote (a transfer's
/// `reason`) is personal data, kept in the history for those who may read
/// it and never put on the bus.
fn partner_details(details: Option<serde_json::Value>) -> Option<serde_json::Value> {
    details.map(|mut details| {
        if let Some(object) = details.as_object_mut() {
            object.remove("reason");
        }
        details
    })
}

/// Locks the case `claims` acts on: one the caller may not read is not
/// found, and of those who may read it only UPT staff (their unit's cases)
/// and supervisors change cases.
pub(crate) async fn lock_case(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<ReportRow> {
    let report = report_access::lock_for(conn, claims, id).await?;
    match claims.role {
        Role::Supervisor | Role::UptStaff => Ok(report),
        _ => Err(Error::Forbidden(format!(
            "role {} may not change cases",
            claims.role
        ))),
    }
}

pub(crate) fn check_version(report: &ReportRow, expected: Option<i32>) -> Result<()> {
    match expected {
        Some(v) if v != report.version => Err(Error::StaleVersion {
            current: report.version,
        }),
        _ => Ok(()),
    }
}

/// The column stamped when a report reaches a status.
fn stamp_column(status: Status) -> Option<&'static str> {
    match status {
        Status::Acknowledged => Some("acknowledged_at"),
        Status::Assessing => Some("assessing_at"),
        Status::InService => Some("in_service_at"),
        Status::Resolved => Some("resolved_at"),
        Status::Closed => Some("closed_at"),
        Status::Cancelled | Status::Duplicate => Some("cancelled_at"),
        _ => None,
    }
}

/// Moves a locked report to `to` (a step the machine allows): the status
/// and its time stamp, the stage deadlines, the history entry and the
/// event. Status changes by hand and those that follow the case work
/// (`details` then says what moved it) go through here.
pub(crate) async fn move_case(
    conn: &mut AsyncPgConnection,
    sla: &SlaPolicy,
    report: &ReportRow,
    to: Status,
    actor: &Actor,
    note: Option<&str>,
    details: Option<serde_json::Value>,
) -> Result<()> {
    let id = report.id;
    let stamp = stamp_column(to)
        .map(|c| format!(", {c} = now()"))
        .unwrap_or_default();
    diesel::sql_query(format!(
        "UPDATE reports SET status = $2, updated_at = now(), version = version + 1{stamp} WHERE id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(Term(to))
    .execute(conn)
    .await?;
    // With case work, the serve stage is met by the first delivery of a
    // service (see `casework::deliver_service`), so a case that reaches
    // `in_service` with services planned keeps it open. Moved there by hand
    // with none planned, the case meets it now, as before case work existed.
    let serving = to == Status::InService && crate::casework::has_services(conn, id).await?;
    if !serving {
        let next =
            deadlines::opening_for(conn, sla, to, report.urgency, report.unit_code.as_deref())
                .await?;
        deadlines::apply(
            conn,
            &[Move {
                report_id: id,
                unit_code: report.unit_code.clone(),
                completed: Stage::completed_by(to),
                next,
            }],
        )
        .await?;
    }
    record(
        conn,
        report,
        actor,
        Change {
            kind: "status_changed",
            from: report.status,
            to,
            unit: report.unit_code.as_deref(),
            note,
            details,
            event: format!("report.status.{to}"),
            routing_key: format!("report.status.{to}"),
        },
    )
    .await
}

/// Moves a report along its lifecycle (`POST /v1/reports/{id}/status`).
pub async fn change_status(
    conn: &mut AsyncPgConnection,
    sla: &SlaPolicy,
    claims: &Claims,
    id: Uuid,
    to: Status,
    note: Option<&str>,
    expected_version: Option<i32>,
) -> Result<ReportRow> {
    conn.transaction::<ReportRow, Error, _>(async |conn| {
        let report = lock_case(conn, claims, id).await?;
        let from = report.status;
        if Status::SET_BY_ROUTING.contains(&to) {
            return Err(Error::validation(
                "status",
                "use POST /v1/reports/{id}/transfer or /assign to (re)assign a case",
            ));
        }
        if Status::SUPERVISOR_ONLY.contains(&to) && claims.role != Role::Supervisor {
            return Err(Error::Forbidden(
                "only supervisors cancel cases or mark them duplicate".into(),
            ));
        }
        check_version(&report, expected_version)?;
        Status::transition(from, to)?;
        if to == Status::Resolved {
            let pending = crate::casework::pending(conn, id).await?;
            if !pending.is_empty() {
                return Err(Error::WorkPending(pending));
            }
        }
        move_case(
            conn,
            sla,
            &report,
            to,
            &Actor::from_claims(claims),
            note,
            None,
        )
        .await?;
        report_access::find(conn, id).await
    })
    .await
}

/// Appends a note to a report's history.
pub async fn add_note(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
    note: &str,
) -> Result<()> {
    conn.transaction::<(), Error, _>(async |conn| {
        let report = report_access::lock_for(conn, claims, id).await?;
        if matches!(claims.role, Role::Regional | Role::Admin) {
            return Err(Error::Forbidden(format!(
                "role {} has read-only access to cases",
                claims.role
            )));
        }
        let status = report.status;
        diesel::sql_query("UPDATE reports SET updated_at = now() WHERE id = $1")
            .bind::<SqlUuid, _>(id)
            .execute(conn)
            .await?;
        record(
            conn,
            &report,
            &Actor::from_claims(claims),
            Change {
                kind: "note",
                from: status,
                to: status,
                unit: report.unit_code.as_deref(),
                note: Some(note),
                details: None,
                event: "report.note".into(),
                routing_key: "report.note".into(),
            },
        )
        .await
    })
    .await
}

/// Routes a report again, leaving out every unit that already had it.
fn reroute(cache: &DirectoryCache, report: &ReportRow, loads: &HashMap<String, i64>) -> Decision {
    let mut exclude = report.previous_units.clone();
    exclude.extend(report.unit_code.clone());
    let request = route_request(
        report.category,
        &report.region_code,
        report.latitude.zip(report.longitude),
        &exclude,
    );
    cache
        .directory
        .route(&request, |code| loads.get(code).copied().unwrap_or(0))
}

/// Gives the report to `unit` (status `assigned`, a fresh acknowledgement
/// deadline `opening`), remembering the unit that had it.
async fn move_to_unit(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    unit: &str,
    opening: Option<Opening>,
    escalate: bool,
) -> Result<()> {
    diesel::sql_query(
        "UPDATE reports SET status = $4, unit_code = $2, \
            previous_units = CASE WHEN unit_code IS NULL THEN previous_units ELSE array_append(previous_units, unit_code) END, \
            assigned_at = now(), acknowledged_at = NULL, sla_due_at = NULL, \
            triage_reason = NULL, escalation_level = escalation_level + $3, \
            updated_at = now(), version = version + 1 \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(report.id)
    .bind::<Text, _>(unit)
    .bind::<Int4, _>(i32::from(escalate))
    .bind::<Text, _>(Term(Status::Assigned))
    .execute(conn)
    .await?;
    deadlines::apply(
        conn,
        &[Move {
            report_id: report.id,
            unit_code: Some(unit.to_owned()),
            completed: false,
            next: opening,
        }],
    )
    .await?;
    Ok(())
}

async fn move_to_triage(
    conn: &mut AsyncPgConnection,
    report: &ReportRow,
    reason: &str,
    escalate: bool,
) -> Result<()> {
    diesel::sql_query(
        "UPDATE reports SET status = $4, \
            previous_units = CASE WHEN unit_code IS NULL THEN previous_units ELSE array_append(previous_units, unit_code) END, \
            unit_code = NULL, sla_due_at = NULL, triage_reason = $2, escalation_level = escalation_level + $3, \
            updated_at = now(), version = version + 1 \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(report.id)
    .bind::<Text, _>(reason)
    .bind::<Int4, _>(i32::from(escalate))
    .bind::<Text, _>(Term(Status::NeedsTriage))
    .execute(conn)
    .await?;
    deadlines::apply(
        conn,
        &[Move {
            report_id: report.id,
            unit_code: None,
            completed: false,
            next: None,
        }],
    )
    .await?;
    Ok(())
}

async fn active_unit(conn: &mut AsyncPgConnection, code: &str) -> Result<()> {
    let active: Option<bool> = units::table
        .find(code)
        .select(units::active)
        .first(conn)
        .await
        .optional()?;
    match active {
        Some(true) => Ok(()),
        Some(false) => Err(Error::validation("unit_code", "the unit is not active")),
        None => Err(Error::validation("unit_code", "is not a known unit")),
    }
}

/// Hands a case to another unit (`POST /v1/reports/{id}/transfer`): the named
/// one, or the router's next choice excluding every unit that had it. With
/// `expected_version`, a case changed since is refused
/// ([`Error::StaleVersion`]), as a status change is.
#[allow(clippy::too_many_arguments)]
pub async fn transfer(
    conn: &mut AsyncPgConnection,
    cache: &mut DirectoryCache,
    sla: &SlaPolicy,
    claims: &Claims,
    id: Uuid,
    unit: Option<&str>,
    reason: &str,
    expected_version: Option<i32>,
) -> Result<ReportRow> {
    conn.transaction::<ReportRow, Error, _>(async |conn| {
        cache.refresh(conn).await?;
        let report = lock_case(conn, claims, id).await?;
        check_version(&report, expected_version)?;
        let from = report.status;
        if !from.is_open_at_unit() {
            return Err(Error::illegal(from, Status::Assigned));
        }
        let loads = locked_loads(conn).await?;
        let (target, decision) = match unit {
            Some(code) => {
                if report.unit_code.as_deref() == Some(code) {
                    return Err(Error::validation("unit_code", "the case is already with this unit"));
                }
                active_unit(conn, code).await?;
                (Some(code.to_owned()), None)
            }
            None => {
                let decision = reroute(cache, &report, &loads);
                (decision.unit_code.clone(), Some(decision))
            }
        };
        let details = serde_json::json!({
            "from_unit": report.unit_code, "to_unit": target, "reason": reason, "decision": decision,
        });
        let actor = Actor::from_claims(claims);
        match &target {
            Some(code) => {
                let opening = cache.opening(sla, Status::Assigned, report.urgency, Some(code));
                move_to_unit(conn, &report, code, opening, false).await?
            }
            None => {
                let why = decision.as_ref().map(|d| d.reason.as_str()).unwrap_or("no unit");
                move_to_triage(conn, &report, &format!("transfer found no unit: {why}"), false).await?
            }
        }
        let to = if target.is_some() { Status::Assigned } else { Status::NeedsTriage };
        record(
            conn,
            &report,
            &actor,
            Change {
                kind: "transferred",
                from,
                to,
                unit: target.as_deref(),
                note: Some(reason),
                details: Some(details),
                event: "report.transferred".into(),
                routing_key: "report.transferred".into(),
            },
        )
        .await?;
        report_access::find(conn, id).await
    })
    .await
}

/// A supervisor assigns a case by hand (`POST /v1/reports/{id}/assign`),
/// typically one in `needs_triage`.
pub async fn assign(
    conn: &mut AsyncPgConnection,
    sla: &SlaPolicy,
    claims: &Claims,
    id: Uuid,
    unit: &str,
    note: Option<&str>,
) -> Result<ReportRow> {
    conn.transaction::<ReportRow, Error, _>(async |conn| {
        let report = report_access::lock_for(conn, claims, id).await?;
        let from = report.status;
        if !Status::AWAITING_ASSIGNMENT.contains(&from) {
            return Err(Error::Conflict(format!(
                "only received or needs_triage cases are assigned by hand (this one is {from}); use transfer"
            )));
        }
        active_unit(conn, unit).await?;
        let opening =
            deadlines::opening_for(conn, sla, Status::Assigned, report.urgency, Some(unit)).await?;
        move_to_unit(conn, &report, unit, opening, false).await?;
        record(
            conn,
            &report,
            &Actor::from_claims(claims),
            Change {
                kind: "assigned",
                from,
                to: Status::Assigned,
                unit: Some(unit),
                note,
                details: Some(serde_json::json!({ "manual": true, "by": claims.sub })),
                event: "report.assigned".into(),
                routing_key: format!("report.assigned.{unit}"),
            },
        )
        .await?;
        report_access::find(conn, id).await
    })
    .await
}

/// One escalated case.
#[derive(Debug, Clone)]
pub struct Escalated {
    /// The report escalated.
    pub report_id: Uuid,
    /// Its escalation level now: 1 the first time (to another unit if there
    /// is one), from 2 on to triage.
    pub level: i32,
    /// The unit it went to; `None` when it went to triage.
    pub to_unit: Option<String>,
}

/// Escalates cases not acknowledged by their SLA: at level 1 to the router's
/// next unit (excluding every unit that had it), from level 2 to triage.
/// Several workers may run this at once; `SKIP LOCKED` gives each case to one.
pub async fn escalate_overdue(
    conn: &mut AsyncPgConnection,
    cache: &mut DirectoryCache,
    sla: &SlaPolicy,
    limit: i64,
) -> Result<Vec<Escalated>> {
    conn.transaction::<Vec<Escalated>, Error, _>(async |conn| {
        cache.refresh(conn).await?;
        let overdue: Vec<ReportRow> = reports::table
            .filter(reports::status.eq(Term(Status::Assigned)))
            .filter(reports::sla_due_at.lt(Utc::now()))
            .order(reports::sla_due_at)
            .limit(limit)
            .for_update()
            .skip_locked()
            .select(ReportRow::as_select())
            .load(conn)
            .await?;
        if overdue.is_empty() {
            return Ok(vec![]);
        }
        let mut loads = locked_loads(conn).await?;
        let actor = Actor::system("sigap-escalation");
        let mut done = Vec::with_capacity(overdue.len());
        for report in overdue {
            let level = report.escalation_level + 1;
            let missed = report.unit_code.clone();
            let decision = (level == 1).then(|| reroute(cache, &report, &loads));
            let target = decision
                .as_ref()
                .filter(|d| d.outcome == Outcome::Assigned)
                .and_then(|d| d.unit_code.clone());
            match &target {
                Some(code) => {
                    let opening = cache.opening(sla, Status::Assigned, report.urgency, Some(code));
                    move_to_unit(conn, &report, code, opening, true).await?;
                    *loads.entry(code.clone()).or_default() += 1;
                }
                None => {
                    let reason = match &decision {
                        Some(d) => format!("not acknowledged in time by {}; no other unit: {}", missed.as_deref().unwrap_or("?"), d.reason),
                        None => format!("not acknowledged in time after escalation (last unit {})", missed.as_deref().unwrap_or("?")),
                    };
                    move_to_triage(conn, &report, &reason, true).await?;
                }
            }
            let details = serde_json::json!({
                "level": level, "missed_by": missed, "sla_due_at": report.sla_due_at, "to_unit": target, "decision": decision,
            });
            record(
                conn,
                &report,
                &actor,
                Change {
                    kind: "escalated",
                    from: Status::Assigned,
                    to: if target.is_some() { Status::Assigned } else { Status::NeedsTriage },
                    unit: target.as_deref(),
                    note: None,
                    details: Some(details),
                    event: "report.escalated".into(),
                    routing_key: "report.escalated".into(),
                },
            )
            .await?;
            done.push(Escalated {
                report_id: report.id,
                level,
                to_unit: target,
            });
        }
        Ok(done)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_past_assignment_stamps_its_own_time() {
        for status in Status::ALL {
            let stamped = stamp_column(*status).is_some();
            let expected = !matches!(
                status,
                Status::Received | Status::NeedsTriage | Status::Assigned
            );
            assert_eq!(stamped, expected, "{status}");
        }
    }
}
