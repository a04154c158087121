//! Console login against a real server on loopback: guessing is limited per username and per
//! address with backoff and a lockout an admin can lift, unknown usernames cost the same time
//! as known ones, and sessions end when idle, after an absolute limit, and beyond a bound.
//! Clients bind distinct loopback addresses (127.0.0.x) to stand for different people.

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use xuncha_server::auth::login_limit::LoginPolicy;
use xuncha_server::auth::sessions::SessionPolicy;
use xuncha_server::{Running, ServerConfig};

const CHEN: (&str, &str) = ("chen", "supervisor-demo-2026");
const ADMIN: (&str, &str) = ("admin", "admin-demo-2026");

struct Env {
    server: Running,
    _dir: tempfile::TempDir,
}

fn start(config: ServerConfig) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let server = xuncha_server::start_with(&dir.path().join("server"), "127.0.0.1:0", &config).unwrap();
    xuncha_server::demo::seed(&server.state).unwrap();
    Env { server, _dir: dir }
}

/// A client whose requests come from `127.0.0.{n}`.
fn from(n: u8) -> Client {
    Client::builder().local_address(IpAddr::from([127, 0, 0, n])).build().unwrap()
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    fn login(&self, client: &Client, (user, password): (&str, &str)) -> Response {
        client.post(self.url("/v1/login")).json(&json!({"username": user, "password": password})).send().unwrap()
    }

    fn token(&self, client: &Client, who: (&str, &str)) -> String {
        let r = self.login(client, who);
        assert_eq!(r.status(), StatusCode::OK, "login {}", who.0);
        r.json::<Value>().unwrap()["token"].as_str().unwrap().to_owned()
    }

    fn me(&self, client: &Client, token: &str) -> Response {
        client.get(self.url("/v1/me")).bearer_auth(token).send().unwrap()
    }
}

fn code(r: Response) -> (StatusCode, String) {
    let status = r.status();
    let body: Value = r.json().unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn a_hundred_wrong_passwords_lock_the_account_until_an_admin_lifts_it() {
    let env = start(ServerConfig::default());
    let (attacker, honest, admin_pc) = (from(1), from(2), from(3));
    let admin = env.token(&admin_pc, ADMIN);

    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..100 {
        let r = env.login(&attacker, (CHEN.0, &format!("guess-{i}")));
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"), "a refusal says when to retry");
        }
        *statuses.entry(r.status().as_u16()).or_default() += 1;
    }
    println!("100 wrong passwords: {statuses:?}");
    assert_eq!(statuses.keys().copied().collect::<Vec<_>>(), vec![401, 429], "only refusals");
    assert!(statuses[&401] <= 5, "at most the free failures were checked: {statuses:?}");

    // The right password, from another address: the account is locked, not just the attacker.
    let r = env.login(&honest, CHEN);
    let (status, c) = code(r);
    assert_eq!((status, c.as_str()), (StatusCode::TOO_MANY_REQUESTS, "login_locked"));
    assert!(env.server.state.login_limits.is_locked("chen"));
    // An unknown username locks the same way: a lockout tells nothing about existence.
    for i in 0..30 {
        env.login(&attacker, ("nobody-here", &format!("guess-{i}")));
    }
    assert_eq!(code(env.login(&honest, ("nobody-here", "x"))).1, "login_locked");

    // Only an admin can lift it, for a user that exists.
    let unlock = |token: Option<&str>, user: &str| {
        let mut r = admin_pc.post(env.url(&format!("/v1/admin/users/{user}/unlock")));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().unwrap()
    };
    assert_eq!(unlock(None, "chen").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unlock(Some(&admin), "no-such-user").status(), StatusCode::NOT_FOUND);
    assert_eq!(code(env.login(&honest, CHEN)).1, "login_locked", "still locked");
    let r: Value = unlock(Some(&admin), "chen").json().unwrap();
    assert_eq!((r["unlocked"].as_bool(), r["was_limited"].as_bool()), (Some(true), Some(true)), "{r}");
    let chen = env.token(&honest, CHEN);
    assert_eq!(env.me(&honest, &chen).status(), StatusCode::OK);
    // A supervisor may not unlock.
    assert_eq!(unlock(Some(&chen), "admin").status(), StatusCode::FORBIDDEN);
    // The attacker's address is still held back, for any username.
    assert_eq!(env.login(&attacker, ADMIN).status(), StatusCode::TOO_MANY_REQUESTS);
}

