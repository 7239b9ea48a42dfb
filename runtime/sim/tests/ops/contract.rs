//! Every Ops answer checked against Atlassian's JSM Ops OpenAPI document.
//!
//! `tests/data/jsm-ops-contract.json` is a snapshot of `jsm-ops.v1.json`: for
//! each operation the simulator serves, its declared responses (status →
//! schema), and every schema they reference, with prose stripped, so the check
//! runs on any clone. `ops_contract.rs` keeps the snapshot equal to the spec
//! when the spec is on the machine and rewrites it with
//! `KILN_SIM_REGENERATE_SCHEMAS=1`.
//!
//! [`check`] finds the operation a request reached (either Ops URL), and
//! validates the answer against the schema the operation declares for the
//! status. Statuses an operation does not declare are refused, except three
//! every Ops call can meet before or beside the operation itself, each checked
//! against the API's general error schemas: 401 (`UnauthorizedErrorResponse`,
//! the gateway's answer to a missing or wrong credential), 404 for a wrong
//! cloud id or a path that is no operation (501, same shape, for an operation
//! the simulator does not model), and 422 for a query or payload that
//! cannot be validated (`ErrorResponses`; the reference's "Status codes" lists
//! 422 for every operation).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};

/// The operations the simulator serves: method and path as the spec writes them.
pub const SERVED: [(&str, &str); 24] = [
    ("GET", "/v1/teams"),
    ("GET", "/v1/schedules"),
    ("POST", "/v1/schedules"),
    ("GET", "/v1/schedules/{id}"),
    ("PATCH", "/v1/schedules/{id}"),
    ("DELETE", "/v1/schedules/{id}"),
    ("GET", "/v1/schedules/{scheduleId}/rotations"),
    ("POST", "/v1/schedules/{scheduleId}/rotations"),
    ("GET", "/v1/schedules/{scheduleId}/rotations/{id}"),
    ("PATCH", "/v1/schedules/{scheduleId}/rotations/{id}"),
    ("DELETE", "/v1/schedules/{scheduleId}/rotations/{id}"),
    ("GET", "/v1/schedules/{scheduleId}/overrides"),
    ("POST", "/v1/schedules/{scheduleId}/overrides"),
    ("GET", "/v1/schedules/{scheduleId}/overrides/{alias}"),
    ("PUT", "/v1/schedules/{scheduleId}/overrides/{alias}"),
    ("DELETE", "/v1/schedules/{scheduleId}/overrides/{alias}"),
    ("GET", "/v1/schedules/{scheduleId}/on-calls"),
    ("GET", "/v1/schedules/{scheduleId}/next-on-calls"),
    ("GET", "/v1/schedules/{scheduleId}/timeline"),
    ("GET", "/v1/alerts"),
    ("POST", "/v1/alerts"),
    ("GET", "/v1/alerts/{id}"),
    ("GET", "/v1/alerts/alias"),
    ("GET", "/v1/alerts/requests/{id}"),
];

/// Acknowledge and close: served too; listed apart to keep `SERVED` readable.
pub const SERVED_ACTIONS: [(&str, &str); 2] = [
    ("POST", "/v1/alerts/{id}/acknowledge"),
    ("POST", "/v1/alerts/{id}/close"),
];

pub fn served() -> impl Iterator<Item = (&'static str, &'static str)> {
    SERVED.into_iter().chain(SERVED_ACTIONS)
}

pub fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jsm-ops-contract.json")
}

pub fn load_snapshot() -> Value {
    let text = std::fs::read_to_string(snapshot_path()).expect("Ops snapshot is committed");
    serde_json::from_str(&text).expect("snapshot is JSON")
}

fn snapshot() -> &'static Value {
    static SNAPSHOT: OnceLock<Value> = OnceLock::new();
    SNAPSHOT.get_or_init(load_snapshot)
}

/// The operation part (`/v1/...`) of a request path on either Ops URL, without
/// the query: `/jsm/ops/api/{cloudId}/v1/...` or
/// `/ex/jira/{cloudId}/jsm/ops/api/v1/...`.
pub fn operation_path(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    if let Some(rest) = path.strip_prefix("/jsm/ops/api/") {
        let (_cloud_id, operation) = rest.split_once('/')?;
        return Some(format!("/{operation}"));
    }
    let (_cloud_id, rest) = path.strip_prefix("/ex/jira/")?.split_once('/')?;
    rest.strip_prefix("jsm/ops/api").map(str::to_owned)
}

/// The served operation whose template matches `path` (`/v1/...`); where two
/// match, the one with more literal segments (`/alerts/alias` over
/// `/alerts/{id}`).
pub fn operation(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    let segments: Vec<&str> = path.split('/').collect();
    served()
        .filter(|(m, _)| *m == method)
        .filter_map(|(m, template)| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in parts.iter().zip(&segments) {
                if t.starts_with('{') {
                    if s.is_empty() {
                        return None;
                    }
                } else if t == s {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, (m, template)))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, op)| op)
}

/// OpenAPI 3.0 to JSON Schema for the validator, applied to a copy.
///
/// The spec's `oneOf`s (`OnCallResponse`, `NextOnCallResponse`, a rotation's
/// `timeRestriction`) join open objects with no required properties, so every
/// object matches every branch and a strict `oneOf` would reject every answer,
/// the spec's own examples included. They are checked as `anyOf`; the tests
/// assert which branch (`onCallParticipants` or `onCallUsers`, ...) they expect.
fn as_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = if k == "oneOf" { "anyOf" } else { k.as_str() };
                    (key.to_owned(), as_json_schema(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(as_json_schema).collect()),
        other => other.clone(),
    }
}

fn validate(what: &str, schema: &Value, instance: &Value) {
    let mut root = as_json_schema(schema);
    root["components"] = as_json_schema(&snapshot()["components"]);
    // Ops dates are RFC 3339 on the wire, so `date-time` is checked too.
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} breaks the JSM Ops OpenAPI schema:\n{}\n{instance}",
        errors.join("\n")
    );
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Asserts the answer `status`/`body` (`text` raw) to `method path` is one the
/// operation declares, in its declared shape.
pub fn check(method: &str, path: &str, status: u16, body: &Value, text: &str) {
    let what = format!("{method} {path} -> {status}");
    let Some(op_path) = operation_path(path) else {
        panic!("{what}: not an Ops URL");
    };
    let found = operation(method, &op_path);
    if status == 401 {
        return validate(&what, &reference("UnauthorizedErrorResponse"), body);
    }
    let Some((m, template)) = found else {
        assert!(
            matches!(status, 404 | 501),
            "{what}: a path the simulator serves no operation at is 404, or 501 when documented"
        );
        return validate(&what, &reference("ErrorResponses"), body);
    };
    let declared = snapshot()["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .find(|o| o["method"] == m && o["path"] == template)
        .unwrap_or_else(|| panic!("{m} {template} is not in the snapshot"));
    match declared["responses"].get(status.to_string()) {
        Some(Value::Null) => assert!(
            text.is_empty(),
            "{what}: declared without content, got {text}"
        ),
        Some(schema) => validate(&what, schema, body),
        None if matches!(status, 404 | 422) => validate(&what, &reference("ErrorResponses"), body),
        None => panic!(
            "{what}: {m} {template} declares {:?}",
            declared["responses"]
                .as_object()
                .map(|r| r.keys().cloned().collect::<Vec<_>>())
        ),
    }
    if (400..500).contains(&status) {
        assert!(
            body["errors"][0]["title"].is_string() && body["errors"][0]["code"].is_string(),
            "{what}: an Ops error has a title and a code: {body}"
        );
    }
}
