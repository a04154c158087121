//! An in-process TCP fault proxy on 127.0.0.1, put between phones and the server.
//!
//! For the k-th accepted connection (0-based) a plan decides what goes wrong: nothing, a
//! delay, a drop (closed before anything is forwarded), a cut after N bytes of the request
//! stream or of the response stream, or a truncated response (the headers and only part of
//! the body of the first response, then a clean close). Phones keep connections alive, so one
//! connection may carry a whole sync; byte counts are counted over the connection's stream.
//!
//! Bounded: the accept loop polls a stop flag every few milliseconds, every pump loop has a
//! deadline and a read timeout, at most `MAX_CONNECTIONS` are served, and dropping the proxy
//! stops it and joins its threads.

use crate::loopback::Acceptor;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Connections served before the proxy refuses more (a runaway retry loop ends here).
pub const MAX_CONNECTIONS: usize = 10_000;
/// Longest a single connection is kept open.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(5);
const READ_TIMEOUT: Duration = Duration::from_millis(100);

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Forward both ways untouched.
    None,
    /// Hold the first bytes of each direction for this long, then forward.
    Delay(Duration),
    /// Hold every read of either direction this long: a slow link.
    Slow(Duration),
    /// Close the phone's connection before anything reaches the server.
    Drop,
    /// Forward this many bytes of the request stream, then close both sides.
    CutRequest(u64),
    /// Forward the whole request stream, but only this many bytes of the response stream.
    CutResponse(u64),
    /// Forward the first response's headers and this fraction (0..1) of its body, then close.
    TruncateResponse(f64),
}

/// Bytes and connections seen by the proxy.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes forwarded from phones to the server.
    pub up: AtomicU64,
    /// Bytes forwarded from the server to phones.
    pub down: AtomicU64,
    pub connections: AtomicUsize,
    /// Connections a fault other than `None`/`Delay` actually hit.
    pub faults_applied: AtomicUsize,
}

pub struct FaultProxy {
    counters: Arc<Counters>,
    acceptor: Acceptor,
}

impl FaultProxy {
    /// A proxy in front of `upstream` (host:port) that applies `plan(k)` to connection k.
    pub fn start(upstream: SocketAddr, plan: impl Fn(usize) -> Fault + Send + Sync + 'static) -> FaultProxy {
        let counters = Arc::new(Counters::default());
        let acceptor = {
            let counters = counters.clone();
            Acceptor::start(POLL, MAX_CONNECTIONS, move |k, phone, stop| {
                let fault = plan(k);
                counters.connections.fetch_add(1, Ordering::SeqCst);
                let (stop, counters) = (stop.clone(), counters.clone());
                vec![std::thread::spawn(move || serve(phone, upstream, fault, &stop, &counters))]
            })
        };
        FaultProxy { counters, acceptor }
    }

    /// The same fault for every connection.
    pub fn uniform(upstream: SocketAddr, fault: Fault) -> FaultProxy {
        FaultProxy::start(upstream, move |_| fault)
    }

    /// Faults drawn from a seeded generator for the first `faulty` connections, then none.
    /// Each of those is dropped, cut in its request stream (below `max_offset`), cut in its
    /// response stream, or has its first response truncated, after a random short delay.
    /// (A phone keeps a healthy connection alive, so faults are given to connections that
    /// end, until the budget is spent.)
    pub fn seeded(upstream: SocketAddr, seed: u64, faulty: usize, max_offset: u64) -> FaultProxy {
        FaultProxy::start(upstream, move |k| seeded_fault(seed, k, faulty, max_offset))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.acceptor.addr())
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// (up, down) bytes forwarded so far.
    pub fn bytes(&self) -> (u64, u64) {
        (self.counters.up.load(Ordering::SeqCst), self.counters.down.load(Ordering::SeqCst))
    }

    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }

    pub fn faults_applied(&self) -> usize {
        self.counters.faults_applied.load(Ordering::SeqCst)
    }
}

