//! Where webhooks may be sent: a subscriber URL is parsed once, refused when
//! another reader could see a different host in it, and its host's addresses
//! are checked against the ranges no outside party may reach through us
//! (loopback, private, link-local, …, and their IPv6 disguises).
//!
//! The same check serves the api (at subscription) and the worker's resolver
//! (at every connection), so the addresses checked are the ones connected to.

use futures_util::future::BoxFuture;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// The longest subscriber URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// Why a subscriber URL or address is refused; the message is fit for the
/// subscriber (it says nothing of what answered on the other side).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an absolute http(s) URL with a host, or one that readers could
    /// disagree about (backslashes, control characters, credentials).
    #[error("{0}")]
    Url(&'static str),
    /// The host does not resolve.
    #[error("has a host that does not resolve to a public address")]
    Unresolved,
    /// The host is, or resolves to, an address that is not public.
    #[error("points to a private, loopback or otherwise reserved address, which is not allowed")]
    Address(IpAddr),
}

impl Refusal {
    /// The coarse class the delivery log shows for it.
    pub fn class(&self) -> &'static str {
        match self {
            Refusal::Url(_) => "refused_url",
            Refusal::Unresolved => "dns_failed",
            Refusal::Address(_) => "refused_address",
        }
    }
}

/// A subscriber URL, parsed once; what is stored and what is requested is
/// [`WebhookUrl::as_str`], the parser's normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    /// Parses a subscriber URL. Refuses anything two URL readers might read
    /// differently: backslashes, whitespace and control characters,
    /// credentials, and schemes other than http and https. When
    /// `allow_private` is false, a literal address host (in any of its
    /// numeric spellings, which the parser normalises) must be public; a
    /// resolver never sees literal hosts, so this is their only check.
    pub fn parse(raw: &str, allow_private: bool) -> Result<WebhookUrl, Refusal> {
        const SHAPE: &str = "must be an absolute http:// or https:// URL with a host, without credentials, backslashes, spaces or control characters";
        if raw.len() > MAX_URL_LEN {
            return Err(Refusal::Url("must be at most 2000 characters"));
        }
        if raw
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        {
            return Err(Refusal::Url(SHAPE));
        }
        // `http:host` and `http:///host` parse with a host here, but not in
        // every reader: ask for exactly two slashes before the host.
        match raw.split_once("://") {
            Some((_, rest)) if !rest.is_empty() && !rest.starts_with('/') => {}
            _ => return Err(Refusal::Url(SHAPE)),
        }
        let parsed = url::Url::parse(raw).map_err(|e| match e {
            url::ParseError::InvalidPort => Refusal::Url("has an invalid port"),
            _ => Refusal::Url(SHAPE),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Refusal::Url("must be an http:// or https:// URL"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Refusal::Url(SHAPE));
        }
        let literal = match parsed.host() {
            None => return Err(Refusal::Url(SHAPE)),
            Some(url::Host::Domain(_)) => None,
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        };
        if let Some(ip) = literal.filter(|ip| !allow_private && is_forbidden(*ip)) {
            return Err(Refusal::Address(ip));
        }
        Ok(WebhookUrl(parsed))
    }

    /// The URL in normal form.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host name to resolve; `None` for a literal address.
    pub fn domain(&self) -> Option<&str> {
        self.0.domain()
    }
}

