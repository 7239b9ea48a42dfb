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

use std::collections::{HashMap, HashSet};
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
use crate::world::{ProjectRecord, World};

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
    // Each id's project, looked up once, so what follows costs one lookup an
    // id however many entries name it.
    let project_by_id: HashMap<u64, &ProjectRecord> = world
        .projects
        .iter()
        .filter_map(|p| Some((p.id.parse().ok()?, p)))
        .collect();
    let issue_project: HashMap<u64, &str> = world
        .issues
        .iter()
        .map(|i| (i.id, i.project_key.as_str()))
        .collect();

    // One entry per permission, in the order first asked, over every entry
    // that names it. Ids that name nothing are dropped here, as the spec
    // ignores them; what is left is bounded by the limit below.
    let mut asked: Vec<Asked> = Vec::new();
    let mut all_projects = HashSet::new();
    let mut all_issues = HashSet::new();
    for check in &projects {
        let valid_projects: Vec<u64> = check
            .projects
            .iter()
            .copied()
            .filter(|id| project_by_id.contains_key(id))
            .collect();
        let valid_issues: Vec<u64> = check
            .issues
            .iter()
            .copied()
            .filter(|id| issue_project.contains_key(id))
            .collect();
        all_projects.extend(valid_projects.iter().copied());
        all_issues.extend(valid_issues.iter().copied());
        if all_projects.len() > MAX_CHECKED || all_issues.len() > MAX_CHECKED {
            return Err(JiraError::bad_request(format!(
                "A maximum of {MAX_CHECKED} projects and {MAX_CHECKED} issues can be checked."
            )));
        }
        for known in &check.permissions {
            // At most one entry per permission key the simulator knows, so
            // these searches are short.
            if !asked.iter().any(|a| a.known.key() == known.key()) {
                asked.push(Asked::new(known));
            }
            if let Some(entry) = asked.iter_mut().find(|a| a.known.key() == known.key()) {
                entry.projects.extend(&valid_projects);
                entry.issues.extend(&valid_issues);
            }
        }
    }

    let granted: Vec<&str> = global
        .iter()
        .filter(|k| k.held_anywhere(&world, user))
        .map(|k| k.key())
        .collect();
    let project_grants: Vec<Value> = asked
        .iter()
        .map(|asked| {
            let held = |project: Option<&ProjectRecord>| {
                project.is_some_and(|p| asked.known.held_in(&world, user, p))
            };
            let projects: Vec<u64> = asked
                .projects
                .order
                .iter()
                .copied()
                .filter(|id| held(project_by_id.get(id).copied()))
                .collect();
            let issues: Vec<u64> = asked
                .issues
                .order
                .iter()
                .copied()
                .filter(|id| held(issue_project.get(id).and_then(|key| world.project(key))))
                .collect();
            json!({ "permission": asked.known.key(), "projects": projects, "issues": issues })
        })
        .collect();
    Ok(Json(json!({
        "globalPermissions": granted,
        "projectPermissions": project_grants,
    }))
    .into_response())
}

/// One project permission asked for, with the existing projects and issues
/// it is asked of over all entries.
struct Asked {
    known: &'static Known,
    projects: Unique,
    issues: Unique,
}

impl Asked {
    fn new(known: &'static Known) -> Self {
        Self {
            known,
            projects: Unique::default(),
            issues: Unique::default(),
        }
    }
}

/// Ids each once, in the order first added. The set is kept alongside (not
/// rebuilt from the list at each entry), so adding is linear in what is added.
#[derive(Default)]
struct Unique {
    order: Vec<u64>,
    seen: HashSet<u64>,
}

impl Unique {
    fn extend(&mut self, ids: &[u64]) {
        for &id in ids {
            if self.seen.insert(id) {
                self.order.push(id);
            }
        }
    }
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
    let admin = world.is_site_admin(&caller.account_id);
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
            Lookup::NotModelled => not_modelled(unmodelled, key),
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
                Lookup::NotModelled => not_modelled(unmodelled, key),
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

/// Notes a key the simulator does not model, once: the 501 names each, and a
/// body repeating one must not repeat it in the answer. The list holds only
/// Jira's real keys, so it stays short.
fn not_modelled<'b>(unmodelled: &mut Vec<&'b str>, key: &'b str) {
    if !unmodelled.contains(&key) {
        unmodelled.push(key);
    }
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
