//! Ranking: issues (`rankIssues`), an epic (`rankEpics`), and the place a
//! move into a sprint ranks its issues at (`moveIssuesToSprintAndRank`'s
//! `rankBeforeIssue`/`rankAfterIssue`, `backlog.rs`). The order itself, and
//! why ranking costs one pass over the site's issues whatever the input, is
//! `world::rank`'s.
//!
//! Ranking needs Jira's *Schedule issues* on each issue ranked (the
//! simulator's Edit, as for moves) and the right to browse the issue ranked
//! next to. `rankCustomFieldId` may only name Jira Cloud's Rank field
//! (`10019`): the simulator keeps one rank order. Ranking writes no changelog
//! entry and raises no webhook (Jira logs "Ranked higher"/"Ranked lower" on
//! the Rank field, which the simulator does not show).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::backlog::changeable;
use super::epic::{EpicPath, visible_epic};
use super::input::{IssueAction, issues_to};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::rank::{Place, RANK_FIELD_NUMBER};

/// The two properties that name a place, as one kind of body spells them.
struct PlaceNames {
    before: &'static str,
    after: &'static str,
}

const ISSUE_PLACE: PlaceNames = PlaceNames {
    before: "rankBeforeIssue",
    after: "rankAfterIssue",
};

const EPIC_PLACE: PlaceNames = PlaceNames {
    before: "rankBeforeEpic",
    after: "rankAfterEpic",
};

/// The issue key or id a place property holds, if it is set: a string (or a
/// number, as an id).
fn place_value(body: &Map<String, Value>, name: &str) -> Result<Option<String>, JiraError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(JiraError::invalid_payload()),
    }
}

/// Which of the two place properties the body sets: (its name, its value),
/// `None` if neither; both is a 400, as the two contradict each other.
fn named_place(
    body: &Map<String, Value>,
    names: &PlaceNames,
) -> Result<Option<(&'static str, String, bool)>, JiraError> {
    match (
        place_value(body, names.before)?,
        place_value(body, names.after)?,
    ) {
        (Some(_), Some(_)) => Err(JiraError::bad_request(format!(
            "Specify either {} or {}, not both.",
            names.before, names.after
        ))),
        (Some(target), None) => Ok(Some((names.before, target, true))),
        (None, Some(target)) => Ok(Some((names.after, target, false))),
        (None, None) => Ok(None),
    }
}

/// The place a move or rank of issues names (`rankBeforeIssue` or
/// `rankAfterIssue`), if any: next to an issue the caller may browse; one
/// they may not, or that does not exist, is a 400 naming the property.
pub(super) fn issue_place(
    world: &World,
    caller: &Caller,
    body: &Map<String, Value>,
) -> Result<Option<Place>, JiraError> {
    check_rank_field(world, body)?;
    let Some((name, target, before)) = named_place(body, &ISSUE_PLACE)? else {
        return Ok(None);
    };
    let index = world
        .visible_issue(&caller.account_id, &target)
        .ok_or_else(|| {
            JiraError::field(
                name,
                format!("Issue '{target}' does not exist or you do not have permission to see it."),
            )
        })?;
    let id = world.issues[index].id;
    Ok(Some(if before {
        Place::Before(id)
    } else {
        Place::After(id)
    }))
}

/// `rankCustomFieldId`, if set, must be Jira Cloud's Rank field (and not a
/// custom field of the site's that happens to have its number).
fn check_rank_field(world: &World, body: &Map<String, Value>) -> Result<(), JiraError> {
    let number = match body.get("rankCustomFieldId") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(JiraError::invalid_payload)?,
        Some(_) => return Err(JiraError::invalid_payload()),
    };
    if number == RANK_FIELD_NUMBER && world.custom_field_numbered(number).is_none() {
        Ok(())
    } else {
        Err(JiraError::field(
            "rankCustomFieldId",
            format!(
                "The custom field with id {number} is not a rank field: the site's Rank field \
                 is {RANK_FIELD_NUMBER}."
            ),
        ))
    }
}

/// `rankIssues`: 204 when every issue was ranked. At most 50 issues, each
/// one the caller may browse (else a 400 naming it) and schedule (else the
/// spec's 403), all or none. An issue asked to be ranked next to itself is
/// the one that can fail alone: it stays where it is, the others are
/// ranked, and the answer is the spec's 207 with an entry per issue (status
/// 200, or 400 with its `errors`).
pub(crate) async fn issues(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Response, JiraError> {
    let wanted = issues_to(&body, IssueAction::Rank)?;
    let mut world = shared.world();
    let place = issue_place(&world, &caller, &body)?.ok_or_else(|| {
        JiraError::bad_request("Specify rankBeforeIssue or rankAfterIssue to rank issues.")
    })?;
    let indexes = changeable(&world, &caller, &wanted, "rank")?;
    let target = place.target();
    let ids: Vec<u64> = indexes.iter().map(|&i| world.issues[i].id).collect();
    world.rank_issues(&ids, place);
    if !ids.contains(&target) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let entries: Vec<Value> = indexes
        .iter()
        .map(|&index| {
            let issue = &world.issues[index];
            if issue.id == target {
                json!({
                    "issueId": issue.id,
                    "issueKey": issue.key,
                    "status": 400,
                    "errors": [format!("Issue {} cannot be ranked relative to itself.", issue.key)],
                })
            } else {
                json!({ "issueId": issue.id, "issueKey": issue.key, "status": 200 })
            }
        })
        .collect();
    Ok((
        StatusCode::MULTI_STATUS,
        Json(json!({ "entries": entries })),
    )
        .into_response())
}

/// `rankEpics`: 204. The epic (path) and the one it is ranked next to
/// (`rankBeforeEpic` or `rankAfterEpic`, one of them) must be epics the
/// caller may browse, else the spec's 404; ranking needs *Schedule issues*
/// on the epic (403), and an epic is not ranked next to itself (400).
pub(crate) async fn epic(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<EpicPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    check_rank_field(&world, &body)?;
    let named = named_place(&body, &EPIC_PLACE)?;
    let index = visible_epic(&world, &caller, &path.epic_id_or_key)?;
    let (_, target, before) = named.ok_or_else(|| {
        JiraError::bad_request("Specify rankBeforeEpic or rankAfterEpic to rank an epic.")
    })?;
    let target = visible_epic(&world, &caller, &target)?;
    let epic = &world.issues[index];
    if !world.may(&caller.account_id, &epic.project_key, SeedPermission::Edit) {
        return Err(JiraError::forbidden(format!(
            "You do not have permission to rank epic {}.",
            epic.key
        )));
    }
    if index == target {
        return Err(JiraError::bad_request(format!(
            "Epic {} cannot be ranked relative to itself.",
            epic.key
        )));
    }
    let (id, target) = (epic.id, world.issues[target].id);
    let place = if before {
        Place::Before(target)
    } else {
        Place::After(target)
    };
    world.rank_issues(&[id], place);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /issue/rank`: the path is `rankIssues`' (Jira matches its literal
/// segment before `getIssue`'s `{issueIdOrKey}`), which takes only `PUT`.
pub(crate) async fn get_not_allowed() -> StatusCode {
    StatusCode::METHOD_NOT_ALLOWED
}
