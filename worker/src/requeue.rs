//! The sweeper: reports must never stay `received` for good. A report whose
//! routing message was lost (a purged queue, a dead-lettered batch, a
//! message the broker dropped) is announced again through the outbox once it
//! has waited `SIGAP_REQUEUE_AFTER`; routing is idempotent, so a message that
//! was only slow costs a skipped duplicate. Runs in every worker: `SKIP
//! LOCKED` hands each stale report to one of them. The sweep also measures
//! the age of the oldest report still waiting (`sigap_oldest_received_age_seconds`).

use sigap_runtime::config::Config;
use sigap_store::bus::relay::RelayHandle;
use sigap_store::db::PgPool;
use sigap_store::routing;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Reports announced again per transaction, at most.
const BATCH: i64 = 500;

/// How often to look: a fraction of the wait, so that a stranded report
/// waits little longer than `SIGAP_REQUEUE_AFTER`, between 1 s and 30 s.
pub fn sweep_interval(requeue_after: Duration) -> Duration {
    (requeue_after / 4).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// Sweeps until `shutdown` turns true.
pub async fn run(
    config: Arc<Config>,
    pool: PgPool,
    relay: RelayHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let interval = sweep_interval(config.requeue_after);
    loop {
        match sweep(&pool, config.requeue_after).await {
            Ok(requeued) if requeued > 0 => {
                relay.wake();
                metrics::counter!("sigap_reports_requeued_total").increment(requeued as u64);
                tracing::warn!(
                    reports = requeued,
                    waited_longer_than_s = config.requeue_after.as_secs_f64(),
                    "reports still received were announced again"
                );
                // There may be more waiting: go again at once.
                if requeued as i64 == BATCH {
                    continue;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the sweep for stranded reports failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// One sweep: measures the oldest waiting report and announces the stale
/// ones again; returns how many.
async fn sweep(pool: &PgPool, requeue_after: Duration) -> Result<usize, sigap_store::Error> {
    let mut conn = pool.get().await?;
    let oldest = routing::oldest_received_age(&mut conn).await?;
    metrics::gauge!("sigap_oldest_received_age_seconds").set(oldest);
    Ok(routing::requeue_stale(&mut conn, requeue_after, BATCH)
        .await?
        .len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_runs_at_a_quarter_of_the_wait_between_one_and_thirty_seconds() {
        assert_eq!(
            sweep_interval(Duration::from_secs(120)),
            Duration::from_secs(30)
        );
        assert_eq!(
            sweep_interval(Duration::from_secs(20)),
            Duration::from_secs(5)
        );
        assert_eq!(
            sweep_interval(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(
            sweep_interval(Duration::from_secs(3600)),
            Duration::from_secs(30)
        );
    }
}
