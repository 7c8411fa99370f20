//! Test harness: every test gets its own database (cloned from a migrated and
//! seeded template) and its own AMQP prefix, and talks HTTP to a real server.

pub mod proxy;
pub mod stack;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sigap_domain::{Role, Urgency};
use sigap_runtime::auth::Tokens;
use sigap_runtime::config::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_postgres::NoTls;

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
/// Every scope an integrator can hold, as a token's `scope` claim.
pub const ALL_SCOPES: &str = "reports:write reports:read webhooks open311";

pub const JWT_SECRET: &str = "test-secret-0123456789abcdef0123456789";
/// The personal-data key ring of test processes (`SIGAP_DATA_KEYS`).
pub const DATA_KEYS: &str = "t1:dGVzdC1kYXRhLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=";
/// The blind-index key of test processes (`SIGAP_INDEX_KEY`).
pub const INDEX_KEY: &str = "dGVzdC1pbmRleC1rZXktMDEyMzQ1Njc4OWFiY2RlZjA=";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A binary built by `cargo build` (which `make test` runs first).
pub fn binary(name: &str) -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"))
        .join("debug")
        .join(name)
}

fn pg_url(db: &str) -> String {
    format!("postgres://postgres@127.0.0.1:5432/{db}")
}

async fn admin() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(PG_ADMIN, NoTls)
        .await
        .expect("connect to postgres");
    tokio::spawn(connection);
    client
}

/// Name of the template for the current migrations and data: a change to
/// either makes a new one.
fn template_name() -> String {
    let root = workspace_root();
    let mut hasher = Sha256::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["migrations", "data"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "sql" || e == "csv") {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    for f in files {
        hasher.update(
            f.strip_prefix(&root)
                .expect("inside root")
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(std::fs::read(&f).expect("read file"));
    }
    format!("sigap_tmpl_{}", &hex::encode(hasher.finalize())[..16])
}

/// Creates the template once (across test processes, under an advisory lock).
async fn ensure_template() -> String {
    let name = template_name();
    let client = admin().await;
    client
        .execute("SELECT pg_advisory_lock(4242)", &[])
        .await
        .expect("lock");
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .expect("query")
        .is_some();
    if !exists {
        let building = format!("{name}_building");
        client
            .execute(
                &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
                &[],
            )
            .await
            .expect("drop");
        client
            .execute(&format!("CREATE DATABASE {building}"), &[])
            .await
            .expect("create");
        let url = pg_url(&building);
        sigap_store::db::migrate(&url)
            .await
            .expect("migrate template");
        {
            use diesel_async_connection::establish;
            let mut conn = establish(&url).await;
            sigap_store::seed::seed(&mut conn, &workspace_root().join("data"))
                .await
                .expect("seed template");
        }
        client
            .execute(&format!("ALTER DATABASE {building} RENAME TO {name}"), &[])
            .await
            .expect("rename");
    }
    client
        .execute("SELECT pg_advisory_unlock(4242)", &[])
        .await
        .expect("unlock");
    name
}

mod diesel_async_connection {
    use sigap_store::db::PooledConn;
    pub async fn establish(url: &str) -> PooledConn {
        sigap_store::db::pool(url, 1, std::time::Duration::from_secs(10))
            .get()
            .await
            .expect("connect")
    }
}

/// A database of its own for one test, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let template = ensure_template().await;
        let name = format!("sigap_t_{}", uuid::Uuid::new_v4().simple());
        let client = admin().await;
        let mut attempts = 0;
        loop {
            match client
                .execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"), &[])
                .await
            {
                Ok(_) => break,
                // Another test may be cloning the template at this instant.
                Err(e) if attempts < 50 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot create test database: {e}"),
            }
        }
        TestDb {
            url: pg_url(&name),
            name,
        }
    }

    /// A plain client on this database, for checks the API does not expose.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
    }
}

/// Runs async clean-up from `Drop`, on a thread of its own (the test's
/// runtime may be shutting down).
fn clean_up<F: std::future::Future<Output = ()> + Send + 'static>(work: F) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(work);
    })
    .join();
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        clean_up(async move {
            if let Ok((client, connection)) = tokio_postgres::connect(PG_ADMIN, NoTls).await {
                tokio::spawn(connection);
                let _ = client
                    .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
                    .await;
            }
        });
    }
}

/// A unique AMQP prefix whose exchanges and queues are deleted at the end.
pub struct TestBroker {
    pub prefix: String,
}

impl TestBroker {
    pub fn new() -> TestBroker {
        TestBroker {
            prefix: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        }
    }
}

