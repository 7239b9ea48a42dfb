//! Issue lists of the agile API: a board's issues (`getIssuesForBoard`), its
//! backlog (`getIssuesForBacklog`), a sprint's (`getIssuesForSprint`), a
//! sprint's on a board (`getBoardIssuesForSprint`), an epic's
//! (`getIssuesForEpic`, `getBoardIssuesForEpic`), those in no epic
//! (`getIssuesWithoutEpic`, `getIssuesWithoutEpicForBoard`), and one issue
//! (`getIssue`). Each issue is the platform's `IssueBean` as REST API v2
//! renders it (rich text as wiki markup strings, nested `self` links under
//! `/rest/api/2/`), its own `self` under `/rest/agile/1.0/issue/{id}`, with
//! the agile fields added: `sprint` (the open sprint it is in),
//! `closedSprints`, `flagged` (always false: flags are not modelled), `epic`
//! (the epic it is in, as `getEpic` shows it, or `null`; also `null` for an
//! epic the caller may not browse) and `statusCategory` (its status's
//! category). Without `fields`, every field is returned, the comments,
//! worklogs and attachments too, as real Jira Cloud answers
//! `GET /rest/agile/1.0/sprint/{id}/issue` and `GET /rest/agile/1.0/issue/{key}`.
//!
//! An issue is on a board if the board's query matches it (all statuses are
//! mapped to a column); epics are not on scrum boards, as the spec says. The
//! backlog holds the board's issues that are not done and not in an open
//! (future or active) sprint. An epic's issues are its children; the issues
//! in no epic are the standard issues without a parent (`world::hierarchy`).
//! Without an `ORDER BY`, issues are in rank order (`world::rank`); a board
//! made from a saved filter with an `ORDER BY` is in the filter's order.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::epic::{EpicPath, visible_epic};
use super::shape::{self, sprint as sprint_json};
use super::{BoardPath, SprintPath, visible_board, visible_sprint};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::jql::{self, Query};
use crate::platform::IssuePath;
use crate::platform::fields::{DefaultFields, FieldSelection};
use crate::platform::page::Window;
use crate::platform::render;
use crate::platform::v2::documents_to_strings;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::board::{BoardKind, BoardQuery, BoardRecord};
use crate::world::hierarchy::in_no_epic;
use crate::world::rank::in_rank_order;
use crate::world::{IssueRecord, World};

/// The page's default size (the spec's) and cap (the platform search's).
const PAGE: usize = 50;
const CAP: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssuesQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    jql: Option<String>,
    fields: Option<String>,
}

/// The issues on `board` the caller may browse, in the board's order.
pub(super) fn board_issues<'w>(
    world: &'w World,
    caller: &Caller,
    board: &BoardRecord,
) -> Result<Vec<&'w IssueRecord>, JiraError> {
    let filter = board_query(world, caller, board)?;
    let mut found: Vec<&IssueRecord> = world
        .issues
        .iter()
        .filter(|issue| {
            world.may(
                &caller.account_id,
                &issue.project_key,
                SeedPermission::Browse,
            )
        })
        .filter(|issue| match (&board.query, &filter) {
            (BoardQuery::Project(key), _) => issue.project_key == *key,
            (_, Some(query)) => query.matches(issue),
            (_, None) => false,
        })
        .filter(|issue| board.kind != BoardKind::Scrum || !issue.is_epic())
        .collect();
    // A project's board is `project = KEY ORDER BY Rank`; a filter's board
    // is in its filter's order, rank order when it names none.
    match filter.filter(Query::has_order) {
        Some(query) => query.sort(&mut found, world),
        None => in_rank_order(&mut found),
    }
    Ok(found)
}

/// The compiled JQL of a filter's board (`None` for a project's board, and
/// for one whose filter is gone).
fn board_query(
    world: &World,
    caller: &Caller,
    board: &BoardRecord,
) -> Result<Option<Query>, JiraError> {
    let BoardQuery::Filter(id) = board.query else {
        return Ok(None);
    };
    let Some(filter) = world.filters.all.iter().find(|f| f.id == id) else {
        return Ok(None);
    };
    jql::compile(&filter.jql, world, &caller.account_id)
        .map(Some)
        .map_err(JiraError::from)
}

/// `getIssuesForBoard`.
pub(crate) async fn board(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let issues = board_issues(&world, &caller, board)?;
    page(&world, &caller, issues, &query)
}

/// `getIssuesForBacklog`: the board's issues that are not done and not in a
/// future or active sprint.
pub(crate) async fn backlog(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let issues = board_issues(&world, &caller, board)?
        .into_iter()
        .filter(|issue| in_backlog(&world, issue))
        .collect();
    page(&world, &caller, issues, &query)
}

