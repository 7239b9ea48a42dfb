//! Remote issue links: links from an issue to items in other systems
//! (`/rest/api/3/issue/{issueIdOrKey}/remotelink`), read with Browse and written
//! with Edit (Jira's *Link issues*, folded into Edit as the simulator folds the
//! other per-action permissions).
//!
//! A link may carry a `globalId`, the item's identity in its own system: posting a
//! link whose `globalId` the issue already has updates that link (200) instead of
//! adding one (201), and `?globalId=` reads or deletes it. The simulator keeps the
//! `globalId` unique per issue, so that identity is never ambiguous.
//!
//! Every link stays in memory until it or its issue is deleted, and a client may be
//! hostile: [`MAX_LINKS_PER_ISSUE`] and [`MAX_LINK_BYTES`] bound what one issue
//! holds.
//!
//! Creating and deleting a link writes a `RemoteIssueLink` entry to the issue's
//! changelog, as Jira does, and raises no webhook: Jira has no remote link event,
//! and nothing found shows it raising `jira:issue_updated` for one. Updating a
//! link, whole or by its `globalId`, writes none: no changelog Jira wrote that
//! shows one for an update was found, so the simulator does not invent its shape.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::changelog;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::platform::IssuePath;
use crate::platform::issue::{Change, editable_issue, visible_issue};
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::event::EntityChange;
use crate::world::{
    IssueRecord, RemoteApplication, RemoteIcon, RemoteLinkRecord, RemoteObject, RemoteStatus, World,
};

/// Remote links one issue keeps: Jira Cloud's own per-issue limit (2,000, its
/// 413 "the per-issue limit for remote links has been breached"). Without it a
/// client could grow the simulator's memory without end, one link at a time.
pub(crate) const MAX_LINKS_PER_ISSUE: usize = 2_000;

/// Largest link, in bytes of its JSON as kept (what a read answers, less `id`
/// and `self`). Jira documents no such limit (its fields are database columns);
/// the simulator's is an entity property's (32,768 bytes), so that one issue
/// holds at most [`MAX_LINKS_PER_ISSUE`] times this, not that many request bodies.
pub(crate) const MAX_LINK_BYTES: usize = 32_768;

/// Jira's limit on a `globalId` (`RemoteIssueLinkRequest`: "The maximum length is
/// 255 characters").
const MAX_GLOBAL_ID_CHARS: usize = 255;

#[derive(Deserialize)]
pub(crate) struct LinkPath {
    issue_id_or_key: String,
    link_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GlobalIdQuery {
    global_id: Option<String>,
}

/// A `RemoteIssueLinkRequest`. Everything optional here, so that a missing
/// `object`, `url` or `title` is Jira's field error, not an unreadable body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LinkInput {
    global_id: Option<String>,
    application: Option<RemoteApplication>,
    relationship: Option<String>,
    object: Option<ObjectInput>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ObjectInput {
    url: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    icon: Option<RemoteIcon>,
    status: Option<RemoteStatus>,
}

impl LinkInput {
    /// The link to keep under `id`, or Jira's refusal: a 400 naming the field for
    /// what the spec requires, a 413 for a link over [`MAX_LINK_BYTES`].
    fn into_record(self, id: u64) -> Result<RemoteLinkRecord, JiraError> {
        let object = self.object.unwrap_or_default();
        let required = |value: Option<String>, field: &str| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| JiraError::field(field, format!("'{field}' is required.")))
        };
        // Jira names every missing field; the simulator's error names one, the
        // title first, as the spec's example does.
        let title = required(object.title, "title")?;
        let url = required(object.url, "url")?;
        if let Some(global_id) = &self.global_id
            && global_id.chars().count() > MAX_GLOBAL_ID_CHARS
        {
            return Err(JiraError::field(
                "globalId",
                format!("'globalId' must be no more than {MAX_GLOBAL_ID_CHARS} characters."),
            ));
        }
        let record = RemoteLinkRecord {
            id,
            global_id: self.global_id,
            application: self.application,
            relationship: self.relationship,
            object: RemoteObject {
                url,
                title,
                summary: object.summary,
                icon: object.icon,
                status: object.status,
            },
        };
        let bytes = serde_json::to_vec(&record).map_or(usize::MAX, |json| json.len());
        if bytes > MAX_LINK_BYTES {
            return Err(JiraError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("A remote link may hold at most {MAX_LINK_BYTES} bytes of JSON."),
            ));
        }
        Ok(record)
    }
}

/// `getRemoteIssueLinks`: every link of the issue, or with `globalId` the one
/// link that has it (an object, not a list, as Jira answers; 404 when none has).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<GlobalIdQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    if let Some(global_id) = query.global_id.as_deref() {
        let position = by_global_id(issue, global_id)?;
        return Ok(Json(render(
            &caller.links,
            issue,
            &issue.remote_links[position],
        )));
    }
    let links: Vec<Value> = issue
        .remote_links
        .iter()
        .map(|link| render(&caller.links, issue, link))
        .collect();
    Ok(Json(Value::Array(links)))
}

/// `getRemoteIssueLinkById`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<LinkPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let position = link_on(&world, &caller, index, &path.link_id)?;
    let issue = &world.issues[index];
    Ok(Json(render(
        &caller.links,
        issue,
        &issue.remote_links[position],
    )))
}

