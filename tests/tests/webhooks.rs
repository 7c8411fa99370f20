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
pub(crate) struct Received {
    event_id: String,
    pub(crate) event: String,
    signature: String,
    pub(crate) body: Vec<u8>,
}

/// An HTTP receiver that records what it gets and fails the first `fail_first` requests.
pub(crate) struct Receiver {
    pub(crate) url: String,
    received: Arc<Mutex<Vec<Received>>>,
    pub(crate) handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub(crate) async fn start(fail_first: usize) -> Receiver {
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

    pub(crate) async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
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
    app_with_webhooks_retrying_after("100ms").await
}

async fn app_with_webhooks_retrying_after(base: &str) -> (TestApp, Worker) {
    let extra = [
        ("SIGAP_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("SIGAP_WEBHOOK_RETRY_BASE", base),
    ];
    let app = spawn_app_with(&extra).await;
    let worker = Worker::start(app.config());
    (app, worker)
}

pub(crate) async fn subscribe(app: &TestApp, token: &str, url: &str, events: Value) -> Value {
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
    // Deliveries of one subscription run side by side, so their order is not
    // promised (receivers order by `occurred_at`).
    let mut events: Vec<&str> = got_all.iter().map(|r| r.event.as_str()).collect();
    events.sort_unstable();
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
        reason.contains("failed attempts in a row") && reason.contains("http_500"),
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

/// Every way found to smuggle a private address past the check, refused at
/// subscription with `SIGAP_WEBHOOK_ALLOW_PRIVATE` unset.
#[tokio::test(flavor = "multi_thread")]
async fn every_form_of_a_private_address_is_refused_at_subscription() {
    let app = sigap_tests::spawn_app().await;
    let integrator = app.token(Role::Integrator);
    for url in [
        "http://127.0.0.1\\x.example.com/hook",
        "http://8.8.8.8\\@127.0.0.1/hook",
        "http://user@8.8.8.8/hook",
        "http://8.8.8.8/a b",
        "http://8.8.8.8/\r\nX: y",
        "gopher://8.8.8.8/",
        "http:///127.0.0.1/",
        "http://localhost:9/hook",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://0/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://198.18.0.1/",
        "http://240.0.0.1/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[ff02::1]/",
    ] {
        let response = app
            .post(
                "/v1/webhooks",
                &integrator,
                &json!({"url": url, "events": ["report.#"], "secret": SECRET}),
            )
            .await;
        assert_eq!(response.status(), 422, "{url:?}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], "url", "{url:?}: {problem}");
    }
    // The URL is stored as parsed: what was checked is what is requested.
    let created = subscribe(
        &app,
        &integrator,
        "HTTPS://8.8.8.8:443/a/../hook",
        json!(["#"]),
    )
    .await;
    assert_eq!(created["url"], "https://8.8.8.8/hook");
}

/// A TCP listener that counts connections and answers each with 204.
struct Listener {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Listener {
    async fn start() -> Listener {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    let _ = socket.read(&mut buffer).await;
                    let _ = socket
                        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        Listener { port, connections }
    }
}

/// A DNS answer that changes: a public address first, then loopback.
struct Rebinding {
    asked: AtomicUsize,
}

impl sigap_store::webhooks::address::Lookup for Rebinding {
    fn lookup(
        &self,
        _: &str,
    ) -> futures_util::future::BoxFuture<'static, std::io::Result<Vec<std::net::IpAddr>>> {
        let first = self.asked.fetch_add(1, Ordering::SeqCst) == 0;
        let ip = if first {
            [93, 184, 216, 34]
        } else {
            [127, 0, 0, 1]
        };
        Box::pin(async move { Ok(vec![std::net::IpAddr::from(ip)]) })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_rebinds_to_loopback_after_the_check_never_reaches_loopback() {
    use sigap_store::webhooks::address;
    let app = sigap_tests::spawn_app().await;
    let config = app.config();
    assert!(!config.webhook_allow_private);
    let listener = Listener::start().await;
    let rebinding = Arc::new(Rebinding {
        asked: AtomicUsize::new(0),
    });
    let raw = format!("http://rebind.sigap.test:{}/hook", listener.port);

    // At subscription the name answers a public address and passes.
    let url = address::check(rebinding.as_ref(), &raw, false)
        .await
        .expect("a public answer passes the check");
    let pool = sigap_store::db::pool(&app.db.url, 2, Duration::from_secs(5));
    let admin = app.token(Role::Admin);
    let subscription = {
        let mut conn = pool.get().await.expect("connection");
        let subscription = sigap_store::webhooks::subscribe(
            &mut conn,
            "admin-test",
            Role::Admin,
            &url,
            &["report.#".to_owned()],
            SECRET,
        )
        .await
        .expect("subscribe");
        app.db
            .client()
            .await
            .execute(
                "INSERT INTO webhook_deliveries (subscription_id, event_id, event, payload) \
                 VALUES ($1::text::uuid, gen_random_uuid(), 'report.assigned', '{}'::jsonb)",
                &[&subscription.id.to_string()],
            )
            .await
            .expect("a due delivery");
        subscription
    };

    // At delivery it answers loopback: the worker's resolver refuses it.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let lookup: Arc<dyn address::Lookup> = rebinding.clone();
    let delivering = tokio::spawn(sigap_worker::webhooks::deliver_with(
        Arc::new(config),
        pool.clone(),
        Arc::default(),
        stopped,
        sigap_worker::webhooks::Sender::new(false, lookup.clone()),
    ));
    let path = format!("/v1/webhooks/{}/deliveries", subscription.id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let delivery = loop {
        let log: Value = app.get(&path, &admin).await.json().await.expect("json");
        let delivery = log["items"][0].clone();
        if !delivery["last_error"].is_null() {
            break delivery;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never attempted: {log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = stop.send(true);
    delivering.await.expect("delivery loop");
    assert_eq!(delivery["last_error"], "refused_address", "{delivery}");
    assert_eq!(delivery["status"], "pending");
    assert!(rebinding.asked.load(Ordering::SeqCst) >= 2);
    assert_eq!(
        listener.connections.load(Ordering::SeqCst),
        0,
        "nothing reached 127.0.0.1"
    );

    // The same sender with private addresses allowed does reach the
    // listener: the refusal above is the policy, not a broken setup.
    let due = sigap_store::webhooks::Due {
        id: 0,
        subscription_id: subscription.id,
        event_id: uuid::Uuid::new_v4(),
        event: "report.assigned".into(),
        payload: json!({}),
        attempts: 1,
        url: url.as_str().to_owned(),
        secret: SECRET.into(),
    };
    let allowed = sigap_worker::webhooks::Sender::new(true, lookup);
    assert_eq!(allowed.send(&due).await, Ok(204));
    assert_eq!(listener.connections.load(Ordering::SeqCst), 1);
}

/// Event ids with when they arrived.
type Arrivals = Arc<Mutex<Vec<(String, chrono::DateTime<chrono::Utc>)>>>;

/// A receiver that records when each event arrives, optionally after a delay.
struct Timed {
    url: String,
    arrivals: Arrivals,
    handle: actix_web::dev::ServerHandle,
}

impl Timed {
    async fn start(delay: Duration) -> Timed {
        let arrivals: Arrivals = Arc::default();
        let store = arrivals.clone();
        let server = HttpServer::new(move || {
            let store = store.clone();
            App::new().default_service(web::to(move |req: HttpRequest| {
                let store = store.clone();
                async move {
                    let event_id = req
                        .headers()
                        .get("sigap-event-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    store
                        .lock()
                        .expect("lock")
                        .push((event_id, chrono::Utc::now()));
                    tokio::time::sleep(delay).await;
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(2)
        .max_connections(1000)
        .disable_signals()
        .bind("127.0.0.1:0")
        .expect("bind receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Timed {
            url: format!("http://127.0.0.1:{port}/hook"),
            arrivals,
            handle,
        }
    }

    fn count(&self) -> usize {
        self.arrivals.lock().expect("lock").len()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tarpit_subscriber_delays_no_other_subscriber() {
    let (app, worker) = app_with_webhooks().await;
    let tarpit = Timed::start(Duration::from_millis(9900)).await;
    let fast = Timed::start(Duration::ZERO).await;
    let admin = app.token(Role::Admin);
    subscribe(&app, &admin, &tarpit.url, json!(["report.#"])).await;
    let quick = subscribe(&app, &admin, &fast.url, json!(["report.#"])).await;

    // The tarpit takes deliveries and holds every slot it gets ...
    app.file_many(6, &report_body()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tarpit.count() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the tarpit got nothing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ... while more events come for both.
    app.file_many(6, &report_body()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while fast.count() < 12 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the fast subscriber got {} of 12",
            fast.count()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log: Value = app
        .get(
            &format!(
                "/v1/webhooks/{}/deliveries",
                quick["id"].as_str().expect("id")
            ),
            &admin,
        )
        .await
        .json()
        .await
        .expect("json");
    let due_at: std::collections::HashMap<String, chrono::DateTime<chrono::Utc>> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| {
            (
                d["event_id"].as_str().expect("event id").to_owned(),
                d["created_at"]
                    .as_str()
                    .expect("created")
                    .parse()
                    .expect("time"),
            )
        })
        .collect();
    let arrivals = fast.arrivals.lock().expect("lock").clone();
    let mut worst = chrono::Duration::zero();
    for (event_id, arrived) in &arrivals {
        let lag = *arrived - due_at[event_id];
        worst = worst.max(lag);
    }
    println!(
        "fast subscriber: {} deliveries, worst lag after due {} ms; tarpit received {} so far",
        arrivals.len(),
        worst.num_milliseconds(),
        tarpit.count()
    );
    assert!(
        worst < chrono::Duration::seconds(1),
        "a fast delivery arrived {} ms after it was due",
        worst.num_milliseconds()
    );
    assert!(
        tarpit.count() < 12,
        "the tarpit is still working through its queue"
    );
    tarpit.handle.stop(false).await;
    fast.handle.stop(false).await;
    worker.stop().await;
}

/// A receiver that fails until told to succeed, counting calls.
struct Switch {
    url: String,
    calls: Arc<AtomicUsize>,
    succeed: Arc<std::sync::atomic::AtomicBool>,
    handle: actix_web::dev::ServerHandle,
}

impl Switch {
    async fn start() -> Switch {
        let calls = Arc::new(AtomicUsize::new(0));
        let succeed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (c, s) = (calls.clone(), succeed.clone());
        let server = HttpServer::new(move || {
            let (c, s) = (c.clone(), s.clone());
            App::new().default_service(web::to(move || {
                let (c, s) = (c.clone(), s.clone());
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    if s.load(Ordering::SeqCst) {
                        HttpResponse::NoContent().finish()
                    } else {
                        HttpResponse::ServiceUnavailable().finish()
                    }
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
        Switch {
            url: format!("http://127.0.0.1:{port}/hook"),
            calls,
            succeed,
            handle,
        }
    }
}

async fn deliveries_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let log: Value = app
        .get(&format!("/v1/webhooks/{id}/deliveries?limit=500"), token)
        .await
        .json()
        .await
        .expect("json");
    log["items"].as_array().expect("items").clone()
}

async fn subscription_of(app: &TestApp, token: &str, id: &str) -> Value {
    let list: Value = app
        .get("/v1/webhooks", token)
        .await
        .json()
        .await
        .expect("json");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["id"] == id)
        .expect("listed")
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_subscription_keeps_its_events_and_delivers_them_when_resumed() {
    let (app, worker) = app_with_webhooks().await;
    let receiver = Switch::start().await;
    let integrator = app.token(Role::Integrator);
    let subscription =
        subscribe(&app, &integrator, &receiver.url, json!(["report.assigned"])).await;
    let id = subscription["id"].as_str().expect("id").to_owned();
    for _ in 0..10 {
        assert_eq!(
            app.post("/v1/reports", &integrator, &report_body())
                .await
                .status(),
            201
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while subscription_of(&app, &integrator, &id).await["active"] == true {
        assert!(tokio::time::Instant::now() < deadline, "never paused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let paused = subscription_of(&app, &integrator, &id).await;
    assert!(
        paused["paused_reason"]
            .as_str()
            .is_some_and(|r| r.contains("http_503")),
        "{paused}"
    );
    // Events that come while it is paused are kept for it, not sent.
    let later = app
        .post("/v1/reports", &integrator, &report_body())
        .await
        .json::<Value>()
        .await
        .expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.wait_for_status(&later, "assigned", Duration::from_secs(10))
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while deliveries_of(&app, &integrator, &id).await.len() < 11 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the paused subscription lost an event"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let calls_while_paused = receiver.calls.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.calls.load(Ordering::SeqCst), calls_while_paused);

    // Only its owner (or an admin) resumes it.
    let other = app.token_with(Role::Integrator, "someone-else", None, None);
    let path = format!("/v1/webhooks/{id}/resume");
    assert_eq!(app.post(&path, &other, &json!({})).await.status(), 404);
    assert_eq!(
        app.post(&path, &app.token(Role::Operator), &json!({}))
            .await
            .status(),
        403
    );
    receiver.succeed.store(true, Ordering::SeqCst);
    let resumed = app.post(&path, &integrator, &json!({})).await;
    assert_eq!(resumed.status(), 200);
    let resumed: Value = resumed.json().await.expect("json");
    assert_eq!(
        (
            &resumed["active"],
            &resumed["consecutive_failures"],
            &resumed["paused_reason"]
        ),
        (&json!(true), &json!(0), &Value::Null)
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let log = deliveries_of(&app, &integrator, &id).await;
        let delivered = log.iter().filter(|d| d["status"] == "delivered").count();
        let pending = log.iter().filter(|d| d["status"] == "pending").count();
        if pending == 0 {
            assert_eq!(delivered, 11, "every kept event delivered: {log:?}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still pending after resume: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_that_gave_up_is_sent_again_on_retry() {
    let (app, worker) = app_with_webhooks().await;
    let receiver = Switch::start().await;
    let admin = app.token(Role::Admin);
    let subscription = subscribe(&app, &admin, &receiver.url, json!(["report.assigned"])).await;
    let id = subscription["id"].as_str().expect("id").to_owned();
    app.file(&report_body()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while receiver.calls.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never attempted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // As if every retry of the schedule had failed.
    app.db
        .client()
        .await
        .execute(
            "UPDATE webhook_deliveries SET status = 'failed', attempts = 7 WHERE subscription_id = $1::text::uuid",
            &[&id],
        )
        .await
        .expect("give up");
    let delivery = deliveries_of(&app, &admin, &id).await[0].clone();
    assert_eq!(delivery["status"], "failed");
    assert_eq!(delivery["last_error"], "http_503");
    let retry = format!("/v1/webhooks/{id}/deliveries/{}/retry", delivery["id"]);
    let other = app.token_with(Role::Integrator, "someone-else", None, None);
    assert_eq!(app.post(&retry, &other, &json!({})).await.status(), 404);
    assert_eq!(
        app.post(
            &format!("/v1/webhooks/{id}/deliveries/999999/retry"),
            &admin,
            &json!({})
        )
        .await
        .status(),
        404
    );

    receiver.succeed.store(true, Ordering::SeqCst);
    let queued = app.post(&retry, &admin, &json!({})).await;
    assert_eq!(queued.status(), 200);
    assert_eq!(
        queued.json::<Value>().await.expect("json")["status"],
        "pending"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let delivery = deliveries_of(&app, &admin, &id).await[0].clone();
        if delivery["status"] == "delivered" {
            assert_eq!(delivery["attempts"], 8);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not sent again: {delivery}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = app.post(&retry, &admin, &json!({})).await;
    assert_eq!(again.status(), 409);
    let problem: Value = again.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("delivered already")),
        "{problem}"
    );
    receiver.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_holds_at_most_twenty_subscriptions_with_one_hash_per_pattern() {
    let app = sigap_tests::spawn_app().await;
    let integrator = app.token(Role::Integrator);
    let body =
        |events: Value| json!({"url": "https://8.8.8.8/hook", "events": events, "secret": SECRET});
    let response = app
        .post("/v1/webhooks", &integrator, &body(json!(["#.status.#"])))
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "events[0]", "{problem}");

    let wide = body(json!(["report.#"]));
    let created = futures_util::future::join_all(
        (0..22).map(|_| app.post("/v1/webhooks", &integrator, &wide)),
    )
    .await;
    let statuses: Vec<u16> = created.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        2,
        "{statuses:?}"
    );
    let refused = created
        .into_iter()
        .find(|r| r.status() == 409)
        .expect("a 409");
    let problem: Value = refused.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("at most 20")),
        "{problem}"
    );
    // Another owner has its own twenty.
    let other = app.token_with(Role::Integrator, "someone-else", None, None);
    assert_eq!(
        app.post("/v1/webhooks", &other, &body(json!(["report.#"])))
            .await
            .status(),
        201
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_client_stops_its_webhooks_at_once() {
    let (app, worker) = app_with_webhooks_retrying_after("2s").await;
    let admin = app.token(Role::Admin);
    let client: Value = app
        .post(
            "/v1/clients",
            &admin,
            &json!({"name": "Partner app", "scopes": ["reports:write", "reports:read", "webhooks"]}),
        )
        .await
        .json()
        .await
        .expect("json");
    let client_id = client["client_id"].as_str().expect("id").to_owned();
    let token: Value = app
        .http
        .post(app.url("/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            (
                "client_secret",
                client["client_secret"].as_str().expect("secret"),
            ),
        ])
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let token = token["access_token"].as_str().expect("token").to_owned();
    let failing = Switch::start().await;
    let subscription = subscribe(&app, &token, &failing.url, json!(["report.#"])).await;
    let id = subscription["id"].as_str().expect("id").to_owned();
    // A control subscriber sees every event, so we know when one was fanned out.
    let control = Receiver::start(0).await;
    subscribe(&app, &admin, &control.url, json!(["report.#"])).await;

    let filed: Value = app
        .post("/v1/reports", &token, &report_body())
        .await
        .json()
        .await
        .expect("json");
    let report = filed["id"].as_str().expect("id").to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while failing.calls.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never attempted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Its retry is pending (due in 2 s) when the client is revoked.
    let revoked = app
        .http
        .delete(app.url(&format!("/v1/clients/{client_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    assert_eq!(revoked.status(), 204);
    let before = deliveries_of(&app, &admin, &id).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["status"], "pending");

    // A later event of its report: the control gets it, the revoked client
    // gets no delivery row for it.
    let seen = control.received.lock().expect("lock").len();
    let staff = app.token(Role::UptStaff);
    let moved = app
        .post(
            &format!("/v1/reports/{report}/status"),
            &staff,
            &json!({"status": "acknowledged"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let got = control.wait_for(seen + 1, Duration::from_secs(10)).await;
    assert!(got.iter().any(|r| r.event == "report.status.acknowledged"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = deliveries_of(&app, &admin, &id).await;
    assert_eq!(after.len(), 1, "no delivery for a later event: {after:?}");
    assert_eq!(after[0]["status"], "pending");
    assert_eq!(after[0]["attempts"], 1, "the pending retry was not sent");
    assert_eq!(failing.calls.load(Ordering::SeqCst), 1);
    let listed = subscription_of(&app, &admin, &id).await;
    assert_eq!(listed["active"], false);
    assert!(
        listed["paused_reason"]
            .as_str()
            .is_some_and(|r| r.contains("revoked"))
    );
    let resume = app
        .post(&format!("/v1/webhooks/{id}/resume"), &admin, &json!({}))
        .await;
    assert_eq!(resume.status(), 409);
    failing.handle.stop(false).await;
    control.handle.stop(false).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_delivery_log_shows_a_failure_class_not_the_connection_error() {
    let (app, worker) = app_with_webhooks().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let admin = app.token(Role::Admin);
    let subscription = subscribe(
        &app,
        &admin,
        &format!("http://127.0.0.1:{closed}/hook"),
        json!(["report.assigned"]),
    )
    .await;
    let id = subscription["id"].as_str().expect("id").to_owned();
    app.file(&report_body()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let delivery = loop {
        let log = deliveries_of(&app, &admin, &id).await;
        if let Some(delivery) = log.first().filter(|d| !d["last_error"].is_null()) {
            break delivery.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "never attempted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(delivery["last_error"], "connect_failed", "{delivery}");
    assert!(delivery["last_status_code"].is_null());
    worker.stop().await;
}
