//! Links between issues: the site's link types (`GET /rest/api/3/issueLinkType`,
//! read-only), creating links (`POST /rest/api/3/issueLink`), reading and
//! deleting one (`/rest/api/3/issueLink/{linkId}`), and the issue's
//! `issuelinks` field, which shows each link from that issue's side.
//!
//! Who may do what follows `linkIssues`, `getIssueLink` and `deleteIssueLink`:
//! every issue of a link must be one the caller may browse; creating needs
//! Jira's *Link issues* on the outward issue's project, deleting on either
//! issue's (folded into Edit, as the simulator folds the other per-action
//! permissions). The spec documents 404, not 403, for each refusal, so a caller
//! learns nothing of issues or links it may not see.
//!
//! Creating and deleting a link sends `issuelink_created`/`issuelink_deleted` to
//! admin webhooks that list them (dynamic webhooks cannot subscribe to them),
//! and writes a "Link" entry to both issues' changelogs ([`record_in_history`]).
//!
//! Not modelled: link type administration (`createIssueLinkType` …) and the
//! `issuelink_deleted` Jira sends when a deleted issue takes its links with it.
//! A deleted issue's links leave no entry in the other issues' changelogs: Jira
//! removes the links of an issue it deletes without writing change items.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::comment;
use super::issue::{Change, editable_issue, visible_issue};
use super::issue_history::changelog;
use super::render;
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::event::EntityChange;
use crate::world::issue_link::{
    ISSUE_LINK_TYPES, IssueLinkRecord, IssueLinkType, MAX_ISSUE_LINKS_PER_ISSUE, issue_link_type,
    issue_link_type_named,
};
use crate::world::{IssueRecord, World};

/// The `{issueLinkTypeId}` of `getIssueLinkType`; named so the gateway's extra
/// `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct TypePath {
    issue_link_type_id: String,
}

/// The `{linkId}` of `getIssueLink` and `deleteIssueLink`.
#[derive(Deserialize)]
pub(crate) struct LinkPath {
    link_id: String,
}

/// `getIssueLinkTypes`: an `IssueLinkTypes`.
pub(crate) async fn types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    may_see_types(&world, &caller)?;
    let types: Vec<Value> = ISSUE_LINK_TYPES
        .iter()
        .map(|t| render_type(&caller.links, t))
        .collect();
    Ok(Json(json!({ "issueLinkTypes": types })))
}

/// `getIssueLinkType`: 400 for an id that is not a number, 404 for one no type
/// has, as the spec documents.
pub(crate) async fn get_type(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TypePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    may_see_types(&world, &caller)?;
    let id = &path.issue_link_type_id;
    if id.parse::<u64>().is_err() {
        return Err(JiraError::bad_request(format!(
            "'{id}' is not a valid issue link type id."
        )));
    }
    let found = issue_link_type(id).ok_or_else(|| type_not_found("id", id))?;
    Ok(Json(render_type(&caller.links, found)))
}

/// Both link type reads need *Browse projects* "for a project in the site"; the
/// spec's only refusal besides 401 is 404.
fn may_see_types(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.browses_any_project(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::not_found(
            "You do not have permission to browse any project.",
        ))
    }
}

/// A `LinkIssueRequestJsonBean`. Everything optional, so that a missing part is
/// Jira's 400 naming it, not an unreadable body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LinkInput {
    #[serde(rename = "type")]
    link_type: Option<TypeRef>,
    inward_issue: Option<IssueRef>,
    outward_issue: Option<IssueRef>,
    comment: Option<CommentInput>,
}

/// The `type` of a link request: by `id` or by `name` (the id wins when both
/// are given, as for the spec's other references).
#[derive(Deserialize)]
pub(crate) struct TypeRef {
    id: Option<String>,
    name: Option<String>,
}

/// A `LinkedIssue` of a link request: by `id` or by `key`.
#[derive(Deserialize)]
pub(crate) struct IssueRef {
    id: Option<String>,
    key: Option<String>,
}

/// The request's `comment`: its `body` only. The simulator's comments have no
/// visibility restriction, so a `visibility` is ignored.
#[derive(Deserialize)]
pub(crate) struct CommentInput {
    body: Option<Value>,
}

