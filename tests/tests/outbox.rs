use serde_json::Value;
use sigap_domain::Role;
use sigap_tests::proxy::Proxy;
use sigap_tests::{ApiServer, TestApp, report_body, spawn_app, spawn_app_with};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

async fn readiness(app: &TestApp, address: &str) -> (u16, Value) {
    let response = app
        .http
        .get(format!("{address}/readyz"))
        .send()
        .await
        .expect("request");
    (
        response.status().as_u16(),
        response.json().await.expect("json"),
    )
}

async fn wait_readiness(app: &TestApp, address: &str, broker: &str) -> Value {
    for _ in 0..200 {
        let (_, body) = readiness(app, address).await;
        if body["broker"] == broker {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("broker never became {broker}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_outage_loses_no_report() {
    let proxy = Proxy::start("127.0.0.1:5672").await;
    let amqp_url = proxy.amqp_url();
    let app = spawn_app_with(&[("AMQP_URL", amqp_url.as_str())]).await;
    let mut tap = app.tap("reports", "#").await;
    let api = &app.api;
    let token = app.token(Role::Operator);
    wait_readiness(&app, &api.address, "up").await;

    proxy.cut();
    let body = wait_readiness(&app, &api.address, "down").await;
    assert_eq!(body["database"], "up");
    let (status, body) = readiness(&app, &api.address).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &Value::from("ready")),
        "reports are still accepted, so the api stays ready: {body}"
    );
    let mut filed = HashSet::new();
    for _ in 0..20 {
        let response = app
            .http
            .post(format!("{}/v1/reports", api.address))
            .bearer_auth(&token)
            .json(&report_body())
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            201,
            "intake keeps answering while the broker is away"
        );
        filed.insert(
            response.json::<Value>().await.expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    assert!(
        tap.collect(Duration::from_millis(500)).await.is_empty(),
        "nothing is published while cut"
    );
    let (_, body) = readiness(&app, &api.address).await;
    assert_eq!(body["outbox_backlog"], 20, "{body}");

    proxy.restore();
    wait_readiness(&app, &api.address, "up").await;
    let messages = tap.expect(20, Duration::from_secs(20)).await;
    let published: HashSet<String> = messages
        .iter()
        .map(|m| m["report_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(messages.len(), 20, "each report published once");
    assert_eq!(published, filed);
    let db = app.db.client().await;
    let unsent: i64 = db
        .query_one("SELECT count(*) FROM outbox WHERE sent_at IS NULL", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(unsent, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_api_processes_relaying_one_outbox_publish_each_row_once() {
    let app = spawn_app().await;
    let mut tap = app.tap("reports", "#").await;
    let second = ApiServer::start(app.config()).await;
    let token = app.token(Role::Operator);
    let mut filed = HashSet::new();
    let mut requests = Vec::new();
    for i in 0..300 {
        let address = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.address.clone()
        };
        let request = app
            .http
            .post(format!("{address}/v1/reports"))
            .bearer_auth(&token)
            .json(&report_body())
            .send();
        requests.push(request);
    }
    for response in futures_util::future::join_all(requests).await {
        let response = response.expect("request");
        assert_eq!(response.status(), 201);
        filed.insert(
            response.json::<Value>().await.expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let messages = tap.expect(300, Duration::from_secs(30)).await;
    let ids: Vec<String> = messages
        .iter()
        .map(|m| m["report_id"].as_str().expect("id").to_owned())
        .collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), 300, "no row published twice");
    assert_eq!(unique, filed, "every row published");
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_is_unavailable_only_without_the_database() {
    let app = spawn_app().await;
    let (status, body) = readiness(&app, &app.address).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "up");
    assert!(body["outbox_backlog"].is_i64(), "{body}");

    // A second api whose database link can be cut.
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/{}",
        proxy.port, app.db.name
    );
    let api = ApiServer::start(sigap_tests::config(
        &app.db,
        &app.broker.prefix,
        &[("DATABASE_URL", url.as_str()), ("SIGAP_DB_TIMEOUT", "1s")],
    ))
    .await;
    assert_eq!(readiness(&app, &api.address).await.0, 200);
    proxy.cut();
    let (status, body) = readiness(&app, &api.address).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"], "down");
    assert!(body.get("outbox_backlog").is_none(), "{body}");
    proxy.restore();
    api.stop().await;
}

/// An event row for the outbox, as the store writes it.
fn event_row(i: usize) -> (Uuid, &'static str, String, Value) {
    let id = Uuid::now_v7();
    let payload = serde_json::json!({
        "type": "ReportEventV1", "event_id": id, "event": "report.status.acknowledged",
        "report_id": Uuid::nil(), "ticket": format!("CC-2026-{i:06}"), "status": "acknowledged",
        "unit_code": "SENTRA-MULYA-JAYA", "occurred_at": "2026-12-03T00:00:00Z"
    });
    (id, "events", "report.status.acknowledged".into(), payload)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_outbox_row_is_parked_while_the_others_are_sent_once() {
    let app = spawn_app().await;
    let mut tap = app.tap("events", "report.#").await;
    let db = app.db.client().await;
    // Written in one statement, so that the relay reads them in one batch:
    // ten events and, in the middle, a new report whose routing key no
    // queue is bound to, which the broker returns (mandatory publish).
    let mut rows: Vec<(Uuid, &str, String, Value)> = (0..10).map(event_row).collect();
    let unroutable = Uuid::now_v7();
    rows.insert(
        5,
        (
            unroutable,
            "reports",
            "report.received.nowhere".into(),
            serde_json::json!({"type": "ReportReceivedV1", "report_id": Uuid::nil(), "urgency": "high"}),
        ),
    );
    let values: Vec<String> = rows
        .iter()
        .map(|(id, exchange, key, payload)| {
            format!("('{id}', '{exchange}', '{key}', '{payload}'::jsonb)")
        })
        .collect();
    db.execute(
        &format!(
            "INSERT INTO outbox (message_id, exchange, routing_key, payload) VALUES {}",
            values.join(", ")
        ),
        &[],
    )
    .await
    .expect("insert");

    // A relay that republished the batch would send it again and again, and
    // the tap would never fall quiet: bound the wait.
    let messages = tokio::time::timeout(Duration::from_secs(20), async {
        let messages = tap.expect(10, Duration::from_secs(10)).await;
        // Long enough for a relay that republished the batch to do it again.
        [messages, tap.collect(Duration::from_secs(2)).await].concat()
    })
    .await
    .expect("the relay keeps republishing the batch");
    let tickets: HashSet<String> = messages
        .iter()
        .map(|m| m["ticket"].as_str().expect("ticket").to_owned())
        .collect();
    assert_eq!(messages.len(), 10, "each event sent once");
    assert_eq!(tickets.len(), 10);

    let parked = db
        .query_one(
            "SELECT parked_at IS NOT NULL, parked_reason, sent_at IS NULL FROM outbox \
             WHERE message_id = $1::text::uuid",
            &[&unroutable.to_string()],
        )
        .await
        .expect("row");
    assert!(parked.get::<_, bool>(0), "the returned row is parked");
    let reason: String = parked.get(1);
    assert!(reason.contains("NO_ROUTE"), "{reason}");
    assert!(parked.get::<_, bool>(2), "a parked row is not marked sent");
    let unsent: i64 = db
        .query_one(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(unsent, 0, "the others are marked sent");
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.lines().any(|l| l == "sigap_outbox_parked_total 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pooled_connections_carry_the_statement_and_idle_transaction_timeouts() {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }
    let app = spawn_app().await;
    let limits = sigap_store::db::SessionLimits {
        statement_timeout: Duration::from_millis(1500),
        idle_in_transaction_timeout: Duration::from_secs(7),
    };
    let pool = sigap_store::db::pool_with_limits(&app.db.url, 1, Duration::from_secs(10), limits);
    let mut conn = pool.get().await.expect("connection");
    let show = async |conn: &mut sigap_store::db::PooledConn, name: &str| {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
            .get_result::<Setting>(&mut **conn)
            .await
            .expect("setting")
            .value
    };
    assert_eq!(show(&mut conn, "statement_timeout").await, "1500ms");
    assert_eq!(
        show(&mut conn, "idle_in_transaction_session_timeout").await,
        "7s"
    );
    // A statement past the limit is cancelled.
    let slow = diesel::sql_query("SELECT pg_sleep(3)")
        .execute(&mut *conn)
        .await;
    assert!(
        slow.is_err(),
        "pg_sleep(3) outlived a 1.5 s statement_timeout"
    );

    // The defaults: 30 s and 60 s.
    let default_pool = sigap_store::db::pool(&app.db.url, 1, Duration::from_secs(10));
    let mut conn = default_pool.get().await.expect("connection");
    assert_eq!(show(&mut conn, "statement_timeout").await, "30s");
    assert_eq!(
        show(&mut conn, "idle_in_transaction_session_timeout").await,
        "1min"
    );
}
