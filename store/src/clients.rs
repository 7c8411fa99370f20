//! API clients of partner apps: OAuth2 client credentials with argon2-hashed
//! secrets, shown once at creation.

use crate::error::{Error, Result};
use crate::schema::api_clients;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::RngCore;

/// A client as stored, without its secret.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients, check_for_backend(diesel::pg::Pg))]
pub struct Client {
    /// `cli_` and 16 hex digits; also the `sub` of the client's tokens and
    /// the `client_id` of the reports it files.
    #[diesel(column_name = id)]
    pub client_id: String,
    /// Who the client is, for people, such as `WhatsApp bot Dinsos Sumbar`.
    pub name: String,
    /// Free-form scopes carried into the client's tokens.
    pub scopes: Vec<String>,
    /// False once revoked: the secret no longer authenticates.
    pub active: bool,
    /// The admin who created it (their token's `sub`).
    pub created_by: String,
    /// When it was created; [`list`] is in this order.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; `None` while active.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new client with its secret, which is not stored and cannot be shown again.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// `cli_` and 16 hex digits.
    pub client_id: String,
    /// 64 hex digits (32 random bytes); only its argon2 hash is stored.
    pub client_secret: String,
    /// The name given.
    pub name: String,
    /// The scopes given, carried into the client's tokens.
    pub scopes: Vec<String>,
    /// When the client was stored.
    pub created_at: DateTime<Utc>,
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

fn hash_secret(secret: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 hashes any secret with default parameters")
        .to_string()
}

/// Creates a client with a fresh id and secret; only the secret's hash is
/// stored.
pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    scopes: &[String],
    created_by: &str,
) -> Result<NewClient> {
    let client_id = format!("cli_{}", random_hex(8));
    let client_secret = random_hex(32);
    let secret_hash = tokio::task::spawn_blocking({
        let secret = client_secret.clone();
        move || hash_secret(&secret)
    })
    .await
    .map_err(|e| Error::Conflict(e.to_string()))?;
    let created_at: DateTime<Utc> = diesel::insert_into(api_clients::table)
        .values((
            api_clients::id.eq(&client_id),
            api_clients::name.eq(name),
            api_clients::secret_hash.eq(&secret_hash),
            api_clients::scopes.eq(scopes),
            api_clients::created_by.eq(created_by),
        ))
        .returning(api_clients::created_at)
        .get_result(conn)
        .await?;
    Ok(NewClient {
        client_id,
        client_secret,
        name: name.to_owned(),
        scopes: scopes.to_vec(),
        created_at,
    })
}

/// Every client, oldest first.
pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<Client>> {
    Ok(api_clients::table
        .order(api_clients::created_at)
        .select(Client::as_select())
        .load(conn)
        .await?)
}

/// Revokes a client: its secret stops working at once, and so do its
/// webhook subscriptions.
pub async fn revoke(conn: &mut AsyncPgConnection, client_id: &str) -> Result<()> {
    let updated = diesel::update(api_clients::table.find(client_id))
        .set((
            api_clients::active.eq(false),
            api_clients::revoked_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if updated == 0 {
        return Err(Error::NotFound);
    }
    crate::webhooks::deactivate_for_owner(conn, client_id).await?;
    Ok(())
}

/// Checks a client's credentials; `None` for an unknown, revoked or wrong one.
pub async fn authenticate(
    conn: &mut AsyncPgConnection,
    client_id: &str,
    secret: &str,
) -> Result<Option<Client>> {
    let found: Option<(Client, String)> = api_clients::table
        .find(client_id)
        .filter(api_clients::active.eq(true))
        .select((Client::as_select(), api_clients::secret_hash))
        .first(conn)
        .await
        .optional()?;
    let Some((client, hash)) = found else {
        return Ok(None);
    };
    let secret = secret.to_owned();
    let valid = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    Ok(valid.then_some(client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_secret_verifies_only_itself() {
        let hash = hash_secret("s3cret");
        let parsed = PasswordHash::new(&hash).expect("phc string");
        assert!(
            Argon2::default()
                .verify_password(b"s3cret", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"other", &parsed)
                .is_err()
        );
        assert!(hash.starts_with("$argon2id$"));
    }
}
