//! Sets of ids that every api process keeps in memory, fed by the store's
//! `LISTEN`/`NOTIFY`, so that a request is checked against them without a
//! database read: the revoked API clients (their access tokens stop working
//! within seconds) and the ended staff sessions (their access tokens are
//! refused within seconds). A set is loaded when the process starts and
//! whenever its `LISTEN` connection (re)connects, and grows with each id the
//! store announces (`NOTIFY` in the transaction that revokes or ends).

use sigap_store::db::SetChange;
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// How often a set is loaded afresh, so that it holds only what its loader
/// returns (ended sessions that have not expired) plus what was announced
/// since: memory stays bounded by what an hour can add.
const RELOAD_EVERY: Duration = Duration::from_secs(3600);

/// One followed set of ids.
#[derive(Clone)]
pub struct NotifiedSet {
    /// `None` until the first load: nobody can tell yet who is in it.
    ids: Arc<RwLock<Option<HashSet<String>>>>,
    loaded: watch::Receiver<bool>,
}

/// The API clients revoked so far.
pub type RevokedClients = NotifiedSet;
/// The staff sessions ended so far (whose tokens could still be presented).
pub type EndedSessions = NotifiedSet;

/// A function that follows a set until its connection ends, reporting to
/// the callback it is given.
type Apply = Box<dyn FnMut(SetChange) + Send>;

impl NotifiedSet {
    /// Starts following a set in the background with `watch` (one of the
    /// store's `watch_*` functions), reconnecting after a second when it
    /// ends; `what` names the set in logs.
    pub fn start<W, F>(what: &'static str, watch: W) -> NotifiedSet
    where
        W: Fn(Apply) -> F + Send + 'static,
        F: Future<Output = sigap_store::Result<()>> + Send,
    {
        let (loaded_tx, loaded) = watch::channel(false);
        let set = NotifiedSet {
            ids: Arc::default(),
            loaded,
        };
        let ids = set.ids.clone();
        let loaded_tx = Arc::new(loaded_tx);
        tokio::spawn(async move {
            loop {
                let ids = ids.clone();
                let loaded_tx = loaded_tx.clone();
                let apply: Apply = Box::new(move |change: SetChange| {
                    let mut ids = ids.write().unwrap_or_else(|p| p.into_inner());
                    match change {
                        SetChange::All(all) => {
                            *ids = Some(all.into_iter().collect());
                            let _ = loaded_tx.send(true);
                        }
                        SetChange::One(id) => {
                            ids.get_or_insert_with(HashSet::new).insert(id);
                        }
                    }
                });
                match tokio::time::timeout(RELOAD_EVERY, watch(apply)).await {
                    // A planned reload: reconnect at once (listening before
                    // loading, so nothing is missed); the load leaves out
                    // what no longer matters (sessions past their expiry).
                    Err(_) => continue,
                    Ok(Err(error)) => {
                        tracing::warn!(%error, set = what, "following a set interrupted; reconnecting");
                    }
                    Ok(Ok(())) => {}
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        set
    }

    /// The revoked API clients.
    pub fn revoked_clients(database_url: String) -> RevokedClients {
        NotifiedSet::start("revoked clients", move |apply| {
            let url = database_url.clone();
            async move { sigap_store::clients::watch_revocations(&url, apply).await }
        })
    }

    /// The ended staff sessions.
    pub fn ended_sessions(database_url: String) -> EndedSessions {
        NotifiedSet::start("ended sessions", move |apply| {
            let url = database_url.clone();
            async move { sigap_store::staff::watch_ended_sessions(&url, apply).await }
        })
    }

    /// Waits (at most `timeout`) for the first load; false when it has not
    /// happened yet (the database is unreachable).
    pub async fn wait_loaded(&self, timeout: Duration) -> bool {
        let mut loaded = self.loaded.clone();
        tokio::time::timeout(timeout, loaded.wait_for(|loaded| *loaded))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Records an id this process added, at once (the notification
    /// follows, for every process).
    pub fn insert(&self, id: &str) {
        let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
        if let Some(ids) = ids.as_mut() {
            ids.insert(id.to_owned());
        }
    }

    /// Whether `id` is in the set; `None` until the set is loaded.
    pub fn contains(&self, id: &str) -> Option<bool> {
        let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
        ids.as_ref().map(|ids| ids.contains(id))
    }
}
