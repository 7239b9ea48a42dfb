//! The app `runtime serve`'s end-to-end tests host (serve/tests/): one handler per trigger
//! kind, each leaving a trace the tests can check from outside the server.
//!
//! - `web_echo` (web trigger): answers with what it received (method, user path, headers,
//!   query, body, and the installation's web trigger URLs the host put in its environment
//!   for `webTrigger.getUrl`, and its `GREETING` config variable) in Forge's response
//!   shape, so a test sees exactly what reached the app.
//! - `web_slow` (web trigger): spins for `?ms=N` (at most 5 s) before answering, to hold
//!   a slot (backpressure tests).
//! - `on_event` (product event trigger): comments on the event's issue, so the Jira write
//!   is the proof the trigger ran (and the count of comments how often).
//! - `on_tick` (scheduled trigger): comments on the issue named by the test's manifest
//!   (`KILN-1`), once per run.

use kiln_sdk::prelude::*;
use serde_json::{Value, json};

#[kiln_sdk::handler]
fn web_echo(request: Value) -> Result<Value, AppError> {
    let seen = json!({
        "method": request["method"],
        "userPath": request["userPath"],
        "headers": request["headers"],
        "queryParameters": request["queryParameters"],
        "body": request["body"],
        "webTriggerUrls": std::env::var("KILN_WEBTRIGGER_URLS").ok(),
        "greeting": std::env::var("GREETING").ok(),
    });
    Ok(json!({
        "statusCode": 200,
        "headers": { "Content-Type": ["application/json"], "X-Served-By": ["serve-app"] },
        "body": seen.to_string(),
    }))
}

#[kiln_sdk::handler]
fn web_slow(request: Value) -> Result<Value, AppError> {
    let ms = request["queryParameters"]["ms"][0]
        .as_str()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(200)
        .min(5_000);
    let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
    Ok(json!({ "statusCode": 200, "body": "slow done" }))
}

fn comment(key: &str, text: &str) -> Result<(), AppError> {
    let body = json!({
        "body": { "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [{ "type": "text", "text": text }] }
        ]}
    });
    as_user()
        .post(route!("/rest/api/3/issue/{}/comment", key)?)
        .json(&body)
        .send()?;
    Ok(())
}

#[kiln_sdk::handler]
fn on_event(event: Value) -> Result<Value, AppError> {
    let key = event["issue"]["key"]
        .as_str()
        .ok_or_else(|| AppError::invalid_payload("the event names no issue"))?;
    let marker = event["issue"]["fields"]["summary"].as_str().unwrap_or("");
    comment(
        key,
        &format!(
            "serve-app saw {} ({marker}) selfGenerated={}",
            event["eventType"].as_str().unwrap_or("?"),
            event["selfGenerated"]
        ),
    )?;
    Ok(json!({ "commented": key }))
}

#[kiln_sdk::handler]
fn on_tick(payload: Value) -> Result<Value, AppError> {
    let start = payload["context"]["intervalStart"].as_i64().unwrap_or(0);
    comment("KILN-1", &format!("serve-app tick {start}"))?;
    Ok(json!({ "tick": start }))
}

kiln_sdk::export_app!(web_echo, web_slow, on_event, on_tick);
