//! `make bench`: Sigap under a flood of reports, measured side by side in one
//! run against the performance targets (bench/README.md), on a fresh database and an AMQP
//! prefix of its own. Writes `BENCHMARKS.md` and prints the table. See
//! `bench/README.md` for what each phase does.

mod lists;
mod load;
mod report;
mod stack;

use anyhow::{Context, bail};
use clap::Parser;
use load::{Api, Place, Until, closed_loop, open_loop, report_body};
use report::{Machine, Results, Row};
use sigap_domain::Role;
use sigap_runtime::auth::Tokens;
use sigap_runtime::config::Config;
use stack::Process;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "sigap-bench",
    about = "Measures Sigap against its targets and writes BENCHMARKS.md"
)]
struct Args {
    /// Seconds of pgbench, of intake and of filed → assigned.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Concurrent clients of pgbench, intake and polling.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Reports per second of the filed → assigned phase.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Reports queued while no worker runs.
    #[arg(long, default_value_t = 100_000)]
    backlog: u64,
    /// Reports per second of the calm filed → assigned phase.
    #[arg(long, default_value_t = 100.0)]
    calm_rate: f64,
    /// Workers started on the backlog.
    #[arg(long, default_value_t = 1)]
    backlog_workers: usize,
    /// Seconds of each polling phase.
    #[arg(long, default_value_t = 10)]
    poll_seconds: u64,
    /// Skip the criterion routing benchmark.
    #[arg(long)]
    no_criterion: bool,
    /// Skip the statistics phase (loading a million reports takes minutes).
    #[arg(long)]
    no_stats: bool,
    /// Skip the million-row exports (of the statistics phase's reports).
    #[arg(long)]
    no_exports: bool,
    /// Run only the statistics phase and its exports (for a trial: the
    /// table then holds those rows only; write it elsewhere with `--out`).
    #[arg(long)]
    only_stats: bool,
    /// Reports the statistics fixture loads (a trial may load fewer).
    #[arg(long, default_value_t = 1_000_000)]
    stats_reports: u64,
    /// Skip the duplicate-check phase (loading a million reports with
    /// people takes minutes).
    #[arg(long)]
    no_duplicates: bool,
    /// Where to write the results (relative to the workspace root).
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
}

/// The unit whose work queue is polled: a multi-service Sentra with a
/// national coverage rule, so that reports keep arriving for it.
const POLLED_UNIT: &str = "SENTRA-MULYA-JAYA";
const RECEIVED: &str = "SELECT count(*) FROM reports WHERE status = 'received'";
const UNSENT: &str = "SELECT count(*) FROM outbox WHERE sent_at IS NULL";

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = run(&args) => outcome,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    // The processes stopped with `run`; remove the databases and queues.
    let cleaned = runtime.block_on(async {
        let amqp = stack::delete_amqp().await;
        let databases = stack::drop_databases().await;
        amqp.and(databases)
    });
    if let Err(error) = &cleaned {
        eprintln!("sigap-bench: clean-up failed: {error:#}");
    }
    match outcome {
        Ok(()) if cleaned.is_ok() => ExitCode::SUCCESS,
        Ok(()) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("sigap-bench: {error:#} (logs in target/bench/)");
            ExitCode::FAILURE
        }
    }
}

struct Tokens3 {
    operator: String,
    staff: String,
}

/// Signs tokens as the bench's api accepts them.
fn signer() -> anyhow::Result<Tokens> {
    let config = Config::from_vars(
        [
            ("SIGAP_JWT_SECRET".to_owned(), stack::JWT_SECRET.to_owned()),
            ("SIGAP_DATA_KEYS".to_owned(), stack::DATA_KEYS.to_owned()),
            ("SIGAP_INDEX_KEY".to_owned(), stack::INDEX_KEY.to_owned()),
        ]
        .into_iter()
        .collect(),
    )?;
    Ok(Tokens::from_config(&config)?)
}

/// A token of the UPT staff of `unit`.
fn staff_token(unit: &str) -> anyhow::Result<String> {
    let tokens = signer()?;
    let mut staff = tokens.claims("bench-staff", Role::UptStaff, Duration::from_secs(3600));
    staff.unit = Some(unit.to_owned());
    Ok(tokens.sign(&staff)?)
}

