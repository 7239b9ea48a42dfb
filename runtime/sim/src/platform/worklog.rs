//! Work logged on an issue: listing and adding worklogs
//! (`/rest/api/3/issue/{issueIdOrKey}/worklog`), reading, editing and deleting
//! one (`…/worklog/{id}`: `getWorklog`, `updateWorklog`, `deleteWorklog`), and
//! how a worklog is rendered.
//!
//! Every write moves the issue's time tracking (the time spent is the sum of its
//! worklogs; the remaining estimate moves by `adjustEstimate`, read in
//! `adjust_estimate.rs`), records a changelog entry and raises its webhook.
//!
//! Who may write: Jira asks *Work on issues* to log work and *Edit own/all
//! worklogs*, *Delete own/all worklogs* to change one; the simulator folds each of
//! these into its one Edit permission, as it folds Jira's other per-action
//! permissions, so whoever may edit the project's issues may log work and edit or
//! delete any worklog, and nobody else may. Read with the issue's Browse.
//!
//! Accepted and ignored: `notifyUsers` (the simulator sends no email) and
//! `overrideEditableFlag` (it has no workflow state that makes an issue
//! uneditable). `visibility` restricts the worklog to a group or project role
//! (`worklog_visibility.rs`): every read leaves out a worklog its reader may
//! not see, and an edit that leaves `visibility` out keeps it (`null` lifts
//! it).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::adjust_estimate::EstimateQuery;
use super::duration;
use super::field_details::expands;
use super::issue::{Change, editable_issue, visible_issue};
use super::issue_history::changelog;
use super::page::{Window, offset_page};
use super::render;
use super::time_tracking;
use super::worklog_visibility::{self, may_see_restricted};
use super::{IssueChildPath, IssuePath, find_child};
use crate::access::Caller;
use crate::adf;
use crate::clock::{in_calendar, jira_timestamp, parse_rfc3339};
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::event::WorklogChange;
use crate::world::time_tracking::Adjustment;
use crate::world::worklog_feed::WorklogVisibility;
use crate::world::{IssueRecord, WorklogRecord, World};

/// `getIssueWorklog`'s default and largest page.
const PAGE_SIZE: usize = 5000;

/// The issue field that carries its worklogs (Jira's "Log Work").
pub(crate) const FIELD: &str = "worklog";

/// Jira Cloud's per-issue limit on worklogs (Atlassian's issue limits, 2024):
/// `addWorklog`'s 413 "the per-issue limit has been breached". Worklogs live until
/// they or their issue are deleted, so without it a client could grow one issue,
/// and the simulator's memory, without end.
pub(crate) const MAX_WORKLOGS_PER_ISSUE: usize = 5_000;

/// Worklogs an issue's `worklog` field carries: Jira gives the first 20 (with
/// `maxResults` 20 and the `total`); `getIssueWorklog` pages the rest.
const FIELD_PAGE_SIZE: usize = 20;

/// `getIssueWorklog`'s query: the page, and what to expand.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    expand: Option<String>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<ListQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let window = Window::new(query.start_at, query.max_results, PAGE_SIZE, PAGE_SIZE);
    let expand = query.expand.as_deref();
    let visible: Vec<&WorklogRecord> = issue
        .worklogs
        .iter()
        .filter(|w| may_see_restricted(&world, &caller.account_id, issue, w))
        .collect();
    let page: Vec<Value> = window
        .of(visible.iter().copied())
        .map(|w| expanded(render_worklog(&caller.links, &world, issue, w), w, expand))
        .collect();
    Ok(Json(offset_page(window, visible.len(), "worklogs", page)))
}

/// A worklog body (the spec's `Worklog`), as `addWorklog` and `updateWorklog`
/// read it; read-only properties (`id`, `author`, `self` …) are ignored, so a
/// worklog read back can be written back.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorklogInput {
    time_spent: Option<String>,
    time_spent_seconds: Option<u64>,
    started: Option<String>,
    comment: Option<Value>,
    /// `None` when left out, `Some(Value::Null)` for `null`.
    #[serde(default, deserialize_with = "worklog_visibility::present")]
    visibility: Option<Value>,
}

/// What a worklog body gives, checked: `None` for each part it leaves out (or
/// sends `null`).
struct Given {
    seconds: Option<u64>,
    started: Option<OffsetDateTime>,
    comment: Option<Value>,
    /// `None` when left out; `Some(None)` lifts a restriction.
    visibility: Option<Option<WorklogVisibility>>,
}

