//! Webhook delivery: events from `<prefix>.webhooks` become delivery rows
//! (one per matching subscription, idempotently), and a loop sends the due
//! ones, signed, with retries on a bounded schedule, each subscription with
//! its own slots so that one slow subscriber delays no other.

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::{Channel, Consumer};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sigap_runtime::config::Config;
use sigap_store::bus::Message;
use sigap_store::db::PgPool;
use sigap_store::webhooks::address::{self, Lookup, Refusal, WebhookUrl};
use sigap_store::webhooks::{self, Busy, Due};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

/// Attempts in flight at once per worker, over all subscriptions.
const MAX_IN_FLIGHT: usize = 200;
/// Attempts in flight at once per worker for one subscription: a subscriber
/// that answers slowly holds this many slots and no more.
const PER_SUBSCRIPTION: i32 = 4;
/// How often the loop looks for retries come due.
const POLL: Duration = Duration::from_millis(250);
/// How long a subscriber has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a subscriber has to accept the connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Events turned into deliveries together, at most.
const FAN_OUT_BATCH: usize = 200;

/// Turns events into the deliveries they owe, a batch at a time; acks after
/// the deliveries are stored.
pub async fn fan_out_events(
    channel: Channel,
    mut consumer: Consumer,
    pool: PgPool,
    deliveries: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    loop {
        let first = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            next = consumer.next() => match next {
                Some(delivery) => delivery?,
                None => anyhow::bail!("the broker ended the webhook consumer"),
            },
        };
        let batch = crate::take_batch(&mut consumer, first, FAN_OUT_BATCH, Duration::ZERO).await;
        let mut events = Vec::with_capacity(batch.len());
        let mut readable = Vec::with_capacity(batch.len());
        for delivery in batch {
            match serde_json::from_slice::<Message>(&delivery.data) {
                Ok(Message::ReportEventV1(event)) => {
                    events.push(event);
                    readable.push(delivery);
                }
                _ => {
                    tracing::error!(
                        delivery_tag = delivery.delivery_tag,
                        "unreadable event message; dropping it"
                    );
                    delivery.nack(BasicNackOptions::default()).await?;
                }
            }
        }
        let Some(last) = readable.last() else {
            continue;
        };
        let result = async {
            let mut conn = pool.get().await?;
            webhooks::fan_out(&mut conn, &events).await
        }
        .await;
        match result {
            Ok(created) => {
                // Settles the batch: every earlier delivery of the channel is
                // settled already (acked or dropped just now).
                last.ack(BasicAckOptions { multiple: true }).await?;
                if created > 0 {
                    deliveries.notify_one();
                }
            }
            Err(error) => {
                tracing::warn!(%error, events = events.len(), "webhook fan-out failed; the events go back to the queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
                last.nack(BasicNackOptions {
                    multiple: true,
                    requeue: true,
                })
                .await?;
            }
        }
    }
    let _ = channel.close(200, "worker stopping".into()).await;
    Ok(())
}

/// Sends due deliveries until `shutdown`, resolving subscriber hosts with
/// the system's resolver.
pub async fn deliver(
    config: Arc<Config>,
    pool: PgPool,
    wake: Arc<Notify>,
    shutdown: watch::Receiver<bool>,
) {
    let sender = Sender::new(config.webhook_allow_private, address::system_lookup());
    deliver_with(config, pool, wake, shutdown, sender).await;
}

