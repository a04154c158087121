//! The generated OpenAPI document describes every route as it is served: each documented
//! operation reaches a handler (never the router's own 404/405), declares its path
//! parameters and its refusals, describes every JSON answer field by field, and the
//! operations a contract tester needs are all there.

mod support;

use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;
use support::*;

fn spec(env: &Env) -> Value {
    let r = env.http.get(env.url("/openapi.json")).send().unwrap();
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

/// `(method, path template, operation)` for every operation in the document.
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn every_operation_declares_its_path_parameters_and_refusals() {
    let env = Env::demo();
    let spec = spec(&env);
    let ops = operations(&spec);
    assert!(ops.len() >= 40, "only {} operations documented", ops.len());
    for (method, path, op) in &ops {
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        let in_template: Vec<&str> =
            path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        assert_eq!(declared, in_template, "{method} {path}: path parameters");
        let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert!(statuses.iter().any(|s| s.starts_with('2')), "{method} {path}: no success response");
        let public_page = path == "/" || path.ends_with(".css") || path.ends_with(".js") || path == "/tip";
        if !public_page && path != "/healthz" {
            for code in ["400", "401", "404", "413"] {
                assert!(op["responses"][code].is_object(), "{method} {path}: refusal {code} not documented");
            }
        }
        if method == "post" || method == "put" {
            let bodyless = ["/logout", "/revoke", "/enrollment", "/unlock"].iter().any(|end| path.ends_with(end));
            assert!(bodyless || op["requestBody"].is_object(), "{method} {path}: request body not documented");
        }
    }
    // The contract tester needs these schemas to generate bodies.
    for schema in ["ErrorBody", "EnrollRequest", "NewUserBody", "StepBody", "TipBody"] {
        assert!(spec["components"]["schemas"][schema].is_object(), "schema {schema} missing");
    }
}

#[test]
fn every_documented_operation_reaches_a_handler() {
    let env = Env::demo();
    let admin = env.login(ADMIN);
    for (method, path, _) in operations(&spec(&env)) {
        // A harmless value for each path parameter: the handler answers 4xx or 2xx in our
        // `{code, message}` shape (or a page); the router's fallback answers code `no_route`
        // and a wrong method 405.
        let concrete: String =
            path.split('/').map(|seg| if seg.starts_with('{') { "0000" } else { seg }).collect::<Vec<_>>().join("/");
        if path.ends_with("/logout") {
            continue; // would end the session the loop uses
        }
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = env.http.request(method.clone(), env.url(&concrete)).bearer_auth(&admin).body("{}").send().unwrap();
        let status = r.status();
        let body = r.text().unwrap();
        assert_ne!(status, 405, "{method} {path}: documented but not routed");
        assert!(!body.is_empty(), "{method} {path}: answered {status} with an empty body");
        assert!(!body.contains("\"no_route\""), "{method} {path}: documented but answered by the fallback: {body}");
        assert!(status.as_u16() < 500, "{method} {path}: {status} {body}");
    }
}

/// A schema that says nothing of its fields: `{}` (anything) or an object with neither
/// properties nor a schema for its values. What `serde_json::Value` as a body documents.
fn free_form(schema: &Value) -> bool {
    let Some(o) = schema.as_object() else { return schema == &Value::Bool(true) };
    let described =
        ["$ref", "properties", "items", "enum", "const", "oneOf", "anyOf", "allOf"].iter().any(|k| o.contains_key(*k))
            || o.get("additionalProperties").is_some_and(|a| a.as_object().is_some_and(|a| !a.is_empty()));
    let may_be_object = match &o.get("type") {
        None => true,
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        Some(_) => true,
    };
    !described && may_be_object
}

/// Walks `schema` and every schema it refers to (each named one once), naming each free-form
/// part by where it sits.
fn free_form_parts(spec: &Value, schema: &Value, at: String, seen: &mut BTreeSet<String>, found: &mut Vec<String>) {
    if free_form(schema) {
        found.push(at.clone());
        return;
    }
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or(target);
        if seen.insert(name.to_owned()) {
            let named = &spec["components"]["schemas"][name];
            assert!(named.is_object(), "{at}: $ref {target} names no schema");
            free_form_parts(spec, named, name.to_owned(), seen, found);
        }
        return;
    }
    if let Some(props) = schema["properties"].as_object() {
        for (field, s) in props {
            free_form_parts(spec, s, format!("{at}.{field}"), seen, found);
        }
    }
    if schema["items"].is_object() {
        free_form_parts(spec, &schema["items"], format!("{at}[]"), seen, found);
    }
    if schema["additionalProperties"].is_object() {
        free_form_parts(spec, &schema["additionalProperties"], format!("{at}{{*}}"), seen, found);
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        for (i, s) in schema[combinator].as_array().into_iter().flatten().enumerate() {
            free_form_parts(spec, s, format!("{at}|{combinator}[{i}]"), seen, found);
        }
    }
}

/// Every JSON success answer is a named schema (or a list of one), described down to its
/// fields: no answer is documented as "any object", so the console's pages, the apps and the
/// contract tester know each field the server sends.
#[test]
fn every_json_answer_is_a_named_schema_described_field_by_field() {
    let env = Env::demo();
    let spec = spec(&env);
    let mut unnamed = Vec::new();
    let mut free = Vec::new();
    let mut seen = BTreeSet::new();
    let mut answers = 0;
    for (method, path, op) in operations(&spec) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(schema) = response["content"]["application/json"].get("schema") else { continue };
            if !status.starts_with('2') {
                continue;
            }
            answers += 1;
            let at = format!("{} {path} {status}", method.to_uppercase());
            let named = schema["$ref"].is_string() || schema["items"]["$ref"].is_string();
            if !named {
                unnamed.push(format!("{at}: {schema}"));
            }
            free_form_parts(&spec, schema, at, &mut seen, &mut free);
        }
    }
    assert!(answers >= 25, "only {answers} JSON success answers documented");
    assert!(
        unnamed.is_empty() && free.is_empty(),
        "JSON answers without a named schema:\n{}\nfree-form objects in JSON answers:\n{}",
        unnamed.join("\n"),
        free.join("\n")
    );
}
