//! Webhook subscriptions and their delivery logs.

use crate::auth::Auth;
use crate::body;
use crate::page::{self, Page};
use crate::problem::{ApiResult, AuthErrors, BodyErrors, Problem};
use crate::startup::AppState;
use crate::views::webhooks::{DeliveryView, SubscriptionView};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use sigap_domain::Role;
use sigap_runtime::auth::Scope;
use sigap_store::FieldError;
use sigap_store::webhooks::{self, address};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(delete_webhook)
        .service(resume_webhook)
        .service(list_webhook_deliveries)
        .service(retry_webhook_delivery);
}

/// Body of `POST /v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"url": "https://partner.example/sigap", "events": ["report.assigned", "report.status.*"], "secret": "a-long-random-shared-secret"}))]
pub struct WebhookInput {
    /// Where to POST events: an absolute http(s) URL without credentials,
    /// backslashes, spaces or control characters, at most 2,000 characters,
    /// whose host is or resolves to public addresses only (a host that does
    /// not resolve, or is or resolves to a loopback, private, link-local,
    /// shared, reserved or multicast address, in any spelling, is refused
    /// with 422; deliveries check every connection again). Stored and shown
    /// in normal form.
    #[schema(
        max_length = 2000,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@\\\x00-\x1f\x7f]+([/?#][^\s\\\x00-\x1f\x7f]*)?$"
    )]
    pub url: String,
    /// 1 to 20 event names or patterns (`*` one segment, `#` any; at most
    /// one `#` per pattern), each at most 100 characters: `report.assigned`, `report.needs_triage`,
    /// `report.status.*`, `report.transferred`, `report.escalated`,
    /// `report.note`, `report.overdue` (a later stage past its deadline), `report.#`.
    #[schema(
        min_items = 1,
        max_items = 20,
        max_length = 100,
        pattern = r"^(([A-Za-z0-9_-]+|\*)\.)*([A-Za-z0-9_-]+|\*|#)(\.([A-Za-z0-9_-]+|\*))*$"
    )]
    pub events: Vec<String>,
    /// Shared secret for the signature, 16 to 256 characters.
    #[schema(min_length = 16, max_length = 256)]
    pub secret: String,
}

/// Integrators see and manage their own subscriptions; admins all.
fn owner_filter(auth: &Auth) -> Option<&str> {
    (auth.0.role != Role::Admin).then_some(auth.0.sub.as_str())
}

/// Subscribe to events.
///
/// Each delivery is a `POST` of the event JSON with headers `Sigap-Event-Id`,
/// `Sigap-Event` and `Sigap-Signature: t=<unix seconds>,v1=<hex>`, where the
/// hex is HMAC-SHA256 of `"<t>.<raw body>"` keyed with the subscription's
/// secret. To verify: recompute it over the raw body, compare in constant
/// time, and reject timestamps more than five minutes old. Any 2xx answer is
/// success; anything else is retried after 1 s, 5 s, 30 s, 2 min, 10 min and
/// 1 h, then given up (see the delivery log, whose `last_error` is a coarse
/// class: `refused_address`, `refused_url`, `dns_failed`, `timeout`,
/// `connect_failed`, `tls`, `request_failed`, `http_<status>`). A given-up
/// delivery can be sent again with `POST
/// /v1/webhooks/{id}/deliveries/{delivery_id}/retry`. A subscription whose
/// deliveries fail 10 times in a row is paused, with the reason in
/// `paused_reason`; it keeps its undelivered events (and those that come
/// while it is paused) until `POST /v1/webhooks/{id}/resume`. Delivery is at
/// least once: deduplicate on `Sigap-Event-Id`. Each subscription has its
/// own queue, so a slow receiver delays only its own deliveries. An owner
/// holds at most 20 subscriptions (409 beyond). Revoking a client turns its
/// subscriptions off for good. Integrators receive only the events of
/// reports they filed.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = WebhookInput, content_type = "application/json"),
    security(("bearer" = []), ("client_credentials" = ["webhooks"])),
    responses(
        (status = 201, body = SubscriptionView),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The caller holds 20 subscriptions already"),
        BodyErrors,
        AuthErrors,
    )
)]
#[post("/v1/webhooks")]
async fn create_webhook(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require_scoped(&[Role::Integrator, Role::Admin], Scope::Webhooks)?;
    let input: WebhookInput = body::json(&req, payload).await?;
    let mut errors = webhooks::check_patterns(&input.events);
    let url = address::check(
        &address::SystemLookup,
        &input.url,
        state.config.webhook_allow_private,
    )
    .await
    .map_err(|refusal| errors.push(FieldError::new("url", refusal.to_string())));
    if !(16..=256).contains(&input.secret.chars().count()) {
        errors.push(FieldError::new("secret", "must be 16 to 256 characters"));
    }
    let Ok(url) = url else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut conn = state.pool.get().await?;
    let subscription = webhooks::subscribe(
        &mut conn,
        &claims.sub,
        claims.role,
        &url,
        &input.events,
        &input.secret,
    )
    .await?;
    tracing::info!(subscription = %subscription.id, "webhook subscribed");
    Ok(HttpResponse::Created().json(SubscriptionView::from(subscription)))
}

