//! Listing and reading projects the caller can browse.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;

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
    let start = query.start_at.unwrap_or(0);
    let max = query.max_results.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
    let values: Vec<Value> = visible
        .iter()
        .skip(start)
        .take(max)
        .map(|p| render::project_summary(&caller.links, p))
        .collect();
    let is_last = start.saturating_add(max) >= visible.len();
    let mut page = json!({
        "self": format!("{}/rest/api/3/project/search?startAt={start}&maxResults={max}", caller.links),
        "maxResults": max,
        "startAt": start,
        "total": visible.len(),
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        page["nextPage"] = json!(format!(
            "{}/rest/api/3/project/search?startAt={}&maxResults={max}",
            caller.links,
            start + max
        ));
    }
    Json(page)
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
    let project = world
        .project(&path.project_id_or_key)
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "No project could be found with key '{}'.",
                path.project_id_or_key
            ))
        })?;
    Ok(Json(render::project(&caller.links, &world, project)))
}
