//! The one wait between attempts to reach the broker, shared by every loop
//! that holds a broker connection (the relay, the routing consumers): from
//! 200 ms, doubling, at most 5 s, back to 200 ms after a success.

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::time::Duration;
use tokio::sync::watch;

const FIRST: Duration = Duration::from_millis(200);
const LONGEST: Duration = Duration::from_secs(5);

/// The delays before the next attempt to reconnect.
pub struct Reconnect {
    delays: ExponentialBackoff,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            delays: builder().build(),
        }
    }
}

fn builder() -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_min_delay(FIRST)
        .with_max_delay(LONGEST)
        .with_factor(2.0)
        .without_max_times()
}

impl Reconnect {
    /// A connection worked: the next failure waits the shortest delay again.
    pub fn succeeded(&mut self) {
        self.delays = builder().build();
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        self.delays.next().unwrap_or(LONGEST)
    }
}

/// Sleeps for `delay`, or less if `shutdown` turns true meanwhile.
pub async fn sleep_unless_shutdown(delay: Duration, shutdown: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = shutdown.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_five_seconds_and_restart_after_a_success() {
        let mut reconnect = Reconnect::default();
        let delays: Vec<u64> = (0..7)
            .map(|_| reconnect.next_delay().as_millis() as u64)
            .collect();
        assert_eq!(delays, [200, 400, 800, 1600, 3200, 5000, 5000]);
        reconnect.succeeded();
        assert_eq!(reconnect.next_delay(), FIRST);
    }
}
