//! Sprints: a board's (`getAllSprints`), creating one (`createSprint`), one
//! (`getSprint`), updating one fully (`updateSprint`) or partly
//! (`partiallyUpdateSprint`), and deleting one (`deleteSprint`).
//!
//! The state rules are the spec's: a sprint is created `future`; setting
//! `state` to `active` starts a future sprint that has a start and an end
//! date; setting it to `closed` completes an active sprint and sets its
//! `completeDate` to now; no other change of state is allowed, and
//! `completeDate` cannot be set. A closed sprint takes changes to its name
//! and goal only; changes to its other fields are ignored. Completing a
//! sprint leaves its incomplete issues in the backlog, the sprint kept in
//! their Sprint field, as Jira's carried-over issues are.
//!
//! Each write raises Jira's webhooks: `sprint_created`, `sprint_deleted`, and
//! for an update that changed the sprint `sprint_updated` (with `oldValue`),
//! followed by `sprint_started` or `sprint_closed` when it changed its state.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::input::{Change, SprintInput};
use super::shape;
use super::{
    BoardPath, SprintPath, manages_sprint, manages_sprints, may_not_manage_sprints, visible_board,
    visible_sprint,
};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::platform::page::Window;
use crate::shared::Shared;
use crate::webhooks::event::SprintChange;
use crate::world::World;
use crate::world::board::{BoardKind, BoardRecord};
use crate::world::sprint::{MAX_SPRINTS, SprintRecord, SprintState};

/// The page's default size and cap: the spec's default, and Jira Software's
/// cap on its lists.
const PAGE: usize = 50;
const CAP: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    state: Option<String>,
}

/// Jira Software's refusal of sprints on a board that has none.
fn no_sprints(board: &BoardRecord) -> JiraError {
    JiraError::bad_request(format!(
        "The board {} does not support sprints: only scrum boards have sprints.",
        board.id
    ))
}

/// `getAllSprints`: the sprints created on the board, closed ones first, then
/// active, then future, each in the backlog's order (creation order); `state`
/// (a comma-separated list) keeps those in the states named.
pub(crate) async fn of_board(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<ListQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    if board.kind != BoardKind::Scrum {
        return Err(no_sprints(board));
    }
    let mut states = Vec::new();
    for item in query.state.as_deref().unwrap_or_default().split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let state = SprintState::named(item).ok_or_else(|| {
            JiraError::bad_request(format!(
                "'{item}' is not a sprint state: use future, active or closed."
            ))
        })?;
        // Each state once: a list repeating one would otherwise cost every
        // sprint a pass over the whole list.
        if !states.contains(&state) {
            states.push(state);
        }
    }
    let mut found: Vec<&SprintRecord> = world
        .sprints
        .iter()
        .filter(|s| s.origin_board_id == board.id)
        .filter(|s| states.is_empty() || states.contains(&s.state))
        .collect();
    found.sort_by_key(|s| (s.state, s.id));
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&found)
        .map(|s| shape::sprint(&caller.links, s))
        .collect();
    Ok(Json(shape::page(window, found.len(), values)))
}

fn name_required() -> JiraError {
    JiraError::field("name", "The sprint name is required.")
}

