use serde_json::{Value, json};
use sigap_tests::{Worker, report_body, spawn_app};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_filed_report_is_assigned_within_seconds_with_its_explanation() {
    let app = spawn_app().await;
    let mut events = app.tap("events", "report.#").await;
    let worker = Worker::start(app.config());
    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(
        report["unit_code"], "SENTRA-MULYA-JAYA",
        "Sijunjung is in Mulya Jaya's working area"
    );
    assert!(report["sla_due_at"].is_string());
    let assigned = &report["events"][1];
    assert_eq!(assigned["kind"], "assigned");
    assert_eq!(assigned["actor"], "sigap-router");
    let decision = &assigned["details"];
    assert_eq!(decision["outcome"], "assigned");
    assert_eq!(decision["level"], "regency");
    assert!(decision["rule_id"].is_i64());
    assert!(decision["candidates"].as_array().expect("candidates").len() > 1);
    assert!(
        decision["reason"]
            .as_str()
            .expect("reason")
            .contains("SENTRA-MULYA-JAYA")
    );

    let messages = events.expect(1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["event"], "report.assigned");
    assert_eq!(messages[0]["unit_code"], "SENTRA-MULYA-JAYA");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_no_unit_serves_goes_to_triage_with_the_reason() {
    let app = spawn_app().await;
    // Deactivate every unit serving all categories: nothing is left for poverty.
    let db = app.db.client().await;
    db.execute(
        "UPDATE units SET active = false WHERE categories = '{}'",
        &[],
    )
    .await
    .expect("update");
    let worker = Worker::start(app.config());
    let mut body = report_body();
    body["category"] = json!("poverty");
    let id = app.file(&body).await["id"].as_str().expect("id").to_owned();
    let report = app
        .wait_for_status(&id, "needs_triage", Duration::from_secs(10))
        .await;
    assert!(report["unit_code"].is_null());
    let reason = report["triage_reason"].as_str().expect("reason");
    assert!(reason.contains("poverty"), "{reason}");
    assert_eq!(report["events"][1]["details"]["outcome"], "needs_triage");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_routing_message_is_dead_lettered_at_once() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    // Publish garbage straight onto the routing path.
    let connection = sigap_store::bus::connect(sigap_tests::AMQP, "test publisher")
        .await
        .expect("amqp");
    let channel = connection.create_channel().await.expect("channel");
    sigap_store::bus::Topology::new(&app.broker.prefix)
        .declare(&channel)
        .await
        .expect("declare");
    channel
        .basic_publish(
            format!("{}.reports", app.broker.prefix).into(),
            "report.received.normal".into(),
            Default::default(),
            b"{\"type\":\"SomethingElseV7\"}",
            Default::default(),
        )
        .await
        .expect("publish");
    let dead = format!("{}.routing.dead", app.broker.prefix);
    let mut count = 0;
    for _ in 0..100 {
        let queue = channel
            .queue_declare(
                dead.clone().into(),
                lapin::options::QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                Default::default(),
            )
            .await
            .expect("dead-letter queue exists");
        count = queue.message_count();
        if count > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count, 1);
    // The worker goes on routing real reports.
    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report: Value = app
        .wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(report["unit_code"], "SENTRA-MULYA-JAYA");
    let _ = connection.close(200, "done".into()).await;
    worker.stop().await;
}
