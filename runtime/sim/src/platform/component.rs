//! Project components: creating one (`POST /component`, `createComponent`),
//! reading (`GET /component/{id}`, `getComponent`), updating (`PUT
//! /component/{id}`, `updateComponent`) and deleting one (`DELETE
//! /component/{id}`, `deleteComponent`, with `moveIssuesTo`); and the
//! `ProjectComponent` every component answer carries ([`shape`]), which the
//! project's lists (`site_metadata/component.rs`) render too.
//!
//! Who may do what follows the spec: reading needs *Browse projects* on the
//! component's project, and a component or project the caller may not browse is
//! the same 404 as one that does not exist; writing needs *Administer projects*
//! (the project's lead, or a site admin: `World::administers`), a 403 for a
//! caller who may browse but not administer. A name is unique in its project
//! without regard to case, as Jira keeps it.
//!
//! Deleting a component takes it off its project's issues, or puts
//! `moveIssuesTo` in its place. Like deleting a version (`version/mod.rs`), this
//! changes the issues without a `jira:issue_updated` webhook or a changelog entry
//! of their own: Jira reports the delete as a project configuration change
//! (its `component_deleted` event), not as an edit of each issue, and the
//! simulator invents no issue event for it. Renaming a component renames it on
//! its issues, which Jira link to it by id, so nothing about them changes.
//!
//! `GET /component/{id}/relatedIssueCounts` (`getComponentRelatedIssues`) counts
//! the component's issues as the project's paged list does.
//!
//! Each write raises its webhook to the admin webhooks that list it
//! (`component_created`, `component_updated`, `component_deleted`:
//! `webhooks::admin_event`); a refused write raises nothing.
//!
//! Not modelled: Compass components (`ari`, `metadata`), archiving, and the
//! component's assignee rule when an issue is created (a new issue's assignee is
//! what the create sets, whatever its components say).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::body_fields::{optional, project_id, text};
use super::project::browsable_project;
use super::render;
use super::site_metadata::component::issue_count;
use crate::access::Caller;
use crate::change::Change;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::admin_event::AdminChange;
use crate::world::component::{
    AssigneeType, MAX_ACCOUNT_ID_CHARS, MAX_COMPONENT_DESCRIPTION_BYTES, MAX_COMPONENT_NAME_CHARS,
    MAX_COMPONENTS_PER_PROJECT,
};
use crate::world::{ComponentRecord, ProjectRecord, World};

/// The `{id}` of `/component/{id}`; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(Deserialize)]
pub(crate) struct ComponentPath {
    id: String,
}

/// Jira's words for a caller who may see the component's project but not
/// administer it.
const NOT_ADMIN: &str =
    "You must have global or project administrator rights in order to modify components.";

/// A `ProjectComponent`: its identity (`render::component`, the form an issue's
/// `components` carry), its description and lead, and its assignee rule with
/// who that rule names (`assignee`) and who issues would really get
/// (`realAssignee`). `PROJECT_DEFAULT` is reported as Jira reports a project
/// whose default is not a user of the component: not valid, naming no one.
/// `leadAccountId` is write-only, so never sent.
pub(crate) fn shape(
    links: &str,
    world: &World,
    project: &ProjectRecord,
    component: &ComponentRecord,
) -> Value {
    let mut value = render::component(links, &component.id, &component.name);
    if let Some(description) = &component.description {
        value["description"] = json!(description);
    }
    let lead = component.lead.as_deref().and_then(|id| world.user(id));
    if let Some(lead) = lead {
        value["lead"] = render::user_details(links, lead);
    }
    // The user the rule names, if it names one who may be assigned the
    // project's issues.
    let named = match component.assignee_type {
        AssigneeType::ComponentLead => lead,
        AssigneeType::ProjectLead => world.user(&project.lead),
        AssigneeType::ProjectDefault | AssigneeType::Unassigned => None,
    }
    .filter(|u| project.assignable(&u.account_id));
    let (real_type, valid) = match (component.assignee_type, named) {
        (AssigneeType::Unassigned, _) => (AssigneeType::Unassigned, true),
        (rule @ (AssigneeType::ComponentLead | AssigneeType::ProjectLead), Some(_)) => (rule, true),
        _ => (AssigneeType::ProjectDefault, false),
    };
    value["assigneeType"] = json!(component.assignee_type.name());
    value["realAssigneeType"] = json!(real_type.name());
    value["isAssigneeTypeValid"] = json!(valid);
    if let Some(user) = named {
        value["assignee"] = render::user_details(links, user);
        value["realAssignee"] = render::user_details(links, user);
    }
    value["project"] = json!(project.key);
    // A number on the wire; seeded project ids are checked to be one.
    if let Ok(id) = project.id.parse::<u64>() {
        value["projectId"] = json!(id);
    }
    value
}

