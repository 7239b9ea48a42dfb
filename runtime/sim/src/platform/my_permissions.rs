//! `GET /rest/api/3/mypermissions` (`getMyPermissions`): which of the named
//! permissions the caller holds, globally, in a project or on an issue.
//!
//! The simulator's world knows four seeded project permissions and two roles
//! (site admin, project lead); each Jira key below says which of them grants it,
//! so the answer is exactly what the other routes enforce (Edit opens editing,
//! transitions, assignment, deletion and the watcher list; administering a
//! project is its lead's and site admins' right, as project properties enforce;
//! *Assignable User* is Browse's, as the assignee rule of `issue.rs` and the
//! assignable-user searches hold it).
//! A key Jira knows but the simulator does not model is refused with the
//! simulator's 501, naming the key, rather than answered `false`: a made-up
//! "no" would send an app down a path a real site would not.
//!
//! Contexts follow the spec: with `issueKey`/`issueId` the issue's project
//! decides (404 if the caller cannot see the issue); with `projectKey`/`projectId`
//! that project (404 likewise); with neither, a project permission is held if it
//! is held in any project. `commentId` (Browse-only in Jira) is not modelled.
//!
//! The table below is the simulator's one mapping of Jira's permission keys to
//! its world: `POST /permissions/check` (`permissions_check.rs`) reads it too.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::not_modelled::{NOT_MODELLED, SIMULATOR_HEADER};
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::{ProjectRecord, World};

/// What grants a permission in the simulator's world.
#[derive(Clone, Copy)]
enum Grant {
    /// A seeded project permission.
    Seeded(SeedPermission),
    /// The project's lead, or a site admin.
    ProjectAdmin,
    /// A site admin (a global permission).
    SiteAdmin,
    /// Whoever may be assigned the project's issues
    /// ([`ProjectRecord::assignable`]).
    Assignable,
}

/// A Jira permission the simulator models: key, id, name, description (Jira
/// Cloud's own words, from `GET /rest/api/3/permissions`), and what grants it.
pub(crate) struct Known {
    key: &'static str,
    id: &'static str,
    name: &'static str,
    description: &'static str,
    grant: Grant,
}

const KNOWN: &[Known] = &[
    Known {
        key: "ADMINISTER",
        id: "0",
        name: "Administer Jira",
        description: "Create and administer projects, issue types, fields, workflows, and schemes for all projects. Users with this permission can perform most administration tasks, except: managing users, importing data, and editing system email settings.",
        grant: Grant::SiteAdmin,
    },
    Known {
        key: "BROWSE_PROJECTS",
        id: "10",
        name: "Browse Projects",
        description: "Ability to browse projects and the issues within them.",
        grant: Grant::Seeded(SeedPermission::Browse),
    },
    Known {
        key: "CREATE_ISSUES",
        id: "11",
        name: "Create Issues",
        description: "Ability to create issues.",
        grant: Grant::Seeded(SeedPermission::Create),
    },
    Known {
        key: "EDIT_ISSUES",
        id: "12",
        name: "Edit Issues",
        description: "Ability to edit issues.",
        grant: Grant::Seeded(SeedPermission::Edit),
    },
    Known {
        key: "ASSIGN_ISSUES",
        id: "13",
        name: "Assign Issues",
        description: "Ability to assign issues to other people.",
        grant: Grant::Seeded(SeedPermission::Edit),
    },
    Known {
        key: "ADD_COMMENTS",
        id: "15",
        name: "Add Comments",
        description: "Ability to comment on issues.",
        grant: Grant::Seeded(SeedPermission::Comment),
    },
    Known {
        key: "DELETE_ISSUES",
        id: "16",
        name: "Delete Issues",
        description: "Ability to delete issues.",
        grant: Grant::Seeded(SeedPermission::Edit),
    },
    Known {
        key: "ASSIGNABLE_USER",
        id: "17",
        name: "Assignable User",
        description: "Users with this permission may be assigned to issues.",
        grant: Grant::Assignable,
    },
    Known {
        key: "ADMINISTER_PROJECTS",
        id: "23",
        name: "Administer Projects",
        description: "Ability to administer a project in Jira.",
        grant: Grant::ProjectAdmin,
    },
    Known {
        key: "MODIFY_REPORTER",
        id: "30",
        name: "Modify Reporter",
        description: "Ability to modify the reporter when creating or editing an issue.",
        grant: Grant::Seeded(SeedPermission::Edit),
    },
    Known {
        key: "MANAGE_WATCHERS",
        id: "32",
        name: "Manage Watchers",
        description: "Ability to manage the watchers of an issue.",
        grant: Grant::Seeded(SeedPermission::Edit),
    },
    Known {
        key: "TRANSITION_ISSUES",
        id: "46",
        name: "Transition Issues",
        description: "Ability to transition issues.",
        grant: Grant::Seeded(SeedPermission::Edit),
    },
];

