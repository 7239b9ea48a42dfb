//! A schedule's rotations: list, create, read, update, delete.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::error::OpsError;
use super::extract::OpsJson;
use super::permissions::{administered, readable};
use super::validate::{self, Responder};
use super::{SchedulePath, render};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::{RotationKind, RotationRecord, ScheduleRecord, World};

/// Turns longer than a year are refused: a typo'd length would otherwise freeze
/// the on-call answer for centuries and overflow date arithmetic.
const MAX_ROTATION_LENGTH: u32 = 366;
/// A rotation lists at most this many participants (memory per request).
const MAX_PARTICIPANTS: usize = 200;
/// Rotations per schedule: on-call answers walk every rotation on each request.
const MAX_ROTATIONS: usize = 100;

#[derive(Deserialize)]
pub(crate) struct RotationPath {
    schedule_id: String,
    rotation_id: String,
}

/// A rotation's fields, as the Ops API names them. Every field is optional here;
/// [`create`] insists on `type` and `startDate`, [`update`] changes what is given.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RotationInput {
    name: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    length: Option<u32>,
    participants: Option<Vec<Responder>>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let values = world.schedules[index]
        .rotations
        .iter()
        .map(render::rotation)
        .collect();
    Ok(Json(render::page(values)))
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    OpsJson(input): OpsJson<RotationInput>,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    if world.schedules[index].rotations.len() >= MAX_ROTATIONS {
        return Err(OpsError::bad_request(
            "A schedule has at most 100 rotations.",
        ));
    }
    let mut rotation = RotationRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name: String::from("Rotation"),
        kind: kind(input.kind.as_deref())?,
        length: 1,
        start: validate::date("startDate", input.start_date.as_deref())?,
        end: None,
        participants: Vec::new(),
    };
    apply(&world, &mut rotation, input)?;
    let body = render::rotation(&rotation);
    world.schedules[index].rotations.push(rotation);
    Ok((StatusCode::CREATED, Json(body)))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<RotationPath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let schedule = &world.schedules[index];
    let rotation = &schedule.rotations[rotation_index(schedule, &path.rotation_id)?];
    Ok(Json(render::rotation(rotation)))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<RotationPath>,
    OpsJson(input): OpsJson<RotationInput>,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let at = rotation_index(&world.schedules[index], &path.rotation_id)?;
    let mut rotation = world.schedules[index].rotations[at].clone();
    if input.kind.is_some() {
        rotation.kind = kind(input.kind.as_deref())?;
    }
    if input.start_date.is_some() {
        rotation.start = validate::date("startDate", input.start_date.as_deref())?;
    }
    apply(&world, &mut rotation, input)?;
    let body = render::rotation(&rotation);
    world.schedules[index].rotations[at] = rotation;
    Ok(Json(body))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<RotationPath>,
) -> Result<StatusCode, OpsError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let schedule = &mut world.schedules[index];
    let at = rotation_index(schedule, &path.rotation_id)?;
    schedule.rotations.remove(at);
    // An override naming only deleted rotations would silently start covering
    // every rotation (empty means "all"), so deleted ids are dropped and such
    // overrides go with their rotations.
    schedule.overrides.retain_mut(|entry| {
        let named_rotations = !entry.rotation_ids.is_empty();
        entry.rotation_ids.retain(|id| id != &path.rotation_id);
        !(named_rotations && entry.rotation_ids.is_empty())
    });
    Ok(StatusCode::NO_CONTENT)
}

fn rotation_index(schedule: &ScheduleRecord, id: &str) -> Result<usize, OpsError> {
    schedule
        .rotation_index(id)
        .ok_or_else(|| OpsError::not_found(format!("Rotation with id [{id}] does not exist.")))
}

fn kind(text: Option<&str>) -> Result<RotationKind, OpsError> {
    text.and_then(RotationKind::parse)
        .ok_or_else(|| OpsError::field("type", "Type must be one of hourly, daily or weekly."))
}

/// Applies the optional fields of `input` (name, end date, length, participants)
/// to `rotation`, checking each; `type` and `startDate` are the caller's.
fn apply(
    world: &World,
    rotation: &mut RotationRecord,
    input: RotationInput,
) -> Result<(), OpsError> {
    if let Some(name) = input.name.as_deref() {
        rotation.name = validate::name("name", name)?;
    }
    if let Some(length) = input.length {
        if length == 0 || length > MAX_ROTATION_LENGTH {
            return Err(OpsError::field(
                "length",
                "Length must be between 1 and 366.",
            ));
        }
        rotation.length = length;
    }
    if let Some(text) = input.end_date.as_deref() {
        rotation.end = Some(validate::date("endDate", Some(text))?);
    }
    if rotation.end.is_some_and(|end| end <= rotation.start) {
        return Err(OpsError::field(
            "endDate",
            "End date must be after the start date.",
        ));
    }
    if let Some(participants) = input.participants {
        if participants.len() > MAX_PARTICIPANTS {
            return Err(OpsError::field("participants", "Too many participants."));
        }
        rotation.participants = participants
            .iter()
            .map(|p| p.account_id(world, "participants"))
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}
