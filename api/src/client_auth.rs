//! Checking an API client's secret (the client-credentials grant and
//! Open311's `api_key`) so that the check cannot take the api down.
//!
//! An argon2 verification costs tens of milliseconds of CPU and 19 MiB, on
//! purpose. So: the database connection goes back to the pool before hashing;
//! at most one hash per core runs at a time (slots shared with staff
//! passwords, `crate::hashing`), on a blocking thread, and a
//! request that finds every slot busy for [`crate::hashing::SLOT_WAIT`] is told to come back
//! (429); repeated failures per client id and per client address are refused
//! (429) before any hashing; a successful verification is remembered for
//! [`VERIFIED_TTL`], keyed by an HMAC of the credential under a key drawn
//! at start, so that a partner asking for tokens again does not hash again and
//! the secret itself is never kept; an unknown client id is verified against a
//! dummy hash, so it costs what a wrong secret costs.

use crate::hashing::{Busy, Hashing};
use crate::rate_limit::{ClientKey, FixedWindows};
use crate::revocations::RevokedClients;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sigap_store::Error as CoreError;
use sigap_store::clients::{self, Client};
use sigap_store::db::PgPool;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed verifications allowed per client id, and per client address, in
/// [`FAILURE_WINDOW`].
const MAX_FAILURES: u32 = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// How long a verified credential is accepted without hashing again.
const VERIFIED_TTL: Duration = Duration::from_secs(60);
/// Entries each map holds at most, so that memory stays bounded whatever the
/// callers send.
const MAX_ENTRIES: usize = 10_000;

/// Why a credential was not accepted.
#[derive(Debug)]
pub enum Refusal {
    /// Unknown or revoked client, or wrong secret (indistinguishable).
    Invalid,
    /// Too many failures for this client id or address, or every hashing
    /// slot is busy: retry after this many seconds.
    TooMany { retry_after_secs: u64 },
    /// The database (or the revocation list) is unavailable.
    Store(CoreError),
}

impl From<CoreError> for Refusal {
    fn from(e: CoreError) -> Refusal {
        Refusal::Store(e)
    }
}

impl From<sigap_store::db::PoolError> for Refusal {
    fn from(e: sigap_store::db::PoolError) -> Refusal {
        Refusal::Store(e.into())
    }
}

pub struct ClientAuthenticator {
    hashing: Hashing,
    failures_by_client: FixedWindows<String>,
    failures_by_address: FixedWindows<ClientKey>,
    verified: Mutex<HashMap<[u8; 32], (Client, Instant)>>,
    cache_key: [u8; 32],
    revoked: RevokedClients,
}

impl ClientAuthenticator {
    /// Hashes in the process's shared `hashing` slots.
    pub fn new(revoked: RevokedClients, hashing: Hashing) -> ClientAuthenticator {
        let mut cache_key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut cache_key);
        ClientAuthenticator {
            hashing,
            failures_by_client: FixedWindows::new(MAX_FAILURES, FAILURE_WINDOW, MAX_ENTRIES),
            failures_by_address: FixedWindows::new(MAX_FAILURES, FAILURE_WINDOW, MAX_ENTRIES),
            verified: Mutex::default(),
            cache_key,
            revoked,
        }
    }

    /// The active client whose secret is `secret`. `address` is the caller's
    /// (its IPv6 /64), whose failures count together.
    pub async fn authenticate(
        &self,
        pool: &PgPool,
        client_id: &str,
        secret: &str,
        address: Option<IpAddr>,
    ) -> Result<Client, Refusal> {
        // No client's credentials hold NUL, which PostgreSQL text cannot.
        if client_id.contains('\0') || secret.contains('\0') {
            return Err(Refusal::Invalid);
        }
        let address = address.map(ClientKey::from);
        let credential = self.credential_key(client_id, secret);
        if let Some(client) = self.remembered(&credential) {
            return match self.revoked.contains(&client.client_id) {
                Some(false) => Ok(client),
                Some(true) => Err(Refusal::Invalid),
                None => Err(Refusal::Store(revocations_unknown())),
            };
        }
        self.check_failures(client_id, address)?;
        let permit = self.hashing.slot().await.map_err(|Busy| {
            metrics::counter!("sigap_client_auth_busy_total").increment(1);
            Refusal::TooMany {
                retry_after_secs: 1,
            }
        })?;
        // Failures may have been counted while this request waited.
        self.check_failures(client_id, address)?;
        let stored = {
            let mut conn = pool.get().await?;
            clients::credentials(&mut conn, client_id).await?
        };
        let (hash, client) = match stored {
            Some(found) => (found.secret_hash, Some(found.client)),
            None => (clients::dummy_hash().to_owned(), None),
        };
        let matches = Hashing::verify(permit, hash, secret.to_owned()).await;
        match client {
            Some(client) if matches => {
                self.remember(credential, &client);
                Ok(client)
            }
            _ => {
                metrics::counter!("sigap_client_auth_failures_total").increment(1);
                self.failures_by_client.add(client_id.to_owned());
                if let Some(address) = address {
                    self.failures_by_address.add(address);
                }
                Err(Refusal::Invalid)
            }
        }
    }

    fn check_failures(&self, client_id: &str, address: Option<ClientKey>) -> Result<(), Refusal> {
        let blocked = self
            .failures_by_client
            .blocked(client_id)
            .and(address.map_or(Ok(()), |a| self.failures_by_address.blocked(&a)));
        blocked.map_err(|retry_after_secs| {
            metrics::counter!("sigap_client_auth_limited_total").increment(1);
            Refusal::TooMany { retry_after_secs }
        })
    }

    /// HMAC-SHA256 of the id and secret: the cache's key, from which the
    /// secret cannot be recovered.
    fn credential_key(&self, client_id: &str, secret: &str) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.cache_key).expect("HMAC takes keys of any size");
        mac.update(client_id.as_bytes());
        // The id holds no NUL: id and secret cannot run into each other.
        mac.update(b"\0");
        mac.update(secret.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn remembered(&self, credential: &[u8; 32]) -> Option<Client> {
        let verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        verified
            .get(credential)
            .filter(|(_, at)| at.elapsed() < VERIFIED_TTL)
            .map(|(client, _)| client.clone())
    }

    fn remember(&self, credential: [u8; 32], client: &Client) {
        let mut verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if verified.len() >= MAX_ENTRIES {
            verified.retain(|_, (_, at)| at.elapsed() < VERIFIED_TTL);
            if verified.len() >= MAX_ENTRIES {
                verified.clear();
            }
        }
        verified.insert(credential, (client.clone(), Instant::now()));
    }
}

fn revocations_unknown() -> CoreError {
    CoreError::Unavailable("the list of revoked clients is not loaded yet".into())
}
