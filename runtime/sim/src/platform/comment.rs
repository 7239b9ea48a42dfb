//! Listing, adding, reading, editing and deleting issue comments.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::field_details::expands;
use super::issue::visible_issue;
use super::page::PageQuery;
use super::render::{self, COMMENT_PAGE_SIZE};
use super::rendered_fields::Reader;
use super::{IssueChildPath, IssuePath, find_child};
use crate::access::Caller;
use crate::adf;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::event::CommentChange;
use crate::world::{CommentRecord, IssueRecord, World};

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<PageQuery>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let mut page = render::comment_page(
        &caller.links,
        &world,
        &world.issues[index],
        query.window(COMMENT_PAGE_SIZE, COMMENT_PAGE_SIZE),
    );
    if let Some(comments) = page.get_mut("comments").and_then(Value::as_array_mut) {
        for comment in comments {
            expand.apply(&world, &caller, &world.issues[index], comment);
        }
    }
    Ok(Json(page))
}

/// `expand` of the comment operations. `renderedBody` adds the body as Jira
/// renders it for the caller to read (HTML: `rendered_fields.rs`); `properties`
/// adds the comment's properties (`EntityProperty` objects, by key).
#[derive(Deserialize)]
pub(crate) struct ExpandQuery {
    expand: Option<String>,
}

impl ExpandQuery {
    /// Adds what `expand` asks for to the rendered `comment` of `issue`.
    pub(crate) fn apply(
        &self,
        world: &World,
        caller: &Caller,
        issue: &IssueRecord,
        comment: &mut Value,
    ) {
        if expands(self.expand.as_deref(), "properties") {
            let record = comment
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| id.parse::<u64>().ok())
                .and_then(|id| comment_position(issue, id))
                .map(|position| &issue.comments[position]);
            let properties = record.map_or_else(Vec::new, |record| {
                record
                    .properties
                    .iter()
                    .map(|(key, value)| json!({ "key": key, "value": value }))
                    .collect()
            });
            comment["properties"] = Value::Array(properties);
        }
        if !expands(self.expand.as_deref(), "renderedBody") {
            return;
        }
        if let Some(body) = comment.get("body").filter(|body| adf::is_document(body)) {
            let html = Reader::new(&caller.links, world, &caller.account_id).rich_text(body);
            comment["renderedBody"] = Value::String(html);
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct AddInput {
    body: Option<Value>,
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
    JiraJson(input): JiraJson<AddInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    may_comment(&world, &caller, index)?;
    let body = document(input.body)?;
    let mut rendered = append(&shared, &mut world, &caller, index, body);
    expand.apply(&world, &caller, &world.issues[index], &mut rendered);
    Ok((StatusCode::CREATED, Json(rendered)))
}

/// Jira Cloud's per-issue limit on comments (Atlassian's issue limits, 2024):
/// `addComment`'s 413 "the per-issue limit has been breached". Comments live until
/// they or their issue are deleted, so without it a client could grow one issue,
/// and the simulator's memory, without end.
pub(crate) const MAX_COMMENTS_PER_ISSUE: usize = 5_000;

/// Whether the caller may add a comment to the issue at `index`: the permission,
/// then room under [`MAX_COMMENTS_PER_ISSUE`]. `addComment` documents no 403: a
/// caller who may see the issue but not comment on it gets the spec's 400 ("the
/// request is invalid"). `linkIssues`, which may add a comment, answers the same
/// 400 ("the comment is not created").
pub(crate) fn may_comment(world: &World, caller: &Caller, index: usize) -> Result<(), JiraError> {
    let issue = &world.issues[index];
    if !world.may(
        &caller.account_id,
        &issue.project_key,
        SeedPermission::Comment,
    ) {
        return Err(JiraError::bad_request(
            "You do not have the permission to comment on this issue.",
        ));
    }
    if issue.comments.len() >= MAX_COMMENTS_PER_ISSUE {
        return Err(JiraError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The per-issue limit for comments ({MAX_COMMENTS_PER_ISSUE}) has been breached."
            ),
        ));
    }
    Ok(())
}

/// Adds the caller's comment `body` (checked with [`document`], the caller
/// checked with [`may_comment`]) to the issue at `index` and raises its events;
/// answers the `Comment`.
pub(crate) fn append(
    shared: &Shared,
    world: &mut World,
    caller: &Caller,
    index: usize,
    body: Value,
) -> Value {
    let now = world.now();
    let comment = CommentRecord {
        id: world.take_comment_id(),
        author: caller.account_id.clone(),
        body,
        created: now,
        updated: now,
        update_author: None,
        properties: BTreeMap::new(),
    };
    let rendered = render::comment(&caller.links, world, &world.issues[index], &comment);
    let issue = &mut world.issues[index];
    issue.comments.push(comment);
    issue.updated = now;
    raise(shared, world, caller, CommentChange::Created, index, None);
    rendered
}

