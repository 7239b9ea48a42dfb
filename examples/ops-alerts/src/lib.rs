//! Ops alerts: the bridge a team puts between its monitoring and JSM Operations.
//!
//! - **`raise_alert`** (web trigger `alert-in`): a monitoring tool POSTs
//!   `{"message", "alias"?, "priority"? (P1..P5), "description"?, "tags"?}` to
//!   the installation's web trigger URL; the app raises it as a JSM Ops alert
//!   and answers `202 {"requestId"}`, as the Ops API does. The `alias` makes a
//!   repeated alert update the open one instead of paging twice. Bad input is
//!   answered `400` with the reason; Jira's own refusals are passed on with
//!   their status, and a rate limit becomes `503` with `Retry-After`, which
//!   monitoring tools retry on.
//! - **`oncall_summary`** (scheduled trigger, weekly): who is on call on each
//!   schedule the app can see, by display name, kept in app storage under
//!   `oncall-summary:latest` (and `oncall-summary:<interval start>` for the
//!   history), so a run never repeats work a previous week did.
//! - **`latest_summary`** (web trigger `oncall-summary-out`): that summary as
//!   JSON, for a dashboard or a chat bot.
//!
//! The web trigger URL is the only secret between the monitoring tool and the
//! app: Kiln makes it unguessable and compares it in constant time, and the
//! app never sees a credential; Kiln attaches it to each Jira request.
//!
//! Scopes: `read:ops-alert` + `write:ops-alert` (create an alert),
//! `read:ops-config` (schedules, on-calls), `read:jira-user` (names),
//! `storage:app` (the summaries).

use std::collections::BTreeMap;

use kiln_sdk::prelude::*;
use kiln_sdk::storage::{self, Expected, TransactOutcome};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The Ops API's limit on an alert's message.
const MAX_MESSAGE_CHARS: usize = 130;
/// The storage key of the newest summary.
const LATEST: &str = "oncall-summary:latest";
/// Schedules summarised per run: one page of the Ops API's largest size.
const SCHEDULES_PER_RUN: u32 = 50;

/// Forge's web trigger request, the parts this app reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebRequest {
    method: String,
    #[serde(default)]
    body: Option<String>,
}

/// Forge's web trigger response.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct WebResponse {
    status_code: u16,
    headers: BTreeMap<&'static str, Vec<String>>,
    body: String,
}

impl WebResponse {
    fn json(status_code: u16, body: &Value) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("Content-Type", vec!["application/json".to_owned()]);
        WebResponse {
            status_code,
            headers,
            body: body.to_string(),
        }
    }

    fn error(status_code: u16, message: &str) -> Self {
        Self::json(status_code, &json!({ "error": message }))
    }
}

/// What a monitoring tool sends.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct IncomingAlert {
    message: String,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// The Ops API's `CreateAlertRequest` this app sends, or why it cannot.
fn create_alert_request(body: Option<&str>) -> Result<Value, String> {
    let body = body.filter(|b| !b.trim().is_empty()).ok_or("no body: send the alert as JSON")?;
    let alert: IncomingAlert =
        serde_json::from_str(body).map_err(|e| format!("the body is not an alert: {e}"))?;
    let message = alert.message.trim();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(format!("message must be 1 to {MAX_MESSAGE_CHARS} characters"));
    }
    let priority = alert.priority.as_deref().unwrap_or("P3");
    if !matches!(priority, "P1" | "P2" | "P3" | "P4" | "P5") {
        return Err(format!("priority must be P1 to P5, not {priority:?}"));
    }
    let mut tags = alert.tags;
    tags.push("kiln".to_owned());
    let mut request = json!({
        "message": message,
        "priority": priority,
        "source": "Kiln ops-alerts",
        "tags": tags,
    });
    if let Some(alias) = alert.alias.filter(|a| !a.trim().is_empty()) {
        request["alias"] = json!(alias);
    }
    if let Some(description) = alert.description {
        request["description"] = json!(description);
    }
    Ok(request)
}

