//! The `sharePermissions` (and a dashboard's `editPermissions`) of filters and
//! dashboards: read from a request body (the spec's `SharePermission`), and
//! rendered for whoever reads the entity. One rule for both, as Jira keeps both
//! in one share permission table.
//!
//! Modelled: `global`, `authenticated` (which Jira answers as `loggedin`, and
//! which is accepted as `loggedin` too, so an entity read back can be written
//! back), `project` (by `project.id`) and `user` (by `user.accountId`); for
//! dashboards also `group` (by `group.groupId` or `group.name`). Project roles
//! (`projectRole`, a `project` share with a `role`) are refused with a 400 that
//! says so, rather than accepted and ignored, and so are groups on filters (the
//! filter search's group parameters match nothing). As the spec says, `global`
//! or `authenticated` overrides the other permissions: with either, only it is
//! kept. A dashboard cannot be made editable by everyone (`global`): Jira's
//! editors are signed-in users.

use serde::Deserialize;
use serde_json::{Value, json};

use super::render;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::world::World;
use crate::world::filter::{MAX_SHARE_PERMISSIONS, SharePermission, ShareTarget};

/// What a list of share permissions is for: each allows its own targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// A filter's `sharePermissions`.
    Filter,
    /// A dashboard's `sharePermissions`: who may see it.
    DashboardView,
    /// A dashboard's `editPermissions`: who may change it.
    DashboardEdit,
}

impl Sharing {
    /// The entity, for messages.
    fn entity(self) -> &'static str {
        match self {
            Self::Filter => "filter",
            Self::DashboardView | Self::DashboardEdit => "dashboard",
        }
    }
}

/// One `SharePermission` of a request body. Everything optional, so a missing
/// part is a 400 naming it rather than an unreadable body; `id`s and other
/// read-only parts of a permission read back are ignored.
#[derive(Deserialize)]
pub(crate) struct ShareInput {
    #[serde(rename = "type")]
    kind: Option<String>,
    project: Option<Value>,
    user: Option<Value>,
    role: Option<Value>,
    group: Option<Value>,
}

