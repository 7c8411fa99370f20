//! Client secrets under attack: a flood of wrong secrets, repeated failures,
//! and secrets kept out of the logs.

use serde_json::{Value, json};
use sigap_domain::Role;
use sigap_tests::{JWT_SECRET, TestApp, spawn_app};
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

/// Creates a client with every scope; returns its id and secret.
async fn client(app: &TestApp) -> (String, String) {
    let response = app
        .post(
            "/v1/clients",
            &app.token(Role::Admin),
            &json!({"name": "partner", "scopes": ["reports:write", "reports:read", "open311"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let client: Value = response.json().await.expect("json");
    (
        client["client_id"].as_str().expect("id").to_owned(),
        client["client_secret"].as_str().expect("secret").to_owned(),
    )
}

async fn grant(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_wrong_secrets_does_not_take_the_api_down() {
    let app = spawn_app().await;
    let (id, _) = client(&app).await;
    // Ready before the flood (the relay connects to the broker at start).
    let deadline = Instant::now() + Duration::from_secs(15);
    while app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz")
        .status()
        != 200
    {
        assert!(Instant::now() < deadline, "the api never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(400)
        .build()
        .expect("client");
    let url = app.url("/v1/auth/token");
    let flood = tokio::spawn({
        let id = id.clone();
        async move {
            let requests = (0..300).map(|i| {
                let http = http.clone();
                let url = url.clone();
                let form = [
                    ("grant_type", "client_credentials".to_owned()),
                    ("client_id", id.clone()),
                    ("client_secret", format!("wrong-{i}")),
                ];
                async move {
                    let response = http.post(&url).form(&form).send().await.expect("request");
                    let status = response.status().as_u16();
                    let retry_after = response.headers().get("retry-after").is_some();
                    (status, retry_after)
                }
            });
            futures_util::future::join_all(requests).await
        }
    });

    // Meanwhile a supervisor works, and the load balancer asks /readyz.
    let supervisor = app.token(Role::Supervisor);
    let mut latencies = Vec::new();
    tokio::time::sleep(Duration::from_millis(100)).await;
    while !flood.is_finished() || latencies.is_empty() {
        let started = Instant::now();
        let reports = app.get("/v1/reports", &supervisor).await;
        latencies.push(started.elapsed());
        assert_eq!(reports.status(), 200);
        let ready = app
            .http
            .get(app.url("/readyz"))
            .send()
            .await
            .expect("readyz");
        let status = ready.status();
        assert_eq!(status, 200, "{}", ready.text().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answers = flood.await.expect("flood");
    let count = |code: u16| answers.iter().filter(|(s, _)| *s == code).count();
    assert_eq!(count(503), 0, "no request may find the pool exhausted");
    assert_eq!(
        count(401) + count(429),
        300,
        "each wrong secret is refused (401) or told to retry (429): {answers:?}"
    );
    assert!(
        answers.iter().all(|(s, retry)| *s != 429 || *retry),
        "every 429 says when to retry"
    );
    latencies.sort();
    eprintln!(
        "flood: {} answered 401, {} answered 429; GET /v1/reports during it: {} samples, median {:?}, max {:?}",
        count(401),
        count(429),
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_from_many_addresses_is_bounded_by_the_hashing_slots() {
    // 300 unknown client ids from 30 loopback addresses, 10 each: no failure
    // limit applies, so every request needs a hash (against the dummy), and
    // the hashing slots alone keep the api answering.
    let app = spawn_app().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz")
        .status()
        != 200
    {
        assert!(Instant::now() < deadline, "the api never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = app.url("/v1/auth/token");
    let clients: Vec<reqwest::Client> = (0..30u8)
        .map(|i| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .local_address(std::net::IpAddr::from([127, 0, 1, i + 1]))
                .build()
                .expect("client")
        })
        .collect();
    let flood = tokio::spawn(async move {
        let requests = (0..300usize).map(|i| {
            let http = clients[i % clients.len()].clone();
            let url = url.clone();
            let form = [
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", format!("cli_{i:016x}")),
                ("client_secret", "wrong".to_owned()),
            ];
            async move {
                let response = http.post(&url).form(&form).send().await.expect("request");
                response.status().as_u16()
            }
        });
        futures_util::future::join_all(requests).await
    });
    let supervisor = app.token(Role::Supervisor);
    let mut latencies = Vec::new();
    tokio::time::sleep(Duration::from_millis(100)).await;
    while !flood.is_finished() || latencies.is_empty() {
        let started = Instant::now();
        let reports = app.get("/v1/reports", &supervisor).await;
        latencies.push(started.elapsed());
        assert_eq!(reports.status(), 200);
        let ready = app
            .http
            .get(app.url("/readyz"))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status(), 200);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answers = flood.await.expect("flood");
    let count = |code: u16| answers.iter().filter(|s| **s == code).count();
    assert_eq!(count(503), 0, "no request may find the pool exhausted");
    assert_eq!(count(401) + count(429), 300, "{answers:?}");
    latencies.sort();
    eprintln!(
        "distributed flood: {} answered 401 (hashed), {} answered 429; GET /v1/reports during it: {} samples, median {:?}, max {:?}",
        count(401),
        count(429),
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_are_refused_before_any_hashing() {
    let app = spawn_app().await;
    let (id, secret) = client(&app).await;
    let (other_id, other_secret) = client(&app).await;
    // A verified credential is remembered for a while.
    assert_eq!(grant(&app, &id, &secret).await.status(), 200);

    for _ in 0..10 {
        assert_eq!(grant(&app, &id, "wrong").await.status(), 401);
    }
    let limited = grant(&app, &id, "wrong").await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        limited.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = limited.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/rate-limited");

    // The partner's remembered credential still works; an unknown client id
    // from this address, and a client not yet verified, wait like the rest:
    // the failures came from this address.
    assert_eq!(grant(&app, &id, &secret).await.status(), 200);
    assert_eq!(grant(&app, "cli_unknown", "x").await.status(), 429);
    assert_eq!(grant(&app, &other_id, &other_secret).await.status(), 429);

    // Open311 api_key checks share the limits.
    let response = app
        .http
        .get(app.url("/open311/v2/requests.json"))
        .header("X-Api-Key", format!("{other_id}:{other_secret}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_client_ids_are_refused_like_wrong_secrets() {
    let app = spawn_app().await;
    let response = grant(&app, "cli_0000000000000000", "whatever").await;
    assert_eq!(response.status(), 401);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["error"], "invalid_client");
    // And they count as failures of that id.
    for _ in 0..9 {
        assert_eq!(
            grant(&app, "cli_0000000000000000", "whatever")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        grant(&app, "cli_0000000000000000", "whatever")
            .await
            .status(),
        429
    );
}

/// The JSON log lines of a `sigap-api serve` process on the test's database.
pub(crate) struct ServeProcess {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Every line read so far.
    seen: Vec<String>,
    pub(crate) address: String,
}

impl ServeProcess {
    fn start(app: &TestApp) -> ServeProcess {
        ServeProcess::start_with(app, &[])
    }

    /// With more (or other) environment variables.
    pub(crate) fn start_with(app: &TestApp, extra: &[(&str, &str)]) -> ServeProcess {
        let config = app.config();
        let mut child = std::process::Command::new(sigap_tests::binary("sigap-api"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &config.database_url)
            .env("AMQP_URL", &config.amqp_url)
            .env("SIGAP_JWT_SECRET", JWT_SECRET)
            .env("SIGAP_DATA_KEYS", sigap_tests::DATA_KEYS)
            .env("SIGAP_INDEX_KEY", sigap_tests::INDEX_KEY)
            .env("SIGAP_AMQP_PREFIX", &config.amqp_prefix)
            .env("SIGAP_BIND", "127.0.0.1:0")
            .env("SIGAP_LOG_FORMAT", "json")
            .env("SIGAP_DATA_DIR", &config.data_dir)
            .env("RUST_LOG", "debug")
            .envs(extra.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start sigap-api (make test builds it first)");
        let (sender, lines) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        let mut process = ServeProcess {
            child,
            lines,
            seen: Vec::new(),
            address: String::new(),
        };
        let started = process
            .wait_for("sigap-api listening", Duration::from_secs(30))
            .expect("the api starts");
        let line: Value = serde_json::from_str(&started).expect("a JSON line");
        process.address = format!("http://127.0.0.1:{}", line["port"]);
        process
    }

    /// Log lines until one contains `text` (returned), or `None` after `within`.
    fn wait_for(&mut self, text: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return Some(line);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }

    /// Stops the process and returns every line it logged since `start`.
    pub(crate) fn stop(mut self) -> Vec<String> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(100));
        let mut lines = std::mem::take(&mut self.seen);
        lines.extend(self.lines.try_iter());
        lines
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_key_or_client_secret_never_reaches_the_logs() {
    let app = spawn_app().await;
    let (id, secret) = client(&app).await;
    let api_key = format!("{id}:{secret}");
    let mut serve = ServeProcess::start(&app);
    let url = |path: &str| format!("{}{path}", serve.address);
    let form = [
        ("service_code", "elderly"),
        ("lat", "-0.69"),
        ("long", "100.95"),
        ("description", "Lansia tinggal sendiri, butuh kursi roda."),
    ];

    // The api_key in the query string, as many Open311 clients send it.
    let filed = app
        .http
        .post(url("/open311/v2/requests.json"))
        .query(&[("api_key", api_key.as_str())])
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(filed.status(), 201);
    // In the X-Api-Key header.
    let listed = app
        .http
        .get(url("/open311/v2/requests.json"))
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .expect("request");
    assert_eq!(listed.status(), 200);
    // A wrong one in the query, and a grant with every secret parameter in
    // the URL (which the grant does not read, but a client may send).
    let wrong = app
        .http
        .get(url("/open311/v2/requests.json"))
        .query(&[("api_key", format!("{id}:{secret}x"))])
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), 403);
    let grant = app
        .http
        .post(url("/v1/auth/token"))
        .query(&[
            ("client_secret", secret.as_str()),
            ("password", secret.as_str()),
            ("token", secret.as_str()),
        ])
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(grant.status(), 200);

    let filed_line = serve
        .wait_for("report filed through open311", Duration::from_secs(10))
        .expect("the filing is logged");
    let lines = serve.stop();
    assert!(
        filed_line.contains("api_key=[redacted]"),
        "the request's span is logged, redacted: {filed_line}"
    );
    assert!(lines.len() > 3, "the process logged: {lines:?}");
    for line in &lines {
        assert!(!line.contains(&secret), "a secret was logged: {line}");
    }
}