#[kiln_sdk::handler]
fn raise_alert(request: WebRequest, ctx: &Context) -> Result<WebResponse, AppError> {
    if request.method != "POST" {
        return Ok(WebResponse::error(405, "POST the alert as JSON"));
    }
    let alert = match create_alert_request(request.body.as_deref()) {
        Ok(alert) => alert,
        Err(reason) => return Ok(WebResponse::error(400, &reason)),
    };
    let response = as_user()
        .post(route!("/jsm/ops/api/{}/v1/alerts", ctx.cloud_id)?)
        .json(&alert)
        .send()?;
    let status = response.status();
    if status == 429 {
        let retry_after = response
            .header("retry-after")
            .unwrap_or("60")
            .to_owned();
        let mut answer = WebResponse::error(503, "JSM is rate limiting; retry later");
        answer.headers.insert("Retry-After", vec![retry_after]);
        return Ok(answer);
    }
    if !(200..300).contains(&status) {
        log::warn!("the Ops API refused the alert: {status}");
        return Ok(WebResponse::json(
            if status >= 500 { 502 } else { status },
            &json!({ "error": "the Ops API refused the alert", "status": status, "ops": response.json::<Value>().unwrap_or(Value::Null) }),
        ));
    }
    let accepted: Value = response.json()?;
    log::info!("alert raised: {}", alert["message"]);
    Ok(WebResponse::json(
        202,
        &json!({ "requestId": accepted["requestId"] }),
    ))
}

#[derive(Deserialize)]
struct Page<T> {
    values: Vec<T>,
}

#[derive(Deserialize)]
struct Schedule {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnCalls {
    on_call_participants: Vec<Participant>,
}

/// An on-call responder: an id and a kind; a team or escalation carries the
/// users it flattens to.
#[derive(Deserialize)]
struct Participant {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, rename = "onCallParticipants")]
    flattened: Vec<Participant>,
}

