use sigap_core::config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    sigap_core::telemetry::init(config.log_format);
    sigap_worker::run(config, sigap_worker::shutdown_signal()).await
}
