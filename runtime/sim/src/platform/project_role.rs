//! Project roles, read: `GET /project/{projectIdOrKey}/role[/{id}]`,
//! `GET /project/{projectIdOrKey}/roledetails`, `GET /role[/{id}[/actors]]`.
//!
//! The simulator grants project permissions per user (the seed's `browse`,
//! `create`, `edit`, `comment`) and gives *Administer Projects* to the lead and
//! the site admins. Its three roles are views of those grants, so a role can never
//! disagree with a permission check: **Administrators** holds the lead and the
//! `site-admins` group, **Member** the users who may edit issues, **Viewer** those
//! who may browse but not edit. As in Jira Cloud the roles are shared by every
//! project and each project has its own actors. Changing actors or roles is not
//! modelled (`501`): grants come from the seed.
//!
//! As the spec says, a project's roles are for those who administer it (others
//! get the `404` of a project they cannot see) and the site-wide role list for
//! site admins (`403`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::group::SITE_ADMINS_GROUP;
use crate::world::{ProjectRecord, World};

/// A role: `(id, name, description)`.
type Role = (u64, &'static str, &'static str);

const ADMINISTRATORS: Role = (
    10002,
    "Administrators",
    "A project role that represents administrators in a project",
);
const MEMBER: Role = (
    10003,
    "Member",
    "A project role that represents users who create and edit issues in a project",
);
const VIEWER: Role = (
    10004,
    "Viewer",
    "A project role that represents users who browse and comment in a project",
);
const ROLES: [Role; 3] = [ADMINISTRATORS, MEMBER, VIEWER];

/// A role's actor: a user (account id) or a group (name).
enum Actor {
    User(String),
    Group(&'static str),
}

/// Whether the user `account_id` is one of `role`'s user actors in `project`:
/// the lead for Administrators (whose other actor is the `site-admins`
/// group), who may edit for Member, who may browse but not edit for Viewer.
fn is_user_actor(project: &ProjectRecord, role: Role, account_id: &str) -> bool {
    match role.0 {
        id if id == ADMINISTRATORS.0 => account_id == project.lead,
        id if id == MEMBER.0 => project.grants(account_id, SeedPermission::Edit),
        _ => {
            project.grants(account_id, SeedPermission::Browse)
                && !project.grants(account_id, SeedPermission::Edit)
        }
    }
}

/// Who holds `role` in `project`, derived from its grants.
fn actors(world: &World, project: &ProjectRecord, role: Role) -> Vec<Actor> {
    let mut users: Vec<_> = world
        .users
        .iter()
        .filter(|u| is_user_actor(project, role, &u.account_id))
        .collect();
    users.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    let mut actors = Vec::with_capacity(users.len() + 1);
    if role.0 == ADMINISTRATORS.0 {
        actors.push(Actor::Group(SITE_ADMINS_GROUP));
    }
    actors.extend(users.into_iter().map(|u| Actor::User(u.account_id.clone())));
    actors
}

/// A `RoleActor`; `n` numbers it within its role.
fn actor_value(world: &World, role: Role, n: usize, actor: &Actor) -> Value {
    let id = role.0 * 100 + n as u64;
    match actor {
        Actor::User(account_id) => {
            let name = world
                .user(account_id)
                .map_or_else(String::new, |u| u.display_name.clone());
            json!({
                "id": id,
                "displayName": name,
                "type": "atlassian-user-role-actor",
                "actorUser": { "accountId": account_id },
            })
        }
        Actor::Group(name) => {
            let group_id = world.group_named(name).map(|g| g.id).unwrap_or_default();
            json!({
                "id": id,
                "displayName": name,
                "name": name,
                "type": "atlassian-group-role-actor",
                "actorGroup": { "name": name, "displayName": name, "groupId": group_id },
            })
        }
    }
}

/// Whether `account_id` is among `actors`, directly or through a group.
fn holds(world: &World, actors: &[Actor], account_id: &str) -> bool {
    actors.iter().any(|actor| match actor {
        Actor::User(id) => id == account_id,
        Actor::Group(name) => world
            .group_named(name)
            .is_some_and(|g| g.members.iter().any(|m| m == account_id)),
    })
}

/// A `ProjectRole` without actors: the role as the site defines it.
fn role_value(self_url: String, role: Role) -> Value {
    let (id, name, description) = role;
    json!({
        "self": self_url,
        "name": name,
        "id": id,
        "description": description,
        "admin": id == ADMINISTRATORS.0,
        "default": false,
        "roleConfigurable": false,
        "translatedName": name,
    })
}

fn role_by_id(id: &str) -> Option<Role> {
    ROLES.iter().copied().find(|r| r.0.to_string() == id)
}

/// The id and name of the site's role called `name` (without regard to case),
/// for what restricts a worklog to a role.
pub(crate) fn role_named(name: &str) -> Option<(u64, &'static str)> {
    ROLES
        .iter()
        .find(|r| r.1.eq_ignore_ascii_case(name.trim()))
        .map(|r| (r.0, r.1))
}

/// The name of the role with id `id`.
pub(crate) fn role_name(id: u64) -> Option<&'static str> {
    ROLES.iter().find(|r| r.0 == id).map(|r| r.1)
}