/// Looks a host name up; a seam so tests can answer what they like.
pub trait Lookup: Send + Sync {
    /// The addresses of `host`.
    fn lookup(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>>;
}

/// The system's resolver (`getaddrinfo`, through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// The addresses of `host`, all of them public unless `allow_private`: one
/// forbidden address refuses the name (a name that answers both is not one
/// to trust with the other either).
pub async fn resolve(
    lookup: &dyn Lookup,
    host: &str,
    allow_private: bool,
) -> Result<Vec<IpAddr>, Refusal> {
    let addresses = lookup.lookup(host).await.map_err(|_| Refusal::Unresolved)?;
    if addresses.is_empty() {
        return Err(Refusal::Unresolved);
    }
    if let Some(ip) = addresses
        .iter()
        .copied()
        .find(|ip| !allow_private && is_forbidden(*ip))
    {
        return Err(Refusal::Address(ip));
    }
    Ok(addresses)
}

/// Parses `raw` and, for a host name, resolves it: what the api checks when a
/// subscription is made.
pub async fn check(
    lookup: &dyn Lookup,
    raw: &str,
    allow_private: bool,
) -> Result<WebhookUrl, Refusal> {
    let url = WebhookUrl::parse(raw, allow_private)?;
    if let Some(host) = url.domain() {
        resolve(lookup, host, allow_private).await?;
    }
    Ok(url)
}

/// A shared system lookup.
pub fn system_lookup() -> Arc<dyn Lookup> {
    Arc::new(SystemLookup)
}

/// Whether an address is one webhooks must not reach: anything but a public
/// unicast address, and the IPv6 forms that carry such an IPv4 address
/// (mapped, compatible, NAT64, 6to4).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, network: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(network)) & mask
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    const RANGES: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // carrier-grade NAT
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local (cloud metadata lives here)
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and broadcast
    ];
    RANGES
        .iter()
        .any(|(network, prefix)| in_v4(ip, *network, *prefix))
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d (:: and ::1
    // embed 0.0.0.0/8, forbidden too).
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) {
        return is_forbidden_v4(embedded(s[6], s[7]));
    }
    // NAT64 64:ff9b::a.b.c.d
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_forbidden_v4(embedded(s[6], s[7]));
    }
    // 6to4 2002:aabb:ccdd::/48 carries a.b.c.d
    if s[0] == 0x2002 {
        return is_forbidden_v4(embedded(s[1], s[2]));
    }
    let prefix_is = |network: u128, prefix: u32| {
        let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
        u128::from(ip) & mask == network & mask
    };
    const RANGES: &[(u128, u32)] = &[
        (0x0064_ff9b_0001 << 80, 48), // local-use NAT64
        (0x0100 << 112, 64),          // discard-only
        (0x2001_0000 << 96, 32),      // Teredo (hides an IPv4 address)
        (0x2001_0db8 << 96, 32),      // documentation
        (0xfc00 << 112, 7),           // unique local
        (0xfe80 << 112, 10),          // link-local
        (0xfec0 << 112, 10),          // site-local (deprecated)
        (0xff00 << 112, 8),           // multicast
    ];
    RANGES
        .iter()
        .any(|(network, prefix)| prefix_is(*network, *prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_non_public_address_form_is_forbidden() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.0.9",
            "169.254.169.254",
            "172.16.5.4",
            "172.31.255.255",
            "192.0.0.8",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2002:a9fe:a9fe::1",
            "2001::1",
            "2001:db8::1",
        ] {
            assert!(
                is_forbidden(ip.parse().expect(ip)),
                "{ip} must be forbidden"
            );
        }
    }

    #[test]
    fn public_addresses_and_their_ipv6_forms_are_allowed() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "103.10.20.30",
            "172.32.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!is_forbidden(ip.parse().expect(ip)), "{ip} must be allowed");
        }
    }

    #[test]
    fn urls_that_readers_could_disagree_about_are_refused() {
        for raw in [
            "http://127.0.0.1\\x.example.com/hook",
            "http://example.com\\@127.0.0.1/",
            "http://example.com/a b",
            "http://exa\tmple.com/",
            "http://example.com/\u{0}",
            "http://example.com/\r\nHost: x",
            "http://user@example.com/",
            "http://user:pw@example.com/",
            "http://:pw@example.com/",
            "ftp://example.com/",
            "file:///etc/passwd",
            "gopher://example.com/",
            "javascript:alert(1)",
            "/relative/only",
            "http:///nohost",
            "http:example.com/",
            "http:/example.com/",
            "http://example.com:99999/",
        ] {
            let refused = WebhookUrl::parse(raw, true);
            assert!(
                matches!(refused, Err(Refusal::Url(_))),
                "{raw:?}: {refused:?}"
            );
        }
        assert!(WebhookUrl::parse(&format!("https://e.com/{}", "a".repeat(2000)), true).is_err());
    }

    #[test]
    fn literal_hosts_are_checked_in_every_numeric_spelling() {
        for raw in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://[fe80::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://198.18.0.1/",
            "http://240.0.0.1/",
            "http://224.0.0.1/",
        ] {
            let refused = WebhookUrl::parse(raw, false);
            assert!(
                matches!(refused, Err(Refusal::Address(_))),
                "{raw}: {refused:?}"
            );
            assert!(WebhookUrl::parse(raw, true).is_ok(), "{raw} when allowed");
        }
        let ok = WebhookUrl::parse("HTTPS://8.8.8.8:8443/hook?x=1", false).expect("public");
        assert_eq!(ok.as_str(), "https://8.8.8.8:8443/hook?x=1");
        assert_eq!(ok.domain(), None);
        let named = WebhookUrl::parse("https://Partner.Example/sigap", false).expect("named");
        assert_eq!(named.domain(), Some("partner.example"));
    }

    struct Answer(Vec<IpAddr>);

    impl Lookup for Answer {
        fn lookup(&self, _: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
            let answer = self.0.clone();
            Box::pin(async move { Ok(answer) })
        }
    }

    #[tokio::test]
    async fn a_name_is_refused_when_any_of_its_addresses_is_forbidden() {
        let public: IpAddr = "8.8.8.8".parse().expect("ip");
        let loopback: IpAddr = "127.0.0.1".parse().expect("ip");
        let mixed = Answer(vec![public, loopback]);
        assert_eq!(
            resolve(&mixed, "x.example", false).await,
            Err(Refusal::Address(loopback))
        );
        assert!(resolve(&mixed, "x.example", true).await.is_ok());
        assert_eq!(
            resolve(&Answer(vec![]), "x.example", false).await,
            Err(Refusal::Unresolved)
        );
        assert_eq!(
            check(&Answer(vec![public]), "https://x.example/hook", false)
                .await
                .map(|u| u.as_str().to_owned()),
            Ok("https://x.example/hook".to_owned())
        );
        assert!(matches!(
            check(&Answer(vec![public]), "http://2130706433/", false).await,
            Err(Refusal::Address(_))
        ));
    }
}
