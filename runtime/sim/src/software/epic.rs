//! Epics: one (`getEpic`), updating one (`partiallyUpdateEpic`), and a
//! board's (`getEpics`). An epic is an issue of the Epic type; its name,
//! colour and done flag are `world::epic`'s, its issues the hierarchy's (its
//! children: `issues.rs` lists them, `epic_move.rs` moves issues in and out).
//!
//! An epic is seen by those who may browse its project: any other, and an
//! issue that does not exist, is the platform's 404 for an issue, so epic
//! keys cannot be probed; an issue the caller sees that is not an epic is a
//! 404 saying so (the path names no epic). Updating needs the right to edit
//! the epic (the spec's 403).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::board::project_keys;
use super::shape;
use super::{BoardPath, visible_board};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::platform::issue::raise_updated;
use crate::platform::page::Window;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::epic::{EPIC_COLORS, MAX_EPIC_NAME_CHARS, color_named};
use crate::world::rank::in_rank_order;
use crate::world::{IssueRecord, World};

/// The page's default size and cap: the spec's default, and Jira Software's
/// cap on its lists.
const PAGE: usize = 50;
const CAP: usize = 50;

/// Jira caps a summary at 255 characters (as the platform's edit does).
const MAX_SUMMARY_CHARS: usize = 255;

/// The `{epicIdOrKey}` of an epic's routes; named so the gateway's extra
/// `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct EpicPath {
    pub(super) epic_id_or_key: String,
}

/// The index of the epic `id_or_key` names, if the caller may browse it: the
/// platform's 404 for an issue otherwise, and a 404 naming the issue when it
/// is one the caller sees but not an epic.
pub(super) fn visible_epic(
    world: &World,
    caller: &Caller,
    id_or_key: &str,
) -> Result<usize, JiraError> {
    let index = world
        .visible_issue(&caller.account_id, id_or_key.trim())
        .ok_or_else(JiraError::issue_not_found)?;
    let issue = &world.issues[index];
    if issue.is_epic() {
        Ok(index)
    } else {
        Err(JiraError::not_found(format!(
            "Issue {} is not an epic.",
            issue.key
        )))
    }
}

/// `getEpic`.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<EpicPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_epic(&world, &caller, &path.epic_id_or_key)?;
    Ok(Json(shape::epic(&caller.links, &world.issues[index])))
}

/// A `partiallyUpdateEpic` body (`EpicUpdateBean`): each property absent or
/// `null` is left as it is. Other properties are ignored.
#[derive(Debug, Default, PartialEq, Eq)]
struct EpicUpdate {
    name: Option<String>,
    summary: Option<String>,
    color: Option<&'static str>,
    done: Option<bool>,
}

impl EpicUpdate {
    fn parse(body: &Map<String, Value>) -> Result<Self, JiraError> {
        let text = |name: &str| match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(JiraError::invalid_payload()),
        };
        let name = match text("name")? {
            Some(name) if name.is_empty() => {
                return Err(JiraError::field("name", "The epic name must not be empty."));
            }
            Some(name) if name.chars().count() > MAX_EPIC_NAME_CHARS => {
                return Err(JiraError::field(
                    "name",
                    format!(
                        "The epic name must not be longer than {MAX_EPIC_NAME_CHARS} characters."
                    ),
                ));
            }
            other => other,
        };
        let summary = match text("summary")? {
            Some(summary) if summary.is_empty() => {
                return Err(JiraError::field(
                    "summary",
                    "You must specify a summary of the issue.",
                ));
            }
            Some(summary) if summary.chars().count() > MAX_SUMMARY_CHARS => {
                return Err(JiraError::field(
                    "summary",
                    "Summary must be less than 255 characters.",
                ));
            }
            other => other,
        };
        let color = match body.get("color") {
            None | Some(Value::Null) => None,
            Some(Value::Object(color)) => match color.get("key") {
                None | Some(Value::Null) => None,
                Some(Value::String(key)) => Some(color_named(key).ok_or_else(|| {
                    JiraError::field(
                        "color",
                        format!(
                            "'{key}' is not an epic colour: use one of {} to {}.",
                            EPIC_COLORS[0],
                            EPIC_COLORS[EPIC_COLORS.len() - 1]
                        ),
                    )
                })?),
                Some(_) => return Err(JiraError::invalid_payload()),
            },
            Some(_) => return Err(JiraError::invalid_payload()),
        };
        let done = match body.get("done") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(done)) => Some(*done),
            Some(_) => return Err(JiraError::invalid_payload()),
        };
        Ok(Self {
            name,
            summary,
            color,
            done,
        })
    }

    /// Writes the update into `issue`; whether anything changed.
    fn apply(self, issue: &mut IssueRecord) -> bool {
        let before = (issue.summary.clone(), issue.epic.clone());
        if let Some(name) = self.name {
            issue.epic.name = Some(name);
        }
        if let Some(summary) = self.summary {
            issue.summary = summary;
        }
        if let Some(color) = self.color {
            issue.epic.color = Some(color);
        }
        if let Some(done) = self.done {
            issue.epic.done = done;
        }
        before != (issue.summary.clone(), issue.epic.clone())
    }
}

