//! The stack under test: databases of the bench's own on the machine's
//! PostgreSQL, an AMQP prefix of its own on the machine's RabbitMQ, and the
//! release binaries of the api and the worker as child processes.

use anyhow::{Context, bail};
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use sigap_domain::Urgency;
use sigap_store::bus::Topology;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_postgres::NoTls;

pub const PG: &str = "postgres://postgres@127.0.0.1:5432";
pub const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const JWT_SECRET: &str = "sigap-bench-secret-0123456789abcdef0123";
/// The personal-data key ring of the bench's processes.
pub const DATA_KEYS: &str = "b1:dGVzdC1kYXRhLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=";
/// The blind-index key of the bench's processes.
pub const INDEX_KEY: &str = "dGVzdC1pbmRleC1rZXktMDEyMzQ1Njc4OWFiY2RlZjA=";
/// The database the api and the worker run on.
pub const DB: &str = "sigap_bench";
/// A copy of the fresh database for pgbench, so its rows never reach the relay.
pub const PGBENCH_DB: &str = "sigap_bench_pgbench";
/// A copy of the fresh database for the million-report stats fixture.
pub const STATS_DB: &str = "sigap_bench_stats";
/// A copy of the fresh database for the million-report duplicates fixture.
pub const DUPLICATES_DB: &str = "sigap_bench_duplicates";
pub const PREFIX: &str = "sigap-bench";

pub fn url(database: &str) -> String {
    format!("{PG}/{database}")
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate sits in the workspace")
        .to_path_buf()
}

pub fn release_binary(name: &str) -> PathBuf {
    workspace_root().join("target/release").join(name)
}

/// Where the processes' logs go.
pub fn log_dir() -> PathBuf {
    workspace_root().join("target/bench")
}

pub async fn connect(database: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(&url(database), NoTls)
        .await
        .with_context(|| format!("cannot connect to {}", url(database)))?;
    tokio::spawn(connection);
    Ok(client)
}

/// Drops the bench's databases (left over by an interrupted run, or ours).
pub async fn drop_databases() -> anyhow::Result<()> {
    let admin = connect("postgres").await?;
    for name in [DB, PGBENCH_DB, STATS_DB, DUPLICATES_DB] {
        admin
            .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
            .await?;
    }
    Ok(())
}

/// A fresh, migrated and seeded database, and its copies for pgbench and
/// the stats fixture.
pub async fn fresh_databases() -> anyhow::Result<()> {
    drop_databases().await?;
    let admin = connect("postgres").await?;
    admin.execute(&format!("CREATE DATABASE {DB}"), &[]).await?;
    for command in [&["migrate"][..], &["seed"][..]] {
        let output = Command::new(release_binary("sigap-api"))
            .args(command)
            .current_dir(workspace_root())
            .env_clear()
            .envs(sigap_env(&BTreeMap::new()))
            .stdin(Stdio::null())
            .output()
            .context("cannot run target/release/sigap-api (make bench builds it)")?;
        if !output.status.success() {
            bail!(
                "sigap-api {} failed: {}",
                command[0],
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    for copy in [PGBENCH_DB, STATS_DB, DUPLICATES_DB] {
        admin
            .execute(&format!("CREATE DATABASE {copy} TEMPLATE {DB}"), &[])
            .await?;
    }
    Ok(())
}

/// The environment of a Sigap process of the bench, plus `extra`.
pub fn sigap_env(extra: &BTreeMap<&str, String>) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("DATABASE_URL", url(DB)),
        ("AMQP_URL", AMQP.to_owned()),
        ("SIGAP_JWT_SECRET", JWT_SECRET.to_owned()),
        ("SIGAP_DATA_KEYS", DATA_KEYS.to_owned()),
        ("SIGAP_INDEX_KEY", INDEX_KEY.to_owned()),
        ("SIGAP_AMQP_PREFIX", PREFIX.to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    env
}

/// Deletes the bench's exchanges and queues.
pub async fn delete_amqp() -> anyhow::Result<()> {
    let connection = sigap_store::bus::connect(AMQP, "sigap-bench cleanup").await?;
    let channel = connection.create_channel().await?;
    let topology = Topology::new(PREFIX);
    let mut queues: Vec<String> = Urgency::ALL
        .iter()
        .map(|u| topology.routing_queue(*u))
        .collect();
    queues.push(topology.dead_letter_queue());
    queues.push(topology.webhooks_queue());
    for queue in queues {
        channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await?;
    }
    for exchange in [topology.reports_exchange(), topology.events_exchange()] {
        channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await?;
    }
    let _ = connection.close(200, "done".into()).await;
    Ok(())
}

/// A `sigap-api serve` or `sigap-worker` child process. Dropping it stops it.
pub struct Process {
    pub name: String,
    child: Child,
    peak_kib: u64,
}

impl Process {
    pub fn spawn(
        name: &str,
        binary: &str,
        args: &[&str],
        env: BTreeMap<String, String>,
    ) -> anyhow::Result<Process> {
        fs::create_dir_all(log_dir())?;
        let log = fs::File::create(log_dir().join(format!("{name}.log")))?;
        let child = Command::new(release_binary(binary))
            .args(args)
            .current_dir(workspace_root())
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start target/release/{binary}"))?;
        Ok(Process {
            name: name.to_owned(),
            child,
            peak_kib: 0,
        })
    }

    /// Peak resident size so far (`VmHWM`), in KiB; remembered past the
    /// process's end.
    pub fn peak_rss_kib(&mut self) -> u64 {
        if let Some(kib) = proc_status_kib(self.child.id(), "VmHWM") {
            self.peak_kib = self.peak_kib.max(kib);
        }
        self.peak_kib
    }

    /// Fails when the process has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); see target/bench/{}.log",
                self.name,
                self.name
            );
        }
        Ok(())
    }

    /// SIGTERM, then waits for the process to finish its work and exit;
    /// returns its peak resident size in KiB.
    pub async fn stop(mut self) -> u64 {
        let peak = self.peak_rss_kib();
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return peak;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        peak
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Waits until `url` answers 200.
pub async fn wait_ready(
    client: &reqwest::Client,
    url: &str,
    api: &mut Process,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        api.check_running()?;
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} was not ready within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A count from the bench database, e.g. of reports still to route.
pub async fn count(db: &tokio_postgres::Client, sql: &str) -> anyhow::Result<i64> {
    Ok(db.query_one(sql, &[]).await?.get(0))
}

/// Polls `sql` (a count) until it is zero; returns how long that took.
pub async fn wait_zero(
    db: &tokio_postgres::Client,
    sql: &str,
    within: Duration,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    loop {
        let n = count(db, sql).await?;
        if n == 0 {
            return Ok(start.elapsed());
        }
        if start.elapsed() > within {
            bail!("still {n} after {within:?}: {sql}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