/// The targets `inputs` name, for an entity `owner` owns, or Jira's 400.
pub(crate) fn targets(
    world: &World,
    owner: &str,
    inputs: &[ShareInput],
    sharing: Sharing,
) -> Result<Vec<ShareTarget>, JiraError> {
    if inputs.len() > MAX_SHARE_PERMISSIONS {
        return Err(JiraError::bad_request(format!(
            "A {} may have at most {MAX_SHARE_PERMISSIONS} share permissions in Kiln's \
             simulator.",
            sharing.entity()
        )));
    }
    let mut targets: Vec<ShareTarget> = Vec::new();
    for input in inputs {
        let target = target(world, owner, input, sharing)?;
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    // "If set, this type overrides all existing share permissions."
    for sweeping in [ShareTarget::Global, ShareTarget::Authenticated] {
        if targets.contains(&sweeping) {
            return Ok(vec![sweeping]);
        }
    }
    Ok(targets)
}

fn target(
    world: &World,
    owner: &str,
    input: &ShareInput,
    sharing: Sharing,
) -> Result<ShareTarget, JiraError> {
    let kind = input
        .kind
        .as_deref()
        .ok_or_else(|| JiraError::bad_request("A share permission must have a 'type'."))?;
    match kind {
        "global" if sharing == Sharing::DashboardEdit => Err(JiraError::bad_request(
            "A dashboard cannot be editable by everyone: an edit permission of type 'global' is \
             not valid. Use 'authenticated' for every signed-in user.",
        )),
        "global" => Ok(ShareTarget::Global),
        "authenticated" | "loggedin" => Ok(ShareTarget::Authenticated),
        "project" if input.role.is_some() => Err(not_modelled("a project role")),
        "project" => {
            let id = input
                .project
                .as_ref()
                .and_then(|p| id_text(p.get("id")?))
                .ok_or_else(|| {
                    JiraError::bad_request("A project share permission must give 'project.id'.")
                })?;
            // Sharing names the project: one the owner cannot browse is one
            // they cannot know of, so it is answered as not existing.
            world
                .projects
                .iter()
                .find(|p| p.id == id && p.grants(owner, SeedPermission::Browse))
                .map(|p| ShareTarget::Project(p.id.clone()))
                .ok_or_else(|| {
                    JiraError::bad_request(format!("The project with id '{id}' does not exist."))
                })
        }
        "user" => {
            let account_id = input
                .user
                .as_ref()
                .and_then(|u| u.get("accountId")?.as_str())
                .ok_or_else(|| {
                    JiraError::bad_request("A user share permission must give 'user.accountId'.")
                })?;
            world
                .user(account_id)
                .map(|u| ShareTarget::User(u.account_id.clone()))
                .ok_or_else(|| {
                    JiraError::bad_request(format!(
                        "The user with account id '{account_id}' does not exist."
                    ))
                })
        }
        "group" if sharing == Sharing::Filter => Err(not_modelled("a group")),
        "group" => group(world, input.group.as_ref()),
        "projectRole" => Err(not_modelled("a project role")),
        "project-unknown" => Err(JiraError::bad_request(
            "The share permission type 'project-unknown' cannot be set in a request.",
        )),
        other => Err(JiraError::bad_request(format!(
            "'{other}' is not a valid share permission type."
        ))),
    }
}

/// The group a `group` share names, by `groupId` (preferred, as the spec
/// says) or `name` (without regard to case).
fn group(world: &World, group: Option<&Value>) -> Result<ShareTarget, JiraError> {
    let group = group.ok_or_else(|| {
        JiraError::bad_request(
            "A group share permission must give 'group.groupId' or 'group.name'.",
        )
    })?;
    let found = match (
        group.get("groupId").and_then(Value::as_str),
        group.get("name").and_then(Value::as_str),
    ) {
        (Some(id), _) => world
            .group_by_id(id)
            .ok_or_else(|| format!("The group with id '{id}' does not exist.")),
        (None, Some(name)) => world
            .group_named(name)
            .ok_or_else(|| format!("The group '{name}' does not exist.")),
        (None, None) => Err(String::from(
            "A group share permission must give 'group.groupId' or 'group.name'.",
        )),
    };
    found
        .map(|g| ShareTarget::Group(g.id))
        .map_err(JiraError::bad_request)
}

/// The refusal of a share the simulator does not model, so that a permission
/// it cannot honour is never stored: project roles anywhere, groups on
/// filters (whose search cannot look them up).
fn not_modelled(what: &str) -> JiraError {
    JiraError::bad_request(format!(
        "Sharing with {what} is not modelled by Kiln's simulator here; share with a project, a \
         user, every signed-in user ('authenticated') or everyone ('global')."
    ))
}

/// An id given as a string or a number (clients send both).
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Numbers `targets` into share permissions.
pub(crate) fn numbered(world: &mut World, targets: Vec<ShareTarget>) -> Vec<SharePermission> {
    targets
        .into_iter()
        .map(|target| SharePermission {
            id: world.filters.take_share_permission_id(),
            target,
        })
        .collect()
}

/// A `SharePermission` as `viewer` sees it: a project the viewer may not browse
/// is `project-unknown`, as Jira shows it, so the share reveals nothing of it.
pub(crate) fn render(links: &str, world: &World, share: &SharePermission, viewer: &str) -> Value {
    match &share.target {
        ShareTarget::Global => json!({ "id": share.id, "type": "global" }),
        ShareTarget::Authenticated => json!({ "id": share.id, "type": "loggedin" }),
        ShareTarget::Project(id) => match world
            .project(id)
            .filter(|p| p.grants(viewer, SeedPermission::Browse))
        {
            Some(project) => json!({
                "id": share.id,
                "type": "project",
                "project": render::project_summary(links, project),
            }),
            None => json!({ "id": share.id, "type": "project-unknown" }),
        },
        ShareTarget::Group(id) => json!({
            "id": share.id,
            "type": "group",
            "group": {
                "name": world.group_name(id).unwrap_or_default(),
                "groupId": id,
                "self": format!("{links}/rest/api/3/group?groupId={id}"),
            },
        }),
        ShareTarget::User(account_id) => {
            let mut value = json!({ "id": share.id, "type": "user" });
            if let Some(user) = world.user(account_id) {
                value["user"] = user_bean(links, user);
            }
            value
        }
    }
}

/// A `UserBean`: the spec's shorter user, without email or time zone.
pub(crate) fn user_bean(links: &str, user: &crate::world::UserRecord) -> Value {
    let details = render::user_details(links, user);
    json!({
        "self": details["self"],
        "accountId": user.account_id,
        "displayName": user.display_name,
        "active": true,
        "avatarUrls": details["avatarUrls"],
    })
}
