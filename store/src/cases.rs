//! A unit's work queue: the cases it holds, urgent first, read page by page,
//! with a version that changes whenever one of them does and a notification
//! channel that says which unit changed.

use crate::db::prepared;
use crate::error::Result;
use crate::vocabulary::{NullableTerm, Term, spellings};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use serde::Serialize;
use sigap_domain::{Category, Need, Stage, Status, Urgency};
use uuid::Uuid;

/// A case in a unit's queue (no personal data).
#[derive(Debug, Clone, QueryableByName)]
pub struct QueuedCase {
    /// The report's id (UUIDv7, time-ordered).
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// The ticket the reporter tracks the case by, such as `CC-2026-000123`.
    #[diesel(sql_type = Text)]
    pub ticket: String,
    /// Where the case is in its lifecycle; one of [`Status::OPEN_AT_UNIT`]
    /// unless the filter asked for others.
    #[diesel(sql_type = Text, deserialize_as = Term<Status>)]
    pub status: Status,
    /// The target group of the people the report is about (`child`, …).
    #[diesel(sql_type = Text, deserialize_as = Term<Category>)]
    pub category: Category,
    /// What those people need (`assistive_device`, `protection`, …).
    #[diesel(sql_type = Text, deserialize_as = Term<Need>)]
    pub need: Need,
    /// How soon the unit must acknowledge the case; the queue's first order.
    #[diesel(sql_type = Text, deserialize_as = Term<Urgency>)]
    pub urgency: Urgency,
    /// The report's region, a Kemendagri code (`13.03`).
    #[diesel(sql_type = Text)]
    pub region_code: String,
    /// How many people need help (at least 1).
    #[diesel(sql_type = Int4)]
    pub beneficiary_count: i32,
    /// When the unit must acknowledge the case, set at each assignment; an
    /// `assigned` case past it is escalated.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub sla_due_at: Option<DateTime<Utc>>,
    /// How often the case was escalated for missing that time (0: never).
    #[diesel(sql_type = Int4)]
    pub escalation_level: i32,
    /// Raised by every change to the report; a status change may require it
    /// (`expected_version`).
    #[diesel(sql_type = Int4)]
    pub version: i32,
    /// When the report was filed; the queue's second order.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// When the report last changed (a note counts); what
    /// [`QueueFilter::updated_since`] compares.
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    /// When the unit that has the case got it.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub assigned_at: Option<DateTime<Utc>>,
    /// When that unit acknowledged it; cleared by a transfer or an
    /// escalation.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Urgency rank, the first part of the queue's order.
    #[diesel(sql_type = Int4)]
    pub rank: i32,
    /// The stage whose deadline is open.
    #[diesel(sql_type = Nullable<Text>, deserialize_as = NullableTerm<Stage>)]
    pub deadline_stage: Option<Stage>,
    /// When that stage is due.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub deadline_due_at: Option<DateTime<Utc>>,
    /// Its allowance as configured (`2wd`).
    #[diesel(sql_type = Nullable<Text>)]
    pub deadline_allowance: Option<String>,
    /// Whether it counts working time.
    #[diesel(sql_type = Nullable<diesel::sql_types::Bool>)]
    pub deadline_working: Option<bool>,
    /// The zone of the unit's office hours.
    #[diesel(sql_type = Nullable<Text>)]
    pub deadline_time_zone: Option<String>,
}

/// Where a queue page resumes: after this rank, creation time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCursor {
    /// The urgency rank of the last case read (0 `critical`, 1 `high`,
    /// 2 `normal`).
    pub rank: i32,
    /// Its filing time.
    pub created_at: DateTime<Utc>,
    /// Its id, which orders cases filed at the same time.
    pub id: Uuid,
}

impl QueueCursor {
    /// The cursor after `case`.
    pub fn after(case: &QueuedCase) -> QueueCursor {
        QueueCursor {
            rank: case.rank,
            created_at: case.created_at,
            id: case.id,
        }
    }
}

/// Which cases of a unit's queue to read.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    /// Statuses to include; the open ones ([`Status::OPEN_AT_UNIT`]) by default.
    pub statuses: Vec<Status>,
    /// Only cases of this urgency.
    pub urgency: Option<Urgency>,
    /// Only cases changed after this time.
    pub updated_since: Option<DateTime<Utc>>,
    /// Resume after this case (the previous page's last); `None` from the
    /// start.
    pub after: Option<QueueCursor>,
}

impl Default for QueueFilter {
    fn default() -> QueueFilter {
        QueueFilter {
            statuses: Status::OPEN_AT_UNIT.to_vec(),
            urgency: None,
            updated_since: None,
            after: None,
        }
    }
}

/// The arguments of `queue_page.sql`, by name.
#[derive(Serialize)]
struct QueueQuestion<'a> {
    unit: &'a str,
    statuses: Vec<&'static str>,
    urgency: Option<&'static str>,
    updated_since: Option<DateTime<Utc>>,
    after_rank: Option<i32>,
    after_created: Option<DateTime<Utc>>,
    after_id: Option<Uuid>,
    page_size: i64,
}

/// Microsecond precision, as the database keeps times: a finer instant would
/// be rounded in text form, where a bound value is truncated.
fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// The version of a unit's queue (0 before its first case), or `None` when
/// there is no such unit: one round trip, so that a poll answered "not
/// modified" costs a single query.
pub async fn queue_version(conn: &mut AsyncPgConnection, unit: &str) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = BigInt)]
        version: i64,
    }
    let version: Option<Version> = prepared(
        diesel::sql_query(
            "SELECT coalesce(q.version, 0) AS version FROM units u \
             LEFT JOIN unit_queues q ON q.unit_code = u.code WHERE u.code = $1",
        )
        .bind::<Text, _>(unit),
    )
    .get_result(conn)
    .await
    .optional()?;
    Ok(version.map(|v| v.version))
}

/// At most `limit` cases of `unit`'s queue matching `filter`, urgent first,
/// then oldest first. The caller checks first that it may read the queue
/// ([`crate::reports::Visibility::covers_unit`]).
pub async fn queue_page(
    conn: &mut AsyncPgConnection,
    unit: &str,
    filter: &QueueFilter,
    limit: i64,
) -> Result<Vec<QueuedCase>> {
    let question = QueueQuestion {
        unit,
        statuses: spellings(&filter.statuses),
        urgency: filter.urgency.map(Urgency::as_str),
        updated_since: filter.updated_since.map(to_micros),
        after_rank: filter.after.map(|c| c.rank),
        after_created: filter.after.map(|c| to_micros(c.created_at)),
        after_id: filter.after.map(|c| c.id),
        page_size: limit,
    };
    let question = serde_json::to_value(&question).expect("a queue question serializes");
    Ok(
        prepared(
            diesel::sql_query(include_str!("cases/queue_page.sql")).bind::<Jsonb, _>(question),
        )
        .load(conn)
        .await?,
    )
}

/// Listens for changes of any unit's queue (a trigger notifies the unit's
/// code whenever one of its cases changes) and hands each unit code to
/// `changed`, until the connection ends.
pub async fn watch_queues(database_url: &str, mut changed: impl FnMut(String)) -> Result<()> {
    let mut conn = crate::db::listen(database_url, "sigap_unit_queue").await?;
    let mut notifications = std::pin::pin!(conn.notifications_stream());
    while let Some(notification) = notifications.next().await {
        changed(notification?.payload);
    }
    Ok(())
}
