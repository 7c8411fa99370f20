//! Several workers, killed workers, and live directory changes.

use lapin::options::{BasicPublishOptions, QueuePurgeOptions};
use serde_json::{Value, json};
use sigap_domain::{Role, Urgency};
use sigap_store::bus::Topology;
use sigap_tests::{AMQP, TestApp, Worker, WorkerProcess, report_body, spawn_app};
use std::time::Duration;

/// Waits until the relay has published every outbox row.
pub(crate) async fn wait_outbox_sent(app: &TestApp) {
    let db = app.db.client().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let unsent: i64 = db
            .query_one("SELECT count(*) FROM outbox WHERE sent_at IS NULL", &[])
            .await
            .expect("count")
            .get(0);
        if unsent == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{unsent} outbox rows unsent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Empties this test's routing queues, as a broker losing them would;
/// returns how many messages were lost.
pub(crate) async fn purge_routing_queues(app: &TestApp) -> u32 {
    let connection = sigap_store::bus::connect(AMQP, "sigap-tests purge")
        .await
        .expect("amqp");
    let channel = connection.create_channel().await.expect("channel");
    let topology = Topology::new(&app.broker.prefix);
    let mut purged = 0;
    for urgency in Urgency::ALL {
        purged += channel
            .queue_purge(
                topology.routing_queue(*urgency).into(),
                QueuePurgeOptions::default(),
            )
            .await
            .expect("purge");
    }
    let _ = connection.close(200, "done".into()).await;
    purged
}

/// Puts `bodies` in this test's dead-letter queue, as routing does with a
/// message it gives up on.
pub(crate) async fn dead_letter(app: &TestApp, bodies: &[Vec<u8>]) {
    let connection = sigap_store::bus::connect(AMQP, "sigap-tests dead-letter")
        .await
        .expect("amqp");
    let channel = connection.create_channel().await.expect("channel");
    let topology = Topology::new(&app.broker.prefix);
    topology.declare(&channel).await.expect("declare");
    channel
        .confirm_select(Default::default())
        .await
        .expect("confirms");
    for body in bodies {
        channel
            .basic_publish(
                "".into(),
                topology.dead_letter_queue().into(),
                BasicPublishOptions::default(),
                body,
                lapin::BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .expect("publish")
            .await
            .expect("confirm");
    }
    let _ = connection.close(200, "done".into()).await;
}

/// Messages in this test's dead-letter queue.
pub(crate) async fn dead_letter_depth(app: &TestApp) -> u32 {
    let connection = sigap_store::bus::connect(AMQP, "sigap-tests depth")
        .await
        .expect("amqp");
    let channel = connection.create_channel().await.expect("channel");
    let depth =
        sigap_store::bus::redrive::dead_letter_depth(&channel, &Topology::new(&app.broker.prefix))
            .await
            .expect("depth");
    let _ = connection.close(200, "done".into()).await;
    depth
}

/// A routing message for the report `id`, as the outbox publishes it.
fn routing_message(id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": "ReportReceivedV1", "report_id": id, "urgency": "high"}))
        .expect("json")
}

/// Files `n` reports while no worker runs and loses their routing messages.
async fn file_and_lose(app: &TestApp, n: usize) -> Vec<String> {
    let ids = app.file_many(n, &report_body()).await;
    wait_outbox_sent(app).await;
    assert_eq!(
        purge_routing_queues(app).await as usize,
        n,
        "every message lost"
    );
    ids
}

/// Reports spread over several provinces and categories.
fn varied(i: usize) -> Value {
    let regions = [
        "13.03", "31.75", "33.23", "52.01", "73.71", "94.01", "11.01", "64.72",
    ];
    let categories = [
        "elderly",
        "child",
        "disability",
        "poverty",
        "disaster_victim",
    ];
    let mut body = report_body();
    body["region_code"] = json!(regions[i % regions.len()]);
    body["category"] = json!(categories[i % categories.len()]);
    body.as_object_mut().expect("object").remove("location");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn three_worker_processes_assign_each_of_1000_reports_exactly_once() {
    let app = spawn_app().await;
    let workers: Vec<WorkerProcess> = (0..3)
        .map(|_| WorkerProcess::spawn(&app, &[("SIGAP_PREFETCH", "50")]))
        .collect();
    for chunk in 0..5 {
        let mut ids = Vec::new();
        for i in 0..200 {
            ids.push(varied(chunk * 200 + i));
        }
        let token = app.token(Role::Operator);
        let requests = ids.iter().map(|b| {
            app.http
                .post(app.url("/v1/reports"))
                .bearer_auth(&token)
                .json(b)
                .send()
        });
        for response in futures_util::future::join_all(requests).await {
            assert_eq!(response.expect("request").status(), 201);
        }
    }
    app.wait_all_routed(Duration::from_secs(60)).await;
    app.assert_routed_exactly_once(1000).await;
    drop(workers);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_batch_loses_nothing_and_assigns_nothing_twice() {
    let app = spawn_app().await;
    let first = WorkerProcess::spawn(&app, &[("SIGAP_PREFETCH", "20")]);
    let body = report_body();
    let filing = app.file_many(1000, &body);
    let db = app.db.client().await;
    let killer = async {
        loop {
            let routed: i64 = db
                .query_one(
                    "SELECT count(*) FROM reports WHERE status <> 'received'",
                    &[],
                )
                .await
                .expect("count")
                .get(0);
            if routed >= 50 {
                first.kill();
                return routed;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let (ids, routed_at_kill) = tokio::join!(filing, killer);
    assert_eq!(ids.len(), 1000);
    let left: i64 = db
        .query_one(
            "SELECT count(*) FROM reports WHERE status = 'received'",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert!(
        left > 0,
        "the kill came mid-burst (routed {routed_at_kill} before it)"
    );
    let second = WorkerProcess::spawn(&app, &[]);
    app.wait_all_routed(Duration::from_secs(60)).await;
    app.assert_routed_exactly_once(1000).await;
    assert!(second.terminate().success(), "SIGTERM exits 0");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coverage_change_through_the_admin_api_changes_the_next_decision_of_a_running_worker() {
    let app = spawn_app().await;
    let worker = Worker::start(app.config());
    let first = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .wait_for_status(&first, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(report["unit_code"], "SENTRA-MULYA-JAYA");

    let admin = app.token(Role::Admin);
    let rule = app
        .post(
            "/v1/units/SENTRA-EFATA/coverage",
            &admin,
            &json!({"region_code": "13.03", "category": "elderly", "priority": 10}),
        )
        .await;
    assert_eq!(rule.status(), 201);
    let rule: Value = rule.json().await.expect("json");
    assert_eq!(rule["basis"], "admin");

    let second = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .wait_for_status(&second, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(
        report["unit_code"], "SENTRA-EFATA",
        "{}",
        report["events"][1]["details"]["reason"]
    );

    let removed = app
        .http
        .delete(app.url(&format!("/v1/coverage/{}", rule["id"])))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    assert_eq!(removed.status(), 204);
    let third = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .wait_for_status(&third, "assigned", Duration::from_secs(10))
        .await;
    assert_eq!(report["unit_code"], "SENTRA-MULYA-JAYA");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_critical_report_does_not_wait_behind_a_backlog_of_normal_ones() {
    let app = spawn_app().await;
    let mut normal = report_body();
    normal["urgency"] = json!("normal");
    app.file_many(600, &normal).await;
    let mut critical = report_body();
    critical["urgency"] = json!("critical");
    let critical_id = app.file(&critical).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Small batches, so that the normal backlog takes a while.
    let worker = Worker::start(sigap_tests::config(
        &app.db,
        &app.broker.prefix,
        &[("SIGAP_PREFETCH", "5")],
    ));
    app.wait_all_routed(Duration::from_secs(120)).await;
    let db = app.db.client().await;
    let earlier_normal: i64 = db
        .query_one(
            "SELECT count(*) FROM reports WHERE urgency = 'normal' AND assigned_at < (SELECT assigned_at FROM reports WHERE id = $1::text::uuid)",
            &[&critical_id],
        )
        .await
        .expect("count")
        .get(0);
    assert!(
        earlier_normal < 300,
        "{earlier_normal} of 600 normal reports were assigned before the critical one"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_route_preview_explains_a_decision_without_changing_anything() {
    let app = spawn_app().await;
    let supervisor = app.token(Role::Supervisor);
    let body = json!({"category": "elderly", "region_code": "13.03", "location": {"lat": -0.69, "lon": 100.95}});
    let response = app.post("/v1/route/preview", &supervisor, &body).await;
    assert_eq!(response.status(), 200);
    let decision: Value = response.json().await.expect("json");
    assert_eq!(decision["outcome"], "assigned");
    assert_eq!(decision["unit_code"], "SENTRA-MULYA-JAYA");
    assert_eq!(decision["level"], "regency");
    let candidates = decision["candidates"].as_array().expect("candidates");
    assert!(
        candidates
            .iter()
            .all(|c| c["distance_km"].is_number() && c["capacity"].is_number())
    );
    assert!(candidates[1]["rejected_because"].is_string());

    let excluded = app
        .post("/v1/route/preview", &supervisor, &json!({"category": "elderly", "region_code": "13.03", "exclude": ["SENTRA-MULYA-JAYA"]}))
        .await
        .json::<Value>()
        .await
        .expect("json");
    assert_ne!(excluded["unit_code"], "SENTRA-MULYA-JAYA");

    let bad = app
        .post(
            "/v1/route/preview",
            &supervisor,
            &json!({"category": "pets", "region_code": "99.99"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let unknown = app
        .post(
            "/v1/route/preview",
            &supervisor,
            &json!({"category": "elderly", "region_code": "99.99"}),
        )
        .await;
    assert_eq!(unknown.status(), 422);
    assert_eq!(
        app.post("/v1/route/preview", &app.token(Role::Operator), &body)
            .await
            .status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_edit_units_and_their_coverage() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let unit = json!({"name": "Loka Uji", "kind": "loka", "region_code": "94.01", "lat": -4.0, "lon": 138.9,
        "categories": ["child"], "capacity": 10, "active": true});
    let put = |body: Value, token: String| {
        app.http
            .put(app.url("/v1/units/LOKA-UJI"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let created = put(unit.clone(), admin.clone()).await.expect("request");
    assert_eq!(created.status(), 201);
    let mut changed = unit.clone();
    changed["capacity"] = json!(20);
    let replaced = put(changed, admin.clone()).await.expect("request");
    assert_eq!(replaced.status(), 200);
    assert_eq!(
        replaced.json::<Value>().await.expect("json")["capacity"],
        20
    );
    let mut bad = unit.clone();
    bad["region_code"] = json!("99.99");
    bad["lat"] = json!(40.0);
    let response = put(bad, admin.clone()).await.expect("request");
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "lat");
    assert_eq!(
        put(unit.clone(), app.token(Role::Supervisor))
            .await
            .expect("request")
            .status(),
        403
    );

    let rule = app
        .post(
            "/v1/units/LOKA-UJI/coverage",
            &admin,
            &json!({"region_code": "94.01"}),
        )
        .await;
    assert_eq!(rule.status(), 201);
    let again = app
        .post(
            "/v1/units/LOKA-UJI/coverage",
            &admin,
            &json!({"region_code": "94.01"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let missing = app
        .post(
            "/v1/units/NOPE/coverage",
            &admin,
            &json!({"region_code": "94.01"}),
        )
        .await;
    assert_eq!(missing.status(), 404);
    let list: Value = app
        .get("/v1/units/LOKA-UJI/coverage", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 1);

    let preview = app
        .post(
            "/v1/route/preview",
            &admin,
            &json!({"category": "child", "region_code": "94.01"}),
        )
        .await
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(preview["unit_code"], "LOKA-UJI");
    assert_eq!(
        app.http
            .delete(app.url("/v1/coverage/999999"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("request")
            .status(),
        404
    );
}

/// Longer than every delay of the routing retry schedule together (33.6 s):
/// an outage must not use it up.
const LONG_OUTAGE: Duration = Duration::from_secs(40);

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_longer_than_the_retry_schedule_dead_letters_nothing_and_loses_nothing() {
    let app = spawn_app().await;
    let proxy = sigap_tests::proxy::Proxy::start("127.0.0.1:5432").await;
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/{}",
        proxy.port, app.db.name
    );
    let worker = Worker::start(sigap_tests::config(
        &app.db,
        &app.broker.prefix,
        &[("DATABASE_URL", url.as_str()), ("SIGAP_DB_TIMEOUT", "1s")],
    ));
    app.file_many(100, &report_body()).await;
    app.wait_all_routed(Duration::from_secs(30)).await;

    proxy.cut();
    let ids = app.file_many(200, &report_body()).await;
    tokio::time::sleep(LONG_OUTAGE).await;
    let db = app.db.client().await;
    let waiting: i64 = db
        .query_one(
            "SELECT count(*) FROM reports WHERE status = 'received'",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(
        waiting, 200,
        "nothing is routed while the worker cannot reach the database"
    );
    assert_eq!(
        dead_letter_depth(&app).await,
        0,
        "an outage dead-letters nothing"
    );
    proxy.restore();
    app.wait_all_routed(Duration::from_secs(60)).await;
    app.assert_routed_exactly_once(300).await;
    assert_eq!(ids.len(), 200);
    let triaged: i64 = db
        .query_one(
            "SELECT count(*) FROM reports WHERE status = 'needs_triage'",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(
        triaged, 0,
        "the batch waited for the database instead of giving up on it"
    );
    assert_eq!(dead_letter_depth(&app).await, 0);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_received_report_whose_message_was_lost_is_announced_again_and_routed() {
    let app = spawn_app().await;
    let ids = file_and_lose(&app, 3).await;
    let worker = Worker::start(sigap_tests::config(
        &app.db,
        &app.broker.prefix,
        &[("SIGAP_REQUEUE_AFTER", "2s")],
    ));
    for id in &ids {
        app.wait_for_status(id, "assigned", Duration::from_secs(20))
            .await;
    }
    app.assert_routed_exactly_once(3).await;
    let db = app.db.client().await;
    let requeued: i64 = db
        .query_one(
            "SELECT count(*) FROM reports WHERE requeued_at IS NOT NULL",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(requeued, 3, "the sweeper announced each report again");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redrive_moves_dead_lettered_messages_back_to_routing_and_leaves_unreadable_ones() {
    let app = spawn_app().await;
    let ids = file_and_lose(&app, 2).await;
    let mut bodies: Vec<Vec<u8>> = ids.iter().map(|id| routing_message(id)).collect();
    bodies.push(b"{\"type\": \"ReportReceivedV9\"}".to_vec());
    dead_letter(&app, &bodies).await;
    assert_eq!(dead_letter_depth(&app).await, 3);

    let output = std::process::Command::new(sigap_tests::binary("sigap-api"))
        .arg("redrive")
        .env_clear()
        .env("AMQP_URL", AMQP)
        .env("SIGAP_AMQP_PREFIX", &app.broker.prefix)
        .env("SIGAP_JWT_SECRET", sigap_tests::JWT_SECRET)
        .env("SIGAP_DATA_KEYS", sigap_tests::DATA_KEYS)
        .env("SIGAP_INDEX_KEY", sigap_tests::INDEX_KEY)
        .output()
        .expect("run sigap-api redrive (cargo build builds it first)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("redriven: 2"), "{stdout}");
    assert_eq!(
        dead_letter_depth(&app).await,
        1,
        "the unreadable message stays"
    );

    // The sweeper would route them too, but not within this test.
    let worker = Worker::start(app.config());
    for id in &ids {
        app.wait_for_status(id, "assigned", Duration::from_secs(20))
            .await;
    }
    app.assert_routed_exactly_once(2).await;
    worker.stop().await;
}