/// Whether the issue is in a backlog: not done, and in no open sprint.
pub(crate) fn in_backlog(world: &World, issue: &IssueRecord) -> bool {
    issue.status.category.key != "done" && world.open_sprint_of(issue).is_none()
}

/// `getIssuesForSprint`: the issues the caller may browse that are (or, for a
/// closed sprint, were) in the sprint.
pub(crate) async fn sprint(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let sprint = visible_sprint(&world, &caller, &path.sprint_id)?;
    let issues = browsable(&world, &caller, |issue| issue.sprints.contains(&sprint.id));
    page(&world, &caller, issues, &query)
}

#[derive(Deserialize)]
pub(crate) struct BoardSprintPath {
    board_id: String,
    sprint_id: String,
}

/// `getBoardIssuesForSprint`: the board's issues that are in the sprint.
pub(crate) async fn board_sprint(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardSprintPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let sprint = visible_sprint(&world, &caller, &path.sprint_id)?;
    let issues = board_issues(&world, &caller, board)?
        .into_iter()
        .filter(|issue| issue.sprints.contains(&sprint.id))
        .collect();
    page(&world, &caller, issues, &query)
}

/// The site's issues the caller may browse that `keep` keeps, in rank order.
fn browsable<'w>(
    world: &'w World,
    caller: &Caller,
    keep: impl Fn(&IssueRecord) -> bool,
) -> Vec<&'w IssueRecord> {
    let mut found: Vec<&IssueRecord> = world
        .issues
        .iter()
        .filter(|issue| keep(issue))
        .filter(|issue| {
            world.may(
                &caller.account_id,
                &issue.project_key,
                SeedPermission::Browse,
            )
        })
        .collect();
    in_rank_order(&mut found);
    found
}

/// `getIssuesForEpic`: the epic's issues the caller may browse.
pub(crate) async fn epic(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<EpicPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_epic(&world, &caller, &path.epic_id_or_key)?;
    let id = world.issues[index].id;
    let issues = browsable(&world, &caller, |issue| issue.parent == Some(id));
    page(&world, &caller, issues, &query)
}

/// `getIssuesWithoutEpic`: the standard issues the caller may browse that are
/// in no epic.
pub(crate) async fn without_epic(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let issues = browsable(&world, &caller, in_no_epic);
    page(&world, &caller, issues, &query)
}

#[derive(Deserialize)]
pub(crate) struct BoardEpicPath {
    board_id: String,
    epic_id: String,
}

/// `getBoardIssuesForEpic`: the board's issues that are in the epic. The
/// spec's `epicId` is a number; an epic key is read too, as the other epic
/// routes read it.
pub(crate) async fn board_epic(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardEpicPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let index = visible_epic(&world, &caller, &path.epic_id)?;
    let id = world.issues[index].id;
    let issues = board_issues(&world, &caller, board)?
        .into_iter()
        .filter(|issue| issue.parent == Some(id))
        .collect();
    page(&world, &caller, issues, &query)
}

/// `getIssuesWithoutEpicForBoard`: the board's standard issues in no epic.
pub(crate) async fn board_without_epic(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<IssuesQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let issues = board_issues(&world, &caller, board)?
        .into_iter()
        .filter(|issue| in_no_epic(issue))
        .collect();
    page(&world, &caller, issues, &query)
}

#[derive(Deserialize)]
pub(crate) struct OneQuery {
    fields: Option<String>,
}

/// `getIssue` of the agile API: the platform's issue with the agile fields.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<OneQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = world
        .visible_issue(&caller.account_id, &path.issue_id_or_key)
        .ok_or_else(JiraError::issue_not_found)?;
    let selection = Selection::parse(query.fields.as_deref());
    Ok(Json(agile_issue(
        &world,
        &caller,
        &world.issues[index],
        &selection,
    )))
}

/// A page of issues: `issues` narrowed by the request's `jql` and ordered by
/// its `ORDER BY` when it has one, as a `SearchResults`.
fn page(
    world: &World,
    caller: &Caller,
    mut issues: Vec<&IssueRecord>,
    query: &IssuesQuery,
) -> Result<Json<Value>, JiraError> {
    if let Some(text) = query.jql.as_deref().filter(|j| !j.trim().is_empty()) {
        let narrowed = jql::compile(text, world, &caller.account_id).map_err(JiraError::from)?;
        issues.retain(|issue| narrowed.matches(issue));
        if narrowed.has_order() {
            narrowed.sort(&mut issues, world);
        }
    }
    let selection = Selection::parse(query.fields.as_deref());
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let rendered: Vec<Value> = window
        .of(&issues)
        .map(|issue| agile_issue(world, caller, issue, &selection))
        .collect();
    Ok(Json(json!({
        "expand": "schema,names",
        "startAt": window.start,
        "maxResults": window.max,
        "total": issues.len(),
        "issues": rendered,
    })))
}

