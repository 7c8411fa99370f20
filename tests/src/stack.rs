//! A private PostgreSQL cluster, a private RabbitMQ node, and Sigap processes
//! running against them. Fault drills stop and restart these without
//! disturbing the machine's shared services (or anyone's tests on them).

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

fn wait_port(port: u16, open: bool, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while port_open(port) != open {
        if Instant::now() > deadline {
            bail!(
                "port {port} did not {} within {within:?}",
                if open { "open" } else { "close" }
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs `program` as the service account `user` when we are root (the
/// servers refuse to run as root), else as ourselves.
fn as_service_user(user: &str, program: &str, args: &[&str]) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", user, "--", program]).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn chown(path: &Path, user: &str) -> anyhow::Result<()> {
    if is_root() {
        let mut command = Command::new("chown");
        command.args(["-R", &format!("{user}:{user}")]).arg(path);
        run(command, "chown")?;
    }
    Ok(())
}

/// A PostgreSQL cluster of its own, in a temporary directory.
pub struct PrivatePostgres {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

impl PrivatePostgres {
    pub fn start(dir: &Path) -> anyhow::Result<PrivatePostgres> {
        let versions = fs::read_dir("/usr/lib/postgresql")
            .context("PostgreSQL server binaries (/usr/lib/postgresql) are missing")?;
        let version = versions
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .max()
            .context("no PostgreSQL version under /usr/lib/postgresql")?;
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        fs::create_dir_all(dir)?;
        chown(dir, "postgres")?;
        let data = dir.join("data");
        let mut initdb = as_service_user(
            "postgres",
            &bin.join("initdb").display().to_string(),
            &["-D", &data.display().to_string(), "-U", "postgres"],
        );
        initdb.args(["--auth=trust", "-E", "UTF8", "--no-sync"]);
        run(initdb, "initdb")?;
        let postgres = PrivatePostgres {
            dir: dir.to_owned(),
            bin,
            port: free_port(),
        };
        postgres.resume()?;
        Ok(postgres)
    }

    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut all = vec!["-D".to_owned(), self.dir.join("data").display().to_string()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        as_service_user(
            "postgres",
            &self.bin.join("pg_ctl").display().to_string(),
            &all,
        )
    }

    /// Starts (or starts again) the server and waits until it accepts connections.
    pub fn resume(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log").display().to_string();
        run(
            self.pg_ctl(&["-l", &log, "-o", &options, "-w", "-t", "60", "start"]),
            "pg_ctl start",
        )?;
        wait_port(self.port, true, Duration::from_secs(30))
    }

    /// Stops the server the way an operator's restart does: sessions are
    /// terminated, in-flight transactions roll back.
    pub fn stop(&self) -> anyhow::Result<()> {
        run(self.pg_ctl(&["-m", "fast", "-w", "stop"]), "pg_ctl stop")
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .pg_ctl(&["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A RabbitMQ node of its own (own name, ports and data directory).
pub struct PrivateRabbit {
    dir: PathBuf,
    node: String,
    pub port: u16,
    dist_port: u16,
}

const RABBIT_BIN: &str = "/usr/lib/rabbitmq/bin";

impl PrivateRabbit {
    pub fn start(dir: &Path) -> anyhow::Result<PrivateRabbit> {
        if !Path::new(RABBIT_BIN).join("rabbitmq-server").exists() {
            bail!("RabbitMQ is not installed ({RABBIT_BIN}/rabbitmq-server is missing)");
        }
        fs::create_dir_all(dir.join("mnesia"))?;
        fs::create_dir_all(dir.join("log"))?;
        let port = free_port();
        fs::write(
            dir.join("rabbitmq.conf"),
            format!("listeners.tcp.local = 127.0.0.1:{port}\nloopback_users = none\n"),
        )?;
        fs::write(dir.join("enabled_plugins"), "[].\n")?;
        // An empty environment file, so the machine's node name is not read.
        fs::write(dir.join("rabbitmq-env.conf"), "")?;
        chown(dir, "rabbitmq")?;
        let rabbit = PrivateRabbit {
            node: format!("sigap-chaos-{}@localhost", std::process::id()),
            dir: dir.to_owned(),
            port,
            dist_port: free_port(),
        };
        rabbit.resume()?;
        Ok(rabbit)
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let program = format!("{RABBIT_BIN}/{program}");
        let mut command = if is_root() {
            // The service account's home holds the Erlang cookie that
            // rabbitmqctl and the node must share.
            let line = std::iter::once(program.as_str())
                .chain(args.iter().copied())
                .collect::<Vec<_>>()
                .join(" ");
            let mut command = Command::new("su");
            command.args(["rabbitmq", "-s", "/bin/sh", "-c", &line]);
            command
        } else {
            let mut command = Command::new(&program);
            command.args(args);
            command
        };
        let path = |name: &str| self.dir.join(name).display().to_string();
        command
            .current_dir(&self.dir)
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_CONFIG_FILE", path("rabbitmq"))
            .env("RABBITMQ_CONF_ENV_FILE", path("rabbitmq-env.conf"))
            .env("RABBITMQ_MNESIA_BASE", path("mnesia"))
            .env("RABBITMQ_LOG_BASE", path("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", path("enabled_plugins"))
            .env("RABBITMQ_PID_FILE", path("rabbit.pid"))
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("ERL_EPMD_ADDRESS", "127.0.0.1");
        command
    }

    /// Starts (or starts again) the node and waits until it accepts clients.
    pub fn resume(&self) -> anyhow::Result<()> {
        run(
            self.command("rabbitmq-server", &["-detached"]),
            "rabbitmq-server",
        )?;
        // `wait` waits for the pid file of the detached node, then for the
        // broker application to start.
        let pid_file = self.dir.join("rabbit.pid").display().to_string();
        run(
            self.command(
                "rabbitmqctl",
                &["-n", &self.node, "--timeout", "120", "wait", &pid_file],
            ),
            "rabbitmqctl wait",
        )?;
        wait_port(self.port, true, Duration::from_secs(60))
    }

    /// Stops the whole node: every connection drops, unconfirmed publishes
    /// and unacknowledged deliveries are left to the clients to recover.
    pub fn stop(&self) -> anyhow::Result<()> {
        run(
            self.command("rabbitmqctl", &["-n", &self.node, "stop"]),
            "rabbitmqctl stop",
        )?;
        wait_port(self.port, false, Duration::from_secs(30))
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }
}

impl Drop for PrivateRabbit {
    fn drop(&mut self) {
        let _ = self
            .command("rabbitmqctl", &["-n", &self.node, "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A `sigap-api serve` or `sigap-worker` process, its output in a log file.
pub struct Process {
    child: Child,
}

impl Process {
    pub fn spawn(
        binary: &Path,
        args: &[&str],
        env: &BTreeMap<String, String>,
        log: &Path,
    ) -> anyhow::Result<Process> {
        let log = fs::File::create(log).with_context(|| format!("cannot create {log:?}"))?;
        let child = Command::new(binary)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {binary:?} (make builds it first)"))?;
        Ok(Process { child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Peak resident set size so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid(), "VmHWM")
    }

    /// Resident set size now, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid(), "VmRSS")
    }
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SIGTERM first, so the process can finish its batch; then make sure.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
