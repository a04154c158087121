//! The xuncha sync server: devices push and pull record changes and evidence; supervisors
//! review what synced and their decisions flow back as document changes.

pub mod api;
pub mod auth;
pub mod console;
pub mod demo;
pub mod error;
pub mod judge;
mod openapi;
pub mod replica;
pub mod scope;
pub mod state;
pub mod storage;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use state::{AppState, SharedState};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use storage::SqliteStorage;
use xuncha_core::sync::protocol::MAX_BODY_BYTES;
use xuncha_core::{Officer, Store};

/// The server's own identity on the replica, until a decision names a supervisor.
const SERVER_OFFICER: &str = "巡查平台";

/// Opens (or creates) the server's state in `data`: storage, replica, upload folder.
pub fn open_state(data: &Path) -> anyhow_like::Result<SharedState> {
    std::fs::create_dir_all(data)?;
    let storage = SqliteStorage::open(&data.join("server.db"))?;
    let replica = Store::open(data.join("replica"))?;
    // The log is the source of truth; the replica catches up from it at start.
    replica.relax_durability()?;
    replica.sign_in(Officer { name: SERVER_OFFICER.into(), department: "服务器".into(), cert_no: String::new() })?;
    // Reference data every device also carries: the checklist and the jurisdiction tree.
    xuncha_fixtures::load_reference(&replica)?;
    let uploads = data.join("uploads");
    std::fs::create_dir_all(&uploads)?;
    let state = Arc::new(AppState {
        storage: Arc::new(storage),
        replica,
        uploads,
        write_lock: Mutex::new(()),
        sessions: Mutex::new(Default::default()),
    });
    // The replica is rebuilt from the log: after a crash between the two, replay what it lacks.
    let set_aside = replica::catch_up(&state)?;
    if set_aside > 0 {
        tracing::warn!(set_aside, "log entries the replica cannot apply were set aside; see /v1/console/set-aside");
    }
    Ok(state)
}

pub fn router(state: SharedState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/openapi.json", get(openapi::spec))
        .route("/v1/enroll", post(api::accounts::enroll))
        .route("/v1/login", post(api::accounts::login))
        .route("/v1/me", get(api::accounts::me))
        .route("/v1/admin/users", post(api::accounts::create).get(api::accounts::list))
        .route("/v1/admin/users/{username}/enrollment", post(api::accounts::enrollment_code))
        .route("/v1/admin/devices", get(api::accounts::devices))
        .route("/v1/admin/devices/{device_id}/revoke", post(api::accounts::revoke))
        .route("/v1/sync/push", post(api::sync::push))
        .route("/v1/sync/pull", get(api::sync::pull))
        .route("/v1/evidence/{hash}/upload", get(api::evidence::upload_status).put(api::evidence::upload_chunk))
        .route("/v1/evidence/{hash}/{what}", get(api::evidence::download))
        .route("/v1/decisions/inspections/{id}/review", post(api::decisions::review))
        .route("/v1/decisions/inspections/{id}/case", post(api::decisions::open_case))
        .route("/v1/decisions/cases/{id}/assign", post(api::decisions::assign))
        .route("/v1/decisions/cases/{id}/advance", post(api::decisions::advance))
        .merge(console::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES as usize))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// One structured log line per request.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(%method, path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    response
}

/// A running server (for tests and the demo): its address and a handle to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub state: SharedState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the server on its own runtime thread, listening on `listen` (port 0 picks one).
pub fn start(data: &Path, listen: &str) -> anyhow_like::Result<Running> {
    let state = open_state(data)?;
    let std_listener = std::net::TcpListener::bind(listen)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            // Client addresses: the public tip form is rate-limited per address.
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
    });
    Ok(Running { addr, state, shutdown: Some(tx), thread: Some(thread) })
}

/// Command-line options: `[--listen ADDR] [--data DIR] [--demo]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub listen: String,
    pub data: PathBuf,
    pub demo: bool,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut o = Options { listen: "127.0.0.1:8080".into(), data: PathBuf::from("data"), demo: false };
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--listen" => o.listen = args.next().ok_or("--listen needs an address")?,
                "--data" => o.data = PathBuf::from(args.next().ok_or("--data needs a directory")?),
                "--demo" => o.demo = true,
                "-h" | "--help" => return Err("usage: xuncha-server [--listen ADDR] [--data DIR] [--demo]".into()),
                other => {
                    return Err(format!(
                        "unknown option {other}; usage: xuncha-server [--listen ADDR] [--data DIR] [--demo]"
                    ));
                }
            }
        }
        Ok(o)
    }
}

/// A boxed error for start-up code, where any failure ends the process with its message.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