impl Default for TestBroker {
    fn default() -> Self {
        TestBroker::new()
    }
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        let prefix = self.prefix.clone();
        clean_up(async move {
            let Ok(conn) = sigap_store::bus::connect(AMQP, "sigap-tests cleanup").await else {
                return;
            };
            let Ok(channel) = conn.create_channel().await else {
                return;
            };
            let topology = sigap_store::bus::Topology::new(&prefix);
            let mut queues: Vec<String> = Urgency::ALL
                .iter()
                .map(|u| topology.routing_queue(*u))
                .collect();
            queues.push(topology.dead_letter_queue());
            queues.push(topology.webhooks_queue());
            queues.push(format!("{prefix}.test-tap"));
            for queue in queues {
                let _ = channel
                    .queue_delete(queue.into(), QueueDeleteOptions::default())
                    .await;
            }
            for exchange in [topology.reports_exchange(), topology.events_exchange()] {
                let _ = channel
                    .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
                    .await;
            }
            let _ = conn.close(200, "done".into()).await;
        });
    }
}

/// Configuration for a test's processes.
pub fn config(db: &TestDb, prefix: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in [
        ("DATABASE_URL", db.url.as_str()),
        ("AMQP_URL", AMQP),
        ("SIGAP_BIND", "127.0.0.1:0"),
        ("SIGAP_JWT_SECRET", JWT_SECRET),
        ("SIGAP_DATA_KEYS", DATA_KEYS),
        ("SIGAP_INDEX_KEY", INDEX_KEY),
        ("SIGAP_AMQP_PREFIX", prefix),
        ("SIGAP_DB_POOL_SIZE", "8"),
        ("SIGAP_RELAY_INTERVAL", "200ms"),
        (
            "SIGAP_DATA_DIR",
            &workspace_root().join("data").display().to_string(),
        ),
    ] {
        vars.insert(k.into(), v.into());
    }
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    Config::from_vars(vars).expect("test config")
}