/// A tiny deterministic generator (SplitMix64), so plans need no dependency.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The fault `seeded` gives connection k.
pub fn seeded_fault(seed: u64, k: usize, faulty: usize, max_offset: u64) -> Fault {
    if k >= faulty {
        return Fault::None;
    }
    let mut x = SplitMix(seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match x.next_u64() % 4 {
        0 => Fault::Drop,
        1 => Fault::CutRequest(x.next_u64() % max_offset.max(1)),
        2 => Fault::CutResponse(x.next_u64() % 4096),
        _ => Fault::TruncateResponse(x.unit()),
    }
}

fn serve(phone: TcpStream, upstream: SocketAddr, fault: Fault, stop: &AtomicBool, counters: &Counters) {
    let _ = phone.set_nonblocking(false);
    if fault == Fault::Drop {
        counters.faults_applied.fetch_add(1, Ordering::SeqCst);
        let _ = phone.shutdown(Shutdown::Both);
        return;
    }
    let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
        let _ = phone.shutdown(Shutdown::Both);
        return;
    };
    for s in [&phone, &server] {
        let _ = s.set_read_timeout(Some(READ_TIMEOUT));
        let _ = s.set_nodelay(true);
    }
    let (delay, slow) = match fault {
        Fault::Delay(d) => (d, Duration::ZERO),
        Fault::Slow(d) => (Duration::ZERO, d),
        _ => (Duration::ZERO, Duration::ZERO),
    };
    let (up_limit, down_limit, truncate) = match fault {
        Fault::CutRequest(n) => (Some(n), None, None),
        Fault::CutResponse(n) => (None, Some(n), None),
        Fault::TruncateResponse(f) => (None, None, Some(f.clamp(0.0, 1.0))),
        _ => (None, None, None),
    };
    let deadline = Instant::now() + CONNECTION_DEADLINE;
    let done = AtomicBool::new(false);
    let (Ok(phone2), Ok(server2)) = (phone.try_clone(), server.try_clone()) else { return };
    std::thread::scope(|scope| {
        let up = Pump {
            from: &phone,
            to: &server2,
            limit: up_limit,
            truncate: None,
            delay,
            slow,
            deadline,
            stop,
            done: &done,
            counter: &counters.up,
            faults: &counters.faults_applied,
        };
        let down = Pump {
            from: &server,
            to: &phone2,
            limit: down_limit,
            truncate,
            delay,
            slow,
            deadline,
            stop,
            done: &done,
            counter: &counters.down,
            faults: &counters.faults_applied,
        };
        scope.spawn(move || up.run());
        down.run();
    });
    let _ = phone.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
}

/// One direction of a connection.
struct Pump<'a> {
    from: &'a TcpStream,
    to: &'a TcpStream,
    /// Cut both sides after forwarding this many bytes.
    limit: Option<u64>,
    /// Forward the first HTTP response's headers and this fraction of its body, then close.
    truncate: Option<f64>,
    delay: Duration,
    slow: Duration,
    deadline: Instant,
    stop: &'a AtomicBool,
    /// Set when either side ends: the other stops too.
    done: &'a AtomicBool,
    counter: &'a AtomicU64,
    faults: &'a AtomicUsize,
}

