//! Sigap's worker: routes received reports, escalates cases that miss their
//! SLA, delivers webhooks, builds exports, erases the personal data of cases
//! finished longer than the retention time, and relays the outbox. Stateless: run as many as needed; they compete
//! for the same queues.

pub mod escalation;
pub mod exports;
pub mod requeue;
pub mod retention;
pub mod routing;
pub mod webhooks;

use anyhow::Context;
use sigap_runtime::config::Config;
use sigap_store::bus::Topology;
use sigap_store::bus::relay::{Relay, RelayHandle};
use sigap_store::db;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch;

/// The first delivery and whatever else arrives within `linger`, up to `max`
/// in all (with no linger, only what is already here). Under load this turns
/// many one-message transactions into a few large ones.
pub(crate) async fn take_batch(
    consumer: &mut lapin::Consumer,
    first: lapin::message::Delivery,
    max: usize,
    linger: std::time::Duration,
) -> Vec<lapin::message::Delivery> {
    use futures_util::StreamExt;
    let mut batch = vec![first];
    let deadline = tokio::time::Instant::now() + linger;
    while batch.len() < max {
        // A ready delivery is taken even once the deadline has passed.
        match tokio::time::timeout_at(deadline, consumer.next()).await {
            Ok(Some(Ok(delivery))) => batch.push(delivery),
            _ => break,
        }
    }
    batch
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Runs the consumers until `shutdown` resolves, then stops consuming,
/// finishes the batches in flight and returns.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let config = Arc::new(config);
    install_data_keys(&config)?;
    // Bound first, so that a bad address stops the worker before it consumes
    // anything.
    let metrics = config
        .metrics_bind
        .as_deref()
        .map(serve_metrics)
        .transpose()?;
    let pool = db::pool_with_limits(
        &config.database_url,
        config.db_pool_size,
        config.db_timeout,
        db::SessionLimits {
            statement_timeout: config.db_statement_timeout,
            idle_in_transaction_timeout: config.db_idle_tx_timeout,
        },
    );
    let relay_handle = RelayHandle::default();
    let (stop, stopped) = watch::channel(false);

    let relay = Relay {
        pool: pool.clone(),
        amqp_url: config.amqp_url.clone(),
        topology: Topology::new(&config.amqp_prefix),
        connection_name: "sigap-worker relay".into(),
        interval: config.relay_interval,
        handle: relay_handle.clone(),
    };
    let relay_task = tokio::spawn(relay.run(stopped.clone()));
    let deliveries = Arc::new(tokio::sync::Notify::new());
    let routing_task = tokio::spawn(routing::run(
        config.clone(),
        pool.clone(),
        relay_handle.clone(),
        deliveries.clone(),
        stopped.clone(),
    ));
    let delivery_task = tokio::spawn(webhooks::deliver(
        config.clone(),
        pool.clone(),
        deliveries,
        stopped.clone(),
    ));
    let escalation_task = tokio::spawn(escalation::run(
        config.clone(),
        pool.clone(),
        relay_handle.clone(),
        stopped.clone(),
    ));
    let requeue_task = tokio::spawn(requeue::run(
        config.clone(),
        pool.clone(),
        relay_handle.clone(),
        stopped.clone(),
    ));
    let export_task = tokio::spawn(exports::run(config.clone(), pool.clone(), stopped.clone()));
    let retention_task = tokio::spawn(retention::run(
        config.clone(),
        pool.clone(),
        stopped.clone(),
    ));
    tracing::info!(prefix = %config.amqp_prefix, "sigap-worker started");

    shutdown.await;
    tracing::info!("stopping: finishing in-flight work");
    let _ = stop.send(true);
    routing_task.await?;
    escalation_task.await?;
    requeue_task.await?;
    export_task.await?;
    retention_task.await?;
    delivery_task.await?;
    relay_task.await?;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    tracing::info!("sigap-worker stopped");
    Ok(())
}

/// The Prometheus exporter's own listener, serving `/metrics` at `bind`
/// until the returned task is aborted.
fn serve_metrics(bind: &str) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let address = std::net::ToSocketAddrs::to_socket_addrs(bind)
        .ok()
        .and_then(|mut addresses| addresses.next())
        .with_context(|| {
            format!("SIGAP_METRICS_BIND {bind:?} is not an address such as 127.0.0.1:9091")
        })?;
    let exporter = sigap_runtime::telemetry::serve_metrics(address)?;
    tracing::info!(%address, "worker metrics listening");
    Ok(tokio::spawn(async move {
        if let Err(error) = exporter.await {
            tracing::error!(?error, "worker metrics stopped");
        }
    }))
}

/// Parses the personal-data keys of `config` and makes them the process's
/// (see `sigap_store::privacy`): exports and case rows are encrypted.
fn install_data_keys(config: &Config) -> anyhow::Result<()> {
    let (data, index) = config.data_keys.expose();
    sigap_store::privacy::install(sigap_store::privacy::KeyRing::parse(data, index)?);
    Ok(())
}