/// The component `id` names, as (project, component) positions, if the caller
/// may browse its project; else the spec's 404, the same for a component that
/// does not exist (or an id that is not a number), so ids cannot be probed.
fn visible_component(
    world: &World,
    caller: &Caller,
    id: &str,
) -> Result<(usize, usize), JiraError> {
    world
        .component(id)
        .filter(|&(p, _)| world.projects[p].grants(&caller.account_id, SeedPermission::Browse))
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> JiraError {
    // The id is echoed as Jira does; bounded so a huge one is not sent back.
    let id: String = id.chars().take(MAX_COMPONENT_NAME_CHARS).collect();
    JiraError::not_found(format!("The component with id {id} does not exist."))
}

/// As [`visible_component`], for a caller who must also administer its project.
fn administrable_component(
    world: &World,
    caller: &Caller,
    id: &str,
) -> Result<(usize, usize), JiraError> {
    let at = visible_component(world, caller, id)?;
    if !world.administers(&caller.account_id, &world.projects[at.0].key) {
        return Err(JiraError::forbidden(NOT_ADMIN));
    }
    Ok(at)
}

/// The body of a create or update: the spec's `ProjectComponent`, read by hand
/// so each bad value is Jira's 400 naming it. Read-only properties a client
/// echoes back (`self`, `id`, `lead`, `realAssignee` …) are ignored, as Jira
/// ignores them; so is the retired `leadUserName`.
struct ComponentInput {
    name: Option<String>,
    description: Change<String>,
    /// `leadAccountId`: `""` removes the lead, as the spec says.
    lead: Change<String>,
    assignee_type: Option<AssigneeType>,
    /// `project` (a key) or `projectId`: only a create reads it.
    project: Option<String>,
}

impl ComponentInput {
    fn parse(body: &Map<String, Value>) -> Result<Self, JiraError> {
        let project = match (body.get("projectId"), body.get("project")) {
            (Some(id), _) if !id.is_null() => Some(project_id(id)?),
            (_, Some(key)) if !key.is_null() => Some(text(key)?.to_owned()),
            _ => None,
        };
        let assignee_type = match optional_text(body, "assigneeType")? {
            None => None,
            Some(name) => Some(AssigneeType::named(name).ok_or_else(|| {
                JiraError::field(
                    "assigneeType",
                    "The assignee type must be one of PROJECT_DEFAULT, COMPONENT_LEAD, \
                     PROJECT_LEAD or UNASSIGNED.",
                )
            })?),
        };
        Ok(Self {
            name: optional_text(body, "name")?.map(str::to_owned),
            description: match optional_text(body, "description")? {
                None => Change::Keep,
                Some("") => Change::Clear,
                Some(text) => Change::Set(text.to_owned()),
            },
            lead: match optional_text(body, "leadAccountId")? {
                None => Change::Keep,
                Some("") => Change::Clear,
                Some(id) => Change::Set(id.to_owned()),
            },
            assignee_type,
            project,
        })
    }
}

/// A string property that is absent or `null` (`None`).
fn optional_text<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, JiraError> {
    optional(body, name, text)
}

/// A name a write sets: not blank, at most Jira's 255 characters, and unique
/// in the project without regard to case (`own` is the component being
/// renamed, which may keep its name or change its case).
fn checked_name(
    project: &ProjectRecord,
    name: &str,
    own: Option<&str>,
) -> Result<String, JiraError> {
    if name.trim().is_empty() {
        return Err(JiraError::field(
            "name",
            "You must specify a valid component name.",
        ));
    }
    if name.chars().count() > MAX_COMPONENT_NAME_CHARS {
        return Err(JiraError::field(
            "name",
            format!(
                "The component name must not be longer than {MAX_COMPONENT_NAME_CHARS} characters."
            ),
        ));
    }
    if project
        .component_named_ignoring_case(name)
        .is_some_and(|other| Some(other.id.as_str()) != own)
    {
        return Err(JiraError::field(
            "name",
            format!("A component with the name {name} already exists in this project."),
        ));
    }
    Ok(name.to_owned())
}

fn checked_description(change: Change<String>) -> Result<Change<String>, JiraError> {
    if let Change::Set(text) = &change
        && text.len() > MAX_COMPONENT_DESCRIPTION_BYTES
    {
        return Err(JiraError::field(
            "description",
            format!("The description is over {MAX_COMPONENT_DESCRIPTION_BYTES} characters."),
        ));
    }
    Ok(change)
}

/// The lead a write sets: a user of the site ("the user is not found" is the
/// spec's 400).
fn checked_lead(world: &World, change: Change<String>) -> Result<Change<String>, JiraError> {
    if let Change::Set(id) = &change
        && (id.chars().count() > MAX_ACCOUNT_ID_CHARS || world.user(id).is_none())
    {
        return Err(JiraError::field(
            "leadAccountId",
            "The user specified as the component lead does not exist.",
        ));
    }
    Ok(change)
}

/// `createComponent`: 201 with the new `ProjectComponent`. The project is named
/// by `project` (a key) or `projectId`; none is a 400, one the caller may not
/// browse the spec's 404, one they may browse but not administer its 403.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let input = ComponentInput::parse(&body)?;
    let mut world = shared.world();
    let project_ref = input
        .project
        .as_deref()
        .ok_or_else(|| JiraError::field("project", "The project must be specified."))?;
    let project = browsable_project(&world, &caller, project_ref)?;
    if !world.administers(&caller.account_id, &project.key) {
        return Err(JiraError::forbidden(NOT_ADMIN));
    }
    let name = input
        .name
        .as_deref()
        .ok_or_else(|| JiraError::field("name", "You must specify a valid component name."))?;
    let name = checked_name(project, name, None)?;
    let description = checked_description(input.description)?.apply(None);
    let lead = checked_lead(&world, input.lead)?.apply(None);
    if project.components.len() >= MAX_COMPONENTS_PER_PROJECT {
        // The simulator's limit, not Jira's (see the constant); a 400 because
        // that is what the spec documents for a create it refuses.
        return Err(JiraError::bad_request(format!(
            "Kiln's Jira simulator keeps at most {MAX_COMPONENTS_PER_PROJECT} components a project."
        )));
    }
    let project_key = project.key.clone();
    let id = world.take_component_id();
    let record = ComponentRecord {
        id,
        name,
        description,
        lead,
        assignee_type: input.assignee_type.unwrap_or(AssigneeType::ProjectDefault),
    };
    // Found above under the same lock, so always there; a 404 rather than a
    // panic all the same.
    let Some(p) = world.projects.iter().position(|p| p.key == project_key) else {
        return Err(JiraError::not_found(format!(
            "No project could be found with key '{project_key}'."
        )));
    };
    let answer = shape(&caller.links, &world, &world.projects[p], &record);
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared.event_context(&world, &caller).component(
        AdminChange::Created,
        &world.projects[p],
        &record,
    );
    shared.emit(&world, raised);
    world.projects[p].components.push(record);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `getComponent`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ComponentPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let at = visible_component(&world, &caller, &path.id)?;
    Ok(Json(shape(
        &caller.links,
        &world,
        &world.projects[at.0],
        world.component_at(at),
    )))
}

