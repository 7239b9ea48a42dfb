//! `POST /rest/api/3/permissions/project` (`getPermittedProjects`): the projects
//! in which the caller holds every one of the named project permissions, as
//! `{"projects": [{"id", "key"}]}` in the site's project order.
//!
//! Permission keys are `mypermissions`' (`my_permissions.rs`), so the answer is
//! what the other routes enforce. The body's `permissions` is required (400
//! without it, or when it is not a list of strings), as is at least one key:
//! the simulator answers an empty list with 400 rather than guess whether it
//! means "every project" or "none". A key Jira does not have, or a global one
//! (`ADMINISTER`: not a *project* permission), is the spec's 400 ("a project
//! permission is not found"); a real project key the simulator does not model
//! is its 501, naming the key, rather than a made-up list.
//!
//! Not modelled: anonymous calls (every simulator route needs a credential).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::my_permissions::{self, Known, Lookup};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// This route, as the simulator's 501 names it.
const OPERATION: &str = "POST /rest/api/3/permissions/project (getPermittedProjects)";

/// The keys the body names: each a project permission the simulator models,
/// once; or those it does not model (for the 501).
enum Asked {
    Known(Vec<&'static Known>),
    NotModelled(Vec<String>),
}

fn asked(body: &Map<String, Value>) -> Result<Asked, JiraError> {
    let list = match body.get("permissions") {
        None | Some(Value::Null) => {
            return Err(JiraError::bad_request(
                "The permissions field is required: a list of project permission keys.",
            ));
        }
        Some(Value::Array(list)) => list,
        Some(_) => return Err(JiraError::invalid_payload()),
    };
    if list.is_empty() {
        return Err(JiraError::bad_request(
            "Name at least one project permission key in permissions.",
        ));
    }
    let mut known: Vec<&'static Known> = Vec::new();
    let mut unmodelled: Vec<String> = Vec::new();
    for entry in list {
        let Value::String(key) = entry else {
            return Err(JiraError::invalid_payload());
        };
        match my_permissions::lookup(key) {
            Lookup::Known(found) if !found.is_global() => {
                // The modelled keys are a short table, so this search is short.
                if !known.iter().any(|k| k.key() == found.key()) {
                    known.push(found);
                }
            }
            Lookup::NotModelled => {
                if !unmodelled.contains(key) {
                    unmodelled.push(key.clone());
                }
            }
            Lookup::Known(_) | Lookup::Unknown => {
                return Err(JiraError::bad_request(format!(
                    "Project permission not found: {key}"
                )));
            }
        }
    }
    if unmodelled.is_empty() {
        Ok(Asked::Known(known))
    } else {
        Ok(Asked::NotModelled(unmodelled))
    }
}

/// `getPermittedProjects`: the spec's `PermittedProjects`.
pub(crate) async fn permitted(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Response, JiraError> {
    let known = match asked(&body)? {
        Asked::Known(known) => known,
        Asked::NotModelled(keys) => {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            return Ok(my_permissions::not_modelled(OPERATION, &keys));
        }
    };
    let world = shared.world();
    let projects: Vec<Value> = world
        .projects
        .iter()
        .filter(|p| {
            known
                .iter()
                .all(|k| k.held_in(&world, &caller.account_id, p))
        })
        .filter_map(|p| {
            // Project ids are numbers (the seed and project creation check
            // them); the spec's `id` is an integer.
            let id: u64 = p.id.parse().ok()?;
            Some(json!({ "id": id, "key": p.key }))
        })
        .collect();
    Ok(Json(json!({ "projects": projects })).into_response())
}
