//! A `kiln:app@0.2.0` component on raw wit-bindgen bindings, for the host
//! tests of what 0.2.0 adds: app storage, `request-jira-all` and the richer
//! context. It performs exactly the calls its payload describes, so the
//! tests see what the *host* decides.
//!
//! Handlers:
//! - `ops`: `[{"op": "get|set|delete|query|cas|get-secret|set-secret|delete-secret",
//!   "key", "value", "prefix", "cursor", "limit", "expected"}]` → one outcome per
//!   op, `{"ok": ...}` or `{"err": {"kind", "detail"}}` (`kind` the WIT case).
//! - `increment`: `{"key", "times"}`: adds 1 to a counter `times` times by
//!   read + compare-and-set, retrying on conflict → `{"retries": n}`.
//! - `context`: the context record as JSON.
//! - `jira_all`: `[{"principal", "method", "path"}]` through `request-jira-all`
//!   → one outcome per request, `{"status"}` or `{"err": {"kind"}}`.
//! - `log`: `{"message"}` logged at info (to check what reaches the log).

wit_bindgen::generate!({
    path: "../../../wit/0.2.0",
    world: "app",
    generate_all,
});

use kiln::app::jira;
use kiln::app::log;
use kiln::app::storage::{self, Expected, StorageError};
use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, TriggerKind,
};
use serde::Deserialize;
use serde_json::{Value, json};

struct Component;

export!(Component);

impl exports::kiln::app::handler::Guest for Component {
    fn handle(handler: String, payload: String, context: Context) -> Result<String, AppError> {
        let payload: Value =
            serde_json::from_str(&payload).map_err(|e| AppError::InvalidPayload(e.to_string()))?;
        let result = match handler.as_str() {
            "ops" => ops(payload)?,
            "increment" => increment(payload)?,
            "context" => context_json(&context),
            "jira_all" => jira_all(payload)?,
            "log" => {
                log::log(Level::Info, payload["message"].as_str().unwrap_or_default());
                json!(null)
            }
            other => return Err(AppError::UnknownFunction(other.to_owned())),
        };
        Ok(result.to_string())
    }
}

#[derive(Deserialize)]
struct Op {
    op: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: Option<Value>,
    /// A value sent as this exact text (not re-serialised), for invalid JSON.
    #[serde(default)]
    raw_value: Option<String>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
    /// `null`: absent; a number: that version.
    #[serde(default)]
    expected: Option<u64>,
}

impl Op {
    fn value_text(&self) -> Option<String> {
        self.raw_value
            .clone()
            .or_else(|| self.value.as_ref().map(Value::to_string))
    }
}

fn ops(payload: Value) -> Result<Value, AppError> {
    let ops: Vec<Op> =
        serde_json::from_value(payload).map_err(|e| AppError::InvalidPayload(e.to_string()))?;
    Ok(Value::Array(ops.iter().map(run).collect()))
}

fn run(op: &Op) -> Value {
    let outcome = match op.op.as_str() {
        "get" => storage::get(&op.key).map(|entry| match entry {
            None => Value::Null,
            Some(entry) => {
                json!({"key": entry.key, "value": parse(&entry.value), "version": entry.version})
            }
        }),
        "set" => storage::set(&op.key, &op.value_text().unwrap_or_default()).map(|v| json!(v)),
        "delete" => storage::delete(&op.key).map(|()| Value::Null),
        "query" => storage::query(&op.prefix, op.cursor.as_deref(), op.limit).map(|page| {
            json!({
                "keys": page.entries.iter().map(|e| e.key.clone()).collect::<Vec<_>>(),
                "values": page.entries.iter().map(|e| parse(&e.value)).collect::<Vec<_>>(),
                "next_cursor": page.next_cursor,
            })
        }),
        "cas" => {
            let expected = match op.expected {
                None => Expected::Absent,
                Some(version) => Expected::Version(version),
            };
            storage::compare_and_set(&op.key, expected, op.value_text().as_deref())
                .map(|b| json!(b))
        }
        "get-secret" => {
            storage::get_secret(&op.key).map(|s| s.map(|s| parse(&s)).unwrap_or(Value::Null))
        }
        "set-secret" => {
            storage::set_secret(&op.key, &op.value_text().unwrap_or_default()).map(|()| Value::Null)
        }
        "delete-secret" => storage::delete_secret(&op.key).map(|()| Value::Null),
        other => return json!({"err": {"kind": "unknown-op", "detail": other}}),
    };
    match outcome {
        Ok(value) => json!({"ok": value}),
        Err(error) => json!({"err": storage_error(&error)}),
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({"unparsable": text}))
}

