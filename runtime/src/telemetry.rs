//! Logging (readable lines in development, JSON lines in production) and
//! the process's Prometheus metrics.

use crate::config::LogFormat;
use metrics_exporter_prometheus::{ExporterFuture, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // A second call (tests) keeps the first subscriber.
    drop(result);
}

/// The process's Prometheus metrics: one recorder, installed once.
static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();

fn prometheus() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets(&[
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        ])
        .expect("static buckets are valid")
}

/// The process-wide Prometheus recorder, installed on first use; the api
/// renders it at its own `/metrics`.
pub fn metrics_handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            prometheus()
                .install_recorder()
                .expect("the metrics recorder is installed once")
        })
        .clone()
}

/// Installs the process-wide recorder with the exporter's own HTTP listener
/// bound at `address`, for a process without an HTTP server of its own (the
/// worker). The returned future serves `/metrics` until dropped. Fails when
/// the address cannot be bound, or when the process already installed its
/// recorder (an api and a worker in one test process share the api's).
pub fn serve_metrics(address: SocketAddr) -> Result<ExporterFuture, MetricsError> {
    if HANDLE.get().is_some() {
        return Err(MetricsError::AlreadyInstalled);
    }
    let (recorder, exporter) = prometheus()
        .with_http_listener(address)
        .build()
        .map_err(|e| MetricsError::Listener(e.to_string()))?;
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| MetricsError::AlreadyInstalled)?;
    let _ = HANDLE.set(handle);
    Ok(exporter)
}

/// Why the metrics listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The process's recorder serves another endpoint already.
    #[error("this process already records its metrics for another endpoint")]
    AlreadyInstalled,
    /// The address could not be bound.
    #[error("cannot serve metrics: {0}")]
    Listener(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_records_its_metrics_for_one_endpoint() {
        let _handle = metrics_handle();
        let address = SocketAddr::from(([127, 0, 0, 1], 0));
        assert!(matches!(
            serve_metrics(address),
            Err(MetricsError::AlreadyInstalled)
        ));
    }
}
