//! `createDashboard`, `updateDashboard`, `deleteDashboard` and
//! `copyDashboard`.
//!
//! A body is the spec's `DashboardDetails`: `name` (required, at most 255
//! characters, unique among the owner's dashboards without regard to case),
//! `description` (at most 4,000 characters), `sharePermissions` (who may see
//! it) and `editPermissions` (who may change it besides the owner), each a list
//! of the spec's `SharePermission` read by the rule filters share
//! (`share_permission.rs`). Read-only parts of a `Dashboard` read back (`id`,
//! `owner`, `self` …) are ignored, so a dashboard read back can be written back.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::super::share_permission::{self as share, ShareInput, Sharing};
use super::{AdminQuery, DashboardPath, may_write, render, visible};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::dashboard::{
    DashboardRecord, MAX_DASHBOARDS, MAX_DASHBOARDS_PER_OWNER, MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
};
use crate::world::filter::ShareTarget;

/// A `DashboardDetails` request body. Everything optional, so that a missing
/// `name` is a 400 naming it rather than an unreadable body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DashboardInput {
    name: Option<String>,
    description: Option<String>,
    share_permissions: Option<Vec<ShareInput>>,
    edit_permissions: Option<Vec<ShareInput>>,
}

/// What a valid body writes. `None` (on a copy only) takes the copied
/// dashboard's.
struct Written {
    name: Option<String>,
    description: Option<String>,
    shares: Option<Vec<ShareTarget>>,
    editors: Option<Vec<ShareTarget>>,
}

/// Checks `input` for a dashboard `owner` owns (`defining`: its id, when it
/// exists already): the name (required unless `copying`), the description,
/// then the permissions.
fn checked(
    world: &World,
    owner: &str,
    input: DashboardInput,
    defining: Option<u64>,
    copying: bool,
) -> Result<Written, JiraError> {
    let name = match input.name {
        Some(name) if !name.trim().is_empty() => Some(name),
        _ if copying => None,
        _ => {
            return Err(JiraError::field(
                "name",
                "You must specify a name for the dashboard.",
            ));
        }
    };
    if let Some(name) = &name {
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(JiraError::field(
                "name",
                format!("The dashboard name must not exceed {MAX_NAME_CHARS} characters."),
            ));
        }
        let lower = name.to_lowercase();
        if world.dashboards.all.iter().any(|d| {
            d.is_owned_by(owner) && Some(d.id) != defining && d.name.to_lowercase() == lower
        }) {
            return Err(JiraError::field(
                "name",
                "A dashboard with the same name already exists.",
            ));
        }
    }
    if let Some(description) = &input.description
        && description.chars().count() > MAX_DESCRIPTION_CHARS
    {
        return Err(JiraError::field(
            "description",
            format!("The description must not exceed {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    let shares = input
        .share_permissions
        .as_deref()
        .map(|inputs| share::targets(world, owner, inputs, Sharing::DashboardView))
        .transpose()?;
    let editors = input
        .edit_permissions
        .as_deref()
        .map(|inputs| share::targets(world, owner, inputs, Sharing::DashboardEdit))
        .transpose()?;
    Ok(Written {
        name,
        description: input.description,
        shares,
        editors,
    })
}

/// The simulator's bounds on how many dashboards there are, checked before one
/// more is made for `owner`.
fn room_for_one_more(world: &World, owner: &str) -> Result<(), JiraError> {
    if world.dashboards.owned_by(owner) >= MAX_DASHBOARDS_PER_OWNER {
        return Err(JiraError::bad_request(format!(
            "You own {MAX_DASHBOARDS_PER_OWNER} dashboards, the most Kiln's simulator keeps for \
             one user. Delete one first."
        )));
    }
    if world.dashboards.all.len() >= MAX_DASHBOARDS {
        return Err(JiraError::bad_request(format!(
            "The site has {MAX_DASHBOARDS} dashboards, the most Kiln's simulator keeps. Delete \
             one first."
        )));
    }
    Ok(())
}

/// Adds a dashboard `owner` owns and answers where it is.
fn add(
    world: &mut World,
    owner: &str,
    name: String,
    description: Option<String>,
    shares: Vec<ShareTarget>,
    editors: Vec<ShareTarget>,
) -> usize {
    let id = world.dashboards.take_id();
    let shares = share::numbered(world, shares);
    let editors = share::numbered(world, editors);
    world.dashboards.all.push(DashboardRecord {
        id,
        name,
        description,
        owner: Some(owner.to_owned()),
        shares,
        editors,
        items: Default::default(),
    });
    world.dashboards.all.len() - 1
}

/// `createDashboard`: 200 with the new `Dashboard`, owned by the caller and
/// shared as its permissions say (none: private).
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<DashboardInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let owner = caller.account_id.as_str();
    let written = checked(&world, owner, input, None, false)?;
    room_for_one_more(&world, owner)?;
    let at = add(
        &mut world,
        owner,
        written.name.unwrap_or_default(),
        written.description,
        written.shares.unwrap_or_default(),
        written.editors.unwrap_or_default(),
    );
    Ok(Json(render(
        &shared,
        &world,
        &caller,
        &world.dashboards.all[at],
    )))
}

/// `updateDashboard`: the body replaces the dashboard's details (a description
/// or permission list left out is cleared, as "replacing all the dashboard
/// details" says). Its owner and editors may, and a site admin with
/// `extendAdminPermissions=true`; for anyone else who sees it, and for the
/// system dashboard, the spec's `404` of a dashboard "not owned by the user".
/// The owner stays the owner, whoever edits.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<DashboardPath>,
    JiraQuery(query): JiraQuery<AdminQuery>,
    JiraJson(input): JiraJson<DashboardInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    let dashboard = &world.dashboards.all[at];
    let extend = query.extend_admin_permissions == Some(true);
    let Some(owner) = dashboard.owner.clone() else {
        return Err(JiraError::not_found(
            "The system dashboard cannot be edited through the REST API.",
        ));
    };
    if !may_write(&world, &caller, dashboard, extend) {
        return Err(JiraError::not_found(format!(
            "You may not edit the dashboard with id '{}': it is not yours, and its edit \
             permissions do not include you.",
            path.id
        )));
    }
    let id = dashboard.id;
    let written = checked(&world, &owner, input, Some(id), false)?;
    let shares = share::numbered(&mut world, written.shares.unwrap_or_default());
    let editors = share::numbered(&mut world, written.editors.unwrap_or_default());
    let dashboard = &mut world.dashboards.all[at];
    dashboard.name = written.name.unwrap_or_default();
    dashboard.description = written.description;
    dashboard.shares = shares;
    dashboard.editors = editors;
    Ok(Json(render(
        &shared,
        &world,
        &caller,
        &world.dashboards.all[at],
    )))
}

/// `deleteDashboard`: 204, and its item properties go with it. Its owner or a
/// site admin may; anyone else who sees it gets the spec's `400`, as does the
/// system dashboard, which no one deletes.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<DashboardPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    let dashboard = &world.dashboards.all[at];
    if dashboard.is_system() {
        return Err(JiraError::bad_request(
            "The system dashboard cannot be deleted.",
        ));
    }
    if !dashboard.is_owned_by(&caller.account_id) && !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::bad_request(format!(
            "You may not delete the dashboard with id '{}': only its owner or a site admin may.",
            path.id
        )));
    }
    world.dashboards.all.remove(at);
    Ok(StatusCode::NO_CONTENT)
}

