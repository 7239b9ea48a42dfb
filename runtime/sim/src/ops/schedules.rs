//! Schedules: list, create, read, update, delete.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::error::OpsError;
use super::extract::{OpsJson, OpsQuery};
use super::paging::Paging;
use super::permissions::{administered, can_read, readable, require_team_admin};
use super::{SchedulePath, render, validate};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::{ScheduleRecord, World};

/// Schedules per site: an app creating schedules in a loop must not exhaust the
/// simulator's memory.
const MAX_SCHEDULES: usize = 1_000;

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    /// `rotation` embeds each schedule's rotations, as the Ops API's `expand` does.
    expand: Option<String>,
    /// Case-insensitive substring of the schedule name.
    query: Option<String>,
    offset: Option<usize>,
    size: Option<usize>,
}

impl ListQuery {
    /// `/v1/schedules` with the filters of this query, for the `next` link.
    fn path(&self) -> String {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        if let Some(query) = &self.query {
            params.append_pair("query", query);
        }
        if let Some(expand) = &self.expand {
            params.append_pair("expand", expand);
        }
        let params = params.finish();
        if params.is_empty() {
            String::from("/v1/schedules")
        } else {
            format!("/v1/schedules?{params}")
        }
    }
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    OpsQuery(query): OpsQuery<ListQuery>,
) -> Result<Json<Value>, OpsError> {
    let paging = Paging::new(query.offset, query.size)?;
    let world = shared.world();
    let with_rotations = query
        .expand
        .as_deref()
        .is_some_and(|e| e.split(',').any(|part| part.trim() == "rotation"));
    let needle = query.query.as_deref().map(str::to_lowercase);
    let visible: Vec<&ScheduleRecord> = world
        .schedules
        .iter()
        .filter(|s| can_read(&world, &caller.account_id, s))
        .filter(|s| {
            needle
                .as_deref()
                .is_none_or(|n| s.name.to_lowercase().contains(n))
        })
        .collect();
    let mut page = paging.page(
        &visible,
        |s| render::schedule(s, with_rotations),
        &query.path(),
    );
    if with_rotations {
        page["_expands"] = serde_json::json!(["rotation"]);
    }
    Ok(Json(page))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    Ok(Json(render::schedule(&world.schedules[index], true)))
}

/// A schedule's fields. The Ops API names the owner `teamId`; the older Opsgenie
/// API's `ownerTeam: {"id"|"name"}` is accepted too, since apps ported from
/// Opsgenie still send it.
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
    fn team(&self, world: &World) -> Result<Option<String>, OpsError> {
        let unknown = || OpsError::field("teamId", "Team does not exist.");
        let found = match (&self.team_id, &self.owner_team) {
            (Some(id), _) => world.team(id),
            (None, None) => return Ok(None),
            (None, Some(OwnerTeam { id: Some(id), .. })) => world.team(id),
            (
                None,
                Some(OwnerTeam {
                    name: Some(name), ..
                }),
            ) => world.team_named(name),
            (None, Some(_)) => None,
        };
        found.map(|t| Some(t.id.clone())).ok_or_else(unknown)
    }
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    OpsJson(input): OpsJson<ScheduleInput>,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let mut world = shared.world();
    let team_id = input
        .team(&world)?
        .ok_or_else(|| OpsError::field("teamId", "A schedule needs an owner team."))?;
    require_team_admin(&world, &caller.account_id, &team_id)?;
    let name = validate::name("name", input.name.as_deref().unwrap_or_default())?;
    if world.schedules.iter().any(|s| s.name == name) {
        return Err(OpsError::field(
            "name",
            format!("A schedule named [{name}] already exists."),
        ));
    }
    if world.schedules.len() >= MAX_SCHEDULES {
        return Err(OpsError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many schedules.",
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
        overrides: Vec::new(),
    };
    let body = render::schedule(&schedule, false);
    world.schedules.push(schedule);
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    OpsJson(input): OpsJson<ScheduleInput>,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let new_team = input.team(&world)?;
    if let Some(team_id) = &new_team {
        require_team_admin(&world, &caller.account_id, team_id)?;
    }
    let name = input
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()?;
    if let Some(name) = &name
        && world
            .schedules
            .iter()
            .any(|s| &s.name == name && s.id != path.schedule_id)
    {
        return Err(OpsError::field(
            "name",
            format!("A schedule named [{name}] already exists."),
        ));
    }
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
    Ok(Json(render::schedule(schedule, false)))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
) -> Result<StatusCode, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    world.schedules.remove(index);
    Ok(StatusCode::NO_CONTENT)
}