impl Pump<'_> {
    fn run(self) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut forwarded: u64 = 0;
        let mut delayed = self.delay.is_zero();
        // For truncation: what is seen of the first response, until its cut point is known.
        let mut head: Vec<u8> = Vec::new();
        let mut truncate_at: Option<u64> = None;
        while Instant::now() < self.deadline && !self.stop.load(Ordering::SeqCst) && !self.done.load(Ordering::SeqCst) {
            let n = match (&*self.from).read(&mut buf) {
                Ok(0) => {
                    // A clean end of this direction: pass the half-close on, keep the other.
                    let _ = self.to.shutdown(Shutdown::Write);
                    return;
                }
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
                Err(_) => break,
            };
            if !delayed || !self.slow.is_zero() {
                let until = Instant::now() + self.delay + self.slow;
                while Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
                    std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
                }
                delayed = true;
            }
            let mut chunk = &buf[..n];
            if let Some(fraction) = self.truncate
                && truncate_at.is_none()
            {
                head.extend_from_slice(chunk);
                truncate_at = response_cut(&head, fraction).map(|at| forwarded + at);
                if truncate_at.is_none() && head.len() < 64 * 1024 {
                    continue; // hold bytes back until the headers are complete
                }
                chunk = &head[..];
            }
            let cut = match (self.limit, truncate_at) {
                (Some(l), _) => Some(l),
                (None, Some(t)) => Some(t),
                _ => None,
            };
            let mut take = chunk.len() as u64;
            let mut hit = false;
            if let Some(c) = cut
                && forwarded + take >= c
            {
                take = c.saturating_sub(forwarded);
                hit = true;
            }
            let data = &chunk[..take as usize];
            if !data.is_empty() && (&*self.to).write_all(data).is_err() {
                break;
            }
            forwarded += take;
            self.counter.fetch_add(take, Ordering::SeqCst);
            if truncate_at.is_some() {
                head.clear();
            }
            if hit {
                self.faults.fetch_add(1, Ordering::SeqCst);
                break;
            }
        }
        self.done.store(true, Ordering::SeqCst);
        let _ = self.to.shutdown(Shutdown::Both);
        let _ = self.from.shutdown(Shutdown::Both);
    }
}

/// Where to cut the first HTTP response in `head` (bytes from its start): after the headers
/// and `fraction` of the Content-Length body. None while the headers are incomplete.
fn response_cut(head: &[u8], fraction: f64) -> Option<u64> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let headers = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let length: u64 = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    Some(end as u64 + ((length as f64 * fraction) as u64).min(length.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    fn echo_server() -> (SocketAddr, JoinHandle<()>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 || s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        (addr, h)
    }

    fn round_trip(proxy: &FaultProxy, payload: &[u8]) -> Vec<u8> {
        let mut c = TcpStream::connect(proxy.acceptor.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = c.write_all(payload);
        let _ = c.shutdown(Shutdown::Write);
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        out
    }

    #[test]
    fn forwards_and_counts() {
        let (addr, h) = echo_server();
        let proxy = FaultProxy::uniform(addr, Fault::None);
        assert_eq!(round_trip(&proxy, b"hello"), b"hello");
        h.join().unwrap();
        assert_eq!(proxy.bytes(), (5, 5));
    }

    #[test]
    fn cuts_the_request_after_n_bytes() {
        let (addr, h) = echo_server();
        let proxy = FaultProxy::uniform(addr, Fault::CutRequest(3));
        let out = round_trip(&proxy, b"hello world");
        h.join().unwrap();
        assert!(out.len() <= 3, "{out:?}");
        assert_eq!(proxy.bytes().0, 3);
        assert_eq!(proxy.faults_applied(), 1);
    }

    #[test]
    fn drops_before_forwarding() {
        let (addr, _h) = echo_server();
        let proxy = FaultProxy::uniform(addr, Fault::Drop);
        assert!(round_trip(&proxy, b"hello").is_empty());
        assert_eq!(proxy.bytes(), (0, 0));
    }

    #[test]
    fn finds_the_cut_of_a_response() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789";
        let at = response_cut(head, 0.5).unwrap();
        assert_eq!(&head[..at as usize], b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234");
        assert_eq!(response_cut(b"HTTP/1.1 200", 0.5), None);
    }

    #[test]
    fn seeded_plans_repeat_and_end() {
        let plan: Vec<Fault> = (0..20).map(|k| seeded_fault(7, k, 10, 1000)).collect();
        assert_eq!(plan, (0..20).map(|k| seeded_fault(7, k, 10, 1000)).collect::<Vec<_>>());
        assert!(plan[..10].iter().all(|f| *f != Fault::None));
        assert!(plan[10..].iter().all(|f| *f == Fault::None));
        let kinds: std::collections::HashSet<_> = plan[..10].iter().map(std::mem::discriminant).collect();
        assert!(kinds.len() >= 3, "{plan:?}");
    }

    #[test]
    fn stops_when_dropped() {
        let (addr, _h) = echo_server();
        let started = Instant::now();
        drop(FaultProxy::seeded(addr, 7, 10, 1000));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
