//! Assigning received reports: the router's decision applied in one
//! transaction with its event and outbox message.

use crate::bus::{EventPayload, Message};
use crate::db::prepared;
use crate::deadlines::{self, Move, Opening};
use crate::directory;
use crate::error::Result;
use crate::outbox::{self, OutboxMessage};
use crate::schema::report_events;
use crate::vocabulary::Term;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Float8, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::working_time::{Calendar, Schedule};
use sigap_domain::{Category, SlaPolicy, Stage, Status, Urgency};
use sigap_router::{Decision, Directory, Outcome, RouteRequest};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Who the history names for automatic routing.
pub const ROUTER_ACTOR: &str = "sigap-router";
/// The `actor_role` the history records for routing and escalation; no
/// caller can hold it.
pub const SYSTEM_ROLE: &str = "system";

/// The directory as last loaded, reloaded when its version changes.
#[derive(Clone)]
pub struct DirectoryCache {
    /// The directory version loaded (`directory_version`).
    pub version: i64,
    /// The regions, units and rules of that version, as the router reads
    /// them.
    pub directory: Arc<Directory>,
    /// The days off of that version's calendar.
    calendar: Arc<Calendar>,
    /// Each unit's office hours and zone.
    schedules: Arc<HashMap<String, Schedule>>,
}

impl DirectoryCache {
    /// The directory as it is now.
    pub async fn load(conn: &mut AsyncPgConnection) -> Result<DirectoryCache> {
        Ok(DirectoryCache::read(conn).await?)
    }

    async fn read(conn: &mut AsyncPgConnection) -> QueryResult<DirectoryCache> {
        let (version, directory) = directory::load(conn).await?;
        let calendar = crate::calendar::days_off(conn).await?;
        let schedules = deadlines::load_schedules(conn, None).await?;
        Ok(DirectoryCache {
            version,
            directory: Arc::new(directory),
            calendar: Arc::new(calendar),
            schedules: Arc::new(schedules),
        })
    }

    /// The holidays and collective-leave days nobody works.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// When and in which zone `unit` works; the default office hours in WIB
    /// for a unit not in the directory.
    pub fn schedule(&self, unit: Option<&str>) -> Schedule {
        unit.and_then(|code| self.schedules.get(code).copied())
            .unwrap_or_else(deadlines::default_schedule)
    }

    /// The deadline of the stage a case of `urgency` enters on reaching
    /// `status` at `unit` now, if that status has one.
    pub fn opening(
        &self,
        policy: &SlaPolicy,
        status: Status,
        urgency: Urgency,
        unit: Option<&str>,
    ) -> Option<Opening> {
        let stage = Stage::of(status)?;
        Some(Opening::new(
            policy,
            stage,
            urgency,
            Utc::now(),
            &self.schedule(unit),
            self.calendar(),
        ))
    }

    /// Reloads when units or coverage rules changed since the last load.
    pub async fn refresh(&mut self, conn: &mut AsyncPgConnection) -> QueryResult<bool> {
        let version = directory::version(conn).await?;
        if version == self.version {
            return Ok(false);
        }
        *self = DirectoryCache::read(conn).await?;
        tracing::info!(version = self.version, "directory reloaded");
        Ok(true)
    }
}

#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    ticket: String,
    #[diesel(sql_type = Text, deserialize_as = Term<Category>)]
    category: Category,
    #[diesel(sql_type = Text, deserialize_as = Term<Urgency>)]
    urgency: Urgency,
    #[diesel(sql_type = Text)]
    region_code: String,
    #[diesel(sql_type = Nullable<Float8>)]
    latitude: Option<f64>,
    #[diesel(sql_type = Nullable<Float8>)]
    longitude: Option<f64>,
    #[diesel(sql_type = Array<Text>)]
    previous_units: Vec<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

/// What happened to one report of a batch.
#[derive(Debug, Clone)]
pub struct Routed {
    /// The report routed.
    pub report_id: Uuid,
    /// Its ticket.
    pub ticket: String,
    /// The router's decision: the unit or triage, every candidate and why
    /// it lost.
    pub decision: Decision,
    /// When the report was filed, to measure how long routing took.
    pub filed_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = report_events)]
struct NewEvent<'a> {
    report_id: Uuid,
    kind: &'a str,
    from_status: Option<&'a str>,
    to_status: Option<&'a str>,
    unit_code: Option<&'a str>,
    actor: &'a str,
    actor_role: &'a str,
    note: Option<&'a str>,
    details: Option<serde_json::Value>,
}

