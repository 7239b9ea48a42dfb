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
//! - `web_fan_out` (web trigger): pushes `count` events to the `comments` queue, delayed
//!   by `delay` seconds, each asking to be retried `retry_until` times; answers the job id.
//! - `web_job` (web trigger): answers the stats of the job `?job=`.
//! - `on_queued` (consumer of `comments`): asks for a retry while its event's body says
//!   so, then comments on the body's issue naming the event and its retry context.

use std::time::Duration;

use kiln_sdk::events::{FUNCTION_RETRY_REQUEST, JobId, PushEvent, Queue, QueueEvent};
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
    // What the server's log shows of an app by default (serve/tests/app_log.rs).
    kiln_sdk::log::info(format!("serve-app tick {start}"));
    comment("KILN-1", &format!("serve-app tick {start}"))?;
    Ok(json!({ "tick": start }))
}

fn reply(body: Value) -> Value {
    json!({ "statusCode": 200, "body": body.to_string() })
}

#[kiln_sdk::handler]
fn web_fan_out(request: Value) -> Result<Value, AppError> {
    let asked: Value = serde_json::from_str(request["body"].as_str().unwrap_or("{}"))
        .map_err(AppError::invalid_payload)?;
    let delay = Duration::from_secs(asked["delay"].as_u64().unwrap_or(0));
    let events = (0..asked["count"].as_u64().unwrap_or(1))
        .map(|n| {
            let body = json!({
                "issue": asked["issue"],
                "n": n,
                "retry_until": asked["retry_until"],
            });
            Ok(PushEvent::new(&body)?.delay(delay))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let job = Queue::new("comments")?.push_events(events)?;
    Ok(reply(json!({ "job": job.as_str() })))
}

#[kiln_sdk::handler]
fn web_job(request: Value) -> Result<Value, AppError> {
    let job = JobId::from(
        request["queryParameters"]["job"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    let stats = Queue::new("comments")?.job(&job).stats()?;
    Ok(reply(json!({
        "success": stats.success,
        "inProgress": stats.in_progress,
        "failed": stats.failed,
    })))
}

#[kiln_sdk::handler]
fn on_queued(event: QueueEvent<Value>) -> Result<Value, AppError> {
    let retries = event.retry_count();
    if let Some(until) = event.body["retry_until"].as_u64()
        && u64::from(retries) < until
    {
        return Err(AppError::retry(
            Duration::from_secs(1),
            FUNCTION_RETRY_REQUEST,
            Some(json!({ "seen": retries })),
        ));
    }
    let key = event.body["issue"]
        .as_str()
        .ok_or_else(|| AppError::invalid_payload("the event names no issue"))?;
    let context = event.retry_context.as_ref().map(|retry| {
        format!(
            " reason {} data {}",
            retry.retry_reason,
            retry.retry_data.clone().unwrap_or(Value::Null)
        )
    });
    comment(
        key,
        &format!(
            "serve-app queued {} of job {} retries {}{}",
            event.body["n"],
            event.job_id,
            retries,
            context.unwrap_or_default()
        ),
    )?;
    Ok(json!({ "commented": key }))
}

kiln_sdk::export_app!(
    web_echo,
    web_slow,
    on_event,
    on_tick,
    web_fan_out,
    web_job,
    on_queued
);
