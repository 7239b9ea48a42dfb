//! The Jira Software agile REST API (`/rest/agile/1.0/...`): boards
//! (`board.rs`), their issues and backlogs (`issues.rs`), sprints
//! (`sprint.rs`, bodies in `input.rs`), moving issues between sprints and the
//! backlog (`backlog.rs`), epics (`epic.rs`) and moving issues in and out of
//! them (`epic_move.rs`), ranking (`rank.rs`), the agile view of one issue
//! and the lists of issues (`issues.rs`), and the JSON they answer
//! (`shape.rs`). The Sprint field on platform issues and its JQL live with
//! the platform (`sprint_field.rs` here renders it).
//!
//! Who may do what: a board is seen by those who may see its filter (a
//! project's board: those who may browse the project); a sprint by those who
//! may see its board or browse one of its issues; both are the spec's 404
//! otherwise, the same as for one that does not exist. An epic, like any
//! issue, is seen by those who may browse its project. Managing sprints
//! (Jira's *Manage sprints*) is granted to the board's administrator, site
//! admins, and those who may edit issues in the board's project; moving and
//! ranking issues needs the right to edit each issue (Jira's *Schedule
//! issues*; for epics, *Edit issues*).
//!
//! A board's versions are its projects' (`version.rs`); boards and sprints
//! keep app data as properties (`property.rs`); a board's quick filters are
//! seeded board data, read-only (`quick_filter.rs`).
//!
//! Not modelled: features, reports, `swap`, estimation, kanban backlogs,
//! moving issues to a board (`moveIssuesToBoard`), `simple` boards and
//! private boards, the issue's Rank field as a value (ranking changes the
//! order, not a field an issue shows) and epics of team-managed projects (the
//! spec's own epic API does not serve them either).
//!
//! Sprint and board writes raise Jira Software's webhooks (`sprint_*`,
//! `board_created`, `board_deleted`) for the admin webhooks that list them; see
//! `sprint.rs`, `board.rs` and `crate::webhooks::event`. Moving issues into
//! or out of an epic changes their parent, and raises `jira:issue_updated`
//! as the platform's edit of `parent` does (`epic_move.rs`).

mod backlog;
mod board;
mod epic;
mod epic_move;
mod input;
mod issues;
mod property;
mod quick_filter;
mod rank;
pub(crate) mod shape;
mod sprint;
pub(crate) mod sprint_field;
mod version;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use serde::Deserialize;

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::board::{BoardQuery, BoardRecord};
use crate::world::sprint::SprintRecord;

/// The agile routes, mounted both on the site and behind the gateway. The
/// agile API's other operations fall through to the simulator's 501.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().nest("/rest/agile/1.0", api_routes())
}

fn api_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/board", get(board::list).post(board::create))
        .route("/board/filter/{filter_id}", get(board::by_filter))
        .route("/board/{board_id}", get(board::one).delete(board::delete))
        .route("/board/{board_id}/configuration", get(board::configuration))
        .route("/board/{board_id}/project", get(board::projects))
        .route("/board/{board_id}/issue", get(issues::board))
        .route("/board/{board_id}/backlog", get(issues::backlog))
        .route("/board/{board_id}/sprint", get(sprint::of_board))
        .route("/board/{board_id}/version", get(version::of_board))
        .route("/board/{board_id}/quickfilter", get(quick_filter::list))
        .route(
            "/board/{board_id}/quickfilter/{quick_filter_id}",
            get(quick_filter::one),
        )
        .route("/board/{board_id}/properties", get(property::board_keys))
        .route(
            "/board/{board_id}/properties/{property_key}",
            get(property::board_get)
                .put(property::board_set)
                .delete(property::board_delete),
        )
        .route(
            "/board/{board_id}/sprint/{sprint_id}/issue",
            get(issues::board_sprint),
        )
        .route("/sprint", post(sprint::create))
        .route(
            "/sprint/{sprint_id}",
            get(sprint::one)
                .put(sprint::update)
                .post(sprint::partial_update)
                .delete(sprint::delete),
        )
        .route(
            "/sprint/{sprint_id}/issue",
            get(issues::sprint).post(backlog::to_sprint),
        )
        .route("/sprint/{sprint_id}/properties", get(property::sprint_keys))
        .route(
            "/sprint/{sprint_id}/properties/{property_key}",
            get(property::sprint_get)
                .put(property::sprint_set)
                .delete(property::sprint_delete),
        )
        .route("/backlog/issue", post(backlog::to_backlog))
        .route("/backlog/{board_id}/issue", post(backlog::to_board_backlog))
        .route("/board/{board_id}/epic", get(epic::of_board))
        .route(
            "/board/{board_id}/epic/none/issue",
            get(issues::board_without_epic),
        )
        .route(
            "/board/{board_id}/epic/{epic_id}/issue",
            get(issues::board_epic),
        )
        .route(
            "/epic/none/issue",
            get(issues::without_epic).post(epic_move::from_epics),
        )
        .route(
            "/epic/{epic_id_or_key}",
            get(epic::one).post(epic::partial_update),
        )
        .route(
            "/epic/{epic_id_or_key}/issue",
            get(issues::epic).post(epic_move::to_epic),
        )
        .route("/epic/{epic_id_or_key}/rank", put(rank::epic))
        .route("/issue/rank", put(rank::issues).get(rank::get_not_allowed))
        .route("/issue/{issue_id_or_key}", get(issues::one))
}

