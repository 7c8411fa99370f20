//! The routing consumers (and the webhook fan-out on the same connection): takes `report.received.*` messages in batches,
//! routes and assigns them in one transaction, and acknowledges them only
//! after the commit. Each urgency has its own queue and channel, so critical
//! reports never wait behind a backlog of normal ones.

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Consumer, message::Delivery};
use sigap_domain::Urgency;
use sigap_runtime::config::Config;
use sigap_store::bus::backoff::{Reconnect, sleep_unless_shutdown};
use sigap_store::bus::relay::RelayHandle;
use sigap_store::bus::{self as amqp, Message, Topology};
use sigap_store::db::PgPool;
use sigap_store::routing::{self, BatchOutcome, DirectoryCache};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

/// Deliveries routed together in one transaction, at most.
const MAX_BATCH: usize = 200;

/// How long a batch waits for more deliveries after its first; a report
/// waits at most this long for its batch when the queue is calm.
const LINGER: Duration = Duration::from_millis(5);

/// Delays between attempts when routing a batch fails for a reason of its
/// own (not an outage); after the last one the batch is dead-lettered. While
/// the database is unavailable the batch waits instead, unacknowledged,
/// without spending these attempts (see [`QueueWorker::wait_for_database`]).
const RETRY_SCHEDULE: &[Duration] = &[
    Duration::from_millis(100),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(5),
    Duration::from_secs(10),
    Duration::from_secs(15),
];

/// Consumes until `shutdown` turns true, reconnecting after broker failures.
pub async fn run(
    config: Arc<Config>,
    pool: PgPool,
    relay: RelayHandle,
    deliveries: Arc<Notify>,
    shutdown: watch::Receiver<bool>,
) {
    let mut reconnect = Reconnect::default();
    loop {
        if *shutdown.borrow() {
            return;
        }
        match consume(&config, &pool, &relay, &deliveries, &shutdown).await {
            Ok(()) => return,
            Err(error) => {
                let delay = reconnect.next_delay();
                tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "routing consumer lost the broker");
                sleep_unless_shutdown(delay, &mut shutdown.clone()).await;
            }
        }
    }
}

async fn consume(
    config: &Arc<Config>,
    pool: &PgPool,
    relay: &RelayHandle,
    deliveries: &Arc<Notify>,
    shutdown: &watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let topology = Topology::new(&config.amqp_prefix);
    let connection = amqp::connect(&config.amqp_url, "sigap-worker routing").await?;
    let setup = connection.create_channel().await?;
    topology.declare(&setup).await?;
    let mut consumers = JoinSet::new();
    for urgency in [Urgency::Critical, Urgency::High, Urgency::Normal] {
        let channel = connection.create_channel().await?;
        channel
            .basic_qos(config.prefetch, BasicQosOptions::default())
            .await?;
        let queue = topology.routing_queue(urgency);
        let consumer = channel
            .basic_consume(
                queue.clone().into(),
                format!("sigap-worker-{}-{}", std::process::id(), urgency).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let worker = QueueWorker {
            queue,
            pool: pool.clone(),
            relay: relay.clone(),
            config: config.clone(),
            cache: None,
        };
        consumers.spawn(worker.run(channel, consumer, shutdown.clone()));
    }
    // Webhook fan-out shares the connection and its reconnection.
    let channel = connection.create_channel().await?;
    channel.basic_qos(100, BasicQosOptions::default()).await?;
    let consumer = channel
        .basic_consume(
            topology.webhooks_queue().into(),
            format!("sigap-worker-{}-webhooks", std::process::id()).into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    consumers.spawn(crate::webhooks::fan_out_events(
        channel,
        consumer,
        pool.clone(),
        deliveries.clone(),
        shutdown.clone(),
    ));
    consumers.spawn(watch_dead_letters(
        connection.create_channel().await?,
        topology.clone(),
        shutdown.clone(),
    ));
    tracing::info!(prefix = %config.amqp_prefix, prefetch = config.prefetch, "routing consumers started");
    let mut result = Ok(());
    while let Some(joined) = consumers.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                // One consumer failed: the connection is suspect; restart all.
                result = Err(error);
                consumers.abort_all();
            }
            Err(join_error) if join_error.is_cancelled() => {}
            Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
        }
    }
    let _ = connection.close(200, "worker stopping".into()).await;
    result
}