impl TypeRef {
    fn resolve(&self) -> Result<&'static IssueLinkType, JiraError> {
        match (self.id.as_deref(), self.name.as_deref()) {
            (Some(id), _) => issue_link_type(id).ok_or_else(|| type_not_found("id", id)),
            (None, Some(name)) => {
                issue_link_type_named(name).ok_or_else(|| type_not_found("name", name))
            }
            (None, None) => Err(JiraError::bad_request(
                "The issue link type must be given by its 'id' or 'name'.",
            )),
        }
    }
}

/// The `id` or `key` of the request's `field` (`inwardIssue`, `outwardIssue`),
/// or a 400 naming it.
fn issue_ref<'a>(reference: &'a Option<IssueRef>, field: &str) -> Result<&'a str, JiraError> {
    reference
        .as_ref()
        .and_then(|r| r.id.as_deref().or(r.key.as_deref()))
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            JiraError::bad_request(format!("'{field}' must give the issue's 'id' or 'key'."))
        })
}

/// `linkIssues`: 201 with an empty body, as Jira answers (the link's id is read
/// back from either issue's `issuelinks`). A link that exists already (same
/// type, same inward and outward issues) is not made again, and the answer is
/// still 201, as the spec says; its comment, if any, is still added.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<LinkInput>,
) -> Result<StatusCode, JiraError> {
    let link_type = input
        .link_type
        .as_ref()
        .ok_or_else(|| JiraError::bad_request("The issue link type is required."))?;
    let inward_ref = issue_ref(&input.inward_issue, "inwardIssue")?;
    let outward_ref = issue_ref(&input.outward_issue, "outwardIssue")?;
    let mut world = shared.world();
    let link_type = link_type.resolve()?;
    let inward = visible_issue(&world, &caller, inward_ref)?;
    let outward = editable_issue(&world, &caller, outward_ref, Change::IssueLink)?;
    let (inward_id, outward_id) = (world.issues[inward].id, world.issues[outward].id);
    // The spec says nothing of a link from an issue to itself; Jira's own
    // screens refuse one. Refusing it is the simulator's choice, so an app that
    // relies on such a link finds out here rather than on a site.
    if inward_id == outward_id {
        return Err(JiraError::bad_request(
            "You cannot link an issue to itself.",
        ));
    }
    // Checked before anything is written: the spec's 400 says that when the
    // comment cannot be added, the link is not created either.
    let comment_body = match input.comment {
        Some(comment) => {
            comment::may_comment(&world, &caller, outward)?;
            Some(comment::document(comment.body)?)
        }
        None => None,
    };
    let exists = world.issue_links.iter().any(|l| {
        l.link_type.id == link_type.id && l.inward == inward_id && l.outward == outward_id
    });
    if !exists {
        for issue_id in [inward_id, outward_id] {
            if world.issue_links_of(issue_id).count() >= MAX_ISSUE_LINKS_PER_ISSUE {
                return Err(JiraError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The per-issue limit for issue links ({MAX_ISSUE_LINKS_PER_ISSUE}) has \
                         been breached."
                    ),
                ));
            }
        }
        let id = world.take_issue_link_id();
        let link = IssueLinkRecord {
            id,
            link_type,
            inward: inward_id,
            outward: outward_id,
        };
        // Raised before the comment's events: the link is made first.
        let raised = shared.event_context(&world, &caller).issue_link(
            EntityChange::Created,
            &world.issues[outward],
            &link,
        );
        record_in_history(&mut world, &caller.account_id, EntityChange::Created, &link);
        world.issue_links.push(link);
        shared.emit(&world, raised);
    }
    if let Some(body) = comment_body {
        comment::append(&shared, &mut world, &caller, outward, body);
    }
    Ok(StatusCode::CREATED)
}

/// `getIssueLink`: an `IssueLink` with both issues.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<LinkPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let position = visible_link(&world, &caller, &path.link_id)?;
    let link = &world.issue_links[position];
    let mut value = render_link(&caller.links, link);
    for (field, issue_id) in [("inwardIssue", link.inward), ("outwardIssue", link.outward)] {
        if let Some(issue) = world.issue_by_id(issue_id) {
            value[field] = linked_issue(&caller.links, issue);
        }
    }
    Ok(Json(value))
}

