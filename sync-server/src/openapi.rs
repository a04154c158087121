//! The OpenAPI document, generated from the routes and body types: every route is registered
//! through `utoipa_axum::routes!` on a handler annotated with `#[utoipa::path]`, so a route
//! cannot exist without its description (a test scans the sources for bypasses). Served at
//! `/openapi.json`; the schemathesis suite in `scripts/test` fuzzes every operation from it.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, ResponsesBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};
use xuncha_core::sync::protocol::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(title = "xuncha sync API and supervisor console", version = "1"),
    components(schemas(ErrorBody)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// The `bearer` scheme every protected operation names: a device token from enrolment or a
/// console session token from login.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The refusals any operation can answer, each a JSON `{code, message}`: malformed input,
/// missing or invalid credentials, out of scope, absent, conflicting state, too large, invalid
/// content, too many attempts, busy.
pub struct Errors;

impl IntoResponses for Errors {
    fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        ResponsesBuilder::new()
            .response("400", error("malformed request"))
            .response("401", error("no valid token; code `device_revoked` when the console revoked the calling device (the phone then wipes its store)"))
            .response("403", error("outside the caller's role or jurisdiction"))
            .response("404", error("not found, or not visible to the caller"))
            .response("409", error("conflicts with the current state"))
            .response("413", error("body over the size limit"))
            .response("422", error("well-formed but invalid content"))
            .response("429", error("too many attempts; retry later"))
            .response("503", error("busy; retry later"))
            .build()
            .into()
    }
}

/// The generated document (routes registered in `router`).
pub fn document(api: &utoipa::openapi::OpenApi) -> String {
    api.to_json().unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every route goes through `routes!` so that it is documented; a plain `.route(` call
    /// would bypass the document (the spec route itself is the one exception).
    #[test]
    fn no_route_bypasses_the_document() {
        fn walk(dir: &Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("openapi.rs") {
                    // Whitespace collapsed, so that a call formatted over several lines counts.
                    let text = std::fs::read_to_string(&path).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
                    for (at, _) in text.match_indices(".route(") {
                        let call: String = text[at..].chars().take(80).collect();
                        if !call.starts_with(".route( \"/openapi.json\"")
                            && !call.starts_with(".route(\"/openapi.json\"")
                        {
                            found.push(format!("{}: {call}", path.display()));
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert!(found.is_empty(), "routes registered without an OpenAPI description:\n{}", found.join("\n"));
    }
}
