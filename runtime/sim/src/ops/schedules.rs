//! Schedules: list, create, read, update, delete.
//!
//! A schedule belongs to a team (`teamId`) or to nobody (a global schedule).
//! Changing one needs a Team Admin of its team or the global admin right; the
//! permission is checked before the payload is read (see [`super::extract`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::error::OpsError;
use super::extract::{Params, parse_body};
use super::paging::{self, Paging};
use super::permissions::{administered, can_read, may_own, readable};
use super::rotations::{self, RotationInput};
use super::{SchedulePath, render, validate};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::{RotationRecord, ScheduleRecord, World};

/// Schedules per site: an app creating schedules in a loop must not exhaust the
/// simulator's memory.
const MAX_SCHEDULES: usize = 1_000;
/// `CreateScheduleRequest.timezone`'s declared default.
const DEFAULT_TIMEZONE: &str = "America/New_York";

/// `GET /v1/schedules`: the schedules the caller may see, filtered by `query`
/// ("an exact match unless the keyword ends with `*` ... prefix match ...
/// case-insensitive"), paged, with `expand=rotation` embedding rotations.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    params.only(&["query", "size", "offset", "expand"])?;
    let paging = Paging::from_params(&params, paging::CONFIG)?;
    let expand = params.list("expand");
    if let Some(unknown) = expand.iter().find(|e| **e != "rotation") {
        return Err(OpsError::field(
            "expand",
            format!("[{unknown}] is not an expansion; the only one is rotation."),
        ));
    }
    let with_rotations = !expand.is_empty();
    let query = params.one("query")?.map(str::to_lowercase);
    let world = shared.world();
    let visible: Vec<&ScheduleRecord> = world
        .schedules
        .iter()
        .filter(|s| can_read(&world, &caller.account_id, s))
        .filter(|s| query.as_deref().is_none_or(|q| name_matches(&s.name, q)))
        .collect();
    let mut next = url::form_urlencoded::Serializer::new(String::new());
    if let Some(query) = params.one("query")? {
        next.append_pair("query", query);
    }
    if with_rotations {
        next.append_pair("expand", "rotation");
    }
    let next = next.finish();
    let path = if next.is_empty() {
        String::from("/v1/schedules")
    } else {
        format!("/v1/schedules?{next}")
    };
    let mut page = paging.page(&visible, |s| render::schedule(s, with_rotations), &path);
    page["_expands"] = serde_json::json!(["rotation"]);
    Ok(Json(page))
}

/// `query` against a name, both lower-cased: exact, or a prefix with `*`.
fn name_matches(name: &str, query: &str) -> bool {
    let name = name.to_lowercase();
    match query.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == query,
    }
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

/// `CreateScheduleRequest`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateInput {
    name: String,
    team_id: Option<String>,
    description: Option<String>,
    timezone: Option<String>,
    enabled: Option<bool>,
    rotations: Option<Vec<RotationInput>>,
}

