//! Schedules: list, create, read, update, delete.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::{SchedulePath, TEAM_ADMIN_REQUIRED, render};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::{ScheduleRecord, World};

/// Ops names are capped at 100 characters.
const MAX_NAME_CHARS: usize = 100;

/// Who may see a schedule: a site admin, a member of its team, or someone on one
/// of its rotations (the Ops API's read rule, minus escalations and overrides).
pub(crate) fn can_read(world: &World, account_id: &str, schedule: &ScheduleRecord) -> bool {
    world.user(account_id).is_some_and(|u| u.site_admin)
        || world
            .team(&schedule.team_id)
            .is_some_and(|t| t.role_of(account_id).is_some())
        || schedule
            .rotations
            .iter()
            .any(|r| r.participants.iter().any(|p| p == account_id))
}

/// The schedule at `id`, if the caller may read it (404 if absent, 403 if not).
pub(crate) fn readable(world: &World, account_id: &str, id: &str) -> Result<usize, JiraError> {
    let index = world
        .schedule_index(id)
        .ok_or_else(|| JiraError::not_found(format!("Schedule with id [{id}] does not exist.")))?;
    if !can_read(world, account_id, &world.schedules[index]) {
        return Err(JiraError::forbidden(
            "You are not allowed to access this schedule.",
        ));
    }
    Ok(index)
}

/// The schedule at `id`, if the caller is a Team Admin of its team.
pub(crate) fn administered(world: &World, account_id: &str, id: &str) -> Result<usize, JiraError> {
    let index = readable(world, account_id, id)?;
    if !world.is_team_admin(account_id, &world.schedules[index].team_id) {
        return Err(JiraError::forbidden(TEAM_ADMIN_REQUIRED));
    }
    Ok(index)
}

pub(crate) async fn list(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let world = shared.world();
    let values = world
        .schedules
        .iter()
        .filter(|s| can_read(&world, &caller.account_id, s))
        .map(render::schedule)
        .collect();
    Json(render::page(values))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    Ok(Json(render::schedule(&world.schedules[index])))
}

/// A team named by id (`teamId`, the Ops API's field) or, as in the older
/// Opsgenie API, by `ownerTeam: {"id"|"name"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleInput {
    name: Option<String>,
    description: Option<String>,
    timezone: Option<String>,
    enabled: Option<bool>,
    team_id: Option<String>,
    owner_team: Option<OwnerTeam>,
}

#[derive(Deserialize)]
pub(crate) struct OwnerTeam {
    id: Option<String>,
    name: Option<String>,
}

impl ScheduleInput {
    /// The id of the team the input names, if it names one.
    fn team(&self, world: &World) -> Result<Option<String>, JiraError> {
        let unknown = || JiraError::field("teamId", "Team does not exist.");
        if let Some(id) = &self.team_id {
            return world
                .team(id)
                .map(|t| Some(t.id.clone()))
                .ok_or_else(unknown);
        }
        match &self.owner_team {
            None => Ok(None),
            Some(OwnerTeam { id: Some(id), .. }) => world
                .team(id)
                .map(|t| Some(t.id.clone()))
                .ok_or_else(unknown),
            Some(OwnerTeam {
                name: Some(name), ..
            }) => world
                .team_named(name)
                .map(|t| Some(t.id.clone()))
                .ok_or_else(unknown),
            Some(_) => Err(unknown()),
        }
    }
}

fn valid_name(name: &str) -> Result<String, JiraError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(JiraError::field(
            "name",
            "Name must be 1 to 100 characters.",
        ));
    }
    Ok(trimmed.to_owned())
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<ScheduleInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let team_id = input
        .team(&world)?
        .ok_or_else(|| JiraError::field("teamId", "A schedule needs an owner team."))?;
    if !world.is_team_admin(&caller.account_id, &team_id) {
        return Err(JiraError::forbidden(TEAM_ADMIN_REQUIRED));
    }
    let name = valid_name(input.name.as_deref().unwrap_or_default())?;
    if world.schedules.iter().any(|s| s.name == name) {
        return Err(JiraError::field(
            "name",
            format!("A schedule named [{name}] already exists."),
        ));
    }
    let schedule = ScheduleRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        description: input.description.unwrap_or_default(),
        timezone: input.timezone.unwrap_or_else(|| String::from("UTC")),
        enabled: input.enabled.unwrap_or(true),
        team_id,
        rotations: Vec::new(),
    };
    let body = render::schedule(&schedule);
    world.schedules.push(schedule);
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    JiraJson(input): JiraJson<ScheduleInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let new_team = input.team(&world)?;
    if let Some(team_id) = &new_team
        && !world.is_team_admin(&caller.account_id, team_id)
    {
        return Err(JiraError::forbidden(TEAM_ADMIN_REQUIRED));
    }
    let name = input.name.as_deref().map(valid_name).transpose()?;
    let schedule = &mut world.schedules[index];
    if let Some(name) = name {
        schedule.name = name;
    }
    if let Some(description) = input.description {
        schedule.description = description;
    }
    if let Some(timezone) = input.timezone {
        schedule.timezone = timezone;
    }
    if let Some(enabled) = input.enabled {
        schedule.enabled = enabled;
    }
    if let Some(team_id) = new_team {
        schedule.team_id = team_id;
    }
    Ok(Json(render::schedule(schedule)))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    world.schedules.remove(index);
    Ok(StatusCode::NO_CONTENT)
}
