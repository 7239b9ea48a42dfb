//! `GET /rest/api/3/task/{taskId}` (getTask): a long-running task, as the
//! operations that answer `303` to one point at it. The simulator's tasks are
//! finished before they are answered (`world/task.rs`), so each is `COMPLETE`.
//!
//! What differs: `submittedBy` is the numeric user id Jira Cloud no longer
//! gives its users (they have account ids); the simulator sends `0`. The
//! optional `description`, `message` and `result` are left out.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::webhooks::event::millis;
use crate::world::task::TaskRecord;

/// `TaskProgressBeanObject` of a finished task.
pub(crate) fn progress(links: &str, task: &TaskRecord) -> Value {
    let at = millis(task.at);
    json!({
        "self": format!("{links}/rest/api/3/task/{}", task.id),
        "id": task.id.to_string(),
        "status": "COMPLETE",
        "progress": 100,
        "elapsedRuntime": 0,
        "submittedBy": 0,
        "submitted": at,
        "started": at,
        "finished": at,
        "lastUpdate": at,
    })
}

/// Path parameters; named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct TaskPath {
    task_id: String,
}

/// `GET /task/{taskId}`: for *Administer Jira* or the task's submitter (the
/// spec's `403` for anyone else); `404` for a task the site does not keep.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TaskPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let task = world
        .task(&path.task_id)
        .ok_or_else(|| JiraError::not_found(format!("Task '{}' not found.", path.task_id)))?;
    if task.submitted_by != caller.account_id && !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "You can only see the tasks you submitted.",
        ));
    }
    Ok(Json(progress(&caller.links, task)))
}
