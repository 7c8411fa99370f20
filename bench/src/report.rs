//! The results table, the machine it was measured on, and `BENCHMARKS.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// One line of the table.
pub struct Row {
    pub what: String,
    pub target: String,
    pub measured: String,
    /// `None` for figures without a target, or that could not be measured.
    pub met: Option<bool>,
}

impl Row {
    pub fn new(what: &str, target: &str, measured: String, met: Option<bool>) -> Row {
        Row {
            what: what.to_owned(),
            target: target.to_owned(),
            measured,
            met,
        }
    }
}

#[derive(Default)]
pub struct Results {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Results {
    pub fn row(&mut self, row: Row) {
        println!(
            "  {}: {} (target {}){}",
            row.what,
            row.measured,
            row.target,
            match row.met {
                Some(true) => " — met",
                Some(false) => " — MISSED",
                None => "",
            }
        );
        self.rows.push(row);
    }

    pub fn note(&mut self, note: String) {
        println!("  note: {note}");
        self.notes.push(note);
    }

    pub fn table(&self) -> String {
        let mut out =
            String::from("| what | target | measured | met? |\n| --- | --- | --- | --- |\n");
        for row in &self.rows {
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                row.what, row.target, row.measured, met
            );
        }
        out
    }

    /// The whole document.
    pub fn markdown(&self, machine: &Machine, command: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Sigap benchmarks\n");
        let _ = writeln!(
            out,
            "Written by `{command}` on {}; every figure below comes from that one run. \
             The api, the worker, PostgreSQL, RabbitMQ and the load generator share the machine.\n",
            machine.date
        );
        let _ = writeln!(out, "## Machine\n");
        let _ = writeln!(out, "- CPU: {} × {}", machine.cores, machine.cpu);
        let _ = writeln!(out, "- memory: {}", machine.memory);
        let _ = writeln!(out, "- {}", machine.rustc);
        let _ = writeln!(out, "- PostgreSQL {}", machine.postgres);
        let _ = writeln!(out, "- RabbitMQ {}", machine.rabbitmq);
        let _ = writeln!(
            out,
            "- load average (1, 5, 15 min) before the run: {}\n",
            machine.load_before
        );
        let _ = writeln!(out, "## Results\n");
        out.push_str(&self.table());
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\n## Notes\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

/// What the figures were measured on.
pub struct Machine {
    pub date: String,
    pub cores: String,
    pub cpu: String,
    pub memory: String,
    pub rustc: String,
    pub postgres: String,
    pub rabbitmq: String,
    /// Other work on the machine skews every figure: this shows how much there was.
    pub load_before: String,
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

impl Machine {
    pub fn describe(postgres: String) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
            .map(|(_, model)| model.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into());
        Machine {
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            cores: output("nproc", &[]),
            cpu,
            memory,
            rustc: output("rustc", &["--version"]),
            postgres,
            rabbitmq: output("rabbitmqctl", &["version"]),
            load_before: load_average(),
        }
    }
}

pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}
