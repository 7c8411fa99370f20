//! API clients of partner apps: OAuth2 client credentials with argon2-hashed
//! secrets, shown once at creation.

use crate::error::{Error, Result};
use crate::schema::api_clients;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::RngCore;
use std::sync::LazyLock;

/// The channel a revocation is announced on, with the client id as payload.
const REVOKED_CHANNEL: &str = "sigap_client_revoked";

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

/// The argon2id hash (PHC string, default parameters) of a secret or password.
pub fn hash_secret(secret: &str) -> String {
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

/// Revokes a client: its secret and its webhook subscriptions stop working at
/// once, and every api process is told (`NOTIFY`, sent when the transaction
/// commits) so that its access tokens stop working within seconds.
pub async fn revoke(conn: &mut AsyncPgConnection, client_id: &str) -> Result<()> {
    conn.transaction::<_, Error, _>(async |conn| {
        mark_revoked(conn, client_id).await?;
        announce_revocation(conn, client_id).await?;
        Ok(())
    })
    .await
}

async fn mark_revoked(conn: &mut AsyncPgConnection, client_id: &str) -> Result<()> {
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

async fn announce_revocation(conn: &mut AsyncPgConnection, client_id: &str) -> Result<()> {
    crate::db::notify(conn, REVOKED_CHANNEL, client_id).await
}

/// The ids of every revoked client.
pub async fn revoked_ids(conn: &mut AsyncPgConnection) -> Result<Vec<String>> {
    Ok(api_clients::table
        .filter(api_clients::active.eq(false))
        .select(api_clients::id)
        .load(conn)
        .await?)
}

/// What [`watch_revocations`] reports: every revoked client, then each
/// client revoked after.
pub use crate::db::SetChange as Revocation;

/// Follows revocations until the connection ends: first [`Revocation::All`],
/// then a [`Revocation::One`] for each client revoked after.
pub async fn watch_revocations(database_url: &str, revoked: impl FnMut(Revocation)) -> Result<()> {
    crate::db::watch_set(
        database_url,
        REVOKED_CHANNEL,
        async |conn| revoked_ids(conn).await,
        revoked,
    )
    .await
}

/// An active client with the hash of its secret, for [`verify_secret`].
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The client.
    pub client: Client,
    /// The argon2 hash (PHC string) of its secret.
    pub secret_hash: String,
}

/// The credentials of an active client; `None` for an unknown or revoked one.
/// Verifying the secret is left to the caller ([`verify_secret`]), so that
/// the connection goes back to the pool before the slow hash runs.
pub async fn credentials(
    conn: &mut AsyncPgConnection,
    client_id: &str,
) -> Result<Option<Credentials>> {
    let found: Option<(Client, String)> = api_clients::table
        .find(client_id)
        .filter(api_clients::active.eq(true))
        .select((Client::as_select(), api_clients::secret_hash))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(client, secret_hash)| Credentials {
        client,
        secret_hash,
    }))
}

/// Whether `secret` matches the argon2 `hash`. Slow on purpose (tens of
/// milliseconds of CPU): run it on a blocking thread, without holding a
/// database connection.
pub fn verify_secret(hash: &str, secret: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The hash of a random secret nobody knows, with the parameters of real
/// ones: verifying against it for an unknown client id costs what a wrong
/// secret costs, so timing does not tell which ids exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash_secret(&random_hex(32)));
    &DUMMY
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
        assert!(verify_secret(&hash, "s3cret"));
        assert!(!verify_secret(&hash, "other"));
        assert!(!verify_secret("not a phc string", "s3cret"));
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_ones() {
        let real = PasswordHash::new(&hash_secret("s3cret"))
            .expect("phc")
            .params
            .to_string();
        let dummy = PasswordHash::new(dummy_hash())
            .expect("phc")
            .params
            .to_string();
        assert_eq!(real, dummy);
        assert!(!verify_secret(dummy_hash(), ""));
    }
}
