//! Signed webhook deliveries to a receiver on loopback.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sigap_domain::Role;
use sigap_tests::{TestApp, Worker, report_body, spawn_app_with};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
struct Received {
    event_id: String,
    event: String,
    signature: String,
    body: Vec<u8>,
}

/// An HTTP receiver that records what it gets and fails the first `fail_first` requests.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let store = received.clone();
        let server = HttpServer::new(move || {
            let store = store.clone();
            let calls = calls.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let store = store.clone();
                let calls = calls.clone();
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) < fail_first {
                        return HttpResponse::InternalServerError().finish();
                    }
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    store.lock().expect("lock").push(Received {
                        event_id: header("sigap-event-id"),
                        event: header("sigap-event"),
                        signature: header("sigap-signature"),
                        body: body.to_vec(),
                    });
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .expect("bind receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/sigap"),
            received,
            handle,
        }
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.received.lock().expect("lock").clone();
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Verifies a `Sigap-Signature` the way a partner would.
fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_owned()),
            Some(("v1", value)) => v1 = Some(value.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap_or(0);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = hex::decode(v1).unwrap_or_default();
    age.abs() < 300 && mac.verify_slice(&expected).is_ok()
}

const SECRET: &str = "partner-shared-secret-0001";

async fn app_with_webhooks() -> (TestApp, Worker) {
    let extra = [
        ("SIGAP_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("SIGAP_WEBHOOK_RETRY_BASE", "100ms"),
    ];
    let app = spawn_app_with(&extra).await;
    let worker = Worker::start(app.config());
    (app, worker)
}

async fn subscribe(app: &TestApp, token: &str, url: &str, events: Value) -> Value {
    let response = app
        .post(
            "/v1/webhooks",
            token,
            &json!({"url": url, "events": events, "secret": SECRET}),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_on_loopback_gets_a_signed_event_for_each_status_change() {
    let (app, worker) = app_with_webhooks().await;
    let receiver = Receiver::start(0).await;
    let integrator = app.token(Role::Integrator);
    subscribe(
        &app,
        &integrator,
        &receiver.url,
        json!(["report.assigned", "report.status.*"]),
    )
    .await;

    // A report someone else filed is not the integrator's business.
    let other = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let filed = app
        .post("/v1/reports", &integrator, &report_body())
        .await
        .json::<Value>()
        .await
        .expect("json");
    let id = filed["id"].as_str().expect("id").to_owned();
    app.wait_for_status(&id, "assigned", Duration::from_secs(10))
        .await;
    app.wait_for_status(&other, "assigned", Duration::from_secs(10))
        .await;
    let staff = app.token(Role::UptStaff);
    for status in ["acknowledged", "assessing"] {
        let response = app
            .post(
                &format!("/v1/reports/{id}/status"),
                &staff,
                &json!({"status": status}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }

    let got = receiver.wait_for(3, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_all = receiver.received.lock().expect("lock").clone();
    assert_eq!(
        got_all.len(),
        3,
        "exactly the three subscribed events of its own report: {got:?}"
    );
    let events: Vec<&str> = got_all.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "report.assigned",
            "report.status.acknowledged",
            "report.status.assessing"
        ]
    );
    for received in &got_all {
        assert!(
            verify(SECRET, &received.signature, &received.body),
            "signature verifies: {}",
            received.signature
        );
        assert!(!verify(
            "another-secret-entirely",
            &received.signature,
            &received.body
        ));
        let body: Value = serde_json::from_slice(&received.body).expect("json body");
        assert_eq!(body["report_id"], id.as_str());
        assert_eq!(body["event_id"], received.event_id.as_str());
        assert!(body.get("reporter").is_none());
    }
    receiver.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_fails_then_recovers_gets_the_event_after_retries() {
    let (app, worker) = app_with_webhooks().await;
    let receiver = Receiver::start(2).await;
    let admin = app.token(Role::Admin);
    let subscription = subscribe(&app, &admin, &receiver.url, json!(["report.assigned"])).await;
    let id = app.file(&report_body()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 1);
    assert!(verify(SECRET, &got[0].signature, &got[0].body));
    let body: Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(body["report_id"], id.as_str());

    let log: Value = app
        .get(
            &format!(
                "/v1/webhooks/{}/deliveries",
                subscription["id"].as_str().expect("id")
            ),
            &admin,
        )
        .await
        .json()
        .await
        .expect("json");
    let delivery = &log["items"][0];
    assert_eq!(
        (delivery["status"].as_str(), delivery["attempts"].as_i64()),
        (Some("delivered"), Some(3))
    );
    assert_eq!(delivery["last_status_code"], 204);
    receiver.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_that_keeps_failing_is_paused_and_says_why() {
    let (app, worker) = app_with_webhooks().await;
    let receiver = Receiver::start(usize::MAX).await;
    let admin = app.token(Role::Admin);
    let subscription = subscribe(&app, &admin, &receiver.url, json!(["report.#"])).await;
    let id = subscription["id"].as_str().expect("id").to_owned();
    app.file_many(12, &report_body()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let paused = loop {
        let list: Value = app
            .get("/v1/webhooks", &admin)
            .await
            .json()
            .await
            .expect("json");
        let current = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|s| s["id"] == id.as_str())
            .expect("listed")
            .clone();
        if current["active"] == false {
            break current;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never paused: {current}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let reason = paused["paused_reason"].as_str().expect("reason");
    assert!(
        reason.contains("failed attempts in a row") && reason.contains("HTTP 500"),
        "{reason}"
    );
    receiver.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn private_addresses_and_bad_subscriptions_are_refused() {
    let app = sigap_tests::spawn_app().await;
    let integrator = app.token(Role::Integrator);
    let cases = [
        (
            json!({"url": "http://127.0.0.1:9/hook", "events": ["report.assigned"], "secret": SECRET}),
            "url",
        ),
        (
            json!({"url": "http://192.168.1.10/hook", "events": ["report.assigned"], "secret": SECRET}),
            "url",
        ),
        (
            json!({"url": "https://8.8.8.8/hook", "events": [], "secret": SECRET}),
            "events",
        ),
        (
            json!({"url": "https://8.8.8.8/hook", "events": ["report assigned"], "secret": SECRET}),
            "events[0]",
        ),
        (
            json!({"url": "https://8.8.8.8/hook", "events": ["report.#"], "secret": "short"}),
            "secret",
        ),
    ];
    for (body, field) in cases {
        let response = app.post("/v1/webhooks", &integrator, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(
        app.post("/v1/webhooks", &app.token(Role::Operator), &json!({}))
            .await
            .status(),
        403
    );
    let created = app
        .post(
            "/v1/webhooks",
            &integrator,
            &json!({"url": "https://8.8.8.8/hook", "events": ["report.#"], "secret": SECRET}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let other = app.token_with(Role::Integrator, "someone-else", None, None);
    assert_eq!(
        app.get(&format!("/v1/webhooks/{id}/deliveries"), &other)
            .await
            .status(),
        404
    );
    let removed = app
        .http
        .delete(app.url(&format!("/v1/webhooks/{id}")))
        .bearer_auth(&integrator)
        .send()
        .await
        .expect("request");
    assert_eq!(removed.status(), 204);
}
