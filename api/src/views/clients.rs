//! API clients as the api shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_store::clients as store;
use utoipa::ToSchema;

/// A client as listed (never with its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<store::Client> for ClientView {
    fn from(client: store::Client) -> ClientView {
        ClientView {
            client_id: client.client_id,
            name: client.name,
            scopes: client.scopes,
            active: client.active,
            created_by: client.created_by,
            created_at: client.created_at,
            revoked_at: client.revoked_at,
        }
    }
}

/// A new client with its secret, which is not stored and cannot be shown again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewClient {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<store::NewClient> for NewClient {
    fn from(client: store::NewClient) -> NewClient {
        NewClient {
            client_id: client.client_id,
            client_secret: client.client_secret,
            name: client.name,
            scopes: client.scopes,
            created_at: client.created_at,
        }
    }
}
