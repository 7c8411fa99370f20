//! The reverse proxies whose `X-Forwarded-For` is believed
//! (`SIGAP_TRUSTED_PROXIES`), and the client address a request came from.
//! Anyone can send the header; only a proxy in front of Sigap can vouch
//! for it, so it is read only when the connection comes from one.

use std::net::IpAddr;

/// Addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

/// An address with a prefix length; an address alone is a full-length one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(text: &str) -> Result<Network, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR network"))?;
        let address = canonical(address);
        let longest = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => longest,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= longest)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {longest}"))?,
        };
        Ok(Network { address, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.1`) is the
/// IPv4 client.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl TrustedProxies {
    /// Reads a comma-separated list; blanks around entries are ignored.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(Network::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(ip))
    }

    /// The address a request came from: the peer's, unless the peer is a
    /// trusted proxy, in which case the `X-Forwarded-For` hops are read from
    /// the nearest back, skipping trusted proxies, and the first other
    /// address is the client. A hop that is not an address ends the
    /// reading: what lies beyond it cannot be vouched for, so the last
    /// address read stands.
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|header| header.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(address);
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn addresses_and_networks_are_read() {
        let proxies = TrustedProxies::parse(" 10.0.0.5, 192.168.0.0/16,fd00::/8 ").expect("valid");
        assert!(proxies.contains(ip("10.0.0.5")));
        assert!(!proxies.contains(ip("10.0.0.6")));
        assert!(proxies.contains(ip("192.168.44.1")));
        assert!(
            proxies.contains(ip("::ffff:192.168.44.1")),
            "IPv4 through IPv6"
        );
        assert!(proxies.contains(ip("fd12::1")));
        assert!(!proxies.contains(ip("fe80::1")));
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .expect("valid")
                .contains(ip("8.8.8.8"))
        );
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        for bad in [
            "10.0.0.0/33",
            "proxy.local",
            "10.0.0.0/",
            "::/129",
            "10.0.0.1/x",
        ] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_peer() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("valid");
        let forwarded = ["203.0.113.9"];
        assert_eq!(
            proxies.client_address(ip("198.51.100.7"), forwarded),
            ip("198.51.100.7"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            proxies.client_address(ip("10.1.2.3"), forwarded),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client_address(ip("10.1.2.3"), []),
            ip("10.1.2.3"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("valid");
        // The client wrote the first entry itself: only the hop the proxies
        // appended is believed.
        assert_eq!(
            proxies.client_address(ip("10.0.0.1"), ["1.1.1.1, 203.0.113.9, 10.0.0.2"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.1"), ["1.1.1.1", "203.0.113.9"]),
            ip("203.0.113.9"),
            "several headers are one list"
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.1"), ["203.0.113.9, garbage, 10.0.0.2"]),
            ip("10.0.0.2"),
            "nothing beyond an unreadable hop is believed"
        );
    }
}
