//! Deleting a version (`deleteVersion`), and what becomes of the issues that
//! name it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{VersionPath, Write, administrable_version};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::webhooks::admin_event::VersionChange;
use crate::world::World;
use crate::world::version::{VersionField, VersionRecord};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteQuery {
    move_fix_issues_to: Option<String>,
    move_affected_issues_to: Option<String>,
}

/// `deleteVersion`: 204. Issues whose `fixVersions` (`versions`) hold the
/// version get `moveFixIssuesTo` (`moveAffectedIssuesTo`) in its place when
/// given, and lose it otherwise, as the spec says. A replacement must be
/// another version of the same project: anything else is a 400, checked before
/// anything changes.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<VersionPath>,
    JiraQuery(query): JiraQuery<DeleteQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = administrable_version(&world, &caller, &path.id, Write::Delete)?;
    let version = &world.versions[index];
    let fix_to = replacement(
        &world,
        version,
        "moveFixIssuesTo",
        query.move_fix_issues_to.as_deref(),
    )?;
    let affected_to = replacement(
        &world,
        version,
        "moveAffectedIssuesTo",
        query.move_affected_issues_to.as_deref(),
    )?;
    // The version as it was: built before it goes.
    let raised = shared
        .event_context(&world, &caller)
        .version(VersionChange::Deleted(&world.versions[index]));
    let removed = world.versions.remove(index);
    world.swap_version(VersionField::Fix, removed.id, fix_to);
    world.swap_version(VersionField::Affects, removed.id, affected_to);
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}

/// The replacement a parameter names, if any (an empty value names none).
fn replacement(
    world: &World,
    version: &VersionRecord,
    parameter: &str,
    value: Option<&str>,
) -> Result<Option<u64>, JiraError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    value
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| world.version(id))
        .filter(|other| other.project_key == version.project_key && other.id != version.id)
        .map(|other| Some(other.id))
        .ok_or_else(|| {
            JiraError::bad_request(format!(
                "The version '{value}' given as {parameter} must be another version of the \
                 project of the version being deleted."
            ))
        })
}
