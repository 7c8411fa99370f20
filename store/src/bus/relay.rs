//! The outbox relay: publishes unsent outbox rows with publisher confirms and
//! marks them sent only after the broker has acknowledged them. Several
//! relays (api and worker processes) share the table through
//! `FOR UPDATE SKIP LOCKED`, so a row is never published by two at once.
//!
//! A row the broker refuses (a nack, or a new report returned because no
//! queue is bound for its routing key) is parked with the reason: it would be
//! refused again, and republishing it would hold back the rows around it.
//! Waiting for confirms is bounded: rows not confirmed in time stay unsent
//! and go out again on a new channel (at least once).

use crate::bus::backoff::{Reconnect, sleep_unless_shutdown};
use crate::bus::{self as amqp, Topology};
use crate::db::PgPool;
use crate::schema::outbox;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

/// Rows published per transaction.
const BATCH: i64 = 500;
/// How long the relay waits, once woken, for more rows to publish with the first.
const LINGER: Duration = Duration::from_millis(2);
/// Sent rows are kept this long for inspection, then deleted.
const KEEP_SENT: &str = "1 day";
/// How long the relay waits for the broker to confirm a batch; after that
/// the channel is taken as broken.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] crate::db::PoolError),
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("the broker confirmed {confirmed} of {published} messages within {CONFIRM_TIMEOUT:?}")]
    ConfirmTimeout { confirmed: usize, published: usize },
}

/// What the broker answered for the rows of one batch.
#[derive(Default)]
struct Settled {
    /// Rows the broker acknowledged.
    sent: Vec<i64>,
    /// Rows it refused, with why.
    parked: Vec<(i64, String)>,
    /// Why waiting for the rest of the confirms stopped, if it did.
    broken: Option<RelayError>,
}

/// An outbox row as the relay reads it: id, message id, exchange, routing
/// key, payload.
type OutboxRow = (i64, Uuid, String, String, serde_json::Value);

/// Handle to wake the relay right after a commit.
#[derive(Clone, Default)]
pub struct RelayHandle {
    wake: Arc<Notify>,
    /// The state of the relay's connection while it holds one. The broker
    /// client updates it as soon as the socket fails, so readiness turns to
    /// down before the relay's next publish finds out.
    connection: Arc<Mutex<Option<ConnectionStatus>>>,
}

impl RelayHandle {
    /// Something was just committed to the outbox: publish now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Whether the relay holds a working broker connection.
    pub fn broker_up(&self) -> bool {
        self.connection
            .lock()
            .expect("the connection state lock is never poisoned")
            .as_ref()
            .is_some_and(ConnectionStatus::connected)
    }

    fn hold(&self, connection: Option<&Connection>) {
        *self
            .connection
            .lock()
            .expect("the connection state lock is never poisoned") =
            connection.map(|c| c.status().clone());
    }
}

/// The outbox relay of one process (api or worker), started with
/// [`Relay::run`].
pub struct Relay {
    /// Where the outbox is read and rows are marked sent.
    pub pool: PgPool,
    /// The broker to publish to.
    pub amqp_url: String,
    /// The names to publish under, declared again on every connection.
    pub topology: Topology,
    /// How the connection shows in the broker's management UI, such as
    /// `sigap-api relay`.
    pub connection_name: String,
    /// How long the relay sleeps between looks at the outbox when no commit
    /// wakes it.
    pub interval: Duration,
    /// Shared with the code that commits to the outbox, to wake the relay
    /// and ask whether the broker is up.
    pub handle: RelayHandle,
}