/// The outcome of [`route_received`].
pub struct BatchOutcome {
    /// The reports this batch assigned or sent to triage, oldest first.
    pub routed: Vec<Routed>,
    /// Ids that were already routed (redeliveries), acknowledged unchanged.
    pub already_routed: Vec<Uuid>,
    /// Ids that name no report at all.
    pub unknown: Vec<Uuid>,
}

/// The router's decision for `request` against the directory and the
/// units' loads now, without assigning anything.
pub async fn preview(conn: &mut AsyncPgConnection, request: &RouteRequest<'_>) -> Result<Decision> {
    let (_, directory) = directory::load(conn).await?;
    let loads = directory::loads(conn).await?;
    Ok(directory.route(request, |code| loads.get(code).copied().unwrap_or(0)))
}

/// Routes every report of `ids` that is still `received`, in one transaction.
/// Unit rows are locked while loads are read and updated, so concurrent
/// workers never push a unit past its capacity unless every candidate is full.
pub async fn route_received(
    conn: &mut AsyncPgConnection,
    cache: &mut DirectoryCache,
    ids: &[Uuid],
    sla: &SlaPolicy,
) -> QueryResult<BatchOutcome> {
    conn.transaction::<BatchOutcome, diesel::result::Error, _>(async |conn| {
        cache.refresh(conn).await?;
        let directory = cache.directory.clone();
        let mut loads = locked_loads(conn).await?;
        let pending: Vec<Pending> = prepared(diesel::sql_query(
            "SELECT id, ticket, category, urgency, region_code, latitude, longitude, previous_units, created_at \
             FROM reports WHERE id = ANY($1) AND status = $2 ORDER BY created_at, id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Text, _>(Term(Status::Received)))
        .load(conn)
        .await?;
        // Redeliveries of routed reports and ids of no report are rare: only
        // then is it worth a look at which is which.
        let (already_routed, unknown) = if pending.len() == ids.len() {
            (vec![], vec![])
        } else {
            let found: Vec<Uuid> =
                prepared(diesel::sql_query("SELECT id FROM reports WHERE id = ANY($1)").bind::<Array<SqlUuid>, _>(ids))
                    .load::<IdRow>(conn)
                    .await?
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
            let pending_ids: Vec<Uuid> = pending.iter().map(|p| p.id).collect();
            let already_routed = found.iter().copied().filter(|id| !pending_ids.contains(id)).collect();
            let unknown = ids.iter().copied().filter(|id| !found.contains(id)).collect();
            (already_routed, unknown)
        };

        let mut routed = Vec::with_capacity(pending.len());
        for report in pending {
            let request = route_request(
                report.category,
                &report.region_code,
                report.latitude.zip(report.longitude),
                &report.previous_units,
            );
            let decision = directory.route(&request, |code| loads.get(code).copied().unwrap_or(0));
            if let Some(unit) = &decision.unit_code {
                *loads.entry(unit.clone()).or_default() += 1;
            }
            routed.push((report, decision));
        }
        if routed.is_empty() {
            return Ok(BatchOutcome {
                routed: vec![],
                already_routed,
                unknown,
            });
        }

        // One statement updates the whole batch.
        let ids: Vec<Uuid> = routed.iter().map(|(r, _)| r.id).collect();
        let statuses: Vec<Term<Status>> = routed.iter().map(|(_, d)| Term(status_of(d))).collect();
        let units: Vec<Option<String>> = routed.iter().map(|(_, d)| d.unit_code.clone()).collect();
        let reasons: Vec<Option<String>> = routed
            .iter()
            .map(|(_, d)| (d.outcome == Outcome::NeedsTriage).then(|| d.reason.clone()))
            .collect();
        // The reports are not locked while they are routed: the unit lock above
        // keeps routing transactions apart, and the status check here skips a
        // report that anyone else changed meanwhile (it is then left out of
        // the events and messages below).
        let taken: Vec<Uuid> = prepared(diesel::sql_query(
            "UPDATE reports r SET status = d.status, unit_code = d.unit_code, triage_reason = d.reason, \
                assigned_at = CASE WHEN d.status = $5 THEN now() END, \
                sla_due_at = NULL, \
                updated_at = now(), version = r.version + 1 \
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) \
                AS d(id, status, unit_code, reason) \
             WHERE r.id = d.id AND r.status = $6 \
             RETURNING r.id",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<Text>, _>(&statuses)
        .bind::<Array<Nullable<Text>>, _>(&units)
        .bind::<Array<Nullable<Text>>, _>(&reasons)
        .bind::<Text, _>(Term(Status::Assigned))
        .bind::<Text, _>(Term(Status::Received)))
        .load::<IdRow>(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        if taken.len() < routed.len() {
            routed.retain(|(r, _)| taken.contains(&r.id));
        }
        // The acknowledgement deadline, in the unit's working time.
        let moves: Vec<Move> = routed
            .iter()
            .filter(|(_, d)| d.outcome == Outcome::Assigned)
            .map(|(r, d)| Move {
                report_id: r.id,
                unit_code: d.unit_code.clone(),
                completed: false,
                next: cache.opening(sla, Status::Assigned, r.urgency, d.unit_code.as_deref()),
            })
            .collect();
        deadlines::apply(conn, &moves).await?;

        let now = Utc::now();
        let events: Vec<NewEvent<'_>> = routed
            .iter()
            .map(|(r, d)| NewEvent {
                report_id: r.id,
                kind: status_of(d).as_str(),
                from_status: Some(Status::Received.as_str()),
                to_status: Some(status_of(d).as_str()),
                unit_code: d.unit_code.as_deref(),
                actor: ROUTER_ACTOR,
                actor_role: SYSTEM_ROLE,
                note: None,
                details: Some(serde_json::to_value(d).expect("decisions serialize")),
            })
            .collect();
        diesel::insert_into(report_events::table)
            .values(&events)
            .execute(conn)
            .await?;
        let messages: Vec<OutboxMessage> = routed
            .iter()
            .map(|(r, d)| decision_message(r.id, &r.ticket, d, now))
            .collect();
        outbox::enqueue(conn, &messages).await?;

        Ok(BatchOutcome {
            routed: routed
                .into_iter()
                .map(|(r, decision)| Routed {
                    report_id: r.id,
                    ticket: r.ticket,
                    decision,
                    filed_at: r.created_at,
                })
                .collect(),
            already_routed,
            unknown,
        })
    })
    .await
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// The status a routing decision gives its report.
fn status_of(decision: &Decision) -> Status {
    match decision.outcome {
        Outcome::Assigned => Status::Assigned,
        Outcome::NeedsTriage => Status::NeedsTriage,
    }
}

/// Open cases per unit, with every unit row locked until the transaction
/// ends, so that concurrent assignments see each other's effect on capacity.
pub(crate) async fn locked_loads(
    conn: &mut AsyncPgConnection,
) -> QueryResult<HashMap<String, i64>> {
    #[derive(QueryableByName)]
    struct Load {
        #[diesel(sql_type = Text)]
        code: String,
        #[diesel(sql_type = Int4)]
        open_cases: i32,
    }
    Ok(prepared(diesel::sql_query(
        "SELECT code, open_cases FROM units ORDER BY code FOR UPDATE",
    ))
    .load::<Load>(conn)
    .await?
    .into_iter()
    .map(|l| (l.code, i64::from(l.open_cases)))
    .collect())
}

/// The router's question for a report, leaving out the units of `exclude`.
pub(crate) fn route_request<'a>(
    category: Category,
    region_code: &'a str,
    location: Option<(f64, f64)>,
    exclude: &'a [String],
) -> RouteRequest<'a> {
    RouteRequest {
        category: category.as_str(),
        region_code,
        location,
        exclude,
    }
}

/// The event announcing a routing decision: `report.assigned.<unit>` or
/// `report.needs_triage`.
pub fn decision_message(
    report_id: Uuid,
    ticket: &str,
    decision: &Decision,
    at: DateTime<Utc>,
) -> OutboxMessage {
    let (event, routing_key) = match &decision.unit_code {
        Some(unit) => ("report.assigned", format!("report.assigned.{unit}")),
        None => ("report.needs_triage", "report.needs_triage".to_owned()),
    };
    event_message(
        routing_key,
        EventPayload {
            event_id: Uuid::now_v7(),
            event: event.to_owned(),
            report_id,
            ticket: ticket.to_owned(),
            status: status_of(decision),
            unit_code: decision.unit_code.clone(),
            occurred_at: at,
            details: Some(
                serde_json::json!({ "reason": decision.reason, "rule_id": decision.rule_id }),
            ),
        },
    )
}

/// An event for `<prefix>.events`, whose message id is the event id.
pub fn event_message(routing_key: String, payload: EventPayload) -> OutboxMessage {
    OutboxMessage {
        message_id: payload.event_id,
        exchange: "events",
        routing_key,
        message: Message::ReportEventV1(payload),
    }
}

/// Marks reports `needs_triage` because routing kept failing (best effort,
/// after their messages were dead-lettered).
pub async fn mark_unroutable(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    reason: &str,
) -> QueryResult<usize> {
    conn.transaction::<usize, diesel::result::Error, _>(async |conn| {
        #[derive(QueryableByName)]
        struct Marked {
            #[diesel(sql_type = SqlUuid)]
            id: Uuid,
            #[diesel(sql_type = Text)]
            ticket: String,
        }
        let marked: Vec<Marked> = diesel::sql_query(
            "UPDATE reports SET status = $3, triage_reason = $2, updated_at = now(), version = version + 1 \
             WHERE id = ANY($1) AND status = $4 RETURNING id, ticket",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Text, _>(reason)
        .bind::<Text, _>(Term(Status::NeedsTriage))
        .bind::<Text, _>(Term(Status::Received))
        .load(conn)
        .await?;
        let now = Utc::now();
        for m in &marked {
            diesel::insert_into(report_events::table)
                .values(NewEvent {
                    report_id: m.id,
                    kind: Status::NeedsTriage.as_str(),
                    from_status: Some(Status::Received.as_str()),
                    to_status: Some(Status::NeedsTriage.as_str()),
                    unit_code: None,
                    actor: ROUTER_ACTOR,
                    actor_role: SYSTEM_ROLE,
                    note: Some(reason),
                    details: None,
                })
                .execute(conn)
                .await?;
            let payload = EventPayload {
                event_id: Uuid::now_v7(),
                event: "report.needs_triage".into(),
                report_id: m.id,
                ticket: m.ticket.clone(),
                status: Status::NeedsTriage,
                unit_code: None,
                occurred_at: now,
                details: Some(serde_json::json!({ "reason": reason })),
            };
            outbox::enqueue(conn, &[event_message("report.needs_triage".into(), payload)]).await?;
        }
        Ok(marked.len())
    })
    .await
}

/// Re-announces, through the outbox, reports still `received` longer than
/// `older_than` after they were filed (or last re-announced): their routing
/// message was lost, purged or dead-lettered. At most `limit` at a time;
/// returns their ids. Several workers may sweep at once: `SKIP LOCKED` and
/// `requeued_at` keep them from announcing the same report together, and a
/// duplicate message would change nothing anyway (routing is idempotent).
pub async fn requeue_stale(
    conn: &mut AsyncPgConnection,
    older_than: std::time::Duration,
    limit: i64,
) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Stale {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text, deserialize_as = Term<Urgency>)]
        urgency: Urgency,
    }
    conn.transaction::<Vec<Uuid>, diesel::result::Error, _>(async |conn| {
        let stale: Vec<Stale> = prepared(
            diesel::sql_query(
                "WITH stale AS ( \
                SELECT id FROM reports \
                WHERE status = $1 AND created_at < now() - $2 * interval '1 second' \
                  AND (requeued_at IS NULL OR requeued_at < now() - $2 * interval '1 second') \
                ORDER BY created_at, id LIMIT $3 \
                FOR UPDATE SKIP LOCKED) \
             UPDATE reports r SET requeued_at = now() FROM stale WHERE r.id = stale.id \
             RETURNING r.id, r.urgency",
            )
            .bind::<Text, _>(Term(Status::Received))
            .bind::<Float8, _>(older_than.as_secs_f64())
            .bind::<diesel::sql_types::BigInt, _>(limit),
        )
        .load(conn)
        .await?;
        let messages: Vec<OutboxMessage> = stale
            .iter()
            .map(|s| {
                OutboxMessage::new(
                    "reports",
                    crate::bus::received_routing_key(s.urgency),
                    Message::ReportReceivedV1 {
                        report_id: s.id,
                        urgency: s.urgency,
                        request_id: None,
                    },
                )
            })
            .collect();
        outbox::enqueue(conn, &messages).await?;
        Ok(stale.into_iter().map(|s| s.id).collect())
    })
    .await
}

/// Seconds since the oldest report still `received` was filed; zero when
/// none is waiting.
pub async fn oldest_received_age(conn: &mut AsyncPgConnection) -> QueryResult<f64> {
    #[derive(QueryableByName)]
    struct Age {
        #[diesel(sql_type = Float8)]
        seconds: f64,
    }
    Ok(prepared(
        diesel::sql_query(
            "SELECT coalesce(extract(epoch FROM now() - min(created_at))::float8, 0) AS seconds \
         FROM reports WHERE status = $1",
        )
        .bind::<Text, _>(Term(Status::Received)),
    )
    .get_result::<Age>(conn)
    .await?
    .seconds)
}
