//! Work logged on an issue (`/rest/api/3/issue/{issueIdOrKey}/worklog`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::IssuePath;
use super::issue::{Change, editable_issue, visible_issue};
use super::page::{PageQuery, offset_page};
use super::render;
use crate::access::Caller;
use crate::adf;
use crate::clock::{in_calendar, jira_timestamp, parse_rfc3339};
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::{IssueRecord, WorklogRecord, World};

/// `getIssueWorklog`'s default and largest page.
const PAGE_SIZE: usize = 5000;

/// Jira Cloud's default time tracking: 1w = 5d, 1d = 8h.
const UNIT_SECONDS: [(char, u64); 4] =
    [('w', 5 * 8 * 3600), ('d', 8 * 3600), ('h', 3600), ('m', 60)];

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let window = query.window(PAGE_SIZE, PAGE_SIZE);
    let page: Vec<Value> = window
        .of(&issue.worklogs)
        .map(|w| render_worklog(&caller.links, &world, issue, w))
        .collect();
    Ok(Json(offset_page(
        window,
        issue.worklogs.len(),
        "worklogs",
        page,
    )))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddInput {
    time_spent: Option<String>,
    time_spent_seconds: Option<u64>,
    started: Option<String>,
    comment: Option<Value>,
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(input): JiraJson<AddInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Worklog)?;
    let seconds = match (input.time_spent_seconds, input.time_spent.as_deref()) {
        (Some(seconds), _) => Some(seconds),
        (None, Some(text)) => parse_duration(text),
        (None, None) => None,
    }
    .filter(|seconds| *seconds >= 60)
    .ok_or_else(|| JiraError::field("timeLogged", "You must indicate the time spent working."))?;
    let now = world.now();
    let started = match input.started.as_deref() {
        None => now,
        Some(text) => parse_started(text).ok_or_else(|| {
            JiraError::field("started", "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\".")
        })?,
    };
    let comment = adf::optional_field("comment", input.comment)?;
    let worklog = WorklogRecord {
        id: world.take_worklog_id(),
        author: caller.account_id.clone(),
        comment,
        started,
        time_spent_seconds: seconds,
        created: now,
    };
    let issue = &mut world.issues[index];
    issue.worklogs.push(worklog);
    issue.updated = now;
    let issue = &world.issues[index];
    let Some(worklog) = issue.worklogs.last() else {
        return Ok((StatusCode::CREATED, Json(Value::Null)));
    };
    let rendered = render_worklog(&caller.links, &world, issue, worklog);
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared
        .event_context(&world, &caller.account_id)
        .worklog_created(issue, worklog);
    shared.emit(&world, raised);
    Ok((StatusCode::CREATED, Json(rendered)))
}

/// Jira's worklog `started`: `2024-03-28T10:15:30.000+0000` (no colon in the
/// offset), or RFC 3339; either in the years 0000 to 9999 in UTC
/// ([`in_calendar`]), which the worklog is written back in.
fn parse_started(text: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::parse(text, &format)
        .ok()
        .filter(|at| in_calendar(*at))
        .or_else(|| parse_rfc3339(text))
}

/// `"1w 2d 3h 30m"` → seconds; `None` for anything else.
fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut any = false;
    for part in text.split_whitespace() {
        let unit = part.chars().last()?;
        let amount: u64 = part[..part.len() - unit.len_utf8()].parse().ok()?;
        let (_, per) = UNIT_SECONDS.iter().find(|(u, _)| *u == unit)?;
        total = total.checked_add(amount.checked_mul(*per)?)?;
        any = true;
    }
    any.then_some(total)
}

/// Seconds → Jira's `timeSpent` text (`"1d 2h 30m"`).
fn format_duration(mut seconds: u64) -> String {
    let mut parts = Vec::new();
    for (unit, per) in UNIT_SECONDS {
        if seconds >= per {
            parts.push(format!("{}{unit}", seconds / per));
            seconds %= per;
        }
    }
    if parts.is_empty() {
        String::from("0m")
    } else {
        parts.join(" ")
    }
}

pub(crate) fn render_worklog(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    worklog: &WorklogRecord,
) -> Value {
    let author = world
        .user(&worklog.author)
        .map_or(Value::Null, |u| render::user_details(links, u));
    let mut value = json!({
        "self": format!("{links}/rest/api/3/issue/{}/worklog/{}", issue.id, worklog.id),
        "author": author,
        "updateAuthor": author,
        "created": jira_timestamp(worklog.created),
        "updated": jira_timestamp(worklog.created),
        "started": jira_timestamp(worklog.started),
        "timeSpent": format_duration(worklog.time_spent_seconds),
        "timeSpentSeconds": worklog.time_spent_seconds,
        "id": worklog.id.to_string(),
        "issueId": issue.id.to_string(),
    });
    if let Some(comment) = &worklog.comment {
        value["comment"] = comment.clone();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_in_jira_units() {
        assert_eq!(parse_duration("1h 30m"), Some(5400));
        assert_eq!(parse_duration("1w"), Some(144_000));
        assert_eq!(parse_duration("2d"), Some(57_600));
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("99999999999999999999w"), None);
        assert_eq!(format_duration(5400), "1h 30m");
        assert_eq!(format_duration(144_000 + 3600), "1w 1h");
    }
}
