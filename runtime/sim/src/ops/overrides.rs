//! A schedule's overrides: someone (or nobody) on call instead of the rotation
//! for a while.
//!
//! Shapes follow the `Override`, `CreateOverrideRequest` and
//! `UpdateOverrideRequest` schemas: `{"alias", "responder": {"type", "id"},
//! "startDate", "endDate", "rotationIds"}`, addressed by alias within the
//! schedule. The create request has no `alias`: the site assigns one (a UUID).
//! Who may create, change or delete one is in [`super::permissions`].

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
use super::permissions::{may_delete_override, may_set_override, may_touch_overrides, readable};
use super::validate::{self, Responder};
use super::{SchedulePath, render};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::{OverrideRecord, ScheduleRecord, World};

/// Overrides kept per schedule: each on-call answer scans them, and an app
/// creating overrides in a loop must not exhaust memory.
const MAX_OVERRIDES: usize = 1_000;

#[derive(Deserialize)]
pub(crate) struct OverridePath {
    schedule_id: String,
    alias: String,
}

/// `CreateOverrideRequest` and `UpdateOverrideRequest` (the same fields).
/// `rotationIds` absent or `null` applies the override to every rotation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OverrideInput {
    responder: Option<Responder>,
    start_date: Option<String>,
    end_date: Option<String>,
    rotation_ids: Option<Vec<String>>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    params.only(&["size", "offset"])?;
    let paging = Paging::from_params(&params, paging::CONFIG)?;
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
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let mut world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let schedule = &world.schedules[index];
    may_touch_overrides(&world, &caller.account_id, schedule)?;
    let input: OverrideInput = parse_body(&body)?;
    if schedule.overrides.len() >= MAX_OVERRIDES {
        return Err(OpsError::unprocessable(
            "A schedule has at most 1000 overrides.",
        ));
    }
    let alias = uuid::Uuid::new_v4().to_string();
    let record = record(&world, schedule, alias, input)?;
    may_set_override(
        &world,
        &caller.account_id,
        schedule,
        record.responder.as_deref(),
    )?;
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
    let (index, at) = find(&world, &caller, &path)?;
    let schedule = &world.schedules[index];
    Ok(Json(render::schedule_override(&schedule.overrides[at])))
}

/// `PUT`: replaces the override's responder, period and rotations (its alias
/// stays). Someone who may only override with themselves may only change their
/// own overrides, and only to themselves.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<OverridePath>,
    body: Bytes,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let (index, at) = find(&world, &caller, &path)?;
    let schedule = &world.schedules[index];
    may_set_override(
        &world,
        &caller.account_id,
        schedule,
        schedule.overrides[at].responder.as_deref(),
    )?;
    let input: OverrideInput = parse_body(&body)?;
    let record = record(&world, schedule, path.alias, input)?;
    may_set_override(
        &world,
        &caller.account_id,
        schedule,
        record.responder.as_deref(),
    )?;
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
    let (index, at) = find(&world, &caller, &path)?;
    let schedule = &world.schedules[index];
    may_delete_override(
        &world,
        &caller.account_id,
        schedule,
        schedule.overrides[at].responder.as_deref(),
    )?;
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
        .ok_or_else(|| OpsError::field("responder", "is required."))?
        .override_responder(world)?;
    let start = validate::date("startDate", input.start_date.as_deref())?;
    let end = validate::date("endDate", input.end_date.as_deref())?;
    if end <= start {
        return Err(OpsError::field("endDate", "must be after the start date."));
    }
    let rotation_ids = input.rotation_ids.unwrap_or_default();
    if let Some(unknown) = rotation_ids
        .iter()
        .find(|id| schedule.rotation_index(id).is_none())
    {
        return Err(OpsError::field(
            "rotationIds",
            format!("rotation [{unknown}] does not exist in this schedule."),
        ));
    }
    Ok(OverrideRecord {
        alias,
        responder,
        start,
        end,
        rotation_ids,
    })
}

/// The schedule (if the caller may read it) and the position of the override
/// `path` names in it; 404 for either missing.
fn find(world: &World, caller: &Caller, path: &OverridePath) -> Result<(usize, usize), OpsError> {
    let index = readable(world, &caller.account_id, &path.schedule_id)?;
    let alias = &path.alias;
    let at = world.schedules[index]
        .override_index(alias)
        .ok_or_else(|| {
            OpsError::not_found(format!("Override with alias [{alias}] does not exist."))
        })?;
    Ok((index, at))
}
