//! Work logged on an issue (`/rest/api/3/issue/{issueIdOrKey}/worklog`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::IssuePath;
use super::duration;
use super::issue::{Change, editable_issue, visible_issue};
use super::issue_history::changelog;
use super::page::{PageQuery, Window, offset_page};
use super::render;
use super::time_tracking;
use crate::access::Caller;
use crate::adf;
use crate::clock::{in_calendar, jira_timestamp, parse_rfc3339};
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::time_tracking::Adjustment;
use crate::world::{IssueRecord, WorklogRecord, World};

/// `getIssueWorklog`'s default and largest page.
const PAGE_SIZE: usize = 5000;

/// The issue field that carries its worklogs (Jira's "Log Work").
pub(crate) const FIELD: &str = "worklog";

/// Worklogs an issue's `worklog` field carries: Jira gives the first 20 (with
/// `maxResults` 20 and the `total`); `getIssueWorklog` pages the rest.
const FIELD_PAGE_SIZE: usize = 20;

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

/// `addWorklog`'s query: how the issue's remaining estimate moves.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddQuery {
    adjust_estimate: Option<String>,
    new_estimate: Option<String>,
    reduce_by: Option<String>,
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<AddQuery>,
    JiraJson(input): JiraJson<AddInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Worklog)?;
    let adjustment = adjustment(&query)?;
    let seconds = time_spent(&input)?;
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
    let worklog_id = worklog.id;
    let issue = &mut world.issues[index];
    let before = issue.tracked();
    issue.worklogs.push(worklog);
    issue.estimates.remaining = adjustment.remaining_after_logging(before.remaining, seconds);
    issue.updated = now;
    // Jira logs the time tracking values the worklog moved, then the worklog's
    // id (`DefaultTimeTrackingIssueUpdater`). The simulator announces the
    // worklog with `worklog_created` alone, so the entry is recorded as the
    // unannounced ones are (Jira Cloud also raises `jira:issue_updated`,
    // `issue_work_logged`, which the simulator does not model).
    let mut items = time_tracking::change_items(before, issue.tracked());
    items.push(changelog::worklog_item(worklog_id));
    changelog::record_unannounced(&mut world, index, &caller.account_id, items);
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

/// The worklog's time in seconds: `timeSpentSeconds`, else `timeSpent` read as
/// a duration. Refused under `timeLogged`, as Jira's worklog service words it
/// (its functional tests quote these messages).
fn time_spent(input: &AddInput) -> Result<u64, JiraError> {
    let refused = |message: &str| Err(JiraError::field("timeLogged", message));
    let seconds = match (input.time_spent_seconds, input.time_spent.as_deref()) {
        (Some(seconds), _) => seconds,
        (None, Some(text)) if !text.trim().is_empty() => match duration::parse(text) {
            Some(seconds) => seconds,
            None => return refused("Invalid time duration entered."),
        },
        (None, _) => return refused("You must indicate the time spent working."),
    };
    // Jira logs whole minutes: less than one is no time at all.
    if seconds < duration::MINUTE {
        return refused("Time Spent can not be zero.");
    }
    if seconds > duration::MAX_SECONDS {
        return refused("Invalid time duration entered.");
    }
    Ok(seconds)
}

/// `adjustEstimate` (any case; `auto` when absent or blank) with the value its
/// mode needs. A missing value is refused under the parameter's name, as Jira's
/// REST resource does; an invalid one under the name Jira's worklog service
/// uses (`newEstimate`, `adjustmentAmount`), with its messages as its functional
/// tests quote them. The wording for an unknown mode is the simulator's.
fn adjustment(query: &AddQuery) -> Result<Adjustment, JiraError> {
    let mode = query
        .adjust_estimate
        .as_deref()
        .map(str::trim)
        .filter(|mode| !mode.is_empty())
        .map(str::to_ascii_lowercase);
    match mode.as_deref() {
        None | Some("auto") => Ok(Adjustment::Auto),
        Some("leave") => Ok(Adjustment::Leave),
        Some("new") => {
            let blank = "You must supply a valid new estimate.";
            let text = query
                .new_estimate
                .as_deref()
                .ok_or_else(|| JiraError::field("newEstimate", blank))?;
            estimate(text, "newEstimate", blank, "Invalid new estimate entered.")
                .map(Adjustment::New)
        }
        Some("manual") => {
            let blank = "You must supply a valid amount of time to adjust the estimate by.";
            let text = query
                .reduce_by
                .as_deref()
                .ok_or_else(|| JiraError::field("reduceBy", blank))?;
            let invalid = "Invalid time entered for adjusting the estimate.";
            estimate(text, "adjustmentAmount", blank, invalid).map(Adjustment::Manual)
        }
        Some(_) => Err(JiraError::field(
            "adjustEstimate",
            "adjustEstimate must be one of new, leave, manual or auto.",
        )),
    }
}

/// A duration a worklog's adjustment gives: `blank` if it is blank, `invalid`
/// if it is not a duration, either under `field`.
fn estimate(text: &str, field: &str, blank: &str, invalid: &str) -> Result<u64, JiraError> {
    if text.trim().is_empty() {
        return Err(JiraError::field(field, blank));
    }
    duration::parse(text).ok_or_else(|| JiraError::field(field, invalid))
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

/// The issue's `worklog` field: a `PageOfWorklogs` of its first worklogs.
pub(crate) fn issue_field(links: &str, world: &World, issue: &IssueRecord) -> Value {
    let window = Window {
        start: 0,
        max: FIELD_PAGE_SIZE,
    };
    let page: Vec<Value> = window
        .of(&issue.worklogs)
        .map(|w| render_worklog(links, world, issue, w))
        .collect();
    offset_page(window, issue.worklogs.len(), "worklogs", page)
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
        "timeSpent": duration::format(worklog.time_spent_seconds),
        "timeSpentSeconds": worklog.time_spent_seconds,
        "id": worklog.id.to_string(),
        "issueId": issue.id.to_string(),
    });
    if let Some(comment) = &worklog.comment {
        value["comment"] = comment.clone();
    }
    value
}
