//! Retention (UU PDP): the personal data of cases finished (closed,
//! cancelled or merged) longer than `SIGAP_RETENTION_CLOSED` ago is erased,
//! their statistical record kept (see `sigap_store::privacy::erasure`).
//! Runs in every worker every `SIGAP_RETENTION_INTERVAL`; `SKIP LOCKED`
//! gives each case to one of them. Logs counts only.

use sigap_runtime::config::Config;
use sigap_store::db::PgPool;
use sigap_store::privacy::erasure;
use std::sync::Arc;
use tokio::sync::watch;

/// Cases erased per transaction.
pub const BATCH: i64 = 200;

pub async fn run(config: Arc<Config>, pool: PgPool, mut shutdown: watch::Receiver<bool>) {
    loop {
        let mut more = false;
        match erase_once(&config, &pool).await {
            Ok(0) => {}
            Ok(erased) => {
                metrics::counter!("sigap_cases_erased_total").increment(erased as u64);
                tracing::info!(cases = erased, "personal data of finished cases erased");
                more = erased as i64 == BATCH;
            }
            Err(error) => tracing::warn!(%error, "retention pass failed"),
        }
        if more && !*shutdown.borrow() {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(config.retention_interval) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn erase_once(config: &Config, pool: &PgPool) -> Result<usize, sigap_store::Error> {
    let mut conn = pool.get().await?;
    erasure::erase_due(&mut conn, config.retention_closed, BATCH).await
}
