//! The classic workflow scheme routes (`/rest/api/3/workflowscheme…`) over
//! `world/workflow_scheme.rs`: `getAllWorkflowSchemes`, `createWorkflowScheme`,
//! `getWorkflowScheme`, `updateWorkflowScheme`, `deleteWorkflowScheme`, the
//! default workflow (`…/{id}/default`), an issue type's mapping
//! (`…/{id}/issuetype/{issueType}`), a workflow's mappings (`…/{id}/workflow`),
//! and which project uses which scheme (`…/project`).
//!
//! *Administer Jira* for all, with the spec's `403`. Refused as Jira refuses:
//! a workflow name the site does not hold (or a team-managed project's
//! workflow), an issue type the site lacks, a name another scheme has, and
//! deleting a scheme a project uses. Drafts are not modelled, so a scheme a
//! project uses is not edited in place: Jira edits a draft of it (with
//! `updateDraftIfNeeded`) or refuses; the simulator always refuses, with a
//! `400` that says why. Assigning a scheme to a project whose issues are in
//! statuses the new workflows lack is refused too: Jira's API assigns only to
//! a project without issues (its description) and leaves the status migration
//! to the admin screens, which the simulator does not have; where every issue's
//! status is in the workflow its type will follow, no migration is needed and
//! the assignment is made.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Router, response::IntoResponse, response::Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::page::{PageQuery, page_bean};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::site_workflows::Scope;
use crate::world::workflow::issue_type_by_id;
use crate::world::workflow_scheme::{MAX_WORKFLOW_SCHEMES, WorkflowSchemeRecord};

/// `getAllWorkflowSchemes`' default and largest page, as Jira's.
const PAGE: usize = 50;
/// The longest scheme name Jira takes.
const MAX_NAME: usize = 255;
/// The longest description kept.
const MAX_DESCRIPTION: usize = 1_000;
/// `projectId`s one association query may name (Jira's limit).
const MAX_PROJECT_IDS: usize = 100;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/workflowscheme", get(list).post(create))
        .route("/workflowscheme/project", get(associations).put(assign))
        .route("/workflowscheme/{id}", get(read).put(update).delete(delete))
        .route(
            "/workflowscheme/{id}/default",
            get(read_default).put(update_default).delete(delete_default),
        )
        .route(
            "/workflowscheme/{id}/issuetype/{issue_type}",
            get(read_issue_type)
                .put(set_issue_type)
                .delete(delete_issue_type),
        )
        .route(
            "/workflowscheme/{id}/workflow",
            get(read_workflow)
                .put(update_workflow)
                .delete(delete_workflow),
        )
}

/// Refuses a caller without *Administer Jira*, with the spec's `403` words.
fn administer(world: &World, caller: &Caller, what: &str) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::forbidden(format!(
            "Only Jira administrators can access {what}."
        )))
    }
}

const SCHEMES: &str = "workflow schemes";
const ASSOCIATIONS: &str = "workflow scheme associations";

fn scheme_missing() -> JiraError {
    JiraError::not_found("The workflow scheme was not found.")
}

/// The index of the scheme a path's id names (the default scheme has no id,
/// so none names it), else the spec's `404`.
fn scheme_index(world: &World, id: &str) -> Result<usize, JiraError> {
    id.trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| world.workflows.schemes.index_of(id))
        .ok_or_else(scheme_missing)
}

/// A `WorkflowScheme`.
fn scheme_json(links: &str, scheme: &WorkflowSchemeRecord) -> Value {
    let mut value = json!({
        "name": scheme.name,
        "description": scheme.description,
        "defaultWorkflow": scheme.default_workflow,
        "issueTypeMappings": scheme.mappings,
        "draft": false,
    });
    if let Some(id) = scheme.id {
        value["id"] = json!(id);
        value["self"] = json!(format!("{links}/rest/api/3/workflowscheme/{id}"));
    }
    value
}

/// A workflow name a scheme may name: a company-managed workflow of the site.
fn checked_workflow(world: &World, name: &str) -> Result<String, JiraError> {
    world
        .workflows
        .workflow_named(name)
        .filter(|w| w.scope == Scope::Global)
        .map(|w| w.name.clone())
        .ok_or_else(|| {
            JiraError::bad_request(format!("Workflow with name '{name}' does not exist."))
        })
}

