//! Fixed-window counters per caller, with a cap on how many callers they
//! remember, so that a flood of distinct callers cannot grow them without
//! bound: the public tracking limit, and the failure limits of client
//! secrets. An IPv4 caller is its address; an IPv6 caller is its /64, since
//! one subscriber usually holds a whole /64 and could otherwise step through
//! its addresses for a fresh budget each.

use actix_web::HttpRequest;
use sigap_runtime::proxies::{TrustedProxies, canonical};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many callers' windows are kept by default: a few MiB at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// The address a request came from: the peer's, or the client that a
/// trusted proxy names in `X-Forwarded-For`.
pub fn client_address(req: &HttpRequest, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded_for = req
        .headers()
        .get_all("X-Forwarded-For")
        .filter_map(|value| value.to_str().ok());
    Some(proxies.client_address(peer, forwarded_for))
}

/// Who a window counts for, by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
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

/// At most `limit` counts per key in each window of `window`.
pub struct FixedWindows<K> {
    limit: u32,
    window: Duration,
    capacity: usize,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

/// The public tracking limit: requests per minute per client address.
pub type RateLimiter = FixedWindows<ClientKey>;

impl RateLimiter {
    pub fn per_minute(limit: u32) -> RateLimiter {
        FixedWindows::new(limit, Duration::from_secs(60), DEFAULT_CAPACITY)
    }

    /// Counts one request of `client`; `Err(seconds)` to wait when over the
    /// limit.
    pub fn check_address(&self, client: IpAddr) -> Result<(), u64> {
        self.check(ClientKey::from(client))
    }
}

impl<K: Hash + Eq + Clone> FixedWindows<K> {
    /// At most `capacity` keys' windows are kept.
    pub fn new(limit: u32, window: Duration, capacity: usize) -> FixedWindows<K> {
        FixedWindows {
            limit,
            window,
            capacity: capacity.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one for `key` unless it has used its budget; `Err(seconds)`
    /// to wait then.
    pub fn check(&self, key: K) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.lock();
        if let Some(wait) = self.wait(&windows, &key, now) {
            return Err(wait);
        }
        self.count(&mut windows, key, now);
        Ok(())
    }

    /// `Err(seconds)` to wait when `key` has used its budget; counts nothing.
    pub fn blocked<Q>(&self, key: &Q) -> Result<(), u64>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.wait(&self.lock(), key, Instant::now()) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Counts one for `key`, over its budget or not.
    pub fn add(&self, key: K) {
        self.count(&mut self.lock(), key, Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, u32)>> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait<Q>(&self, windows: &HashMap<K, (Instant, u32)>, key: &Q, now: Instant) -> Option<u64>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (start, count) = windows.get(key)?;
        let left = self.window.checked_sub(now.duration_since(*start))?;
        (*count >= self.limit).then_some(left.as_secs().max(1))
    }

    fn count(&self, windows: &mut HashMap<K, (Instant, u32)>, key: K, now: Instant) {
        if !windows.contains_key(&key) && windows.len() >= self.capacity {
            self.make_room(windows, now);
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Drops the windows that ended; when the table is still full, the
    /// oldest tenth of the windows too (those closest to their end), so that
    /// the cost of making room is shared by the many insertions that follow.
    fn make_room(&self, windows: &mut HashMap<K, (Instant, u32)>, now: Instant) {
        windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        if windows.len() < self.capacity {
            return;
        }
        let mut starts: Vec<Instant> = windows.values().map(|(start, _)| *start).collect();
        let evict = (self.capacity / 10).max(1).min(starts.len() - 1);
        let (_, cutoff, _) = starts.select_nth_unstable(evict);
        let cutoff = *cutoff;
        windows.retain(|_, (start, _)| *start >= cutoff);
        // Windows that started at the same instant as the cutoff all stay;
        // if that leaves the table full, drop arbitrary ones.
        let excess = (windows.len() + 1).saturating_sub(self.capacity);
        let drop: Vec<K> = windows.keys().take(excess).cloned().collect();
        for key in drop {
            windows.remove(&key);
        }
    }

    /// How many keys' windows are kept now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
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
        assert!(limiter.check_address(a).is_ok());
        assert!(limiter.check_address(a).is_ok());
        let wait = limiter.check_address(a).expect_err("limited");
        assert!((1..=60).contains(&wait));
        assert!(limiter.check_address(b).is_ok(), "limits are per client");
    }

    #[test]
    fn the_addresses_of_one_ipv6_64_share_a_window() {
        let limiter = RateLimiter::per_minute(2);
        assert!(limiter.check_address(ip("2001:db8:1:2::1")).is_ok());
        assert!(
            limiter
                .check_address(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
                .is_ok()
        );
        assert!(
            limiter.check_address(ip("2001:db8:1:2:abcd::9")).is_err(),
            "a third address of the same /64 is over the limit"
        );
        assert!(
            limiter.check_address(ip("2001:db8:1:3::1")).is_ok(),
            "the next /64 is another client"
        );
    }

    #[test]
    fn an_ipv4_client_through_an_ipv6_socket_is_the_ipv4_client() {
        let limiter = RateLimiter::per_minute(1);
        assert!(limiter.check_address(ip("192.0.2.1")).is_ok());
        assert!(limiter.check_address(ip("::ffff:192.0.2.1")).is_err());
        assert!(
            limiter.check_address(ip("::ffff:192.0.2.2")).is_ok(),
            "mapped IPv4 addresses are not one /64"
        );
    }

    #[test]
    fn a_blocked_key_counts_nothing_more_and_others_are_free() {
        let failures = FixedWindows::<String>::new(2, Duration::from_secs(60), 10);
        failures.add("cli_a".into());
        assert_eq!(failures.blocked("cli_a"), Ok(()));
        failures.add("cli_a".into());
        let wait = failures.blocked("cli_a").expect_err("blocked");
        assert!((50..=60).contains(&wait));
        assert_eq!(failures.blocked("cli_b"), Ok(()));
    }

    #[test]
    fn the_table_of_windows_never_outgrows_its_capacity() {
        let limiter = FixedWindows::new(5, Duration::from_secs(60), 1_000);
        for n in 0..20_000u32 {
            let client = IpAddr::V6(std::net::Ipv6Addr::from(u128::from(n) << 64));
            assert!(
                limiter.check_address(client).is_ok(),
                "a new client has its budget"
            );
            assert!(limiter.len() <= 1_000);
        }
        // The newest clients are still counted.
        let newest = IpAddr::V6(std::net::Ipv6Addr::from(u128::from(19_999u32) << 64));
        for _ in 0..4 {
            assert!(limiter.check_address(newest).is_ok());
        }
        assert!(limiter.check_address(newest).is_err());
    }
}
