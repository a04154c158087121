//! The real server's router called in-process, with no socket, behind a seeded fault plan: the
//! sync state machine meets every fault the TCP proxy injects (the request lost, the answer
//! lost after the server acted on it, a cut answer, a busy server) deterministically, and a
//! wait costs no time.

use axum::body::Body;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::sync::Mutex;
use tower::ServiceExt;
use xuncha_core::sync::{HttpHeader, HttpMethod, HttpRequest, HttpResponse, Transport};

/// What the link does to one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkFault {
    None,
    /// Lost before the server saw it.
    LostRequest,
    /// The server acted on it; its answer was lost.
    LostResponse,
    /// The server acted on it; the answer's body was cut in half.
    CutResponse,
    /// A 503 from a front that did not pass it on.
    Busy,
}

const FAULTS: [LinkFault; 4] =
    [LinkFault::LostRequest, LinkFault::LostResponse, LinkFault::CutResponse, LinkFault::Busy];

pub struct FaultyLink {
    router: axum::Router,
    runtime: tokio::runtime::Runtime,
    plan: Mutex<StdRng>,
    /// Chance that an exchange meets one of the faults (equally likely), after the first
    /// exchanges of each kind met each fault once, in order.
    rate: f64,
    /// Every exchange: (method, path without query, what happened).
    pub log: Mutex<Vec<(HttpMethod, String, LinkFault)>>,
}

impl FaultyLink {
    pub fn new(state: xuncha_server::state::SharedState, seed: u64, rate: f64) -> FaultyLink {
        FaultyLink {
            router: xuncha_server::router(state),
            runtime: tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
            plan: Mutex::new(StdRng::seed_from_u64(seed)),
            rate,
            log: Mutex::new(Vec::new()),
        }
    }

    fn serve(&self, request: HttpRequest) -> HttpResponse {
        let method = match request.method {
            HttpMethod::Get => axum::http::Method::GET,
            HttpMethod::Post => axum::http::Method::POST,
            HttpMethod::Put => axum::http::Method::PUT,
        };
        let mut builder = axum::http::Request::builder().method(method).uri(path_of(&request.url));
        for h in &request.headers {
            builder = builder.header(&h.name, &h.value);
        }
        let http_request = builder.body(Body::from(request.body)).unwrap();
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(http_request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| HttpHeader { name: n.as_str().to_owned(), value: v.to_str().unwrap().to_owned() })
                .collect();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            HttpResponse { status, headers, body: body.to_vec() }
        })
    }
}

impl Transport for FaultyLink {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let path = path_of(&request.url).split('?').next().unwrap_or_default().to_owned();
        let mut log = self.log.lock().unwrap();
        // Exchanges of this kind so far (uploads of any file count as one kind).
        let before = log.iter().filter(|(m, p, _)| *m == request.method && kind(p) == kind(&path)).count();
        let fault = match FAULTS.get(before) {
            Some(fault) if self.rate > 0.0 => *fault,
            _ => {
                let mut plan = self.plan.lock().unwrap();
                if plan.random::<f64>() < self.rate {
                    FAULTS[plan.random_range(0..FAULTS.len())]
                } else {
                    LinkFault::None
                }
            }
        };
        log.push((request.method, path, fault));
        drop(log);
        match fault {
            LinkFault::None => Ok(self.serve(request)),
            LinkFault::LostRequest => Err("connection reset before the request was sent".into()),
            LinkFault::Busy => Ok(HttpResponse::new(503, br#"{"code":"busy","message":"server busy"}"#.to_vec())),
            LinkFault::LostResponse => {
                self.serve(request);
                Err("connection reset while waiting for the answer".into())
            }
            LinkFault::CutResponse => {
                let mut response = self.serve(request);
                let half = response.body.len() / 2;
                response.body.truncate(half);
                Ok(response)
            }
        }
    }
}

/// The path and query the router sees: the test's base URL is only a name.
fn path_of(url: &str) -> &str {
    url.find("/v1/").and_then(|i| url.get(i..)).unwrap_or("/")
}

/// Uploads of any file count as one kind of exchange.
fn kind(path: &str) -> &str {
    if path.ends_with("/upload") { "/upload" } else { path }
}
