//! Project versions: a project's list (`GET /project/{key}/versions`) and page
//! (`GET /project/{key}/version`), one version (`GET`/`PUT`/`DELETE
//! /version/{id}`), creating one (`POST /version`), its issue counts
//! (`/version/{id}/relatedIssueCounts`, `/version/{id}/unresolvedIssueCount`), and
//! the issue fields that name versions, `fixVersions` and `versions`
//! (`issue_field.rs`).
//!
//! Who may do what follows the spec: reading needs *Browse projects* on the
//! version's project, and a version or project the caller may not browse is the
//! same 404 as one that does not exist; writing needs *Administer Projects*
//! (the project's lead, or a site admin: [`World::administers`]). Each write
//! refuses a caller who may browse but not administer with the status its
//! operation documents: `createVersion` 404, `updateVersion` 400, `deleteVersion`
//! 401, each with Jira's own words.
//!
//! An issue without a resolution (one not in Done: `IssueRecord::move_to`)
//! counts as unresolved: in `unresolvedIssueCount`, and when a release moves
//! the version's unfixed issues (`moveUnfixedIssuesTo`).
//!
//! Not modelled: moving and merging versions (`/version/{id}/move`,
//! `/mergeto/{moveIssuesTo}`), `removeAndSwap`, related work, version drivers
//! and approvers, `expand=operations`, and version pickers among custom fields
//! (so `customFieldUsage` is always empty). Changing an issue's versions raises
//! no webhook and writes no changelog entry of its own.
//!
//! Each write raises its webhook to the admin webhooks that list it
//! (`jira:version_created`, `_updated`, `_released`, `_unreleased`, `_deleted`:
//! `webhooks::admin_event`); a refused write raises nothing.

mod counts;
mod delete;
mod input;
pub(crate) mod issue_field;
mod read;
pub(crate) mod shape;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;

/// This module's routes, relative to `/rest/api/{version}`. The version's other
/// operations (`/version/{id}/move` …) fall through to the simulator's 501.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/project/{project_id_or_key}/versions", get(read::all))
        .route("/project/{project_id_or_key}/version", get(read::page))
        .route("/version", post(write::create))
        .route(
            "/version/{id}",
            get(read::one).put(write::update).delete(delete::delete),
        )
        .route("/version/{id}/relatedIssueCounts", get(counts::related))
        .route(
            "/version/{id}/unresolvedIssueCount",
            get(counts::unresolved),
        )
}

/// The `{id}` of `/version/{id}`; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(Deserialize)]
pub(crate) struct VersionPath {
    id: String,
}

/// The `{projectIdOrKey}` of the project lists.
#[derive(Deserialize)]
pub(crate) struct ProjectPath {
    project_id_or_key: String,
}

/// Jira's words for a caller who may not administer the version's project.
const NOT_ADMIN: &str =
    "You must have global or project administrator rights in order to modify versions.";

/// A write to a version, and how the spec says each refuses a caller who may
/// see the version but not administer its project.
#[derive(Debug, Clone, Copy)]
enum Write {
    Update,
    Delete,
}

impl Write {
    fn refusal(self) -> JiraError {
        match self {
            // Measured on Cloud too: a 400 with this message and no field errors.
            Write::Update => JiraError::bad_request(NOT_ADMIN),
            // `deleteVersion` documents no 403: its 401 covers "the user does
            // not have the required permissions", as Jira's REST layer answers
            // a refused version write (`NotAuthorisedWebException`).
            Write::Delete => JiraError::new(StatusCode::UNAUTHORIZED, NOT_ADMIN),
        }
    }
}

/// The position in `world.versions` of the version `id` names, if the caller
/// may browse its project; else the spec's 404, the same for a version that
/// does not exist (or an id that is not a number), so ids cannot be probed.
fn visible_version(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let not_found = || JiraError::not_found(format!("Could not find version for id '{id}'."));
    let id: u64 = id.parse().map_err(|_| not_found())?;
    world
        .versions
        .iter()
        .position(|v| {
            v.id == id && world.may(&caller.account_id, &v.project_key, SeedPermission::Browse)
        })
        .ok_or_else(not_found)
}

/// As [`visible_version`], for a caller who must also administer its project.
fn administrable_version(
    world: &World,
    caller: &Caller,
    id: &str,
    write: Write,
) -> Result<usize, JiraError> {
    let index = visible_version(world, caller, id)?;
    if !world.administers(&caller.account_id, &world.versions[index].project_key) {
        return Err(write.refusal());
    }
    Ok(index)
}
