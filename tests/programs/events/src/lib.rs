//! A `kiln:app@0.4.0` component on raw wit-bindgen bindings, for the host
//! tests of what 0.4.0 adds: async events (`events`, the consumer's
//! invocation, `app-error.retry`) and expiring storage values with their
//! metadata. It sends exactly what its payload describes (any queue name,
//! any body text, any delay), so the tests see what the *host* decides.
//!
//! Handlers:
//! - `push`: `{"queue", "events": [{"body": <json> | "body_text": "<raw>",
//!   "delay": n}]}` → `{"job": id}` or `{"err": {"kind", "detail"}}`; with
//!   `"repeat": n`, the same push n times in this invocation → `{"jobs": […]}`
//!   and the first refusal's `err`.
//! - `stats` / `cancel`: `{"queue", "job"}` → the job's counts / `{}`, or
//!   `{"err": …}`.
//! - `consume`, the consumer: answers `{"got": <its payload>, "trigger":
//!   <trigger kind>}`; when the event's body says `{"retry_until": n, …}` it
//!   asks for a retry (`after`, `reason`, `data` from the body) until its
//!   `retryContext.retryCount` reaches n; `{"fail": true}` fails;
//!   `{"chain": "<queue>"}` pushes the same body to that queue first.
//! - `set_expiring`: `{"key", "value", "ttl"}` → `{"version"}` or `{"err"}`;
//!   `get`: `{"key"}` → the entry with its metadata, or `null`;
//!   `transact`: `[{"key", "value", "ttl"?}]` (sets) → `{"committed": v}`.

wit_bindgen::generate!({
    path: "../../../wit/0.4.0",
    world: "app",
    generate_all,
});

use kiln::app::events::{self, EventsError, PushEvent};
use kiln::app::storage::{self, Action, ExpiringValue, Operation, StorageError, TransactOutcome};
use kiln::app::types::{AppError, Context, RetryRequest, TriggerKind};
use serde_json::{Value, json};

struct Component;

export!(Component);

impl exports::kiln::app::handler::Guest for Component {
    fn handle(handler: String, payload: String, context: Context) -> Result<String, AppError> {
        let payload: Value =
            serde_json::from_str(&payload).map_err(|e| AppError::InvalidPayload(e.to_string()))?;
        let result = match handler.as_str() {
            "push" => push(&payload),
            "stats" => stats(&payload),
            "cancel" => cancel(&payload),
            "consume" => consume(payload, &context)?,
            "set_expiring" => set_expiring(&payload),
            "get" => get(&payload),
            "transact" => transact(&payload),
            other => return Err(AppError::UnknownFunction(other.to_owned())),
        };
        Ok(result.to_string())
    }
}

fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_default().to_owned()
}

fn events_err(error: EventsError) -> Value {
    let (kind, detail) = match error {
        EventsError::UnknownQueue(text) => ("unknown-queue", json!(text)),
        EventsError::InvalidQueueName => ("invalid-queue-name", Value::Null),
        EventsError::InvalidEvent(text) => ("invalid-event", json!(text)),
        EventsError::TooManyEvents(max) => ("too-many-events", json!(max)),
        EventsError::PayloadTooLarge(text) => ("payload-too-large", json!(text)),
        EventsError::InvocationLimitReached => ("invocation-limit-reached", Value::Null),
        EventsError::RateLimited(after) => ("rate-limited", json!(after)),
        EventsError::UnknownJob => ("unknown-job", Value::Null),
        EventsError::Unavailable(text) => ("unavailable", json!(text)),
    };
    json!({"err": {"kind": kind, "detail": detail}})
}

fn storage_err(error: StorageError) -> Value {
    let (kind, detail) = match error {
        StorageError::ScopeDenied => ("scope-denied", Value::Null),
        StorageError::InvalidKey(text) => ("invalid-key", json!(text)),
        StorageError::InvalidValue(text) => ("invalid-value", json!(text)),
        StorageError::InvalidCursor => ("invalid-cursor", Value::Null),
        StorageError::InvalidLimit(limit) => ("invalid-limit", json!(limit)),
        StorageError::QuotaExceeded(text) => ("quota-exceeded", json!(text)),
        StorageError::Unavailable(text) => ("unavailable", json!(text)),
        StorageError::InvalidTransaction(text) => ("invalid-transaction", json!(text)),
    };
    json!({"err": {"kind": kind, "detail": detail}})
}

