//! `GET .../schedules/{id}/on-calls`: who is on call at a moment (now by default).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::OpsError;
use super::extract::OpsQuery;
use super::permissions::readable;
use super::{SchedulePath, render, validate};
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::on_call::on_call_at;

#[derive(Deserialize)]
pub(crate) struct OnCallQuery {
    /// The moment to ask about; the site clock's now by default.
    date: Option<String>,
    /// `true` answers `{"onCallUsers": [accountId]}` instead of participants.
    #[serde(default)]
    flat: bool,
}

/// Answers in the Ops API's shapes: `{"onCallParticipants": [{"id", "type"}]}`, or
/// `{"onCallUsers": [...]}` with `flat=true`.
///
/// Participants carry only `id` and `type`, as on a real site: an app that wants
/// display names asks the platform's user API, so one written against the
/// simulator does not come to depend on a field Atlassian never sends.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    OpsQuery(query): OpsQuery<OnCallQuery>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let at = match query.date.as_deref() {
        None => world.now(),
        Some(text) => validate::date("date", Some(text))?,
    };
    let on_call = on_call_at(&world.schedules[index], at);
    if query.flat {
        return Ok(Json(json!({ "onCallUsers": on_call })));
    }
    let participants: Vec<Value> = on_call
        .iter()
        .copied()
        .map(render::on_call_participant)
        .collect();
    Ok(Json(json!({ "onCallParticipants": participants })))
}