/// The `fields` of an agile issue list: by default every navigable field and
/// the agile ones; else those named (an agile one by name, all of them with
/// `*all` or `*navigable`).
struct Selection {
    fields: FieldSelection,
    /// The agile fields to add, of [`AGILE_FIELDS`].
    agile: Vec<&'static str>,
}

/// The fields only the agile API adds.
const AGILE_FIELDS: [&str; 5] = [
    "sprint",
    "closedSprints",
    "flagged",
    "epic",
    "statusCategory",
];

/// The issue's `expand`, as real Jira Cloud's agile answers carry it.
const EXPAND: &str = "operations,versionedRepresentations,editmeta,changelog,renderedFields";

impl Selection {
    fn parse(fields: Option<&str>) -> Self {
        match fields.filter(|f| !f.trim().is_empty()) {
            // Real Jira answers every field, not only the navigable ones: its
            // agile issues carry `comment`, `worklog`, `attachment`, `timetracking`.
            None => Self {
                fields: FieldSelection::all(),
                agile: AGILE_FIELDS.to_vec(),
            },
            Some(fields) => {
                let named: Vec<&str> = fields
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .collect();
                // Exclusions alone (`-comment`) are taken from the default, as
                // for the platform's fields: the agile ones stay, bar those named.
                let only_exclusions = named.iter().all(|f| f.starts_with('-'));
                let all =
                    only_exclusions || named.iter().any(|f| matches!(*f, "*all" | "*navigable"));
                Self {
                    // As the default above: every field, not only the navigable ones.
                    fields: FieldSelection::parse([fields], DefaultFields::All),
                    agile: AGILE_FIELDS
                        .into_iter()
                        .filter(|agile| {
                            (all || named.contains(agile))
                                && !named.iter().any(|f| f.strip_prefix('-') == Some(*agile))
                        })
                        .collect(),
                }
            }
        }
    }

    fn wants(&self, agile: &str) -> bool {
        self.agile.contains(&agile)
    }
}

fn agile_issue(
    world: &World,
    caller: &Caller,
    issue: &IssueRecord,
    selection: &Selection,
) -> Value {
    let mut value = render::issue(
        &caller.links,
        world,
        issue,
        &selection.fields,
        Some(&caller.account_id),
    );
    // As REST API v2 answers it: documents as strings, `self` links v2's.
    documents_to_strings(&mut value);
    if let Some(object) = value.as_object_mut() {
        object.insert("expand".into(), json!(EXPAND));
        object.insert(
            "self".into(),
            json!(format!(
                "{}/rest/agile/1.0/issue/{}",
                caller.links, issue.id
            )),
        );
    }
    // `render::issue` always answers an object with a `fields` object;
    // written without `IndexMut`, which panics on any other shape.
    let Some(fields) = value.get_mut("fields").and_then(Value::as_object_mut) else {
        return value;
    };
    if selection.wants("sprint") {
        let open = world
            .open_sprint_of(issue)
            .map_or(Value::Null, |s| sprint_json(&caller.links, s));
        fields.insert("sprint".into(), open);
    }
    if selection.wants("closedSprints") {
        let closed: Vec<Value> = issue
            .sprints
            .iter()
            .filter_map(|id| world.sprint(*id))
            .filter(|s| !s.state.is_open())
            .map(|s| sprint_json(&caller.links, s))
            .collect();
        fields.insert("closedSprints".into(), Value::Array(closed));
    }
    if selection.wants("flagged") {
        fields.insert("flagged".into(), json!(false));
    }
    if selection.wants("epic") {
        // An epic the caller may not browse is not shown, not even as there.
        let epic = world
            .epic_of(issue)
            .filter(|epic| {
                world.may(
                    &caller.account_id,
                    &epic.project_key,
                    SeedPermission::Browse,
                )
            })
            .map_or(Value::Null, |epic| shape::epic(&caller.links, epic));
        fields.insert("epic".into(), epic);
    }
    if selection.wants("statusCategory") {
        let mut status = render::status(&caller.links, &issue.status);
        documents_to_strings(&mut status);
        fields.insert("statusCategory".into(), status["statusCategory"].take());
    }
    value
}
