//! The `sigap-api` commands.

use crate::Application;
use crate::openapi;
use clap::{Parser, Subcommand};
use sigap_domain::Role;
use sigap_runtime::auth::{Scope, Tokens};
use sigap_runtime::config::{Config, parse_duration};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "sigap-api",
    version,
    about = "Sigap: case routing for the social-affairs Command Center"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the HTTP api and relay the outbox to RabbitMQ.
    Serve,
    /// Run pending database migrations (under an advisory lock).
    Migrate,
    /// Load regions, units and coverage rules, idempotently.
    Seed {
        /// Folder with regions.csv, units.csv and coverage_rules.csv.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print a signed token.
    Token {
        #[arg(long)]
        role: String,
        /// Who the token stands for (audit trails name it).
        #[arg(long)]
        sub: String,
        /// Unit code (upt_staff).
        #[arg(long)]
        unit: Option<String>,
        /// Province code (regional).
        #[arg(long)]
        region: Option<String>,
        /// Space-separated scopes (integrator): reports:write, reports:read,
        /// webhooks, open311.
        #[arg(long)]
        scope: Option<String>,
        /// Lifetime, such as 8h or 30m: at most 1h for admin, 12h for the
        /// other roles (default 8h, 1h for admin).
        #[arg(long)]
        ttl: Option<String>,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Personal-data keys (`SIGAP_DATA_KEYS`, `SIGAP_INDEX_KEY`).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Erase the personal data of cases closed, cancelled or merged longer
    /// than SIGAP_RETENTION_CLOSED ago (one pass, as the worker runs it);
    /// prints how many were erased.
    Retention {
        /// List what would be erased (ticket, status, closed_at) without
        /// changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Move the messages of the dead-letter queue (`<prefix>.routing.dead`)
    /// back to routing; prints how many were moved.
    Redrive,
    /// Print the OpenAPI document, or with --check, fail when FILE differs from it.
    Openapi {
        /// A committed document to compare with the code's.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt every NIK, phone number, TOTP secret and export file under
    /// the first key of SIGAP_DATA_KEYS (encrypting values stored before
    /// encryption, with their blind indexes), in batches. Safe while the api
    /// serves; run again after an interruption. Put the new key first in
    /// every process's SIGAP_DATA_KEYS before running it, and remove the old
    /// key only after it finished.
    Rotate {
        /// Rows per batch (one short transaction each).
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Create a staff account and print its one-time password, which must be
    /// changed at first sign-in.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// operator, supervisor, upt_staff, regional or admin.
        #[arg(long)]
        role: String,
        /// Unit code (upt_staff).
        #[arg(long)]
        unit: Option<String>,
        /// Province or regency code (regional).
        #[arg(long)]
        region: Option<String>,
        /// Take the password from this environment variable instead of
        /// generating one (for development accounts; never on the command
        /// line, where other users could read it).
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        /// When the email has an account already, say so and succeed.
        #[arg(long)]
        if_absent: bool,
    },
}

/// `sigap-api staff add`.
async fn add_staff(config: &Config, command: StaffCommand) -> anyhow::Result<()> {
    let StaffCommand::Add {
        email,
        name,
        role,
        unit,
        region,
        password_env,
        if_absent,
    } = command;
    let email = crate::routes::staff::normalise_email(&email)
        .ok_or_else(|| anyhow::anyhow!("--email is not an email address"))?;
    let role = Role::parse(&role)
        .filter(|r| sigap_store::staff::STAFF_ROLES.contains(r))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--role must be one of operator, supervisor, upt_staff, regional, admin"
            )
        })?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        anyhow::bail!("--name must be 1 to 200 characters");
    }
    let (password, generated) = match password_env {
        Some(var) => {
            let text = std::env::var(&var).map_err(|_| anyhow::anyhow!("{var} is not set"))?;
            let password = sigap_domain::Password::parse(&text)
                .map_err(|e| anyhow::anyhow!("the password in {var} {e}"))?;
            (password.expose().to_owned(), false)
        }
        None => (crate::routes::staff::one_time_password(), true),
    };
    let mut conn = sigap_store::db::connect(&config.database_url).await?;
    if let Some(existing) = sigap_store::staff::find_by_email(&mut conn, &email).await? {
        if if_absent {
            println!(
                "{email} has an account already ({}, {})",
                existing.id, existing.role
            );
            return Ok(());
        }
        anyhow::bail!("{email} has an account already ({})", existing.id);
    }
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || sigap_store::clients::hash_secret(&password)).await?
    };
    let created = sigap_store::staff::create(
        &mut conn,
        "sigap-api staff add",
        &sigap_store::staff::NewStaff {
            email,
            name,
            role,
            unit_code: unit,
            region_code: region,
            password_hash: hash,
            must_change_password: generated,
        },
    )
    .await
    .map_err(|e| match e {
        sigap_store::Error::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    })?;
    println!(
        "created {} ({}, {})",
        created.email, created.id, created.role
    );
    if generated {
        println!("one-time password (shown once; to be changed at first sign-in):");
        println!("{password}");
    }
    Ok(())
}

