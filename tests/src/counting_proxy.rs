//! A counting TCP proxy on 127.0.0.1 for benchmarks that compare two HTTP/1.1 stacks: it
//! forwards both ways untouched and counts, the same way for any client and server, the bytes
//! each way and the requests (framed from the request stream: head, then a Content-Length or
//! chunked body). Bytes are what crosses the socket, headers and any compression included.
//!
//! Bounded: the accept loop polls a stop flag, pumps read with a timeout and look at it too,
//! and dropping the proxy stops it and joins its threads.

use crate::loopback::Acceptor;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

const POLL: Duration = Duration::from_millis(2);
const READ_TIMEOUT: Duration = Duration::from_millis(100);

/// What the proxy saw, from its start or since `reset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Bytes from clients to the server.
    pub up: u64,
    /// Bytes from the server to clients.
    pub down: u64,
    /// HTTP requests clients sent.
    pub requests: u64,
    pub connections: u64,
}

#[derive(Default)]
struct Counters {
    up: AtomicU64,
    down: AtomicU64,
    requests: AtomicU64,
    connections: AtomicU64,
}

pub struct CountingProxy {
    counters: Arc<Counters>,
    acceptor: Acceptor,
}

impl CountingProxy {
    /// A proxy in front of `upstream`.
    pub fn start(upstream: SocketAddr) -> CountingProxy {
        let counters = Arc::new(Counters::default());
        let acceptor = {
            let counters = counters.clone();
            Acceptor::start(POLL, usize::MAX, move |_, client, stop| {
                counters.connections.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(upstream) else { return Vec::new() };
                pipe(client, server, stop, &counters)
            })
        };
        CountingProxy { counters, acceptor }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.acceptor.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        self.acceptor.addr()
    }

    pub fn tally(&self) -> Tally {
        let c = &self.counters;
        Tally {
            up: c.up.load(Ordering::SeqCst),
            down: c.down.load(Ordering::SeqCst),
            requests: c.requests.load(Ordering::SeqCst),
            connections: c.connections.load(Ordering::SeqCst),
        }
    }

    /// What was seen since `before` (a tally taken earlier).
    pub fn since(&self, before: Tally) -> Tally {
        let now = self.tally();
        Tally {
            up: now.up - before.up,
            down: now.down - before.down,
            requests: now.requests - before.requests,
            connections: now.connections - before.connections,
        }
    }
}

/// Two pumps, one per direction; each closes the other side's write half at its end of stream.
fn pipe(client: TcpStream, server: TcpStream, stop: &Arc<AtomicBool>, counters: &Arc<Counters>) -> Vec<JoinHandle<()>> {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up = {
        let (stop, counters) = (stop.clone(), counters.clone());
        std::thread::spawn(move || {
            let mut framer = RequestFramer::default();
            pump(client, server, &stop, |chunk| {
                counters.up.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                counters.requests.fetch_add(framer.feed(chunk), Ordering::SeqCst);
            })
        })
    };
    let down = {
        let (stop, counters) = (stop.clone(), counters.clone());
        std::thread::spawn(move || {
            pump(s2, c2, &stop, |chunk| {
                counters.down.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            })
        })
    };
    vec![up, down]
}

