//! The revoked API clients, kept in memory by every api process so that a
//! revoked client's access tokens stop working within seconds, without a
//! database read per request. The set is loaded when the process starts and
//! whenever its `LISTEN` connection (re)connects, and grows with each
//! revocation the store announces (`NOTIFY` in the revoking transaction).

use sigap_store::clients::{self, Revocation};
use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Clone)]
pub struct RevokedClients {
    /// `None` until the first load: nobody can tell yet who is revoked.
    ids: Arc<RwLock<Option<HashSet<String>>>>,
    loaded: watch::Receiver<bool>,
}

impl RevokedClients {
    /// Starts following revocations in the background.
    pub fn start(database_url: String) -> RevokedClients {
        let (loaded_tx, loaded) = watch::channel(false);
        let revoked = RevokedClients {
            ids: Arc::default(),
            loaded,
        };
        let ids = revoked.ids.clone();
        tokio::spawn(async move {
            loop {
                let apply = |revocation: Revocation| {
                    let mut ids = ids.write().unwrap_or_else(|p| p.into_inner());
                    match revocation {
                        Revocation::All(all) => {
                            *ids = Some(all.into_iter().collect());
                            let _ = loaded_tx.send(true);
                        }
                        Revocation::One(id) => {
                            ids.get_or_insert_with(HashSet::new).insert(id);
                        }
                    }
                };
                if let Err(error) = clients::watch_revocations(&database_url, apply).await {
                    tracing::warn!(%error, "client revocations interrupted; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        revoked
    }

    /// Waits (at most `timeout`) for the first load; false when it has not
    /// happened yet (the database is unreachable).
    pub async fn wait_loaded(&self, timeout: Duration) -> bool {
        let mut loaded = self.loaded.clone();
        tokio::time::timeout(timeout, loaded.wait_for(|loaded| *loaded))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Records a revocation this process made, at once (the notification
    /// follows, for every process).
    pub fn insert(&self, client_id: &str) {
        let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
        if let Some(ids) = ids.as_mut() {
            ids.insert(client_id.to_owned());
        }
    }

    /// Whether `client_id` is revoked; `None` until the set is loaded.
    pub fn is_revoked(&self, client_id: &str) -> Option<bool> {
        let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
        ids.as_ref().map(|ids| ids.contains(client_id))
    }
}