impl Known {
    pub(crate) fn key(&self) -> &'static str {
        self.key
    }

    /// Whether this is a global permission (Jira's `type` `GLOBAL`) rather
    /// than a project one.
    pub(crate) fn is_global(&self) -> bool {
        matches!(self.grant, Grant::SiteAdmin)
    }

    /// Whether `account_id` holds this permission in `project`.
    pub(crate) fn held_in(&self, world: &World, account_id: &str, project: &ProjectRecord) -> bool {
        holds(world, account_id, &Context::Project(project), self.grant)
    }

    /// Whether `account_id` holds this permission globally (a project
    /// permission: in any project).
    pub(crate) fn held_anywhere(&self, world: &World, account_id: &str) -> bool {
        holds(world, account_id, &Context::Global, self.grant)
    }
}

/// What the simulator makes of a permission key.
pub(crate) enum Lookup {
    Known(&'static Known),
    /// A key Jira Cloud has that the simulator does not model.
    NotModelled,
    /// No key of Jira's.
    Unknown,
}

/// The permission `key` names (keys are case-sensitive, as Jira's are).
pub(crate) fn lookup(key: &str) -> Lookup {
    if let Some(known) = KNOWN.iter().find(|k| k.key == key) {
        Lookup::Known(known)
    } else if NOT_MODELLED_KEYS.contains(&key) {
        Lookup::NotModelled
    } else {
        Lookup::Unknown
    }
}

/// The permission the simulator models whose id is `id` (`"10"` is
/// `BROWSE_PROJECTS`), if any: an id it does not know may still be one of
/// Jira's.
pub(crate) fn known_by_id(id: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.id == id)
}

