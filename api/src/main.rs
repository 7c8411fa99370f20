use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    sigap_api::cli::run(sigap_api::cli::Cli::parse()).await
}
