//! `POST /rest/api/3/permissions/check` (`getBulkPermissions`): which of the
//! named global permissions a user holds, and for each named project
//! permission, which of the named projects and issues the user holds it in.
//!
//! Permission keys are `mypermissions`' (`my_permissions.rs`), so the answer is
//! what the other routes enforce: `globalPermissions` takes a global key
//! (`ADMINISTER`, the simulator's site admins), `projectPermissions` project
//! keys. A key Jira does not have, or one of the wrong kind, is the spec's 400
//! (`errors` naming it: "Unrecognized permission"); a real key the simulator
//! does not model is its 501, naming the key, rather than a made-up answer.
//!
//! The spec's rules: `accountId` names the user to check (the caller without
//! it); checking another user needs *Administer Jira* (403 otherwise), and an
//! account no user has is a 400. Project and issue ids that name nothing are
//! ignored, as are `null` entries and empty permission keys; at most 1000
//! projects and 1000 issues may be checked. An issue counts when the user
//! holds the permission in its project. Ids come back as numbers, each once, in
//! the order asked.
//!
//! Not modelled: anonymous calls (every simulator route needs a credential)
//! and Connect apps' right to check any user without being an admin.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::my_permissions::{self, Known, Lookup};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// This route, as the simulator's 501 names it.
const OPERATION: &str = "POST /rest/api/3/permissions/check (getBulkPermissions)";

/// The spec's bound on what one request checks, each of projects and issues.
const MAX_CHECKED: usize = 1000;

/// Jira's words for a key that is not a permission of the kind asked for.
const UNRECOGNIZED: &str = "Unrecognized permission";

/// Jira's words (the spec's 403 example) for checking another user as a
/// caller who is not a Jira administrator.
const NOT_ADMIN: &str = "Only Jira administrators can perform this operation.";

/// One `projectPermissions` entry, read.
struct ProjectCheck {
    permissions: Vec<&'static Known>,
    projects: Vec<u64>,
    issues: Vec<u64>,
}

/// `getBulkPermissions`: the spec's `BulkPermissionGrants`.
pub(crate) async fn check(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Response, JiraError> {
    let account_id = match body.get("accountId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.as_str()),
        Some(_) => return Err(JiraError::invalid_payload()),
    };
    let mut unmodelled: Vec<&str> = Vec::new();
    let global = global_permissions(body.get("globalPermissions"), &mut unmodelled)?;
    let projects = project_permissions(body.get("projectPermissions"), &mut unmodelled)?;
    if !unmodelled.is_empty() {
        return Ok(my_permissions::not_modelled(OPERATION, &unmodelled));
    }

    let world = shared.world();
    let user = user_to_check(&world, &caller, account_id)?;
    let project_ids: HashSet<u64> = world
        .projects
        .iter()
        .filter_map(|p| p.id.parse().ok())
        .collect();
    let issue_ids: HashSet<u64> = world.issues.iter().map(|i| i.id).collect();
    let checked = |ids: &dyn Fn(&ProjectCheck) -> &[u64], exists: &HashSet<u64>| {
        let all: HashSet<u64> = projects
            .iter()
            .flat_map(|c| ids(c).iter().copied())
            .collect();
        all.intersection(exists).count()
    };
    let valid_projects = checked(&|c| &c.projects, &project_ids);
    let valid_issues = checked(&|c| &c.issues, &issue_ids);
    if valid_projects > MAX_CHECKED || valid_issues > MAX_CHECKED {
        return Err(JiraError::bad_request(format!(
            "A maximum of {MAX_CHECKED} projects and {MAX_CHECKED} issues can be checked."
        )));
    }

    let granted: Vec<&str> = global
        .iter()
        .filter(|k| k.held_anywhere(&world, user))
        .map(|k| k.key())
        .collect();
    // One entry per permission, in the order first asked, over every entry
    // that names it.
    let mut order: Vec<&'static Known> = Vec::new();
    let mut asked: BTreeMap<&str, (Vec<u64>, Vec<u64>)> = BTreeMap::new();
    for check in &projects {
        for known in &check.permissions {
            let (projects, issues) = asked.entry(known.key()).or_insert_with(|| {
                order.push(known);
                (Vec::new(), Vec::new())
            });
            push_new(projects, &check.projects);
            push_new(issues, &check.issues);
        }
    }
    let project_grants: Vec<Value> = order
        .iter()
        .map(|known| {
            let (projects, issues) = asked.get(known.key()).cloned().unwrap_or_default();
            let projects: Vec<u64> = projects
                .into_iter()
                .filter(|id| {
                    project_of(&world, *id).is_some_and(|p| known.held_in(&world, user, p))
                })
                .collect();
            let issues: Vec<u64> = issues
                .into_iter()
                .filter(|id| {
                    issue_ids.contains(id)
                        && world
                            .issues
                            .iter()
                            .find(|i| i.id == *id)
                            .and_then(|i| world.project(&i.project_key))
                            .is_some_and(|p| known.held_in(&world, user, p))
                })
                .collect();
            json!({ "permission": known.key(), "projects": projects, "issues": issues })
        })
        .collect();
    Ok(Json(json!({
        "globalPermissions": granted,
        "projectPermissions": project_grants,
    }))
    .into_response())
}

/// Appends each of `ids` not already in `into`.
fn push_new(into: &mut Vec<u64>, ids: &[u64]) {
    let mut seen: HashSet<u64> = into.iter().copied().collect();
    into.extend(ids.iter().copied().filter(|id| seen.insert(*id)));
}

/// The project with this numeric id.
fn project_of(world: &World, id: u64) -> Option<&crate::world::ProjectRecord> {
    world.projects.iter().find(|p| p.id == id.to_string())
}

/// The account whose permissions are checked: the caller's, or `account_id`,
/// which another caller than its user may name only as a Jira administrator.
fn user_to_check<'a>(
    world: &World,
    caller: &'a Caller,
    account_id: Option<&'a str>,
) -> Result<&'a str, JiraError> {
    let Some(account_id) = account_id.filter(|id| *id != caller.account_id) else {
        return Ok(&caller.account_id);
    };
    let admin = world.user(&caller.account_id).is_some_and(|u| u.site_admin);
    if !admin {
        return Err(JiraError::new(StatusCode::FORBIDDEN, NOT_ADMIN));
    }
    if world.user(account_id).is_none() {
        return Err(JiraError::bad_request(format!(
            "The user with account ID '{account_id}' does not exist."
        )));
    }
    Ok(account_id)
}

