//! Performs exactly the `request-jira` call the payload describes, through
//! the SDK's unchecked [`kiln_sdk::raw`] door, so the host tests can send
//! hostile paths, headers and bodies and see what the *host* decides.
//!
//! Payload of `call`:
//! `{"principal": "user|app", "method": "GET", "path": "/rest/api/3/myself",
//!   "query": [["k", "v"]], "headers": [["k", "v"]], "body": "..."}`
//! (`body_bytes: [..]` instead of `body` sends arbitrary bytes, `body_len: n`
//! sends `n` bytes made in the guest).
//! Result: `{"ok": {"status", "headers", "body"}}` or
//! `{"err": {"kind", "detail", "message"}}` with `kind` the WIT case name.

use kiln_sdk::prelude::*;
use kiln_sdk::raw::{self, RawRequest};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    principal: PrincipalName,
    method: MethodName,
    path: String,
    #[serde(default)]
    query: Vec<(String, String)>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_bytes: Option<Vec<u8>>,
    /// A body of this many `x` bytes, made in the guest (a body larger than
    /// the payload limit could not travel in the payload).
    #[serde(default)]
    body_len: Option<usize>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum PrincipalName {
    User,
    App,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "UPPERCASE")]
enum MethodName {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// Payload of `repeat`: the same call `times` times in one invocation, for
/// per-invocation quotas.
#[derive(Deserialize)]
struct Repeat {
    times: u32,
    call: Call,
}

impl Call {
    fn to_raw(&self) -> RawRequest {
        RawRequest {
            principal: match self.principal {
                PrincipalName::User => Principal::User,
                PrincipalName::App => Principal::App,
            },
            method: match self.method {
                MethodName::Get => Method::Get,
                MethodName::Post => Method::Post,
                MethodName::Put => Method::Put,
                MethodName::Patch => Method::Patch,
                MethodName::Delete => Method::Delete,
            },
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self
                .body_bytes
                .clone()
                .or_else(|| self.body.clone().map(String::into_bytes))
                .or_else(|| self.body_len.map(|len| vec![b'x'; len])),
        }
    }
}

/// Sends the described request once.
#[kiln_sdk::handler]
fn call(input: Call) -> Result<Value, AppError> {
    Ok(outcome(raw::request(input.to_raw())))
}

/// Sends the described request `times` times; stops at the first error.
#[kiln_sdk::handler]
fn repeat(input: Repeat) -> Result<Value, AppError> {
    let mut statuses = Vec::new();
    for _ in 0..input.times {
        match raw::request(input.call.to_raw()) {
            Ok(response) => statuses.push(response.status()),
            Err(error) => {
                return Ok(json!({ "statuses": statuses, "err": request_error(&error) }));
            }
        }
    }
    Ok(json!({ "statuses": statuses }))
}

/// Payload of `flood`: the same call `times` times, carrying on after every
/// error (a guest that ignores refusals).
#[derive(Deserialize)]
struct Flood {
    times: u32,
    call: Call,
}

/// Sends the described request `times` times whatever happens and counts
/// the outcomes: `{"ok": n, "errors": {"quota-exceeded": n, ...}, "last_error": {...}}`.
#[kiln_sdk::handler]
fn flood(input: Flood) -> Result<Value, AppError> {
    let request = input.call.to_raw();
    let mut ok = 0u32;
    let mut errors = serde_json::Map::new();
    let mut last_error = Value::Null;
    for _ in 0..input.times {
        match raw::request(request.clone()) {
            Ok(_) => ok += 1,
            Err(error) => {
                let described = request_error(&error);
                let kind = described["kind"].as_str().unwrap_or("unknown").to_owned();
                let count = errors.get(&kind).and_then(Value::as_u64).unwrap_or(0);
                errors.insert(kind, json!(count + 1));
                last_error = described;
            }
        }
    }
    Ok(json!({ "ok": ok, "errors": errors, "last_error": last_error }))
}

/// Calls request-jira in a loop that never ends, ignoring every answer: the
/// deadline must stop a guest that spends its time in host calls.
#[kiln_sdk::handler]
fn call_forever(input: Call) -> Result<Value, AppError> {
    let request = input.to_raw();
    loop {
        let _ = std::hint::black_box(raw::request(request.clone()));
    }
}

fn outcome(result: Result<Response, RequestError>) -> Value {
    match result {
        Ok(response) => json!({
            "ok": {
                "status": response.status(),
                "headers": response.headers(),
                "body": String::from_utf8_lossy(response.bytes()),
            }
        }),
        Err(error) => json!({ "err": request_error(&error) }),
    }
}

/// The WIT `request-error` as JSON: its case name, its payload and the SDK's
/// message.
fn request_error(error: &RequestError) -> Value {
    let (kind, detail) = match error {
        RequestError::InvalidRequest(rule) => ("invalid-request", json!(rule)),
        RequestError::UnknownRoute(route) => ("unknown-route", json!(route)),
        RequestError::ScopeDenied(denied) => (
            "scope-denied",
            json!({ "route": denied.route, "missing": denied.missing }),
        ),
        RequestError::NeedsAuthentication(principal) => {
            ("needs-authentication", json!(principal.to_string()))
        }
        RequestError::QuotaExceeded(quota) => ("quota-exceeded", json!(quota)),
        RequestError::Timeout => ("timeout", Value::Null),
        RequestError::Transport(reason) => ("transport", json!(reason)),
    };
    json!({ "kind": kind, "detail": detail, "message": error.to_string() })
}

kiln_sdk::export_app!(call, repeat, flood, call_forever);
