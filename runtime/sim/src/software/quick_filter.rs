//! A board's quick filters: all of them (`getAllQuickFilters`, paged) and one
//! (`getQuickFilter`), each a `QuickFilterBean` (`boardId`, `id`, `name`,
//! `jql`, `description`, `position`).
//!
//! They are the board's seeded data (`world/quick_filter.rs`): Jira's REST API
//! cannot make one. Who may read them is who may view the board
//! ([`visible_board`]); a board they may not view is its `404`, as is a quick
//! filter the board does not have (or one of another board's).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::shape;
use super::{BoardPath, visible_board};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::platform::page::Window;
use crate::shared::Shared;
use crate::world::quick_filter::QuickFilterRecord;

/// The page's default size and cap: the spec's default, and Jira Software's
/// cap on its lists (as the board's other lists).
const PAGE: usize = 50;
const CAP: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
}

/// The `{boardId}` and `{quickFilterId}` of one quick filter's route.
#[derive(Deserialize)]
pub(crate) struct QuickFilterPath {
    board_id: String,
    quick_filter_id: String,
}

/// `getAllQuickFilters`: the board's quick filters by position.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&board.quick_filters)
        .map(|filter| bean(board.id, filter))
        .collect();
    Ok(Json(shape::page(window, board.quick_filters.len(), values)))
}

/// `getQuickFilter`.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<QuickFilterPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let filter = path
        .quick_filter_id
        .parse::<u64>()
        .ok()
        .and_then(|id| board.quick_filters.iter().find(|f| f.id == id))
        .ok_or_else(quick_filter_not_found)?;
    Ok(Json(bean(board.id, filter)))
}

/// The spec's `404` for a quick filter the board does not have (an id that is
/// not a number names none); the wording is the simulator's.
fn quick_filter_not_found() -> JiraError {
    JiraError::field(
        "quickFilterId",
        "The requested quick filter does not exist on this board.",
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// A `QuickFilterBean`.
fn bean(board_id: u64, filter: &QuickFilterRecord) -> Value {
    json!({
        "id": filter.id,
        "boardId": board_id,
        "name": filter.name,
        "jql": filter.jql,
        "description": filter.description,
        "position": filter.position,
    })
}
