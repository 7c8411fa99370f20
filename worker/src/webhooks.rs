//! Webhook delivery: events from `<prefix>.webhooks` become delivery rows
//! (one per matching subscription, idempotently), and a loop sends the due
//! ones, signed, with retries on a bounded schedule.

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::{Channel, Consumer};
use sigap_runtime::config::Config;
use sigap_store::bus::Message;
use sigap_store::db::PgPool;
use sigap_store::webhooks::{self, Due};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Deliveries attempted at once per worker.
const BATCH: i64 = 50;
/// How long a subscriber has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

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

/// Sends due deliveries until `shutdown`.
pub async fn deliver(
    config: Arc<Config>,
    pool: PgPool,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sigap-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with static settings builds");
    loop {
        match send_due(&config, &pool, &client).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "webhook delivery round failed"),
        }
        // Retries come due by time; new deliveries wake the loop at once.
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn send_due(
    config: &Config,
    pool: &PgPool,
    client: &reqwest::Client,
) -> Result<usize, sigap_store::Error> {
    let mut conn = pool.get().await?;
    let due = webhooks::claim_due(&mut conn, BATCH).await?;
    let count = due.len();
    let results =
        futures_util::future::join_all(due.iter().map(|d| attempt(config, client, d))).await;
    for (d, result) in due.iter().zip(results) {
        match result {
            Ok(status) => {
                webhooks::delivered(&mut conn, d, status).await?;
                metrics::counter!("sigap_webhook_deliveries_total", "outcome" => "delivered")
                    .increment(1);
            }
            Err((status, error)) => {
                tracing::warn!(subscription = %d.subscription_id, event_id = %d.event_id, attempt = d.attempts, %error,
                    "webhook delivery failed");
                webhooks::failed(&mut conn, d, status, &error, config.webhook_retry_base).await?;
                metrics::counter!("sigap_webhook_deliveries_total", "outcome" => "failed_attempt")
                    .increment(1);
            }
        }
    }
    Ok(count)
}

/// One signed POST; the status code, or why it failed.
async fn attempt(
    config: &Config,
    client: &reqwest::Client,
    due: &Due,
) -> Result<i32, (Option<i32>, String)> {
    // Checked again at delivery: a name may resolve elsewhere by now.
    webhooks::check_url(&due.url, config.webhook_allow_private)
        .await
        .map_err(|e| (None, format!("refused: the URL {e}")))?;
    let body = serde_json::to_vec(&due.payload).expect("json values serialize");
    let signature = webhooks::signature(&due.secret, chrono::Utc::now().timestamp(), &body);
    let response = client
        .post(&due.url)
        .header("Content-Type", "application/json")
        .header("Sigap-Event-Id", due.event_id.to_string())
        .header("Sigap-Event", &due.event)
        .header("Sigap-Signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| (None, format!("request failed: {}", error_chain(&e))))?;
    let status = i32::from(response.status().as_u16());
    if response.status().is_success() {
        Ok(status)
    } else {
        Err((Some(status), format!("answered HTTP {status}")))
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