/// Sends due deliveries with `sender` until `shutdown`, then waits for the
/// attempts in flight. Each attempt runs on its own, so a slow subscriber
/// holds only its own slots ([`PER_SUBSCRIPTION`]); the loop claims again
/// whenever an attempt ends, a delivery is fanned out, or [`POLL`] passes.
pub async fn deliver_with(
    config: Arc<Config>,
    pool: PgPool,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
    sender: Sender,
) {
    let sender = Arc::new(sender);
    let in_flight = Arc::new(Mutex::new(InFlight::default()));
    let finished = Arc::new(Notify::new());
    let mut attempts = JoinSet::new();
    loop {
        while attempts.try_join_next().is_some() {}
        match claim(&pool, &in_flight).await {
            Ok(due) => {
                for due in due {
                    attempts.spawn(attempt_and_record(
                        config.clone(),
                        pool.clone(),
                        sender.clone(),
                        in_flight.clone(),
                        finished.clone(),
                        due,
                    ));
                }
            }
            Err(error) => tracing::warn!(%error, "claiming due webhook deliveries failed"),
        }
        // Retries come due by time; new deliveries and free slots wake the
        // loop at once.
        tokio::select! {
            _ = wake.notified() => {}
            _ = finished.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
    // Attempts are bounded by the client's timeout; their results are kept.
    while attempts.join_next().await.is_some() {}
}

/// Attempts under way in this process, by subscription.
#[derive(Debug, Default)]
struct InFlight {
    by_subscription: HashMap<Uuid, i32>,
    total: usize,
}

impl InFlight {
    fn start(&mut self, subscription: Uuid) {
        *self.by_subscription.entry(subscription).or_default() += 1;
        self.total += 1;
    }

    fn end(&mut self, subscription: Uuid) {
        if let Some(n) = self.by_subscription.get_mut(&subscription) {
            *n -= 1;
            if *n <= 0 {
                self.by_subscription.remove(&subscription);
            }
        }
        self.total = self.total.saturating_sub(1);
    }

    fn busy(&self) -> Vec<Busy> {
        self.by_subscription
            .iter()
            .map(|(id, n)| Busy {
                subscription_id: *id,
                in_flight: *n,
            })
            .collect()
    }
}

/// Claims what is due and fits in the free slots, and counts it in flight.
async fn claim(pool: &PgPool, in_flight: &Mutex<InFlight>) -> Result<Vec<Due>, sigap_store::Error> {
    let (free, busy) = {
        let in_flight = in_flight.lock().expect("in-flight lock");
        (
            MAX_IN_FLIGHT.saturating_sub(in_flight.total),
            in_flight.busy(),
        )
    };
    if free == 0 {
        return Ok(Vec::new());
    }
    let mut conn = pool.get().await?;
    let due = webhooks::claim_due(&mut conn, free as i64, PER_SUBSCRIPTION, &busy).await?;
    let mut in_flight = in_flight.lock().expect("in-flight lock");
    for d in &due {
        in_flight.start(d.subscription_id);
    }
    Ok(due)
}

/// One attempt and its record, on a connection taken only once the
/// subscriber has answered (a slow subscriber holds no database connection).
async fn attempt_and_record(
    config: Arc<Config>,
    pool: PgPool,
    sender: Arc<Sender>,
    in_flight: Arc<Mutex<InFlight>>,
    finished: Arc<Notify>,
    due: Due,
) {
    let outcome = sender.send(&due).await;
    let recorded = async {
        let mut conn = pool.get().await?;
        match &outcome {
            Ok(status) => webhooks::delivered(&mut conn, &due, *status).await,
            Err(failure) => {
                webhooks::failed(
                    &mut conn,
                    &due,
                    failure.status,
                    &failure.class,
                    config.webhook_retry_base,
                )
                .await
            }
        }
    }
    .await;
    match (&outcome, recorded) {
        (_, Err(error)) => {
            // The claim's lease makes it due again in a minute.
            tracing::warn!(%error, delivery = due.id, "recording a webhook attempt failed");
        }
        (Ok(_), Ok(())) => {
            metrics::counter!("sigap_webhook_deliveries_total", "outcome" => "delivered")
                .increment(1);
        }
        (Err(failure), Ok(())) => {
            tracing::warn!(subscription = %due.subscription_id, event_id = %due.event_id,
                attempt = due.attempts, class = %failure.class, detail = %failure.detail,
                "webhook delivery failed");
            metrics::counter!("sigap_webhook_deliveries_total", "outcome" => "failed_attempt")
                .increment(1);
        }
    }
    in_flight
        .lock()
        .expect("in-flight lock")
        .end(due.subscription_id);
    finished.notify_one();
}

/// Why an attempt failed: the coarse class the delivery log shows, and the
/// detail for the operator's log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status, when the subscriber answered.
    pub status: Option<i32>,
    /// `refused_address`, `refused_url`, `dns_failed`, `timeout`,
    /// `connect_failed`, `tls`, `request_failed` or `http_<status>`.
    pub class: String,
    /// The error chain, without the URL.
    pub detail: String,
}

impl Failure {
    fn new(class: &str, detail: String) -> Failure {
        Failure {
            status: None,
            class: class.to_owned(),
            detail,
        }
    }
}

/// Sends signed deliveries through a client whose every connection goes to
/// an address the policy allows: its resolver filters what it answers, and
/// literal hosts (which no resolver sees) are checked before sending.
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    /// A sender resolving names with `lookup`.
    pub fn new(allow_private: bool, lookup: Arc<dyn Lookup>) -> Sender {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, past the resolver.
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver {
                lookup,
                allow_private,
            }))
            .user_agent(concat!("sigap-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with static settings builds");
        Sender {
            client,
            allow_private,
        }
    }

    /// One signed POST: the status code of a 2xx answer, or why not.
    pub async fn send(&self, due: &Due) -> Result<i32, Failure> {
        // Checked again at delivery: the stored URL may predate the policy.
        let url = WebhookUrl::parse(&due.url, self.allow_private)
            .map_err(|refusal| Failure::new(refusal.class(), refusal.to_string()))?;
        let body = serde_json::to_vec(&due.payload).expect("json values serialize");
        let signature = webhooks::signature(&due.secret, chrono::Utc::now().timestamp(), &body);
        let response = self
            .client
            .post(url.as_str())
            .header("Content-Type", "application/json")
            .header("Sigap-Event-Id", due.event_id.to_string())
            .header("Sigap-Event", &due.event)
            .header("Sigap-Signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| classify(e.without_url()))?;
        let status = i32::from(response.status().as_u16());
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(Failure {
                status: Some(status),
                class: format!("http_{status}"),
                detail: format!("answered HTTP {status}"),
            })
        }
    }
}

/// The coarse class of a failed request.
fn classify(error: reqwest::Error) -> Failure {
    let detail = error_chain(&error);
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            return Failure::new(refusal.class(), detail);
        }
        source = cause.source();
    }
    let class = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() && has_invalid_data(&error) {
        // rustls reports a failed handshake as invalid data on the socket.
        "tls"
    } else if error.is_connect() {
        "connect_failed"
    } else {
        "request_failed"
    };
    Failure::new(class, detail)
}

fn has_invalid_data(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Answers only addresses the policy allows, so the address checked is the
/// address connected to (no second lookup for a rebinding name to win).
struct PublicResolver {
    lookup: Arc<dyn Lookup>,
    allow_private: bool,
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = self.lookup.clone();
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = address::resolve(lookup.as_ref(), &host, allow_private).await?;
            let addrs: Addrs = Box::new(
                addresses
                    .into_iter()
                    .map(|ip| std::net::SocketAddr::new(ip, 0)),
            );
            Ok(addrs)
        })
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