/// `createSprint`: 201 with the new, future sprint. `name` (trimmed) and
/// `originBoardId` (a scrum board the caller may view, else the spec's 404)
/// are required; `startDate`, `endDate` and `goal` are optional. A `state` is
/// ignored: a new sprint is a future one.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let input = SprintInput::parse(&body)?;
    let name = input.name.full().ok_or_else(name_required)?;
    let board_id = input.origin_board_id.ok_or_else(|| {
        JiraError::field("originBoardId", "The sprint's origin board is required.")
    })?;
    let mut world = shared.world();
    let board = visible_board(&world, &caller, &board_id.to_string())?;
    if board.kind != BoardKind::Scrum {
        return Err(no_sprints(board));
    }
    if !manages_sprints(&world, &caller, board) {
        return Err(may_not_manage_sprints());
    }
    let start_date = input.start_date.full();
    let end_date = input.end_date.full();
    check_dates(start_date, end_date)?;
    if world.sprints.len() >= MAX_SPRINTS {
        // The simulator's limit, not Jira's (see the constant).
        return Err(JiraError::bad_request(format!(
            "Kiln's Jira simulator keeps at most {MAX_SPRINTS} sprints."
        )));
    }
    let record = SprintRecord {
        id: world.take_sprint_id(),
        name,
        state: SprintState::Future,
        origin_board_id: board_id,
        start_date,
        end_date,
        complete_date: None,
        created_date: world.now(),
        goal: input.goal.full(),
        properties: Default::default(),
    };
    let answer = shape::sprint(&caller.links, &record);
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared
        .event_context(&world, &caller)
        .sprint(SprintChange::Created(&record));
    shared.emit(&world, raised);
    world.sprints.push(record);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `getSprint`.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let sprint = visible_sprint(&world, &caller, &path.sprint_id)?;
    Ok(Json(shape::sprint(&caller.links, sprint)))
}

/// `updateSprint`: a full update (absent fields are cleared).
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    write(&shared, &caller, &path.sprint_id, &body, true)
}

/// `partiallyUpdateSprint`: absent fields are left as they are.
pub(crate) async fn partial_update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    write(&shared, &caller, &path.sprint_id, &body, false)
}

/// The position of the sprint `id` names, if the caller may see it (else the
/// 404) and manage its sprints (else the 403). A sprint whose board is gone
/// is managed by site admins only.
fn managed_sprint(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let sprint = visible_sprint(world, caller, id)?;
    if !manages_sprint(world, caller, sprint) {
        return Err(may_not_manage_sprints());
    }
    let id = sprint.id;
    world
        .sprints
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(super::sprint_not_found)
}

fn write(
    shared: &Shared,
    caller: &Caller,
    id: &str,
    body: &Map<String, Value>,
    full: bool,
) -> Result<Json<Value>, JiraError> {
    let input = SprintInput::parse(body)?;
    let mut world = shared.world();
    let index = managed_sprint(&world, caller, id)?;
    let now = world.now();
    let updated = changed(&world.sprints[index], input, full, now)?;
    let before = std::mem::replace(&mut world.sprints[index], updated);
    let raised = shared
        .event_context(&world, caller)
        .sprint(SprintChange::Updated {
            before: &before,
            after: &world.sprints[index],
        });
    shared.emit(&world, raised);
    Ok(Json(shape::sprint(&caller.links, &world.sprints[index])))
}

/// A property after a full (`full`) or partial write.
fn apply<T>(change: Change<T>, was: Option<T>, full: bool) -> Option<T> {
    if full {
        change.full()
    } else {
        change.apply(was)
    }
}

/// The sprint after a write, or the refusal of it.
fn changed(
    before: &SprintRecord,
    input: SprintInput,
    full: bool,
    now: time::OffsetDateTime,
) -> Result<SprintRecord, JiraError> {
    let mut sprint = before.clone();
    sprint.name = match input.name {
        Change::Keep if !full => before.name.clone(),
        Change::Set(name) => name,
        _ => return Err(name_required()),
    };
    sprint.goal = apply(input.goal, before.goal.clone(), full);
    if before.state == SprintState::Closed {
        // Only the name and goal of a closed sprint change.
        return Ok(sprint);
    }
    sprint.start_date = apply(input.start_date, before.start_date, full);
    sprint.end_date = apply(input.end_date, before.end_date, full);
    check_dates(sprint.start_date, sprint.end_date)?;
    match (before.state, input.state.unwrap_or(before.state)) {
        (from, to) if from == to => {}
        (SprintState::Future, SprintState::Active) => sprint.state = SprintState::Active,
        (SprintState::Active, SprintState::Closed) => {
            sprint.state = SprintState::Closed;
            sprint.complete_date = Some(now);
        }
        (from, to) => {
            return Err(JiraError::bad_request(format!(
                "A {} sprint cannot become {}: a future sprint can only be started (active), \
                 and an active sprint only completed (closed).",
                from.as_str(),
                to.as_str()
            )));
        }
    }
    if sprint.state == SprintState::Active
        && (sprint.start_date.is_none() || sprint.end_date.is_none())
    {
        return Err(JiraError::bad_request(
            "A sprint must have a start date and an end date to be active.",
        ));
    }
    Ok(sprint)
}

