//! Custom field contexts (`world/field_context.rs`): `GET`/`POST
//! /field/{fieldId}/context` (getContextsForField, createCustomFieldContext),
//! `PUT`/`DELETE /field/{fieldId}/context/{contextId}` (update and delete),
//! and the projects and issue types a context applies to (`PUT …/project`,
//! `POST …/project/remove`, `PUT …/issuetype`, `POST …/issuetype/remove`).
//! The reads of which context applies where are `field_context_mapping.rs`.
//!
//! Every route needs *Administer Jira* (`managed_field`). Each change is
//! checked whole before anything is written, so a refused request changes
//! nothing, as on Jira: a project is in at most one context of a field, a
//! field has at most one global context (one without projects).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::custom_field::{ContextPath, FieldPath, managed_context, managed_field};
use super::page::{PageParams, page_bean};
use crate::access::Caller;
use crate::extract::{JiraJson, query_number};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::app_field_configuration::AppConfiguration;
use crate::world::custom_field::CustomFieldRecord;
use crate::world::field_context::{
    self, ContextRecord, MAX_CONTEXT_ISSUE_TYPES, MAX_CONTEXT_PROJECTS, MAX_CONTEXT_TEXT_CHARS,
    MAX_CONTEXTS,
};
use crate::world::workflow::issue_type_by_id;

/// getContextsForField's default page; the simulator's cap too.
const PAGE: usize = 50;

/// A `CustomFieldContext`.
fn context_json(context: &ContextRecord) -> Value {
    json!({
        "id": context.id,
        "name": context.name,
        "description": context.description,
        "isGlobalContext": context.is_global(),
        "isAnyIssueType": context.is_any_issue_type(),
    })
}

/// The query of a context read: its page, the `contextId`s it is limited to
/// (none: every context), and any other key, handed to `other` (which answers
/// whether it took it; keys nobody takes are ignored, as Jira ignores them).
pub(crate) fn context_query(
    raw: Option<String>,
    mut other: impl FnMut(&str, &str),
) -> Result<(PageParams, BTreeSet<String>), JiraError> {
    let mut page = PageParams::default();
    let mut ids = BTreeSet::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if page.read(&key, &value)? {
            continue;
        }
        if key == "contextId" {
            // An int64 in the spec: `010001` names context 10001.
            let id: i64 = query_number("contextId", value.trim())?;
            ids.insert(id.to_string());
        } else {
            other(&key, &value);
        }
    }
    Ok((page, ids))
}

/// A boolean query parameter as Jira's REST layer reads one: `true` in any
/// case is true, anything else false.
fn query_flag(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// `GET /field/{fieldId}/context`: the field's contexts, filtered by
/// `contextId`, `isAnyIssueType` and `isGlobalContext`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut any_issue_type = None;
    let mut global = None;
    let (page, ids) = context_query(raw, |key, value| match key {
        "isAnyIssueType" => any_issue_type = Some(query_flag(value)),
        "isGlobalContext" => global = Some(query_flag(value)),
        _ => {}
    })?;
    let world = shared.world();
    let field = &world.custom_fields[managed_field(&world, &caller, &path.field_id)?];
    let found: Vec<&ContextRecord> = field
        .contexts
        .iter()
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
        .filter(|c| any_issue_type.is_none_or(|any| c.is_any_issue_type() == any))
        .filter(|c| global.is_none_or(|g| c.is_global() == g))
        .collect();
    let window = page.window(PAGE, PAGE);
    let values = window.of(&found).map(|c| context_json(c)).collect();
    let base = format!(
        "{}/rest/api/3/field/{}/context",
        caller.links, path.field_id
    );
    Ok(Json(page_bean(&base, window, found.len(), values)))
}

/// `CreateCustomFieldContext` as a request: `id` is the answer's, read and
/// ignored as Jira ignores a read-only property.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewContext {
    #[serde(default, rename = "id")]
    _id: Option<Value>,
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    project_ids: Vec<String>,
    #[serde(default)]
    issue_type_ids: Vec<String>,
}

