//! Workflow statuses (`/rest/api/3/status`): the simulator's one workflow's, seen
//! by whoever may browse a project that uses it (every project does).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::super::render;
use super::browses_any;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::workflow::STATUSES;

/// `getStatuses`: the statuses of the active workflows of the projects the caller
/// may browse: all of them, or none for a caller who browses no project.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let visible = browses_any(&shared.world(), &caller);
    let statuses = STATUSES
        .iter()
        .filter(|_| visible)
        .map(|s| render::status(&caller.links, s));
    Json(Value::Array(statuses.collect()))
}

#[derive(Deserialize)]
pub(crate) struct StatusPath {
    id_or_name: String,
}

/// `getStatus`: by id, else by name without regard to case (as Jira looks a
/// status up, id first). A status the caller may not see answers like one that
/// does not exist, in Jira's words for both.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<StatusPath>,
) -> Result<Json<Value>, JiraError> {
    let wanted = path.id_or_name.as_str();
    let found = STATUSES
        .iter()
        .find(|s| s.id == wanted)
        .or_else(|| {
            STATUSES
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(wanted))
        })
        .filter(|_| browses_any(&shared.world(), &caller));
    found
        .map(|s| Json(render::status(&caller.links, s)))
        .ok_or_else(|| {
            JiraError::not_found(format!("The status with id '{wanted}' does not exist"))
        })
}