/// `partiallyUpdateEpic`: 200 with the epic. `name` (the Epic Name, at most
/// 255 characters), `summary` (the issue's, as the platform's edit takes
/// it), `color` (`{"key": "color_1"}` to `color_14`) and `done` (the Epic
/// Status, not the issue's status). A changed summary is an edit of the
/// issue: it is logged and raises `jira:issue_updated`, as the platform's
/// edit does; the epic's own fields are not shown in the changelog.
pub(crate) async fn partial_update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<EpicPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    let update = EpicUpdate::parse(&body)?;
    let mut world = shared.world();
    let index = visible_epic(&world, &caller, &path.epic_id_or_key)?;
    let epic = &world.issues[index];
    if !world.may(&caller.account_id, &epic.project_key, SeedPermission::Edit) {
        return Err(JiraError::forbidden(format!(
            "You do not have permission to edit epic {}.",
            epic.key
        )));
    }
    let before = epic.clone();
    let now = world.now();
    let issue = &mut world.issues[index];
    if update.apply(issue) {
        issue.updated = now;
        raise_updated(&shared, &mut world, &caller, &before, index);
    }
    Ok(Json(shape::epic(&caller.links, &world.issues[index])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EpicsQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    done: Option<String>,
}

/// `getEpics`: the epics of the board's projects (the project it is located
/// in and those of the issues it shows) that the caller may browse, in rank
/// order; `done` (`true` or `false`) keeps those marked done or not.
pub(crate) async fn of_board(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<EpicsQuery>,
) -> Result<Json<Value>, JiraError> {
    let done = match query.done.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(done) if done.eq_ignore_ascii_case("true") => Some(true),
        Some(done) if done.eq_ignore_ascii_case("false") => Some(false),
        Some(other) => {
            return Err(JiraError::bad_request(format!(
                "'{other}' is not a valid value for done: use true or false."
            )));
        }
    };
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let projects = project_keys(&world, &caller, board)?;
    let mut epics: Vec<&IssueRecord> = world
        .issues
        .iter()
        .filter(|issue| issue.is_epic())
        .filter(|issue| projects.contains(&issue.project_key.as_str()))
        .filter(|issue| {
            world.may(
                &caller.account_id,
                &issue.project_key,
                SeedPermission::Browse,
            )
        })
        .filter(|issue| done.is_none_or(|done| issue.epic.done == done))
        .collect();
    in_rank_order(&mut epics);
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&epics)
        .map(|epic| shape::epic(&caller.links, epic))
        .collect();
    Ok(Json(shape::page(window, epics.len(), values)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(body: Value) -> Result<EpicUpdate, JiraError> {
        EpicUpdate::parse(body.as_object().expect("an object"))
    }

    #[test]
    fn an_update_reads_the_specs_four_properties() {
        let update = parse(json!({
            "name": " Epic ",
            "summary": "S",
            "color": { "key": "color_6" },
            "done": true,
            "id": 5,
        }))
        .expect("valid");
        assert_eq!(
            update,
            EpicUpdate {
                name: Some(String::from("Epic")),
                summary: Some(String::from("S")),
                color: Some("color_6"),
                done: Some(true),
            }
        );
        assert_eq!(
            parse(json!({ "name": null, "color": null })).expect("valid"),
            EpicUpdate::default()
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for body in [
            json!({ "name": 1 }),
            json!({ "done": "yes" }),
            json!({ "color": "color_1" }),
            json!({ "color": { "key": 1 } }),
        ] {
            let err = parse(body.clone()).expect_err("refused");
            assert!(err.describe().contains("Invalid request payload"), "{body}");
        }
        for (body, field) in [
            (json!({ "color": { "key": "color_15" } }), "color"),
            (json!({ "name": " " }), "name"),
            (json!({ "name": "x".repeat(256) }), "name"),
            (json!({ "summary": "" }), "summary"),
            (json!({ "summary": "x".repeat(256) }), "summary"),
        ] {
            let err = parse(body.clone()).expect_err("refused");
            assert!(err.describe().starts_with(&format!("{field}: ")), "{body}");
        }
    }
}
