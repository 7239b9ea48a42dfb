//! A `kiln:app@0.3.0` component on raw wit-bindgen bindings, for the host
//! tests of what 0.3.0 adds: `storage.transact`. It sends exactly the
//! operations its payload describes (any number, repeated keys, any version
//! number), so the tests see what the *host* decides, not what an SDK would
//! have allowed.
//!
//! Handlers:
//! - `transact`: `[{"key", "action": "set|delete|check", "value", "fill",
//!   "expected": "absent" | <version>}]` (`fill`: set a string of that many
//!   `x` instead of `value`, for transactions larger than a payload may be)
//!   → `{"committed": version}`,
//!   `{"condition_failed": index}` or `{"err": {"kind", "detail"}}` (`kind`
//!   the WIT case).
//! - `transfer`: `{"from", "to", "amount", "times"}`: moves `amount` from one
//!   counter to the other `times` times, each by reading both and one
//!   transaction conditioned on both versions, retrying on a failed condition
//!   → `{"retries": n}`.
//! - `get`: `{"key"}` → `{"value", "version"}` or `null`.

wit_bindgen::generate!({
    path: "../../../wit/0.3.0",
    world: "app",
    generate_all,
});

use kiln::app::storage::{self, Action, Expected, Operation, StorageError, TransactOutcome};
use kiln::app::types::{AppError, Context};
use serde::Deserialize;
use serde_json::{Value, json};

struct Component;

export!(Component);

impl exports::kiln::app::handler::Guest for Component {
    fn handle(handler: String, payload: String, _context: Context) -> Result<String, AppError> {
        let payload: Value =
            serde_json::from_str(&payload).map_err(|e| AppError::InvalidPayload(e.to_string()))?;
        let result = match handler.as_str() {
            "transact" => transact(payload)?,
            "transfer" => transfer(payload)?,
            "get" => get(payload)?,
            other => return Err(AppError::UnknownFunction(other.to_owned())),
        };
        Ok(result.to_string())
    }
}

#[derive(Deserialize)]
struct Op {
    key: String,
    action: String,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    fill: Option<usize>,
    #[serde(default)]
    expected: Option<Value>,
}

fn invalid(error: impl std::fmt::Display) -> AppError {
    AppError::InvalidPayload(error.to_string())
}

fn operation(op: Op) -> Result<Operation, AppError> {
    let action = match op.action.as_str() {
        "set" => Action::Set(match op.fill {
            Some(bytes) => Value::String("x".repeat(bytes)).to_string(),
            None => op.value.to_string(),
        }),
        "delete" => Action::Delete,
        "check" => Action::Check,
        other => return Err(invalid(format!("unknown action {other}"))),
    };
    let expected = match op.expected {
        None => None,
        Some(Value::String(text)) if text == "absent" => Some(Expected::Absent),
        Some(Value::Number(n)) => Some(Expected::Version(
            n.as_u64().ok_or_else(|| invalid("a version is a u64"))?,
        )),
        Some(other) => return Err(invalid(format!("unknown expectation {other}"))),
    };
    Ok(Operation {
        key: op.key,
        action,
        expected,
    })
}

fn transact(payload: Value) -> Result<Value, AppError> {
    let ops: Vec<Op> = serde_json::from_value(payload).map_err(invalid)?;
    let operations = ops
        .into_iter()
        .map(operation)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match storage::transact(&operations) {
        Ok(TransactOutcome::Committed(version)) => json!({ "committed": version }),
        Ok(TransactOutcome::ConditionFailed(index)) => json!({ "condition_failed": index }),
        Err(error) => json!({ "err": error_json(&error) }),
    })
}

fn error_json(error: &StorageError) -> Value {
    let (kind, detail) = match error {
        StorageError::ScopeDenied => ("scope-denied", String::new()),
        StorageError::InvalidKey(text) => ("invalid-key", text.clone()),
        StorageError::InvalidValue(text) => ("invalid-value", text.clone()),
        StorageError::InvalidCursor => ("invalid-cursor", String::new()),
        StorageError::InvalidLimit(limit) => ("invalid-limit", limit.to_string()),
        StorageError::QuotaExceeded(text) => ("quota-exceeded", text.clone()),
        StorageError::Unavailable(text) => ("unavailable", text.clone()),
        StorageError::InvalidTransaction(text) => ("invalid-transaction", text.clone()),
    };
    json!({ "kind": kind, "detail": detail })
}

fn failed(error: StorageError) -> AppError {
    AppError::Failed(error_json(&error).to_string())
}

#[derive(Deserialize)]
struct Transfer {
    from: String,
    to: String,
    amount: i64,
    times: u32,
}

fn counter(key: &str) -> Result<(i64, Expected), AppError> {
    Ok(match storage::get(key).map_err(failed)? {
        Some(entry) => (
            serde_json::from_str(&entry.value).map_err(invalid)?,
            Expected::Version(entry.version),
        ),
        None => (0, Expected::Absent),
    })
}

fn transfer(payload: Value) -> Result<Value, AppError> {
    let transfer: Transfer = serde_json::from_value(payload).map_err(invalid)?;
    let mut retries = 0u32;
    for _ in 0..transfer.times {
        loop {
            let (from, from_expected) = counter(&transfer.from)?;
            let (to, to_expected) = counter(&transfer.to)?;
            let operations = [
                Operation {
                    key: transfer.from.clone(),
                    action: Action::Set((from - transfer.amount).to_string()),
                    expected: Some(from_expected),
                },
                Operation {
                    key: transfer.to.clone(),
                    action: Action::Set((to + transfer.amount).to_string()),
                    expected: Some(to_expected),
                },
            ];
            match storage::transact(&operations).map_err(failed)? {
                TransactOutcome::Committed(_) => break,
                TransactOutcome::ConditionFailed(_) => retries += 1,
            }
        }
    }
    Ok(json!({ "retries": retries }))
}

fn get(payload: Value) -> Result<Value, AppError> {
    let key = payload["key"]
        .as_str()
        .ok_or_else(|| invalid("key is a string"))?;
    Ok(match storage::get(key).map_err(failed)? {
        Some(entry) => json!({
            "value": serde_json::from_str::<Value>(&entry.value).map_err(invalid)?,
            "version": entry.version,
        }),
        None => Value::Null,
    })
}
