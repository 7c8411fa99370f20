//! Webhooks: subscriptions, the deliveries owed to them, and how each
//! delivery is signed. The worker fans events out into deliveries and sends
//! them with retries; everything is recorded for the subscriber to inspect.

use crate::bus::EventPayload;
use crate::db::prepared;
use crate::error::{Error, Result};
use crate::schema::{webhook_deliveries, webhook_subscriptions};
use crate::vocabulary::Term;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Int4, Int8, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sigap_domain::{FieldError, Role};
use std::time::Duration;
use uuid::Uuid;

pub mod address;

/// Subscriptions one owner may hold: each costs fan-out work on every event.
pub const MAX_SUBSCRIPTIONS_PER_OWNER: i64 = 20;

/// SQL condition on a subscription `s`: its owner is not a revoked client.
/// Revoking a client stops its webhooks through this at once, in the
/// statement that revokes it ([`deactivate_for_owner`] records it on the
/// subscriptions too).
macro_rules! owner_not_revoked {
    () => {
        "NOT EXISTS (SELECT 1 FROM api_clients c WHERE c.id = s.owner AND NOT c.active)"
    };
}

/// Attempts after the first, as multiples of the configured base delay
/// (1 s by default: 1 s, 5 s, 30 s, 2 min, 10 min, 1 h).
pub const RETRY_MULTIPLIERS: &[u32] = &[1, 5, 30, 120, 600, 3600];
/// Failed attempts in a row after which a subscription is paused.
pub const PAUSE_AFTER_FAILURES: i32 = 10;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Whether an event name (`report.status.acknowledged`) matches a pattern:
/// `*` stands for one segment, `#` for any number of them. Patterns hold at
/// most one `#` ([`check_patterns`]), which keeps this linear in the
/// event's length times the pattern's.
pub fn matches(pattern: &str, event: &str) -> bool {
    fn go(p: &[&str], e: &[&str]) -> bool {
        match (p.first(), e.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], e) || (!e.is_empty() && go(p, &e[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &e[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &e[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let e: Vec<&str> = event.split('.').collect();
    go(&p, &e)
}

/// A subscription as stored, without its secret.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct Subscription {
    /// The subscription's id (UUIDv7).
    pub id: Uuid,
    /// The `sub` of the token that subscribed; only that subscriber and
    /// admins see the subscription.
    pub owner: String,
    /// Where deliveries are POSTed; checked again before every attempt.
    pub url: String,
    /// Event patterns: `report.assigned`, `report.status.*`, `report.#`.
    pub events: Vec<String>,
    /// False once paused; `paused_reason` says why.
    pub active: bool,
    /// Why it was paused, with the last error.
    pub paused_reason: Option<String>,
    /// Failed attempts since the last success; at
    /// [`PAUSE_AFTER_FAILURES`] the subscription is paused.
    pub consecutive_failures: i32,
    /// When it was created; [`list`] is in this order.
    pub created_at: DateTime<Utc>,
}

/// One delivery of one event to one subscription.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    /// Increasing: [`deliveries`] lists the newest first by it.
    pub id: i64,
    /// The event's id, sent as `Sigap-Event-Id`; one delivery per
    /// subscription and event.
    pub event_id: Uuid,
    /// The event's name (`report.assigned`, …), sent as `Sigap-Event`.
    pub event: String,
    /// `pending`, `delivered` or `failed` (gave up after every retry).
    pub status: String,
    /// Attempts so far, counting one under way.
    pub attempts: i32,
    /// When the next attempt is due, while `pending`.
    pub next_attempt_at: DateTime<Utc>,
    /// The HTTP status of the last answer; `None` when the last attempt got
    /// no answer, or before the first.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed; cleared by a success.
    pub last_error: Option<String>,
    /// When the event was fanned out to the subscription.
    pub created_at: DateTime<Utc>,
    /// When the subscriber answered 2xx.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Checks event patterns: dot-separated segments of letters, digits, `_`,
/// `-`, or a lone `*` / `#`, with at most one `#` (each more would multiply
/// the work of matching every event).
pub fn check_patterns(events: &[String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if events.is_empty() || events.len() > 20 {
        errors.push(FieldError::new(
            "events",
            "must list 1 to 20 event patterns",
        ));
    }
    for (i, pattern) in events.iter().enumerate() {
        let ok = pattern.len() <= 100
            && pattern.split('.').all(|segment| {
                segment == "*"
                    || segment == "#"
                    || !segment.is_empty()
                        && segment
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
        if !ok {
            errors.push(FieldError::new(
                format!("events[{i}]"),
                "must be an event name or pattern such as report.assigned, report.status.* or report.#",
            ));
        } else if pattern.split('.').filter(|segment| *segment == "#").count() > 1 {
            errors.push(FieldError::new(
                format!("events[{i}]"),
                "may hold at most one # segment",
            ));
        }
    }
    errors
}

/// Creates a subscription of `owner` (acting as `owner_role`) for a URL
/// checked by [`address::check`]; an owner holds at most
/// [`MAX_SUBSCRIPTIONS_PER_OWNER`] ([`Error::Conflict`] beyond).
pub async fn subscribe(
    conn: &mut AsyncPgConnection,
    owner: &str,
    owner_role: Role,
    url: &address::WebhookUrl,
    events: &[String],
    secret: &str,
) -> Result<Subscription> {
    conn.transaction::<_, Error, _>(async |conn| {
            // Two concurrent subscriptions of one owner count one after the other.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('webhooks:' || $1, 0))")
                .bind::<Text, _>(owner)
                .execute(conn)
                .await?;
            let held: i64 = webhook_subscriptions::table
                .filter(webhook_subscriptions::owner.eq(owner))
                .count()
                .get_result(conn)
                .await?;
            if held >= MAX_SUBSCRIPTIONS_PER_OWNER {
                return Err(Error::Conflict(format!(
                    "an owner may hold at most {MAX_SUBSCRIPTIONS_PER_OWNER} webhook subscriptions; delete one first"
                )));
            }
            Ok(diesel::insert_into(webhook_subscriptions::table)
                .values((
                    webhook_subscriptions::id.eq(Uuid::now_v7()),
                    webhook_subscriptions::owner.eq(owner),
                    webhook_subscriptions::owner_role.eq(Term(owner_role)),
                    webhook_subscriptions::url.eq(url.as_str()),
                    webhook_subscriptions::events.eq(events),
                    webhook_subscriptions::secret.eq(secret),
                ))
                .returning(Subscription::as_returning())
                .get_result(conn)
                .await?)
    })
    .await
}

/// Subscriptions of `owner` (all of them for `None`).
pub async fn list(conn: &mut AsyncPgConnection, owner: Option<&str>) -> Result<Vec<Subscription>> {
    let mut q = webhook_subscriptions::table
        .order(webhook_subscriptions::created_at)
        .select(Subscription::as_select())
        .into_boxed();
    if let Some(owner) = owner {
        q = q.filter(webhook_subscriptions::owner.eq(owner.to_owned()));
    }
    Ok(q.load(conn).await?)
}

/// The subscription, if `owner` (or anyone, for `None`) may see it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: Option<&str>,
) -> Result<Subscription> {
    let found: Subscription = webhook_subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .await?;
    match owner {
        Some(owner) if owner != found.owner => Err(Error::NotFound),
        _ => Ok(found),
    }
}

/// Deletes a subscription, if `owner` (or anyone, for `None`) may see it.
pub async fn unsubscribe(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: Option<&str>,
) -> Result<()> {
    find(conn, id, owner).await?;
    diesel::delete(webhook_subscriptions::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// The latest deliveries of a subscription, newest first.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    limit: i64,
) -> Result<Vec<Delivery>> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(id))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
        .await?)
}

/// Creates the deliveries a batch of events owes its subscribers in two
/// statements, whatever the batch's size (idempotent: an
/// event redelivered by the broker creates nothing new). Integrators'
/// subscriptions get only the events of reports they filed. Paused
/// subscriptions keep receiving deliveries, sent once resumed; those of a
/// revoked client get none.
pub async fn fan_out(conn: &mut AsyncPgConnection, events: &[EventPayload]) -> Result<usize> {
    #[derive(QueryableByName)]
    struct Candidate {
        /// Index of the event in the batch (from 1).
        #[diesel(sql_type = Int8)]
        event: i64,
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Array<Text>)]
        events: Vec<String>,
    }
    if events.is_empty() {
        return Ok(0);
    }
    let report_ids: Vec<Uuid> = events.iter().map(|e| e.report_id).collect();
    let candidates: Vec<Candidate> = prepared(
        diesel::sql_query(concat!(
            "SELECT e.n AS event, s.id, s.events \
                 FROM unnest($1::uuid[]) WITH ORDINALITY AS e(report_id, n) \
                 JOIN webhook_subscriptions s ON ",
            owner_not_revoked!(),
            " WHERE s.owner_role <> $2 \
                    OR s.owner = (SELECT filed_by FROM reports WHERE id = e.report_id)"
        ))
        .bind::<Array<SqlUuid>, _>(&report_ids)
        .bind::<Text, _>(Term(Role::Integrator)),
    )
    .load(conn)
    .await?;
    let owed: Vec<(Uuid, &EventPayload)> = candidates
        .iter()
        .filter_map(|c| {
            let event = events.get(usize::try_from(c.event).ok()?.checked_sub(1)?)?;
            let wanted = c.events.iter().any(|p| matches(p, &event.event));
            wanted.then_some((c.id, event))
        })
        .collect();
    if owed.is_empty() {
        return Ok(0);
    }
    let subscriptions: Vec<Uuid> = owed.iter().map(|(s, _)| *s).collect();
    let event_ids: Vec<Uuid> = owed.iter().map(|(_, e)| e.event_id).collect();
    let names: Vec<&str> = owed.iter().map(|(_, e)| e.event.as_str()).collect();
    let payloads: Vec<serde_json::Value> = owed
        .iter()
        .map(|(_, e)| serde_json::to_value(e).expect("events serialize"))
        .collect();
    Ok(prepared(
        diesel::sql_query(
            "INSERT INTO webhook_deliveries (subscription_id, event_id, event, payload) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[]) \
             ON CONFLICT (subscription_id, event_id) DO NOTHING",
        )
        .bind::<Array<SqlUuid>, _>(&subscriptions)
        .bind::<Array<SqlUuid>, _>(&event_ids)
        .bind::<Array<Text>, _>(&names)
        .bind::<Array<Jsonb>, _>(&payloads),
    )
    .execute(conn)
    .await?)
}

/// A delivery claimed for one attempt.
#[derive(Debug, Clone, QueryableByName)]
pub struct Due {
    /// The delivery's id.
    #[diesel(sql_type = Int8)]
    pub id: i64,
    /// The subscription it is owed to.
    #[diesel(sql_type = SqlUuid)]
    pub subscription_id: Uuid,
    /// Sent as `Sigap-Event-Id`.
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    /// Sent as `Sigap-Event`.
    #[diesel(sql_type = Text)]
    pub event: String,
    /// The body to POST: the event as published ([`EventPayload`]).
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
    /// Attempts including this one (from 1); it picks the delay before the
    /// next.
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    /// The subscription's URL.
    #[diesel(sql_type = Text)]
    pub url: String,
    /// The subscription's secret, which signs the body ([`signature`]).
    #[diesel(sql_type = Text)]
    pub secret: String,
}

/// Deliveries of one subscription already under way in this process.
#[derive(Debug, Clone, Copy)]
pub struct Busy {
    /// The subscription.
    pub subscription_id: Uuid,
    /// Its attempts in flight.
    pub in_flight: i32,
}

/// Claims due deliveries for one attempt each, at most `limit` in all and at
/// most `per_subscription` in flight for any subscription (counting those
/// `busy` already), oldest due first: every subscription has its own queue,
/// so a slow subscriber holds back only its own deliveries. The claim pushes
/// their next attempt a minute ahead, so a worker that dies mid-attempt only
/// delays them; concurrent workers skip each other's claims.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    limit: i64,
    per_subscription: i32,
    busy: &[Busy],
) -> Result<Vec<Due>> {
    let busy_ids: Vec<Uuid> = busy.iter().map(|b| b.subscription_id).collect();
    let busy_counts: Vec<i32> = busy.iter().map(|b| b.in_flight).collect();
    Ok(prepared(
        diesel::sql_query(concat!(
            "WITH due AS ( \
                 SELECT d.id FROM webhook_subscriptions s \
                 LEFT JOIN unnest($2::uuid[], $3::int4[]) AS busy(subscription_id, n) \
                     ON busy.subscription_id = s.id \
                 CROSS JOIN LATERAL ( \
                     SELECT d.id, d.next_attempt_at FROM webhook_deliveries d \
                     WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= now() \
                     ORDER BY d.next_attempt_at, d.id \
                     LIMIT greatest($4 - coalesce(busy.n, 0), 0) \
                     FOR UPDATE OF d SKIP LOCKED) d \
                 WHERE s.active AND ",
            owner_not_revoked!(),
            " ORDER BY d.next_attempt_at LIMIT $1) \
             UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + interval '60 seconds' \
             FROM due, webhook_subscriptions s \
             WHERE d.id = due.id AND s.id = d.subscription_id \
             RETURNING d.id, d.subscription_id, d.event_id, d.event, d.payload, d.attempts, s.url, s.secret"
        ))
        .bind::<Int8, _>(limit)
        .bind::<Array<SqlUuid>, _>(&busy_ids)
        .bind::<Array<Int4>, _>(&busy_counts)
        .bind::<Int4, _>(per_subscription),
    )
    .load(conn)
    .await?)
}

/// Records a successful attempt.
pub async fn delivered(conn: &mut AsyncPgConnection, due: &Due, status_code: i32) -> Result<()> {
    diesel::sql_query(
        "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $2, last_error = NULL \
         WHERE id = $1",
    )
    .bind::<Int8, _>(due.id)
    .bind::<Int4, _>(status_code)
    .execute(conn)
    .await?;
    diesel::sql_query("UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = $1")
        .bind::<SqlUuid, _>(due.subscription_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt, with the coarse class of its failure
/// (`timeout`, `http_500`, `refused_address`, …, never the raw error, which
/// would make the log a port scanner): schedules the next one, or gives up
/// after the last; pauses a subscription that keeps failing.
pub async fn failed(
    conn: &mut AsyncPgConnection,
    due: &Due,
    status_code: Option<i32>,
    error: &str,
    retry_base: Duration,
) -> Result<()> {
    let retry = RETRY_MULTIPLIERS
        .get(due.attempts as usize - 1)
        .map(|m| retry_base * *m);
    let next: Option<DateTime<Utc>> =
        retry.map(|d| Utc::now() + chrono::Duration::from_std(d).unwrap_or_default());
    diesel::sql_query(
        "UPDATE webhook_deliveries SET status = CASE WHEN $2::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, \
            next_attempt_at = coalesce($2, next_attempt_at), last_status_code = $3, last_error = $4 \
         WHERE id = $1",
    )
    .bind::<Int8, _>(due.id)
    .bind::<diesel::sql_types::Nullable<Timestamptz>, _>(next)
    .bind::<diesel::sql_types::Nullable<Int4>, _>(status_code)
    .bind::<Text, _>(error)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1, \
            active = active AND consecutive_failures + 1 < $2, \
            paused_reason = CASE WHEN consecutive_failures + 1 >= $2 AND active \
                THEN 'paused after ' || (consecutive_failures + 1) || ' failed attempts in a row; last error: ' || $3 \
                ELSE paused_reason END \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(due.subscription_id)
    .bind::<Int4, _>(PAUSE_AFTER_FAILURES)
    .bind::<Text, _>(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Resumes a paused subscription of `owner` (or anyone's, for `None`): it is
/// active again, its failure count starts over, and its pending deliveries
/// (kept while it was paused, including events that came meanwhile) are due
/// at once. Resuming an active subscription changes nothing but the count. A
/// subscription of a revoked client stays off ([`Error::Conflict`]).
pub async fn resume(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: Option<&str>,
) -> Result<Subscription> {
    conn.transaction::<_, Error, _>(async |conn| {
        find(conn, id, owner).await?;
        let resumed: Option<Subscription> = diesel::update(webhook_subscriptions::table.find(id))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "NOT EXISTS (SELECT 1 FROM api_clients c \
                 WHERE c.id = webhook_subscriptions.owner AND NOT c.active)",
            ))
            .set((
                webhook_subscriptions::active.eq(true),
                webhook_subscriptions::paused_reason.eq(None::<String>),
                webhook_subscriptions::consecutive_failures.eq(0),
            ))
            .returning(Subscription::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(resumed) = resumed else {
            return Err(Error::Conflict(
                "the subscription's client was revoked; it cannot be resumed".into(),
            ));
        };
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::subscription_id.eq(id))
                .filter(webhook_deliveries::status.eq("pending"))
                .filter(webhook_deliveries::next_attempt_at.gt(diesel::dsl::now)),
        )
        .set(webhook_deliveries::next_attempt_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        Ok(resumed)
    })
    .await
}

/// Sends a delivery that gave up (`failed`) once more, now: it is `pending`
/// again with one attempt left, and sent as soon as its subscription is
/// active. A pending delivery is only made due now; a delivered one is an
/// [`Error::Conflict`]. `owner` as for [`find`].
pub async fn retry(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    delivery_id: i64,
    owner: Option<&str>,
) -> Result<Delivery> {
    conn.transaction::<_, Error, _>(async |conn| {
        find(conn, subscription_id, owner).await?;
        let current: Delivery = webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(subscription_id))
            .filter(webhook_deliveries::id.eq(delivery_id))
            .select(Delivery::as_select())
            .for_update()
            .first(conn)
            .await?;
        if current.status == "delivered" {
            return Err(Error::Conflict(
                "the delivery was delivered already; only failed or pending ones can be retried"
                    .into(),
            ));
        }
        // A failed delivery used every attempt of the schedule: its next
        // attempt is then its last.
        Ok(diesel::update(webhook_deliveries::table.find(delivery_id))
            .set((
                webhook_deliveries::status.eq("pending"),
                webhook_deliveries::next_attempt_at.eq(diesel::dsl::now),
            ))
            .returning(Delivery::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

/// Turns off every subscription of `owner` (a client being revoked), saying
/// so in `paused_reason`; its pending deliveries are never sent (see
/// [`claim_due`]) and no event is fanned out to it again. Returns how many
/// were turned off.
pub async fn deactivate_for_owner(conn: &mut AsyncPgConnection, owner: &str) -> Result<usize> {
    Ok(
        diesel::update(webhook_subscriptions::table.filter(webhook_subscriptions::owner.eq(owner)))
            .set((
                webhook_subscriptions::active.eq(false),
                webhook_subscriptions::paused_reason.eq("deactivated: its client was revoked"),
            ))
            .execute(conn)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_amqp_topics() {
        assert!(matches("report.assigned", "report.assigned"));
        assert!(matches("report.status.*", "report.status.acknowledged"));
        assert!(!matches("report.status.*", "report.status"));
        assert!(matches("report.#", "report.status.closed"));
        assert!(matches("#", "report.note"));
        assert!(!matches("report.assigned", "report.assigned.extra"));
        assert!(!matches("report.transferred", "report.escalated"));
    }

    #[test]
    fn the_signature_is_an_hmac_of_timestamp_and_body() {
        // Reference value computed independently (echo -n "1700000000.{}" | openssl dgst -sha256 -hmac s3cret).
        let sig = signature("s3cret", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "t=1700000000,v1=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf"
        );
        assert_ne!(sig, signature("other", 1_700_000_000, b"{}"));
    }

    #[test]
    fn a_pattern_may_hold_one_hash_at_most() {
        let patterns =
            |list: &[&str]| -> Vec<String> { list.iter().map(|p| (*p).to_owned()).collect() };
        assert!(check_patterns(&patterns(&["report.#", "#", "#.note", "report.*.x"])).is_empty());
        let errors = check_patterns(&patterns(&["report.assigned", "#.#", "a.#.b.#"]));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events[1]", "events[2]"]);
    }
}
