//! The workflow writes: `createWorkflows` (`POST /workflows/create`),
//! `updateWorkflows` (`POST /workflows/update`) and their validations
//! (`…/validation`), which run the same checks (`validate.rs`) and answer the
//! problems instead of writing.
//!
//! Who may write, as the spec says: *Administer Jira* writes any workflow;
//! *Administer projects* writes the workflows of the projects it administers
//! (`PROJECT` scope); anyone else gets the spec's `401`. A write answers the
//! workflows it wrote (`WorkflowCreateResponse`, `WorkflowUpdateResponse`) with
//! their transitions and the statuses they reference.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::plan::Plan;
use super::render::{self, Transitions};
use super::request::{CreateRequest, Level, UpdateRequest, ValidateRequest, ValidationOptions};
use super::validate::{
    Problem, check_bounds, check_create, check_migration_bounds, check_update, create_scope,
    error_list, refusal,
};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::site_workflows::{Scope, WorkflowRecord};

/// The spec's `401` for a caller who may not write a workflow of `scope`.
fn require_writer(world: &World, caller: &Caller, scope: Option<&Scope>) -> Result<(), JiraError> {
    let account = caller.account_id.as_str();
    let allowed = world.is_site_admin(account)
        || match scope {
            Some(Scope::Project(id)) => world
                .projects
                .iter()
                .any(|p| p.id == *id && world.administers(account, &p.key)),
            // A scope the request does not give (or gets wrong) is checked for
            // anyone who administers a project, so a project admin learns what
            // is wrong with it.
            None => world
                .projects
                .iter()
                .any(|p| world.administers(account, &p.key)),
            Some(Scope::Global) => false,
        };
    if allowed {
        Ok(())
    } else {
        Err(JiraError::new(
            StatusCode::UNAUTHORIZED,
            "You don't have permission to change this workflow: it takes Administer Jira, \
             or Administer projects for a project's own workflows.",
        ))
    }
}

/// What the checks make of a request the caller may send: the [`Plan`] to
/// apply, or the problems that refuse it.
type Checked = Result<Plan, Vec<Problem>>;

/// Checks a create request: an error before the checks (bounds, permission),
/// else what the checks make of it.
fn checked_create(
    world: &World,
    caller: &Caller,
    request: &CreateRequest,
) -> Result<Checked, JiraError> {
    check_bounds(
        &request.statuses,
        request
            .workflows
            .iter()
            .map(|w| (w.statuses.as_slice(), w.transitions.as_slice())),
    )?;
    let scope = create_scope(world, request);
    require_writer(world, caller, scope.as_ref().ok())?;
    Ok(match scope {
        Ok(scope) => check_create(world, &scope, request, world.now()),
        Err(problem) => Err(vec![problem]),
    })
}

/// Checks an update request, once the caller may write each workflow it names.
fn checked_update(
    world: &World,
    caller: &Caller,
    request: &UpdateRequest,
) -> Result<Checked, JiraError> {
    check_bounds(
        &request.statuses,
        request
            .workflows
            .iter()
            .map(|w| (w.statuses.as_slice(), w.transitions.as_slice())),
    )?;
    let existing: Vec<Option<&WorkflowRecord>> = request
        .workflows
        .iter()
        .map(|w| world.workflows.workflow(&w.id))
        .collect();
    for (input, found) in request.workflows.iter().zip(&existing) {
        check_migration_bounds(input)?;
        require_writer(world, caller, found.map(|w| &w.scope))?;
    }
    if request.workflows.is_empty() {
        require_writer(world, caller, None)?;
    }
    Ok(check_update(world, request, &existing, world.now()))
}

/// The spec's `maxItems` of `validationOptions.levels`: there are two levels.
const MAX_LEVELS: usize = 2;

/// The levels a validation asks for, bounded as the spec bounds them.
fn levels(options: Option<ValidationOptions>) -> Result<Option<Vec<Level>>, JiraError> {
    let levels = options.and_then(|o| o.levels);
    if levels.as_ref().is_some_and(|l| l.len() > MAX_LEVELS) {
        return Err(JiraError::bad_request(format!(
            "validationOptions.levels can name at most {MAX_LEVELS} levels."
        )));
    }
    Ok(levels)
}

/// What a write answers: the workflows `written` and their statuses.
fn written(world: &World, written: &[String]) -> Value {
    let workflows: Vec<&WorkflowRecord> = written
        .iter()
        .filter_map(|id| world.workflows.workflow(id))
        .collect();
    let rendered: Vec<Value> = workflows
        .iter()
        .map(|w| render::workflow(w, Transitions::Included))
        .collect();
    json!({
        "statuses": render::statuses(&world.workflows, &workflows),
        "workflows": rendered,
    })
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(request): JiraJson<CreateRequest>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let plan = checked_create(&world, &caller, &request)?.map_err(|p| refusal(&p))?;
    let now = world.now();
    let ids = plan.apply(&mut world, now);
    Ok(Json(written(&world, &ids)))
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(request): JiraJson<UpdateRequest>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let plan = checked_update(&world, &caller, &request)?.map_err(|p| refusal(&p))?;
    let now = world.now();
    let ids = plan.apply(&mut world, now);
    Ok(Json(written(&world, &ids)))
}

pub(crate) async fn validate_create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(request): JiraJson<ValidateRequest<CreateRequest>>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let problems = checked_create(&world, &caller, &request.payload)?
        .err()
        .unwrap_or_default();
    let levels = levels(request.validation_options)?;
    Ok(Json(error_list(&problems, levels.as_deref())))
}

pub(crate) async fn validate_update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(request): JiraJson<ValidateRequest<UpdateRequest>>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let problems = checked_update(&world, &caller, &request.payload)?
        .err()
        .unwrap_or_default();
    let levels = levels(request.validation_options)?;
    Ok(Json(error_list(&problems, levels.as_deref())))
}