fn tokens() -> anyhow::Result<Tokens3> {
    let tokens = signer()?;
    let ttl = Duration::from_secs(3600);
    let operator = tokens.sign(&tokens.claims("bench-operator", Role::Operator, ttl))?;
    let mut staff = tokens.claims("bench-staff", Role::UptStaff, ttl);
    staff.unit = Some(POLLED_UNIT.to_owned());
    Ok(Tokens3 {
        operator,
        staff: tokens.sign(&staff)?,
    })
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    for binary in ["sigap-api", "sigap-worker"] {
        if !stack::release_binary(binary).exists() {
            bail!("target/release/{binary} is missing: run `make bench` (it builds them)");
        }
    }
    let mut results = Results::default();
    println!(
        "sigap-bench: fresh database {} and AMQP prefix {}",
        stack::DB,
        stack::PREFIX
    );
    let _ = stack::delete_amqp().await;
    stack::fresh_databases().await?;
    let db = stack::connect(stack::DB).await?;
    let postgres: String = db.query_one("SHOW server_version", &[]).await?.get(0);
    let machine = Machine::describe(postgres);
    if args.only_stats {
        println!(
            "[8/9] stats: GET /v1/stats and exports on {} reports",
            args.stats_reports
        );
        stats(
            &stack::workspace_root().join("bench/stats_fixture.sql"),
            args,
            &mut results,
        )
        .await?;
        return finish(args, &machine, results, started);
    }

    // 1. The limit: pgbench with the intake transaction.
    println!(
        "[1/9] pgbench: the intake transaction, {} clients, {} s",
        args.clients, args.seconds
    );
    let limit = pgbench(
        &stack::workspace_root().join("bench/intake.sql"),
        args.clients,
        args.seconds,
    )?;
    results.row(Row::new(
        "pgbench, intake transaction",
        "(the limit)",
        format!(
            "{:.0} tx/s ({} clients, mean {:.1} ms)",
            limit.tps, args.clients, limit.latency_ms
        ),
        None,
    ));
    results.note(format!(
        "pgbench runs `bench/intake.sql`: the statement `POST /v1/reports` runs for a request with an \
         `Idempotency-Key` (the key's advisory lock, the look-up of an earlier report with the key, and \
         the report, its `received` event and its outbox row stored, in one implicit transaction), \
         prepared, {} clients, {} s, on a copy of the fresh database.",
        args.clients, args.seconds
    ));

    // The same, with the duplicate look-up that the api runs for each report
    // after storing it: what the database can do for `POST /v1/reports` as
    // it is now. Run second, it meets the first run's reports, all from one
    // spot, category and name: a flood, the look-up's worst case.
    let with_lookup = pgbench(&intake_with_lookup_script()?, args.clients, args.seconds)?;
    results.row(Row::new(
        "pgbench, intake transaction and duplicate look-up",
        "(reference)",
        format!(
            "{:.0} tx/s ({} clients, mean {:.1} ms)",
            with_lookup.tps, args.clients, with_lookup.latency_ms
        ),
        None,
    ));

    let places = places(&db).await?;
    let tokens = tokens()?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let api_env = stack::sigap_env(&[("SIGAP_BIND", format!("127.0.0.1:{port}"))].into());
    let worker_env = stack::sigap_env(&BTreeMap::new());
    let mut api = Process::spawn("api", "sigap-api", &["serve"], api_env)?;
    let client = Api::new(base.clone());
    stack::wait_ready(&client.http, &format!("{base}/readyz"), &mut api).await?;
    let mut worker_peak_kib = 0;

    // 2. Intake, closed loop: first the api alone (the relay publishes, no
    // worker routes), the same work pgbench measured; then with the worker
    // routing every report meanwhile, on the same two cores.
    println!(
        "[2/9] intake: POST /v1/reports, {} clients, {} s without and {} s with the worker",
        args.clients,
        args.seconds,
        args.seconds / 2
    );
    let filer = filer_tagged(&client, &tokens.operator, &places, "bench-warmup");
    closed_loop(args.clients, Until::Elapsed(Duration::from_secs(2)), filer).await;
    let filer = filer_tagged(&client, &tokens.operator, &places, "bench-intake");
    let intake = closed_loop(
        args.clients,
        Until::Elapsed(Duration::from_secs(args.seconds)),
        filer,
    )
    .await;
    let throughput = intake.rate(201);
    let ratio = throughput / limit.tps;
    results.row(Row::new(
        "intake throughput",
        "≥ 0.8 × pgbench",
        format!(
            "{throughput:.0} reports/s = {ratio:.2} × pgbench ({:.2} × pgbench with the look-up)",
            throughput / with_lookup.tps
        ),
        Some(ratio >= 0.8),
    ));
    results.row(Row::new(
        "intake latency (64 clients)",
        "p99 < 50 ms",
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            intake.ms(50.0),
            intake.ms(99.0),
            intake.max_ms()
        ),
        Some(intake.ms(99.0) < 50.0 && intake.total() == intake.count(201)),
    ));
    let worker = Process::spawn("worker", "sigap-worker", &[], worker_env.clone())?;
    let drained = stack::wait_zero(&db, RECEIVED, Duration::from_secs(300)).await?;
    let filer = filer_tagged(&client, &tokens.operator, &places, "bench-intake-routed");
    let routed = closed_loop(
        args.clients,
        Until::Elapsed(Duration::from_secs(args.seconds / 2)),
        filer,
    )
    .await;
    results.row(Row::new(
        "intake while the worker routes",
        "(no target)",
        format!(
            "{:.0} reports/s = {:.2} × pgbench; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            routed.rate(201),
            routed.rate(201) / limit.tps,
            routed.ms(50.0),
            routed.ms(99.0),
            routed.max_ms()
        ),
        None,
    ));
    let routed_drained = stack::wait_zero(&db, RECEIVED, Duration::from_secs(300)).await?;
    results.note(format!(
        "Intake: {} reports filed in {:.1} s by the api alone (its relay publishing them; answers other \
         than 201: {}), then routed by a worker started after it, in {:.1} s. With the worker routing \
         meanwhile: {} reports in {:.1} s (answers other than 201: {}), all routed {:.1} s after the end.",
        intake.count(201),
        intake.elapsed.as_secs_f64(),
        intake.unexpected(&[201]),
        drained.as_secs_f64(),
        routed.count(201),
        routed.elapsed.as_secs_f64(),
        routed.unexpected(&[201]),
        routed_drained.as_secs_f64()
    ));

    // 3. Filed → assigned at a sustained rate, open loop; then at a calm
    // rate, which shows the pipeline's own delay without queueing.
    println!(
        "[3/9] filed → assigned: {} reports/s for {} s, then {} reports/s for {} s",
        args.rate,
        args.seconds,
        args.calm_rate,
        args.seconds / 2
    );
    let (paced, assigned) = file_paced(
        &client,
        &tokens.operator,
        &places,
        &db,
        args.rate,
        args.seconds,
        "bench-latency",
    )
    .await?;
    let achieved = paced.rate(201);
    results.row(Row::new(
        "filed → assigned",
        &format!("p99 < 250 ms at {:.0}/s", args.rate),
        format!(
            "p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({} reports at {achieved:.0}/s)",
            assigned.event.p50, assigned.event.p99, assigned.event.max, assigned.count
        ),
        Some(
            assigned.event.p99 < 250.0
                && achieved >= 0.98 * args.rate
                && paced.total() == paced.count(201),
        ),
    ));
    results.note(format!(
        "Filed → assigned is the time from the report's `created_at` to its `assigned` event (written in the \
         worker's transaction); by the report's `assigned_at` (the start of that transaction) it is p50 {:.0} ms, \
         p99 {:.0} ms. Intake latency at {:.0}/s: p50 {:.1} ms, p99 {:.1} ms, counted from each request's \
         scheduled start; answers other than 201: {}; reports not assigned (triage): {}.",
        assigned.column.p50,
        assigned.column.p99,
        args.rate,
        paced.ms(50.0),
        paced.ms(99.0),
        paced.unexpected(&[201]),
        assigned.triage
    ));
    let (calm, calm_assigned) = file_paced(
        &client,
        &tokens.operator,
        &places,
        &db,
        args.calm_rate,
        args.seconds / 2,
        "bench-calm",
    )
    .await?;
    results.row(Row::new(
        "filed → assigned, calm",
        "(no target)",
        format!(
            "p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({} reports at {:.0}/s; intake p99 {:.1} ms)",
            calm_assigned.event.p50,
            calm_assigned.event.p99,
            calm_assigned.event.max,
            calm_assigned.count,
            calm.rate(201),
            calm.ms(99.0)
        ),
        None,
    ));

    // 4. Backlog: queue reports with no worker running, then route them.
    println!(
        "[4/9] backlog: {} reports queued with the worker stopped",
        args.backlog
    );
    worker_peak_kib = worker_peak_kib.max(worker.stop().await);
    let filer = filer_tagged(&client, &tokens.operator, &places, "bench-backlog");
    let queued = closed_loop(args.clients, Until::Requests(args.backlog), filer).await;
    let published = stack::wait_zero(&db, UNSENT, Duration::from_secs(300)).await?;
    let waiting = stack::count(&db, RECEIVED).await?;
    results.note(format!(
        "Backlog: {} reports filed through the api in {:.1} s ({:.0}/s, p99 {:.1} ms; other answers: {}); \
         the relay had published the last of them {:.1} s later.",
        queued.count(201),
        queued.elapsed.as_secs_f64(),
        queued.rate(201),
        queued.ms(99.0),
        queued.unexpected(&[201]),
        published.as_secs_f64()
    ));
    println!(
        "      routing {waiting} queued reports with {} worker(s)",
        args.backlog_workers
    );
    let routing_started = Instant::now();
    let mut workers = (0..args.backlog_workers)
        .map(|i| {
            Process::spawn(
                &format!("worker-{}", i + 1),
                "sigap-worker",
                &[],
                worker_env.clone(),
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    stack::wait_zero(&db, RECEIVED, Duration::from_secs(600)).await?;
    let routing = routing_started.elapsed();
    let backlog_rate = waiting as f64 / routing.as_secs_f64();
    results.row(Row::new(
        "backlog",
        "≥ 2,000 reports/s",
        format!(
            "{waiting} routed in {:.1} s = {backlog_rate:.0} reports/s ({} worker{})",
            routing.as_secs_f64(),
            args.backlog_workers,
            if args.backlog_workers == 1 { "" } else { "s" }
        ),
        Some(backlog_rate >= 2000.0),
    ));

    // The backlog's events are still being published (and fanned out to
    // webhooks) for a while; polling is measured once they are out.
    let events_out = stack::wait_zero(&db, UNSENT, Duration::from_secs(600)).await?;
    results.note(format!(
        "The relays had published the backlog's {waiting} decision events {:.1} s after the last \
         report was routed; the polling phases start then.",
        events_out.as_secs_f64()
    ));

    // 5. Polling a unit's work queue.
    println!(
        "[5/9] polling {POLLED_UNIT}'s work queue, {} clients, {} s each",
        args.clients, args.poll_seconds
    );
    let (status, etag) = client
        .poll(&tokens.staff, POLLED_UNIT, None)
        .await
        .map_err(anyhow::Error::msg)?;
    let etag = etag
        .filter(|_| status == 200)
        .context("the work queue answered without an ETag")?;
    let unchanged = {
        let client = client.clone();
        let token = Arc::new(tokens.staff.clone());
        let etag = Arc::new(etag);
        closed_loop(
            args.clients,
            Until::Elapsed(Duration::from_secs(args.poll_seconds)),
            move |_, _| {
                let (client, token, etag) = (client.clone(), token.clone(), etag.clone());
                async move {
                    client
                        .poll(&token, POLLED_UNIT, Some(&etag))
                        .await
                        .map(|(status, _)| status)
                }
            },
        )
        .await
    };
    results.row(Row::new(
        "unit polling, nothing changed",
        "5,000 polls/s answered 304",
        format!(
            "{:.0} polls/s answered 304 (p50 {:.1} ms, p99 {:.1} ms)",
            unchanged.rate(304),
            unchanged.ms(50.0),
            unchanged.ms(99.0)
        ),
        Some(unchanged.rate(304) >= 5000.0),
    ));
    let feeder = {
        let client = client.clone();
        let token = Arc::new(tokens.operator.clone());
        let places = Arc::new(places.clone());
        tokio::spawn(open_loop(
            100.0,
            Duration::from_secs(args.poll_seconds),
            move |n| {
                let (client, token, places) = (client.clone(), token.clone(), places.clone());
                async move {
                    let body = report_body(&places, n, "bench-polling");
                    client
                        .file(&token, format!("bench-polling-{n}"), &body)
                        .await
                }
            },
        ))
    };
    let changing = {
        let client = client.clone();
        let token = Arc::new(tokens.staff.clone());
        closed_loop(
            args.clients,
            Until::Elapsed(Duration::from_secs(args.poll_seconds)),
            move |_, _| {
                let (client, token) = (client.clone(), token.clone());
                async move {
                    client
                        .poll(&token, POLLED_UNIT, None)
                        .await
                        .map(|(status, _)| status)
                }
            },
        )
        .await
    };
    let fed = feeder.await?;
    results.row(Row::new(
        "unit polling, reports arriving",
        "(no target)",
        format!(
            "{:.0} polls/s answered 200 (p50 {:.1} ms, p99 {:.1} ms)",
            changing.rate(200),
            changing.ms(50.0),
            changing.ms(99.0)
        ),
        None,
    ));
    results.note(format!(
        "Polling: `GET /v1/units/{POLLED_UNIT}/cases` as its UPT staff. Nothing changed: every poll sends the \
         current ETag (other answers: {}). Reports arriving: polls without `If-None-Match`, each answered \
         with the first page (100 cases) of the queue, while {:.0} reports/s are filed nationwide \
         (other answers: {}).",
        unchanged.unexpected(&[304]),
        fed.rate(201),
        changing.unexpected(&[200])
    ));

    // A list of 70 people imported into a case, while the stack is up.
    println!("[5b/9] list import: 70 people into a case, 5 lists");
    lists::import_70(&client, &tokens.operator, &mut results).await?;

    // 7. Memory, over the whole run.
    let api_peak_kib = api.stop().await;
    for worker in workers.drain(..) {
        worker_peak_kib = worker_peak_kib.max(worker.stop().await);
    }
    results.row(Row::new(
        "api memory (peak resident)",
        "< 100 MB",
        format!("{:.0} MB", mb(api_peak_kib)),
        Some(mb(api_peak_kib) < 100.0),
    ));
    results.row(Row::new(
        "worker memory (peak resident)",
        "(no target)",
        format!("{:.0} MB", mb(worker_peak_kib)),
        None,
    ));

    // 6. Routing decisions (criterion), once the stack is stopped.
    if args.no_criterion {
        results.row(Row::new(
            "routing decision",
            "median < 5 µs",
            "not run (--no-criterion)".into(),
            None,
        ));
    } else {
        println!("[6/9] routing: cargo bench -p sigap-router (route, locate)");
        let route = criterion_medians("route", &["route_national", "route_national_previous"])?;
        let locate = criterion_medians("locate", &["locate_point", "nearest_point"])?;
        results.row(Row::new(
            "routing decision (national directory: 31 units, 186 rules)",
            "median < 5 µs",
            format!(
                "median {:.2} µs (directory before the sources, 27 units and 103 rules: {:.2} µs)",
                route[0] / 1000.0,
                route[1] / 1000.0
            ),
            Some(route[0] < 5000.0),
        ));
        results.row(Row::new(
            "region from coordinates (point in 514 regency boundaries)",
            "microseconds",
            format!(
                "median {:.2} µs per point; nearest regency for a point at sea {:.1} µs",
                locate[0] / 1000.0,
                locate[1] / 1000.0
            ),
            Some(locate[0] < 10_000.0),
        ));
    }

    // 8. Statistics on a million reports.
    let fixture = stack::workspace_root().join("bench/stats_fixture.sql");
    if args.no_stats {
        results.row(Row::new(
            "GET /v1/stats, a million reports with their case work",
            "(no target)",
            "not run (--no-stats)".into(),
            None,
        ));
    } else if fixture.exists() {
        println!("[8/9] stats: GET /v1/stats and exports on a million reports");
        stats(&fixture, args, &mut results).await?;
    } else {
        results.row(Row::new(
            "GET /v1/stats, a million reports with their case work",
            "(no target)",
            "not measured: bench/stats_fixture.sql does not exist".into(),
            None,
        ));
    }

    // 9. Duplicate checks on a million reports.
    let fixture = stack::workspace_root().join("bench/duplicates_fixture.sql");
    if args.no_duplicates {
        results.row(Row::new(
            DUPLICATES_ROW,
            "p99 < 50 ms",
            "not run (--no-duplicates)".into(),
            None,
        ));
    } else {
        println!("[9/9] duplicates: POST /v1/reports:check on a million reports");
        duplicates(&fixture, &tokens.operator, &mut results).await?;
    }

    finish(args, &machine, results, started)
}

/// Notes the configuration and the load, writes the results and prints them.
fn finish(
    args: &Args,
    machine: &Machine,
    mut results: Results,
    started: Instant,
) -> anyhow::Result<()> {
    results.note(format!(
        "Configuration: defaults (`SIGAP_DB_POOL_SIZE` 16 per process, `SIGAP_PREFETCH` 200), `RUST_LOG=warn`; \
         reports from all 514 regencies and every category, one in ten critical, three in ten high; \
         the whole run took {:.0} s. Re-run with `make bench`; options: `cargo run --release -p sigap-bench -- --help`.",
        started.elapsed().as_secs_f64()
    ));
    results.note(format!(
        "Load average at the end of the run: {}.",
        report::load_average()
    ));
    let markdown = results.markdown(machine, "make bench");
    report::write(&stack::workspace_root().join(&args.out), &markdown)?;
    println!("\n{}", results.table());
    println!("written to {}", args.out.display());
    Ok(())
}

/// Files bodies from [`report_body`], each request with its own key.
fn filer_tagged(
    client: &Api,
    token: &str,
    places: &[Place],
    tag: &'static str,
) -> impl Fn(usize, u64) -> std::pin::Pin<Box<dyn Future<Output = load::Outcome> + Send>>
+ Clone
+ Send
+ 'static {
    let client = client.clone();
    let token = Arc::new(token.to_owned());
    let places = Arc::new(places.to_vec());
    move |_, n| {
        let (client, token, places) = (client.clone(), token.clone(), places.clone());
        Box::pin(async move {
            let body = report_body(&places, n, tag);
            client.file(&token, format!("{tag}-{n}"), &body).await
        })
    }
}

/// Files reports tagged `tag` at `rate` per second for `seconds` (open
/// loop), waits until all are routed, and reads their filed → assigned times.
async fn file_paced(
    client: &Api,
    token: &str,
    places: &[Place],
    db: &tokio_postgres::Client,
    rate: f64,
    seconds: u64,
    tag: &'static str,
) -> anyhow::Result<(load::Tally, Assigned)> {
    let tally = {
        let client = client.clone();
        let token = Arc::new(token.to_owned());
        let places = Arc::new(places.to_vec());
        open_loop(rate, Duration::from_secs(seconds), move |n| {
            let (client, token, places) = (client.clone(), token.clone(), places.clone());
            async move {
                let body = report_body(&places, n, tag);
                client.file(&token, format!("{tag}-{n}"), &body).await
            }
        })
        .await
    };
    stack::wait_zero(db, RECEIVED, Duration::from_secs(120)).await?;
    Ok((tally, filed_to_assigned(db, tag).await?))
}

async fn places(db: &tokio_postgres::Client) -> anyhow::Result<Vec<Place>> {
    let rows = db
        .query(
            "SELECT code, latitude, longitude FROM regions WHERE level = 'regency' ORDER BY code",
            &[],
        )
        .await?;
    // A point inside each regency, so that reports with coordinates are
    // placed where they say (a centroid can lie in the sea).
    let boundaries = sigap_store::geography::boundaries();
    Ok(rows
        .iter()
        .map(|r| {
            let code: String = r.get(0);
            let (lat, lon) = boundaries
                .interior_point(&code)
                .unwrap_or((r.get(1), r.get(2)));
            Place { code, lat, lon }
        })
        .collect())
}

struct PgbenchRun {
    tps: f64,
    latency_ms: f64,
}

fn pgbench_binary() -> PathBuf {
    let on_path = Command::new("which")
        .arg("pgbench")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    on_path.unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin/pgbench"))
}

/// `bench/intake.sql` followed by the duplicate look-up
/// (`store/src/duplicates/candidates.sql`) for a report like the one it
/// stores, written to `target/bench/`.
fn intake_with_lookup_script() -> anyhow::Result<PathBuf> {
    let root = stack::workspace_root();
    let intake = std::fs::read_to_string(root.join("bench/intake.sql"))?;
    let lookup = std::fs::read_to_string(root.join("store/src/duplicates/candidates.sql"))?;
    // Built with jsonb_build_object: pgbench would read `"key":value` in a
    // JSON literal as a reference to its variable `value`.
    let probe = "jsonb_build_object('category', 'elderly', 'region_code', '13.03', \
                 'lat', -0.69, 'lon', 100.95, 'people', jsonb_build_array(jsonb_build_object('name', 'Penerima')))";
    let script = format!(
        "{}\n{};\n",
        intake.trim_end(),
        lookup.trim_end().replace("$1", probe)
    );
    std::fs::create_dir_all(stack::log_dir())?;
    let path = stack::log_dir().join("intake_lookup.sql");
    std::fs::write(&path, script)?;
    Ok(path)
}

fn pgbench(script: &std::path::Path, clients: usize, seconds: u64) -> anyhow::Result<PgbenchRun> {
    let output = Command::new(pgbench_binary())
        .args(["-n", "-M", "prepared", "-j", "2"])
        .args([
            "-c",
            &clients.to_string(),
            "-T",
            &seconds.max(1).to_string(),
        ])
        .arg("-f")
        .arg(script)
        .arg(stack::url(stack::PGBENCH_DB))
        .output()
        .context("cannot run pgbench (postgresql-client ships it)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let number = |prefix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
    };
    Ok(PgbenchRun {
        tps: number("tps = ").context("pgbench printed no tps")?,
        latency_ms: number("latency average = ").unwrap_or(f64::NAN),
    })
}

struct Percentiles {
    p50: f64,
    p99: f64,
    max: f64,
}

struct Assigned {
    count: i64,
    triage: i64,
    /// To the `assigned` event.
    event: Percentiles,
    /// To the report's `assigned_at`.
    column: Percentiles,
}

async fn filed_to_assigned(db: &tokio_postgres::Client, tag: &str) -> anyhow::Result<Assigned> {
    let row = db
        .query_one(
            "WITH d AS ( \
                SELECT extract(epoch FROM e.created_at - r.created_at)::float8 * 1000 AS event_ms, \
                       extract(epoch FROM r.assigned_at - r.created_at)::float8 * 1000 AS column_ms \
                FROM reports r JOIN report_events e ON e.report_id = r.id AND e.kind = 'assigned' \
                WHERE r.external_ref = $1) \
             SELECT count(*), \
                percentile_cont(0.5) WITHIN GROUP (ORDER BY event_ms), \
                percentile_cont(0.99) WITHIN GROUP (ORDER BY event_ms), max(event_ms), \
                percentile_cont(0.5) WITHIN GROUP (ORDER BY column_ms), \
                percentile_cont(0.99) WITHIN GROUP (ORDER BY column_ms), max(column_ms), \
                (SELECT count(*) FROM reports WHERE external_ref = $1 AND status <> 'assigned') \
             FROM d",
            &[&tag],
        )
        .await?;
    let value = |i: usize| row.get::<_, Option<f64>>(i).unwrap_or(f64::NAN);
    Ok(Assigned {
        count: row.get(0),
        event: Percentiles {
            p50: value(1),
            p99: value(2),
            max: value(3),
        },
        column: Percentiles {
            p50: value(4),
            p99: value(5),
            max: value(6),
        },
        triage: row.get(7),
    })
}

/// Runs one criterion benchmark of the router and reads the median
/// estimate (ns) of each named function.
fn criterion_medians(bench: &str, functions: &[&str]) -> anyhow::Result<Vec<f64>> {
    let root = stack::workspace_root();
    let log = std::fs::File::create(stack::log_dir().join(format!("criterion-{bench}.log")))?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["bench", "-p", "sigap-router", "--bench", bench])
        .current_dir(&root)
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .context("cannot run cargo bench")?;
    if !status.success() {
        bail!(
            "cargo bench -p sigap-router --bench {bench} failed; see target/bench/criterion-{bench}.log"
        );
    }
    functions
        .iter()
        .map(|function| {
            let path = root.join(format!("target/criterion/{function}/new/estimates.json"));
            let estimates: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            estimates["median"]["point_estimate"]
                .as_f64()
                .with_context(|| format!("{} has no median", path.display()))
        })
        .collect()
}

