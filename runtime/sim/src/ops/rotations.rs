//! A schedule's rotations: list, create, read, update, delete.

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
use super::permissions::{administered, readable};
use super::validate::{self, Responder, RestrictionInput};
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
pub(crate) const MAX_ROTATIONS: usize = 100;

#[derive(Deserialize)]
pub(crate) struct RotationPath {
    schedule_id: String,
    rotation_id: String,
}

/// `CreateRotationRequest` and `UpdateRotationRequest` (the same fields; create
/// insists on `type` and `startDate`, update changes what is given).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RotationInput {
    name: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    length: Option<u32>,
    participants: Option<Vec<Responder>>,
    time_restriction: Option<RestrictionInput>,
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
    let next = format!("/v1/schedules/{}/rotations", path.schedule_id);
    Ok(Json(paging.page(
        &world.schedules[index].rotations,
        render::rotation,
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
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let input: RotationInput = parse_body(&body)?;
    let schedule = &world.schedules[index];
    if schedule.rotations.len() >= MAX_ROTATIONS {
        return Err(OpsError::unprocessable(
            "A schedule has at most 100 rotations.",
        ));
    }
    let rotation = build(&world, input, schedule.rotations.len())?;
    ensure_unique(schedule, &rotation.name, None)?;
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
    let (index, at) = find(&world, &caller, &path, readable)?;
    Ok(Json(render::rotation(
        &world.schedules[index].rotations[at],
    )))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<RotationPath>,
    body: Bytes,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let (index, at) = find(&world, &caller, &path, administered)?;
    let input: RotationInput = parse_body(&body)?;
    let mut rotation = world.schedules[index].rotations[at].clone();
    if input.kind.is_some() {
        rotation.kind = kind(input.kind.as_deref())?;
    }
    if input.start_date.is_some() {
        rotation.start = validate::date("startDate", input.start_date.as_deref())?;
    }
    apply(&world, &mut rotation, input)?;
    ensure_unique(&world.schedules[index], &rotation.name, Some(&rotation.id))?;
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
    let (index, at) = find(&world, &caller, &path, administered)?;
    let schedule = &mut world.schedules[index];
    schedule.rotations.remove(at);
    forget_in_overrides(schedule, &path.rotation_id);
    Ok(StatusCode::NO_CONTENT)
}

/// Drops a deleted rotation from the schedule's overrides. An override naming
/// only deleted rotations would silently start covering every rotation (empty
/// means "all"), so such overrides go with their rotations.
pub(crate) fn forget_in_overrides(schedule: &mut ScheduleRecord, rotation_id: &str) {
    schedule.overrides.retain_mut(|entry| {
        let named_rotations = !entry.rotation_ids.is_empty();
        entry.rotation_ids.retain(|id| id != rotation_id);
        !(named_rotations && entry.rotation_ids.is_empty())
    });
}

/// A new rotation from a create request; `position` numbers the default name
/// (`Rotation 1`, ...) so unnamed rotations do not collide.
pub(crate) fn build(
    world: &World,
    input: RotationInput,
    position: usize,
) -> Result<RotationRecord, OpsError> {
    let mut rotation = RotationRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name: format!("Rotation {}", position + 1),
        kind: kind(input.kind.as_deref())?,
        length: 1,
        start: validate::date("startDate", input.start_date.as_deref())?,
        end: None,
        participants: Vec::new(),
        restriction: None,
    };
    apply(world, &mut rotation, input)?;
    Ok(rotation)
}

fn ensure_unique(
    schedule: &ScheduleRecord,
    name: &str,
    except: Option<&str>,
) -> Result<(), OpsError> {
    let taken = schedule
        .rotations
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(name) && Some(r.id.as_str()) != except);
    if taken {
        return Err(OpsError::conflict(format!(
            "A rotation named [{name}] already exists in this schedule."
        )));
    }
    Ok(())
}

/// The schedule (if `access`, [`readable`] or [`administered`], lets the caller
/// in) and the position of the rotation `path` names in it; 404 for either
/// missing.
fn find(
    world: &World,
    caller: &Caller,
    path: &RotationPath,
    access: fn(&World, &str, &str) -> Result<usize, OpsError>,
) -> Result<(usize, usize), OpsError> {
    let index = access(world, &caller.account_id, &path.schedule_id)?;
    let id = &path.rotation_id;
    let at = world.schedules[index]
        .rotation_index(id)
        .ok_or_else(|| OpsError::not_found(format!("Rotation with id [{id}] does not exist.")))?;
    Ok((index, at))
}

fn kind(text: Option<&str>) -> Result<RotationKind, OpsError> {
    text.and_then(RotationKind::parse)
        .ok_or_else(|| OpsError::field("type", "must be one of daily, weekly or hourly."))
}

/// Applies the optional fields of `input` (name, end date, length, participants,
/// time restriction) to `rotation`, checking each; `type` and `startDate` are
/// the caller's.
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
            return Err(OpsError::field("length", "must be between 1 and 366."));
        }
        rotation.length = length;
    }
    if let Some(text) = input.end_date.as_deref() {
        rotation.end = Some(validate::date("endDate", Some(text))?);
    }
    if rotation.end.is_some_and(|end| end <= rotation.start) {
        return Err(OpsError::field("endDate", "must be after the start date."));
    }
    if let Some(participants) = input.participants {
        if participants.len() > MAX_PARTICIPANTS {
            return Err(OpsError::field("participants", "at most 200 participants."));
        }
        rotation.participants = participants
            .iter()
            .map(|p| p.participant(world, "participants"))
            .collect::<Result<_, _>>()?;
    }
    if let Some(restriction) = input.time_restriction {
        rotation.restriction = Some(restriction.check()?);
    }
    Ok(())
}