impl WorklogInput {
    /// The body's parts, each checked as Jira's worklog service checks it: the
    /// visibility first (for `writer`, on an issue of `project_key`), then the
    /// time spent and the start
    /// (`DefaultWorklogService.validateParamsAndCreateWorklog`), then the
    /// comment, which must be a document in v3.
    fn read(self, world: &World, writer: &str, project_key: &str) -> Result<Given, JiraError> {
        let visibility = self
            .visibility
            .map(|v| worklog_visibility::read(world, writer, project_key, &v))
            .transpose()?;
        let seconds = time_spent(self.time_spent_seconds, self.time_spent.as_deref())?;
        let started = match self.started.as_deref() {
            None => None,
            Some(text) => Some(parse_started(text).ok_or_else(|| {
                JiraError::field("started", "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\".")
            })?),
        };
        let comment = adf::optional_field("comment", self.comment)?;
        Ok(Given {
            seconds,
            started,
            comment,
            visibility,
        })
    }
}

/// `expand` of the worklog operations. The spec's one value, `properties`,
/// adds the worklog's properties (`worklog_property.rs`), an empty list for a
/// worklog without any, as Jira answers.
#[derive(Deserialize)]
pub(crate) struct ExpandQuery {
    expand: Option<String>,
}

/// [`expanded`] for the worklog at `position` of issue `index`, if it is there.
fn expanded_at(
    world: &World,
    index: usize,
    position: usize,
    rendered: Value,
    expand: &ExpandQuery,
) -> Value {
    match world.issues[index].worklogs.get(position) {
        Some(worklog) => expanded(rendered, worklog, expand.expand.as_deref()),
        None => rendered,
    }
}

/// `rendered` (the `Worklog` of `worklog`) with what `expand` asks for.
pub(crate) fn expanded(
    mut rendered: Value,
    worklog: &WorklogRecord,
    expand: Option<&str>,
) -> Value {
    if expands(expand, "properties") {
        rendered["properties"] = super::property::entity_properties(&worklog.properties);
    }
    rendered
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<EstimateQuery>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
    JiraJson(input): JiraJson<WorklogInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Worklog)?;
    if world.issues[index].worklogs.len() >= MAX_WORKLOGS_PER_ISSUE {
        return Err(JiraError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The per-issue limit for worklogs ({MAX_WORKLOGS_PER_ISSUE}) has been breached."
            ),
        ));
    }
    let adjustment = query.for_adding()?;
    let project_key = world.issues[index].project_key.clone();
    let given = input.read(&world, &caller.account_id, &project_key)?;
    let seconds = given.seconds.ok_or_else(nothing_logged)?;
    let now = world.now();
    let worklog = WorklogRecord {
        id: world.take_worklog_id(),
        author: caller.account_id.clone(),
        comment: given.comment,
        started: given.started.unwrap_or(now),
        time_spent_seconds: seconds,
        created: now,
        updated: now,
        update_author: None,
        visibility: given.visibility.flatten(),
        properties: BTreeMap::new(),
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
    let position = world.issues[index].worklogs.len().saturating_sub(1);
    let rendered = raise(
        &shared,
        &world,
        &caller,
        WorklogChange::Created,
        index,
        position,
    );
    Ok((
        StatusCode::CREATED,
        Json(expanded_at(&world, index, position, rendered, &expand)),
    ))
}

/// Path of a single worklog.
pub(super) type WorklogPath = IssueChildPath;

/// The issue (visible to the caller) and the position of its worklog, or the 404
/// the spec documents for either missing, in the words of Jira's worklog
/// resource (its functional test `TestWorklogResource.testViewWorklogNotFound`
/// quotes them). A worklog of another issue is not found under this one, nor
/// one restricted to a group or role the caller is not in.
pub(super) fn find(
    world: &World,
    caller: &Caller,
    path: &WorklogPath,
) -> Result<(usize, usize), JiraError> {
    let not_found =
        |id: &str| JiraError::not_found(format!("Cannot find worklog with id: '{id}'."));
    let (index, position) = find_child(
        world,
        caller,
        path,
        |issue| &issue.worklogs,
        |worklog| worklog.id,
        not_found,
    )?;
    let issue = &world.issues[index];
    if !may_see_restricted(world, &caller.account_id, issue, &issue.worklogs[position]) {
        return Err(not_found(&path.id));
    }
    Ok((index, position))
}

