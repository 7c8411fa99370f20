//! Webhook subscriptions and deliveries as the api shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_store::webhooks as store;
use utoipa::ToSchema;
use uuid::Uuid;

/// A subscription as its owner sees it (never with its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub owner: String,
    pub url: String,
    /// Event patterns: `report.assigned`, `report.status.*`, `report.#`.
    pub events: Vec<String>,
    /// False once paused (resume with `POST /v1/webhooks/{id}/resume`) or
    /// deactivated by its client's revocation; `paused_reason` says which.
    pub active: bool,
    pub paused_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
}

impl From<store::Subscription> for SubscriptionView {
    fn from(s: store::Subscription) -> SubscriptionView {
        SubscriptionView {
            id: s.id,
            owner: s.owner,
            url: s.url,
            events: s.events,
            active: s.active,
            paused_reason: s.paused_reason,
            consecutive_failures: s.consecutive_failures,
            created_at: s.created_at,
        }
    }
}

/// One delivery of one event to one subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub event_id: Uuid,
    pub event: String,
    /// `pending`, `delivered` or `failed` (gave up after every retry).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed, as a coarse class: `refused_address`,
    /// `refused_url`, `dns_failed`, `timeout`, `connect_failed`, `tls`,
    /// `request_failed` or `http_<status>`.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<store::Delivery> for DeliveryView {
    fn from(d: store::Delivery) -> DeliveryView {
        DeliveryView {
            id: d.id,
            event_id: d.event_id,
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}
