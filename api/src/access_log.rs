//! The access log's writer (UU PDP): handlers queue an entry for each
//! answer that shows personal data; one task writes the queue in batches,
//! off the request path, and writes what is still queued when the server
//! stops, so that a clean shutdown loses no entry.

use sigap_store::db::PgPool;
use sigap_store::privacy::access::{self, Access};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Entries queued at most; a handler waits for room rather than drop one.
const QUEUE: usize = 10_000;
/// Entries written per statement at most.
const BATCH: usize = 500;

/// Where handlers queue entries.
#[derive(Clone)]
pub struct AccessLog {
    sender: mpsc::Sender<Access>,
}

/// The task that writes the queue.
pub struct AccessLogWriter {
    receiver: mpsc::Receiver<Access>,
    pool: PgPool,
    interval: Duration,
}

impl AccessLog {
    /// A queue and its writer, which writes at least every `interval`.
    pub fn new(pool: PgPool, interval: Duration) -> (AccessLog, AccessLogWriter) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        (
            AccessLog { sender },
            AccessLogWriter {
                receiver,
                pool,
                interval,
            },
        )
    }

    /// Queues an entry. Waits only when the queue is full (the database is
    /// behind), so that no entry is dropped.
    pub async fn record(&self, entry: Access) {
        if self.sender.send(entry).await.is_err() {
            tracing::error!("the access log writer has stopped: an entry is lost");
        }
    }
}

impl AccessLogWriter {
    /// Writes queued entries every interval or when a batch is full, until
    /// `stop` turns true; then writes everything still queued.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut batch: Vec<Access> = Vec::new();
        let mut tick = tokio::time::interval(self.interval);
        loop {
            tokio::select! {
                entry = self.receiver.recv() => match entry {
                    Some(entry) => {
                        batch.push(entry);
                        if batch.len() >= BATCH {
                            self.write(&mut batch).await;
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => self.write(&mut batch).await,
                _ = stop.changed() => break,
            }
        }
        while let Ok(entry) = self.receiver.try_recv() {
            batch.push(entry);
        }
        for _ in 0..5 {
            self.write(&mut batch).await;
            if batch.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::error!(
            entries = batch.len(),
            "access log entries not written at shutdown"
        );
    }

    /// Writes `batch` in statements of at most [`BATCH`]; keeps what could
    /// not be written for the next try.
    async fn write(&self, batch: &mut Vec<Access>) {
        while !batch.is_empty() {
            let n = batch.len().min(BATCH);
            let written = match self.pool.get().await {
                Ok(mut conn) => access::record(&mut conn, &batch[..n])
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match written {
                Ok(_) => {
                    batch.drain(..n);
                }
                Err(error) => {
                    tracing::warn!(%error, entries = batch.len(), "access log not written yet");
                    // Memory stays bounded while the database is away: the
                    // oldest entries go first, loudly.
                    if batch.len() > QUEUE {
                        let dropped = batch.len() - QUEUE;
                        batch.drain(..dropped);
                        tracing::error!(dropped, "access log entries dropped");
                    }
                    return;
                }
            }
        }
    }
}
