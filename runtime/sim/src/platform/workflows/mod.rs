//! The workflows API apps inspect workflows with: `GET /rest/api/3/workflows/search`
//! (`searchWorkflows`, a page of workflows) and `POST /rest/api/3/workflows`
//! (`readWorkflows`, workflows by id, name, or project and issue type). Both answer
//! each workflow (`JiraWorkflow`) beside the statuses it references
//! (`JiraWorkflowStatus`).
//!
//! The site has one workflow ([`SITE_WORKFLOW`](crate::world::workflow::SITE_WORKFLOW)),
//! company-managed and so `GLOBAL`, used by every project; its statuses are
//! [`STATUSES`](crate::world::workflow::STATUSES) and its transitions the ones
//! issues take (`platform/transition.rs`), each a `GLOBAL` transition into its
//! status, after Jira's `INITIAL` transition, `Create`.
//!
//! Who may read what, as the spec says: *Administer Jira* reads every workflow;
//! *Administer projects* reads project-scoped workflows only, of which the site
//! has none, so a project admin's answers are empty; anyone else gets the spec's
//! `401` (the spec's other way in, *View (read-only) workflow*, is a permission
//! the simulator does not model).

mod read;
mod render;
mod search;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// This module's routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/workflows", post(read::read))
        .route("/workflows/search", get(search::search))
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
    /// Whether this reader sees the site's `GLOBAL` workflows (all it has).
    fn sees_global_workflows(self) -> bool {
        self == Self::SiteAdmin
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

/// Whether the site's workflow is active: in use by a project, which every
/// project is (they share it). A site without projects has it inactive.
fn is_active(world: &World) -> bool {
    !world.projects.is_empty()
}
