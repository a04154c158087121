//! Where a request comes from, for per-address limits (login, tips).
//!
//! The TCP peer's address, unless the peer is a configured trusted reverse proxy: then the
//! address that proxy appended to `X-Forwarded-For` (entries to its left were written by the
//! client and are ignored). Anyone else's `X-Forwarded-For` is ignored. IPv6 clients are keyed
//! by their /64, since one subscriber is usually given a whole /64.

use crate::state::SharedState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The limit key of the caller's address; None when the server runs without connect info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<SharedState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Infallible> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip());
        Ok(ClientAddr(peer.map(|p| limit_key(client_ip(p, &parts.headers, &state.trusted_proxies)))))
    }
}

/// The client's address: `peer`, or what a trusted proxy says in `X-Forwarded-For`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| t.to_canonical() == ip.to_canonical());
    if !is_trusted(&peer) {
        return peer;
    }
    // Right to left: each trusted proxy appended the address it was called from.
    let mut hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .flat_map(|v| v.to_str().unwrap_or_default().rsplit(',').map(str::trim).collect::<Vec<_>>().into_iter());
    let mut at = peer;
    while is_trusted(&at) {
        match hops.next().and_then(parse_hop) {
            Some(ip) => at = ip,
            // Nothing more (or garbage) from a trusted proxy: the nearest trusted address.
            None => return at,
        }
    }
    at
}

/// `1.2.3.4`, `2001:db8::1`, or either with a port (`1.2.3.4:5678`, `[2001:db8::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4 addresses as they are (IPv4-mapped IPv6 included); IPv6 by their /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let h = xff(&["1.1.1.1, 203.0.113.9"]);
        assert_eq!(client_ip(client, &h, &[proxy]), client, "an untrusted peer's header is ignored");
        assert_eq!(client_ip(proxy, &h, &[proxy]), client, "the proxy's own entry, not the spoofed one");
        assert_eq!(client_ip(proxy, &xff(&["1.1.1.1", "203.0.113.9:443"]), &[proxy]), client);
        assert_eq!(client_ip(proxy, &xff(&["nonsense"]), &[proxy]), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
        let inner: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(client_ip(proxy, &xff(&["6.6.6.6, 203.0.113.9, 10.0.0.2"]), &[proxy, inner]), client);
    }

    #[test]
    fn ipv6_is_keyed_per_64() {
        let a = limit_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = limit_key("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = limit_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(limit_key("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