/// Every key `GET /rest/api/3/permissions` lists on a Jira Cloud site that the
/// simulator does not model: asked for, they get the 501 rather than a 400.
const NOT_MODELLED_KEYS: &[&str] = &[
    "ADMINISTER_PROJECTS_GLOBAL",
    "ARCHIVE_ISSUES",
    "BROWSE_ARCHIVE",
    "BULK_CHANGE",
    "CLOSE_ISSUES",
    "CREATE_ATTACHMENTS",
    "CREATE_SHARED_OBJECTS",
    "DELETE_ALL_ATTACHMENTS",
    "DELETE_ALL_COMMENTS",
    "DELETE_ALL_WORKLOGS",
    "DELETE_OWN_ATTACHMENTS",
    "DELETE_OWN_COMMENTS",
    "DELETE_OWN_WORKLOGS",
    "EDIT_ALL_COMMENTS",
    "EDIT_ALL_WORKLOGS",
    "EDIT_ISSUE_LAYOUT",
    "EDIT_OWN_COMMENTS",
    "EDIT_OWN_WORKLOGS",
    "EDIT_WORKFLOW",
    "LINK_ISSUES",
    "MANAGE_GROUP_FILTER_SUBSCRIPTIONS",
    "MANAGE_SPRINTS_PERMISSION",
    "MOVE_ISSUES",
    "RESOLVE_ISSUES",
    "RESTORE_ISSUES",
    "SCHEDULE_ISSUES",
    "SERVICEDESK_AGENT",
    "SET_ISSUE_SECURITY",
    "SYSTEM_ADMIN",
    "TRANSITION_ISSUES_GLOBAL",
    "USER_PICKER",
    "VIEW_AGGREGATED_DATA",
    "VIEW_DEV_TOOLS",
    "VIEW_READONLY_WORKFLOW",
    "VIEW_VOTERS_AND_WATCHERS",
    "WORK_ON_ISSUES",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MyPermissionsQuery {
    permissions: Option<String>,
    project_key: Option<String>,
    project_id: Option<String>,
    issue_key: Option<String>,
    issue_id: Option<String>,
    comment_id: Option<String>,
}

/// The `permissions` parameter (comma-separated keys) of `mypermissions` and
/// `findUsersWithAllPermissions`: the keys the simulator models, and those a
/// real site has but the simulator does not (for its 501). `current` maps a
/// key to the one it stands for (the deprecated names one route accepts).
/// None given, or a key Jira does not have, is Jira's `400`.
pub(crate) fn asked_permissions<'q>(
    permissions: Option<&'q str>,
    current: impl Fn(&'q str) -> &'q str,
) -> Result<(Vec<&'static Known>, Vec<&'q str>), JiraError> {
    let asked: Vec<&str> = permissions
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .collect();
    if asked.is_empty() {
        return Err(JiraError::bad_request(
            "The permissions query parameter is required: a comma-separated list of permission keys.",
        ));
    }
    let mut known: Vec<&Known> = Vec::with_capacity(asked.len());
    let mut unmodelled: Vec<&str> = Vec::new();
    for key in asked {
        match lookup(current(key)) {
            Lookup::Known(found) => known.push(found),
            Lookup::NotModelled => unmodelled.push(key),
            Lookup::Unknown => {
                return Err(JiraError::bad_request(format!(
                    "Invalid permission key: {key}"
                )));
            }
        }
    }
    Ok((known, unmodelled))
}

/// Where the permissions are asked about.
enum Context<'w> {
    Global,
    Project(&'w ProjectRecord),
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<MyPermissionsQuery>,
) -> Result<Response, JiraError> {
    let (known, unmodelled) = asked_permissions(query.permissions.as_deref(), |key| key)?;
    if !unmodelled.is_empty() {
        return Ok(not_modelled(OPERATION, &unmodelled));
    }
    if query.comment_id.is_some() {
        return Ok(not_modelled(OPERATION, &["commentId"]));
    }

    let world = shared.world();
    let context = context(&world, &caller, &query)?;
    let permissions: Map<String, Value> = known
        .into_iter()
        .map(|k| {
            let held = holds(&world, &caller.account_id, &context, k.grant);
            let kind = if k.is_global() { "GLOBAL" } else { "PROJECT" };
            let entry = json!({
                "id": k.id,
                "key": k.key,
                "name": k.name,
                "type": kind,
                "description": k.description,
                "havePermission": held,
            });
            (k.key.to_owned(), entry)
        })
        .collect();
    Ok(Json(json!({ "permissions": permissions })).into_response())
}

/// The project the query names (issue first, then project, as the spec's
/// "ignored if" rules order them), or the global context.
fn context<'w>(
    world: &'w World,
    caller: &Caller,
    query: &MyPermissionsQuery,
) -> Result<Context<'w>, JiraError> {
    if let Some(issue) = query.issue_id.as_deref().or(query.issue_key.as_deref()) {
        let index = world
            .visible_issue(&caller.account_id, issue)
            .ok_or_else(JiraError::issue_not_found)?;
        let project = world
            .project(&world.issues[index].project_key)
            .ok_or_else(JiraError::issue_not_found)?;
        return Ok(Context::Project(project));
    }
    if let Some(project) = query.project_id.as_deref().or(query.project_key.as_deref()) {
        let found = world
            .project(project)
            .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
            .ok_or_else(|| {
                JiraError::not_found(format!(
                    "No project could be found with key or id '{project}'."
                ))
            })?;
        return Ok(Context::Project(found));
    }
    Ok(Context::Global)
}

fn holds(world: &World, account_id: &str, context: &Context<'_>, grant: Grant) -> bool {
    let site_admin = world.is_site_admin(account_id);
    let in_project = |project: &ProjectRecord| match grant {
        Grant::Seeded(permission) => project.grants(account_id, permission),
        Grant::ProjectAdmin => site_admin || project.lead == account_id,
        Grant::SiteAdmin => site_admin,
        Grant::Assignable => project.assignable(account_id),
    };
    match context {
        Context::Project(project) => in_project(project),
        Context::Global => match grant {
            Grant::SiteAdmin => site_admin,
            _ => world.projects.iter().any(in_project),
        },
    }
}

/// This route, as the simulator's 501 names it.
const OPERATION: &str = "GET /rest/api/3/mypermissions (getMyPermissions)";

/// The simulator's 501 for what a real site answers but the world does not
/// model (`what`, such as permission keys) in `operation`.
pub(crate) fn not_modelled(operation: &str, what: &[&str]) -> Response {
    let body = JiraError::new(
        StatusCode::NOT_IMPLEMENTED,
        format!(
            "Kiln's Jira simulator does not model {} of {operation}; a real site serves it.",
            what.join(", ")
        ),
    );
    let mut response = body.into_response();
    response.headers_mut().insert(
        SIMULATOR_HEADER,
        axum::http::HeaderValue::from_static(NOT_MODELLED),
    );
    response
}
