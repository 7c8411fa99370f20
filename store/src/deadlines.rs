//! Stage deadlines: how long a unit has to acknowledge, assess and first
//! serve a case, in wall-clock or working time. Each stage a case enters
//! opens a row in `report_deadlines` (the open one is mirrored on the
//! report); leaving the stage closes it, met when the case moved on (the
//! serve stage: when the first service is delivered, see
//! [`crate::casework::deliver_service`]). Late
//! acknowledgements escalate (see [`crate::lifecycle::escalate_overdue`]);
//! late later stages alert supervisors ([`alert_overdue`]).

use crate::bus::EventPayload;
use crate::db::prepared;
use crate::outbox::{self, OutboxMessage};
use crate::routing::{DirectoryCache, SYSTEM_ROLE, event_message};
use crate::vocabulary::Term;
use chrono::{DateTime, NaiveTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Nullable, SmallInt, Text, Time, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::working_time::{Allowance, Calendar, OfficeHours, Schedule, Zone};
use sigap_domain::{SlaPolicy, Stage, Status, Urgency};
use std::collections::HashMap;
use uuid::Uuid;

/// Who the history names for deadline alerts.
pub const ALERT_ACTOR: &str = "sigap-deadlines";

/// A stage a case enters, with its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// The stage entered.
    pub stage: Stage,
    /// The time the stage may take.
    pub allowance: Allowance,
    /// When the stage began.
    pub started_at: DateTime<Utc>,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// The zone of the unit's office hours.
    pub zone: Zone,
}

impl Opening {
    /// The deadline of `stage` for a case of `urgency` entering it at `now`
    /// at a unit working on `schedule`.
    pub fn new(
        policy: &SlaPolicy,
        stage: Stage,
        urgency: Urgency,
        now: DateTime<Utc>,
        schedule: &Schedule,
        calendar: &Calendar,
    ) -> Opening {
        let allowance = policy.allowance(stage, urgency);
        Opening {
            stage,
            allowance,
            started_at: now,
            due_at: allowance.due(now, schedule, calendar),
            zone: schedule.zone,
        }
    }
}

/// One report's move between stages: the open stage (if any) is closed,
/// met when `completed`, and `next` (if any) is opened.
#[derive(Debug, Clone)]
pub(crate) struct Move {
    pub report_id: Uuid,
    pub unit_code: Option<String>,
    pub completed: bool,
    pub next: Option<Opening>,
}