impl Relay {
    /// Publishes until `shutdown` turns true, reconnecting to the broker as
    /// often as it takes. Unsent rows wait in Postgres meanwhile.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut reconnect = Reconnect::default();
        while !*shutdown.borrow() {
            match self.connect().await {
                Ok((connection, channel)) => {
                    reconnect.succeeded();
                    self.handle.hold(Some(&connection));
                    tracing::info!(prefix = %self.topology.prefix, "outbox relay connected to the broker");
                    self.publish_until_broken(&connection, &channel, &mut shutdown)
                        .await;
                    self.handle.hold(None);
                    let _ = connection.close(200, "relay stopping".into()).await;
                }
                Err(error) => {
                    self.handle.hold(None);
                    let delay = reconnect.next_delay();
                    tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "outbox relay cannot reach the broker");
                    sleep_unless_shutdown(delay, &mut shutdown).await;
                }
            }
        }
    }

    async fn connect(&self) -> lapin::Result<(Connection, Channel)> {
        let connection = amqp::connect(&self.amqp_url, &self.connection_name).await?;
        let channel = connection.create_channel().await?;
        self.topology.declare(&channel).await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok((connection, channel))
    }

    async fn publish_until_broken(
        &self,
        connection: &Connection,
        channel: &Channel,
        shutdown: &mut watch::Receiver<bool>,
    ) {
        let mut last_cleanup = Instant::now();
        loop {
            let stopping = *shutdown.borrow();
            match self.publish_batch(channel).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(error @ (RelayError::Broker(_) | RelayError::ConfirmTimeout { .. })) => {
                    tracing::warn!(%error, "outbox relay lost the broker");
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, "outbox relay cannot read the outbox");
                }
            }
            if stopping {
                return;
            }
            if last_cleanup.elapsed() > Duration::from_secs(60) {
                last_cleanup = Instant::now();
                if let Err(error) = self.delete_old_sent_rows().await {
                    tracing::warn!(%error, "outbox cleanup failed");
                }
            }
            tokio::select! {
                _ = self.handle.wake.notified() => {
                    // Let the commits of the next moment join this batch:
                    // under load, one publishing transaction for many rows.
                    tokio::time::sleep(LINGER).await;
                }
                _ = tokio::time::sleep(self.interval) => {}
                _ = shutdown.changed() => {}
            }
            if !connection.status().connected() {
                tracing::warn!("outbox relay's broker connection closed");
                return;
            }
        }
    }

    /// Publishes one batch of unsent rows; returns how many were sent or
    /// parked. Rows confirmed before the channel broke are marked sent all
    /// the same, and the channel's error returned after the commit.
    async fn publish_batch(&self, channel: &Channel) -> Result<usize, RelayError> {
        let mut conn = self.pool.get().await?;
        let (settled, broken) = conn
            .transaction::<(usize, Option<RelayError>), RelayError, _>(async |conn| {
                let rows: Vec<OutboxRow> = outbox::table
                    .filter(outbox::sent_at.is_null())
                    .filter(outbox::parked_at.is_null())
                    .order(outbox::id)
                    .limit(BATCH)
                    .for_update()
                    .skip_locked()
                    .select((
                        outbox::id,
                        outbox::message_id,
                        outbox::exchange,
                        outbox::routing_key,
                        outbox::payload,
                    ))
                    .load(conn)
                    .await?;
                if rows.is_empty() {
                    return Ok((0, None));
                }
                let settled = self.publish_rows(channel, &rows).await?;
                diesel::update(outbox::table.filter(outbox::id.eq_any(&settled.sent)))
                    .set(outbox::sent_at.eq(Utc::now()))
                    .execute(conn)
                    .await?;
                for (id, reason) in &settled.parked {
                    diesel::update(outbox::table.find(id))
                        .set((
                            outbox::parked_at.eq(Utc::now()),
                            outbox::parked_reason.eq(reason),
                        ))
                        .execute(conn)
                        .await?;
                }
                metrics::counter!("sigap_outbox_published_total")
                    .increment(settled.sent.len() as u64);
                if !settled.parked.is_empty() {
                    metrics::counter!("sigap_outbox_parked_total")
                        .increment(settled.parked.len() as u64);
                }
                Ok((settled.sent.len() + settled.parked.len(), settled.broken))
            })
            .await?;
        match broken {
            Some(error) => Err(error),
            None => Ok(settled),
        }
    }

    /// Publishes `rows`, then waits (at most [`CONFIRM_TIMEOUT`]) for the
    /// broker's answer to each.
    async fn publish_rows(
        &self,
        channel: &Channel,
        rows: &[OutboxRow],
    ) -> Result<Settled, RelayError> {
        let mut pending = Vec::with_capacity(rows.len());
        for (id, message_id, exchange, routing_key, payload) in rows {
            let body = serde_json::to_vec(payload).expect("json values always serialize");
            let properties = BasicProperties::default()
                .with_delivery_mode(2)
                .with_content_type("application/json".into())
                .with_message_id(message_id.to_string().into())
                .with_timestamp(Utc::now().timestamp() as u64);
            // New reports must reach a queue: an unroutable one comes back.
            let options = BasicPublishOptions {
                mandatory: exchange == "reports",
                ..Default::default()
            };
            let confirm = channel
                .basic_publish(
                    self.topology.exchange(exchange).into(),
                    routing_key.as_str().into(),
                    options,
                    &body,
                    properties,
                )
                .await?;
            pending.push((*id, exchange.as_str(), routing_key.as_str(), confirm));
        }
        let published = pending.len();
        let deadline = tokio::time::Instant::now() + CONFIRM_TIMEOUT;
        let mut settled = Settled::default();
        for (id, exchange, routing_key, confirm) in pending {
            let refused = match tokio::time::timeout_at(deadline, confirm).await {
                Ok(Ok(Confirmation::Ack(None) | Confirmation::NotRequested)) => {
                    settled.sent.push(id);
                    continue;
                }
                Ok(Ok(Confirmation::Ack(Some(returned)))) => format!(
                    "returned by the broker: {} {}",
                    returned.reply_code, returned.reply_text
                ),
                Ok(Ok(Confirmation::Nack(_))) => "nacked by the broker".to_owned(),
                Ok(Err(error)) => {
                    settled.broken = Some(RelayError::Broker(error));
                    break;
                }
                Err(_) => {
                    settled.broken = Some(RelayError::ConfirmTimeout {
                        confirmed: settled.sent.len() + settled.parked.len(),
                        published,
                    });
                    break;
                }
            };
            // Ids, exchange and routing key only: the payload is not logged.
            tracing::warn!(outbox_id = id, exchange, routing_key, reason = %refused,
                "the broker refused an outbox message; it is parked");
            settled.parked.push((id, refused));
        }
        Ok(settled)
    }

    async fn delete_old_sent_rows(&self) -> Result<(), RelayError> {
        let mut conn = self.pool.get().await?;
        diesel::sql_query(format!(
            "DELETE FROM outbox WHERE sent_at < now() - interval '{KEEP_SENT}'"
        ))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
