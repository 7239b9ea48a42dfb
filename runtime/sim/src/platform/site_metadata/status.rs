//! Workflow statuses (`/rest/api/3/status`): the site's (`world/site_workflows.rs`),
//! its own and those the workflows API made, seen by whoever may browse a
//! project (a status not in the projects' workflow is listed too: the simulator
//! does not tell active workflows' statuses from the others).

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
use crate::world::site_workflows::StatusEntry;

/// `getStatuses`: the statuses of the active workflows of the projects the caller
/// may browse: all of them, or none for a caller who browses no project.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let world = shared.world();
    let visible = browses_any(&world, &caller);
    let statuses = world
        .workflows
        .statuses
        .iter()
        .filter(|_| visible)
        .map(|s| described(&caller.links, s));
    Json(Value::Array(statuses.collect()))
}

/// A status as `/status` answers it, with the description the workflows API
/// gave it.
fn described(links: &str, entry: &StatusEntry) -> Value {
    let mut value = render::status(links, &entry.status);
    value["description"] = Value::from(entry.description.as_str());
    value
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
    let world = shared.world();
    let statuses = &world.workflows.statuses;
    let found = statuses
        .iter()
        .find(|s| s.status.id == wanted)
        .or_else(|| {
            statuses
                .iter()
                .find(|s| s.status.name.eq_ignore_ascii_case(wanted))
        })
        .filter(|_| browses_any(&world, &caller));
    found
        .map(|s| Json(described(&caller.links, s)))
        .ok_or_else(|| {
            JiraError::not_found(format!("The status with id '{wanted}' does not exist"))
        })
}