/// Applies `moves` in the caller's transaction: closes open stages, opens
/// the next ones and mirrors them on the reports (an acknowledgement
/// deadline also as `sla_due_at`, which escalation reads).
pub(crate) async fn apply(conn: &mut AsyncPgConnection, moves: &[Move]) -> QueryResult<()> {
    if moves.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = moves.iter().map(|m| m.report_id).collect();
    let completed: Vec<bool> = moves.iter().map(|m| m.completed).collect();
    prepared(
        diesel::sql_query(
            "UPDATE report_deadlines d SET closed_at = now(), \
                met_at = CASE WHEN c.completed THEN now() END \
             FROM unnest($1::uuid[], $2::bool[]) AS c(id, completed) \
             WHERE d.report_id = c.id AND d.closed_at IS NULL",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<Bool>, _>(&completed),
    )
    .execute(conn)
    .await?;
    let stages: Vec<Option<Term<Stage>>> = moves
        .iter()
        .map(|m| m.next.map(|o| Term(o.stage)))
        .collect();
    let units: Vec<Option<String>> = moves.iter().map(|m| m.unit_code.clone()).collect();
    let started: Vec<Option<DateTime<Utc>>> =
        moves.iter().map(|m| m.next.map(|o| o.started_at)).collect();
    let due: Vec<Option<DateTime<Utc>>> = moves.iter().map(|m| m.next.map(|o| o.due_at)).collect();
    let allowances: Vec<Option<String>> = moves
        .iter()
        .map(|m| m.next.map(|o| o.allowance.label()))
        .collect();
    let working: Vec<Option<bool>> = moves
        .iter()
        .map(|m| m.next.map(|o| o.allowance.is_working_time()))
        .collect();
    let zones: Vec<Option<&str>> = moves
        .iter()
        .map(|m| m.next.map(|o| o.zone.as_str()))
        .collect();
    prepared(
        diesel::sql_query(
            "INSERT INTO report_deadlines (report_id, stage, unit_code, started_at, due_at, allowance, working, time_zone) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], \
                $6::text[], $7::bool[], $8::text[]) \
                AS o(report_id, stage, unit_code, started_at, due_at, allowance, working, time_zone) \
             WHERE o.stage IS NOT NULL",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<Nullable<Text>>, _>(&stages)
        .bind::<Array<Nullable<Text>>, _>(&units)
        .bind::<Array<Nullable<Timestamptz>>, _>(&started)
        .bind::<Array<Nullable<Timestamptz>>, _>(&due)
        .bind::<Array<Nullable<Text>>, _>(&allowances)
        .bind::<Array<Nullable<Bool>>, _>(&working)
        .bind::<Array<Nullable<Text>>, _>(&zones),
    )
    .execute(conn)
    .await?;
    prepared(
        diesel::sql_query(
            "UPDATE reports r SET deadline_stage = o.stage, deadline_due_at = o.due_at, \
                deadline_allowance = o.allowance, deadline_working = o.working, deadline_time_zone = o.time_zone, \
                sla_due_at = CASE WHEN o.stage = $7 THEN o.due_at ELSE r.sla_due_at END \
             FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::bool[], $6::text[]) \
                AS o(id, stage, due_at, allowance, working, time_zone) \
             WHERE r.id = o.id",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<Nullable<Text>>, _>(&stages)
        .bind::<Array<Nullable<Timestamptz>>, _>(&due)
        .bind::<Array<Nullable<Text>>, _>(&allowances)
        .bind::<Array<Nullable<Bool>>, _>(&working)
        .bind::<Array<Nullable<Text>>, _>(&zones)
        .bind::<Text, _>(Term(Stage::Acknowledge)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Each unit's schedule (or only `unit`'s): its office hours, in the zone
/// of its province (WIB for a province Sigap does not place).
pub async fn load_schedules(
    conn: &mut AsyncPgConnection,
    unit: Option<&str>,
) -> QueryResult<HashMap<String, Schedule>> {
    #[derive(QueryableByName)]
    struct Hours {
        #[diesel(sql_type = Text)]
        code: String,
        #[diesel(sql_type = Text)]
        region_code: String,
        #[diesel(sql_type = Array<SmallInt>)]
        office_days: Vec<i16>,
        #[diesel(sql_type = Time)]
        office_opens: NaiveTime,
        #[diesel(sql_type = Time)]
        office_closes: NaiveTime,
    }
    let rows: Vec<Hours> = prepared(
        diesel::sql_query(
            "SELECT code, region_code, office_days, office_opens, office_closes FROM units \
             WHERE $1::text IS NULL OR code = $1",
        )
        .bind::<Nullable<Text>, _>(unit),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let days: Vec<u8> = row.office_days.iter().map(|&d| d as u8).collect();
            // The table's checks keep the hours valid; a row they let through
            // that the domain refuses still gets the default week.
            let hours =
                OfficeHours::new(&days, row.office_opens, row.office_closes).unwrap_or_default();
            let zone = Zone::for_region(&row.region_code).unwrap_or(Zone::Wib);
            (row.code, Schedule { hours, zone })
        })
        .collect())
}

/// The schedule of units Sigap knows nothing of: default office hours in WIB.
pub fn default_schedule() -> Schedule {
    Schedule {
        hours: OfficeHours::default(),
        zone: Zone::Wib,
    }
}

/// The deadline a case gets on reaching `status` at `unit`, read from the
/// database (for changes made outside the worker's cached directory).
pub(crate) async fn opening_for(
    conn: &mut AsyncPgConnection,
    policy: &SlaPolicy,
    status: Status,
    urgency: Urgency,
    unit: Option<&str>,
) -> QueryResult<Option<Opening>> {
    let Some(stage) = Stage::of(status) else {
        return Ok(None);
    };
    let calendar = crate::calendar::days_off(conn).await?;
    let schedule = match unit {
        Some(code) => load_schedules(conn, Some(code))
            .await?
            .remove(code)
            .unwrap_or_else(default_schedule),
        None => default_schedule(),
    };
    Ok(Some(Opening::new(
        policy,
        stage,
        urgency,
        Utc::now(),
        &schedule,
        &calendar,
    )))
}

/// Recomputes the due times of open working-time deadlines after the
/// calendar or office hours changed, `limit` rows after deadline id `after`
/// in one transaction. Returns how many rows were read and the last id, to
/// go on from (`None` when there are no more). Reports being changed are
/// skipped (`SKIP LOCKED`): their change opens a fresh deadline anyway, or
/// the next run takes them.
pub async fn recompute_working(
    conn: &mut AsyncPgConnection,
    cache: &DirectoryCache,
    after: i64,
    limit: i64,
) -> QueryResult<(usize, Option<i64>)> {
    #[derive(QueryableByName)]
    struct Open {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = SqlUuid)]
        report_id: Uuid,
        #[diesel(sql_type = Nullable<Text>)]
        unit_code: Option<String>,
        #[diesel(sql_type = Timestamptz)]
        started_at: DateTime<Utc>,
        #[diesel(sql_type = Timestamptz)]
        due_at: DateTime<Utc>,
        #[diesel(sql_type = Text)]
        allowance: String,
        #[diesel(sql_type = Text)]
        stage: String,
    }
    conn.transaction::<(usize, Option<i64>), diesel::result::Error, _>(async |conn| {
        let open: Vec<Open> = prepared(
            diesel::sql_query(
                "SELECT d.id, d.report_id, d.unit_code, d.started_at, d.due_at, d.allowance, d.stage \
                 FROM report_deadlines d JOIN reports r ON r.id = d.report_id \
                 WHERE d.closed_at IS NULL AND d.working AND d.id > $1 \
                 ORDER BY d.id LIMIT $2 FOR UPDATE OF r SKIP LOCKED",
            )
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(limit),
        )
        .load(conn)
        .await?;
        let last = open.last().map(|o| o.id);
        let read = open.len();
        let mut ids = vec![];
        let mut reports = vec![];
        let mut dues = vec![];
        let mut acknowledge = vec![];
        for row in &open {
            let Ok(allowance) = Allowance::parse(&row.allowance, |_| Err(String::new())) else {
                continue;
            };
            let schedule = cache.schedule(row.unit_code.as_deref());
            let due = allowance.due(row.started_at, &schedule, cache.calendar());
            if due != row.due_at {
                ids.push(row.id);
                reports.push(row.report_id);
                dues.push(due);
                acknowledge.push(row.stage == Stage::Acknowledge.as_str());
            }
        }
        if !ids.is_empty() {
            prepared(
                diesel::sql_query(
                    "UPDATE report_deadlines d SET due_at = c.due_at \
                     FROM unnest($1::bigint[], $2::timestamptz[]) AS c(id, due_at) WHERE d.id = c.id",
                )
                .bind::<Array<BigInt>, _>(&ids)
                .bind::<Array<Timestamptz>, _>(&dues),
            )
            .execute(conn)
            .await?;
            prepared(
                diesel::sql_query(
                    "UPDATE reports r SET deadline_due_at = c.due_at, \
                        sla_due_at = CASE WHEN c.acknowledge THEN c.due_at ELSE r.sla_due_at END \
                     FROM unnest($1::uuid[], $2::timestamptz[], $3::bool[]) AS c(id, due_at, acknowledge) \
                     WHERE r.id = c.id",
                )
                .bind::<Array<SqlUuid>, _>(&reports)
                .bind::<Array<Timestamptz>, _>(&dues)
                .bind::<Array<Bool>, _>(&acknowledge),
            )
            .execute(conn)
            .await?;
        }
        Ok((read, last.filter(|_| read as i64 == limit)))
    })
    .await
}

/// A later stage that went past its due time, alerted.
#[derive(Debug, Clone, QueryableByName)]
pub struct Alerted {
    /// The report.
    #[diesel(sql_type = SqlUuid)]
    pub report_id: Uuid,
    /// Its ticket.
    #[diesel(sql_type = Text)]
    pub ticket: String,
    /// Its status.
    #[diesel(sql_type = Text, deserialize_as = Term<Status>)]
    pub status: Status,
    /// The unit that has it.
    #[diesel(sql_type = Nullable<Text>)]
    pub unit_code: Option<String>,
    /// The stage overdue.
    #[diesel(sql_type = Text, deserialize_as = Term<Stage>)]
    pub stage: Stage,
    /// When it was due.
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    /// The stage's allowance (`2wd`).
    #[diesel(sql_type = Text)]
    pub allowance: String,
}

/// Alerts supervisors of assess and serve stages past due, at most `limit`
/// at once: each gets `alerted_at`, a `deadline_missed` event in its history
/// and a `report.overdue.<stage>` event for partners. The case stays where
/// it is (only a missed acknowledgement reroutes). Several workers may run
/// this at once: `SKIP LOCKED` gives each deadline to one of them.
pub async fn alert_overdue(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Alerted>> {
    conn.transaction::<Vec<Alerted>, diesel::result::Error, _>(async |conn| {
        let alerted: Vec<Alerted> = prepared(
            diesel::sql_query(
                "WITH due AS ( \
                    SELECT id FROM report_deadlines \
                    WHERE closed_at IS NULL AND alerted_at IS NULL AND stage <> $1 AND due_at < now() \
                    ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 UPDATE report_deadlines d SET alerted_at = now() FROM due, reports r \
                 WHERE d.id = due.id AND r.id = d.report_id \
                 RETURNING d.report_id, r.ticket, r.status, d.unit_code, d.stage, d.due_at, d.allowance",
            )
            .bind::<Text, _>(Term(Stage::Acknowledge))
            .bind::<BigInt, _>(limit),
        )
        .load(conn)
        .await?;
        if alerted.is_empty() {
            return Ok(alerted);
        }
        let now = Utc::now();
        let mut messages: Vec<OutboxMessage> = Vec::with_capacity(alerted.len());
        for a in &alerted {
            let details = serde_json::json!({
                "stage": a.stage, "due_at": a.due_at, "allowance": a.allowance,
            });
            diesel::insert_into(crate::schema::report_events::table)
                .values((
                    crate::schema::report_events::report_id.eq(a.report_id),
                    crate::schema::report_events::kind.eq("deadline_missed"),
                    crate::schema::report_events::from_status.eq(Term(a.status)),
                    crate::schema::report_events::to_status.eq(Term(a.status)),
                    crate::schema::report_events::unit_code.eq(&a.unit_code),
                    crate::schema::report_events::actor.eq(ALERT_ACTOR),
                    crate::schema::report_events::actor_role.eq(SYSTEM_ROLE),
                    crate::schema::report_events::details.eq(Some(&details)),
                ))
                .execute(conn)
                .await?;
            messages.push(event_message(
                format!("report.overdue.{}", a.stage),
                EventPayload {
                    event_id: Uuid::now_v7(),
                    event: "report.overdue".into(),
                    report_id: a.report_id,
                    ticket: a.ticket.clone(),
                    status: a.status,
                    unit_code: a.unit_code.clone(),
                    occurred_at: now,
                    details: Some(details),
                },
            ));
        }
        outbox::enqueue(conn, &messages).await?;
        Ok(alerted)
    })
    .await
}
