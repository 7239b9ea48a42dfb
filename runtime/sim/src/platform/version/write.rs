//! Creating (`createVersion`) and updating (`updateVersion`) a version: the same
//! checks of a name, a description and dates, and on a release, moving the
//! version's unfixed issues on.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};
use time::Date;

use super::input::{Change, ProjectRef, VersionInput};
use super::shape::written;
use super::{VersionPath, Write, administrable_version};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::admin_event::VersionChange;
use crate::world::World;
use crate::world::version::{
    MAX_VERSION_DESCRIPTION_BYTES, MAX_VERSION_NAME_CHARS, MAX_VERSIONS_PER_PROJECT, VersionField,
    VersionRecord,
};

/// `createVersion`: 201 with the new `Version`. The project is named by
/// `projectId` or the deprecated `project` (a key); one the caller may not
/// browse, or may browse but not administer, is the spec's 404, in the words
/// Jira Cloud uses for both. `released` and `archived` are taken as given.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let input = VersionInput::parse(&body)?;
    let mut world = shared.world();
    let project_key = project_to_create_in(&world, &caller, input.project.as_ref())?;
    let name = checked_name(&world, &project_key, input.name.as_deref(), None)?
        .ok_or_else(|| JiraError::field("name", "You must specify a valid version name"))?;
    let description = checked_description(input.description)?.apply(None);
    let start_date = input.start_date.apply(None);
    let release_date = input.release_date.apply(None);
    check_dates(start_date, release_date)?;
    if world.versions_of(&project_key).count() >= MAX_VERSIONS_PER_PROJECT {
        // The simulator's limit, not Jira's (see the constant); a 400 because
        // that is what the spec documents for a create it refuses.
        return Err(JiraError::bad_request(format!(
            "Kiln's Jira simulator keeps at most {MAX_VERSIONS_PER_PROJECT} versions a project."
        )));
    }
    let id = world.take_version_id();
    let record = VersionRecord {
        id,
        project_key,
        name,
        description,
        start_date,
        release_date,
        released: input.released.unwrap_or(false),
        archived: input.archived.unwrap_or(false),
    };
    let answer = written(&caller.links, &world, &record);
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared
        .event_context(&world, &caller)
        .version(VersionChange::Created(&record));
    shared.emit(&world, raised);
    world.versions.push(record);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `updateVersion`: the `Version` after the change. Absent properties are left
/// as they are; `null` clears a date. `projectId` is "not applicable": a
/// version stays in its project. Releasing a version with
/// `moveUnfixedIssuesTo` (another version of the project, by its `self` or id)
/// moves the version's unresolved issues to it as a fix version; releasing it again is
/// ignored, as the spec says.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<VersionPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    let input = VersionInput::parse(&body)?;
    let mut world = shared.world();
    let index = administrable_version(&world, &caller, &path.id, Write::Update)?;
    let mut version = world.versions[index].clone();
    if let Some(name) = checked_name(
        &world,
        &version.project_key,
        input.name.as_deref(),
        Some(version.id),
    )? {
        version.name = name;
    }
    version.description = checked_description(input.description)?.apply(version.description);
    version.start_date = input.start_date.apply(version.start_date);
    version.release_date = input.release_date.apply(version.release_date);
    check_dates(version.start_date, version.release_date)?;
    let releasing = input.released == Some(true) && !version.released;
    let move_to = match input.move_unfixed_issues_to.as_deref() {
        Some(target) if releasing => Some(move_target(&world, &version, target)?),
        _ => None,
    };
    if let Some(released) = input.released {
        version.released = released;
    }
    if let Some(archived) = input.archived {
        version.archived = archived;
    }
    let id = version.id;
    let before = std::mem::replace(&mut world.versions[index], version);
    if let Some(target) = move_to {
        // Only the issues not yet resolved: the "unfixed" ones.
        world.swap_version_on(VersionField::Fix, id, Some(target), |issue| {
            issue.resolution.is_none()
        });
    }
    let raised = shared
        .event_context(&world, &caller)
        .version(VersionChange::Updated {
            before: &before,
            after: &world.versions[index],
        });
    shared.emit(&world, raised);
    Ok(Json(written(&caller.links, &world, &world.versions[index])))
}

/// The key of the project a create names, if the caller may administer it;
/// else a 400 when none is named and the spec's 404 otherwise.
fn project_to_create_in(
    world: &World,
    caller: &Caller,
    project: Option<&ProjectRef>,
) -> Result<String, JiraError> {
    let project = project.ok_or_else(|| {
        JiraError::field("project", "You must specify a valid project id or key.")
    })?;
    let (by, value) = match project {
        ProjectRef::Id(id) => ("id", id),
        ProjectRef::Key(key) => ("key", key),
    };
    world
        .project(value)
        .filter(|p| {
            p.grants(&caller.account_id, SeedPermission::Browse)
                && world.administers(&caller.account_id, &p.key)
        })
        .map(|p| p.key.clone())
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "Project with {by} '{value}' either does not exist or you do not have \
                 permission to create versions in it."
            ))
        })
}

/// A name a write sets (`None` when it sets none): not blank, at most Jira's
/// 255 characters, and unique in the project without regard to case (`own` is
/// the version being renamed, which may keep its name or change its case).
fn checked_name(
    world: &World,
    project_key: &str,
    name: Option<&str>,
    own: Option<u64>,
) -> Result<Option<String>, JiraError> {
    let Some(name) = name else {
        return Ok(None);
    };
    if name.trim().is_empty() {
        return Err(JiraError::field(
            "name",
            "You must specify a valid version name",
        ));
    }
    if name.chars().count() > MAX_VERSION_NAME_CHARS {
        return Err(JiraError::field(
            "name",
            format!(
                "The version name must not be longer than {MAX_VERSION_NAME_CHARS} characters."
            ),
        ));
    }
    if world
        .version_named(project_key, name)
        .is_some_and(|other| Some(other.id) != own)
    {
        return Err(JiraError::field(
            "name",
            "A version with this name already exists in this project.",
        ));
    }
    Ok(Some(name.to_owned()))
}

/// The description a write sets, within Jira's 16,384 bytes.
fn checked_description(change: Change<String>) -> Result<Change<String>, JiraError> {
    if let Change::Set(text) = &change
        && text.len() > MAX_VERSION_DESCRIPTION_BYTES
    {
        return Err(JiraError::field(
            "description",
            format!("The description is over {MAX_VERSION_DESCRIPTION_BYTES} characters."),
        ));
    }
    Ok(change)
}

/// A version cannot start after it is released.
fn check_dates(start: Option<Date>, release: Option<Date>) -> Result<(), JiraError> {
    match (start, release) {
        (Some(start), Some(release)) if start > release => Err(JiraError::field(
            "startDate",
            "The start date must be before the release date.",
        )),
        _ => Ok(()),
    }
}

/// The version `moveUnfixedIssuesTo` names (its `self`, or its id): another
/// version of the same project; anything else is a 400.
fn move_target(world: &World, version: &VersionRecord, target: &str) -> Result<u64, JiraError> {
    let id = target
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(target);
    id.parse::<u64>()
        .ok()
        .and_then(|id| world.version(id))
        .filter(|other| other.project_key == version.project_key && other.id != version.id)
        .map(|other| other.id)
        .ok_or_else(|| {
            JiraError::field(
                "moveUnfixedIssuesTo",
                format!(
                    "'{target}' is not another version of this project to move unfixed issues to."
                ),
            )
        })
}
