//! A project's components (`/rest/api/3/project/{projectIdOrKey}/components` and
//! its paged form `.../component`), for whoever may browse the project.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::page::{Window, page_bean};
use super::super::project::browsable_project;
use super::super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::{ProjectRecord, World};

#[derive(Deserialize)]
pub(crate) struct ProjectPath {
    project_id_or_key: String,
}

/// A `ProjectComponent` as Jira Cloud gives one with no lead, no description and
/// the default assignee rule: `PROJECT_DEFAULT`, which names no user, so the
/// assignee type is reported not valid. `self`, `id` and `name` are the form an
/// issue's `components` and a project's carry (`render.rs`).
fn component(links: &str, project: &ProjectRecord, component: Named<'_>) -> Value {
    let mut value = render::component(links, component.id, component.name);
    value["assigneeType"] = json!("PROJECT_DEFAULT");
    value["realAssigneeType"] = json!("PROJECT_DEFAULT");
    value["isAssigneeTypeValid"] = json!(false);
    value["project"] = json!(project.key);
    // A number on the wire; seeded project ids are checked to be one.
    if let Ok(id) = project.id.parse::<u64>() {
        value["projectId"] = json!(id);
    }
    value
}

/// A component's id and name: all the world records of one.
#[derive(Clone, Copy)]
struct Named<'a> {
    id: &'a str,
    name: &'a str,
}

/// The project's components by name, as Jira lists them.
fn by_name(project: &ProjectRecord) -> Vec<Named<'_>> {
    let mut all: Vec<Named<'_>> = project
        .components
        .iter()
        .map(|c| Named {
            id: &c.id,
            name: &c.name,
        })
        .collect();
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
        .map(|c| component(&caller.links, project, c))
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

/// `getProjectComponentsPaginated`'s default page; its cap is the project
/// search's, as the spec names none.
const PAGE: usize = 50;
const CAP: usize = 100;

/// How many of the project's issues have the component.
fn issue_count(world: &World, project: &ProjectRecord, component: Named<'_>) -> usize {
    world
        .issues
        .iter()
        .filter(|i| {
            i.project_key == project.key && i.components.iter().any(|n| n == component.name)
        })
        .count()
}

/// `getProjectComponentsPaginated`: a `PageBeanComponentWithIssueCount`, each
/// component with the number of the project's issues that have it. `query` keeps
/// names containing it, without regard to case (no component has a description
/// to match); `orderBy` sorts by `name` or `issueCount`, `+` or none ascending,
/// `-` descending; `description` and `lead`, which no simulated component has,
/// and values the spec does not list leave the order by name. Jira's
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
    let mut found: Vec<(Named<'_>, usize)> = by_name(project)
        .into_iter()
        .filter(|_| !from_compass(query.component_source.as_deref()))
        .filter(|c| {
            needle
                .as_deref()
                .is_none_or(|n| c.name.to_lowercase().contains(n))
        })
        .map(|c| (c, issue_count(&world, project, c)))
        .collect();
    let order = query.order_by.as_deref().unwrap_or_default();
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.strip_prefix('+').unwrap_or(order)),
    };
    let compare: fn(&(Named<'_>, usize), &(Named<'_>, usize)) -> Ordering = match field {
        "issueCount" => |a, b| a.1.cmp(&b.1),
        "name" => |a, b| a.0.name.to_lowercase().cmp(&b.0.name.to_lowercase()),
        _ => |_, _| Ordering::Equal,
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
            let mut value = component(&caller.links, project, c);
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
