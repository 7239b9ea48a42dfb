//! Issue types (`/rest/api/3/issuetype`): the one issue type scheme every
//! simulated project uses, seen by site admins and by whoever may browse a
//! project.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::super::render;
use super::{IdPath, browses_any, is_site_admin};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::workflow::{ISSUE_TYPES, IssueType};

/// Jira's rule for `getIssueAllTypes` and `getIssueType`: *Administer Jira*
/// sees every issue type, anyone else those of the projects they may browse.
fn sees_issue_types(world: &World, caller: &Caller) -> bool {
    is_site_admin(world, caller) || browses_any(world, caller)
}

fn render_all<'a>(links: &'a str, types: impl Iterator<Item = &'a IssueType> + 'a) -> Value {
    Value::Array(types.map(|t| render::issue_type(links, t)).collect())
}

/// `getIssueAllTypes`: every issue type, or none for a caller who sees none.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let visible = sees_issue_types(&shared.world(), &caller);
    Json(render_all(
        &caller.links,
        ISSUE_TYPES.iter().filter(|_| visible),
    ))
}

/// `getIssueType`. One the caller may not see answers as one that does not
/// exist (the spec's 404 covers both). An id that is not a number names no issue
/// type either and gets the same 404, as Jira's own tests expect of one, rather
/// than the 400 the spec also lists for an "invalid" id.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IdPath>,
) -> Result<Json<Value>, JiraError> {
    ISSUE_TYPES
        .iter()
        .find(|t| t.id == path.id)
        .filter(|_| sees_issue_types(&shared.world(), &caller))
        .map(|t| Json(render::issue_type(&caller.links, t)))
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "The issue type with id '{}' does not exist",
                path.id
            ))
        })
}

/// `getIssueTypesForProject`'s query: both read as text so a value that is not
/// a number is Jira's 400 naming it, not a deserializer's message.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ForProjectQuery {
    project_id: Option<String>,
    level: Option<String>,
}

/// `getIssueTypesForProject`: the issue types of project `projectId` (required, a
/// number), optionally of one hierarchy `level`. The project must be one the
/// caller may browse, or the caller a site admin (the spec's *Administer Jira*);
/// otherwise 404, the same whether it is hidden or does not exist.
pub(crate) async fn for_project(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ForProjectQuery>,
) -> Result<Json<Value>, JiraError> {
    let project_id = query
        .project_id
        .as_deref()
        .ok_or_else(|| JiraError::bad_request("The projectId parameter is required."))?;
    let number = query_number::<i64>;
    let id = number("projectId", project_id)?;
    let level = query
        .level
        .as_deref()
        .map(|l| number("level", l))
        .transpose()?;
    let world = shared.world();
    let admin = is_site_admin(&world, &caller);
    world
        .projects
        .iter()
        .find(|p| p.id == id.to_string())
        .filter(|p| admin || p.grants(&caller.account_id, SeedPermission::Browse))
        .ok_or_else(|| {
            JiraError::not_found(format!("No project could be found with id '{id}'."))
        })?;
    Ok(Json(render_all(
        &caller.links,
        ISSUE_TYPES
            .iter()
            .filter(move |t| level.is_none_or(|l| l == i64::from(t.hierarchy_level))),
    )))
}