/// Runs a fixture's SQL with psql in `database`; answers how long it took.
fn load_fixture(fixture: &std::path::Path, database: &str) -> anyhow::Result<Duration> {
    load_fixture_with(fixture, database, &[])
}

/// The same, with psql variables (`-v name=value`).
fn load_fixture_with(
    fixture: &std::path::Path,
    database: &str,
    vars: &[(&str, String)],
) -> anyhow::Result<Duration> {
    let loading = Instant::now();
    let mut command = Command::new("psql");
    for (name, value) in vars {
        command.arg("-v").arg(format!("{name}={value}"));
    }
    let output = command
        .args([
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &stack::url(database),
            "-f",
        ])
        .arg(fixture)
        .stdin(std::process::Stdio::null())
        .output()
        .context("cannot run psql")?;
    if !output.status.success() {
        bail!(
            "loading {} failed: {}",
            fixture.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(loading.elapsed())
}

const DUPLICATES_ROW: &str = "POST /v1/reports:check, a million reports";

/// Loads the duplicates fixture (a million reports with their people) into
/// its own database, serves it with an api of its own and checks, from 8
/// clients for 10 s, bodies made from reports in it: the same place and
/// category, a name with a letter doubled and an honorific, and the NIK
/// when the person has one, as an operator types them.
async fn duplicates(
    fixture: &std::path::Path,
    operator: &str,
    results: &mut Results,
) -> anyhow::Result<()> {
    let loaded = load_fixture(fixture, stack::DUPLICATES_DB)?;
    let db = stack::connect(stack::DUPLICATES_DB).await?;
    let reports = stack::count(&db, "SELECT count(*) FROM reports").await?;
    let rows = db
        .query(
            "SELECT category, region_code, latitude, longitude, beneficiaries -> 0 ->> 'name', \
                    beneficiaries -> 0 ->> 'nik' \
             FROM reports TABLESAMPLE SYSTEM (1) WHERE beneficiaries <> '[]' LIMIT 500",
            &[],
        )
        .await?;
    let bodies: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let name: String = row.get(4);
            // "Siti Aminah" typed as "Ibu Sitti Aminah".
            let typed = match name.find(|c: char| "aeiou".contains(c)) {
                Some(i) => format!("Ibu {}{}", &name[..=i], &name[i..]),
                None => format!("Ibu {name}"),
            };
            let mut person = serde_json::json!({ "name": typed });
            if let Some(nik) = row.get::<_, Option<String>>(5) {
                person["nik"] = nik.into();
            }
            serde_json::json!({
                "category": row.get::<_, String>(0),
                "region_code": row.get::<_, String>(1),
                "location": {"lat": row.get::<_, f64>(2) + 0.002, "lon": row.get::<_, f64>(3) - 0.002},
                "beneficiaries": [person],
            })
        })
        .collect();
    if bodies.is_empty() {
        bail!("the duplicates fixture has no reports with people");
    }
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let env = stack::sigap_env(
        &[
            ("SIGAP_BIND", format!("127.0.0.1:{port}")),
            ("DATABASE_URL", stack::url(stack::DUPLICATES_DB)),
        ]
        .into(),
    );
    let mut api = Process::spawn("api-duplicates", "sigap-api", &["serve"], env)?;
    let client = Api::new(base.clone());
    stack::wait_ready(&client.http, &format!("{base}/readyz"), &mut api).await?;
    // Jittered coordinates of coastal regencies may lie at sea, which the
    // api refuses: only bodies it accepts are timed.
    let mut accepted = Vec::new();
    for body in bodies {
        let response = client
            .http
            .post(format!("{base}/v1/reports:check"))
            .bearer_auth(operator)
            .json(&body)
            .send()
            .await?;
        if response.status().is_success() {
            accepted.push(body);
        }
    }
    if accepted.is_empty() {
        bail!("POST /v1/reports:check accepted none of the bodies");
    }
    let bodies = Arc::new(accepted);
    let found = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let check = {
        let (client, token, bodies, found) = (
            client.clone(),
            operator.to_owned(),
            bodies.clone(),
            found.clone(),
        );
        move |_client: usize, n: u64| {
            let (client, token, bodies, found) =
                (client.clone(), token.clone(), bodies.clone(), found.clone());
            async move {
                let body = &bodies[n as usize % bodies.len()];
                let response = client
                    .http
                    .post(format!("{}/v1/reports:check", client.base))
                    .bearer_auth(&token)
                    .json(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let answer: serde_json::Value = response.json().await.unwrap_or_default();
                if answer["possible_duplicates"]
                    .as_array()
                    .is_some_and(|list| !list.is_empty())
                {
                    found.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(status)
            }
        }
    };
    closed_loop(8, Until::Elapsed(Duration::from_secs(2)), check.clone()).await;
    found.store(0, std::sync::atomic::Ordering::Relaxed);
    let tally = closed_loop(8, Until::Elapsed(Duration::from_secs(10)), check).await;
    let _ = api.stop().await;
    let answered = tally.count(200);
    let with_suggestions = found.load(std::sync::atomic::Ordering::Relaxed);
    results.row(Row::new(
        DUPLICATES_ROW,
        "p99 < 50 ms",
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({:.0} checks/s from 8 clients)",
            tally.ms(50.0),
            tally.ms(99.0),
            tally.max_ms(),
            tally.rate(200)
        ),
        Some(tally.ms(99.0) < 50.0 && answered == tally.total()),
    ));
    results.note(format!(
        "Duplicates: `bench/duplicates_fixture.sql` loaded {reports} reports with their people into a database \
         of their own in {:.0} s; {with_suggestions} of {answered} checks found the report they were made from \
         or another.",
        loaded.as_secs_f64()
    ));
    Ok(())
}

/// Loads the stats fixture (a million reports with three million people,
/// their assessments and services) into its own database, serves it with an
/// api of its own and times `GET /v1/stats`: nationally and for one province
/// over the default 30 days (20 calls each), and nationally over 365 days (5
/// calls: the api's longest range, 366 days, ends at the server's clock a
/// moment later than the bench's). Then the million-row exports, on the same
/// reports.
async fn stats(
    fixture: &std::path::Path,
    args: &Args,
    results: &mut Results,
) -> anyhow::Result<()> {
    let loaded = load_fixture_with(
        fixture,
        stack::STATS_DB,
        &[("reports", args.stats_reports.to_string())],
    )?;
    let db = stack::connect(stack::STATS_DB).await?;
    let reports = stack::count(&db, "SELECT count(*) FROM reports").await?;
    let people = stack::count(&db, "SELECT count(*) FROM beneficiaries").await?;
    let assessments = stack::count(&db, "SELECT count(*) FROM assessments").await?;
    let services = stack::count(&db, "SELECT count(*) FROM services").await?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let env = stack::sigap_env(
        &[
            ("SIGAP_BIND", format!("127.0.0.1:{port}")),
            ("DATABASE_URL", stack::url(stack::STATS_DB)),
        ]
        .into(),
    );
    let mut api = Process::spawn("api-stats", "sigap-api", &["serve"], env)?;
    let client = Api::new(base.clone());
    stack::wait_ready(&client.http, &format!("{base}/readyz"), &mut api).await?;
    let signer = signer()?;
    let token = signer.sign(&signer.claims(
        "bench-supervisor",
        Role::Supervisor,
        Duration::from_secs(3600),
    ))?;
    let year_from = (chrono::Utc::now() - chrono::Duration::days(365))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut figures = Vec::new();
    for (label, query, calls) in [
        ("national, 30 days", String::new(), 20),
        ("province 13, 30 days", "?region=13".to_owned(), 20),
        ("national, 365 days", format!("?from={year_from}"), 5),
    ] {
        let mut took = Vec::new();
        for _ in 0..calls {
            let began = Instant::now();
            let response = client
                .http
                .get(format!("{base}/v1/stats{query}"))
                .bearer_auth(&token)
                .timeout(Duration::from_secs(120))
                .send()
                .await?;
            let status = response.status();
            let body = response.bytes().await?;
            if !status.is_success() {
                bail!("GET /v1/stats{query} answered {status}");
            }
            let figures: serde_json::Value = serde_json::from_slice(&body)?;
            if figures["case_work"]["people"]["assessed"]
                .as_i64()
                .is_none()
            {
                bail!("GET /v1/stats{query} has no case work");
            }
            took.push(began.elapsed().as_secs_f64() * 1000.0);
        }
        took.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            took[((p / 100.0 * took.len() as f64).ceil() as usize).clamp(1, took.len()) - 1]
        };
        figures.push(format!(
            "{label}: median {:.0} ms, p99 {:.0} ms",
            rank(50.0),
            rank(99.0)
        ));
    }
    results.row(Row::new(
        "GET /v1/stats, a million reports with their case work",
        "(no target)",
        figures.join("; "),
        None,
    ));
    results.note(format!(
        "Stats: `bench/stats_fixture.sql` loaded {reports} reports (a year of them) with {people} people, \
         {assessments} assessments and {services} services into a database of their own in {:.0} s. \
         Each figure is over 20 calls by a supervisor (5 for the year; the p99 of so few calls is the \
         slowest), case work included (people by sex, age band, disability and functioning; services by \
         component, device, province, regency and unit; days to the first delivery).",
        loaded.as_secs_f64()
    ));
    if args.no_exports {
        results.row(Row::new(
            EXPORTS_ROW,
            "bounded memory",
            "not run (--no-exports)".into(),
            None,
        ));
    } else {
        println!("      exports: every report as CSV and as XLSX, through the worker");
        exports(&client, &token, reports, results).await?;
    }
    let _ = api.stop().await;
    Ok(())
}