fn user_ids(participant: &Participant) -> Vec<&str> {
    if participant.kind == "user" {
        vec![participant.id.as_str()]
    } else {
        participant.flattened.iter().flat_map(user_ids).collect()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    account_id: String,
    display_name: String,
}

/// The weekly summary, as stored and as served.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Summary {
    /// The scheduled interval it was made for (ms since the epoch).
    interval_start: i64,
    schedules: Vec<ScheduleOnCall>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct ScheduleOnCall {
    schedule: String,
    on_call: Vec<String>,
}

/// Forge's scheduled trigger payload, the part this app reads.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Tick {
    context: TickContext,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct TickContext {
    interval_start: i64,
}

#[kiln_sdk::handler]
fn oncall_summary(tick: Option<Tick>, ctx: &Context) -> Result<Summary, AppError> {
    let interval_start = tick.unwrap_or_default().context.interval_start;
    let key = format!("oncall-summary:{interval_start}");
    // A retried run of the same week keeps what the first run found.
    if let Some(done) = storage::get::<Summary>(&key)? {
        return Ok(done);
    }
    let schedules: Page<Schedule> = as_user()
        .get(route!("/jsm/ops/api/{}/v1/schedules", ctx.cloud_id)?)
        .query("size", SCHEDULES_PER_RUN.to_string())
        .send()?
        .error_for_status()?
        .json()?;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut summary = Summary {
        interval_start,
        schedules: Vec::new(),
    };
    for schedule in schedules.values {
        let on_calls: OnCalls = as_user()
            .get(route!(
                "/jsm/ops/api/{}/v1/schedules/{}/on-calls",
                ctx.cloud_id,
                schedule.id
            )?)
            .send()?
            .error_for_status()?
            .json()?;
        let mut on_call = Vec::new();
        for id in on_calls.on_call_participants.iter().flat_map(user_ids) {
            if !names.contains_key(id) {
                let name = display_name(id)?;
                names.insert(id.to_owned(), name);
            }
            on_call.push(names[id].clone());
        }
        summary.schedules.push(ScheduleOnCall {
            schedule: schedule.name,
            on_call,
        });
    }
    // This week's summary and the latest one are written together or not at
    // all: a run stopped between two writes would leave the week stored but
    // not published, and its retry would return early above.
    let outcome = storage::transaction()
        .set_if(&key, &summary, Expected::Absent)
        .set(LATEST, &summary)
        .commit()?;
    Ok(match outcome {
        TransactOutcome::Committed { .. } => summary,
        // A concurrent run of the same week stored its summary first: that
        // one is the week's answer.
        TransactOutcome::ConditionFailed { .. } => storage::get(&key)?.unwrap_or(summary),
    })
}

/// A user's display name, or their account id when the user search has no
/// active user by it (a deactivated responder is still named, by id).
fn display_name(account_id: &str) -> Result<String, AppError> {
    let users: Vec<User> = as_user()
        .get(route!("/rest/api/3/user/search"))
        .query("accountId", account_id)
        .send()?
        .error_for_status()?
        .json()?;
    Ok(users
        .into_iter()
        .find(|u| u.account_id == account_id)
        .map_or_else(|| account_id.to_owned(), |u| u.display_name))
}

#[kiln_sdk::handler]
fn latest_summary(request: WebRequest) -> Result<WebResponse, AppError> {
    if request.method != "GET" {
        return Ok(WebResponse::error(405, "GET the latest summary"));
    }
    Ok(match storage::get::<Summary>(LATEST)? {
        Some(summary) => WebResponse::json(200, &json!(summary)),
        None => WebResponse::error(404, "no summary yet: the first one is made this week"),
    })
}

kiln_sdk::export_app!(raise_alert, oncall_summary, latest_summary);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_is_checked_and_tagged() {
        let request = create_alert_request(Some(
            r#"{"message":"disk full on db-1","alias":"db-1-disk","priority":"P2","tags":["db"]}"#,
        ))
        .unwrap();
        assert_eq!(request["message"], "disk full on db-1");
        assert_eq!(request["alias"], "db-1-disk");
        assert_eq!(request["priority"], "P2");
        assert_eq!(request["tags"], json!(["db", "kiln"]));
        let defaulted = create_alert_request(Some(r#"{"message":"m"}"#)).unwrap();
        assert_eq!(defaulted["priority"], "P3");
        assert!(defaulted.get("alias").is_none());
    }

    #[test]
    fn bad_alerts_say_why() {
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(131));
        for (body, why) in [
            (None, "no body"),
            (Some("  "), "no body"),
            (Some("not json"), "not an alert"),
            (Some(r#"{"message":"   "}"#), "1 to 130"),
            (Some(long.as_str()), "1 to 130"),
            (Some(r#"{"message":"m","priority":"urgent"}"#), "P1 to P5"),
            (Some(r#"{"message":"m","pager":"everyone"}"#), "unknown field"),
        ] {
            let error = create_alert_request(body).unwrap_err();
            assert!(error.contains(why), "{body:?}: {error}");
        }
    }

    /// One schedule with one user on call, as the fake Jira answers.
    fn one_schedule_on_call(fake: &kiln_sdk::testing::Fake) {
        let ctx = kiln_sdk::testing::context();
        let cloud = &ctx.cloud_id;
        fake.jira()
            .on(Method::Get, format!("/jsm/ops/api/{cloud}/v1/schedules"))
            .json(200, &json!({"values": [{"id": "s1", "name": "Primary"}]}));
        fake.jira()
            .on(
                Method::Get,
                format!("/jsm/ops/api/{cloud}/v1/schedules/s1/on-calls"),
            )
            .json(
                200,
                &json!({"onCallParticipants": [{"id": "u1", "type": "user"}]}),
            );
        fake.jira()
            .on(Method::Get, "/rest/api/3/user/search")
            .json(200, &json!([{"accountId": "u1", "displayName": "Ada"}]));
    }

    fn tick(interval_start: i64) -> Option<Tick> {
        serde_json::from_value(json!({"context": {"intervalStart": interval_start}})).unwrap()
    }

    #[test]
    fn the_weeks_summary_and_the_latest_are_stored_together() {
        let fake = kiln_sdk::testing::Fake::install();
        one_schedule_on_call(&fake);
        let summary = oncall_summary(tick(7), &kiln_sdk::testing::context()).unwrap();
        assert_eq!(summary.schedules[0].on_call, ["Ada"]);
        let week = fake.storage().version("oncall-summary:7");
        assert!(week.is_some());
        assert_eq!(week, fake.storage().version(LATEST), "one transaction");
    }

    #[test]
    fn a_concurrent_run_of_the_same_week_keeps_its_summary() {
        let fake = kiln_sdk::testing::Fake::install();
        one_schedule_on_call(&fake);
        let theirs = Summary {
            interval_start: 7,
            schedules: Vec::new(),
        };
        fake.storage().concurrent_write("oncall-summary:7", &theirs);
        let answered = oncall_summary(tick(7), &kiln_sdk::testing::context()).unwrap();
        assert_eq!(answered, theirs);
        assert_eq!(
            fake.storage().get::<Summary>(LATEST),
            None,
            "nothing of this run was written"
        );
    }

    #[test]
    fn teams_on_call_stand_for_their_members() {
        let on_calls: OnCalls = serde_json::from_str(
            r#"{"onCallParticipants":[{"id":"t","type":"team","onCallParticipants":[{"id":"a","type":"user"}]},{"id":"b","type":"user"}]}"#,
        )
        .unwrap();
        let ids: Vec<&str> = on_calls
            .on_call_participants
            .iter()
            .flat_map(user_ids)
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }
}
