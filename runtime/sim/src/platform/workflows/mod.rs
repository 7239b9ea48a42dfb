//! The workflows API apps inspect and change workflows with: `GET
//! /rest/api/3/workflows/search` (`searchWorkflows`, a page of workflows), `POST
//! /rest/api/3/workflows` (`readWorkflows`, workflows by id, name, or project and
//! issue type), `POST /workflows/create` and `/workflows/update` with their
//! validations (`write.rs`), and `DELETE /workflow/{entityId}` (`delete.rs`).
//! The reads answer each workflow (`JiraWorkflow`) beside the statuses it
//! references (`JiraWorkflowStatus`).
//!
//! The workflows are the site's (`world/site_workflows.rs`): its own, `GLOBAL`
//! and used by every project, whose transitions are the ones issues take
//! (`platform/transition.rs`), and those apps made, used by no project (workflow
//! schemes are not modelled).
//!
//! Who may read what, as the spec says: *Administer Jira* reads every workflow;
//! *Administer projects* reads the project-scoped workflows of the projects it
//! administers; anyone else gets the spec's `401` (the spec's other way in,
//! *View (read-only) workflow*, is a permission the simulator does not model).

mod delete;
mod plan;
mod read;
mod render;
mod request;
mod search;
mod validate;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::site_workflows::{Scope, WorkflowRecord};

/// This module's routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/workflows", post(read::read))
        .route("/workflows/search", get(search::search))
        .route("/workflows/create", post(write::create))
        .route("/workflows/create/validation", post(write::validate_create))
        .route("/workflows/update", post(write::update))
        .route("/workflows/update/validation", post(write::validate_update))
        .route("/workflow/{entityId}", delete(delete::delete))
}

/// What a caller of the workflows API may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// *Administer Jira*: every workflow.
    SiteAdmin,
    /// *Administer projects* somewhere: project-scoped workflows only.
    ProjectAdmin,
}

impl Reader {
    /// Whether this reader, `account_id`, sees `workflow`: a project admin sees
    /// the workflows of the projects it administers.
    fn sees(self, world: &World, account_id: &str, workflow: &WorkflowRecord) -> bool {
        match (self, &workflow.scope) {
            (Self::SiteAdmin, _) => true,
            (Self::ProjectAdmin, Scope::Global) => false,
            (Self::ProjectAdmin, Scope::Project(id)) => world
                .projects
                .iter()
                .any(|p| p.id == *id && world.administers(account_id, &p.key)),
        }
    }
}

/// The caller as a [`Reader`], or the spec's `401` for one who administers
/// nothing.
fn reader(world: &World, caller: &Caller) -> Result<Reader, JiraError> {
    if world.is_site_admin(&caller.account_id) {
        return Ok(Reader::SiteAdmin);
    }
    let administers_a_project = world
        .projects
        .iter()
        .any(|p| world.administers(&caller.account_id, &p.key));
    if administers_a_project {
        Ok(Reader::ProjectAdmin)
    } else {
        Err(JiraError::new(
            StatusCode::UNAUTHORIZED,
            "You don't have permission to view workflows: it takes Administer Jira, \
             or Administer projects for a project's own workflows.",
        ))
    }
}

/// Whether `workflow` is active: some project's workflow scheme sends an
/// issue type to it.
fn is_active(world: &World, workflow: &WorkflowRecord) -> bool {
    world.workflow_is_active(workflow)
}
