//! Issue priorities (`/rest/api/3/priority`): the default priority scheme's five,
//! which every simulated project uses.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::super::page::page_bean;
use super::super::render;
use super::{IdPath, SearchQuery};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::{PRIORITIES, Priority};

/// A `Priority` as the priority routes give it: what an issue's `priority` field
/// carries (`render::priority`), plus the colour and description.
fn details(links: &str, priority: &Priority) -> Value {
    let mut value = render::priority(links, priority);
    value["statusColor"] = json!(priority.status_color);
    value["description"] = json!(priority.description);
    value
}

/// `getPriorities`: every priority, highest first.
pub(crate) async fn list(caller: Caller) -> Json<Value> {
    let all = PRIORITIES.iter().map(|p| details(&caller.links, p));
    Json(Value::Array(all.collect()))
}

/// `getPriority`.
pub(crate) async fn get(
    caller: Caller,
    Path(path): Path<IdPath>,
) -> Result<Json<Value>, JiraError> {
    PRIORITIES
        .iter()
        .find(|p| p.id == path.id)
        .map(|p| Json(details(&caller.links, p)))
        .ok_or_else(|| {
            JiraError::not_found(format!("The priority with id '{}' does not exist", path.id))
        })
}

/// `searchPriorities`: a `PageBeanPriority`, each with `isDefault`. `id` keeps the
/// priorities named; `projectId` those available in the projects named, which is
/// every priority for a project the caller may browse (all use the default
/// scheme) and none for an id that names no such project (Jira ignores invalid
/// ids, and a hidden project answers as one that does not exist);
/// `priorityName` keeps names containing it, without regard to case;
/// `onlyDefault` keeps the default. `expand=schemes` is not modelled: no
/// `schemes` are added.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SearchQuery::parse(raw.as_deref())?;
    let in_projects = query.project_ids.is_empty() || {
        let world = shared.world();
        world.projects.iter().any(|p| {
            query.project_ids.contains(&p.id)
                && p.grants(&caller.account_id, SeedPermission::Browse)
        })
    };
    let found: Vec<&Priority> = PRIORITIES
        .iter()
        .filter(|p| in_projects && query.wants_id(p.id))
        .filter(|p| !query.only_default || p.is_default())
        .filter(|p| {
            query
                .priority_name
                .as_deref()
                .is_none_or(|n| p.name.to_lowercase().contains(n))
        })
        .collect();
    let window = query.window();
    let values = window
        .of(&found)
        .map(|p| {
            let mut value = details(&caller.links, p);
            value["isDefault"] = json!(p.is_default());
            value
        })
        .collect();
    let base = format!("{}/rest/api/3/priority/search", caller.links);
    Ok(Json(page_bean(&base, window, found.len(), values)))
}