fn pump(mut from: TcpStream, mut to: TcpStream, stop: &AtomicBool, mut seen: impl FnMut(&[u8])) {
    let _ = from.set_read_timeout(Some(READ_TIMEOUT));
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                seen(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Counts HTTP/1.1 requests in a client's byte stream, however it is cut into reads.
#[derive(Default)]
pub struct RequestFramer {
    /// Bytes not yet framed (a head or a chunk-size line in progress).
    pending: Vec<u8>,
    state: Framing,
}

#[derive(Default, Debug, Clone, Copy, PartialEq)]
enum Framing {
    #[default]
    Head,
    /// Body bytes still to skip.
    Body(u64),
    /// Waiting for a chunk-size line.
    ChunkSize,
    /// Chunk data still to skip, then its CRLF.
    ChunkData(u64),
    /// After the last chunk: trailer lines up to an empty line.
    Trailer,
}

impl RequestFramer {
    /// Takes the next bytes of the stream; returns how many request heads they completed.
    pub fn feed(&mut self, input: &[u8]) -> u64 {
        self.pending.extend_from_slice(input);
        let (mut requests, mut pos) = (0, 0);
        loop {
            let rest = &self.pending[pos..];
            match self.state {
                Framing::Body(n) | Framing::ChunkData(n) if n > 0 => {
                    let take = (n as usize).min(rest.len());
                    pos += take;
                    let left = n - take as u64;
                    self.state = if matches!(self.state, Framing::Body(_)) {
                        Framing::Body(left)
                    } else {
                        Framing::ChunkData(left)
                    };
                    if left > 0 {
                        break;
                    }
                }
                Framing::Body(_) => self.state = Framing::Head,
                // The CRLF after a chunk's data is read as an empty size line.
                Framing::ChunkData(_) => self.state = Framing::ChunkSize,
                Framing::Head => {
                    let Some(end) = find(rest, b"\r\n\r\n") else { break };
                    requests += 1;
                    self.state = body_of(&rest[..end + 4]);
                    pos += end + 4;
                }
                Framing::ChunkSize | Framing::Trailer => {
                    let Some(end) = find(rest, b"\r\n") else { break };
                    let line = &rest[..end];
                    self.state = match self.state {
                        Framing::ChunkSize if line.is_empty() => Framing::ChunkSize,
                        Framing::ChunkSize => {
                            let hex = String::from_utf8_lossy(line);
                            let size = u64::from_str_radix(hex.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
                            if size == 0 { Framing::Trailer } else { Framing::ChunkData(size) }
                        }
                        _ if line.is_empty() => Framing::Head,
                        _ => Framing::Trailer,
                    };
                    pos += end + 2;
                }
            }
        }
        self.pending.drain(..pos);
        requests
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What follows a request head: a body of Content-Length bytes, a chunked body, or nothing.
fn body_of(head: &[u8]) -> Framing {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    if !matches!(request.parse(head), Ok(httparse::Status::Complete(_))) {
        return Framing::Head;
    }
    let value = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    if value("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        return Framing::ChunkSize;
    }
    Framing::Body(value("content-length").and_then(|v| v.parse().ok()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::RequestFramer;

    /// Feeds `stream` cut into reads of `step` bytes; returns the requests counted.
    fn count(stream: &[u8], step: usize) -> u64 {
        let mut framer = RequestFramer::default();
        stream.chunks(step).map(|c| framer.feed(c)).sum()
    }

    #[test]
    fn counts_requests_with_and_without_bodies_however_the_stream_is_cut() {
        let body = "\r\n\r\nGET /not-a-request HTTP/1.1\r\n\r\n".repeat(3);
        let stream = format!(
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}\
             PUT /c HTTP/1.1\r\ncontent-length: 0\r\n\r\nGET /d HTTP/1.1\r\n\r\n",
            body.len()
        );
        for step in [1, 2, 3, 7, 64, stream.len()] {
            assert_eq!(count(stream.as_bytes(), step), 4, "reads of {step} bytes");
        }
    }

    #[test]
    fn skips_chunked_bodies_with_extensions_and_trailers() {
        let stream = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
                      5\r\nGET /\r\n3;ext=1\r\n\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n\
                      POST /b HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n\
                      GET /c HTTP/1.1\r\n\r\n";
        for step in [1, 4, 9, stream.len()] {
            assert_eq!(count(stream.as_bytes(), step), 3, "reads of {step} bytes");
        }
    }

    #[test]
    fn an_unfinished_head_is_not_counted() {
        assert_eq!(count(b"GET /a HTTP/1.1\r\nHost: x\r\n", 5), 0);
    }
}