/// The caller's subscriptions (all of them for admins).
#[utoipa::path(tag = "webhooks", security(("bearer" = []), ("client_credentials" = ["webhooks"])), responses((status = 200, body = Page<SubscriptionView>), AuthErrors))]
#[get("/v1/webhooks")]
async fn list_webhooks(
    auth: Auth,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Page<SubscriptionView>>> {
    auth.require_scoped(&[Role::Integrator, Role::Admin], Scope::Webhooks)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(Page {
        items: webhooks::list(&mut conn, owner_filter(&auth))
            .await?
            .into_iter()
            .map(SubscriptionView::from)
            .collect(),
        next_cursor: None,
    }))
}

/// Unsubscribe.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("client_credentials" = ["webhooks"])),
    responses(
        (status = 204, description = "Removed, with its delivery log"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subscription of the caller's"),
        AuthErrors,
    )
)]
#[delete("/v1/webhooks/{id}")]
async fn delete_webhook(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require_scoped(&[Role::Integrator, Role::Admin], Scope::Webhooks)?;
    let mut conn = state.pool.get().await?;
    webhooks::unsubscribe(&mut conn, *id, owner_filter(&auth)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Resume a paused subscription: it is active again, its failure count
/// starts over, and the deliveries it kept while paused are sent now (each
/// with the retries it had left; given-up ones stay in the log and can be
/// retried one by one). Resuming an active subscription only resets the
/// count. A subscription of a revoked client cannot be resumed (409).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("client_credentials" = ["webhooks"])),
    responses(
        (status = 200, body = SubscriptionView, description = "Active again"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subscription of the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Its client was revoked"),
        AuthErrors,
    )
)]
#[post("/v1/webhooks/{id}/resume")]
async fn resume_webhook(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubscriptionView>> {
    auth.require_scoped(&[Role::Integrator, Role::Admin], Scope::Webhooks)?;
    let mut conn = state.pool.get().await?;
    let subscription = webhooks::resume(&mut conn, *id, owner_filter(&auth)).await?;
    tracing::info!(subscription = %subscription.id, "webhook subscription resumed");
    Ok(web::Json(SubscriptionView::from(subscription)))
}

/// Send a delivery again: a `failed` one (which used every retry) gets one
/// more attempt now, a `pending` one is made due now; both are sent once
/// the subscription is active. A delivered one is refused (409).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), ("delivery_id" = i64, Path)),
    security(("bearer" = []), ("client_credentials" = ["webhooks"])),
    responses(
        (status = 200, body = DeliveryView, description = "Pending, due now"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subscription of the caller's, or no such delivery of it"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Delivered already"),
        AuthErrors,
    )
)]
#[post("/v1/webhooks/{id}/deliveries/{delivery_id}/retry")]
async fn retry_webhook_delivery(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<web::Json<DeliveryView>> {
    auth.require_scoped(&[Role::Integrator, Role::Admin], Scope::Webhooks)?;
    let (id, delivery_id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let delivery = webhooks::retry(&mut conn, id, delivery_id, owner_filter(&auth)).await?;
    tracing::info!(subscription = %id, delivery = delivery_id, "webhook delivery queued again");
    Ok(web::Json(DeliveryView::from(delivery)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// 1 to 500 (default 100), newest first.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A subscription's delivery log, newest first.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), DeliveryQuery),
    security(("bearer" = []), ("client_credentials" = ["webhooks"])),
    responses(
        (status = 200, body = Page<DeliveryView>),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such subscription of the caller's"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad limit"),
        AuthErrors,
    )
)]
#[get("/v1/webhooks/{id}/deliveries")]
async fn list_webhook_deliveries(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> ApiResult<web::Json<Page<DeliveryView>>> {
    auth.require_scoped(&[Role::Integrator, Role::Admin], Scope::Webhooks)?;
    let limit = page::limit(query.limit, 100)?;
    let mut conn = state.pool.get().await?;
    webhooks::find(&mut conn, *id, owner_filter(&auth)).await?;
    Ok(web::Json(Page {
        items: webhooks::deliveries(&mut conn, *id, limit)
            .await?
            .into_iter()
            .map(DeliveryView::from)
            .collect(),
        next_cursor: None,
    }))
}