/// Whether `account_id` holds the role with id `id` in `project`, directly or
/// through the `site-admins` group (the site admins): the rule `getProjectRole`
/// reports, asked of one user without listing the role's actors.
pub(crate) fn holds_role(
    world: &World,
    project: &ProjectRecord,
    id: u64,
    account_id: &str,
) -> bool {
    ROLES.iter().find(|r| r.0 == id).is_some_and(|role| {
        is_user_actor(project, *role, account_id)
            || (role.0 == ADMINISTRATORS.0 && world.is_site_admin(account_id))
    })
}

/// The project `id_or_key` names, if the caller administers it; else the `404`
/// Jira gives for a project that is missing or not theirs to administer.
fn administered<'w>(
    world: &'w World,
    caller: &Caller,
    id_or_key: &str,
) -> Result<&'w ProjectRecord, JiraError> {
    world
        .project(id_or_key)
        .filter(|p| world.administers(&caller.account_id, &p.key))
        .ok_or_else(|| {
            JiraError::not_found(format!("No project could be found with key '{id_or_key}'."))
        })
}

fn site_admin(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::forbidden(
            "You do not have permission to view project roles: it needs Administer Jira.",
        ))
    }
}

#[derive(Deserialize)]
pub(crate) struct ProjectPath {
    project_id_or_key: String,
}

#[derive(Deserialize)]
pub(crate) struct ProjectRolePath {
    project_id_or_key: String,
    id: String,
}

#[derive(Deserialize)]
pub(crate) struct RolePath {
    id: String,
}

/// `getProjectRoles`: each role's name and the URL of its actors in the project.
pub(crate) async fn of_project(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = administered(&world, &caller, &path.project_id_or_key)?;
    let roles: Map<String, Value> = ROLES
        .iter()
        .map(|(id, name, _)| {
            let url = format!(
                "{}/rest/api/3/project/{}/role/{id}",
                caller.links, project.id
            );
            ((*name).to_owned(), json!(url))
        })
        .collect();
    Ok(Json(Value::Object(roles)))
}

/// `getProjectRole`: the role with its actors in the project.
pub(crate) async fn in_project(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectRolePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = administered(&world, &caller, &path.project_id_or_key)?;
    let role = role_by_id(&path.id).ok_or_else(|| {
        JiraError::not_found(format!(
            "Can not retrieve a role actor for a null project role: {}",
            path.id
        ))
    })?;
    let held = actors(&world, project, role);
    let mut value = role_value(
        format!(
            "{}/rest/api/3/project/{}/role/{}",
            caller.links, project.id, role.0
        ),
        role,
    );
    value["actors"] = Value::Array(
        held.iter()
            .enumerate()
            .map(|(n, actor)| actor_value(&world, role, n, actor))
            .collect(),
    );
    value["currentUserRole"] = json!(holds(&world, &held, &caller.account_id));
    Ok(Json(value))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DetailsQuery {
    current_member: Option<bool>,
}

/// `getProjectRoleDetails`: the roles, or with `currentMember=true` those the
/// caller holds in the project.
pub(crate) async fn details(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    crate::extract::JiraQuery(query): crate::extract::JiraQuery<DetailsQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = administered(&world, &caller, &path.project_id_or_key)?;
    let roles: Vec<Value> = ROLES
        .iter()
        .filter(|role| {
            !query.current_member.unwrap_or(false)
                || holds(&world, &actors(&world, project, **role), &caller.account_id)
        })
        .map(|role| {
            role_value(
                format!("{}/rest/api/3/role/{}", caller.links, role.0),
                *role,
            )
        })
        .collect();
    Ok(Json(Value::Array(roles)))
}

/// `getAllProjectRoles`: the site's roles, for site admins.
pub(crate) async fn all(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    site_admin(&world, &caller)?;
    let roles: Vec<Value> = ROLES
        .iter()
        .map(|role| with_default_actors(&caller.links, *role))
        .collect();
    Ok(Json(Value::Array(roles)))
}

/// `getProjectRoleById` and `getProjectRoleActorsForRole`: the role and its
/// default actors (none: a project's actors follow its grants).
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<RolePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    site_admin(&world, &caller)?;
    let role = role_by_id(&path.id).ok_or_else(|| {
        JiraError::not_found(format!("No project role with id '{}' exists.", path.id))
    })?;
    Ok(Json(with_default_actors(&caller.links, role)))
}

fn with_default_actors(links: &str, role: Role) -> Value {
    let mut value = role_value(format!("{links}/rest/api/3/role/{}", role.0), role);
    value["actors"] = json!([]);
    value
}
