//! The xuncha sync server: devices push and pull record changes and evidence; supervisors
//! review what synced and their decisions flow back as document changes.

pub mod api;
pub mod auth;
pub mod client_addr;
pub mod config;
pub mod console;
pub mod decisions;
#[cfg(feature = "demo")]
pub mod demo;
pub mod deployment_key;
pub mod error;
pub mod judge;
pub mod openapi;
pub mod replica;
pub mod scope;
pub mod state;
pub mod storage;

use openapi::Errors;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
pub use config::ServerConfig;
use state::{AppState, SharedState};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use storage::SqliteStorage;
use xuncha_core::Store;
use xuncha_core::sync::protocol::MAX_BODY_BYTES;

/// Opens (or creates) the server's state in `data`: storage, replica, upload folder.
pub fn open_state(data: &Path) -> anyhow_like::Result<SharedState> {
    open_state_with(data, &ServerConfig::default())
}

/// `open_state` with the deployment's settings: the replica is caught up before it returns.
pub fn open_state_with(data: &Path, config: &ServerConfig) -> anyhow_like::Result<SharedState> {
    let state = open_unready(data, config)?;
    replica::rebuild(&state)?;
    Ok(state)
}

/// The server's state with the replica not yet caught up with the log (`replica::rebuild`).
pub fn open_unready(data: &Path, config: &ServerConfig) -> anyhow_like::Result<SharedState> {
    std::fs::create_dir_all(data)?;
    let storage = SqliteStorage::open(&data.join("server.db"))?;
    let replica = Store::open(data.join("replica"))?;
    // The log is the source of truth; the replica catches up from it at start.
    replica.relax_durability()?;
    // Reference data every device also carries: the checklist and the jurisdiction tree.
    #[cfg(feature = "demo")]
    xuncha_fixtures::load_reference(&replica)?;
    let uploads = data.join("uploads");
    std::fs::create_dir_all(&uploads)?;
    let (deployment_key, created) = deployment_key::DeploymentKey::load_or_create(data)?;
    let public = deployment_key.public();
    if created {
        tracing::info!(
            public_key = public.hex(),
            fingerprint = public.fingerprint(),
            "generated the deployment signing key; evidence packages are verified against this public key"
        );
    } else {
        tracing::info!(fingerprint = public.fingerprint(), "deployment signing key loaded");
    }
    let state = Arc::new(AppState {
        storage: Arc::new(storage),
        replica,
        uploads,
        write_lock: Mutex::new(()),
        sessions: auth::sessions::Sessions::new(&config.sessions),
        login_limits: auth::login_limit::LoginLimiter::new(&config.login),
        password_checks: auth::password::PasswordChecks::new(&config.login).map_err(|e| e.message)?,
        trusted_proxies: config.trusted_proxies.clone(),
        deployment_key,
        ready: std::sync::atomic::AtomicBool::new(false),
    });
    Ok(state)
}

pub fn router(state: SharedState) -> Router {
    use api::{accounts, decisions, evidence};
    use utoipa_axum::routes;
    let (router, api) =
        utoipa_axum::router::OpenApiRouter::with_openapi(<openapi::ApiDoc as utoipa::OpenApi>::openapi())
            .routes(routes!(healthz))
            .routes(routes!(readyz))
            .routes(routes!(accounts::enroll))
            .routes(routes!(accounts::login))
            .routes(routes!(accounts::me))
            .routes(routes!(accounts::create, accounts::list))
            .routes(routes!(accounts::enrollment_code))
            .routes(routes!(accounts::unlock))
            .routes(routes!(accounts::devices))
            .routes(routes!(accounts::revoke))
            .merge(sync_routes())
            .routes(routes!(evidence::upload_status, evidence::upload_chunk))
            .routes(routes!(evidence::upload_batch))
            .routes(routes!(evidence::download))
            .routes(routes!(decisions::review))
            .routes(routes!(decisions::open_case))
            .routes(routes!(decisions::assign))
            .routes(routes!(decisions::advance))
            .merge(console::routes())
            .split_for_parts();
    let spec = openapi::document(&api);
    router
        .route(
            "/openapi.json",
            get(move || async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], spec) }),
        )
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES as usize))
        .layer(axum::middleware::from_fn_with_state(state.clone(), writes_wait_for_the_replica))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn(nosniff))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Push and pull, with their bodies' coding (ADR 0004): a push may come as zstd