/// As [`find`], if the caller may also edit or delete the worklog (see the
/// module's note on permissions). `refusal` is the 400 the operation documents
/// for a caller who may not ("the user does not have permission to update the
/// worklog"; neither documents 403); its wording is the simulator's.
fn find_changeable(
    world: &World,
    caller: &Caller,
    path: &WorklogPath,
    refusal: &str,
) -> Result<(usize, usize), JiraError> {
    let (index, position) = find(world, caller, path)?;
    let project = &world.issues[index].project_key;
    if !world.may(&caller.account_id, project, SeedPermission::Edit) {
        return Err(JiraError::bad_request(refusal));
    }
    Ok((index, position))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<WorklogPath>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = find(&world, &caller, &path)?;
    let issue = &world.issues[index];
    let worklog = &issue.worklogs[position];
    let rendered = render_worklog(&caller.links, &world, issue, worklog);
    Ok(Json(expanded(rendered, worklog, expand.expand.as_deref())))
}

/// Edits the worklog: what the body gives replaces the worklog's, what it
/// leaves out (or sends `null`) is kept, as Jira's REST functional test
/// `testEditWorklog` asserts ("missing fields ignored"). The time spent moves by
/// the change, the remaining estimate by `adjustEstimate`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<WorklogPath>,
    JiraQuery(query): JiraQuery<EstimateQuery>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
    JiraJson(input): JiraJson<WorklogInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let (index, position) = find_changeable(
        &world,
        &caller,
        &path,
        "You do not have the permission to edit this worklog.",
    )?;
    let adjustment = query.for_editing()?;
    let project_key = world.issues[index].project_key.clone();
    let given = input.read(&world, &caller.account_id, &project_key)?;
    let now = world.now();
    let issue = &mut world.issues[index];
    let before = issue.tracked();
    let worklog = &mut issue.worklogs[position];
    let was = worklog.time_spent_seconds;
    if let Some(seconds) = given.seconds {
        worklog.time_spent_seconds = seconds;
    }
    if let Some(started) = given.started {
        worklog.started = started;
    }
    if let Some(comment) = given.comment {
        worklog.comment = Some(comment);
    }
    if let Some(visibility) = given.visibility {
        worklog.visibility = visibility;
    }
    worklog.updated = now;
    worklog.update_author = Some(caller.account_id.clone());
    let (worklog_id, spent) = (worklog.id, worklog.time_spent_seconds);
    issue.estimates.remaining = adjustment.remaining_after_editing(before.remaining, was, spent);
    issue.updated = now;
    // As for a worklog added: the values it moved, then its id (Jira's
    // `updateIssueOnWorklogUpdate` logs the same items), even when nothing moved.
    let mut items = time_tracking::change_items(before, issue.tracked());
    items.push(changelog::worklog_item(worklog_id));
    changelog::record_unannounced(&mut world, index, &caller.account_id, items);
    let rendered = raise(
        &shared,
        &world,
        &caller,
        WorklogChange::Updated,
        index,
        position,
    );
    Ok(Json(expanded_at(
        &world, index, position, rendered, &expand,
    )))
}

/// Deletes the worklog: its time leaves the time spent, and the remaining
/// estimate moves by `adjustEstimate`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<WorklogPath>,
    JiraQuery(query): JiraQuery<EstimateQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (index, position) = find_changeable(
        &world,
        &caller,
        &path,
        "You do not have the permission to delete this worklog.",
    )?;
    let adjustment = query.for_deleting()?;
    remove(&shared, &mut world, &caller, index, position, adjustment);
    Ok(StatusCode::NO_CONTENT)
}

/// Removes worklog `position` of issue `index` as `deleteWorklog` does, one
/// step for the single and the bulk delete: its time leaves the time spent,
/// the remaining estimate moves by `adjustment`, one changelog entry, the
/// deleted-worklogs feed and `worklog_deleted`.
pub(super) fn remove(
    shared: &Shared,
    world: &mut World,
    caller: &Caller,
    index: usize,
    position: usize,
    adjustment: Adjustment,
) {
    let now = world.now();
    let issue = &mut world.issues[index];
    let before = issue.tracked();
    let removed = issue.worklogs.remove(position);
    issue.estimates.remaining =
        adjustment.remaining_after_deleting(before.remaining, removed.time_spent_seconds);
    issue.updated = now;
    // Jira's `updateIssueOnWorklogDelete` logs the values the deletion moved,
    // the worklog's id, then its time.
    let mut items = time_tracking::change_items(before, issue.tracked());
    items.push(changelog::worklog_item(removed.id));
    items.push(changelog::worklog_time_spent_item(
        removed.time_spent_seconds,
    ));
    changelog::record_unannounced(world, index, &caller.account_id, items);
    // For `GET /worklog/deleted`.
    world.record_deleted_worklogs([removed.id]);
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared.event_context(world, caller).worklog(
        WorklogChange::Deleted,
        &world.issues[index],
        &removed,
    );
    shared.emit(world, raised);
}