/// A sprint cannot end before it starts.
fn check_dates(
    start: Option<time::OffsetDateTime>,
    end: Option<time::OffsetDateTime>,
) -> Result<(), JiraError> {
    match (start, end) {
        (Some(start), Some(end)) if end < start => Err(JiraError::field(
            "endDate",
            "The sprint's end date must be after its start date.",
        )),
        _ => Ok(()),
    }
}

/// `deleteSprint`: 204; the sprint is taken off every issue, so its open
/// issues are back in the backlog.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = managed_sprint(&world, &caller, &path.sprint_id)?;
    let sprint = world.sprints.remove(index);
    world.forget_sprint(sprint.id);
    let raised = shared
        .event_context(&world, &caller)
        .sprint(SprintChange::Deleted(&sprint));
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;

    fn future() -> SprintRecord {
        SprintRecord {
            id: 1,
            name: String::from("S1"),
            state: SprintState::Future,
            origin_board_id: 1,
            start_date: None,
            end_date: None,
            complete_date: None,
            created_date: datetime!(2024-01-01 0:00 UTC),
            goal: Some(String::from("ship")),
            properties: Default::default(),
        }
    }

    fn input(body: Value) -> SprintInput {
        SprintInput::parse(body.as_object().expect("an object")).expect("valid")
    }

    const NOW: time::OffsetDateTime = datetime!(2024-02-01 12:00 UTC);

    #[test]
    fn state_changes_follow_the_spec() {
        let err = changed(&future(), input(json!({ "state": "active" })), false, NOW)
            .expect_err("no dates");
        assert!(err.describe().contains("start date and an end date"));
        let dated = json!({
            "state": "active",
            "startDate": "2024-02-01T09:00:00.000Z",
            "endDate": "2024-02-15T09:00:00.000Z",
        });
        let active = changed(&future(), input(dated), false, NOW).expect("started");
        assert_eq!(active.state, SprintState::Active);
        assert_eq!(
            active.goal.as_deref(),
            Some("ship"),
            "a partial update keeps it"
        );
        let err = changed(&active, input(json!({ "state": "future" })), false, NOW)
            .expect_err("no going back");
        assert!(err.describe().contains("cannot become future"));
        let closed =
            changed(&active, input(json!({ "state": "closed" })), false, NOW).expect("completed");
        assert_eq!(closed.complete_date, Some(NOW));
        let renamed = changed(
            &closed,
            input(json!({ "name": "Done", "state": "active", "startDate": null })),
            false,
            NOW,
        )
        .expect("a closed sprint takes a new name");
        assert_eq!(renamed.name, "Done");
        assert_eq!(renamed.state, SprintState::Closed, "other changes ignored");
        assert_eq!(renamed.start_date, closed.start_date);
        let err = changed(&future(), input(json!({ "state": "closed" })), false, NOW)
            .expect_err("future to closed");
        assert!(err.describe().contains("cannot become closed"));
    }

    #[test]
    fn a_full_update_clears_what_it_leaves_out() {
        let err = changed(&future(), input(json!({ "goal": "x" })), true, NOW)
            .expect_err("a name is needed");
        assert!(err.describe().starts_with("name: "));
        let sprint = changed(&future(), input(json!({ "name": "S" })), true, NOW).expect("ok");
        assert_eq!(sprint.goal, None);
        let err = changed(
            &future(),
            input(json!({
                "name": "S",
                "startDate": "2024-02-15T09:00:00.000Z",
                "endDate": "2024-02-01T09:00:00.000Z",
            })),
            true,
            NOW,
        )
        .expect_err("ends before it starts");
        assert!(err.describe().starts_with("endDate: "));
    }
}