const EXPORTS_ROW: &str = "export of every report (CSV, XLSX) through the worker";

/// Asks for an export as `token`'s supervisor and waits until it is
/// ready; its view.
async fn export_ready(
    client: &Api,
    token: &str,
    body: serde_json::Value,
    worker: &mut Process,
) -> anyhow::Result<serde_json::Value> {
    let response = client
        .http
        .post(format!("{}/v1/exports", client.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let queued: serde_json::Value = response.json().await?;
    if status.as_u16() != 202 {
        bail!("POST /v1/exports {body} answered {status}: {queued}");
    }
    let id = queued["id"].as_str().context("an export id")?.to_owned();
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        worker.check_running()?;
        let _ = worker.peak_rss_kib();
        let view: serde_json::Value = client
            .http
            .get(format!("{}/v1/exports/{id}", client.base))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        match view["status"].as_str() {
            Some("ready") => return Ok(view),
            Some("failed") => bail!("the export failed: {view}"),
            _ if Instant::now() > deadline => bail!("the export was not ready in 30 min: {view}"),
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// Seconds from a ready export's start to its end, as it records them.
fn build_seconds(view: &serde_json::Value) -> f64 {
    let time = |field: &str| {
        view[field]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    match (time("started_at"), time("finished_at")) {
        (Some(start), Some(end)) => (end - start).num_milliseconds() as f64 / 1000.0,
        _ => f64::NAN,
    }
}

/// The million-row exports: each through a worker of its own (a fresh
/// process, so that its peak resident size is that export's), timed from
/// the request to the file being ready; first a small one (one regency) in
/// both formats, to show that memory does not grow with the rows.
async fn exports(
    client: &Api,
    token: &str,
    reports: i64,
    results: &mut Results,
) -> anyhow::Result<()> {
    let env = stack::sigap_env(
        &[
            ("DATABASE_URL", stack::url(stack::STATS_DB)),
            ("SIGAP_EXPORT_POLL_INTERVAL", "100ms".to_owned()),
        ]
        .into(),
    );
    let mut small = Process::spawn("worker-export-small", "sigap-worker", &[], env.clone())?;
    let mut small_rows = 0;
    for format in ["csv", "xlsx"] {
        let view = export_ready(
            client,
            token,
            serde_json::json!({"kind": "reports", "format": format, "filters": {"region": "13.03"}}),
            &mut small,
        )
        .await?;
        small_rows = view["row_count"].as_i64().unwrap_or(0);
    }
    let small_kib = small.stop().await;
    let mut measured = Vec::new();
    for format in ["csv", "xlsx"] {
        let mut worker = Process::spawn(
            &format!("worker-export-{format}"),
            "sigap-worker",
            &[],
            env.clone(),
        )?;
        let began = Instant::now();
        let view = export_ready(
            client,
            token,
            serde_json::json!({"kind": "reports", "format": format}),
            &mut worker,
        )
        .await?;
        let elapsed = began.elapsed().as_secs_f64();
        let kib = worker.stop().await;
        let rows = view["row_count"].as_i64().unwrap_or(0);
        if rows != reports {
            bail!("the {format} export has {rows} rows, not {reports}");
        }
        measured.push(format!(
            "{}: {rows} rows in {elapsed:.0} s (built in {:.0} s, {:.0} MB), worker peak {:.0} MB",
            format.to_uppercase(),
            build_seconds(&view),
            view["size_bytes"].as_f64().unwrap_or(f64::NAN) / 1e6,
            mb(kib)
        ));
    }
    results.row(Row::new(
        EXPORTS_ROW,
        "bounded memory",
        format!(
            "{}; {small_rows} rows (CSV and XLSX): worker peak {:.0} MB",
            measured.join("; "),
            mb(small_kib)
        ),
        None,
    ));
    results.note(format!(
        "Exports: `POST /v1/exports` of every report of the statistics fixture ({reports}) as a supervisor \
         (personal columns included), one release worker per export, timed from the request until \
         `GET /v1/exports/{{id}}` says ready (the build as the export records it in brackets: reading 5,000 \
         reports a page, writing the file, storing it in 1 MiB chunks). Peak resident size is the \
         worker's `VmHWM` (/proc/<pid>/status); the small export (Kabupaten Sijunjung, one worker for \
         both formats) shows the baseline of a worker with every consumer running."
    ));
    Ok(())
}