/// `deleteIssueLink`: 204. The spec lists both 200 ("200 response", with no
/// description) and 204 ("Returned if the request is successful"); the
/// described one is what Jira Cloud sends, and what a delete of the simulator's
/// answers elsewhere.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<LinkPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let position = visible_link(&world, &caller, &path.link_id)?;
    let link = &world.issue_links[position];
    let may_link = [link.inward, link.outward].into_iter().any(|issue_id| {
        world.issue_by_id(issue_id).is_some_and(|issue| {
            world.may(&caller.account_id, &issue.project_key, SeedPermission::Edit)
        })
    });
    if !may_link {
        return Err(Change::IssueLink.refusal());
    }
    let removed = world.issue_links.remove(position);
    // Both issues exist while a link does (deleting an issue drops its links),
    // so the source is always found.
    let raised = world.issue_by_id(removed.outward).map(|source| {
        shared
            .event_context(&world, &caller)
            .issue_link(EntityChange::Deleted, source, &removed)
    });
    record_in_history(
        &mut world,
        &caller.account_id,
        EntityChange::Deleted,
        &removed,
    );
    if let Some(raised) = raised {
        shared.emit(&world, raised);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Logs `link` made or removed in the history of each of its issues, the
/// outward (source) issue first: on each, the other issue's key and the link
/// read from that side. Not with `jira:issue_updated`: Jira announces a link with
/// `issuelink_created`/`issuelink_deleted` only (`changelog::record_unannounced`).
fn record_in_history(
    world: &mut World,
    author: &str,
    change: EntityChange,
    link: &IssueLinkRecord,
) {
    for (this, other) in [(link.outward, link.inward), (link.inward, link.outward)] {
        let other_key = world.issue_by_id(other).map(|issue| issue.key.clone());
        let index = world.issues.iter().position(|issue| issue.id == this);
        // Both are found: a link's issues exist while it does.
        if let (Some(other_key), Some(index)) = (other_key, index) {
            let item = changelog::issue_link_item(change, &other_key, link.reads_from(this));
            changelog::record_unannounced(world, index, author, vec![item]);
        }
    }
}

/// The position of link `link_id` in the world, if the caller may browse both
/// its issues. The spec's answers: 400 for an id that is not one, 404 for a link
/// that does not exist, and the same 404 for one the caller may not see, so link
/// ids cannot be probed.
fn visible_link(world: &World, caller: &Caller, link_id: &str) -> Result<usize, JiraError> {
    let id: u64 = link_id.parse().map_err(|_| {
        JiraError::bad_request(format!("'{link_id}' is not a valid issue link id."))
    })?;
    world
        .issue_links
        .iter()
        .position(|l| {
            l.id == id
                && may_browse(world, &caller.account_id, l.inward)
                && may_browse(world, &caller.account_id, l.outward)
        })
        .ok_or_else(|| JiraError::not_found(format!("No issue link with id {id} exists.")))
}

/// Whether `account_id` may browse the issue with id `issue_id` (false when it
/// is gone).
fn may_browse(world: &World, account_id: &str, issue_id: u64) -> bool {
    world
        .issue_by_id(issue_id)
        .is_some_and(|issue| world.may(account_id, &issue.project_key, SeedPermission::Browse))
}

fn type_not_found(by: &str, value: &str) -> JiraError {
    JiraError::not_found(format!("No issue link type with {by} '{value}' found."))
}

/// An `IssueLinkType`.
pub(crate) fn render_type(links: &str, link_type: &IssueLinkType) -> Value {
    json!({
        "id": link_type.id,
        "name": link_type.name,
        "inward": link_type.inward,
        "outward": link_type.outward,
        "self": format!("{links}/rest/api/3/issueLinkType/{}", link_type.id),
    })
}

/// An `IssueLink` without its issues: the caller adds one side or both.
fn render_link(links: &str, link: &IssueLinkRecord) -> Value {
    json!({
        "id": link.id.to_string(),
        "self": format!("{links}/rest/api/3/issueLink/{}", link.id),
        "type": render_type(links, link.link_type),
    })
}

/// A `LinkedIssue`: the issue's identity and the key fields Jira shows beside a
/// link (and for an issue's parent and sub-tasks, `platform::hierarchy`).
pub(crate) fn linked_issue(links: &str, issue: &IssueRecord) -> Value {
    json!({
        "id": issue.id.to_string(),
        "key": issue.key,
        "self": format!("{links}/rest/api/3/issue/{}", issue.id),
        "fields": {
            "summary": issue.summary,
            "status": render::status(links, &issue.status),
            "priority": render::priority(links, issue.priority),
            "issuetype": render::issue_type(links, &issue.issue_type),
        },
    })
}

/// The issue's `issuelinks` field: each link of the issue as Jira renders it
/// there, with only the other issue (`inwardIssue` where this issue is the
/// outward one, `outwardIssue` where it is the inward one), oldest first.
/// With a `viewer`, links to issues that account may not browse are left out,
/// as Jira leaves them out; without one (webhook payloads, rendered once for
/// every receiver) every link shows, and [`hide_unbrowsable`] trims a payload
/// for an app's dynamic webhooks.
pub(crate) fn field(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    viewer: Option<&str>,
) -> Value {
    let rendered = world.issue_links_of(issue.id).filter_map(|link| {
        let (other_id, _) = link.seen_from(issue.id);
        let other = world.issue_by_id(other_id)?;
        if let Some(account_id) = viewer
            && !world.may(account_id, &other.project_key, SeedPermission::Browse)
        {
            return None;
        }
        Some(entry(links, link, issue.id, other))
    });
    Value::Array(rendered.collect())
}

/// One entry of the issue `issue_id`'s `issuelinks`: the link, and the other
/// issue, `other`, under the side it is on.
pub(crate) fn entry(
    links: &str,
    link: &IssueLinkRecord,
    issue_id: u64,
    other: &IssueRecord,
) -> Value {
    let (_, other_is_outward) = link.seen_from(issue_id);
    let mut value = render_link(links, link);
    let side = if other_is_outward {
        "outwardIssue"
    } else {
        "inwardIssue"
    };
    value[side] = linked_issue(links, other);
    value
}

/// Removes from a rendered issue's `issuelinks` the links to issues that some
/// account of `viewers` may not browse: a webhook payload is rendered once,
/// with every link, and an app's dynamic webhook delivers it for the users who
/// registered it, who must not learn of issues hidden from them.
pub(crate) fn hide_unbrowsable(world: &World, issue: &mut Value, viewers: &[String]) {
    let Some(issue_links) = issue
        .get_mut("fields")
        .and_then(|fields| fields.get_mut("issuelinks"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    issue_links.retain(|link| {
        let other = link
            .get("inwardIssue")
            .or_else(|| link.get("outwardIssue"))
            .and_then(|other| other.get("id"))
            .and_then(Value::as_str)
            .and_then(|id| id.parse::<u64>().ok());
        other.is_some_and(|id| viewers.iter().all(|viewer| may_browse(world, viewer, id)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::fields::FieldSelection;
    use crate::seed::Seed;

    /// KILN-1 blocks SEC-1 and relates to KILN-2, in the default seed's world.
    fn linked_world() -> World {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let id = |key: &str| {
            world
                .issues
                .iter()
                .find(|i| i.key == key)
                .map(|i| i.id)
                .expect(key)
        };
        let (kiln_1, kiln_2, sec_1) = (id("KILN-1"), id("KILN-2"), id("SEC-1"));
        for (n, (link_type, inward)) in [(0, sec_1), (3, kiln_2)].into_iter().enumerate() {
            world.issue_links.push(IssueLinkRecord {
                id: n as u64,
                link_type: &ISSUE_LINK_TYPES[link_type],
                inward,
                outward: kiln_1,
            });
        }
        world
    }

    fn linked_keys(issue: &Value) -> Vec<String> {
        issue["fields"]["issuelinks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["inwardIssue"]["key"].as_str().map(str::to_owned))
            .collect()
    }

    #[test]
    fn a_webhook_payload_shows_only_the_links_its_owners_may_browse() {
        let world = linked_world();
        let account = |email: &str| {
            world
                .user_by_email(email)
                .map(|u| u.account_id.clone())
                .expect(email)
        };
        let (bob, carol) = (account("user@example.com"), account("outsider@example.com"));
        let issue = world
            .issues
            .iter()
            .find(|i| i.key == "KILN-1")
            .expect("KILN-1");
        let all = FieldSelection::all();
        let site = render::issue("", &world, issue, &all, None);
        assert_eq!(linked_keys(&site), ["SEC-1", "KILN-2"]);
        assert_eq!(
            linked_keys(&render::issue("", &world, issue, &all, Some(&carol))),
            ["KILN-2"]
        );
        let mut for_bob = site.clone();
        hide_unbrowsable(&world, &mut for_bob, std::slice::from_ref(&bob));
        assert_eq!(linked_keys(&for_bob), ["SEC-1", "KILN-2"]);
        let mut for_both = site.clone();
        hide_unbrowsable(&world, &mut for_both, &[bob, carol]);
        assert_eq!(linked_keys(&for_both), ["KILN-2"]);
    }
}
