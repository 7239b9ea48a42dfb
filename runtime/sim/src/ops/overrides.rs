//! A schedule's overrides: someone on call instead of the rotation for a while.
//!
//! Shapes follow Atlassian's "Schedule overrides" reference for the Ops API:
//! `{"alias", "responder": {"type", "id"}, "startDate", "endDate", "rotationIds"}`,
//! addressed by alias within the schedule. `alias` is optional on create (a UUID
//! otherwise), as in Opsgenie's override API the Ops API descends from.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::error::OpsError;
use super::extract::{OpsJson, OpsQuery};
use super::paging::Paging;
use super::permissions::{administered, readable};
use super::validate::{self, Responder};
use super::{SchedulePath, render};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::{OverrideRecord, ScheduleRecord, World};

/// Overrides kept per schedule: each on-call answer scans them, and an app
/// creating overrides in a loop must not exhaust memory.
const MAX_OVERRIDES: usize = 1_000;
/// Aliases are user-chosen identifiers; Opsgenie caps them at 512 characters.
const MAX_ALIAS_CHARS: usize = 512;

#[derive(Deserialize)]
pub(crate) struct OverridePath {
    schedule_id: String,
    alias: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OverrideInput {
    alias: Option<String>,
    responder: Option<Responder>,
    start_date: Option<String>,
    end_date: Option<String>,
    #[serde(default)]
    rotation_ids: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    offset: Option<usize>,
    size: Option<usize>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    OpsQuery(query): OpsQuery<ListQuery>,
) -> Result<Json<Value>, OpsError> {
    let paging = Paging::new(query.offset, query.size)?;
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let now = world.now();
    // "Lists all ongoing and future overrides": past ones are left out.
    let current: Vec<&OverrideRecord> = world.schedules[index]
        .overrides
        .iter()
        .filter(|o| o.end > now)
        .collect();
    let next = format!("/v1/schedules/{}/overrides", path.schedule_id);
    Ok(Json(paging.page(
        &current,
        |o| render::schedule_override(o),
        &next,
    )))
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    OpsJson(input): OpsJson<OverrideInput>,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let schedule = &world.schedules[index];
    if schedule.overrides.len() >= MAX_OVERRIDES {
        return Err(OpsError::bad_request(
            "A schedule has at most 1000 overrides.",
        ));
    }
    let alias = match input.alias.as_deref() {
        None => uuid::Uuid::new_v4().to_string(),
        Some(alias) => valid_alias(alias)?,
    };
    if schedule.override_index(&alias).is_some() {
        return Err(OpsError::field(
            "alias",
            format!("An override with alias [{alias}] already exists."),
        ));
    }
    let record = record(&world, schedule, alias, input)?;
    let body = render::schedule_override(&record);
    world.schedules[index].overrides.push(record);
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<OverridePath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let schedule = &world.schedules[index];
    let at = override_index(schedule, &path.alias)?;
    Ok(Json(render::schedule_override(&schedule.overrides[at])))
}

/// `PUT`: replaces the override's responder, period and rotations (its alias stays).
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<OverridePath>,
    OpsJson(input): OpsJson<OverrideInput>,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let schedule = &world.schedules[index];
    let at = override_index(schedule, &path.alias)?;
    let record = record(&world, schedule, path.alias, input)?;
    let body = render::schedule_override(&record);
    world.schedules[index].overrides[at] = record;
    Ok(Json(body))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<OverridePath>,
) -> Result<StatusCode, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let at = override_index(&world.schedules[index], &path.alias)?;
    world.schedules[index].overrides.remove(at);
    Ok(StatusCode::NO_CONTENT)
}

/// Checks `input` against `schedule` and builds the override it describes.
fn record(
    world: &World,
    schedule: &ScheduleRecord,
    alias: String,
    input: OverrideInput,
) -> Result<OverrideRecord, OpsError> {
    let responder = input
        .responder
        .ok_or_else(|| OpsError::field("responder", "A responder is required."))?
        .account_id(world, "responder")?;
    let start = validate::date("startDate", input.start_date.as_deref())?;
    let end = validate::date("endDate", input.end_date.as_deref())?;
    if end <= start {
        return Err(OpsError::field(
            "endDate",
            "End date must be after the start date.",
        ));
    }
    if let Some(unknown) = input
        .rotation_ids
        .iter()
        .find(|id| schedule.rotation_index(id).is_none())
    {
        return Err(OpsError::field(
            "rotationIds",
            format!("Rotation with id [{unknown}] does not exist in this schedule."),
        ));
    }
    Ok(OverrideRecord {
        alias,
        responder,
        start,
        end,
        rotation_ids: input.rotation_ids,
    })
}

fn valid_alias(alias: &str) -> Result<String, OpsError> {
    let trimmed = alias.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_ALIAS_CHARS {
        return Err(OpsError::field(
            "alias",
            "Alias must be 1 to 512 characters.",
        ));
    }
    Ok(trimmed.to_owned())
}

fn override_index(schedule: &ScheduleRecord, alias: &str) -> Result<usize, OpsError> {
    schedule.override_index(alias).ok_or_else(|| {
        OpsError::not_found(format!("Override with alias [{alias}] does not exist."))
    })
}
