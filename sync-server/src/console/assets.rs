//! The console's static files, compiled into the binary: it serves itself, with no CDN, no web
//! fonts and no online map tiles. A strict content security policy keeps the pages to their own
//! script and to data fetched from this server.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("static/index.html");
const CSS: &str = include_str!("static/console.css");
const JS: &str = include_str!("static/console.js");
const TIP: &str = include_str!("static/tip.html");
const TIP_JS: &str = include_str!("static/tip.js");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[utoipa::path(get, path = "/", tag = "pages", responses((status = 200, description = "the console page", content_type = "text/html", body = String)))]
pub async fn index() -> Response {
    asset(INDEX, "text/html; charset=utf-8")
}

#[utoipa::path(get, path = "/console.css", tag = "pages", responses((status = 200, description = "the console's style sheet", content_type = "text/css", body = String)))]
pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

#[utoipa::path(get, path = "/console.js", tag = "pages", responses((status = 200, description = "the console's script", content_type = "text/javascript", body = String)))]
pub async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

#[utoipa::path(get, path = "/tip", tag = "pages", responses((status = 200, description = "the public tip form", content_type = "text/html", body = String)))]
pub async fn tip_page() -> Response {
    asset(TIP, "text/html; charset=utf-8")
}

#[utoipa::path(get, path = "/tip.js", tag = "pages", responses((status = 200, description = "the tip form's script", content_type = "text/javascript", body = String)))]
pub async fn tip_js() -> Response {
    asset(TIP_JS, "text/javascript; charset=utf-8")
}
