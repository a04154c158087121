//! The OpenAPI description of the sync API, served at `/openapi.json`.

use axum::Json;
use serde_json::{Value, json};

pub async fn spec() -> Json<Value> {
    let err = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let bearer = json!([{"bearer": []}]);
    Json(json!({
        "openapi": "3.0.3",
        "info": {"title": "xuncha sync API", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
                "UploadStatus": {"type": "object", "properties": {"offset": {"type": "integer"}, "size": {"type": "integer"}, "complete": {"type": "boolean"}}},
                "PushResponse": {"type": "object", "properties": {"accepted_changes": {"type": "integer"}, "new_changes": {"type": "integer"}, "accepted_evidence": {"type": "integer"}, "server_time_ms": {"type": "integer"}}}
            }
        },
        "paths": {
            "/healthz": {"get": {"summary": "liveness", "responses": {"200": {"description": "ok"}}}},
            "/v1/enroll": {"post": {"summary": "redeem a one-time enrolment code; body {code, device_id, public_key, signature (hex ed25519 of the code)}", "responses": {"200": {"description": "{token, user}"}, "400": err, "401": err}}},
            "/v1/login": {"post": {"summary": "console login {username, password}", "responses": {"200": {"description": "{token, user}"}, "401": err}}},
            "/v1/sync/push": {"post": {"summary": "push every unacknowledged change and evidence metadata (binary XSP1 body, header x-xuncha-protocol: 1); idempotent; refused whole if any document is outside the caller's scope", "security": bearer,
                "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"200": {"description": "stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushResponse"}}}}, "400": err, "401": err, "403": err, "413": err}}},
            "/v1/sync/pull": {"get": {"summary": "everything new since the cursor, within the caller's scope (binary XPL1 body)", "security": bearer,
                "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "changes", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "400": err, "401": err}}},
            "/v1/evidence/{hash}/upload": {
                "get": {"summary": "how many bytes the server holds", "security": bearer, "responses": {"200": {"description": "status", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UploadStatus"}}}}, "404": err}},
                "put": {"summary": "append a chunk at ?offset=N; completes only when the bytes match the hash", "security": bearer, "responses": {"200": {"description": "status"}, "409": err, "422": err}}},
            "/v1/evidence/{hash}/{what}": {"get": {"summary": "original or thumbnail, for callers who may see its record", "security": bearer, "responses": {"200": {"description": "bytes"}, "404": err}}},
            "/v1/admin/users": {"post": {"summary": "create a user (admin)", "security": bearer, "responses": {"200": {"description": "user"}, "400": err, "403": err, "409": err}}, "get": {"summary": "list users (admin)", "security": bearer, "responses": {"200": {"description": "users"}}}},
            "/v1/admin/users/{username}/enrollment": {"post": {"summary": "one-time enrolment code (admin)", "security": bearer, "responses": {"200": {"description": "{code, expires_ms}"}}}},
            "/v1/admin/devices/{device_id}/revoke": {"post": {"summary": "revoke a lost device (admin)", "security": bearer, "responses": {"200": {"description": "revoked"}, "404": err}}},
            "/v1/decisions/inspections/{id}/review": {"post": {"summary": "approve or request re-inspection {decision, reason}", "security": bearer, "responses": {"200": {"description": "done"}, "403": err}}},
            "/v1/decisions/inspections/{id}/case": {"post": {"summary": "open a case from an inspection {summary, deadline_ms}", "security": bearer, "responses": {"200": {"description": "{case_id}"}}}},
            "/v1/decisions/cases/{id}/assign": {"post": {"summary": "assign a department {department, deadline_ms}", "security": bearer, "responses": {"200": {"description": "done"}}}},
            "/v1/decisions/cases/{id}/advance": {"post": {"summary": "move a case along the closed loop {to, department, note}", "security": bearer, "responses": {"200": {"description": "done"}, "409": err}}}
        }
    }))
}
