//! `deleteInactiveWorkflow` (`DELETE /workflow/{entityId}`): removes a workflow
//! no project uses. The site's own workflow is the one every project uses
//! (through the default workflow scheme, which the simulator does not model
//! otherwise), so it is never deleted: active while the site has projects, and
//! still the default scheme's when it has none. Its statuses stay on the site,
//! as Jira keeps a deleted workflow's statuses.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkflowPath {
    entity_id: String,
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<WorkflowPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    // The spec's 403 and its example's words: only *Administer Jira* deletes.
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "Only Jira administrators can access the workflow configuration.",
        ));
    }
    let Some(index) = world
        .workflows
        .workflows
        .iter()
        .position(|w| w.id == path.entity_id)
    else {
        return Err(JiraError::not_found("The workflow was not found."));
    };
    let workflow = &world.workflows.workflows[index];
    if world.workflow_is_active(workflow) {
        return Err(JiraError::bad_request("Cannot delete an active workflow."));
    }
    // Inactive but named by a scheme no project uses: Jira still keeps it.
    if workflow.default_for_projects || world.workflows.schemes.names(&workflow.name) {
        return Err(JiraError::bad_request(
            "Cannot delete a workflow that is associated with a workflow scheme.",
        ));
    }
    world.workflows.workflows.remove(index);
    Ok(StatusCode::NO_CONTENT)
}
