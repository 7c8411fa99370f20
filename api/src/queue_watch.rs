//! Wakes long polls: one LISTEN connection per api process receives
//! `sigap_unit_queue` notifications (sent by a trigger whenever a unit's case
//! changes) and fans them out to waiting requests.

use std::time::Duration;
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct QueueWatch {
    sender: broadcast::Sender<String>,
}

impl QueueWatch {
    /// Starts listening in the background.
    pub fn start(database_url: String) -> QueueWatch {
        let (sender, _) = broadcast::channel(4096);
        let watch = QueueWatch { sender };
        let sender = watch.sender.clone();
        tokio::spawn(async move {
            loop {
                // No receiver is fine: nobody is waiting.
                let changed = |unit: String| {
                    let _ = sender.send(unit);
                };
                if let Err(error) = sigap_store::cases::watch_queues(&database_url, changed).await {
                    tracing::warn!(%error, "queue notifications interrupted; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        watch
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.sender.subscribe()
    }
}

/// Waits until `unit` changes or `deadline` passes; true when it changed.
pub async fn wait_for_change(
    receiver: &mut broadcast::Receiver<String>,
    unit: &str,
    deadline: tokio::time::Instant,
) -> bool {
    loop {
        match tokio::time::timeout_at(deadline, receiver.recv()).await {
            Err(_) => return false,
            Ok(Ok(changed)) if changed == unit => return true,
            Ok(Ok(_)) => {}
            // Missed some notifications: one of them may have been ours.
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => return true,
            Ok(Err(broadcast::error::RecvError::Closed)) => return false,
        }
    }
}