/// A context's name: not blank, at most [`MAX_CONTEXT_TEXT_CHARS`], unique
/// among the field's contexts (but `except`, the one being renamed).
fn check_name(
    field: &CustomFieldRecord,
    name: Option<&str>,
    except: Option<&str>,
) -> Result<String, JiraError> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| JiraError::field("name", "The context name must be provided."))?;
    if name.chars().count() > MAX_CONTEXT_TEXT_CHARS {
        return Err(JiraError::field(
            "name",
            format!("The context name must not exceed {MAX_CONTEXT_TEXT_CHARS} characters."),
        ));
    }
    if field
        .contexts
        .iter()
        .any(|c| Some(c.id.as_str()) != except && c.name.eq_ignore_ascii_case(name))
    {
        return Err(JiraError::field(
            "name",
            format!("A context named '{name}' already exists for the custom field."),
        ));
    }
    Ok(name.to_owned())
}

/// A context's description: at most [`MAX_CONTEXT_TEXT_CHARS`].
fn check_description(description: Option<&str>) -> Result<Option<String>, JiraError> {
    match description {
        Some(d) if d.chars().count() > MAX_CONTEXT_TEXT_CHARS => Err(JiraError::field(
            "description",
            format!("The context description must not exceed {MAX_CONTEXT_TEXT_CHARS} characters."),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// `ids` with no id twice and at most `max` of them (`what` is the body's
/// property, `projectIds` or `issueTypeIds`), as a set.
fn distinct<'a>(ids: &'a [String], what: &str, max: usize) -> Result<BTreeSet<&'a str>, JiraError> {
    if ids.len() > max {
        return Err(JiraError::bad_request(format!(
            "The {what} must hold at most {max} IDs in the simulator."
        )));
    }
    let set: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    if set.len() < ids.len() {
        return Err(JiraError::bad_request(format!(
            "The {what} must not contain duplicates."
        )));
    }
    Ok(set)
}

/// The ids in Jira's lists of them: `10001, 10005`.
fn listed<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    ids.into_iter().collect::<Vec<_>>().join(", ")
}

/// Projects a request names: distinct, each a project of the site.
fn known_projects<'a>(world: &World, ids: &'a [String]) -> Result<BTreeSet<&'a str>, JiraError> {
    let ids = distinct(ids, "projectIds", MAX_CONTEXT_PROJECTS)?;
    projects_exist(world, &ids)?;
    Ok(ids)
}

/// Refuses projects that are not the site's: Jira's 404 naming them.
pub(crate) fn projects_exist(world: &World, ids: &BTreeSet<&str>) -> Result<(), JiraError> {
    let site: BTreeSet<&str> = world.projects.iter().map(|p| p.id.as_str()).collect();
    let missing: Vec<&str> = ids.difference(&site).copied().collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(JiraError::not_found(format!(
        "These projects were not found: {}.",
        listed(missing)
    )))
}

/// Issue types a request names: distinct, each an issue type of the site.
fn known_issue_types(ids: &[String]) -> Result<BTreeSet<&str>, JiraError> {
    let ids = distinct(ids, "issueTypeIds", MAX_CONTEXT_ISSUE_TYPES)?;
    issue_types_exist(&ids)?;
    Ok(ids)
}

/// Refuses issue types that are not the site's: Jira's 404 naming them.
pub(crate) fn issue_types_exist(ids: &BTreeSet<&str>) -> Result<(), JiraError> {
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| issue_type_by_id(id).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(JiraError::not_found(format!(
        "These issue types were not found: {}",
        listed(missing)
    )))
}

/// Refuses projects already in a context of the field: a project is in at
/// most one, so Jira refuses the whole request.
fn unassigned(field: &CustomFieldRecord, projects: &BTreeSet<&str>) -> Result<(), JiraError> {
    let taken: Vec<&str> = projects
        .iter()
        .copied()
        .filter(|p| field_context::of_project(&field.contexts, p).is_some())
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(JiraError::bad_request(format!(
        "These projects are already associated with a context of the custom field: {}.",
        listed(taken)
    )))
}