#[test]
fn a_lockout_passes_by_itself_and_backoff_doubles() {
    let login = LoginPolicy {
        free_failures: 2,
        backoff_base: Duration::from_millis(1000),
        lockout_after: 6,
        lockout: Duration::from_millis(3000),
        ..LoginPolicy::default()
    };
    let env = start(ServerConfig { login, ..ServerConfig::default() });
    let (attacker, honest) = (from(1), from(2));
    // Two free failures, then a wait of 1 s, then 2 s, then 4 s.
    assert_eq!(env.login(&attacker, (CHEN.0, "bad")).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(env.login(&attacker, (CHEN.0, "bad")).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(env.login(&honest, CHEN)).1, "login_throttled", "even the right password waits");
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(env.login(&attacker, (CHEN.0, "bad")).status(), StatusCode::UNAUTHORIZED, "after the wait");
    assert_eq!(code(env.login(&attacker, (CHEN.0, "bad"))).1, "login_throttled");
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(code(env.login(&attacker, (CHEN.0, "bad"))).1, "login_throttled", "the wait doubled to 4 s");
    // That was the sixth failure: it locks; the right password is refused until it passes.
    let (status, c) = code(env.login(&attacker, (CHEN.0, "bad")));
    assert_eq!((status, c.as_str()), (StatusCode::TOO_MANY_REQUESTS, "login_locked"));
    assert_eq!(code(env.login(&honest, CHEN)).1, "login_locked");
    std::thread::sleep(Duration::from_millis(3100));
    let chen = env.token(&honest, CHEN);
    assert_eq!(env.me(&honest, &chen).status(), StatusCode::OK);
}

/// A known user with a wrong password, an unknown username, and a field account without a
/// password all run one argon2 check, so their login times match. The three are sampled in
/// turn, round by round, so that load from elsewhere (other tests, other processes on a small
/// machine) falls on all of them alike, and compared as ratios of medians: skipping the hash
/// for unknown users makes theirs a small fraction of the known user's; load does not.
#[test]
fn unknown_and_known_usernames_take_the_same_time() {
    let login = LoginPolicy {
        attempts_per_minute_per_address: 10_000,
        free_failures: 10_000,
        free_failures_per_address: 10_000,
        lockout_after: 10_000,
        ..LoginPolicy::default()
    };
    let env = start(ServerConfig { login, ..ServerConfig::default() });
    let client = from(1);
    let users = ["chen", "no-such-user", "lin"];
    let mut samples: [Vec<Duration>; 3] = Default::default();
    env.login(&client, ("warm-up", "x"));
    for round in 0..21 {
        // A different order each round, so no user always goes first after a pause.
        for k in 0..users.len() {
            let i = (round + k) % users.len();
            let started = Instant::now();
            let r = env.login(&client, (users[i], &format!("wrong-{round}")));
            samples[i].push(started.elapsed());
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", users[i]);
        }
    }
    let [known, unknown, no_password] = samples.map(|mut times| {
        times.sort();
        times[times.len() / 2]
    });
    println!("login medians: known {known:?}, unknown {unknown:?}, no password {no_password:?}");
    for (what, t) in [("unknown", unknown), ("no password", no_password)] {
        let ratio = t.as_secs_f64() / known.as_secs_f64();
        assert!((0.5..=2.0).contains(&ratio), "{what} vs known: {t:?} vs {known:?} (ratio {ratio:.2})");
    }
    assert!(unknown > Duration::from_millis(2), "an argon2 check ran for the unknown user: {unknown:?}");
}

#[test]
fn sessions_end_when_idle_and_after_the_absolute_limit() {
    let sessions = SessionPolicy {
        idle: Duration::from_millis(1500),
        absolute: Duration::from_millis(2500),
        ..SessionPolicy::default()
    };
    let env = start(ServerConfig { sessions, ..ServerConfig::default() });
    let client = from(1);
    let idle = env.token(&client, CHEN);
    let busy = env.token(&client, ADMIN);
    // Used every 400 ms, a session outlives the idle timeout but not the absolute one.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2000) {
        assert_eq!(env.me(&client, &busy).status(), StatusCode::OK, "at {:?}", started.elapsed());
        std::thread::sleep(Duration::from_millis(400));
    }
    let (status, c) = code(env.me(&client, &idle));
    assert_eq!((status, c.as_str()), (StatusCode::UNAUTHORIZED, "session_expired"), "idle for 2 s");
    std::thread::sleep(Duration::from_millis(2600).saturating_sub(started.elapsed()));
    assert_eq!(code(env.me(&client, &busy)).1, "session_expired", "past the absolute limit");
    // An ended session is gone: the same token is then simply not valid.
    assert_eq!(code(env.me(&client, &busy)).0, StatusCode::UNAUTHORIZED);
    assert_eq!(env.server.state.sessions.len(), 0);
    // And the console refuses it like any other.
    let r = client.get(env.url("/v1/console/meta")).bearer_auth(&idle).send().unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn sessions_are_bounded_per_user_and_in_total() {
    let sessions = SessionPolicy { per_user: 2, max: 3, ..SessionPolicy::default() };
    let env = start(ServerConfig { sessions, ..ServerConfig::default() });
    let client = from(1);
    let ok = |t: &str| env.me(&client, t).status() == StatusCode::OK;
    let c1 = env.token(&client, CHEN);
    let c2 = env.token(&client, CHEN);
    let c3 = env.token(&client, CHEN);
    assert!(!ok(&c1), "a third sign-in ends the oldest of two");
    assert!(ok(&c2) && ok(&c3));
    let a1 = env.token(&client, ADMIN);
    assert!(ok(&c3) && ok(&a1));
    // Full (3): the least recently used session (c2) makes room.
    let a2 = env.token(&client, ADMIN);
    assert!(!ok(&c2));
    assert!(ok(&c3) && ok(&a1) && ok(&a2));
    assert_eq!(env.server.state.sessions.len(), 3);
    // Signing out ends the session at once.
    let r = client.post(env.url("/v1/console/logout")).bearer_auth(&a2).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!ok(&a2));
}

/// Many sign-ins from one office address are not a failure streak.
#[test]
fn an_office_signing_in_is_not_throttled() {
    let env = start(ServerConfig::default());
    let office = from(1);
    for _ in 0..25 {
        env.token(&office, CHEN);
    }
}