/// `copyDashboard`: a new dashboard the caller owns, with the copied one's
/// name, description and permissions except where the body gives its own.
/// Any dashboard the caller sees may be copied (else the spec's `404`). Its
/// item properties are not copied: Jira copies gadgets under new item ids,
/// and the simulator does not model gadgets.
pub(crate) async fn copy(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<DashboardPath>,
    JiraQuery(_query): JiraQuery<AdminQuery>,
    JiraJson(input): JiraJson<DashboardInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    let owner = caller.account_id.as_str();
    // What the copy takes, without the item properties (which may be large
    // and are not copied).
    let source = {
        let d = &world.dashboards.all[at];
        DashboardRecord {
            id: d.id,
            name: d.name.clone(),
            description: d.description.clone(),
            owner: d.owner.clone(),
            shares: d.shares.clone(),
            editors: d.editors.clone(),
            items: Default::default(),
        }
    };
    let mut written = checked(&world, owner, input, None, true)?;
    let name = match written.name.take() {
        Some(name) => name,
        None => {
            // The copy keeps the name, which must still be unique among the
            // caller's dashboards.
            let lower = source.name.to_lowercase();
            if world
                .dashboards
                .all
                .iter()
                .any(|d| d.is_owned_by(owner) && d.name.to_lowercase() == lower)
            {
                return Err(JiraError::field(
                    "name",
                    "A dashboard with the same name already exists.",
                ));
            }
            source.name.clone()
        }
    };
    room_for_one_more(&world, owner)?;
    let targets = |list: &[crate::world::filter::SharePermission]| -> Vec<ShareTarget> {
        list.iter().map(|s| s.target.clone()).collect()
    };
    let shares = written.shares.unwrap_or_else(|| {
        if source.is_system() {
            vec![ShareTarget::Global]
        } else {
            targets(&source.shares)
        }
    });
    let editors = written.editors.unwrap_or_else(|| targets(&source.editors));
    let description = written.description.or(source.description);
    let at = add(&mut world, owner, name, description, shares, editors);
    Ok(Json(render(
        &shared,
        &world,
        &caller,
        &world.dashboards.all[at],
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_needs_no_name_but_a_new_dashboard_does() {
        let world = World::from_seed(&crate::seed::Seed::default()).expect("the default seed");
        let blank = || DashboardInput {
            name: None,
            description: None,
            share_permissions: None,
            edit_permissions: None,
        };
        assert!(checked(&world, "x", blank(), None, false).is_err());
        assert!(checked(&world, "x", blank(), None, true).is_ok());
        let long = DashboardInput {
            name: Some("n".repeat(MAX_NAME_CHARS + 1)),
            ..blank()
        };
        assert!(checked(&world, "x", long, None, true).is_err());
    }
}