/// `createOrUpdateRemoteIssueLink`: 201 for a new link, 200 when the issue
/// already had one with the `globalId` (replaced whole, keeping its id).
pub(crate) async fn create_or_update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(input): JiraJson<LinkInput>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::RemoteLink)?;
    let existing = input.global_id.as_deref().and_then(|global_id| {
        world.issues[index]
            .remote_links
            .iter()
            .position(|l| l.global_id.as_deref() == Some(global_id))
    });
    // Validated first: a refused link uses up no id and is refused for what it
    // is, whatever the issue already holds.
    let mut record = input.into_record(0)?;
    let links = &mut world.issues[index].remote_links;
    let (status, id) = match existing {
        Some(position) => {
            record.id = links[position].id;
            let id = record.id;
            links[position] = Arc::new(record);
            (StatusCode::OK, id)
        }
        None => {
            if links.len() >= MAX_LINKS_PER_ISSUE {
                return Err(JiraError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The per-issue limit for remote links ({MAX_LINKS_PER_ISSUE}) has been \
                         breached."
                    ),
                ));
            }
            record.id = world.take_remote_link_id();
            let id = record.id;
            let item = changelog::remote_link_item(EntityChange::Created, &record);
            world.issues[index].remote_links.push(Arc::new(record));
            changelog::record_unannounced(&mut world, index, &caller.account_id, vec![item]);
            (StatusCode::CREATED, id)
        }
    };
    let issue = &world.issues[index];
    let identifies = json!({ "id": id, "self": self_link(&caller.links, issue, id) });
    Ok((status, Json(identifies)).into_response())
}

/// `updateRemoteIssueLink`: the link replaced whole (fields the request leaves
/// out are cleared, as the spec says), keeping its id.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<LinkPath>,
    JiraJson(input): JiraJson<LinkInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::RemoteLink)?;
    let position = link_on(&world, &caller, index, &path.link_id)?;
    let links = &world.issues[index].remote_links;
    let id = links[position].id;
    if let Some(global_id) = input.global_id.as_deref()
        && links
            .iter()
            .any(|l| l.id != id && l.global_id.as_deref() == Some(global_id))
    {
        return Err(JiraError::field(
            "globalId",
            "Another remote link of this issue has this global ID.",
        ));
    }
    let record = input.into_record(id)?;
    world.issues[index].remote_links[position] = Arc::new(record);
    Ok(StatusCode::NO_CONTENT)
}

/// `deleteRemoteIssueLinkById`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<LinkPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::RemoteLink)?;
    let position = link_on(&world, &caller, index, &path.link_id)?;
    remove(&mut world, &caller, index, position);
    Ok(StatusCode::NO_CONTENT)
}

/// `deleteRemoteIssueLinkByGlobalId`: 400 without a `globalId`.
pub(crate) async fn delete_by_global_id(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<GlobalIdQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::RemoteLink)?;
    let global_id = query
        .global_id
        .ok_or_else(|| JiraError::bad_request("The global ID of the remote link is required."))?;
    let position = by_global_id(&world.issues[index], &global_id)?;
    remove(&mut world, &caller, index, position);
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the link at `position` of the issue at `index`, and logs it in the
/// issue's history.
fn remove(world: &mut World, caller: &Caller, index: usize, position: usize) {
    let removed = world.issues[index].remote_links.remove(position);
    let item = changelog::remote_link_item(EntityChange::Deleted, &removed);
    changelog::record_unannounced(world, index, &caller.account_id, vec![item]);
}

/// The position of the issue's link with `global_id`, or 404.
fn by_global_id(issue: &IssueRecord, global_id: &str) -> Result<usize, JiraError> {
    issue
        .remote_links
        .iter()
        .position(|l| l.global_id.as_deref() == Some(global_id))
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "No remote link with global ID '{global_id}' exists on issue {}.",
                issue.key
            ))
        })
}

/// The position of link `link_id` on the issue at `index`. The spec's answers: 400
/// for an id that is not one and for a link of another issue, 404 for a link that
/// does not exist. A link of an issue the caller may not browse is answered as one
/// that does not exist, so link ids cannot be probed.
fn link_on(
    world: &World,
    caller: &Caller,
    index: usize,
    link_id: &str,
) -> Result<usize, JiraError> {
    let id: u64 = link_id.parse().map_err(|_| {
        JiraError::bad_request(format!("'{link_id}' is not a valid remote link id."))
    })?;
    let issue = &world.issues[index];
    if let Some(position) = issue.remote_links.iter().position(|l| l.id == id) {
        return Ok(position);
    }
    let elsewhere = world.remote_link(id).is_some_and(|(other, _)| {
        world.may(
            &caller.account_id,
            &world.issues[other].project_key,
            SeedPermission::Browse,
        )
    });
    if elsewhere {
        return Err(JiraError::bad_request(format!(
            "Remote link {id} does not belong to issue {}.",
            issue.key
        )));
    }
    Err(JiraError::not_found(format!(
        "No remote link with id {id} exists."
    )))
}

fn self_link(links: &str, issue: &IssueRecord, id: u64) -> String {
    format!("{links}/rest/api/3/issue/{}/remotelink/{id}", issue.key)
}

/// A `RemoteIssueLink`: the kept link with its `id` and `self`.
fn render(links: &str, issue: &IssueRecord, link: &RemoteLinkRecord) -> Value {
    // Serializing plain strings and flags cannot fail; were it to, indexing a
    // null below makes it an object, so the answer still names the link.
    let mut value = serde_json::to_value(link).unwrap_or_default();
    value["id"] = json!(link.id);
    value["self"] = json!(self_link(links, issue, link.id));
    value
}
