//! `GET /rest/api/3/task/{taskId}` (getTask): a long-running task, as the
//! operations that answer `303` to one point at it. The simulator's tasks are
//! finished before they are answered (`world/task.rs`), so each is `COMPLETE`.
//!
//! `POST /rest/api/3/task/{taskId}/cancel` (cancelTask) therefore never cancels:
//! a task the caller may cancel (its submitter, or *Administer Jira*) is the
//! spec's 400, "cancellation of the task is not possible", because it has
//! finished. Its errors are the spec's bare list of messages (`["…"]`), not
//! Jira's usual `ErrorCollection`.
//!
//! What differs: `submittedBy` is the numeric user id Jira Cloud no longer
//! gives its users (they have account ids); the simulator sends `0`. The
//! optional `message` is left out; `description` and `result` are sent for the
//! tasks whose operation gives them (replaceCustomFieldOption).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    let mut body = json!({
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
    });
    if let Some(description) = &task.description {
        body["description"] = json!(description);
    }
    if let Some(result) = &task.result {
        body["result"] = result.clone();
    }
    body
}

/// `303 See Other` to `task`, with its progress as the body: how an
/// asynchronous operation answers. `v2` is whether the call came through
/// `/rest/api/2/`: `v2.rs` makes the body's `self` v2's, the header this does.
pub(crate) fn see_other(links: &str, task: &TaskRecord, v2: bool) -> Response {
    let body = progress(links, task);
    let mut location = body["self"].as_str().unwrap_or_default().to_owned();
    if v2 {
        location = location.replacen("/rest/api/3/", "/rest/api/2/", 1);
    }
    let mut response = (StatusCode::SEE_OTHER, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
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

/// `cancelTask`'s refusal: its status with the spec's body, a list of messages.
fn refuse(status: StatusCode, message: String) -> Response {
    (status, Json(json!([message]))).into_response()
}

/// `POST /task/{taskId}/cancel`: 404 for a task the site does not keep, 403 for
/// a caller who neither submitted it nor administers Jira, else 400: every
/// task the simulator keeps has finished (see the module's comment).
pub(crate) async fn cancel(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TaskPath>,
) -> Response {
    let world = shared.world();
    let Some(task) = world.task(&path.task_id) else {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("Task '{}' not found.", path.task_id),
        );
    };
    if task.submitted_by != caller.account_id && !world.is_site_admin(&caller.account_id) {
        return refuse(
            StatusCode::FORBIDDEN,
            String::from("You can only cancel the tasks you submitted."),
        );
    }
    refuse(
        StatusCode::BAD_REQUEST,
        format!(
            "Task '{}' has finished, so it cannot be cancelled.",
            task.id
        ),
    )
}