/// Jira's refusal of a second global context for a field.
fn second_global() -> JiraError {
    JiraError::bad_request("The custom field already has a global context.")
}

/// `POST /field/{fieldId}/context`: `201` and the `CreateCustomFieldContext`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    JiraJson(input): JiraJson<NewContext>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = managed_field(&world, &caller, &path.field_id)?;
    let field = &world.custom_fields[index];
    let name = check_name(field, input.name.as_deref(), None)?;
    let description = check_description(input.description.as_deref())?;
    let projects = known_projects(&world, &input.project_ids)?;
    unassigned(field, &projects)?;
    known_issue_types(&input.issue_type_ids)?;
    if projects.is_empty() && field.contexts.iter().any(ContextRecord::is_global) {
        return Err(second_global());
    }
    if field.contexts.len() >= MAX_CONTEXTS {
        return Err(JiraError::bad_request(format!(
            "A custom field holds at most {MAX_CONTEXTS} contexts in the simulator."
        )));
    }
    // In the order given, as Jira answers them.
    let project_ids = input.project_ids.clone();
    let issue_type_ids = input.issue_type_ids.clone();
    let context = ContextRecord {
        id: world.take_option_id(),
        name,
        description: description.unwrap_or_default(),
        project_ids,
        issue_type_ids,
        options: Vec::new(),
        default_value: None,
        app_configuration: AppConfiguration::default(),
    };
    let body = json!({
        "id": context.id,
        "name": context.name,
        "description": context.description,
        "projectIds": context.project_ids,
        "issueTypeIds": context.issue_type_ids,
    });
    world.custom_fields[index].contexts.push(context);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `CustomFieldContextUpdateDetails`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContextUpdate {
    name: Option<String>,
    description: Option<String>,
}