/// (`Content-Encoding: zstd`) or plain (older phones); it is decoded as it is read, inside
/// the body limit, so a small body that inflates past `MAX_BODY_BYTES` is a 413 like a large
/// one. A pull answer is coded as zstd for a phone that asks (`Accept-Encoding: zstd`). No
/// other coding is taken or made (a push in another is 415), and no other route is touched:
/// evidence uploads are JPEG.
fn sync_routes() -> utoipa_axum::router::OpenApiRouter<SharedState> {
    use api::sync;
    use tower_http::compression::CompressionLayer;
    use tower_http::decompression::RequestDecompressionLayer;
    use utoipa_axum::{router::OpenApiRouter, routes};
    let push = OpenApiRouter::new()
        .routes(routes!(sync::push))
        .layer(RequestDecompressionLayer::new().no_gzip().no_deflate().no_br());
    let pull =
        OpenApiRouter::new().routes(routes!(sync::pull)).layer(CompressionLayer::new().no_gzip().no_deflate().no_br());
    push.merge(pull)
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 once the replica has caught up with the log since start, else 503 (busy).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "ready", body = String), Errors))]
async fn readyz(
    axum::extract::State(state): axum::extract::State<SharedState>,
) -> Result<&'static str, error::ApiError> {
    if state.is_ready() { Ok("ready") } else { Err(catching_up()) }
}

fn catching_up() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "catching_up",
        "服务器刚启动，正在根据日志重建记录，请稍后再试",
    )
}

/// While the replica is rebuilt after a start, reads are answered (the console may show less
/// than the log holds) but anything that writes records or evidence waits: it is refused as
/// busy, to be retried. Accounts, devices and sessions touch no record and go on.
async fn writes_wait_for_the_replica(
    axum::extract::State(state): axum::extract::State<SharedState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let reads = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let path = req.uri().path();
    let records = ["/v1/sync/", "/v1/evidence/", "/v1/decisions/", "/v1/console/", "/v1/tips"]
        .iter()
        .any(|p| path.starts_with(p))
        && path != "/v1/console/logout";
    if reads || !records || state.is_ready() {
        return next.run(req).await;
    }
    catching_up().into_response()
}

/// A path no route serves: our error shape, not the framework's empty 404. Its own code tells
/// it from a record that is not found (the contract tests look for it).
async fn unknown_route(uri: axum::http::Uri) -> error::ApiError {
    tracing::info!(path = uri.path(), "no such route");
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "no_route",
        "请求的地址不存在，请检查链接或把应用升级到最新版本",
    )
}

/// Errors the framework answers by itself (a wrong method, a body over the limit, a rejected
/// extractor) come as plain English text or nothing: they leave in our `{code, message}`
/// shape with a Chinese message instead. Our own errors are JSON already and pass untouched,
/// as do successful answers (binary sync, evidence bytes, CSV).
async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::header::{ALLOW, CONTENT_TYPE};
    use axum::response::IntoResponse;
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    tracing::info!(status = status.as_u16(), "a framework error answered in our shape");
    let (code, message) = error::status_zh(status);
    let allow = response.headers().get(ALLOW).cloned();
    let mut ours = error::ApiError::new(status, code, message).into_response();
    if let Some(allow) = allow {
        ours.headers_mut().insert(ALLOW, allow);
    }
    ours
}

/// One structured log line per request.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(%method, path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    response
}