/// `globalPermissions`: global keys; `null` entries are ignored.
fn global_permissions<'b>(
    value: Option<&'b Value>,
    unmodelled: &mut Vec<&'b str>,
) -> Result<Vec<&'static Known>, JiraError> {
    let mut keys: Vec<&'static Known> = Vec::new();
    for key in strings(value)? {
        match my_permissions::lookup(key) {
            Lookup::Known(known) if known.is_global() => {
                if !keys.iter().any(|k| k.key() == known.key()) {
                    keys.push(known);
                }
            }
            Lookup::NotModelled => unmodelled.push(key),
            Lookup::Known(_) | Lookup::Unknown => {
                return Err(JiraError::field(key, UNRECOGNIZED));
            }
        }
    }
    Ok(keys)
}

/// `projectPermissions`: entries of project keys (at least one, empty strings
/// ignored) with project and issue ids; `null` entries are ignored.
fn project_permissions<'b>(
    value: Option<&'b Value>,
    unmodelled: &mut Vec<&'b str>,
) -> Result<Vec<ProjectCheck>, JiraError> {
    let entries = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(JiraError::invalid_payload()),
    };
    let mut checks = Vec::new();
    for entry in entries {
        let entry = match entry {
            Value::Null => continue,
            Value::Object(entry) => entry,
            _ => return Err(JiraError::invalid_payload()),
        };
        let mut permissions: Vec<&'static Known> = Vec::new();
        for key in strings(entry.get("permissions"))? {
            if key.is_empty() {
                continue;
            }
            match my_permissions::lookup(key) {
                Lookup::Known(known) if !known.is_global() => {
                    if !permissions.iter().any(|k| k.key() == known.key()) {
                        permissions.push(known);
                    }
                }
                Lookup::NotModelled => unmodelled.push(key),
                Lookup::Known(_) | Lookup::Unknown => {
                    return Err(JiraError::field(key, UNRECOGNIZED));
                }
            }
        }
        let refused_unmodelled = !unmodelled.is_empty();
        if permissions.is_empty() && !refused_unmodelled {
            return Err(JiraError::bad_request(
                "At least one project permission must be provided for each entry of projectPermissions.",
            ));
        }
        checks.push(ProjectCheck {
            permissions,
            projects: ids(entry.get("projects"))?,
            issues: ids(entry.get("issues"))?,
        });
    }
    Ok(checks)
}

/// An array of strings, `null` entries left out; absent or `null` is empty.
fn strings(value: Option<&Value>) -> Result<Vec<&str>, JiraError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| item.as_str().ok_or_else(JiraError::invalid_payload))
            .collect(),
        Some(_) => Err(JiraError::invalid_payload()),
    }
}

/// An array of `int64` ids (their digits as strings are read too, as Jira's
/// JSON reader coerces them), `null` entries left out, each once. A negative
/// id names nothing, so is left out as an invalid id is.
fn ids(value: Option<&Value>) -> Result<Vec<u64>, JiraError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(JiraError::invalid_payload()),
    };
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    for item in items.iter().filter(|item| !item.is_null()) {
        let id = match item {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let id = id.ok_or_else(JiraError::invalid_payload)?;
        if let Ok(id) = u64::try_from(id)
            && seen.insert(id)
        {
            ids.push(id);
        }
    }
    Ok(ids)
}
