use sigap_runtime::config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    sigap_runtime::telemetry::init(config.log_format);
    sigap_worker::run(config, sigap_worker::shutdown_signal()).await
}
