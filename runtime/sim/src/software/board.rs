//! Boards: the site's boards (`getAllBoards`), one (`getBoard`), creating one
//! from a filter (`createBoard`), deleting one (`deleteBoard`), its
//! configuration (`getConfiguration`) and its projects (`getProjects`).
//!
//! Creating and deleting a board raise Jira's `board_created` and
//! `board_deleted`; the API has no board update and nothing changes a board's
//! configuration, so `board_updated` and `board_configuration_changed` are never
//! raised.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::issues::board_issues;
use super::shape::{self, board_self};
use super::{BoardPath, board_not_found, project_of, visible_board};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::platform::page::Window;
use crate::platform::render;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::event::EntityChange;
use crate::world::World;
use crate::world::board::{BoardKind, BoardQuery, BoardRecord, MAX_BOARD_NAME_CHARS, MAX_BOARDS};
use crate::world::workflow::STATUSES;

/// The page's default size and cap: the spec's default, and Jira Software's
/// cap on its lists.
const PAGE: usize = 50;
const CAP: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    project_key_or_id: Option<String>,
    filter_id: Option<u64>,
    order_by: Option<String>,
}

/// `getAllBoards`: the boards the caller may view, in creation order (or by
/// name with `orderBy`), filtered by `type` (a comma-separated list), `name`
/// (contained, without regard to case), `projectKeyOrId` (the boards located
/// in that project or showing its issues) and `filterId`. Private boards and
/// the location filters (`accountIdLocation`, `projectLocation`) are not
/// modelled, and are ignored.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ListQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    // The types asked for, each once, so a long list repeating one costs a
    // board one short search; a type the simulator does not make (`simple`)
    // is asked for but matches no board.
    let mut kind_asked = false;
    let mut kinds: Vec<BoardKind> = Vec::new();
    for item in query.kind.as_deref().unwrap_or_default().split(',') {
        if item.trim().is_empty() {
            continue;
        }
        kind_asked = true;
        if let Some(kind) = BoardKind::named(item)
            && !kinds.contains(&kind)
        {
            kinds.push(kind);
        }
    }
    let needle = query.name.as_deref().map(str::to_lowercase);
    let project = query
        .project_key_or_id
        .as_deref()
        .map(|p| world.project(p).map(|p| p.key.clone()));
    let mut found: Vec<&BoardRecord> = world
        .boards
        .iter()
        .filter(|b| world.may_view_board(&caller.account_id, b))
        .filter(|b| !kind_asked || kinds.contains(&b.kind))
        .filter(|b| {
            needle
                .as_deref()
                .is_none_or(|n| b.name.to_lowercase().contains(n))
        })
        .filter(|b| match &project {
            None => true,
            Some(None) => false,
            Some(Some(key)) => {
                b.location.as_deref() == Some(key.as_str()) || project_of(b) == Some(key)
            }
        })
        .filter(|b| {
            query
                .filter_id
                .is_none_or(|id| b.query == BoardQuery::Filter(id))
        })
        .collect();
    match query.order_by.as_deref().map(str::trim) {
        Some("name" | "+name") => found.sort_by(|a, b| by_name(a, b)),
        Some("-name") => found.sort_by(|a, b| by_name(b, a)),
        _ => {}
    }
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&found)
        .map(|b| shape::board(&caller.links, &world, b))
        .collect();
    Ok(Json(shape::page(window, found.len(), values)))
}

/// The `{filterId}` of `getBoardByFilterId`.
#[derive(Deserialize)]
pub(crate) struct FilterPath {
    filter_id: String,
}

/// `getBoardByFilterId`: the boards made from filter `filterId` that the caller
/// may view (those who may see the filter), in creation order, each as the
/// spec's schema has it (`id`, `name`, `self`; nothing else). A filter no board
/// uses, or one that does not exist, has none; an id that is not a number is
/// `400`.
pub(crate) async fn by_filter(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FilterPath>,
    JiraQuery(query): JiraQuery<PageOnly>,
) -> Result<Json<Value>, JiraError> {
    let filter_id: u64 = path.filter_id.parse().map_err(|_| {
        JiraError::bad_request(format!(
            "The filter id '{}' is not a number.",
            path.filter_id
        ))
    })?;
    let world = shared.world();
    let found: Vec<&BoardRecord> = world
        .boards
        .iter()
        .filter(|b| b.query == BoardQuery::Filter(filter_id))
        .filter(|b| world.may_view_board(&caller.account_id, b))
        .collect();
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&found)
        .map(|b| {
            json!({
                "id": b.id,
                "name": b.name,
                "self": board_self(&caller.links, b.id),
            })
        })
        .collect();
    Ok(Json(shape::page(window, found.len(), values)))
}

