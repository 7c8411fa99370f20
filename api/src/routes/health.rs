//! Liveness, readiness and metrics.

use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The process is alive.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive", content_type = "text/plain", body = String)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` while reports are accepted (the database is up), else
    /// `unavailable`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `up` or `down`.
    pub database: &'static str,
    /// `up` or `down`; while down, reports are still accepted and published
    /// from the outbox when it returns, so it does not make the api unready.
    pub broker: &'static str,
    /// Outbox messages not yet published (neither sent nor parked); absent
    /// while the database is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub outbox_backlog: Option<i64>,
}

/// Whether the api accepts reports: that takes the database, not the
/// broker (the outbox covers for it). The body also says whether the
/// broker is up and how many messages wait in the outbox.
#[utoipa::path(tag = "ops", responses(
    (status = 200, description = "Reports are accepted (the broker may be down: see `broker`)", body = Readiness),
    (status = 503, description = "The database is down: reports are not accepted", body = Readiness),
))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let backlog = tokio::time::timeout(Duration::from_secs(2), async {
        let mut conn = state.pool.get().await.ok()?;
        sigap_store::outbox::backlog(&mut conn).await.ok()
    })
    .await
    .ok()
    .flatten();
    let database = backlog.is_some();
    let body = Readiness {
        status: if database { "ready" } else { "unavailable" },
        database: if database { "up" } else { "down" },
        broker: if state.relay.broker_up() {
            "up"
        } else {
            "down"
        },
        outbox_backlog: backlog,
    };
    if database {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