/// `PUT /field/{fieldId}/context/{contextId}`: renames or redescribes it.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<ContextUpdate>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (field, context) = managed_context(&world, &caller, &path.field_id, &path.context_id)?;
    let record = &world.custom_fields[field];
    let name = match &input.name {
        Some(name) => Some(check_name(record, Some(name), Some(&path.context_id))?),
        None => None,
    };
    let description = check_description(input.description.as_deref())?;
    let context = &mut world.custom_fields[field].contexts[context];
    if let Some(name) = name {
        context.name = name;
    }
    if let Some(description) = description {
        context.description = description;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /field/{fieldId}/context/{contextId}`: the context goes with its
/// options, and those options leave every issue's value, as when an option is
/// deleted.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (field, context) = managed_context(&world, &caller, &path.field_id, &path.context_id)?;
    let removed = world.custom_fields[field].contexts.remove(context);
    let number = world.custom_fields[field].number;
    let options: BTreeSet<&str> = removed.options.iter().map(|o| o.id.as_str()).collect();
    world.clear_option_values(number, &options);
    Ok(StatusCode::NO_CONTENT)
}

/// `ProjectIds`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ProjectIds {
    project_ids: Vec<String>,
}

/// `IssueTypeIds`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct IssueTypeIds {
    issue_type_ids: Vec<String>,
}

/// A context's ids (projects or issue types) as a set, to check a request's
/// against without a search per id.
fn id_set(ids: &[String]) -> BTreeSet<&str> {
    ids.iter().map(String::as_str).collect()
}

/// Refuses `asked` ids (`what`: projects or issue types) the context does not
/// have (`own`), naming them as Jira does.
fn associated(what: &str, asked: &BTreeSet<&str>, own: &BTreeSet<&str>) -> Result<(), JiraError> {
    let foreign: Vec<&str> = asked.difference(own).copied().collect();
    if foreign.is_empty() {
        return Ok(());
    }
    Err(JiraError::bad_request(format!(
        "These {what} are not associated with the context: {}.",
        listed(foreign)
    )))
}

/// Jira's refusal of an empty list of ids (`what`) to add or remove.
fn none_given(what: &str) -> JiraError {
    JiraError::bad_request(format!("The {what} must not be empty."))
}

/// `PUT /field/{fieldId}/context/{contextId}/project`: the context applies to
/// the projects too (a global one stops being global). Refused whole if any
/// project is in a context of the field already.
pub(crate) async fn assign_projects(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<ProjectIds>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (field, context) = managed_context(&world, &caller, &path.field_id, &path.context_id)?;
    if input.project_ids.is_empty() {
        return Err(none_given("projectIds"));
    }
    let projects = known_projects(&world, &input.project_ids)?;
    let record = &world.custom_fields[field];
    unassigned(record, &projects)?;
    if record.contexts[context].project_ids.len() + projects.len() > MAX_CONTEXT_PROJECTS {
        return Err(JiraError::bad_request(format!(
            "A context applies to at most {MAX_CONTEXT_PROJECTS} projects in the simulator."
        )));
    }
    world.custom_fields[field].contexts[context]
        .project_ids
        .extend(input.project_ids);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /field/{fieldId}/context/{contextId}/project/remove`: the context no
/// longer applies to the projects; without any it is global, which is refused
/// when the field has a global context already.
pub(crate) async fn remove_projects(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<ProjectIds>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (field, context) = managed_context(&world, &caller, &path.field_id, &path.context_id)?;
    if input.project_ids.is_empty() {
        return Err(none_given("projectIds"));
    }
    let projects = known_projects(&world, &input.project_ids)?;
    let record = &world.custom_fields[field];
    let own = id_set(&record.contexts[context].project_ids);
    associated("projects", &projects, &own)?;
    let emptied = own.len() == projects.len();
    if emptied && record.contexts.iter().any(ContextRecord::is_global) {
        return Err(second_global());
    }
    world.custom_fields[field].contexts[context]
        .project_ids
        .retain(|p| !projects.contains(p.as_str()));
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /field/{fieldId}/context/{contextId}/issuetype`: the context applies
/// to the issue types too (one for any issue type then applies to these only).
/// Refused whole if the context names any of them already.
pub(crate) async fn add_issue_types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<IssueTypeIds>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (field, context) = managed_context(&world, &caller, &path.field_id, &path.context_id)?;
    if input.issue_type_ids.is_empty() {
        return Err(none_given("issueTypeIds"));
    }
    let issue_types = known_issue_types(&input.issue_type_ids)?;
    let own = id_set(&world.custom_fields[field].contexts[context].issue_type_ids);
    let present: Vec<&str> = issue_types.intersection(&own).copied().collect();
    if !present.is_empty() {
        return Err(JiraError::bad_request(format!(
            "These issue types are already associated with the context: {}.",
            listed(present)
        )));
    }
    if own.len() + issue_types.len() > MAX_CONTEXT_ISSUE_TYPES {
        return Err(JiraError::bad_request(format!(
            "A context applies to at most {MAX_CONTEXT_ISSUE_TYPES} issue types in the simulator."
        )));
    }
    world.custom_fields[field].contexts[context]
        .issue_type_ids
        .extend(input.issue_type_ids);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /field/{fieldId}/context/{contextId}/issuetype/remove`: the context
/// no longer applies to the issue types; without any it applies to every one.
pub(crate) async fn remove_issue_types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<IssueTypeIds>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (field, context) = managed_context(&world, &caller, &path.field_id, &path.context_id)?;
    if input.issue_type_ids.is_empty() {
        return Err(none_given("issueTypeIds"));
    }
    let issue_types = known_issue_types(&input.issue_type_ids)?;
    let own = id_set(&world.custom_fields[field].contexts[context].issue_type_ids);
    associated("issue types", &issue_types, &own)?;
    world.custom_fields[field].contexts[context]
        .issue_type_ids
        .retain(|t| !issue_types.contains(t.as_str()));
    Ok(StatusCode::NO_CONTENT)
}