/// A running api server.
pub struct ApiServer {
    pub address: String,
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ApiServer {
    pub async fn start(config: Config) -> ApiServer {
        let app = sigap_api::Application::build(config)
            .await
            .expect("build app");
        let port = app.port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            tokio::select! {
                _ = app.run_until_stopped() => {}
                _ = stopped => {}
            }
        });
        ApiServer {
            address: format!("http://127.0.0.1:{port}"),
            port,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// A worker running in this process.
pub struct Worker {
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Worker {
    pub fn start(config: Config) -> Worker {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            sigap_worker::run(config, shutdown)
                .await
                .expect("worker runs");
        });
        Worker {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Asks it to stop and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Everything one test needs: database, broker prefix, server, tokens.
pub struct TestApp {
    pub db: TestDb,
    pub broker: TestBroker,
    pub api: ApiServer,
    pub address: String,
    pub http: reqwest::Client,
    tokens: Tokens,
    config: Config,
}

/// Starts the api on a fresh database and prefix.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_on(TestDb::new().await, extra).await
}

/// Starts the api on a database the test prepared, and a fresh prefix.
pub async fn spawn_app_on(db: TestDb, extra: &[(&str, &str)]) -> TestApp {
    let broker = TestBroker::new();
    let config = config(&db, &broker.prefix, extra);
    let api = ApiServer::start(config.clone()).await;
    let tokens = Tokens::from_config(&config).expect("tokens");
    TestApp {
        address: api.address.clone(),
        db,
        broker,
        api,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        tokens,
        config,
    }
}

impl TestApp {
    pub fn config(&self) -> Config {
        self.config.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Signs a token for `role` (with the unit or region that role needs).
    pub fn token(&self, role: Role) -> String {
        let mut claims =
            self.tokens
                .claims(&format!("{role}-test"), role, Duration::from_secs(3600));
        match role {
            Role::UptStaff => claims.unit = Some("SENTRA-MULYA-JAYA".into()),
            Role::Regional => claims.region = Some("13".into()),
            Role::Integrator => claims.scope = Some(ALL_SCOPES.into()),
            _ => {}
        }
        self.tokens.sign(&claims).expect("sign")
    }

    /// An integrator token for `sub` with exactly `scope` (space-separated).
    pub fn integrator_token(&self, sub: &str, scope: &str) -> String {
        let mut claims = self
            .tokens
            .claims(sub, Role::Integrator, Duration::from_secs(3600));
        claims.scope = Some(scope.into());
        self.tokens.sign(&claims).expect("sign")
    }

    pub fn token_with(
        &self,
        role: Role,
        sub: &str,
        unit: Option<&str>,
        region: Option<&str>,
    ) -> String {
        let mut claims = self.tokens.claims(sub, role, Duration::from_secs(3600));
        claims.unit = unit.map(str::to_owned);
        claims.region = region.map(str::to_owned);
        if role == Role::Integrator {
            claims.scope = Some(ALL_SCOPES.into());
        }
        self.tokens.sign(&claims).expect("sign")
    }

    pub fn sign(&self, claims: &sigap_domain::Claims) -> String {
        self.tokens.sign(claims).expect("sign")
    }

    pub fn claims(&self, sub: &str, role: Role) -> sigap_domain::Claims {
        self.tokens.claims(sub, role, Duration::from_secs(3600))
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Files a report as an operator; panics unless it is created.
    pub async fn file(&self, body: &Value) -> Value {
        let response = self
            .post("/v1/reports", &self.token(Role::Operator), body)
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 201, "filing failed: {body}");
        body
    }

    /// Waits until the report reaches `status` (or panics after `within`).
    pub async fn wait_for_status(&self, id: &str, status: &str, within: Duration) -> Value {
        let token = self.token(Role::Supervisor);
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let report: Value = self
                .get(&format!("/v1/reports/{id}"), &token)
                .await
                .json()
                .await
                .expect("json");
            if report["status"] == status {
                return report;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "report {id} is {} not {status}",
                report["status"]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A queue bound to this test's exchange, to count what is published.
    pub async fn tap(&self, exchange: &str, routing_key: &str) -> Tap {
        Tap::new(
            &format!("{}.{}", self.broker.prefix, exchange),
            &format!("{}.test-tap", self.broker.prefix),
            routing_key,
        )
        .await
    }
}

/// Washington Group answers: no difficulty (some with remembering) except
/// the `(domain, answer)` pairs given.
pub fn functioning(difficult: &[(&str, &str)]) -> Value {
    let mut answers = json!({"seeing": "no_difficulty", "hearing": "no_difficulty",
        "walking": "no_difficulty", "remembering": "some_difficulty",
        "self_care": "no_difficulty", "communicating": "no_difficulty"});
    for (domain, answer) in difficult {
        answers[*domain] = json!(answer);
    }
    answers
}

/// Steps of case work over HTTP, each of which must succeed.
impl TestApp {
    /// A POST that must answer 2xx; its body.
    pub async fn ok(&self, path: &str, token: &str, body: Value) -> Value {
        let response = self.post(path, token, &body).await;
        let status = response.status();
        let answer: Value = response.json().await.expect("json");
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// The people of a report: name → id.
    pub async fn people_of(&self, report: &str, token: &str) -> BTreeMap<String, String> {
        let people: Value = self
            .get(&format!("/v1/reports/{report}/beneficiaries"), token)
            .await
            .json()
            .await
            .expect("json");
        people["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or("").to_owned(),
                    p["id"].as_str().expect("id").to_owned(),
                )
            })
            .collect()
    }

    /// Assesses a person on 2025-03-12 with these answers ([`functioning`]).
    pub async fn assess(&self, person: &str, token: &str, eligible: bool, answers: Value) {
        self.ok(
            &format!("/v1/beneficiaries/{person}/assessments"),
            token,
            json!({"assessed_on": "2025-03-12", "method": "home_visit", "eligible": eligible,
                   "findings": "Dinilai di rumah.", "functioning": answers, "recommendations": []}),
        )
        .await;
    }

    /// Plans one service (a device when `item` is given), due 2025-03-25; its id.
    pub async fn plan(
        &self,
        person: &str,
        token: &str,
        component: &str,
        item: Option<&str>,
    ) -> String {
        let mut body = json!({"component": component, "modality": "family_based",
            "quantity": 1, "due_on": "2025-03-25"});
        if let Some(item) = item {
            body["item"] = json!(item);
        }
        let service = self
            .ok(&format!("/v1/beneficiaries/{person}/services"), token, body)
            .await;
        service["id"].as_str().expect("id").to_owned()
    }

    /// Records the handover of one item on day `on`.
    pub async fn deliver(&self, service: &str, token: &str, on: &str, handover: &str) {
        self.ok(
            &format!("/v1/services/{service}/deliver"),
            token,
            json!({"delivered_on": on, "quantity": 1, "handover_ref": handover,
                   "received_by": "Keluarga penerima"}),
        )
        .await;
    }
}

/// A valid report body; tests change what they need.
pub fn report_body() -> Value {
    json!({
        "category": "elderly", "need": "assistive_device", "urgency": "high", "channel": "hotline",
        "region_code": "13.03", "address": "Jorong Koto Tuo, Kec. Kamang Baru",
        "location": {"lat": -0.69, "lon": 100.95},
        "reporter": {"name": "Siti Aminah", "phone": "081234567890", "anonymous": false},
        "beneficiaries": [{"name": "Nenek Rahmah", "age": 78, "sex": "F", "disability": "physical"}],
        "beneficiary_count": 1,
        "description": "Lansia tinggal sendiri, butuh kursi roda.",
        "external_ref": "partner-123"
    })
}

/// Collects the messages published to an exchange.
pub struct Tap {
    connection: lapin::Connection,
    consumer: lapin::Consumer,
}

impl Tap {
    pub async fn new(exchange: &str, queue: &str, routing_key: &str) -> Tap {
        let connection = sigap_store::bus::connect(AMQP, "sigap-tests tap")
            .await
            .expect("amqp");
        let channel = connection.create_channel().await.expect("channel");
        // The api declares the exchanges; declare them here too in case it has not yet.
        sigap_store::bus::Topology::new(exchange.split('.').next().expect("prefix"))
            .declare(&channel)
            .await
            .expect("declare");
        channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    durable: false,
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("queue");
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                routing_key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind");
        let consumer = channel
            .basic_consume(
                queue.into(),
                "tap".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("consume");
        Tap {
            connection,
            consumer,
        }
    }

    /// Messages received until none arrives for `quiet`.
    pub async fn collect(&mut self, quiet: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        while let Ok(Some(Ok(delivery))) = tokio::time::timeout(quiet, self.consumer.next()).await {
            out.push(serde_json::from_slice(&delivery.data).expect("json message"));
        }
        out
    }

    /// Waits for `n` messages (at most `within`), then for stragglers.
    pub async fn expect(&mut self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + within;
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.consumer.next()).await {
                Ok(Some(Ok(delivery))) => {
                    out.push(serde_json::from_slice(&delivery.data).expect("json"))
                }
                _ => break,
            }
        }
        out.extend(self.collect(Duration::from_millis(700)).await);
        out
    }

    pub async fn close(self) {
        let _ = self.connection.close(200, "done".into()).await;
    }
}

/// A `sigap-worker` process, for tests that kill it.
pub struct WorkerProcess {
    child: std::process::Child,
}

impl WorkerProcess {
    pub fn spawn(app: &TestApp, extra: &[(&str, &str)]) -> WorkerProcess {
        let config = app.config();
        let mut command = std::process::Command::new(binary("sigap-worker"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &config.database_url)
            .env("AMQP_URL", &config.amqp_url)
            .env("SIGAP_JWT_SECRET", JWT_SECRET)
            .env("SIGAP_DATA_KEYS", DATA_KEYS)
            .env("SIGAP_INDEX_KEY", INDEX_KEY)
            .env("SIGAP_AMQP_PREFIX", &config.amqp_prefix)
            .env("SIGAP_DB_POOL_SIZE", "4")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit());
        for (k, v) in extra {
            command.env(k, v);
        }
        WorkerProcess {
            child: command
                .spawn()
                .expect("start sigap-worker (make test builds it first)"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("-TERM");
        self.child.wait().expect("wait")
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// Files `n` reports with up to 32 requests in flight; returns their ids.
    pub async fn file_many(&self, n: usize, body: &Value) -> Vec<String> {
        let token = self.token(Role::Operator);
        futures_util::stream::iter(0..n)
            .map(|_| {
                let request = self
                    .http
                    .post(self.url("/v1/reports"))
                    .bearer_auth(&token)
                    .json(body)
                    .send();
                async move {
                    let response = request.await.expect("request");
                    assert_eq!(response.status(), 201);
                    response.json::<Value>().await.expect("json")["id"]
                        .as_str()
                        .expect("id")
                        .to_owned()
                }
            })
            .buffer_unordered(32)
            .collect::<Vec<String>>()
            .await
    }

    /// Waits until no report is left `received`.
    pub async fn wait_all_routed(&self, within: Duration) {
        let db = self.db.client().await;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left: i64 = db
                .query_one(
                    "SELECT count(*) FROM reports WHERE status = 'received'",
                    &[],
                )
                .await
                .expect("count")
                .get(0);
            if left == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{left} reports still unrouted"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Checks the invariants of routing: one routing event per routed report,
    /// and every unit's load equal to its open cases.
    pub async fn assert_routed_exactly_once(&self, expected: usize) {
        let db = self.db.client().await;
        let routed: i64 = db
            .query_one(
                "SELECT count(*) FROM reports WHERE status IN ('assigned', 'needs_triage')",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(routed as usize, expected, "every report routed");
        let twice: i64 = db
            .query_one(
                "SELECT count(*) FROM (SELECT report_id FROM report_events WHERE kind IN ('assigned', 'needs_triage') \
                 GROUP BY report_id HAVING count(*) > 1) t",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(twice, 0, "no report routed twice");
        let events: i64 = db
            .query_one(
                "SELECT count(*) FROM report_events WHERE kind IN ('assigned', 'needs_triage')",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(events as usize, expected, "one routing event per report");
        let drift: i64 = db
            .query_one(
                "SELECT count(*) FROM units u WHERE u.open_cases <> (SELECT count(*) FROM reports r \
                 WHERE r.unit_code = u.code AND r.status IN ('assigned', 'acknowledged', 'assessing', 'in_service'))",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(drift, 0, "unit loads equal their open cases");
    }
}
