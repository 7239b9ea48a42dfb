//! `GET .../schedules/{id}/on-calls` and `.../next-on-calls`: who is on call at a
//! moment (now by default), and who comes next.
//!
//! Answers are the `OnCallResponse` and `NextOnCallResponse` shapes:
//! `{"onCallParticipants": [OnCallParticipant]}`, or with `flat=true`
//! `{"onCallUsers": [accountId]}` (`nextOnCall...` for the next ones). A team
//! participant carries its flattened members (see [`render::flattened`]).
//! Participants carry only `id` and `type`, as on a real site: an app that wants
//! display names asks the platform's user API.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::error::OpsError;
use super::extract::Params;
use super::permissions::readable;
use super::{SchedulePath, render};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::on_call::{next_on_call, on_call_at};
use crate::world::{Participant, World};

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    answer(&shared, &caller, &path, &params, Which::Now)
}

pub(crate) async fn next(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    answer(&shared, &caller, &path, &params, Which::Next)
}

#[derive(Clone, Copy)]
enum Which {
    Now,
    Next,
}

fn answer(
    shared: &Shared,
    caller: &Caller,
    path: &SchedulePath,
    params: &Params,
    which: Which,
) -> Result<Json<Value>, OpsError> {
    params.only(&["flat", "date"])?;
    let flat = params.flag("flat")?.unwrap_or(false);
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let at = params.date_or("date", world.now())?;
    let schedule = &world.schedules[index];
    let (who, participants_key, users_key) = match which {
        Which::Now => (
            on_call_at(schedule, at),
            "onCallParticipants",
            "onCallUsers",
        ),
        Which::Next => (
            next_on_call(schedule, at),
            "nextOnCallParticipants",
            "nextOnCallUsers",
        ),
    };
    if flat {
        return Ok(Json(json!({ users_key: users(&world, &who) })));
    }
    let participants: Vec<Value> = who
        .iter()
        .map(|p| render::on_call_participant(&world, p, participants_key))
        .collect();
    Ok(Json(json!({ participants_key: participants })))
}

/// Every user the participants stand for, once each, in order.
fn users(world: &World, who: &[Participant]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in who.iter().flat_map(|p| render::flattened(world, p)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}
