//! SLA escalation: cases not acknowledged by their due time go to the next
//! unit (level 1), then to supervisors' triage (level 2). Runs in every
//! worker; `SKIP LOCKED` hands each overdue case to exactly one of them.

use sigap_runtime::config::Config;
use sigap_store::bus::relay::RelayHandle;
use sigap_store::db::PgPool;
use sigap_store::lifecycle;
use sigap_store::routing::DirectoryCache;
use std::sync::Arc;
use tokio::sync::watch;

const BATCH: i64 = 100;

pub async fn run(
    config: Arc<Config>,
    pool: PgPool,
    relay: RelayHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut cache: Option<DirectoryCache> = None;
    loop {
        match escalate_once(&config, &pool, &mut cache).await {
            Ok(escalated) if !escalated.is_empty() => {
                relay.wake();
                for e in &escalated {
                    metrics::counter!("sigap_reports_escalated_total", "level" => e.level.to_string()).increment(1);
                    tracing::info!(report_id = %e.report_id, level = e.level, to_unit = ?e.to_unit, "case escalated");
                }
                // There may be more waiting: go again at once.
                if escalated.len() as i64 == BATCH {
                    continue;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "escalation check failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.escalation_interval) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn escalate_once(
    config: &Config,
    pool: &PgPool,
    cache: &mut Option<DirectoryCache>,
) -> Result<Vec<lifecycle::Escalated>, sigap_store::Error> {
    let mut conn = pool.get().await?;
    let cache = match cache {
        Some(cache) => cache,
        None => cache.insert(DirectoryCache::load(&mut conn).await?),
    };
    lifecycle::escalate_overdue(&mut conn, cache, &config.sla, BATCH).await
}
