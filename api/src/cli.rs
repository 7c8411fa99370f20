//! The `sigap-api` commands.

use crate::Application;
use crate::openapi;
use clap::{Parser, Subcommand};
use sigap_domain::Role;
use sigap_runtime::auth::Tokens;
use sigap_runtime::config::{Config, parse_duration};
use std::path::PathBuf;

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
        #[arg(long)]
        sub: Option<String>,
        /// Unit code (upt_staff).
        #[arg(long)]
        unit: Option<String>,
        /// Province code (regional).
        #[arg(long)]
        region: Option<String>,
        /// Space-separated scopes (integrator).
        #[arg(long)]
        scope: Option<String>,
        /// Lifetime, such as 8h or 30m.
        #[arg(long, default_value = "8h")]
        ttl: String,
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
            for name in applied {
                println!("  {name}");
            }
        }
        Command::Seed { data } => {
            let dir = data.unwrap_or_else(|| PathBuf::from(&config.data_dir));
            let mut conn = sigap_store::db::connect(&config.database_url).await?;
            let counts = sigap_store::seed::seed(&mut conn, &dir).await?;
            println!(
                "regions: {}\nunits: {}\ncoverage_rules: {}",
                counts.regions, counts.units, counts.coverage_rules
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
            let ttl = parse_duration(&ttl).map_err(anyhow::Error::msg)?;
            let tokens = Tokens::from_config(&config)?;
            let mut claims =
                tokens.claims(&sub.unwrap_or_else(|| format!("{role}-cli")), role, ttl);
            claims.unit = unit;
            claims.region = region;
            claims.scope = scope;
            println!("{}", tokens.sign(&claims)?);
        }
        Command::Redrive => {
            let topology = sigap_store::bus::Topology::new(&config.amqp_prefix);
            let done = sigap_store::bus::redrive::redrive(&config.amqp_url, &topology).await?;
            println!("redriven: {}", done.moved);
            if done.kept > 0 {
                println!("left in {}: {}", topology.dead_letter_queue(), done.kept);
            }
        }
        Command::Openapi { .. } => unreachable!("handled above"),
    }
    Ok(())
}
