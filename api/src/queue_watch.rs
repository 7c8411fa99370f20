//! Wakes long polls: one LISTEN connection per api process receives
//! `sigap_unit_queue` notifications (sent by a trigger whenever a unit's case
//! changes) and wakes the requests waiting for that unit, and only those:
//! each unit with waiters has its own channel, so a busy unit costs the
//! waiters of the others nothing. It also bounds how many long polls one
//! token holds at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How many long polls one token (`sub`) may hold at once; more are
/// answered 429 with `Retry-After`.
pub const MAX_LONG_POLLS_PER_TOKEN: usize = 4;

/// The channels of the units someone waits for. Each carries a count of
/// changes; a waiter only needs to know that it moved.
type Units = HashMap<String, watch::Sender<u64>>;

/// Units with channels before the ones nobody waits for any more are
/// dropped: unit codes are checked after subscribing, so a caller could
/// name many codes that do not exist.
const PRUNE_ABOVE: usize = 256;

#[derive(Clone, Default)]
pub struct QueueWatch {
    units: Arc<Mutex<Units>>,
    long_polls: Arc<Mutex<HashMap<String, usize>>>,
}

impl QueueWatch {
    /// Starts listening in the background.
    pub fn start(database_url: String) -> QueueWatch {
        let watch = QueueWatch::default();
        let listener = watch.clone();
        tokio::spawn(async move {
            loop {
                let changed = |unit: String| listener.changed(&unit);
                if let Err(error) = sigap_store::cases::watch_queues(&database_url, changed).await {
                    tracing::warn!(%error, "queue notifications interrupted; reconnecting");
                }
                // Changes made while the connection was down were not
                // heard: every waiter looks again.
                listener.changed_all();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        watch
    }

    /// A receiver told of each change of `unit` from now on.
    pub fn subscribe(&self, unit: &str) -> watch::Receiver<u64> {
        let mut units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        if units.len() > PRUNE_ABOVE && !units.contains_key(unit) {
            units.retain(|_, sender| sender.receiver_count() > 0);
        }
        units
            .entry(unit.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Wakes the waiters of `unit`; nobody else.
    fn changed(&self, unit: &str) {
        let units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = units.get(unit) {
            sender.send_modify(|count| *count = count.wrapping_add(1));
        }
    }

    fn changed_all(&self) {
        let units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        for sender in units.values() {
            sender.send_modify(|count| *count = count.wrapping_add(1));
        }
    }

    /// Takes one of `sub`'s long-poll slots, held until the guard is
    /// dropped; `None` when all are taken.
    pub fn long_poll(&self, sub: &str) -> Option<LongPoll> {
        let mut held = self.long_polls.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(sub.to_owned()).or_default();
        if *count >= MAX_LONG_POLLS_PER_TOKEN {
            return None;
        }
        *count += 1;
        Some(LongPoll {
            long_polls: self.long_polls.clone(),
            sub: sub.to_owned(),
        })
    }
}

/// One long poll of a token, counted while it lives.
pub struct LongPoll {
    long_polls: Arc<Mutex<HashMap<String, usize>>>,
    sub: String,
}

impl Drop for LongPoll {
    fn drop(&mut self) {
        let mut held = self.long_polls.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = held.get_mut(&self.sub) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.sub);
            }
        }
    }
}

/// Waits until the unit of `receiver` changes or `deadline` passes; true
/// when it changed.
pub async fn wait_for_change(
    receiver: &mut watch::Receiver<u64>,
    deadline: tokio::time::Instant,
) -> bool {
    matches!(
        tokio::time::timeout_at(deadline, receiver.changed()).await,
        Ok(Ok(()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_is_woken_by_its_own_unit_only() {
        let watch = QueueWatch::default();
        let mut a = watch.subscribe("UNIT-A");
        let mut b = watch.subscribe("UNIT-B");
        watch.changed("UNIT-B");
        assert!(!a.has_changed().expect("open"), "another unit's change");
        assert!(b.has_changed().expect("open"));
        b.mark_unchanged();
        watch.changed("UNIT-A");
        assert!(a.has_changed().expect("open"));
        assert!(!b.has_changed().expect("open"));
        let soon = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(wait_for_change(&mut a, soon).await, "the change is seen");
        let soon = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(!wait_for_change(&mut a, soon).await, "and seen once");
    }

    #[tokio::test]
    async fn a_reconnect_wakes_every_waiter() {
        let watch = QueueWatch::default();
        let a = watch.subscribe("UNIT-A");
        let b = watch.subscribe("UNIT-B");
        watch.changed_all();
        assert!(a.has_changed().expect("open") && b.has_changed().expect("open"));
    }

    #[test]
    fn channels_nobody_listens_to_are_dropped() {
        let watch = QueueWatch::default();
        for n in 0..1_000 {
            drop(watch.subscribe(&format!("NO-SUCH-UNIT-{n}")));
        }
        let kept = watch.subscribe("UNIT-A");
        assert!(watch.units.lock().expect("lock").len() <= PRUNE_ABOVE + 2);
        drop(kept);
    }

    #[test]
    fn a_token_holds_a_bounded_number_of_long_polls() {
        let watch = QueueWatch::default();
        let held: Vec<LongPoll> = (0..MAX_LONG_POLLS_PER_TOKEN)
            .map(|_| watch.long_poll("staff-1").expect("a slot"))
            .collect();
        assert!(watch.long_poll("staff-1").is_none(), "one too many");
        assert!(watch.long_poll("staff-2").is_some(), "per token");
        drop(held);
        assert!(watch.long_poll("staff-1").is_some(), "slots come back");
        assert!(watch.long_polls.lock().expect("lock").is_empty());
    }
}
