//! The workflow statuses API apps configure workflows with: `GET
//! /rest/api/3/statuses` (`getStatusesById`), `GET /rest/api/3/statuses/byNames`
//! (`getStatusesByName`) and `GET /rest/api/3/statuses/search` (`search`), answering the spec's `JiraStatus`: an id, a name, a description, the
//! category as `TODO`, `IN_PROGRESS` or `DONE`, and a scope.
//!
//! The site's statuses are those of `world/site_workflows.rs`: its own, `GLOBAL`,
//! and those the workflows API made, `GLOBAL` or a project's (`PROJECT`); a
//! `projectId` asks for a project's own. `getStatusesById` and `search` require
//! *Administer projects* or *Administer Jira*, `getStatusesByName` either or
//! *Browse projects* (in any project: the simulated projects share their
//! statuses); a caller with none gets the spec's `401`. Not
//! modelled: the `expand` of usages (`usages`, `workflowUsages`), which is ignored.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::page::{Window, bean_of};
use crate::access::Caller;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::site_workflows::{Scope, StatusEntry};
use crate::world::workflow::STATUS_CATEGORIES;

/// `getStatusesById`'s bounds on `id`: "Min items `1`, Max items `50`".
const MAX_IDS: usize = 50;
/// `search`'s default page, and its cap (the spec gives the default only; a larger
/// page would hold every status anyway).
const PAGE: usize = 200;
/// `searchString`'s `maxLength`.
const MAX_SEARCH_CHARS: usize = 255;

/// A status as the workflow APIs answer it (`JiraStatus`; the workflows API adds a
/// `statusReference` to make it a `JiraWorkflowStatus`).
pub(crate) fn jira_status(entry: &StatusEntry) -> Value {
    let status = &entry.status;
    let mut value = json!({
        "id": status.id,
        "name": status.name,
        "description": entry.description,
        "scope": scope(&entry.scope),
    });
    if let Some(category) = status.category.workflow_name {
        value["statusCategory"] = json!(category);
    }
    value
}

/// A `WorkflowScope`, as statuses and workflows carry it.
pub(crate) fn scope(scope: &Scope) -> Value {
    match scope {
        Scope::Global => json!({ "type": "GLOBAL" }),
        Scope::Project(id) => json!({ "type": "PROJECT", "project": { "id": id } }),
    }
}

/// The spec's `401` for a caller who administers nothing.
fn require_admin(world: &World, caller: &Caller) -> Result<(), JiraError> {
    let administers_any = world.is_site_admin(&caller.account_id)
        || world
            .projects
            .iter()
            .any(|p| world.administers(&caller.account_id, &p.key));
    if administers_any {
        Ok(())
    } else {
        Err(JiraError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "You don't have permission to view statuses: it takes Administer projects or Administer Jira.",
        ))
    }
}

/// The spec's `401` for a caller who neither administers nor browses any
/// project (`getStatusesByName`'s rule).
fn require_admin_or_browser(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.browses_any_project(&caller.account_id) {
        return Ok(());
    }
    require_admin(world, caller).map_err(|_| {
        JiraError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "You don't have permission to view statuses: it takes Browse projects, Administer projects or Administer Jira.",
        )
    })
}

/// `getStatusesByName`: the statuses named by `name` (repeated: a status name
/// may hold a comma, so the list is not split on one), compared as Jira
/// compares status names, ignoring case; in the scope `projectId` names (none:
/// the global statuses); in the site's order. Names that match none are left
/// out.
pub(crate) async fn by_name(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut names: Vec<String> = Vec::new();
    let mut project = None;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "name" if !value.trim().is_empty() => {
                names.push(value.trim().to_lowercase());
                if names.len() > MAX_IDS {
                    return Err(JiraError::bad_request(format!(
                        "At most {MAX_IDS} status names can be requested at once."
                    )));
                }
            }
            "projectId" if !value.is_empty() => project = Some(value.into_owned()),
            _ => {}
        }
    }
    if names.is_empty() {
        return Err(JiraError::bad_request("Provide at least one status name."));
    }
    let world = shared.world();
    require_admin_or_browser(&world, &caller)?;
    let wanted_scope = project.map_or(Scope::Global, Scope::Project);
    let statuses: Vec<Value> = world
        .workflows
        .statuses
        .iter()
        .filter(|s| s.scope == wanted_scope)
        .filter(|s| names.contains(&s.status.name.to_lowercase()))
        .map(jira_status)
        .collect();
    Ok(Json(Value::Array(statuses)))
}