/// `startAt` and `maxResults`, alone.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageOnly {
    start_at: Option<usize>,
    max_results: Option<usize>,
}

fn by_name(a: &BoardRecord, b: &BoardRecord) -> Ordering {
    a.name.to_lowercase().cmp(&b.name.to_lowercase())
}

/// `getBoard`.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    Ok(Json(shape::board(&caller.links, &world, board)))
}

/// `createBoard`: 201 with the new board. `name`, `type` (scrum or kanban) and
/// `filterId` (a filter the caller may see) are required; `location` puts the
/// board in a project (`type: project` with `projectKeyOrId`, one the caller
/// may browse) or with the caller (`type: user`, the default). The caller
/// becomes the board's administrator.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let string = |name: &str| match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(JiraError::invalid_payload()),
    };
    let name = string("name")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| JiraError::field("name", "The board name is required."))?;
    if name.chars().count() >= MAX_BOARD_NAME_CHARS {
        return Err(JiraError::field(
            "name",
            format!("The board name must be less than {MAX_BOARD_NAME_CHARS} characters."),
        ));
    }
    let kind = match string("type")? {
        None => return Err(JiraError::field("type", "The board type is required.")),
        Some(kind) => BoardKind::named(&kind).ok_or_else(|| {
            JiraError::field(
                "type",
                format!("'{kind}' is not a board type the simulator makes: use scrum or kanban."),
            )
        })?,
    };
    let filter_id = match body.get("filterId") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(JiraError::invalid_payload)?),
        Some(_) => return Err(JiraError::invalid_payload()),
    }
    .ok_or_else(|| JiraError::field("filterId", "The board's filter is required."))?;
    let mut world = shared.world();
    let filter_visible = world
        .filters
        .all
        .iter()
        .find(|f| f.id == filter_id)
        .is_some_and(|f| f.visible_to(&world, &caller.account_id));
    if !filter_visible {
        return Err(JiraError::field(
            "filterId",
            format!(
                "The filter with id {filter_id} does not exist or you do not have permission \
                 to view it."
            ),
        ));
    }
    let location = location(&world, &caller, body.get("location"))?;
    if world.boards.len() >= MAX_BOARDS {
        // The simulator's limit, not Jira's (see the constant).
        return Err(JiraError::bad_request(format!(
            "Kiln's Jira simulator keeps at most {MAX_BOARDS} boards."
        )));
    }
    let id = world.take_board_id();
    let record = BoardRecord {
        id,
        name,
        kind,
        query: BoardQuery::Filter(filter_id),
        location,
        admin: caller.account_id.clone(),
        properties: Default::default(),
        // The API cannot make quick filters: a new board has none.
        quick_filters: Vec::new(),
    };
    let answer = shape::board(&caller.links, &world, &record);
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared
        .event_context(&world, &caller)
        .board(EntityChange::Created, &record);
    shared.emit(&world, raised);
    world.boards.push(record);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The project key a create's `location` names, or `None` for a board
/// located with its creator.
fn location(
    world: &World,
    caller: &Caller,
    location: Option<&Value>,
) -> Result<Option<String>, JiraError> {
    let Some(location) = location.filter(|l| !l.is_null()) else {
        return Ok(None);
    };
    let location = location
        .as_object()
        .ok_or_else(JiraError::invalid_payload)?;
    let kind = location.get("type").and_then(Value::as_str);
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("user") => Ok(None),
        Some("project") => {
            let wanted = match location.get("projectKeyOrId") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    return Err(JiraError::field(
                        "location",
                        "A board located in a project must name it with projectKeyOrId.",
                    ));
                }
            };
            world
                .project(&wanted)
                .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
                .map(|p| Some(p.key.clone()))
                .ok_or_else(|| {
                    JiraError::field(
                        "location",
                        format!(
                            "No project could be found with key or id '{wanted}' that you may \
                             browse."
                        ),
                    )
                })
        }
        _ => Err(JiraError::field(
            "location",
            "The board's location type must be project or user.",
        )),
    }
}

