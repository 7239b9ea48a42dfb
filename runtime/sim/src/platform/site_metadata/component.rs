//! A project's components (`/rest/api/3/project/{projectIdOrKey}/components` and
//! its paged form `.../component`), for whoever may browse the project, each
//! the `ProjectComponent` `/component/{id}` answers (`platform/component.rs`);
//! and the components of several projects (`GET /rest/api/3/component`).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::component::shape;
use super::super::order_direction;
use super::super::page::{Window, page_bean, with_query};
use super::super::project::browsable_project;
use crate::access::Caller;
use crate::extract::{JiraQuery, query_count};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::{ComponentRecord, ProjectRecord, World};

#[derive(Deserialize)]
pub(crate) struct ProjectPath {
    project_id_or_key: String,
}

/// The project's components by name, as Jira lists them.
fn by_name(project: &ProjectRecord) -> Vec<&ComponentRecord> {
    let mut all: Vec<&ComponentRecord> = project.components.iter().collect();
    all.sort_by_cached_key(|c| c.name.to_lowercase());
    all
}

/// Where components come from (`componentSource`): the project's Jira components
/// unless `compass` is asked for. No simulated project is connected to Compass,
/// so `compass` finds none and `auto` falls back to Jira's, as on such a site.
fn from_compass(source: Option<&str>) -> bool {
    source.is_some_and(|s| s.eq_ignore_ascii_case("compass"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    component_source: Option<String>,
}

/// `getProjectComponents`: every component of the project, unpaged.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    JiraQuery(query): JiraQuery<ListQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    let components: Vec<Value> = by_name(project)
        .into_iter()
        .filter(|_| !from_compass(query.component_source.as_deref()))
        .map(|c| shape(&caller.links, &world, project, c))
        .collect();
    Ok(Json(Value::Array(components)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    order_by: Option<String>,
    query: Option<String>,
    component_source: Option<String>,
}

/// Whether the component's name or description contains `needle` (lowercased),
/// without regard to case: the `query` of both paged lists. No needle keeps all.
fn contains(component: &ComponentRecord, needle: Option<&str>) -> bool {
    needle.is_none_or(|n| {
        component.name.to_lowercase().contains(n)
            || component
                .description
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains(n))
    })
}

/// `getProjectComponentsPaginated`'s default page; its cap is the project
/// search's, as the spec names none.
const PAGE: usize = 50;
const CAP: usize = 100;

/// How many of the project's issues have the component: the lists' `issueCount`
/// and `getComponentRelatedIssues`' count.
pub(crate) fn issue_count(
    world: &World,
    project: &ProjectRecord,
    component: &ComponentRecord,
) -> usize {
    world
        .issues
        .iter()
        .filter(|i| i.project_key == project.key && i.components.contains(&component.name))
        .count()
}

/// `getProjectComponentsPaginated`: a `PageBeanComponentWithIssueCount`, each
/// component with the number of the project's issues that have it. `query` keeps
/// components whose name or description contains it, without regard to case;
/// `orderBy` sorts by `name`, `description` (none first), `issueCount` or
/// `lead` (the lead's display name, none first), `+` or none ascending, `-`
/// descending; values the spec does not list leave the order by name. Jira's
/// `componentBean` (the same component again) is not sent: the spec's
/// `ComponentWithIssueCount` admits no such property.
pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    let needle = query.query.as_deref().map(str::to_lowercase);
    let mut found: Vec<(&ComponentRecord, usize)> = by_name(project)
        .into_iter()
        .filter(|_| !from_compass(query.component_source.as_deref()))
        .filter(|c| contains(c, needle.as_deref()))
        .map(|c| (c, issue_count(&world, project, c)))
        .collect();
    let (field, descending) = order_direction::split(query.order_by.as_deref().unwrap_or_default());
    let lead_name = |c: &ComponentRecord| {
        c.lead
            .as_deref()
            .and_then(|id| world.user(id))
            .map(|u| u.display_name.to_lowercase())
    };
    let compare = |a: &(&ComponentRecord, usize), b: &(&ComponentRecord, usize)| match field {
        "issueCount" => a.1.cmp(&b.1),
        "name" => a.0.name.to_lowercase().cmp(&b.0.name.to_lowercase()),
        "description" => {
            let text = |c: &ComponentRecord| c.description.as_deref().map(str::to_lowercase);
            text(a.0).cmp(&text(b.0))
        }
        "lead" => lead_name(a.0).cmp(&lead_name(b.0)),
        _ => Ordering::Equal,
    };
    // Stable: ties keep the order by name.
    found.sort_by(|a, b| {
        let ordering = compare(a, b);
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let values = window
        .of(&found)
        .map(|&(c, count)| {
            let mut value = shape(&caller.links, &world, project, c);
            value["issueCount"] = json!(count);
            value
        })
        .collect();
    let base = format!(
        "{}/rest/api/3/project/{}/component",
        caller.links, project.key
    );
    Ok(Json(page_bean(&base, window, found.len(), values)))
}

/// `findComponentsForProjects`: a `PageBean2ComponentJsonBean` of the
/// components of the projects `projectIdsOrKeys` names (repeated or
/// comma-separated), each one the caller must be able to browse (else the
/// spec's `404` naming it). With none named, the spec being silent, the
/// simulator lists the components of every project the caller may browse.
/// `query` as the project's paged list reads it; `orderBy` `name` or
/// `description` (none first), `+` or none ascending, `-` descending; by name
/// otherwise. Each value is the spec's `ComponentJsonBean` as its example
/// shows it: `id`, `name`, `description` when there is one, `self`. No project
/// of the simulator is connected to Compass, so no global component is listed.
pub(crate) async fn across_projects(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut named = Vec::new();
    let (mut start_at, mut max_results) = (None, None);
    let (mut order_by, mut needle) = (String::new(), None);
    // The parameters that say which list this is, for the page's links.
    let mut kept: Vec<(String, String)> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if matches!(key.as_ref(), "projectIdsOrKeys" | "orderBy" | "query") {
            kept.push((key.to_string(), value.to_string()));
        }
        match key.as_ref() {
            "projectIdsOrKeys" => named.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            ),
            "startAt" => start_at = Some(query_count("startAt", &value)?),
            "maxResults" => max_results = Some(query_count("maxResults", &value)?),
            "orderBy" => order_by = value.into_owned(),
            "query" => needle = Some(value.to_lowercase()),
            _ => {}
        }
    }
    let world = shared.world();
    let mut projects: Vec<&ProjectRecord> = Vec::new();
    if named.is_empty() {
        projects.extend(
            world
                .projects
                .iter()
                .filter(|p| p.grants(&caller.account_id, crate::seed::SeedPermission::Browse)),
        );
    }
    for id_or_key in &named {
        let project = browsable_project(&world, &caller, id_or_key)?;
        if !projects.iter().any(|p| p.key == project.key) {
            projects.push(project);
        }
    }
    let mut found: Vec<&ComponentRecord> = projects
        .iter()
        .flat_map(|p| p.components.iter())
        .filter(|c| contains(c, needle.as_deref()))
        .collect();
    let (field, descending) = order_direction::split(&order_by);
    found.sort_by_cached_key(|c| c.name.to_lowercase());
    if field == "description" {
        found.sort_by_cached_key(|c| c.description.as_deref().map(str::to_lowercase));
    }
    if descending && matches!(field, "name" | "description") {
        found.reverse();
    }
    let window = Window::new(start_at, max_results, PAGE, CAP);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let values = window
        .of(&found)
        .map(|c| {
            let mut value = json!({
                "id": c.id,
                "name": c.name,
                "self": format!("{}/rest/api/3/component/{}", caller.links, c.id),
            });
            if let Some(description) = &c.description {
                value["description"] = json!(description);
            }
            value
        })
        .collect();
    let base = with_query(format!("{}/rest/api/3/component", caller.links), &kept);
    Ok(Json(page_bean(&base, window, found.len(), values)))
}