/// An issue type id a scheme may map: one of the site's.
fn checked_issue_type(id: &str) -> Result<String, JiraError> {
    issue_type_by_id(id)
        .map(|t| t.id.to_owned())
        .ok_or_else(|| JiraError::bad_request(format!("Issue type with ID '{id}' does not exist.")))
}

/// Refuses to edit a scheme a project uses: Jira edits its draft instead,
/// which the simulator does not model (see the module documentation).
fn editable(world: &World, index: usize) -> Result<(), JiraError> {
    let scheme = &world.workflows.schemes.schemes[index];
    match scheme.id {
        Some(id) if !world.workflows.schemes.in_use(id) => Ok(()),
        _ => Err(JiraError::bad_request(
            "The workflow scheme is active: Jira changes only its draft, which this \
             simulator does not model. Assign the projects another scheme first.",
        )),
    }
}

/// `GET /workflowscheme`: a page of the schemes, the default one first.
async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let window = query.bean_window(PAGE, PAGE);
    let schemes = &world.workflows.schemes.schemes;
    let values = window
        .of(schemes)
        .map(|s| scheme_json(&caller.links, s))
        .collect();
    let base = format!("{}/rest/api/3/workflowscheme", caller.links);
    Ok(Json(page_bean(&base, window, schemes.len(), values)))
}

/// The body of `createWorkflowScheme` and `updateWorkflowScheme`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemeInput {
    name: Option<String>,
    description: Option<String>,
    default_workflow: Option<String>,
    issue_type_mappings: Option<BTreeMap<String, String>>,
    #[serde(rename = "updateDraftIfNeeded")]
    _update_draft_if_needed: Option<bool>,
}

/// A name Jira takes: not blank, not too long, no other scheme's.
fn checked_name(world: &World, name: &str, except: Option<u64>) -> Result<String, JiraError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(JiraError::field(
            "name",
            "The workflow scheme name must not be empty.",
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(JiraError::field(
            "name",
            format!("The workflow scheme name must not be longer than {MAX_NAME} characters."),
        ));
    }
    if world.workflows.schemes.name_taken(name, except) {
        return Err(JiraError::field(
            "name",
            format!("A workflow scheme with the name '{name}' already exists."),
        ));
    }
    Ok(name.to_owned())
}

fn checked_description(description: &str) -> Result<String, JiraError> {
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(JiraError::field(
            "description",
            format!("The description must not be longer than {MAX_DESCRIPTION} characters."),
        ));
    }
    Ok(description.to_owned())
}

