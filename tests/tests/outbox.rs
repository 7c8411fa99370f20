use serde_json::Value;
use sigap_domain::Role;
use sigap_tests::proxy::Proxy;
use sigap_tests::{ApiServer, TestApp, report_body, spawn_app, spawn_app_with};
use std::collections::HashSet;
use std::time::Duration;

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
    assert_eq!(readiness(&app, &api.address).await.0, 503);
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
