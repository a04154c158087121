//! The public tip form's limits on a real server: per address and per reporter, never for
//! everyone at once. `X-Forwarded-For` counts only from a configured trusted proxy, and IPv6
//! clients are limited per /64. Clients bind distinct loopback addresses (127.0.0.x).

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::json;
use std::net::IpAddr;
use xuncha_server::console::{TIPS_PER_ADDRESS, TIPS_PER_REPORTER};
use xuncha_server::{Running, ServerConfig};

struct Env {
    server: Running,
    _dir: tempfile::TempDir,
}

fn start(trusted_proxies: &[&str]) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        trusted_proxies: trusted_proxies.iter().map(|p| p.parse().unwrap()).collect(),
        ..ServerConfig::default()
    };
    let server = xuncha_server::start_with(&dir.path().join("server"), "127.0.0.1:0", &config).unwrap();
    Env { server, _dir: dir }
}

fn from(n: u8) -> Client {
    Client::builder().local_address(IpAddr::from([127, 0, 0, n])).build().unwrap()
}

impl Env {
    /// Sends a tip; the status.
    fn tip(&self, client: &Client, forwarded_for: Option<&str>, reporter: Option<&str>) -> StatusCode {
        let mut body = json!({"area": "qs-yx-gx-hq", "description": "荷桥花园2栋周末有学生补课"});
        if let Some(r) = reporter {
            body["reporter"] = json!(r);
        }
        let mut r = client.post(format!("{}/v1/tips", self.server.url())).json(&body);
        if let Some(xff) = forwarded_for {
            r = r.header("x-forwarded-for", xff);
        }
        r.send().unwrap().status()
    }
}

#[test]
fn spoofed_addresses_from_an_untrusted_peer_do_not_close_the_form_for_others() {
    let env = start(&[]);
    let attacker = from(1);
    let mut accepted = 0;
    let mut limited = 0;
    for i in 0..10_000u32 {
        let spoofed = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 0xff, i & 0xff);
        let reporter = format!("{:032x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15);
        match env.tip(&attacker, Some(&spoofed), Some(&reporter)) {
            StatusCode::CREATED => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("tip {i}: {other}"),
        }
    }
    println!("10,000 tips with spoofed X-Forwarded-For and reporters: {accepted} accepted, {limited} limited");
    assert_eq!(accepted, TIPS_PER_ADDRESS as usize, "the attacker's one address got its quota, no more");
    // An honest neighbour is not affected.
    assert_eq!(env.tip(&from(2), None, None), StatusCode::CREATED);
    // Without a reporter id, one address is one reporter.
    let office = from(3);
    for _ in 0..TIPS_PER_REPORTER {
        assert_eq!(env.tip(&office, None, None), StatusCode::CREATED);
    }
    assert_eq!(env.tip(&office, None, None), StatusCode::TOO_MANY_REQUESTS);
    // A second browser in that office still can.
    assert_eq!(env.tip(&office, None, Some("0123456789abcdef0123456789abcdef")), StatusCode::CREATED);
    // A malformed reporter id is refused.
    assert_eq!(env.tip(&from(4), None, Some("../../etc")), StatusCode::BAD_REQUEST);
}

#[test]
fn a_trusted_proxys_clients_are_limited_one_by_one() {
    let env = start(&["127.0.0.1"]);
    let proxy = from(1);
    for _ in 0..TIPS_PER_REPORTER {
        assert_eq!(env.tip(&proxy, Some("203.0.113.7"), None), StatusCode::CREATED);
    }
    assert_eq!(env.tip(&proxy, Some("203.0.113.7"), None), StatusCode::TOO_MANY_REQUESTS);
    // What the client wrote to the left of the proxy's entry is not believed.
    assert_eq!(env.tip(&proxy, Some("198.51.100.1, 203.0.113.7"), None), StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not affected.
    assert_eq!(env.tip(&proxy, Some("203.0.113.8"), None), StatusCode::CREATED);
    // A peer that is not the proxy cannot choose its address by the header.
    let direct = from(2);
    for _ in 0..TIPS_PER_REPORTER {
        assert_eq!(env.tip(&direct, Some("203.0.113.50"), None), StatusCode::CREATED);
    }
    assert_eq!(env.tip(&direct, Some("203.0.113.51"), None), StatusCode::TOO_MANY_REQUESTS);
}

#[test]
fn two_ipv6_addresses_in_one_64_share_a_limit() {
    let env = start(&["127.0.0.1"]);
    let proxy = from(1);
    for i in 0..TIPS_PER_REPORTER {
        assert_eq!(env.tip(&proxy, Some(&format!("2001:db8:1:2::{i:x}")), None), StatusCode::CREATED);
    }
    assert_eq!(env.tip(&proxy, Some("2001:db8:1:2:ffff:ee:dd:cc"), None), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(env.tip(&proxy, Some("[2001:db8:1:2::99]:443"), None), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(env.tip(&proxy, Some("2001:db8:1:3::1"), None), StatusCode::CREATED, "the next /64 is another");
}