/// Browsers must take every response as the type it declares (evidence bytes above all).
async fn nosniff(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(axum::http::header::X_CONTENT_TYPE_OPTIONS, axum::http::HeaderValue::from_static("nosniff"));
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
    /// Waits until the replica has caught up with the log since start.
    pub fn wait_ready(&self) {
        while !self.state.is_ready() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

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
    start_with(data, listen, &ServerConfig::default())
}

/// `start` with the deployment's settings; returns once the replica has caught up with the log.
pub fn start_with(data: &Path, listen: &str, config: &ServerConfig) -> anyhow_like::Result<Running> {
    serve(open_state_with(data, config)?, listen)
}

/// Starts serving at once and catches the replica up with the log in the background, so that a
/// restart with a long log answers `/healthz` (and reads) within moments: `/readyz` says when
/// it is done.
pub fn serve_with(data: &Path, listen: &str, config: &ServerConfig) -> anyhow_like::Result<Running> {
    let state = open_unready(data, config)?;
    let running = serve(state.clone(), listen)?;
    rebuild_in_background(state)?;
    Ok(running)
}

/// Catches the replica of `state` up with the log on a thread of its own.
pub fn rebuild_in_background(state: SharedState) -> anyhow_like::Result<()> {
    std::thread::Builder::new().name("replica-rebuild".into()).spawn(move || {
        if let Err(e) = replica::rebuild(&state) {
            // Writes stay refused as busy; reads go on. A restart tries again.
            tracing::error!(error = %e, "the replica could not catch up with the log");
        }
    })?;
    Ok(())
}

/// Serves `state` on `listen` (port 0 picks one) on its own runtime thread.
pub fn serve(state: SharedState, listen: &str) -> anyhow_like::Result<Running> {
    let std_listener = std::net::TcpListener::bind(listen)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            // Client addresses: login and the public tip form are limited per address.
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

/// Command-line options (clap: `--help` lists them, errors name the bad argument).
#[derive(Debug, Clone, PartialEq, clap::Parser)]
#[command(name = "xuncha-server", about = "xuncha sync server and supervisor console", version)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Directory for the database and the evidence files (created if missing).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// Seed the made-up county and run simulated devices through a demo day.
    #[arg(long)]
    pub demo: bool,
    /// A reverse proxy whose `X-Forwarded-For` names the client (repeatable).
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Options {
    /// The server settings these options choose (defaults for the rest).
    pub fn config(&self) -> ServerConfig {
        ServerConfig { trusted_proxies: self.trusted_proxies.clone(), ..ServerConfig::default() }
    }
}

/// A boxed error for start-up code, where any failure ends the process with its message.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}

#[cfg(test)]
mod options_tests {
    use super::Options;
    use clap::Parser;

    #[test]
    fn options_have_defaults_repeat_proxies_and_refuse_bad_values() {
        let o = Options::try_parse_from(["xuncha-server"]).unwrap();
        assert_eq!((o.listen.as_str(), o.data.to_str(), o.demo), ("127.0.0.1:8080", Some("data"), false));
        let o = Options::try_parse_from([
            "xuncha-server",
            "--demo",
            "--listen",
            "0.0.0.0:9000",
            "--trusted-proxy",
            "10.0.0.1",
            "--trusted-proxy",
            "fd00::1",
        ])
        .unwrap();
        assert!(o.demo);
        assert_eq!(o.listen, "0.0.0.0:9000");
        assert_eq!(
            o.config().trusted_proxies,
            vec!["10.0.0.1".parse::<std::net::IpAddr>().unwrap(), "fd00::1".parse().unwrap()]
        );
        let e = Options::try_parse_from(["xuncha-server", "--trusted-proxy", "nginx"]).unwrap_err();
        assert!(e.to_string().contains("nginx"), "{e}");
        assert!(Options::try_parse_from(["xuncha-server", "--lisen", "x"]).is_err());
        assert!(Options::try_parse_from(["xuncha-server", "--listen"]).is_err());
    }
}
