//! Building and running the HTTP server and the outbox relay beside it.

use crate::method_not_allowed::{self, DeclaredMethods};
use crate::openapi;
use crate::problem::ApiError;
use crate::routes;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use metrics_exporter_prometheus::PrometheusHandle;
use sigap_runtime::auth::Tokens;
use sigap_runtime::config::Config;
use sigap_store::bus::Topology;
use sigap_store::bus::relay::{Relay, RelayHandle};
use sigap_store::db::{self, PgPool};
use std::net::TcpListener;
use std::sync::Arc;
use tokio::sync::watch;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// What every handler can reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: PgPool,
    pub tokens: Tokens,
    pub relay: RelayHandle,
    pub metrics: PrometheusHandle,
    pub queue_watch: crate::queue_watch::QueueWatch,
    /// The budget per address of what anyone may call: tracking, public
    /// Open311 reads, starting a sign-in at the identity provider.
    pub track_limiter: crate::rate_limit::RateLimiter,
    /// Clients revoked so far, refreshed through LISTEN/NOTIFY.
    pub revoked: crate::revocations::RevokedClients,
    /// Checks client secrets under bounded work.
    pub client_auth: crate::client_auth::ClientAuthenticator,
    /// Staff sessions ended so far, refreshed through LISTEN/NOTIFY.
    pub ended_sessions: crate::revocations::EndedSessions,
    /// The argon2 slots every password and secret check shares.
    pub hashing: crate::hashing::Hashing,
    /// The organisation's identity provider, when one is configured.
    pub oidc: Option<Arc<crate::oidc::Oidc>>,
    /// Where answers that show personal data are recorded.
    pub access_log: crate::access_log::AccessLog,
}

/// A bound, not yet running, api server and its outbox relay.
pub struct Application {
    port: u16,
    server: Server,
    relay: Relay,
    access_writer: crate::access_log::AccessLogWriter,
    stop_relay: watch::Sender<bool>,
}

impl Application {
    /// Binds `config.bind` (port 0 picks a free port, for tests).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let config = Arc::new(config);
        install_data_keys(&config)?;
        let pool = db::pool_with_limits(
            &config.database_url,
            config.db_pool_size,
            config.db_timeout,
            db::SessionLimits {
                statement_timeout: config.db_statement_timeout,
                idle_in_transaction_timeout: config.db_idle_tx_timeout,
            },
        );
        let tokens = Tokens::from_config(&config)?;
        // The regency boundaries are parsed and indexed once, now, rather
        // than in the first request that files a report with coordinates.
        tokio::task::spawn_blocking(sigap_store::geography::boundaries);
        let revoked = crate::revocations::NotifiedSet::revoked_clients(config.database_url.clone());
        let ended_sessions =
            crate::revocations::NotifiedSet::ended_sessions(config.database_url.clone());
        // Until the revoked clients (ended sessions) are known, integrator
        // (staff session) tokens are refused (503): wait for them briefly, so
        // that a healthy start serves at once.
        if !revoked.wait_loaded(config.db_timeout).await {
            tracing::warn!("revoked clients not loaded yet; integrator requests wait for them");
        }
        if !ended_sessions.wait_loaded(config.db_timeout).await {
            tracing::warn!("ended sessions not loaded yet; staff session requests wait for them");
        }
        let hashing = crate::hashing::Hashing::new();
        let oidc = match &config.oidc {
            Some(c) => Some(Arc::new(crate::oidc::Oidc::new(c.clone())?)),
            None => None,
        };
        let relay_handle = RelayHandle::default();
        let relay = Relay {
            pool: pool.clone(),
            amqp_url: config.amqp_url.clone(),
            topology: Topology::new(&config.amqp_prefix),
            connection_name: "sigap-api relay".into(),
            interval: config.relay_interval,
            handle: relay_handle.clone(),
        };
        let (access_log, access_writer) =
            crate::access_log::AccessLog::new(pool.clone(), config.access_log_interval);
        let state = web::Data::new(AppState {
            config: config.clone(),
            pool,
            tokens,
            relay: relay_handle,
            metrics: sigap_runtime::telemetry::metrics_handle(),
            queue_watch: crate::queue_watch::QueueWatch::start(config.database_url.clone()),
            track_limiter: crate::rate_limit::RateLimiter::per_minute(config.track_rate_limit),
            client_auth: crate::client_auth::ClientAuthenticator::new(
                revoked.clone(),
                hashing.clone(),
            ),
            revoked,
            ended_sessions,
            hashing,
            oidc,
            access_log,
        });
        let listener = TcpListener::bind(&config.bind)?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            let (app, api) = App::new()
                .into_utoipa_app()
                .openapi(openapi::base())
                .app_data(state.clone())
                .app_data(web::PathConfig::default().error_handler(|e, req| {
                    // `PATCH /v1/coverage/gaps` fits `/v1/coverage/{id}` but
                    // asks a documented path for a method it does not declare.
                    let declared = req.app_data::<web::Data<DeclaredMethods>>();
                    match declared.and_then(|d| d.refuses(req.method().as_str(), req.path())) {
                        Some(allow) => actix_web::error::InternalError::from_response(
                            e,
                            method_not_allowed::method_not_allowed(
                                req.method().as_str(),
                                req.path(),
                                allow,
                            ),
                        )
                        .into(),
                        None => ApiError::NotFound(format!("no such resource: {e}")).into(),
                    }
                }))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::from(vec![sigap_store::FieldError::new("query", e.to_string())])
                        .into()
                }))
                .configure(routes::configure)
                .split_for_parts();
            let declared = web::Data::new(DeclaredMethods::from_document(&api));
            app.wrap(TracingLogger::<crate::request_log::RedactedRootSpan>::new())
                .app_data(declared)
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi::finish(api)))
                .service(web::redirect("/docs", "/docs/"))
                .default_service(web::to(method_not_allowed::fallback))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        let (stop_relay, _) = watch::channel(false);
        Ok(Application {
            port,
            server,
            relay,
            access_writer,
            stop_relay,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is asked to stop (SIGINT/SIGTERM), then stops
    /// the relay and writes the queued access log after the last request.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let receiver = self.stop_relay.subscribe();
        let relay = tokio::spawn(self.relay.run(receiver));
        let access_writer = tokio::spawn(self.access_writer.run(self.stop_relay.subscribe()));
        let result = self.server.await;
        let _ = self.stop_relay.send(true);
        let _ = relay.await;
        let _ = access_writer.await;
        result
    }
}

/// Parses the personal-data keys of `config` and makes them the process's
/// (see `sigap_store::privacy`); a malformed ring stops the process.
pub fn install_data_keys(config: &Config) -> anyhow::Result<()> {
    let (data, index) = config.data_keys.expose();
    let ring = sigap_store::privacy::KeyRing::parse(data, index)?;
    tracing::info!(
        encrypting_key = ring.current_id(),
        "personal-data keys loaded"
    );
    sigap_store::privacy::install(ring);
    Ok(())
}
