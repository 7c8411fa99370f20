//! Deadlines: cases not acknowledged by their due time go to the next unit
//! (level 1), then to supervisors' triage (level 2); later stages past due
//! alert supervisors instead. When the calendar or office hours change, the
//! open working-time deadlines are recomputed. Runs in every worker;
//! `SKIP LOCKED` hands each overdue case to exactly one of them.

use sigap_runtime::config::Config;
use sigap_store::bus::relay::RelayHandle;
use sigap_store::db::PgPool;
use sigap_store::deadlines;
use sigap_store::lifecycle;
use sigap_store::routing::DirectoryCache;
use std::sync::Arc;
use tokio::sync::watch;

const BATCH: i64 = 100;
/// Deadlines recomputed per transaction after a calendar change.
const RECOMPUTE_BATCH: i64 = 500;

pub async fn run(
    config: Arc<Config>,
    pool: PgPool,
    relay: RelayHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut cache: Option<DirectoryCache> = None;
    // The directory version whose calendar the open deadlines were last
    // computed with; none at start, so that changes made while no worker
    // ran are caught up too.
    let mut recomputed: Option<i64> = None;
    loop {
        let mut more = false;
        match escalate_once(&config, &pool, &mut cache).await {
            Ok(escalated) if !escalated.is_empty() => {
                relay.wake();
                for e in &escalated {
                    metrics::counter!("sigap_reports_escalated_total", "level" => e.level.to_string()).increment(1);
                    tracing::info!(report_id = %e.report_id, level = e.level, to_unit = ?e.to_unit, "case escalated");
                }
                more |= escalated.len() as i64 == BATCH;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "escalation check failed"),
        }
        match alert_once(&pool).await {
            Ok(alerted) if !alerted.is_empty() => {
                relay.wake();
                for a in &alerted {
                    metrics::counter!("sigap_deadlines_missed_total", "stage" => a.stage.as_str())
                        .increment(1);
                    tracing::info!(report_id = %a.report_id, ticket = %a.ticket, stage = %a.stage, "stage deadline missed");
                }
                more |= alerted.len() as i64 == BATCH;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "deadline alert check failed"),
        }
        if let Some(cache) = &cache
            && recomputed != Some(cache.version)
        {
            match recompute(&pool, cache).await {
                Ok(count) => {
                    recomputed = Some(cache.version);
                    tracing::info!(
                        version = cache.version,
                        deadlines = count,
                        "deadlines recomputed for the calendar"
                    );
                }
                Err(error) => tracing::warn!(%error, "deadline recomputation failed"),
            }
        }
        // There may be more waiting: go again at once.
        if more {
            continue;
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

async fn alert_once(pool: &PgPool) -> Result<Vec<deadlines::Alerted>, sigap_store::Error> {
    let mut conn = pool.get().await?;
    Ok(deadlines::alert_overdue(&mut conn, BATCH).await?)
}

/// Every open working-time deadline against `cache`'s calendar, a batch per
/// transaction; returns how many were read.
async fn recompute(pool: &PgPool, cache: &DirectoryCache) -> Result<usize, sigap_store::Error> {
    let mut conn = pool.get().await?;
    let mut after = 0;
    let mut total = 0;
    loop {
        let (read, last) =
            deadlines::recompute_working(&mut conn, cache, after, RECOMPUTE_BATCH).await?;
        total += read;
        match last {
            Some(id) => after = id,
            None => return Ok(total),
        }
    }
}
