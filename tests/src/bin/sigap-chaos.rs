//! `make chaos`: fault drills against a private PostgreSQL cluster and a
//! private RabbitMQ node. Each drill files reports the way a careful client
//! does (every report with its own `Idempotency-Key`, retried until it is
//! accepted), breaks something on the way, and then counts: reports filed,
//! assigned exactly once, lost, duplicated. Exit status 1 when any drill
//! loses or duplicates a report or misses one of its checks.

use anyhow::{Context, bail};
use futures_util::StreamExt;
use serde_json::Value;
use sigap_domain::Role;
use sigap_runtime::auth::Tokens;
use sigap_runtime::config::Config;
use sigap_tests::proxy::Proxy;
use sigap_tests::stack::{PrivatePostgres, PrivateRabbit, Process, free_port};
use sigap_tests::{JWT_SECRET, binary, report_body, workspace_root};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::NoTls;

/// How long the api waits for a database connection before answering 503.
const DB_TIMEOUT: Duration = Duration::from_secs(2);
const TEMPLATE: &str = "sigap_chaos_template";
/// Reports in flight at once during a steady intake.
const STEADY_CLIENTS: usize = 16;

#[tokio::main]
async fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    match run(&only).await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(error) => {
            eprintln!("chaos: {error:#}");
            std::process::exit(2);
        }
    }
}

const DRILLS: &[&str] = &[
    "worker-sigkill",
    "broker-restart",
    "postgres-stop",
    "broker-links-cut",
    "two-apis-two-workers",
    "malformed-flood",
    "db-outage",
    "lost-messages",
];

async fn drill(name: &str, stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    match name {
        "worker-sigkill" => worker_sigkill(stack).await,
        "broker-restart" => broker_restart(stack).await,
        "postgres-stop" => postgres_stop(stack).await,
        "broker-links-cut" => broker_links_cut(stack).await,
        "two-apis-two-workers" => two_apis_two_workers(stack).await,
        "malformed-flood" => malformed_flood(stack).await,
        "db-outage" => db_outage(stack).await,
        "lost-messages" => lost_messages(stack).await,
        other => bail!("no drill named {other}"),
    }
}

