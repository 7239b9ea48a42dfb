//! `readWorkflows` (`POST /workflows`, "Bulk get workflows"): the workflows a
//! request names by id (`workflowIds`), by name (`workflowNames`), or by the
//! project and issue type that use them (`projectAndIssueTypes`), each once,
//! with their transitions and the statuses they reference.
//!
//! A name, id, project or issue type that matches no workflow is left out of
//! the answer rather than refused: the spec documents no error for it.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::reader;
use super::render::{self, Transitions};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::site_workflows::WorkflowRecord;
use crate::world::workflow::issue_type_by_id;

/// `WorkflowReadRequest`. Each list may be absent or `null`; the removed
/// `useApprovalConfiguration` query parameter is ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReadRequest {
    project_and_issue_types: Option<Vec<ProjectAndIssueType>>,
    workflow_ids: Option<Vec<String>>,
    workflow_names: Option<Vec<String>>,
}

/// `ProjectAndIssueTypePair`: both ids are required.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectAndIssueType {
    project_id: String,
    issue_type_id: String,
}

impl ReadRequest {
    /// Whether the request names `workflow`; by use, the workflow every project
    /// of `world` uses for every issue type.
    fn names(&self, world: &World, workflow: &WorkflowRecord) -> bool {
        let by_id = self
            .workflow_ids
            .iter()
            .flatten()
            .any(|id| *id == workflow.id);
        // Exactly: a name in another case is not the workflow's name.
        let by_name = self
            .workflow_names
            .iter()
            .flatten()
            .any(|name| *name == workflow.name);
        // The workflow the pair's project's scheme gives the type.
        let by_use = self.project_and_issue_types.iter().flatten().any(|pair| {
            world.projects.iter().any(|p| p.id == pair.project_id)
                && issue_type_by_id(&pair.issue_type_id).is_some()
                && world
                    .workflows
                    .of_project(&pair.project_id, &pair.issue_type_id)
                    .is_some_and(|w| w.id == workflow.id)
        });
        by_id || by_name || by_use
    }
}

pub(crate) async fn read(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(request): JiraJson<ReadRequest>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let reader = reader(&world, &caller)?;
    let found: Vec<&WorkflowRecord> = world
        .workflows
        .workflows
        .iter()
        .filter(|w| reader.sees(&world, &caller.account_id, w))
        .filter(|w| request.names(&world, w))
        .collect();
    let workflows: Vec<Value> = found
        .iter()
        .map(|w| render::workflow(w, Transitions::Included))
        .collect();
    Ok(Json(json!({
        "statuses": render::statuses(&world.workflows, &found),
        "workflows": workflows,
    })))
}