/// `getComponentRelatedIssues` (`GET /component/{id}/relatedIssueCounts`): how
/// many issues have the component, as the project's paged list counts them.
pub(crate) async fn related_issue_counts(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ComponentPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let at = visible_component(&world, &caller, &path.id)?;
    let component = world.component_at(at);
    let count = issue_count(&world, &world.projects[at.0], component);
    Ok(Json(json!({
        "self": format!("{}/rest/api/3/component/{}", caller.links, component.id),
        "issueCount": count,
    })))
}

/// `updateComponent`: the `ProjectComponent` after the change. What the body
/// names is overwritten, what it leaves out is kept; `""` clears the
/// description and (as the spec says of `leadAccountId`) the lead. A component
/// stays in its project. A new name is renamed on the component's issues too.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ComponentPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    let input = ComponentInput::parse(&body)?;
    let mut world = shared.world();
    let at = administrable_component(&world, &caller, &path.id)?;
    let project = &world.projects[at.0];
    let mut component = world.component_at(at).clone();
    if let Some(name) = input.name.as_deref() {
        component.name = checked_name(project, name, Some(&component.id))?;
    }
    component.description = checked_description(input.description)?.apply(component.description);
    component.lead = checked_lead(&world, input.lead)?.apply(component.lead);
    if let Some(rule) = input.assignee_type {
        component.assignee_type = rule;
    }
    let project_key = project.key.clone();
    let old_name = std::mem::replace(
        &mut world.projects[at.0].components[at.1],
        component.clone(),
    )
    .name;
    if old_name != component.name {
        world.rename_component(&project_key, &old_name, &component.name);
    }
    let raised = shared.event_context(&world, &caller).component(
        AdminChange::Updated,
        &world.projects[at.0],
        world.component_at(at),
    );
    shared.emit(&world, raised);
    Ok(Json(shape(
        &caller.links,
        &world,
        &world.projects[at.0],
        world.component_at(at),
    )))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteQuery {
    move_issues_to: Option<String>,
}

/// `deleteComponent`: 204. The project's issues that have the component lose
/// it, or get `moveIssuesTo` (another component of the same project, by id) in
/// its place; a replacement that is not one is the spec's 404 ("the
/// replacement component is not found"), checked before anything changes. See
/// the module's comment for why no issue event is raised.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ComponentPath>,
    JiraQuery(query): JiraQuery<DeleteQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let at = administrable_component(&world, &caller, &path.id)?;
    let replacement = match query
        .move_issues_to
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(target) => Some(
            world
                .component(target)
                .filter(|&(p, c)| p == at.0 && c != at.1)
                .map(|to| world.component_at(to).name.clone())
                .ok_or_else(|| not_found(target))?,
        ),
    };
    // The component as it was: built before it goes.
    let raised = shared.event_context(&world, &caller).component(
        AdminChange::Deleted,
        &world.projects[at.0],
        world.component_at(at),
    );
    let project_key = world.projects[at.0].key.clone();
    let removed = world.projects[at.0].components.remove(at.1);
    world.swap_component(&project_key, &removed.name, replacement.as_deref());
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}