/// Runs the drills named in `only` (all when empty); true when all pass.
async fn run(only: &[String]) -> anyhow::Result<bool> {
    if let Some(unknown) = only.iter().find(|o| !DRILLS.contains(&o.as_str())) {
        bail!("no drill named {unknown}; drills: {}", DRILLS.join(", "));
    }
    let work = workspace_root().join("target").join("chaos");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let scratch = std::env::temp_dir().join(format!("sigap-chaos-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);

    let started = Instant::now();
    println!("chaos: starting a private PostgreSQL cluster and RabbitMQ node");
    let postgres = PrivatePostgres::start(&scratch.join("postgres"))?;
    let rabbit = PrivateRabbit::start(&scratch.join("rabbitmq"))?;
    prepare_template(&postgres).await?;
    println!(
        "chaos: services ready in {:.1} s (PostgreSQL on {}, RabbitMQ on {}); logs in {}",
        started.elapsed().as_secs_f64(),
        postgres.port,
        rabbit.port,
        work.display()
    );

    let mut rows = Vec::new();
    for &name in DRILLS {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        println!("chaos: {name} …");
        let began = Instant::now();
        let mut stack = Stack::new(name, &postgres, &rabbit, &work).await?;
        let outcome = drill(name, &mut stack)
            .await
            .unwrap_or_else(|error| Outcome {
                failures: vec![format!("{error:#}")],
                ..Outcome::default()
            });
        stack.stop_all();
        stack.drop_database().await;
        let row = Row {
            name,
            seconds: began.elapsed().as_secs_f64(),
            outcome,
        };
        row.print_detail();
        rows.push(row);
    }
    drop(rabbit);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&scratch);

    print_table(&rows);
    println!("chaos: {:.0} s in all", started.elapsed().as_secs_f64());
    Ok(rows.iter().all(|r| r.outcome.passed()))
}

/// Migrates and seeds one database, which every drill then clones.
async fn prepare_template(postgres: &PrivatePostgres) -> anyhow::Result<()> {
    let admin = connect(&postgres.url("postgres")).await?;
    admin
        .execute(&format!("CREATE DATABASE {TEMPLATE}"), &[])
        .await?;
    let url = postgres.url(TEMPLATE);
    let data = workspace_root().join("data").display().to_string();
    for args in [vec!["migrate"], vec!["seed", "--data", &data]] {
        let output = std::process::Command::new(binary("sigap-api"))
            .args(&args)
            .env("DATABASE_URL", &url)
            .env("SIGAP_JWT_SECRET", JWT_SECRET)
            .env("SIGAP_DATA_KEYS", sigap_tests::DATA_KEYS)
            .env("SIGAP_INDEX_KEY", sigap_tests::INDEX_KEY)
            .output()
            .context("cannot run sigap-api (make builds it first)")?;
        if !output.status.success() {
            bail!(
                "sigap-api {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    Ok(())
}

async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .with_context(|| format!("cannot connect to {url}"))?;
    tokio::spawn(connection);
    Ok(client)
}

/// One drill's database, prefix and processes.
struct Stack<'s> {
    name: &'static str,
    postgres: &'s PrivatePostgres,
    rabbit: &'s PrivateRabbit,
    database: String,
    prefix: String,
    logs: PathBuf,
    apis: Vec<(Process, String)>,
    workers: Vec<Process>,
    started: usize,
    tokens: Tokens,
    /// Settings a drill adds for the processes it starts.
    extra_env: BTreeMap<String, String>,
}

impl<'s> Stack<'s> {
    async fn new(
        name: &'static str,
        postgres: &'s PrivatePostgres,
        rabbit: &'s PrivateRabbit,
        logs: &std::path::Path,
    ) -> anyhow::Result<Stack<'s>> {
        let database = format!("chaos_{}", name.replace('-', "_"));
        let admin = connect(&postgres.url("postgres")).await?;
        admin
            .execute(&format!("DROP DATABASE IF EXISTS {database}"), &[])
            .await?;
        admin
            .execute(
                &format!("CREATE DATABASE {database} TEMPLATE {TEMPLATE}"),
                &[],
            )
            .await?;
        let prefix = format!("chaos{}", name.replace('-', ""));
        let mut vars = BTreeMap::new();
        vars.insert("SIGAP_JWT_SECRET".to_owned(), JWT_SECRET.to_owned());
        vars.insert(
            "SIGAP_DATA_KEYS".to_owned(),
            sigap_tests::DATA_KEYS.to_owned(),
        );
        vars.insert(
            "SIGAP_INDEX_KEY".to_owned(),
            sigap_tests::INDEX_KEY.to_owned(),
        );
        let tokens = Tokens::from_config(&Config::from_vars(vars)?)?;
        Ok(Stack {
            name,
            postgres,
            rabbit,
            prefix,
            logs: logs.to_owned(),
            database,
            apis: Vec::new(),
            workers: Vec::new(),
            started: 0,
            tokens,
            extra_env: BTreeMap::new(),
        })
    }

    fn env(&self, amqp_url: &str) -> BTreeMap<String, String> {
        [
            ("DATABASE_URL", self.postgres.url(&self.database)),
            ("AMQP_URL", amqp_url.to_owned()),
            ("SIGAP_JWT_SECRET", JWT_SECRET.to_owned()),
            ("SIGAP_DATA_KEYS", sigap_tests::DATA_KEYS.to_owned()),
            ("SIGAP_INDEX_KEY", sigap_tests::INDEX_KEY.to_owned()),
            ("SIGAP_AMQP_PREFIX", self.prefix.clone()),
            ("SIGAP_DB_TIMEOUT", format!("{}ms", DB_TIMEOUT.as_millis())),
            ("SIGAP_RELAY_INTERVAL", "200ms".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .chain(self.extra_env.clone())
        .collect()
    }

    fn log(&mut self, what: &str) -> PathBuf {
        self.started += 1;
        self.logs
            .join(format!("{}-{}-{}.log", self.name, what, self.started))
    }

    /// Starts an api talking to the broker at `amqp_url`; returns its base URL.
    async fn start_api(&mut self, amqp_url: &str) -> anyhow::Result<String> {
        let port = free_port();
        let mut env = self.env(amqp_url);
        env.insert("SIGAP_BIND".into(), format!("127.0.0.1:{port}"));
        let log = self.log("api");
        let process = Process::spawn(&binary("sigap-api"), &["serve"], &env, &log)?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                break;
            }
            if Instant::now() > deadline {
                bail!("the api did not become ready; see {}", log.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.apis.push((process, base.clone()));
        Ok(base)
    }

    fn start_worker(&mut self, amqp_url: &str) -> anyhow::Result<()> {
        let env = self.env(amqp_url);
        let log = self.log("worker");
        self.workers
            .push(Process::spawn(&binary("sigap-worker"), &[], &env, &log)?);
        Ok(())
    }

    /// Starts an api and a worker and a steady stream of 2,000 reports
    /// (`STEADY_CLIENTS` in flight); returns once 600 are accepted, so a
    /// fault lands mid-intake.
    async fn steady_intake(
        &mut self,
        api_amqp: &str,
        worker_amqp: &str,
    ) -> anyhow::Result<(String, Arc<Filing>, tokio::task::JoinHandle<()>)> {
        let api = self.start_api(api_amqp).await?;
        self.start_worker(worker_amqp)?;
        let (filing, intake) = file_reports(
            self.name,
            vec![api.clone()],
            self.operator_token(),
            2_000,
            STEADY_CLIENTS,
            Duration::from_secs(120),
        );
        filing.wait_accepted(600, Duration::from_secs(60)).await?;
        Ok((api, filing, intake))
    }

    fn operator_token(&self) -> String {
        let claims =
            self.tokens
                .claims("chaos-operator", Role::Operator, Duration::from_secs(3600));
        self.tokens.sign(&claims).expect("sign")
    }

    fn stop_all(&mut self) {
        self.workers.clear();
        self.apis.clear();
    }

    async fn drop_database(&self) {
        if let Ok(admin) = connect(&self.postgres.url("postgres")).await {
            let _ = admin
                .execute(
                    &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database),
                    &[],
                )
                .await;
        }
    }

    /// Reports routed so far, or `None` while the database is unreachable.
    async fn routed(&self) -> Option<i64> {
        let client = connect(&self.postgres.url(&self.database)).await.ok()?;
        let row = client
            .query_one(
                "SELECT count(*) FROM reports WHERE status <> 'received'",
                &[],
            )
            .await
            .ok()?;
        Some(row.get(0))
    }

    async fn wait_routed_at_least(&self, n: i64, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        while self.routed().await.unwrap_or(0) < n {
            if Instant::now() > deadline {
                bail!("fewer than {n} reports routed after {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Waits until every filed report has left `received`, then counts.
    async fn count(&self, filing: &Filing, within: Duration) -> anyhow::Result<Outcome> {
        let filed = filing.ids();
        let deadline = Instant::now() + within;
        loop {
            let left = self.unrouted().await.unwrap_or(i64::MAX);
            if left == 0 || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let client = connect(&self.postgres.url(&self.database)).await?;
        let rows = client
            .query(
                "SELECT r.id::text, r.status, r.external_ref, \
                 (SELECT count(*) FROM report_events e WHERE e.report_id = r.id \
                  AND e.kind IN ('assigned', 'needs_triage')) AS routings \
                 FROM reports r",
                &[],
            )
            .await?;
        let mut by_id: HashMap<String, (String, i64)> = HashMap::new();
        let mut per_ref: HashMap<String, usize> = HashMap::new();
        for row in &rows {
            let id: String = row.get(0);
            let status: String = row.get(1);
            let external_ref: Option<String> = row.get(2);
            let routings: i64 = row.get(3);
            by_id.insert(id, (status, routings));
            if let Some(r) = external_ref {
                *per_ref.entry(r).or_default() += 1;
            }
        }
        let mut outcome = Outcome {
            filed: filed.len(),
            ..Outcome::default()
        };
        for id in filed.values() {
            match by_id.get(id) {
                Some((status, 1)) if status != "received" && status != "needs_triage" => {
                    outcome.assigned_once += 1
                }
                Some((status, 1)) if status == "needs_triage" => outcome.triaged += 1,
                Some((_, 0)) | None => outcome.lost += 1,
                Some(_) => {}
            }
        }
        outcome.duplicated = by_id.values().filter(|(_, n)| *n > 1).count()
            + per_ref.values().map(|n| n - 1).sum::<usize>();
        let drift: i64 = client
            .query_one(
                "SELECT count(*) FROM units u WHERE u.open_cases <> (SELECT count(*) FROM reports r \
                 WHERE r.unit_code = u.code AND r.status IN ('assigned', 'acknowledged', 'assessing', 'in_service'))",
                &[],
            )
            .await?
            .get(0);
        if drift > 0 {
            outcome.failures.push(format!(
                "{drift} units' open_cases differ from their open reports"
            ));
        }
        if filing.gave_up.load(Ordering::Relaxed) > 0 {
            outcome.failures.push(format!(
                "{} reports could not be filed before the deadline",
                filing.gave_up.load(Ordering::Relaxed)
            ));
        }
        if filing.rejected.load(Ordering::Relaxed) > 0 {
            outcome.failures.push(format!(
                "{} requests refused with a 4xx other than 408 or 409",
                filing.rejected.load(Ordering::Relaxed)
            ));
        }
        if let Some(answer) = filing.first_unexpected.lock().expect("lock").as_ref() {
            outcome
                .notes
                .push(format!("first unexpected answer: {answer}"));
        }
        if filing.server_errors.load(Ordering::Relaxed) > 0 {
            outcome.failures.push(format!(
                "{} answers were 5xx other than 503 problem+json",
                filing.server_errors.load(Ordering::Relaxed)
            ));
        }
        outcome.notes.push(format!(
            "intake: {} answers 503, {} connection errors or timeouts, slowest answer {} ms",
            filing.unavailable.load(Ordering::Relaxed),
            filing.transport_errors.load(Ordering::Relaxed),
            filing.slowest_ms.load(Ordering::Relaxed)
        ));
        Ok(outcome)
    }

    /// The database's clock now, to compare with the reports' `created_at`.
    async fn database_now(&self) -> anyhow::Result<String> {
        let client = connect(&self.postgres.url(&self.database)).await?;
        Ok(client.query_one("SELECT now()::text", &[]).await?.get(0))
    }

    /// Waits until no report filed up to `cutoff` (the database's clock) is
    /// `received`; how long that took, or `None` when some still are after
    /// `within`.
    async fn wait_none_received_before(
        &self,
        cutoff: &str,
        within: Duration,
    ) -> anyhow::Result<Option<Duration>> {
        let started = Instant::now();
        let client = connect(&self.postgres.url(&self.database)).await?;
        loop {
            let left: i64 = client
                .query_one(
                    "SELECT count(*) FROM reports WHERE status = 'received' \
                     AND created_at <= $1::text::timestamptz",
                    &[&cutoff],
                )
                .await?
                .get(0);
            if left == 0 {
                return Ok(Some(started.elapsed()));
            }
            if started.elapsed() > within {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Empties the drill's routing queues, as a broker losing them would;
    /// returns how many messages were lost.
    async fn purge_routing_queues(&self) -> anyhow::Result<u32> {
        let connection = sigap_store::bus::connect(&self.rabbit.url(), "sigap-chaos purge").await?;
        let channel = connection.create_channel().await?;
        let topology = sigap_store::bus::Topology::new(&self.prefix);
        let mut purged = 0;
        for urgency in sigap_domain::Urgency::ALL {
            purged += channel
                .queue_purge(
                    topology.routing_queue(*urgency).into(),
                    lapin::options::QueuePurgeOptions::default(),
                )
                .await?;
        }
        let _ = connection.close(200, "done".into()).await;
        Ok(purged)
    }

    /// Messages in the drill's dead-letter queue.
    async fn dead_letter_depth(&self) -> anyhow::Result<u32> {
        let connection = sigap_store::bus::connect(&self.rabbit.url(), "sigap-chaos depth").await?;
        let channel = connection.create_channel().await?;
        let topology = sigap_store::bus::Topology::new(&self.prefix);
        let depth = sigap_store::bus::redrive::dead_letter_depth(&channel, &topology).await?;
        let _ = connection.close(200, "done".into()).await;
        Ok(depth)
    }

    async fn unrouted(&self) -> Option<i64> {
        let client = connect(&self.postgres.url(&self.database)).await.ok()?;
        let row = client
            .query_one(
                "SELECT count(*) FROM reports WHERE status = 'received'",
                &[],
            )
            .await
            .ok()?;
        Some(row.get(0))
    }
}

/// What a careful client saw while filing.
#[derive(Default)]
struct Filing {
    ids: Mutex<HashMap<usize, String>>,
    accepted: AtomicUsize,
    unavailable: AtomicU64,
    transport_errors: AtomicU64,
    server_errors: AtomicU64,
    rejected: AtomicU64,
    gave_up: AtomicU64,
    slowest_ms: AtomicU64,
    /// The first unexpected answer, to say what went wrong.
    first_unexpected: Mutex<Option<String>>,
}

impl Filing {
    fn ids(&self) -> HashMap<usize, String> {
        self.ids.lock().expect("lock").clone()
    }

    fn note_unexpected(&self, answer: String) {
        self.first_unexpected
            .lock()
            .expect("lock")
            .get_or_insert(answer);
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    async fn wait_accepted(&self, n: usize, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        while self.accepted() < n {
            if Instant::now() > deadline {
                bail!("fewer than {n} reports accepted after {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

/// Files reports `0..count` through the given apis (round robin), `in_flight`
/// at a time. Every report has its own idempotency key, and is retried with
/// it after a 503, a 408, a 409 (its first attempt still in flight) or a lost
/// connection, until it is accepted or `give_up_after` has passed.
fn file_reports(
    drill: &str,
    apis: Vec<String>,
    token: String,
    count: usize,
    in_flight: usize,
    give_up_after: Duration,
) -> (Arc<Filing>, tokio::task::JoinHandle<()>) {
    let filing = Arc::new(Filing::default());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let drill = drill.to_owned();
    let shared = filing.clone();
    let task = tokio::spawn(async move {
        futures_util::stream::iter(0..count)
            .for_each_concurrent(in_flight, |i| {
                let url = format!("{}/v1/reports", apis[i % apis.len()]);
                file_one(&http, url, &token, &drill, i, &shared, give_up_after)
            })
            .await;
    });
    (filing, task)
}

async fn file_one(
    http: &reqwest::Client,
    url: String,
    token: &str,
    drill: &str,
    i: usize,
    filing: &Filing,
    give_up_after: Duration,
) {
    let key = format!("{drill}-{i}");
    let mut body = report_body();
    body["external_ref"] = Value::from(key.clone());
    body["urgency"] = Value::from(["critical", "high", "normal"][i % 3]);
    let deadline = Instant::now() + give_up_after;
    let mut backoff = Duration::from_millis(50);
    loop {
        let sent = Instant::now();
        let result = http
            .post(&url)
            .bearer_auth(token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .await;
        let elapsed = sent.elapsed().as_millis() as u64;
        match result {
            Ok(response) => {
                filing.slowest_ms.fetch_max(elapsed, Ordering::Relaxed);
                let status = response.status().as_u16();
                let problem = response
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.as_bytes() == b"application/problem+json");
                match status {
                    201 => {
                        let answer: Value = response.json().await.unwrap_or_default();
                        if let Some(id) = answer["id"].as_str() {
                            filing.ids.lock().expect("lock").insert(i, id.to_owned());
                            filing.accepted.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                        filing.server_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    503 if problem => {
                        filing.unavailable.fetch_add(1, Ordering::Relaxed);
                    }
                    // 409: the first attempt is still in flight. 408: the
                    // server gave up reading the request (its head arrived
                    // too slowly), so nothing was filed and a retry is safe.
                    408 | 409 => {}
                    500..=599 => {
                        filing.server_errors.fetch_add(1, Ordering::Relaxed);
                        let text = response.text().await.unwrap_or_default();
                        filing.note_unexpected(format!("{status} {text}"));
                    }
                    _ => {
                        filing.rejected.fetch_add(1, Ordering::Relaxed);
                        let text = response.text().await.unwrap_or_default();
                        filing.note_unexpected(format!("{status} {text}"));
                        return;
                    }
                }
            }
            Err(_) => {
                filing.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        if Instant::now() > deadline {
            filing.gave_up.fetch_add(1, Ordering::Relaxed);
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

#[derive(Default)]
struct Outcome {
    filed: usize,
    assigned_once: usize,
    triaged: usize,
    lost: usize,
    duplicated: usize,
    notes: Vec<String>,
    failures: Vec<String>,
}

impl Outcome {
    fn passed(&self) -> bool {
        self.failures.is_empty()
            && self.lost == 0
            && self.duplicated == 0
            && self.assigned_once + self.triaged == self.filed
    }
}

struct Row {
    name: &'static str,
    seconds: f64,
    outcome: Outcome,
}

impl Row {
    fn print_detail(&self) {
        let o = &self.outcome;
        for note in &o.notes {
            println!("  {note}");
        }
        for failure in &o.failures {
            println!("  FAILED: {failure}");
        }
        println!(
            "  {}: filed {}, assigned exactly once {}, lost {}, duplicated {} ({:.1} s)",
            if o.passed() { "ok" } else { "FAILED" },
            o.filed,
            o.assigned_once,
            o.lost,
            o.duplicated,
            self.seconds
        );
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "| {:<22} | {:>6} | {:>21} | {:>7} | {:>4} | {:>10} | {:>6} | {:<6} |",
        "drill",
        "filed",
        "assigned exactly once",
        "triaged",
        "lost",
        "duplicated",
        "time",
        "result"
    );
    println!(
        "|{:-<24}|{:->8}|{:->23}|{:->9}|{:->6}|{:->12}|{:->8}|{:-<8}|",
        "", "", "", "", "", "", "", ""
    );
    for row in rows {
        let o = &row.outcome;
        println!(
            "| {:<22} | {:>6} | {:>21} | {:>7} | {:>4} | {:>10} | {:>5.0}s | {:<6} |",
            row.name,
            o.filed,
            o.assigned_once,
            o.triaged,
            o.lost,
            o.duplicated,
            row.seconds,
            if o.passed() { "ok" } else { "FAILED" }
        );
    }
    println!();
}

// ---- the drills ----

/// A worker is SIGKILLed in the middle of a 5,000-report burst and started
/// again: what it held unacknowledged is redelivered, nothing is routed twice.
async fn worker_sigkill(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    let amqp = stack.rabbit.url();
    let api = stack.start_api(&amqp).await?;
    stack.start_worker(&amqp)?;
    let (filing, intake) = file_reports(
        stack.name,
        vec![api],
        stack.operator_token(),
        5_000,
        64,
        Duration::from_secs(120),
    );
    stack
        .wait_routed_at_least(1_000, Duration::from_secs(120))
        .await?;
    let victim = stack.workers.remove(0);
    let pid = victim.pid();
    victim.kill();
    let routed_at_kill = stack.routed().await.unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    stack.start_worker(&amqp)?;
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(120)).await?;
    outcome.notes.insert(
        0,
        format!("worker {pid} SIGKILLed with {routed_at_kill} of 5000 routed; a new one started 1 s later"),
    );
    Ok(outcome)
}

/// The RabbitMQ node is stopped and started again while reports keep coming:
/// the api keeps accepting them (they wait in the outbox), `/readyz` stays
/// 200 and says the broker is down within 2 s, and everything is routed once
/// it is back.
async fn broker_restart(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    let amqp = stack.rabbit.url();
    let (api, filing, intake) = stack.steady_intake(&amqp, &amqp).await?;
    let before = filing.accepted();
    let down_at = Instant::now();
    stack.rabbit.stop()?;
    let readiness = readyz_until_broker_down(&api, Duration::from_secs(2)).await;
    let accepted_while_down_from = filing.accepted();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let accepted_while_down = filing.accepted() - accepted_while_down_from;
    stack.rabbit.resume()?;
    let downtime = down_at.elapsed();
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(120)).await?;
    outcome.notes.insert(
        0,
        format!(
            "RabbitMQ stopped after {before} reports were accepted, back after {:.1} s; \
             /readyz meanwhile: {readiness}; {accepted_while_down} reports accepted in 2 s with the broker down",
            downtime.as_secs_f64()
        ),
    );
    // Reports are still accepted: ready, with the broker down in the body.
    if !readiness.starts_with("200") || !readiness.contains("\"broker\":\"down\"") {
        outcome
            .failures
            .push("/readyz did not answer 200 with the broker down".into());
    }
    if accepted_while_down == 0 {
        outcome
            .failures
            .push("no report was accepted while the broker was down".into());
    }
    Ok(outcome)
}

/// PostgreSQL is stopped for 10 s during intake: the api answers 503
/// problem+json within its timeout (it never hangs), `/readyz` says the
/// database is down, and the api and the worker recover by themselves.
async fn postgres_stop(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    let amqp = stack.rabbit.url();
    let (api, filing, intake) = stack.steady_intake(&amqp, &amqp).await?;
    let filed_before_stop = filing.accepted();
    stack.postgres.stop()?;
    let down_at = Instant::now();
    // Counted once the server is down (`pg_ctl stop` waits for that): while
    // it was shutting down, reports still committed at full speed.
    let before = filing.accepted();
    // While it is down, probe the way a monitor and a client would.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut slowest_probe = Duration::ZERO;
    let mut probes = 0;
    let mut probe_failures = Vec::new();
    let mut readiness = String::new();
    while down_at.elapsed() < Duration::from_secs(10) {
        let sent = Instant::now();
        let answer = http
            .post(format!("{api}/v1/reports"))
            .bearer_auth(stack.operator_token())
            .header("Idempotency-Key", format!("probe-{probes}"))
            .json(&report_body())
            .send()
            .await;
        slowest_probe = slowest_probe.max(sent.elapsed());
        probes += 1;
        match answer {
            Ok(r)
                if r.status() == 503
                    && r.headers()
                        .get("content-type")
                        .is_some_and(|v| v.as_bytes() == b"application/problem+json") => {}
            Ok(r) => probe_failures.push(format!("{}", r.status())),
            Err(e) => probe_failures.push(format!("{e}")),
        }
        if readiness.is_empty() {
            readiness = readyz(&api).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let accepted_while_down = filing.accepted() - before;
    stack.postgres.resume()?;
    let back_at = Instant::now();
    let mut recovered = None;
    while back_at.elapsed() < Duration::from_secs(60) {
        if readyz(&api).await.starts_with("200") {
            recovered = Some(back_at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(120)).await?;
    outcome.notes.insert(
        0,
        format!(
            "PostgreSQL stopped for {:.1} s after {filed_before_stop} reports ({before} once it was down); \
             {probes} probes while down, \
             slowest answer {} ms (timeout {} ms); /readyz meanwhile: {readiness}; \
             api ready again {} after the restart",
            back_at.duration_since(down_at).as_secs_f64(),
            slowest_probe.as_millis(),
            DB_TIMEOUT.as_millis(),
            recovered.map_or("never".to_owned(), |d| format!("{} ms", d.as_millis())),
        ),
    );
    // Up to one request per client was in its transaction when the database
    // stopped and may have committed, its answer arriving after the stop.
    // Anything accepted beyond that is a defect.
    if accepted_while_down > STEADY_CLIENTS {
        outcome.failures.push(format!(
            "{accepted_while_down} reports accepted while the database was down"
        ));
    }
    if !probe_failures.is_empty() {
        outcome.failures.push(format!(
            "probes while down were not 503 problem+json: {probe_failures:?}"
        ));
    }
    if slowest_probe > DB_TIMEOUT + Duration::from_secs(1) {
        outcome.failures.push(format!(
            "a probe took {} ms, beyond the {} ms timeout",
            slowest_probe.as_millis(),
            DB_TIMEOUT.as_millis()
        ));
    }
    if !readiness.starts_with("503") || !readiness.contains("\"database\":\"down\"") {
        outcome
            .failures
            .push("/readyz did not report the database down".into());
    }
    if recovered.is_none() {
        outcome
            .failures
            .push("the api did not become ready again".into());
    }
    Ok(outcome)
}

/// The api's and the worker's broker connections are cut by a TCP proxy
/// and restored 5 s later; both reconnect by themselves.
async fn broker_links_cut(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    let target = format!("127.0.0.1:{}", stack.rabbit.port);
    let api_link = Proxy::start(&target).await;
    let worker_link = Proxy::start(&target).await;
    let (api, filing, intake) = stack
        .steady_intake(&api_link.amqp_url(), &worker_link.amqp_url())
        .await?;
    let before = filing.accepted();
    api_link.cut();
    worker_link.cut();
    let cut_at = Instant::now();
    let readiness = readyz_until_broker_down(&api, Duration::from_secs(2)).await;
    tokio::time::sleep(Duration::from_secs(5).saturating_sub(cut_at.elapsed())).await;
    let accepted_while_cut = filing.accepted() - before;
    api_link.restore();
    worker_link.restore();
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(120)).await?;
    outcome.notes.insert(
        0,
        format!(
            "both broker links cut for 5 s after {before} reports; {accepted_while_cut} accepted meanwhile; /readyz meanwhile: {readiness}"
        ),
    );
    if !readiness.starts_with("200") || !readiness.contains("\"broker\":\"down\"") {
        outcome
            .failures
            .push("/readyz did not answer 200 with the broker down".into());
    }
    Ok(outcome)
}

/// Two apis and two workers share one broker and one database; one worker
/// is SIGKILLed half way.
async fn two_apis_two_workers(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    let amqp = stack.rabbit.url();
    let first = stack.start_api(&amqp).await?;
    let second = stack.start_api(&amqp).await?;
    stack.start_worker(&amqp)?;
    stack.start_worker(&amqp)?;
    let (filing, intake) = file_reports(
        stack.name,
        vec![first, second],
        stack.operator_token(),
        3_000,
        64,
        Duration::from_secs(120),
    );
    stack
        .wait_routed_at_least(1_500, Duration::from_secs(120))
        .await?;
    stack.workers.remove(0).kill();
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(120)).await?;
    outcome.notes.insert(
        0,
        "3000 reports through 2 apis (round robin) to 2 workers; one worker SIGKILLed after 1500 were routed".into(),
    );
    Ok(outcome)
}

/// 10,000 malformed, oversized and unauthorised requests: every answer is a
/// 4xx, the api stays healthy, and its memory stays bounded.
async fn malformed_flood(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    const REQUESTS: usize = 10_000;
    let amqp = stack.rabbit.url();
    let api = stack.start_api(&amqp).await?;
    stack.start_worker(&amqp)?;
    let token = stack.operator_token();
    let rss_before = stack.apis[0].0.rss_kib().unwrap_or(0);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()?;
    let statuses: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
    let started = Instant::now();
    futures_util::stream::iter(0..REQUESTS)
        .for_each_concurrent(64, |i| {
            let request = bad_request(&http, &api, &token, i);
            let statuses = &statuses;
            async move {
                let key = match request.send().await {
                    Ok(response) => response.status().as_u16().to_string(),
                    // The api may close the connection on a body it refuses
                    // before reading it all.
                    Err(_) => "connection closed".to_owned(),
                };
                *statuses.lock().expect("lock").entry(key).or_default() += 1;
            }
        })
        .await;
    let elapsed = started.elapsed();
    let statuses = statuses.into_inner().expect("lock");
    let rss_after = stack.apis[0].0.rss_kib().unwrap_or(0);
    let peak = stack.apis[0].0.peak_rss_kib().unwrap_or(0);
    let healthy = http
        .get(format!("{api}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    let (filing, intake) = file_reports(
        stack.name,
        vec![api.clone()],
        token,
        100,
        8,
        Duration::from_secs(30),
    );
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(60)).await?;
    outcome.notes.insert(
        0,
        format!(
            "{REQUESTS} bad requests in {:.1} s ({:.0}/s), answers {statuses:?}; api resident {} MiB before, \
             {} MiB after, peak {} MiB; then 100 good reports filed",
            elapsed.as_secs_f64(),
            REQUESTS as f64 / elapsed.as_secs_f64(),
            rss_before / 1024,
            rss_after / 1024,
            peak / 1024
        ),
    );
    let server_errors: usize = statuses
        .iter()
        .filter(|(k, _)| k.starts_with('5'))
        .map(|(_, n)| n)
        .sum();
    if server_errors > 0 {
        outcome
            .failures
            .push(format!("{server_errors} answers were 5xx"));
    }
    if !healthy {
        outcome
            .failures
            .push("the api was not healthy after the flood".into());
    }
    // Bounded: the flood must not leave the api much bigger than it was.
    if rss_after > rss_before + 64 * 1024 || peak > 200 * 1024 {
        outcome.failures.push(format!(
            "memory grew from {} KiB to {rss_after} KiB (peak {peak} KiB)",
            rss_before
        ));
    }
    Ok(outcome)
}

/// The `i`-th request of the flood: one of ten kinds of bad input.
fn bad_request(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    i: usize,
) -> reqwest::RequestBuilder {
    let reports = format!("{api}/v1/reports");
    let post = || {
        http.post(&reports)
            .bearer_auth(token)
            .header("content-type", "application/json")
    };
    match i % 10 {
        0 => post().body(r#"{"category": "elderly", "need": "#),
        1 => post().body(r#"{"category": 5, "beneficiaries": "many", "location": [1, 2]}"#),
        // Declared too large: refused before the body is read.
        2 => post().body(vec![b' '; 1024 * 1024]),
        // Too large without a declared length: refused while streaming.
        3 => post().body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'['; 16 * 1024])),
        ))),
        // Deeper than the JSON parser's recursion limit.
        4 => post().body(format!("{}{}", "[".repeat(20_000), "]".repeat(20_000))),
        5 => post().body(vec![0xff, 0xfe, 0x00, 0x7b]),
        6 => http
            .post(&reports)
            .bearer_auth(token)
            .header("content-type", "text/xml")
            .body("<report/>"),
        7 => http
            .post(&reports)
            .bearer_auth("not.a.token")
            .json(&report_body()),
        8 => {
            let fields: serde_json::Map<String, Value> = (0..2_000)
                .map(|k| (format!("f{k}"), Value::from(k)))
                .collect();
            post().body(Value::Object(fields).to_string())
        }
        _ => http
            .get(format!("{api}/v1/reports/{}", "x".repeat(4_000)))
            .bearer_auth(token),
    }
}

/// How long a report waits `received` before the sweeper announces it
/// again, in the drills that lose messages (the default is 2 min).
const DRILL_REQUEUE_AFTER: &str = "5s";

/// How soon after recovery every report must have left `received`.
const RECOVERY_LIMIT: Duration = Duration::from_secs(60);

/// PostgreSQL is stopped for 90 s under a steady intake, longer than the
/// routing retry schedule: the worker holds its batches unacknowledged and
/// waits for the database instead of dead-lettering them, and within 60 s of
/// the restart every report filed before it has left `received`, none
/// routed twice.
async fn db_outage(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    const OUTAGE: Duration = Duration::from_secs(90);
    stack
        .extra_env
        .insert("SIGAP_REQUEUE_AFTER".into(), DRILL_REQUEUE_AFTER.into());
    let amqp = stack.rabbit.url();
    let api = stack.start_api(&amqp).await?;
    stack.start_worker(&amqp)?;
    // Clients keep retrying through the outage, so give them longer.
    let (filing, intake) = file_reports(
        stack.name,
        vec![api],
        stack.operator_token(),
        3_000,
        STEADY_CLIENTS,
        OUTAGE + Duration::from_secs(120),
    );
    filing.wait_accepted(600, Duration::from_secs(60)).await?;
    let before = filing.accepted();
    stack.postgres.stop()?;
    let down_at = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    stack.postgres.resume()?;
    let downtime = down_at.elapsed();
    let cutoff = stack.database_now().await?;
    let cleared = stack
        .wait_none_received_before(&cutoff, RECOVERY_LIMIT)
        .await?;
    let dead_lettered = stack.dead_letter_depth().await?;
    intake.await?;
    let mut outcome = stack.count(&filing, Duration::from_secs(120)).await?;
    outcome.notes.insert(
        0,
        format!(
            "PostgreSQL stopped for {:.1} s after {before} reports were accepted; every report filed \
             before the restart left received {} after it; {dead_lettered} messages dead-lettered",
            downtime.as_secs_f64(),
            cleared.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
        ),
    );
    if cleared.is_none() {
        outcome.failures.push(format!(
            "reports still received {} s after the database came back",
            RECOVERY_LIMIT.as_secs()
        ));
    }
    if dead_lettered > 0 {
        outcome.failures.push(format!(
            "{dead_lettered} routing messages dead-lettered by an outage"
        ));
    }
    Ok(outcome)
}

/// A batch of reports is published with no worker running and the routing
/// queues are purged, as if the broker lost them; a worker then starts while
/// more reports come in. The sweeper announces the stranded reports again:
/// within 60 s every report has left `received`, none routed twice.
async fn lost_messages(stack: &mut Stack<'_>) -> anyhow::Result<Outcome> {
    const LOST: usize = 1_000;
    stack
        .extra_env
        .insert("SIGAP_REQUEUE_AFTER".into(), DRILL_REQUEUE_AFTER.into());
    let amqp = stack.rabbit.url();
    let api = stack.start_api(&amqp).await?;
    let (filing, intake) = file_reports(
        stack.name,
        vec![api.clone()],
        stack.operator_token(),
        LOST,
        64,
        Duration::from_secs(60),
    );
    intake.await?;
    let unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL";
    let client = connect(&stack.postgres.url(&stack.database)).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.query_one(unsent, &[]).await?.get::<_, i64>(0) > 0 {
        if Instant::now() > deadline {
            bail!("the batch was not published within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let purged = stack.purge_routing_queues().await?;
    let cutoff = stack.database_now().await?;
    stack.start_worker(&amqp)?;
    // More reports while the worker catches up: they take the usual path.
    let (more, more_intake) = file_reports(
        &format!("{}-after", stack.name),
        vec![api],
        stack.operator_token(),
        500,
        STEADY_CLIENTS,
        Duration::from_secs(60),
    );
    let cleared = stack
        .wait_none_received_before(&cutoff, RECOVERY_LIMIT)
        .await?;
    more_intake.await?;
    // One count over both batches: the second's ids join the first's.
    {
        let mut ids = filing.ids.lock().expect("lock");
        for (i, id) in more.ids() {
            ids.insert(LOST + i, id);
        }
    }
    let mut outcome = stack.count(&filing, Duration::from_secs(60)).await?;
    outcome.notes.insert(
        0,
        format!(
            "{LOST} reports published, {purged} routing messages purged, then a worker started and 500 more \
             filed; the stranded reports left received {} after the worker started",
            cleared.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
        ),
    );
    if purged == 0 {
        outcome
            .failures
            .push("no routing message was purged: the drill lost nothing".into());
    }
    if cleared.is_none() {
        outcome.failures.push(format!(
            "stranded reports still received {} s after the worker started",
            RECOVERY_LIMIT.as_secs()
        ));
    }
    Ok(outcome)
}

/// `/readyz` as "<status> <body>", or what went wrong.
/// `/readyz` every 100 ms until it says the broker is down, for at most
/// `within`: the first answer that does, or the last one. The relay learns
/// of a stopped broker from its connection, a moment after the stop.
async fn readyz_until_broker_down(api: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let readiness = readyz(api).await;
        if readiness.contains("\"broker\":\"down\"") || Instant::now() >= deadline {
            return readiness;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn readyz(api: &str) -> String {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    match http.get(format!("{api}/readyz")).send().await {
        Ok(r) => format!(
            "{} {}",
            r.status().as_u16(),
            r.text().await.unwrap_or_default()
        ),
        Err(e) => format!("no answer: {e}"),
    }
}
