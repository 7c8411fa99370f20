//! Sigap's worker: routes received reports, escalates cases that miss their
//! SLA, delivers webhooks, and relays the outbox. Stateless: run as many as needed; they compete
//! for the same queues.

pub mod escalation;
pub mod routing;
pub mod webhooks;

use actix_web::{App, HttpResponse, HttpServer, web};
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
    let pool = db::pool(&config.database_url, config.db_pool_size, config.db_timeout);
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
    let metrics_server = match &config.metrics_bind {
        Some(bind) => Some(metrics_server(bind)?),
        None => None,
    };
    tracing::info!(prefix = %config.amqp_prefix, "sigap-worker started");

    shutdown.await;
    tracing::info!("stopping: finishing in-flight work");
    let _ = stop.send(true);
    routing_task.await?;
    escalation_task.await?;
    delivery_task.await?;
    relay_task.await?;
    if let Some(server) = metrics_server {
        server.stop(true).await;
    }
    tracing::info!("sigap-worker stopped");
    Ok(())
}

fn metrics_server(bind: &str) -> anyhow::Result<actix_web::dev::ServerHandle> {
    let handle = sigap_runtime::telemetry::metrics_handle();
    let server = HttpServer::new(move || {
        let handle = handle.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let body = handle.render();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/plain; version=0.0.4")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(bind)?
    .run();
    let server_handle = server.handle();
    tokio::spawn(server);
    tracing::info!(%bind, "worker metrics listening");
    Ok(server_handle)
}
