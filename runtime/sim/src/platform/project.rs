//! Listing and reading projects the caller can browse.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::page::{Window, page_bean};
use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::workflow::{ISSUE_TYPES, STATUSES};
use crate::world::{ProjectRecord, World};

/// Jira's default and maximum page size for project search.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    query: Option<String>,
}

pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<SearchQuery>,
) -> Json<Value> {
    let world = shared.world();
    let needle = query.query.as_deref().map(str::to_lowercase);
    let visible: Vec<_> = world
        .projects
        .iter()
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .filter(|p| {
            needle.as_deref().is_none_or(|n| {
                p.key.to_lowercase().contains(n) || p.name.to_lowercase().contains(n)
            })
        })
        .collect();
    let window = Window::new(query.start_at, query.max_results, DEFAULT_PAGE, MAX_PAGE);
    let values: Vec<Value> = window
        .of(&visible)
        .map(|p| render::project_summary(&caller.links, p))
        .collect();
    let base = format!("{}/rest/api/3/project/search", caller.links);
    Json(page_bean(&base, window, visible.len(), values))
}

#[derive(Deserialize)]
pub(crate) struct ProjectPath {
    project_id_or_key: String,
}

/// `getAllProjects` (deprecated by Atlassian in favour of `project/search`, still
/// served and still what some clients call for "list projects"): every project
/// the caller may browse, as full `Project`s, unpaged.
pub(crate) async fn all(State(shared): State<Arc<Shared>>, caller: Caller) -> Json<Value> {
    let world = shared.world();
    let projects: Vec<Value> = world
        .projects
        .iter()
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .map(|p| render::project(&caller.links, &world, p))
        .collect();
    Json(Value::Array(projects))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    Ok(Json(render::project(&caller.links, &world, project)))
}

/// `getAllStatuses`: the statuses a project's issues can be in, grouped by issue
/// type. The simulator's projects share one workflow (`world::workflow`), so every
/// issue type lists every status.
pub(crate) async fn statuses(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
) -> Result<Json<Value>, JiraError> {
    // Nothing of the project but its workflow is in the answer; the lookup answers
    // 404 for a project the caller cannot browse, as Jira does.
    browsable(&shared, &caller, &path)?;
    let links = &caller.links;
    let statuses: Vec<Value> = STATUSES.iter().map(|s| render::status(links, s)).collect();
    let by_type: Vec<Value> = ISSUE_TYPES
        .iter()
        .map(|t| {
            serde_json::json!({
                "self": format!("{links}/rest/api/3/issueType/{}", t.id),
                "id": t.id,
                "name": t.name,
                "subtask": t.is_subtask(),
                "statuses": statuses,
            })
        })
        .collect();
    Ok(Json(Value::Array(by_type)))
}

/// `getCreateIssueMetaIssueTypes`: the issue types an issue of the project may be
/// created with, a page at a time (Jira's default and maximum page: 50). A
/// project the caller cannot browse answers 404, as Jira does.
pub(crate) async fn create_meta_issue_types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    JiraQuery(query): JiraQuery<super::page::PageQuery>,
) -> Result<Json<Value>, JiraError> {
    browsable(&shared, &caller, &path)?;
    let window = query.window(CREATE_META_PAGE, CREATE_META_PAGE);
    let issue_types: Vec<Value> = window
        .of(&ISSUE_TYPES)
        .map(|t| render::issue_type(&caller.links, t))
        .collect();
    Ok(Json(serde_json::json!({
        "issueTypes": issue_types,
        "maxResults": window.max,
        "startAt": window.start,
        "total": ISSUE_TYPES.len(),
    })))
}

/// Jira's default and maximum page of create metadata.
const CREATE_META_PAGE: usize = 50;

/// Refuses, with Jira's 404, a project that does not exist or that the caller
/// cannot browse: for answers that hold nothing of the project itself.
fn browsable(shared: &Shared, caller: &Caller, path: &ProjectPath) -> Result<(), JiraError> {
    browsable_project(&shared.world(), caller, &path.project_id_or_key).map(|_| ())
}

/// The project `id_or_key` names, if the caller may browse it; else Jira's 404,
/// the same whether it does not exist or is hidden.
pub(crate) fn browsable_project<'w>(
    world: &'w World,
    caller: &Caller,
    id_or_key: &str,
) -> Result<&'w ProjectRecord, JiraError> {
    world
        .project(id_or_key)
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .ok_or_else(|| {
            JiraError::not_found(format!("No project could be found with key '{id_or_key}'."))
        })
}