/// Mappings whose issue types and workflows the site holds.
fn checked_mappings(
    world: &World,
    mappings: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, JiraError> {
    mappings
        .iter()
        .map(|(issue_type, workflow)| {
            Ok((
                checked_issue_type(issue_type)?,
                checked_workflow(world, workflow)?,
            ))
        })
        .collect()
}

/// `POST /workflowscheme`: `201` with the new scheme. Without a
/// `defaultWorkflow` Jira names its classic `jira` workflow; the simulated
/// site's workflow is its own, so the scheme defaults to that.
async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<SchemeInput>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let name = checked_name(&world, input.name.as_deref().unwrap_or_default(), None)?;
    let description = checked_description(input.description.as_deref().unwrap_or_default())?;
    let default_workflow = match input.default_workflow.as_deref() {
        Some(name) => checked_workflow(&world, name)?,
        None => world
            .workflows
            .schemes
            .default_scheme()
            .default_workflow
            .clone(),
    };
    let mappings = checked_mappings(&world, &input.issue_type_mappings.unwrap_or_default())?;
    let Some(id) = world
        .workflows
        .schemes
        .create(name, description, default_workflow, mappings)
    else {
        return Err(JiraError::bad_request(format!(
            "The site holds at most {MAX_WORKFLOW_SCHEMES} workflow schemes."
        )));
    };
    let index = world
        .workflows
        .schemes
        .index_of(id)
        .ok_or_else(scheme_missing)?;
    let body = scheme_json(&caller.links, &world.workflows.schemes.schemes[index]);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /workflowscheme/{id}`.
async fn read(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    Ok(Json(scheme_json(
        &caller.links,
        &world.workflows.schemes.schemes[index],
    )))
}

/// `PUT /workflowscheme/{id}`: what the body names changes; mappings, when
/// given, replace the scheme's.
async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JiraJson(input): JiraJson<SchemeInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    editable(&world, index)?;
    let own_id = world.workflows.schemes.schemes[index].id;
    let name = input
        .name
        .as_deref()
        .map(|n| checked_name(&world, n, own_id))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(checked_description)
        .transpose()?;
    let default_workflow = input
        .default_workflow
        .as_deref()
        .map(|w| checked_workflow(&world, w))
        .transpose()?;
    let mappings = input
        .issue_type_mappings
        .as_ref()
        .map(|m| checked_mappings(&world, m))
        .transpose()?;
    let scheme = &mut world.workflows.schemes.schemes[index];
    if let Some(name) = name {
        scheme.name = name;
    }
    if let Some(description) = description {
        scheme.description = description;
    }
    if let Some(default_workflow) = default_workflow {
        scheme.default_workflow = default_workflow;
    }
    if let Some(mappings) = mappings {
        scheme.mappings = mappings;
    }
    Ok(Json(scheme_json(&caller.links, scheme)))
}

/// `DELETE /workflowscheme/{id}`: `204`; a scheme a project uses stays.
async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    let Some(id) = world.workflows.schemes.schemes[index].id else {
        return Err(scheme_missing());
    };
    if !world.workflows.schemes.delete(id) {
        return Err(JiraError::bad_request(
            "Cannot delete an active workflow scheme.",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /workflowscheme/{id}/default`: a `DefaultWorkflow`.
async fn read_default(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    let workflow = &world.workflows.schemes.schemes[index].default_workflow;
    Ok(Json(json!({ "workflow": workflow })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefaultInput {
    workflow: Option<String>,
    #[serde(rename = "updateDraftIfNeeded")]
    _update_draft_if_needed: Option<bool>,
}

/// `PUT /workflowscheme/{id}/default`: the scheme with its new default.
async fn update_default(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JiraJson(input): JiraJson<DefaultInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    editable(&world, index)?;
    let Some(name) = input.workflow else {
        return Err(JiraError::field(
            "workflow",
            "The workflow name must be provided.",
        ));
    };
    let workflow = checked_workflow(&world, &name)?;
    let scheme = &mut world.workflows.schemes.schemes[index];
    scheme.default_workflow = workflow;
    Ok(Json(scheme_json(&caller.links, scheme)))
}

/// `DELETE /workflowscheme/{id}/default`: back to the default Jira gives a
/// new scheme (the site's workflow, see `create`).
async fn delete_default(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    editable(&world, index)?;
    let site = world
        .workflows
        .schemes
        .default_scheme()
        .default_workflow
        .clone();
    let scheme = &mut world.workflows.schemes.schemes[index];
    scheme.default_workflow = site;
    Ok(Json(scheme_json(&caller.links, scheme)))
}

#[derive(Deserialize)]
struct IssueTypePath {
    id: String,
    issue_type: String,
}

/// `GET /workflowscheme/{id}/issuetype/{issueType}`: the workflow the type
/// follows under the scheme (its mapping, else the default).
async fn read_issue_type(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssueTypePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &path.id)?;
    let Some(issue_type) = issue_type_by_id(&path.issue_type) else {
        return Err(JiraError::not_found("The issue type was not found."));
    };
    let scheme = &world.workflows.schemes.schemes[index];
    Ok(Json(json!({
        "issueType": issue_type.id,
        "workflow": scheme.workflow_for(issue_type.id),
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueTypeInput {
    workflow: Option<String>,
    #[serde(rename = "issueType")]
    _issue_type: Option<String>,
    #[serde(rename = "updateDraftIfNeeded")]
    _update_draft_if_needed: Option<bool>,
}

/// `PUT /workflowscheme/{id}/issuetype/{issueType}`: maps the type (the
/// path's) to the body's workflow.
async fn set_issue_type(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssueTypePath>,
    JiraJson(input): JiraJson<IssueTypeInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &path.id)?;
    let issue_type = checked_issue_type(&path.issue_type)?;
    editable(&world, index)?;
    let Some(name) = input.workflow else {
        return Err(JiraError::field(
            "workflow",
            "The workflow name must be provided.",
        ));
    };
    let workflow = checked_workflow(&world, &name)?;
    let scheme = &mut world.workflows.schemes.schemes[index];
    scheme.mappings.insert(issue_type, workflow);
    Ok(Json(scheme_json(&caller.links, scheme)))
}

/// `DELETE /workflowscheme/{id}/issuetype/{issueType}`: the type follows the
/// scheme's default again.
async fn delete_issue_type(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssueTypePath>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &path.id)?;
    let issue_type = checked_issue_type(&path.issue_type)?;
    editable(&world, index)?;
    let scheme = &mut world.workflows.schemes.schemes[index];
    scheme.mappings.remove(&issue_type);
    Ok(Json(scheme_json(&caller.links, scheme)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkflowQuery {
    workflow_name: Option<String>,
}

/// An `IssueTypesWorkflowMapping`: the types the scheme maps to `workflow`
/// and whether it is the scheme's default.
fn workflow_mapping(scheme: &WorkflowSchemeRecord, workflow: &str) -> Value {
    let issue_types: Vec<&str> = scheme
        .mappings
        .iter()
        .filter(|(_, w)| *w == workflow)
        .map(|(t, _)| t.as_str())
        .collect();
    json!({
        "workflow": workflow,
        "issueTypes": issue_types,
        "defaultMapping": scheme.default_workflow == workflow,
    })
}

/// `GET /workflowscheme/{id}/workflow`: the named workflow's mapping, or
/// every workflow's (default first) without `workflowName`; a workflow the
/// scheme does not name is the spec's `404`.
async fn read_workflow(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JiraQuery(query): JiraQuery<WorkflowQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    let scheme = &world.workflows.schemes.schemes[index];
    if let Some(name) = query.workflow_name {
        if !scheme.names(&name) {
            return Err(JiraError::not_found(format!(
                "The workflow '{name}' is not used by the workflow scheme."
            )));
        }
        return Ok(Json(workflow_mapping(scheme, &name)));
    }
    let mut names = vec![scheme.default_workflow.as_str()];
    for workflow in scheme.mappings.values() {
        if !names.contains(&workflow.as_str()) {
            names.push(workflow);
        }
    }
    let all = names.iter().map(|w| workflow_mapping(scheme, w)).collect();
    Ok(Json(Value::Array(all)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkflowMappingInput {
    issue_types: Option<Vec<String>>,
    default_mapping: Option<bool>,
    #[serde(rename = "workflow")]
    _workflow: Option<String>,
    #[serde(rename = "updateDraftIfNeeded")]
    _update_draft_if_needed: Option<bool>,
}

/// The `workflowName` a mapping route needs.
fn workflow_name(query: WorkflowQuery) -> Result<String, JiraError> {
    query
        .workflow_name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| JiraError::field("workflowName", "The workflow name must be provided."))
}

/// `PUT /workflowscheme/{id}/workflow?workflowName=`: the body's issue types
/// now follow the workflow, and it becomes the default if `defaultMapping`.
async fn update_workflow(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JiraQuery(query): JiraQuery<WorkflowQuery>,
    JiraJson(input): JiraJson<WorkflowMappingInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    let workflow = checked_workflow(&world, &workflow_name(query)?)?;
    let issue_types = input
        .issue_types
        .unwrap_or_default()
        .iter()
        .map(|t| checked_issue_type(t))
        .collect::<Result<Vec<_>, _>>()?;
    editable(&world, index)?;
    let scheme = &mut world.workflows.schemes.schemes[index];
    for issue_type in issue_types {
        scheme.mappings.insert(issue_type, workflow.clone());
    }
    if input.default_mapping == Some(true) {
        scheme.default_workflow = workflow;
    }
    Ok(Json(scheme_json(&caller.links, scheme)))
}

/// `DELETE /workflowscheme/{id}/workflow?workflowName=`: the issue types
/// mapped to the workflow follow the default again. The scheme's default
/// workflow itself is changed only through `…/default`, as in Jira.
async fn delete_workflow(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
    JiraQuery(query): JiraQuery<WorkflowQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, SCHEMES)?;
    let index = scheme_index(&world, &id)?;
    let name = workflow_name(query)?;
    editable(&world, index)?;
    let scheme = &mut world.workflows.schemes.schemes[index];
    scheme.mappings.retain(|_, w| *w != name);
    Ok(StatusCode::OK)
}

/// `GET /workflowscheme/project?projectId=…`: each scheme with the asked
/// projects that use it. Unknown ids are ignored, as the spec says; the
/// default scheme is given without an id.
async fn associations(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut asked: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes()) {
        if key == "projectId" {
            for id in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                if id.parse::<u64>().is_err() {
                    return Err(JiraError::field(
                        "projectId",
                        format!("The project ID '{id}' is not a number."),
                    ));
                }
                if asked.len() >= MAX_PROJECT_IDS {
                    return Err(JiraError::field(
                        "projectId",
                        format!("At most {MAX_PROJECT_IDS} project IDs can be provided."),
                    ));
                }
                asked.push(id.to_owned());
            }
        }
    }
    let world = shared.world();
    administer(&world, &caller, ASSOCIATIONS)?;
    if asked.is_empty() {
        return Err(JiraError::field(
            "projectId",
            "The ID of a project has to be provided.",
        ));
    }
    // Scheme id (None: the default) → the asked projects using it, in the
    // order the schemes were made.
    let mut by_scheme: Vec<(Option<u64>, Vec<String>)> = Vec::new();
    for project in asked
        .iter()
        .filter_map(|id| world.projects.iter().find(|p| &p.id == id))
    {
        let scheme = world.workflows.schemes.assigned_to(&project.id);
        match by_scheme.iter_mut().find(|(s, _)| *s == scheme) {
            Some((_, ids)) if !ids.contains(&project.id) => ids.push(project.id.clone()),
            Some(_) => {}
            None => by_scheme.push((scheme, vec![project.id.clone()])),
        }
    }
    let values: Vec<Value> = by_scheme
        .into_iter()
        .map(|(scheme, project_ids)| {
            let record = match scheme.and_then(|id| world.workflows.schemes.index_of(id)) {
                Some(index) => &world.workflows.schemes.schemes[index],
                None => world.workflows.schemes.default_scheme(),
            };
            json!({
                "projectIds": project_ids,
                "workflowScheme": scheme_json(&caller.links, record),
            })
        })
        .collect();
    Ok(Json(json!({ "values": values })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignInput {
    project_id: Option<Value>,
    workflow_scheme_id: Option<Value>,
}

/// An id given as the spec's string or, as clients often send it, a number;
/// anything else is none.
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// `PUT /workflowscheme/project`: `204`; the project's issues then follow the
/// scheme's workflows. A `null` scheme id assigns the default scheme. Refused
/// when an issue of the project is in a status the workflow its type would
/// follow lacks (see the module documentation).
async fn assign(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<AssignInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller, ASSOCIATIONS)?;
    let Some(project_id) = id_text(input.project_id.as_ref()).filter(|p| !p.is_empty()) else {
        return Err(JiraError::field(
            "projectId",
            "The ID of a project has to be provided.",
        ));
    };
    let Some(project) = world.projects.iter().find(|p| p.id == project_id) else {
        return Err(JiraError::not_found("The project was not found."));
    };
    // `null` (or no id) is the default scheme, as the spec says.
    let scheme_index = match input.workflow_scheme_id.as_ref().filter(|v| !v.is_null()) {
        None => None,
        Some(id) => Some(scheme_index(
            &world,
            &id_text(Some(id)).unwrap_or_default(),
        )?),
    };
    let scheme = scheme_index.map_or_else(
        || world.workflows.schemes.default_scheme(),
        |index| &world.workflows.schemes.schemes[index],
    );
    // Every issue's status must be one the workflow its type will follow has.
    let site = &world.workflows;
    let stranded = world
        .issues
        .iter()
        .filter(|issue| issue.project_key == project.key)
        .find(|issue| {
            let next = site.under_scheme(scheme, issue.issue_type.id);
            !next.is_some_and(|w| w.statuses.iter().any(|id| issue.status.id == id.as_str()))
        });
    if let Some(issue) = stranded {
        return Err(JiraError::bad_request(format!(
            "The workflow scheme cannot be assigned to project '{}' without migrating its \
             issues: {} is in status '{}', which the workflow its issue type would follow \
             lacks. Jira assigns a scheme through the API only when no issue needs a new \
             status.",
            project.key, issue.key, issue.status.name
        )));
    }
    let (project_id, scheme_id) = (project.id.clone(), scheme.id);
    world.workflows.schemes.assign(&project_id, scheme_id);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scheme_is_rendered_without_an_id() {
        let schemes = crate::world::workflow_scheme::WorkflowSchemes::new("W");
        let value = scheme_json("http://x", schemes.default_scheme());
        assert!(value.get("id").is_none());
        assert_eq!(value["defaultWorkflow"], "W");
        assert_eq!(value["issueTypeMappings"], json!({}));
    }
}