/// Raises the worklog's event for worklog `position` of issue `index` and
/// answers it as rendered. Raised with the world still locked, so deliveries
/// keep write order.
fn raise(
    shared: &Shared,
    world: &World,
    caller: &Caller,
    change: WorklogChange,
    index: usize,
    position: usize,
) -> Value {
    let issue = &world.issues[index];
    let Some(worklog) = issue.worklogs.get(position) else {
        return Value::Null;
    };
    let raised = shared
        .event_context(world, caller)
        .worklog(change, issue, worklog);
    shared.emit(world, raised);
    render_worklog(&caller.links, world, issue, worklog)
}

/// The worklog's time in seconds, `None` if the body gives neither
/// `timeSpentSeconds` nor `timeSpent`: `timeSpentSeconds` when given, else
/// `timeSpent` read as a duration. Refused under `timeLogged`, as Jira's
/// worklog service words it (its functional tests quote these messages).
fn time_spent(seconds: Option<u64>, text: Option<&str>) -> Result<Option<u64>, JiraError> {
    let refused = |message: &str| Err(JiraError::field("timeLogged", message));
    let seconds = match (seconds, text) {
        (None, None) => return Ok(None),
        (Some(seconds), _) => seconds,
        (None, Some(text)) if !text.trim().is_empty() => match duration::parse(text) {
            Some(seconds) => seconds,
            None => return refused("Invalid time duration entered."),
        },
        (None, Some(_)) => return Err(nothing_logged()),
    };
    // Jira logs whole minutes: less than one is no time at all.
    if seconds < duration::MINUTE {
        return refused("Time Spent can not be zero.");
    }
    if seconds > duration::MAX_SECONDS {
        return refused("Invalid time duration entered.");
    }
    Ok(Some(seconds))
}

/// A worklog without its time (Jira's `worklog.service.error.timespent.required`).
fn nothing_logged() -> JiraError {
    JiraError::field("timeLogged", "You must indicate the time spent working.")
}

/// Jira's worklog `started`: `2024-03-28T10:15:30.000+0000` (no colon in the
/// offset), or RFC 3339; either in the years 0000 to 9999 in UTC
/// ([`in_calendar`]), which the worklog is written back in.
fn parse_started(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, &format)
        .ok()
        .filter(|at| in_calendar(*at))
        .or_else(|| parse_rfc3339(text))
}

/// The issue's `worklog` field: a `PageOfWorklogs` of its first worklogs that
/// `viewer` may see (all of them for a webhook payload, which has no viewer).
pub(crate) fn issue_field(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    viewer: Option<&str>,
) -> Value {
    let window = Window {
        start: 0,
        max: FIELD_PAGE_SIZE,
    };
    let visible: Vec<&WorklogRecord> = issue
        .worklogs
        .iter()
        .filter(|w| viewer.is_none_or(|viewer| may_see_restricted(world, viewer, issue, w)))
        .collect();
    let page: Vec<Value> = window
        .of(visible.iter().copied())
        .map(|w| render_worklog(links, world, issue, w))
        .collect();
    offset_page(window, visible.len(), "worklogs", page)
}

/// A `Worklog`: `updateAuthor` is the last editor, the author until someone
/// edits it; a user the site no longer has is `null`.
pub(crate) fn render_worklog(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    worklog: &WorklogRecord,
) -> Value {
    let user = |account_id: &str| {
        world
            .user(account_id)
            .map_or(Value::Null, |u| render::user_details(links, u))
    };
    let author = user(&worklog.author);
    let update_author = worklog
        .update_author
        .as_deref()
        .map_or_else(|| author.clone(), user);
    let mut value = json!({
        "self": format!("{links}/rest/api/3/issue/{}/worklog/{}", issue.id, worklog.id),
        "author": author,
        "updateAuthor": update_author,
        "created": jira_timestamp(worklog.created),
        "updated": jira_timestamp(worklog.updated),
        "started": jira_timestamp(worklog.started),
        "timeSpent": duration::format(worklog.time_spent_seconds),
        "timeSpentSeconds": worklog.time_spent_seconds,
        "id": worklog.id.to_string(),
        "issueId": issue.id.to_string(),
    });
    if let Some(comment) = &worklog.comment {
        value["comment"] = comment.clone();
    }
    if let Some(visibility) = &worklog.visibility {
        value["visibility"] = worklog_visibility::render(world, visibility);
    }
    value
}
