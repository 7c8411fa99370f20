//! A fixed-window rate limit per client, for the public endpoints. An IPv4
//! client is its address; an IPv6 client is its /64, since one subscriber
//! usually holds a whole /64 and could otherwise step through its
//! addresses for a fresh budget each. The table of windows has a cap, so
//! that a flood of distinct clients cannot grow it without bound.

use sigap_runtime::proxies::canonical;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// How many clients' windows are kept by default: a few MiB at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Who a window counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    /// The first 64 bits of the address.
    V6(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> ClientKey {
        match canonical(ip) {
            IpAddr::V4(v4) => ClientKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => ClientKey::V6((u128::from(v6) >> 64) as u64),
        }
    }
}

pub struct RateLimiter {
    per_window: u32,
    capacity: usize,
    windows: Mutex<HashMap<ClientKey, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn per_minute(per_window: u32) -> RateLimiter {
        RateLimiter::with_capacity(per_window, DEFAULT_CAPACITY)
    }

    /// At most `capacity` clients' windows are kept.
    pub fn with_capacity(per_window: u32, capacity: usize) -> RateLimiter {
        RateLimiter {
            per_window,
            capacity: capacity.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        let key = ClientKey::from(client);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if !windows.contains_key(&key) && windows.len() >= self.capacity {
            make_room(&mut windows, self.capacity, now);
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_window {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }

    /// How many clients' windows are kept now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows.lock().map(|w| w.len()).unwrap_or(0)
    }
}

/// Drops the windows that ended; when the table is still full, the oldest
/// tenth of the windows too (those closest to their end), so that the cost
/// of making room is shared by the many insertions that follow.
fn make_room(windows: &mut HashMap<ClientKey, (Instant, u32)>, capacity: usize, now: Instant) {
    windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
    if windows.len() < capacity {
        return;
    }
    let mut starts: Vec<Instant> = windows.values().map(|(start, _)| *start).collect();
    let evict = (capacity / 10).max(1).min(starts.len() - 1);
    let (_, cutoff, _) = starts.select_nth_unstable(evict);
    let cutoff = *cutoff;
    windows.retain(|_, (start, _)| *start >= cutoff);
    // Windows that started at the same instant as the cutoff all stay; if
    // that leaves the table full, drop arbitrary ones.
    let excess = (windows.len() + 1).saturating_sub(capacity);
    let drop: Vec<ClientKey> = windows.keys().take(excess).copied().collect();
    for key in drop {
        windows.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn a_client_over_its_limit_is_told_how_long_to_wait() {
        let limiter = RateLimiter::per_minute(2);
        let a = ip("10.0.0.1");
        let b = ip("10.0.0.2");
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).expect_err("limited");
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(b).is_ok(), "limits are per client");
    }

    #[test]
    fn the_addresses_of_one_ipv6_64_share_a_window() {
        let limiter = RateLimiter::per_minute(2);
        assert!(limiter.check(ip("2001:db8:1:2::1")).is_ok());
        assert!(
            limiter
                .check(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
                .is_ok()
        );
        assert!(
            limiter.check(ip("2001:db8:1:2:abcd::9")).is_err(),
            "a third address of the same /64 is over the limit"
        );
        assert!(
            limiter.check(ip("2001:db8:1:3::1")).is_ok(),
            "the next /64 is another client"
        );
    }

    #[test]
    fn an_ipv4_client_through_an_ipv6_socket_is_the_ipv4_client() {
        let limiter = RateLimiter::per_minute(1);
        assert!(limiter.check(ip("192.0.2.1")).is_ok());
        assert!(limiter.check(ip("::ffff:192.0.2.1")).is_err());
        assert!(
            limiter.check(ip("::ffff:192.0.2.2")).is_ok(),
            "mapped IPv4 addresses are not one /64"
        );
    }

    #[test]
    fn the_table_of_windows_never_outgrows_its_capacity() {
        let limiter = RateLimiter::with_capacity(5, 1_000);
        for n in 0..20_000u32 {
            let client = IpAddr::V6(std::net::Ipv6Addr::from(u128::from(n) << 64));
            assert!(limiter.check(client).is_ok(), "a new client has its budget");
            assert!(limiter.len() <= 1_000);
        }
        // The newest clients are still counted.
        let newest = IpAddr::V6(std::net::Ipv6Addr::from(u128::from(19_999u32) << 64));
        for _ in 0..4 {
            assert!(limiter.check(newest).is_ok());
        }
        assert!(limiter.check(newest).is_err());
    }
}