/// The `{boardId}` of a board's routes; named so the gateway's extra
/// `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct BoardPath {
    board_id: String,
}

/// The `{sprintId}` of a sprint's routes.
#[derive(Deserialize)]
pub(crate) struct SprintPath {
    sprint_id: String,
}

/// Jira Software's 404 for a board that does not exist or that the caller may
/// not view: the two are one answer, so board ids cannot be probed.
fn board_not_found() -> JiraError {
    JiraError::field(
        "rapidViewId",
        "The requested board cannot be viewed because it either does not exist or you do not \
         have permission to view it.",
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// Jira Software's 404 for a sprint that does not exist or is not visible.
fn sprint_not_found() -> JiraError {
    JiraError::field(
        "sprint",
        "The requested sprint cannot be viewed because it either does not exist or you do not \
         have permission to view it.",
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// The board `id` names, if the caller may view it; else the 404 (also for an
/// id that is not a number).
fn visible_board<'w>(
    world: &'w World,
    caller: &Caller,
    id: &str,
) -> Result<&'w BoardRecord, JiraError> {
    id.parse::<u64>()
        .ok()
        .and_then(|id| world.board(id))
        .filter(|b| world.may_view_board(&caller.account_id, b))
        .ok_or_else(board_not_found)
}

/// The sprint `id` names, if the caller may view it; else the 404.
fn visible_sprint<'w>(
    world: &'w World,
    caller: &Caller,
    id: &str,
) -> Result<&'w SprintRecord, JiraError> {
    id.parse::<u64>()
        .ok()
        .and_then(|id| world.sprint(id))
        .filter(|s| world.may_view_sprint(&caller.account_id, s))
        .ok_or_else(sprint_not_found)
}

/// Whether the caller holds *Manage sprints* for sprints of `board`: its
/// administrator, a site admin, or one who may edit issues in the board's
/// project (the simulator's four permissions have no *Manage sprints* of
/// their own).
fn manages_sprints(world: &World, caller: &Caller, board: &BoardRecord) -> bool {
    world.administers_board(&caller.account_id, board)
        || board
            .location
            .as_deref()
            .is_some_and(|key| world.may(&caller.account_id, key, SeedPermission::Edit))
}

/// Whether the caller holds *Manage sprints* for `sprint`: on the board it was
/// created on, or, once that board is deleted, as a site admin.
fn manages_sprint(world: &World, caller: &Caller, sprint: &SprintRecord) -> bool {
    match world.board(sprint.origin_board_id) {
        Some(board) => manages_sprints(world, caller, board),
        None => world.is_site_admin(&caller.account_id),
    }
}

/// The refusal of a sprint write by one without *Manage sprints*.
fn may_not_manage_sprints() -> JiraError {
    JiraError::forbidden("You don't have permission to manage sprints on this board.")
}

/// The project key a project's board shows, if it is one.
fn project_of(board: &BoardRecord) -> Option<&str> {
    match &board.query {
        BoardQuery::Project(key) => Some(key),
        BoardQuery::Filter(_) => None,
    }
}