struct QueueWorker {
    queue: String,
    pool: PgPool,
    relay: RelayHandle,
    config: Arc<Config>,
    cache: Option<DirectoryCache>,
}

impl QueueWorker {
    async fn run(
        mut self,
        channel: Channel,
        mut consumer: Consumer,
        mut shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        loop {
            let next = tokio::select! {
                biased;
                _ = shutdown.changed() => None,
                next = consumer.next() => Some(next),
            };
            let first = match next {
                None => break,
                Some(None) => anyhow::bail!("the broker ended the consumer of {}", self.queue),
                Some(Some(delivery)) => delivery?,
            };
            let batch = crate::take_batch(&mut consumer, first, MAX_BATCH, LINGER).await;
            self.process(batch, &mut shutdown).await?;
            if *shutdown.borrow() {
                break;
            }
        }
        // Unacknowledged deliveries return to the queue when the channel closes.
        let _ = channel.close(200, "worker stopping".into()).await;
        Ok(())
    }

    #[tracing::instrument(name = "route_batch", skip_all, fields(queue = %self.queue, size = batch.len()))]
    async fn process(
        &mut self,
        batch: Vec<Delivery>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> lapin::Result<()> {
        let mut ids = Vec::with_capacity(batch.len());
        let mut deliveries = Vec::with_capacity(batch.len());
        for delivery in batch {
            match serde_json::from_slice::<Message>(&delivery.data) {
                Ok(Message::ReportReceivedV1 { report_id, .. }) => {
                    ids.push(report_id);
                    deliveries.push(delivery);
                }
                _ => {
                    tracing::error!(
                        delivery_tag = delivery.delivery_tag,
                        "unreadable routing message; dead-lettering it"
                    );
                    metrics::counter!("sigap_routing_dead_lettered_total", "reason" => "unreadable").increment(1);
                    dead_letter(&delivery).await?;
                }
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        let mut attempt = 0;
        let outcome = loop {
            match self.route(&ids).await {
                Ok(outcome) => break Some(outcome),
                Err(sigap_store::Error::Unavailable(error)) => {
                    tracing::warn!(%error, reports = ids.len(),
                        "the database is unavailable; the batch waits for it, unacknowledged");
                    if !self.wait_for_database(shutdown).await {
                        // Leave the batch unacknowledged: it goes back to the queue.
                        return Ok(());
                    }
                }
                Err(error) if attempt < RETRY_SCHEDULE.len() => {
                    let delay = RETRY_SCHEDULE[attempt];
                    attempt += 1;
                    tracing::warn!(%error, attempt, retry_in_ms = delay.as_millis() as u64, "routing failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        // Leave the batch unacknowledged: it goes back to the queue.
                        _ = shutdown.changed() => return Ok(()),
                    }
                }
                Err(error) => {
                    tracing::error!(%error, reports = ids.len(), "routing failed after every retry; dead-lettering");
                    break None;
                }
            }
        };
        let Some(outcome) = outcome else {
            for delivery in &deliveries {
                dead_letter(delivery).await?;
            }
            metrics::counter!("sigap_routing_dead_lettered_total", "reason" => "database")
                .increment(ids.len() as u64);
            self.mark_unroutable(&ids).await;
            return Ok(());
        };
        self.relay.wake();
        record(&outcome);
        let mut last_routed = None;
        for (delivery, id) in deliveries.iter().zip(&ids) {
            if outcome.unknown.contains(id) {
                tracing::error!(report_id = %id, "routing message names no report; dead-lettering it");
                metrics::counter!("sigap_routing_dead_lettered_total", "reason" => "unknown_report").increment(1);
                dead_letter(delivery).await?;
            } else {
                last_routed = Some(delivery);
            }
        }
        // One acknowledgement for the batch: `multiple` settles every delivery
        // of this channel up to the last routed one (the batch is in delivery
        // order, earlier batches are settled, dead-lettered ones were just
        // settled), saving the broker a command per message.
        if let Some(delivery) = last_routed {
            delivery.ack(BasicAckOptions { multiple: true }).await?;
        }
        Ok(())
    }

    /// Waits, with backoff, until the database answers a ping; false when
    /// shutdown came first. The consumer takes no new batch meanwhile, so
    /// the queue keeps what the worker cannot route.
    async fn wait_for_database(&self, shutdown: &mut watch::Receiver<bool>) -> bool {
        metrics::gauge!("sigap_routing_waiting_for_database", "queue" => self.queue.clone())
            .set(1.0);
        let started = std::time::Instant::now();
        let mut backoff = Reconnect::default();
        let available = loop {
            if *shutdown.borrow() {
                break false;
            }
            if sigap_store::db::available(&self.pool).await {
                break true;
            }
            sleep_unless_shutdown(backoff.next_delay(), shutdown).await;
        };
        metrics::gauge!("sigap_routing_waiting_for_database", "queue" => self.queue.clone())
            .set(0.0);
        if available {
            tracing::info!(
                waited_ms = started.elapsed().as_millis() as u64,
                "the database is back; retrying the batch"
            );
        }
        available
    }

    async fn route(&mut self, ids: &[Uuid]) -> Result<BatchOutcome, sigap_store::Error> {
        let mut conn = self.pool.get().await?;
        let cache = match &mut self.cache {
            Some(cache) => cache,
            None => self.cache.insert(DirectoryCache::load(&mut conn).await?),
        };
        Ok(routing::route_received(&mut conn, cache, ids, &self.config.sla).await?)
    }

    async fn mark_unroutable(&self, ids: &[Uuid]) {
        let reason = "routing failed repeatedly (database errors); the message was dead-lettered";
        let result = async {
            let mut conn = self.pool.get().await?;
            Ok::<_, sigap_store::Error>(routing::mark_unroutable(&mut conn, ids, reason).await?)
        }
        .await;
        match result {
            Ok(n) => {
                self.relay.wake();
                tracing::warn!(
                    reports = n,
                    "reports marked needs_triage after routing failures"
                );
            }
            Err(error) => {
                tracing::error!(%error, "cannot mark dead-lettered reports; they stay received")
            }
        }
    }
}

/// How often the depth of the dead-letter queue is measured.
const DEAD_LETTER_CHECK: Duration = Duration::from_secs(5);

/// Keeps `sigap_dead_letter_depth` current: messages in
/// `<prefix>.routing.dead`, waiting for an operator (`sigap-api redrive`).
async fn watch_dead_letters(
    channel: Channel,
    topology: Topology,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    loop {
        let depth = sigap_store::bus::redrive::dead_letter_depth(&channel, &topology).await?;
        metrics::gauge!("sigap_dead_letter_depth").set(f64::from(depth));
        tokio::select! {
            _ = tokio::time::sleep(DEAD_LETTER_CHECK) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            let _ = channel.close(200, "worker stopping".into()).await;
            return Ok(());
        }
    }
}

async fn dead_letter(delivery: &Delivery) -> lapin::Result<()> {
    delivery
        .nack(BasicNackOptions {
            requeue: false,
            ..Default::default()
        })
        .await
        .map(drop)
}

fn record(outcome: &BatchOutcome) {
    let now = chrono::Utc::now();
    for routed in &outcome.routed {
        match &routed.decision.unit_code {
            Some(unit) => {
                metrics::counter!("sigap_reports_routed_total", "outcome" => "assigned")
                    .increment(1);
                let seconds = (now - routed.filed_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
                metrics::histogram!("sigap_filed_to_assigned_seconds").record(seconds);
                tracing::info!(report_id = %routed.report_id, ticket = %routed.ticket, unit = %unit,
                    over_capacity = routed.decision.over_capacity, "report assigned");
            }
            None => {
                metrics::counter!("sigap_reports_routed_total", "outcome" => "needs_triage")
                    .increment(1);
                tracing::info!(report_id = %routed.report_id, ticket = %routed.ticket,
                    reason = %routed.decision.reason, "report needs triage");
            }
        }
    }
    if !outcome.already_routed.is_empty() {
        tracing::debug!(
            count = outcome.already_routed.len(),
            "redelivered reports were already routed"
        );
    }
}