fn storage_error(error: &StorageError) -> Value {
    let (kind, detail) = match error {
        StorageError::ScopeDenied => ("scope-denied", Value::Null),
        StorageError::InvalidKey(text) => ("invalid-key", json!(text)),
        StorageError::InvalidValue(text) => ("invalid-value", json!(text)),
        StorageError::InvalidCursor => ("invalid-cursor", Value::Null),
        StorageError::InvalidLimit(limit) => ("invalid-limit", json!(limit)),
        StorageError::QuotaExceeded(text) => ("quota-exceeded", json!(text)),
        StorageError::Unavailable(text) => ("unavailable", json!(text)),
    };
    json!({"kind": kind, "detail": detail})
}

fn increment(payload: Value) -> Result<Value, AppError> {
    let key = payload["key"].as_str().unwrap_or("counter").to_owned();
    let times = payload["times"].as_u64().unwrap_or(1);
    let mut retries = 0u64;
    for _ in 0..times {
        loop {
            let current = storage::get(&key).map_err(|e| failed(&e))?;
            let (expected, next) = match current {
                None => (Expected::Absent, 1),
                Some(entry) => {
                    let n = entry
                        .value
                        .parse::<u64>()
                        .map_err(|_| AppError::Failed("not a counter".into()))?;
                    (Expected::Version(entry.version), n + 1)
                }
            };
            if storage::compare_and_set(&key, expected, Some(&next.to_string()))
                .map_err(|e| failed(&e))?
            {
                break;
            }
            retries += 1;
        }
    }
    Ok(json!({"retries": retries}))
}

fn failed(error: &StorageError) -> AppError {
    AppError::Failed(storage_error(error).to_string())
}

fn context_json(context: &Context) -> Value {
    let trigger = match context.trigger {
        TriggerKind::Function => "function",
        TriggerKind::ProductEvent => "product-event",
        TriggerKind::WebTrigger => "web-trigger",
        TriggerKind::Scheduled => "scheduled",
    };
    json!({
        "invocation_id": context.invocation_id,
        "account_id": context.account_id,
        "cloud_id": context.cloud_id,
        "site_url": context.site_url,
        "module_key": context.module_key,
        "installation_id": context.installation_id,
        "trigger": trigger,
        "environment": context.environment,
    })
}

#[derive(Deserialize)]
struct JiraCall {
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    method: Option<String>,
    path: String,
}

fn jira_all(payload: Value) -> Result<Value, AppError> {
    let calls: Vec<JiraCall> =
        serde_json::from_value(payload).map_err(|e| AppError::InvalidPayload(e.to_string()))?;
    let requests: Vec<Request> = calls
        .into_iter()
        .map(|call| Request {
            principal: match call.principal.as_deref() {
                Some("app") => Principal::App,
                _ => Principal::User,
            },
            method: match call.method.as_deref() {
                Some("POST") => Method::Post,
                Some("PUT") => Method::Put,
                Some("DELETE") => Method::Delete,
                _ => Method::Get,
            },
            path: call.path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        })
        .collect();
    let outcomes = jira::request_jira_all(&requests);
    Ok(Value::Array(
        outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Ok(response) => json!({"status": response.status}),
                Err(error) => json!({"err": {"kind": request_error_kind(&error)}}),
            })
            .collect(),
    ))
}

fn request_error_kind(error: &RequestError) -> &'static str {
    match error {
        RequestError::InvalidRequest(_) => "invalid-request",
        RequestError::UnknownRoute(_) => "unknown-route",
        RequestError::ScopeDenied(_) => "scope-denied",
        RequestError::NeedsAuthentication(_) => "needs-authentication",
        RequestError::QuotaExceeded(_) => "quota-exceeded",
        RequestError::Timeout => "timeout",
        RequestError::Transport(_) => "transport",
    }
}
