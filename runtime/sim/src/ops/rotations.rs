//! A schedule's rotations and who is on call now.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::SchedulePath;
use super::render;
use super::schedules::{administered, readable};
use crate::access::Caller;
use crate::clock::{self, parse_rfc3339};
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::rotation::on_call_at;
use crate::world::{RotationKind, RotationRecord};

/// Turns longer than a year are refused: a typo'd length would otherwise freeze
/// the on-call answer for centuries and overflow date arithmetic.
const MAX_ROTATION_LENGTH: u32 = 366;
/// A rotation lists at most this many participants.
const MAX_PARTICIPANTS: usize = 200;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let values = world.schedules[index]
        .rotations
        .iter()
        .map(render::rotation)
        .collect();
    Ok(Json(render::page(values)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RotationInput {
    name: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    length: Option<u32>,
    #[serde(default)]
    participants: Vec<Participant>,
}

#[derive(Deserialize)]
pub(crate) struct Participant {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    JiraJson(input): JiraJson<RotationInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let index = administered(&world, &caller.account_id, &path.schedule_id)?;
    let kind = input
        .kind
        .as_deref()
        .and_then(RotationKind::parse)
        .ok_or_else(|| JiraError::field("type", "Type must be one of hourly, daily or weekly."))?;
    let length = input.length.unwrap_or(1);
    if length == 0 || length > MAX_ROTATION_LENGTH {
        return Err(JiraError::field(
            "length",
            "Length must be between 1 and 366.",
        ));
    }
    let start = input
        .start_date
        .as_deref()
        .and_then(parse_rfc3339)
        .ok_or_else(|| {
            JiraError::field("startDate", "Start date must be an ISO 8601 date-time.")
        })?;
    let end =
        match input.end_date.as_deref() {
            None => None,
            Some(text) => Some(parse_rfc3339(text).filter(|end| *end > start).ok_or_else(
                || {
                    JiraError::field(
                        "endDate",
                        "End date must be a date-time after the start date.",
                    )
                },
            )?),
        };
    if input.participants.len() > MAX_PARTICIPANTS {
        return Err(JiraError::field("participants", "Too many participants."));
    }
    let mut participants = Vec::new();
    for participant in &input.participants {
        let is_user = participant.kind.as_deref().is_none_or(|k| k == "user");
        let user = participant
            .id
            .as_deref()
            .filter(|_| is_user)
            .and_then(|id| world.user(id))
            .ok_or_else(|| {
                JiraError::field("participants", "Participants must be existing users.")
            })?;
        participants.push(user.account_id.clone());
    }
    let rotation = RotationRecord {
        id: uuid::Uuid::new_v4().to_string(),
        name: input.name.unwrap_or_else(|| String::from("Rotation")),
        kind,
        length,
        start,
        end,
        participants,
    };
    let body = render::rotation(&rotation);
    world.schedules[index].rotations.push(rotation);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
pub(crate) struct OnCallQuery {
    /// The moment to ask about; now by default.
    date: Option<String>,
}

pub(crate) async fn on_calls(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    JiraQuery(query): JiraQuery<OnCallQuery>,
) -> Result<Json<Value>, JiraError> {
    let at = match query.date.as_deref() {
        None => clock::now(),
        Some(text) => parse_rfc3339(text)
            .ok_or_else(|| JiraError::field("date", "Date must be an ISO 8601 date-time."))?,
    };
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let mut on_call: Vec<&str> = Vec::new();
    for rotation in &world.schedules[index].rotations {
        if let Some(who) = on_call_at(rotation, at)
            && !on_call.contains(&who)
        {
            on_call.push(who);
        }
    }
    let participants: Vec<Value> = on_call
        .iter()
        .map(|id| {
            let name = world
                .user(id)
                .map(|u| u.display_name.clone())
                .unwrap_or_default();
            json!({ "id": id, "type": "user", "name": name })
        })
        .collect();
    Ok(Json(json!({ "onCallParticipants": participants })))
}