fn push_events(payload: &Value) -> Vec<PushEvent> {
    payload["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|event| PushEvent {
                    body: match event.get("body_text") {
                        Some(raw) => raw.as_str().unwrap_or_default().to_owned(),
                        None => event["body"].to_string(),
                    },
                    delay_seconds: event["delay"].as_u64().unwrap_or(0) as u32,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn push(payload: &Value) -> Value {
    let events = push_events(payload);
    let Some(times) = payload["repeat"].as_u64() else {
        return match events::push(&text(payload, "queue"), &events) {
            Ok(job) => json!({ "job": job }),
            Err(error) => events_err(error),
        };
    };
    // The same push `repeat` times in this one invocation: the jobs pushed,
    // and the first refusal.
    let mut jobs = Vec::new();
    for _ in 0..times {
        match events::push(&text(payload, "queue"), &events) {
            Ok(job) => jobs.push(job),
            Err(error) => {
                let mut answer = events_err(error);
                answer["jobs"] = json!(jobs);
                return answer;
            }
        }
    }
    json!({ "jobs": jobs })
}

fn stats(payload: &Value) -> Value {
    match events::stats(&text(payload, "queue"), &text(payload, "job")) {
        Ok(stats) => json!({
            "success": stats.success,
            "inProgress": stats.in_progress,
            "failed": stats.failed,
        }),
        Err(error) => events_err(error),
    }
}

fn cancel(payload: &Value) -> Value {
    match events::cancel(&text(payload, "queue"), &text(payload, "job")) {
        Ok(()) => json!({}),
        Err(error) => events_err(error),
    }
}

fn trigger_name(trigger: TriggerKind) -> &'static str {
    match trigger {
        TriggerKind::Function => "function",
        TriggerKind::ProductEvent => "product-event",
        TriggerKind::WebTrigger => "web-trigger",
        TriggerKind::Scheduled => "scheduled",
        TriggerKind::QueueEvent => "queue-event",
    }
}

fn consume(payload: Value, context: &Context) -> Result<Value, AppError> {
    // A resolver-style consumer gets the event inside Forge's resolver call.
    let event = payload
        .pointer("/call/payload")
        .cloned()
        .unwrap_or_else(|| payload.clone());
    let body = &event["body"];
    if let Some(queue) = body["chain"].as_str() {
        let pushed = events::push(
            queue,
            &[PushEvent {
                body: body.to_string(),
                delay_seconds: 0,
            }],
        );
        if let Err(error) = pushed {
            return Ok(json!({"got": payload, "chain": events_err(error)}));
        }
    }
    if body["fail"] == json!(true) {
        return Err(AppError::Failed("the body asked to fail".into()));
    }
    if let Some(until) = body["retry_until"].as_u64() {
        let count = event["retryContext"]["retryCount"].as_u64().unwrap_or(0);
        if count < until {
            return Err(AppError::Retry(RetryRequest {
                after_seconds: body["after"].as_u64().unwrap_or(0) as u32,
                reason: text(body, "reason"),
                data: body.get("data").map(|data| match data.as_str() {
                    Some(raw) if body["data_is_text"] == json!(true) => raw.to_owned(),
                    _ => data.to_string(),
                }),
            }));
        }
    }
    Ok(json!({"got": payload, "trigger": trigger_name(context.trigger)}))
}

fn set_expiring(payload: &Value) -> Value {
    let ttl = payload["ttl"].as_u64().unwrap_or(0);
    match storage::set_expiring(&text(payload, "key"), &payload["value"].to_string(), ttl) {
        Ok(version) => json!({ "version": version }),
        Err(error) => storage_err(error),
    }
}

fn get(payload: &Value) -> Value {
    match storage::get(&text(payload, "key")) {
        Ok(None) => Value::Null,
        Ok(Some(entry)) => json!({
            "value": serde_json::from_str::<Value>(&entry.value).unwrap_or(Value::Null),
            "version": entry.version,
            "created_at": entry.created_at,
            "updated_at": entry.updated_at,
            "expires_at": entry.expires_at,
        }),
        Err(error) => storage_err(error),
    }
}

fn transact(payload: &Value) -> Value {
    let operations: Vec<Operation> = payload
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|op| Operation {
                    key: text(op, "key"),
                    action: match op["ttl"].as_u64() {
                        Some(ttl_seconds) => Action::SetExpiring(ExpiringValue {
                            value: op["value"].to_string(),
                            ttl_seconds,
                        }),
                        None => Action::Set(op["value"].to_string()),
                    },
                    expected: None,
                })
                .collect()
        })
        .unwrap_or_default();
    match storage::transact(&operations) {
        Ok(TransactOutcome::Committed(version)) => json!({ "committed": version }),
        Ok(TransactOutcome::ConditionFailed(index)) => json!({ "condition_failed": index }),
        Err(error) => storage_err(error),
    }
}
