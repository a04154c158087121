//! 1,000 concurrent wrong-password logins against a real server on loopback, in this process:
//! the password checks run on a bounded pool, so the resident memory of the process (server
//! and clients) stays under 512 MiB, every request gets a clear answer, and the server still
//! lets the right password in afterwards.
//!
//! The limits per username and address are switched off for the first flood, so that every
//! request reaches the password pool (the worst case); the second flood uses the defaults.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use xuncha_e2e::TestServer;
use xuncha_server::ServerConfig;
use xuncha_server::auth::login_limit::LoginPolicy;

const FLOOD: usize = 1_000;
const LIMIT_KIB: u64 = 512 * 1024;

/// `VmRSS` or `VmHWM` (peak) of this process, in KiB.
fn vm(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    line.trim_start_matches(field).trim_start_matches(':').trim().trim_end_matches("kB").trim().parse().unwrap()
}

/// Fires `FLOOD` concurrent wrong logins (known and unknown usernames); statuses by count.
fn flood(url: &str) -> BTreeMap<u16, usize> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let tasks: Vec<_> = (0..FLOOD)
            .map(|i| {
                let client = client.clone();
                let url = format!("{url}/v1/login");
                let username = if i % 2 == 0 { "chen".to_owned() } else { format!("nobody-{i}") };
                tokio::spawn(async move {
                    let body = serde_json::json!({"username": username, "password": format!("wrong-{i}")});
                    match client.post(&url).json(&body).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body: serde_json::Value = r.json().await.unwrap_or_default();
                            assert!(body["code"].is_string() && body["message"].is_string(), "{status} {body}");
                            status
                        }
                        Err(e) => panic!("no answer: {e}"),
                    }
                })
            })
            .collect();
        let mut statuses = BTreeMap::new();
        for t in tasks {
            *statuses.entry(t.await.unwrap()).or_default() += 1;
        }
        statuses
    })
}

#[test]
fn a_thousand_concurrent_wrong_logins_stay_under_512_mib() {
    let unlimited = LoginPolicy {
        attempts_per_minute_per_address: 1_000_000,
        free_failures: 1_000_000,
        free_failures_per_address: 1_000_000,
        lockout_after: 1_000_000,
        ..LoginPolicy::default()
    };
    let t = TestServer::start_with(&ServerConfig { login: unlimited.clone(), ..ServerConfig::default() });
    let before = vm("VmRSS");
    let started = Instant::now();
    let statuses = flood(&t.url());
    let took = started.elapsed();
    let peak = vm("VmHWM");
    println!(
        "{FLOOD} concurrent wrong logins, no per-user limits: {statuses:?} in {took:?}; \
         RSS before {} MiB, peak {} MiB, now {} MiB; {} password checks at once",
        before / 1024,
        peak / 1024,
        vm("VmRSS") / 1024,
        unlimited.concurrent_checks
    );
    assert_eq!(statuses.values().sum::<usize>(), FLOOD);
    assert!(statuses.keys().all(|s| [401, 503].contains(s)), "wrong passwords or busy only: {statuses:?}");
    assert!(statuses.get(&401).copied().unwrap_or(0) >= unlimited.concurrent_checks, "checks ran: {statuses:?}");
    assert!(peak < LIMIT_KIB, "peak resident memory {} MiB is over 512 MiB", peak / 1024);
    // The server is well: the right password gets in.
    t.login("chen", "supervisor-demo-2026");

    // With the default limits, the flood is mostly turned away before any check.
    let t = TestServer::start();
    let statuses = flood(&t.url());
    let peak = vm("VmHWM");
    println!("{FLOOD} concurrent wrong logins, default limits: {statuses:?}; peak {} MiB", peak / 1024);
    assert!(statuses.keys().all(|s| [401, 429, 503].contains(s)), "{statuses:?}");
    assert!(statuses.get(&429).copied().unwrap_or(0) > FLOOD / 2, "most were limited: {statuses:?}");
    assert!(peak < LIMIT_KIB, "peak resident memory {} MiB is over 512 MiB", peak / 1024);
}
