//! The app `runtime serve`'s replica tests (serve/tests/replicas.rs) host on three replicas
//! sharing one PostgreSQL database. Every handler leaves its trace in app storage, which the
//! replicas share, so a test counts what ran across all of them through one web trigger:
//!
//! - `count` (web trigger): one compare-and-set increment of `?key=` (default `counter`),
//!   retried on conflict; answers the value it wrote.
//! - `report` (web trigger): one page (up to 100) of the keys under `?prefix=`, after
//!   `?cursor=`, as `{"entries": {key: value}, "next": cursor}`.
//! - `on_event` (product event): increments `done:<issue>`. For a summary of `slow:<ms>` it
//!   first increments `started:<issue>` and spins that long (at most 5 s): a handler slow on
//!   purpose, to be killed mid-invocation. `wait:<ms>` is the same but sleeps (a host poll
//!   on WASI's monotonic clock) instead of spinning: slow without taking a core.
//! - `on_tick` (scheduled trigger): increments `tick:<interval start>`.
//! - `on_lifecycle` (Forge's lifecycle events): increments `lifecycle:<eventType>` and keeps
//!   the last payload under `lifecycle-last:<eventType>`, beside the installation id and
//!   trigger kind its context carried.
//! - `sql_count` (web trigger): one increment of a row in the installation's Forge SQL
//!   database, which the replicas share; answers the count it then reads. `?read=1` only
//!   reads it.

use kiln_sdk::prelude::*;
use kiln_sdk::sql;
use kiln_sdk::storage::Expected;
use serde_json::{Map, Value, json};

/// Conflicts one increment may meet before it gives up. Every replica's every slot may be
/// incrementing the same key at once; each conflict means another increment succeeded.
const MAX_CONFLICTS: u32 = 10_000;

/// Adds one to the counter under `key` by compare-and-set; returns the value written.
fn increment(key: &str) -> Result<u64, AppError> {
    for _ in 0..MAX_CONFLICTS {
        let (expected, next) = match storage::get_entry::<u64>(key)? {
            Some(entry) => (Expected::Version(entry.version), entry.value + 1),
            None => (Expected::Absent, 1),
        };
        if storage::compare_and_set(key, expected, Some(&next))? {
            return Ok(next);
        }
    }
    Err(AppError::failed(format!("{key}: too many conflicts")))
}

fn query_parameter<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    request["queryParameters"][name][0].as_str()
}

#[kiln_sdk::handler]
fn count(request: Value) -> Result<Value, AppError> {
    let key = query_parameter(&request, "key").unwrap_or("counter");
    let value = increment(key)?;
    Ok(json!({ "statusCode": 200, "body": json!({ "value": value }).to_string() }))
}

#[kiln_sdk::handler]
fn report(request: Value) -> Result<Value, AppError> {
    let mut query = storage::query()
        .where_prefix(query_parameter(&request, "prefix").unwrap_or(""))
        .limit(100);
    if let Some(cursor) = query_parameter(&request, "cursor") {
        query = query.cursor(cursor);
    }
    let page = query.get_many::<Value>()?;
    let entries: Map<String, Value> = page
        .entries
        .into_iter()
        .map(|entry| (entry.key, entry.value))
        .collect();
    Ok(json!({
        "statusCode": 200,
        "body": json!({ "entries": entries, "next": page.next_cursor }).to_string(),
    }))
}

#[kiln_sdk::handler]
fn on_event(event: Value) -> Result<Value, AppError> {
    let key = event["issue"]["key"]
        .as_str()
        .ok_or_else(|| AppError::invalid_payload("the event names no issue"))?;
    let summary = event["issue"]["fields"]["summary"].as_str().unwrap_or("");
    if let Some((how, ms)) = summary
        .split_once(':')
        .and_then(|(how, ms)| Some((how, ms.parse::<u64>().ok()?)))
        .filter(|(how, _)| matches!(*how, "slow" | "wait"))
    {
        increment(&format!("started:{key}"))?;
        let length = std::time::Duration::from_millis(ms.min(5_000));
        if how == "wait" {
            std::thread::sleep(length);
        } else {
            let until = std::time::Instant::now() + length;
            while std::time::Instant::now() < until {
                std::hint::spin_loop();
            }
        }
    }
    let done = increment(&format!("done:{key}"))?;
    Ok(json!({ "issue": key, "done": done }))
}

#[kiln_sdk::handler]
fn on_tick(payload: Value) -> Result<Value, AppError> {
    let start = payload["context"]["intervalStart"].as_i64().unwrap_or(0);
    let runs = increment(&format!("tick:{start}"))?;
    Ok(json!({ "tick": start, "runs": runs }))
}

#[kiln_sdk::handler]
fn on_lifecycle(event: Value, ctx: &Context) -> Result<Value, AppError> {
    let kind = event["eventType"]
        .as_str()
        .ok_or_else(|| AppError::invalid_payload("the event names no eventType"))?
        .to_owned();
    let runs = increment(&format!("lifecycle:{kind}"))?;
    storage::set(
        &format!("lifecycle-last:{kind}"),
        &json!({
            "event": event,
            "installationId": ctx.installation_id,
            "trigger": ctx.trigger.to_string(),
        }),
    )?;
    Ok(json!({ "event": kind, "runs": runs }))
}

#[derive(serde::Deserialize)]
struct Count {
    #[serde(deserialize_with = "sql::number::deserialize")]
    n: u64,
}

#[kiln_sdk::handler]
fn sql_count(request: Value) -> Result<Value, AppError> {
    sql::execute_ddl("CREATE TABLE IF NOT EXISTS counter (id INT PRIMARY KEY, n BIGINT NOT NULL)")?;
    if query_parameter(&request, "read").is_none() {
        sql::prepare("INSERT INTO counter (id, n) VALUES (1, 1) ON DUPLICATE KEY UPDATE n = n + 1")
            .execute()?;
    }
    let count: Option<Count> =
        sql::prepare("SELECT n FROM counter WHERE id = 1").fetch_optional()?;
    let value = count.map_or(0, |count| count.n);
    Ok(json!({ "statusCode": 200, "body": json!({ "value": value }).to_string() }))
}

kiln_sdk::export_app!(count, report, on_event, on_tick, on_lifecycle, sql_count);