/// The longest lifetime of a token printed for `role`: a leaked admin token
/// is worth more, so it lives shorter.
fn max_token_ttl(role: Role) -> Duration {
    match role {
        Role::Admin => Duration::from_secs(3600),
        _ => Duration::from_secs(12 * 3600),
    }
}

/// `--ttl`, or the default for the role, refused above the role's cap.
fn token_ttl(role: Role, ttl: Option<&str>) -> anyhow::Result<Duration> {
    let max = max_token_ttl(role);
    let ttl = match ttl {
        None => max.min(Duration::from_secs(8 * 3600)),
        Some(text) => parse_duration(text).map_err(anyhow::Error::msg)?,
    };
    if ttl > max || ttl.is_zero() {
        anyhow::bail!(
            "--ttl for {role} must be more than 0 and at most {}h",
            max.as_secs() / 3600
        );
    }
    Ok(ttl)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Openapi { check } = &cli.command {
        let generated = serde_json::to_string_pretty(&openapi::document())?;
        match check {
            None => println!("{generated}"),
            Some(file) => {
                let committed = std::fs::read_to_string(file)?;
                if committed.trim_end() != generated.trim_end() {
                    anyhow::bail!(
                        "{} differs from the document the code generates: run 'make openapi' and commit it",
                        file.display()
                    );
                }
                println!("{} is up to date", file.display());
            }
        }
        return Ok(());
    }
    let config = Config::from_env()?;
    crate::startup::install_data_keys(&config)?;
    match cli.command {
        Command::Serve => {
            sigap_runtime::telemetry::init(config.log_format);
            let app = Application::build(config.clone()).await?;
            tracing::info!(address = %config.bind, port = app.port(), "sigap-api listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let applied = sigap_store::db::migrate(&config.database_url).await?;
            println!("migrations applied: {}", applied.len());
            let encryption = applied
                .iter()
                .any(|name| name.contains("personal_data_encryption"));
            for name in applied {
                println!("  {name}");
            }
            // SQL cannot encrypt with the keys: values stored before are
            // encrypted by the batch step of `keys rotate`.
            if encryption {
                println!(
                    "run `sigap-api keys rotate` to encrypt the NIKs and phones stored before"
                );
            }
        }
        Command::Seed { data } => {
            let dir = data.unwrap_or_else(|| PathBuf::from(&config.data_dir));
            let mut conn = sigap_store::db::connect(&config.database_url).await?;
            let counts = sigap_store::seed::seed(&mut conn, &dir).await?;
            println!(
                "regions: {}\nunits: {}\ncoverage_rules: {}\nholidays: {}",
                counts.regions, counts.units, counts.coverage_rules, counts.holidays
            );
        }
        Command::Token {
            role,
            sub,
            unit,
            region,
            scope,
            ttl,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown role {role:?}; expected one of {}",
                    Role::expected()
                )
            })?;
            if role == Role::UptStaff && unit.is_none() {
                anyhow::bail!("upt_staff tokens need --unit");
            }
            if role == Role::Regional && region.is_none() {
                anyhow::bail!("regional tokens need --region");
            }
            let sub = sub.trim();
            if sub.is_empty() {
                anyhow::bail!("--sub must name who the token stands for");
            }
            let ttl = token_ttl(role, ttl.as_deref())?;
            if let Some(unknown) = scope
                .iter()
                .flat_map(|s| s.split(' '))
                .find(|s| Scope::parse(s).is_none())
            {
                anyhow::bail!(
                    "unknown scope {unknown:?} in --scope; expected some of {}",
                    Scope::expected()
                );
            }
            let tokens = Tokens::from_config(&config)?;
            let mut claims = tokens.claims(sub, role, ttl);
            claims.unit = unit;
            claims.region = region;
            claims.scope = scope;
            println!("{}", tokens.sign(&claims)?);
        }
        Command::Keys {
            command: KeysCommand::Rotate { batch },
        } => {
            if batch < 1 {
                anyhow::bail!("--batch must be at least 1");
            }
            let mut conn = sigap_store::db::connect(&config.database_url).await?;
            let done = sigap_store::privacy::rotate(&mut conn, batch, |_| {}).await?;
            println!(
                "re-encrypted under key {}:\nreporter_phones: {}\npeople_lists: {}\nbeneficiaries: {}\ntotp_secrets: {}\nexport_chunks: {}",
                sigap_store::privacy::ring()?.current_id(),
                done.reporter_phones,
                done.people_lists,
                done.beneficiaries,
                done.totp_secrets,
                done.export_chunks
            );
        }
        Command::Retention { dry_run } => {
            let mut conn = sigap_store::db::connect(&config.database_url).await?;
            let older_than = config.retention_closed;
            if dry_run {
                let mut after = None;
                let mut total = 0;
                println!("ticket\tstatus\tclosed_at");
                loop {
                    let page =
                        sigap_store::privacy::erasure::due(&mut conn, older_than, after, 1_000)
                            .await?;
                    for case in &page {
                        println!(
                            "{}\t{}\t{}",
                            case.ticket,
                            case.status,
                            case.closed_at
                                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        );
                    }
                    total += page.len();
                    match page.last() {
                        Some(last) if page.len() == 1_000 => {
                            after = Some((last.closed_at, last.id))
                        }
                        _ => break,
                    }
                }
                println!("would erase: {total}");
            } else {
                let erased = sigap_store::privacy::erasure::erase_all_due(
                    &mut conn,
                    older_than,
                    RETENTION_BATCH,
                )
                .await?;
                println!("erased: {erased}");
            }
        }
        Command::Redrive => {
            let topology = sigap_store::bus::Topology::new(&config.amqp_prefix);
            let done = sigap_store::bus::redrive::redrive(&config.amqp_url, &topology).await?;
            println!("redriven: {}", done.moved);
            if done.kept > 0 {
                println!("left in {}: {}", topology.dead_letter_queue(), done.kept);
            }
        }
        Command::Staff { command } => add_staff(&config, command).await?,
        Command::Openapi { .. } => unreachable!("handled above"),
    }
    Ok(())
}

/// Cases erased per transaction by `sigap-api retention`, as the worker does.
const RETENTION_BATCH: i64 = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_are_capped_by_role() {
        let hour = Duration::from_secs(3600);
        assert_eq!(token_ttl(Role::Admin, None).expect("default"), hour);
        assert_eq!(token_ttl(Role::Operator, None).expect("default"), 8 * hour);
        assert_eq!(token_ttl(Role::Admin, Some("30m")).expect("ttl"), hour / 2);
        assert!(token_ttl(Role::Admin, Some("2h")).is_err());
        assert_eq!(
            token_ttl(Role::Supervisor, Some("12h")).expect("ttl"),
            12 * hour
        );
        assert!(token_ttl(Role::Supervisor, Some("12h 1s")).is_err());
        assert!(token_ttl(Role::Operator, Some("0s")).is_err());
        assert!(token_ttl(Role::Operator, Some("forever")).is_err());
    }

    #[test]
    fn a_token_needs_a_subject() {
        assert!(Cli::try_parse_from(["sigap-api", "token", "--role", "operator"]).is_err());
        assert!(
            Cli::try_parse_from(["sigap-api", "token", "--role", "operator", "--sub", "op-1"])
                .is_ok()
        );
    }
}
