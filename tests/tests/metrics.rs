//! The worker's Prometheus endpoint (`SIGAP_METRICS_BIND`), served by the
//! exporter's own HTTP listener in the worker's process.

use sigap_tests::stack::free_port;
use sigap_tests::{TestApp, WorkerProcess, report_body, spawn_app};
use std::time::Duration;

const ASSIGNED: &str = r#"sigap_reports_routed_total{outcome="assigned"}"#;

/// The value of one series in a text exposition.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        line.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// `GET url` until something answers (a worker process takes a moment to
/// bind); the body.
async fn scrape(app: &TestApp, url: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match app.http.get(url).send().await {
            Ok(response) => {
                assert_eq!(response.status(), 200, "{url}");
                return response.text().await.expect("text");
            }
            Err(error) => {
                assert!(tokio::time::Instant::now() < deadline, "{url}: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Files a report and waits until the worker has assigned it.
async fn file_and_route(app: &TestApp) {
    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_process_serves_its_routing_metrics_at_sigap_metrics_bind() {
    let app = spawn_app().await;
    let bind = format!("127.0.0.1:{}", free_port());
    let worker = WorkerProcess::spawn(&app, &[("SIGAP_METRICS_BIND", &bind)]);
    let url = format!("http://{bind}/metrics");
    let before = scrape(&app, &url).await;
    assert_eq!(sample(&before, ASSIGNED), None, "nothing routed yet");

    file_and_route(&app).await;
    let after = scrape(&app, &url).await;
    assert_eq!(sample(&after, ASSIGNED), Some(1.0), "{after}");
    assert_eq!(
        sample(&after, "sigap_filed_to_assigned_seconds_count"),
        Some(1.0),
        "{after}"
    );
    // The configured buckets, not the exporter's summary quantiles.
    assert_eq!(
        sample(&after, r#"sigap_filed_to_assigned_seconds_bucket{le="60"}"#),
        Some(1.0),
        "{after}"
    );
    assert!(worker.terminate().success(), "SIGTERM exits 0");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_reports_the_dead_letter_depth_and_the_age_of_the_oldest_received_report() {
    use crate::workers::{dead_letter, purge_routing_queues, wait_outbox_sent};
    let app = spawn_app().await;
    // A report whose routing message is lost waits, received; two messages
    // wait in the dead-letter queue.
    app.file(&report_body()).await;
    wait_outbox_sent(&app).await;
    assert_eq!(purge_routing_queues(&app).await, 1);
    dead_letter(&app, &[b"{}".to_vec(), b"{}".to_vec()]).await;

    let bind = format!("127.0.0.1:{}", free_port());
    let worker = WorkerProcess::spawn(&app, &[("SIGAP_METRICS_BIND", &bind)]);
    let url = format!("http://{bind}/metrics");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let exposition = scrape(&app, &url).await;
        let depth = sample(&exposition, "sigap_dead_letter_depth");
        let age = sample(&exposition, "sigap_oldest_received_age_seconds");
        if depth == Some(2.0) && age.is_some_and(|a| a > 0.0) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "depth {depth:?}, oldest received {age:?}:\n{exposition}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(worker.terminate().success(), "SIGTERM exits 0");
}
