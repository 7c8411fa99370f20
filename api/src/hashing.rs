//! Bounded argon2 work, shared by every check of a secret (API clients'
//! secrets, staff passwords) and every hash of a new password: at most one
//! hash per core runs at a time, on a blocking thread, never while holding a
//! database connection; a request that finds every slot busy for
//! [`SLOT_WAIT`] is told to come back (429).

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a request waits for a hashing slot before it is told to retry.
pub const SLOT_WAIT: Duration = Duration::from_millis(500);

/// Every hashing slot stayed busy for [`SLOT_WAIT`]: retry after a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The process's hashing slots.
#[derive(Clone)]
pub struct Hashing {
    slots: Arc<Semaphore>,
}

impl Hashing {
    /// One slot per core.
    pub fn new() -> Hashing {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Computed now, so that the first unknown client id or email does
        // not cost a hash more than a wrong secret does.
        tokio::task::spawn_blocking(sigap_store::clients::dummy_hash);
        Hashing {
            slots: Arc::new(Semaphore::new(cores)),
        }
    }

    /// A slot, held until the hash that uses it is done.
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, Busy> {
        match tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned()).await {
            Ok(permit) => Ok(permit.expect("the hashing semaphore is never closed")),
            Err(_) => {
                metrics::counter!("sigap_hashing_busy_total").increment(1);
                Err(Busy)
            }
        }
    }

    /// Whether `secret` matches the argon2 `hash`, in `slot`.
    pub async fn verify(slot: OwnedSemaphorePermit, hash: String, secret: String) -> bool {
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            sigap_store::clients::verify_secret(&hash, &secret)
        })
        .await
        .unwrap_or(false)
    }

    /// The argon2id hash of a new password, in a slot of its own.
    pub async fn hash(&self, secret: &str) -> Result<String, Busy> {
        let slot = self.slot().await?;
        let secret = secret.to_owned();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            sigap_store::clients::hash_secret(&secret)
        })
        .await
        .map_err(|_| Busy)
    }
}

impl Default for Hashing {
    fn default() -> Self {
        Hashing::new()
    }
}
