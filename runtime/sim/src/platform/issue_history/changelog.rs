//! An issue's changelog (`GET /rest/api/3/issue/{issueIdOrKey}/changelog`,
//! `getChangeLogs`): a `PageBeanChangelog` of the issue's history, oldest first
//! as Jira pages it.
//!
//! The entries are recorded by the writes that raise `jira:issue_updated` (edit,
//! transition, assignment), with the webhook's changelog id and items. The world
//! keeps a bounded number per issue (`world::issue::MAX_HISTORY_ENTRIES`), so
//! `total` counts what is kept, not every change ever made.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::access::Caller;
use crate::clock::jira_timestamp;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::platform::IssuePath;
use crate::platform::issue::visible_issue;
use crate::platform::page::{PageQuery, page_bean};
use crate::platform::render;
use crate::shared::Shared;
use crate::world::{HistoryRecord, IssueRecord, World};

/// `getChangeLogs`' default and largest page.
const PAGE_SIZE: usize = 100;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let window = query.bean_window(PAGE_SIZE, PAGE_SIZE);
    let values: Vec<Value> = window
        .of(&issue.history)
        .map(|entry| render_entry(&caller.links, &world, entry))
        .collect();
    let base = format!("{}/rest/api/3/issue/{}/changelog", caller.links, issue.key);
    Ok(Json(page_bean(&base, window, issue.history.len(), values)))
}

/// The `changelog` an issue carries with `expand=changelog` (a
/// `PageOfChangelogs`): its history's first page, oldest first, as
/// `getChangeLogs` starts, with `total` saying how many are kept.
pub(crate) fn expanded(links: &str, world: &World, issue: &IssueRecord) -> Value {
    let histories: Vec<Value> = issue
        .history
        .iter()
        .take(PAGE_SIZE)
        .map(|entry| render_entry(links, world, entry))
        .collect();
    json!({
        "startAt": 0,
        "maxResults": histories.len(),
        "total": issue.history.len(),
        "histories": histories,
    })
}

/// A `Changelog`: the items as the webhook carried them (`from` and the strings
/// `null` where the value has none, as Jira sends them).
fn render_entry(links: &str, world: &World, entry: &HistoryRecord) -> Value {
    let mut value = json!({
        "id": entry.id.to_string(),
        "created": jira_timestamp(entry.created),
        "items": entry.items,
    });
    // `author` is a `UserDetails` object: left out, not null, for an account the
    // site no longer has.
    if let Some(author) = world.user(&entry.author) {
        value["author"] = render::user_details(links, author);
    }
    value
}