/// `UpdateScheduleRequest`: every field optional; `teamId: ""` makes the
/// schedule global; `rotations` replaces all of the schedule's rotations.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UpdateInput {
    name: Option<String>,
    team_id: Option<String>,
    description: Option<String>,
    timezone: Option<String>,
    enabled: Option<bool>,
    rotations: Option<Vec<RotationInput>>,
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let mut world = shared.world();
    // Before the payload: may the caller create a schedule for any owner?
    let owns_a_team = world
        .teams
        .iter()
        .any(|t| world.is_team_admin(&caller.account_id, &t.id));
    if !owns_a_team {
        may_own(&world, &caller.account_id, None)?;
    }
    let input: CreateInput = parse_body(&body)?;
    let team_id = input
        .team_id
        .as_deref()
        .map(|id| existing_team(&world, id))
        .transpose()?;
    may_own(&world, &caller.account_id, team_id.as_deref())?;
    let name = validate::name("name", &input.name)?;
    ensure_unique(&world, &name, None)?;
    let timezone = validate::timezone(input.timezone.as_deref().unwrap_or(DEFAULT_TIMEZONE))?;
    let rotations = match input.rotations {
        Some(list) if list.is_empty() => {
            return Err(OpsError::field(
                "rotations",
                "needs at least one rotation when given.",
            ));
        }
        Some(list) => new_rotations(&world, list)?,
        None => Vec::new(),
    };
    if world.schedules.len() >= MAX_SCHEDULES {
        return Err(OpsError::unprocessable(
            "The simulator keeps at most 1000 schedules per site.",
        ));
    }
    let schedule = ScheduleRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        description: input.description.unwrap_or_default(),
        timezone,
        enabled: input.enabled.unwrap_or(true),
        team_id,
        rotations,
        overrides: Vec::new(),
    };
    let body = render::schedule(&schedule, !schedule.rotations.is_empty());
    world.schedules.push(schedule);
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    body: Bytes,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let input: UpdateInput = parse_body(&body)?;
    let new_team = match input.team_id.as_deref() {
        None => None,
        Some("") => Some(None),
        Some(id) => Some(Some(existing_team(&world, id)?)),
    };
    if let Some(team) = &new_team {
        may_own(&world, &caller.account_id, team.as_deref())?;
    }
    let name = input
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()?;
    if let Some(name) = &name {
        ensure_unique(&world, name, Some(&path.schedule_id))?;
    }
    let timezone = input
        .timezone
        .as_deref()
        .map(validate::timezone)
        .transpose()?;
    let rotations = input
        .rotations
        .map(|list| new_rotations(&world, list))
        .transpose()?;
    let schedule = &mut world.schedules[index];
    if let Some(name) = name {
        schedule.name = name;
    }
    if let Some(description) = input.description {
        schedule.description = description;
    }
    if let Some(timezone) = timezone {
        schedule.timezone = timezone;
    }
    if let Some(enabled) = input.enabled {
        schedule.enabled = enabled;
    }
    if let Some(team) = new_team {
        schedule.team_id = team;
    }
    if let Some(rotations) = rotations {
        let old: Vec<String> = schedule.rotations.iter().map(|r| r.id.clone()).collect();
        schedule.rotations = rotations;
        for id in &old {
            rotations::forget_in_overrides(schedule, id);
        }
    }
    Ok(Json(render::schedule(schedule, true)))
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

fn existing_team(world: &World, id: &str) -> Result<String, OpsError> {
    world
        .team(id)
        .map(|t| t.id.clone())
        .ok_or_else(|| OpsError::field("teamId", format!("team [{id}] does not exist.")))
}

/// 409 if another schedule (not `except`) has this name, compared as the
/// `query` filter compares names: case-insensitively.
fn ensure_unique(world: &World, name: &str, except: Option<&str>) -> Result<(), OpsError> {
    let taken = world
        .schedules
        .iter()
        .any(|s| s.name.eq_ignore_ascii_case(name) && Some(s.id.as_str()) != except);
    if taken {
        return Err(OpsError::conflict(format!(
            "A schedule named [{name}] already exists."
        )));
    }
    Ok(())
}

/// Rotations given inline, each checked as `POST .../rotations` checks one, with
/// names unique among them.
fn new_rotations(world: &World, list: Vec<RotationInput>) -> Result<Vec<RotationRecord>, OpsError> {
    if list.len() > rotations::MAX_ROTATIONS {
        return Err(OpsError::field(
            "rotations",
            "a schedule has at most 100 rotations.",
        ));
    }
    let mut built: Vec<RotationRecord> = Vec::with_capacity(list.len());
    for input in list {
        let rotation = rotations::build(world, input, built.len())?;
        if built
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&rotation.name))
        {
            return Err(OpsError::conflict(format!(
                "A rotation named [{}] already exists in this schedule.",
                rotation.name
            )));
        }
        built.push(rotation);
    }
    Ok(built)
}