/// `getStatusesById`: the statuses named by `id` (repeated, or comma-separated),
/// in the site's order; ids that name none are left out.
pub(crate) async fn by_id(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut ids: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "id" {
            ids.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            );
            if ids.len() > MAX_IDS {
                return Err(JiraError::bad_request(format!(
                    "At most {MAX_IDS} status IDs can be requested at once."
                )));
            }
        }
    }
    if ids.is_empty() {
        return Err(JiraError::bad_request("Provide at least one status ID."));
    }
    let world = shared.world();
    require_admin(&world, &caller)?;
    let statuses: Vec<Value> = world
        .workflows
        .statuses
        .iter()
        .filter(|s| ids.iter().any(|id| *id == s.status.id))
        .map(jira_status)
        .collect();
    Ok(Json(Value::Array(statuses)))
}

/// `search`: the statuses whose name contains `searchString` (case-insensitive), in
/// `statusCategory`, in the scope `projectId` names (none: the global statuses),
/// paged.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut project = None;
    let mut text = String::new();
    let mut wanted_category = None;
    let mut start_at = None;
    let mut max_results = None;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "projectId" if !value.is_empty() => project = Some(value.into_owned()),
            "searchString" => {
                if value.chars().count() > MAX_SEARCH_CHARS {
                    return Err(JiraError::bad_request(format!(
                        "searchString must be at most {MAX_SEARCH_CHARS} characters."
                    )));
                }
                text = value.to_lowercase();
            }
            "statusCategory" if !value.is_empty() => {
                let found = STATUS_CATEGORIES
                    .iter()
                    .filter_map(|c| c.workflow_name)
                    .find(|name| value.eq_ignore_ascii_case(name));
                let Some(found) = found else {
                    return Err(JiraError::bad_request(
                        "statusCategory must be one of TODO, IN_PROGRESS and DONE.",
                    ));
                };
                wanted_category = Some(found);
            }
            "startAt" => start_at = Some(query_number("startAt", value.trim())?),
            "maxResults" => max_results = Some(query_number::<usize>("maxResults", value.trim())?),
            _ => {}
        }
    }
    let world = shared.world();
    require_admin(&world, &caller)?;
    let wanted_scope = project.map_or(Scope::Global, Scope::Project);
    let matching: Vec<Value> = world
        .workflows
        .statuses
        .iter()
        .filter(|s| s.scope == wanted_scope)
        .filter(|s| s.status.name.to_lowercase().contains(&text))
        .filter(|s| wanted_category.is_none_or(|c| s.status.category.workflow_name == Some(c)))
        .map(jira_status)
        .collect();
    let window = Window::bean(start_at, max_results, PAGE, PAGE);
    let base = format!("{}/rest/api/3/statuses/search", caller.links);
    Ok(Json(bean_of(&base, window, matching)))
}

#[cfg(test)]
mod tests {
    use crate::world::workflow::STATUSES;

    #[test]
    fn every_status_has_a_category_the_workflow_apis_name() {
        let categories: Vec<Option<&str>> =
            STATUSES.iter().map(|s| s.category.workflow_name).collect();
        assert_eq!(
            categories,
            [Some("TODO"), Some("IN_PROGRESS"), Some("DONE")]
        );
    }
}
