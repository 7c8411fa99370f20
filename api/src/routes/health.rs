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
    /// `up` or `down`.
    pub database: &'static str,
    /// `up` or `down`; while down, reports are still accepted and published later.
    pub broker: &'static str,
}

/// Whether the database and the broker are reachable.
#[utoipa::path(tag = "ops", responses(
    (status = 200, description = "Database and broker are up", body = Readiness),
    (status = 503, description = "The database or the broker is down", body = Readiness),
))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = tokio::time::timeout(Duration::from_secs(2), async {
        let mut conn = state.pool.get().await.ok()?;
        Some(sigap_store::db::ping(&mut conn).await)
    })
    .await
    .ok()
    .flatten()
    .unwrap_or(false);
    let broker = state.relay.broker_up();
    let body = Readiness {
        database: if database { "up" } else { "down" },
        broker: if broker { "up" } else { "down" },
    };
    if database && broker {
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