/// `deleteBoard`: 204. A Jira administrator or the board's administrator may
/// delete it, even without the right to view it (as the spec says); one who
/// may view it but not administer it is the spec's 403. The board's sprints
/// stay, as Jira keeps them.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = path
        .board_id
        .parse::<u64>()
        .ok()
        .and_then(|id| world.boards.iter().position(|b| b.id == id))
        .ok_or_else(board_not_found)?;
    let board = &world.boards[index];
    if !world.administers_board(&caller.account_id, board) {
        return Err(if world.may_view_board(&caller.account_id, board) {
            JiraError::forbidden(
                "You must be a Jira administrator or an administrator of this board to delete it.",
            )
        } else {
            board_not_found()
        });
    }
    let board = world.boards.remove(index);
    let raised = shared
        .event_context(&world, &caller)
        .board(EntityChange::Deleted, &board);
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}

/// `getConfiguration`: the board's `filter` (for a board made from a saved
/// filter; a project's own board shows the project's issues and has none in
/// the simulator), `location`, `columnConfig` (the simulator's one workflow:
/// a column per status, the last, "Done", the done column), `estimation`
/// (scrum boards: `none`, as the simulator has no estimate fields).
pub(crate) async fn configuration(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let links = &caller.links;
    let mut value = Map::new();
    value.insert("id".into(), json!(board.id));
    value.insert("name".into(), json!(board.name));
    value.insert("type".into(), json!(board.kind.as_str()));
    value.insert(
        "self".into(),
        json!(format!("{}/configuration", board_self(links, board.id))),
    );
    value.insert(
        "location".into(),
        match &board.location {
            Some(key) => json!({ "type": "project", "projectKeyOrId": key }),
            None => json!({ "type": "user" }),
        },
    );
    if let BoardQuery::Filter(id) = board.query {
        value.insert(
            "filter".into(),
            json!({ "id": id.to_string(), "self": format!("{links}/rest/api/3/filter/{id}") }),
        );
    }
    let columns: Vec<Value> = STATUSES
        .iter()
        .map(|status| {
            json!({
                "name": status.name,
                "statuses": [{
                    "id": status.id,
                    "self": format!("{links}/rest/api/3/status/{}", status.id),
                }],
            })
        })
        .collect();
    value.insert(
        "columnConfig".into(),
        json!({ "columns": columns, "constraintType": "issueCount" }),
    );
    if board.kind == BoardKind::Scrum {
        value.insert("estimation".into(), json!({ "type": "none" }));
    }
    Ok(Json(Value::Object(value)))
}

/// The keys of the board's projects: the project it is located in and those
/// of the issues it shows the caller, each once. Which of them the caller may
/// browse is the reader's to check.
pub(super) fn project_keys<'w>(
    world: &'w World,
    caller: &Caller,
    board: &'w BoardRecord,
) -> Result<Vec<&'w str>, JiraError> {
    let mut keys: Vec<&str> = board.location.as_deref().into_iter().collect();
    for issue in board_issues(world, caller, board)? {
        // Few projects: a short list to search beats a set to build.
        if !keys.contains(&issue.project_key.as_str()) {
            keys.push(&issue.project_key);
        }
    }
    Ok(keys)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
}

/// `getProjects`: the projects of the board, ordered by name: the project it
/// is located in and those of the issues it shows, that the caller may browse.
pub(crate) async fn projects(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let mut projects: Vec<_> = project_keys(&world, &caller, board)?
        .into_iter()
        .filter_map(|k| world.project(k))
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .collect();
    projects.sort_by_key(|p| p.name.to_lowercase());
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&projects)
        .map(|p| render::project_summary(&caller.links, p))
        .collect();
    Ok(Json(shape::page(window, projects.len(), values)))
}