/// Path of a single comment.
type CommentPath = IssueChildPath;

/// The issue (visible to the caller) and the position of its comment, or the 404
/// `getComment` documents for either missing.
fn find(world: &World, caller: &Caller, path: &CommentPath) -> Result<(usize, usize), JiraError> {
    find_child(
        world,
        caller,
        path,
        |issue| &issue.comments,
        |comment| comment.id,
        |id| JiraError::not_found(format!("Can not find a comment for the id: {id}.")),
    )
}

/// As [`find`], if the caller may also edit or delete the comment
/// ([`may_change`]). `refusal` is the 400 the operation documents for a caller
/// who may not (neither documents 403).
fn find_changeable(
    world: &World,
    caller: &Caller,
    path: &CommentPath,
    refusal: &str,
) -> Result<(usize, usize), JiraError> {
    let (index, position) = find(world, caller, path)?;
    let issue = &world.issues[index];
    if !may_change(world, caller, issue, &issue.comments[position]) {
        return Err(JiraError::bad_request(refusal));
    }
    Ok((index, position))
}

/// Whether the caller may edit or delete `comment` of `issue`, or its properties:
/// its author while they may still comment ("Edit/Delete Own Comments"), anyone
/// who may edit the project's issues otherwise ("Edit/Delete All Comments").
pub(crate) fn may_change(
    world: &World,
    caller: &Caller,
    issue: &IssueRecord,
    comment: &CommentRecord,
) -> bool {
    let project = &issue.project_key;
    let own = comment.author == caller.account_id;
    (own && world.may(&caller.account_id, project, SeedPermission::Comment))
        || world.may(&caller.account_id, project, SeedPermission::Edit)
}

/// The position of the comment of `issue` with this id. An issue's comments are
/// kept in the order they were made, and ids only grow, so they are sorted by id;
/// a linear search backs that up should an order ever differ.
pub(crate) fn comment_position(issue: &IssueRecord, id: u64) -> Option<usize> {
    match issue.comments.binary_search_by_key(&id, |c| c.id) {
        Ok(position) => Some(position),
        Err(_) => issue.comments.iter().position(|c| c.id == id),
    }
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<CommentPath>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = find(&world, &caller, &path)?;
    let mut comment = rendered(&world, &caller, index, position);
    expand.apply(&world, &caller, &world.issues[index], &mut comment);
    Ok(Json(comment))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<CommentPath>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
    JiraJson(input): JiraJson<AddInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let (index, position) = find_changeable(
        &world,
        &caller,
        &path,
        "You do not have the permission to edit this comment.",
    )?;
    let body = document(input.body)?;
    let now = world.now();
    let comment = &mut world.issues[index].comments[position];
    comment.body = body;
    comment.updated = now;
    comment.update_author = Some(caller.account_id.clone());
    world.issues[index].updated = now;
    raise(
        &shared,
        &world,
        &caller,
        CommentChange::Updated,
        index,
        Some(position),
    );
    let mut comment = rendered(&world, &caller, index, position);
    expand.apply(&world, &caller, &world.issues[index], &mut comment);
    Ok(Json(comment))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<CommentPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (index, position) = find_changeable(
        &world,
        &caller,
        &path,
        "You do not have the permission to delete this comment.",
    )?;
    let removed = world.issues[index].comments.remove(position);
    world.issues[index].updated = world.now();
    let raised = shared.event_context(&world, &caller).comment(
        CommentChange::Deleted,
        &world.issues[index],
        &removed,
    );
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}

/// The `Comment` body of comment `position` on issue `index`.
fn rendered(world: &World, caller: &Caller, index: usize, position: usize) -> Value {
    let issue = &world.issues[index];
    render::comment(&caller.links, world, issue, &issue.comments[position])
}

/// Raises the comment's events (the last comment when `position` is `None`).
fn raise(
    shared: &Shared,
    world: &World,
    caller: &Caller,
    change: CommentChange,
    index: usize,
    position: Option<usize>,
) {
    let issue = &world.issues[index];
    let comment = match position {
        Some(p) => issue.comments.get(p),
        None => issue.comments.last(),
    };
    if let Some(comment) = comment {
        let raised = shared
            .event_context(world, caller)
            .comment(change, issue, comment);
        shared.emit(world, raised);
    }
}

/// A comment body: an ADF document, as the v3 API requires.
pub(crate) fn document(body: Option<Value>) -> Result<Value, JiraError> {
    adf::optional_field("comment", body)?
        .ok_or_else(|| JiraError::field("comment", "Comment body can not be empty!"))
}
