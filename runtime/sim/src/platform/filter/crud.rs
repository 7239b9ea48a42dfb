//! `createFilter`, `getFilter`, `updateFilter` and `deleteFilter`.
//!
//! A body is the spec's `Filter`: `name` (required, unique among the owner's
//! filters without regard to case), `description`, `jql` (checked by the
//! simulator's JQL compiler as the owner would run it; Jira answers a bad query
//! with its parse error), `favourite` (the writer's own mark) and
//! `sharePermissions`. Read-only parts (`id`, `owner`, `self` …) are ignored, so a
//! filter read back can be written back.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::super::share_permission::{self as share, ShareInput, Sharing};
use super::{ExpandQuery, FilterPath, existing, not_available, render, view, visible};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::jql;
use crate::shared::Shared;
use crate::world::World;
use crate::world::filter::{
    FilterRecord, MAX_DESCRIPTION_CHARS, MAX_FILTERS, MAX_FILTERS_PER_OWNER, MAX_NAME_CHARS,
    ShareTarget,
};

/// A `Filter` request body. Everything optional, so that a missing `name` is
/// Jira's 400 naming it rather than an unreadable body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterInput {
    name: Option<String>,
    description: Option<String>,
    jql: Option<String>,
    favourite: Option<bool>,
    share_permissions: Option<Vec<ShareInput>>,
    edit_permissions: Option<Vec<Value>>,
}

/// What a valid body writes; `None` leaves a part as it is.
struct Written {
    name: String,
    description: Option<String>,
    jql: Option<String>,
    shares: Option<Vec<ShareTarget>>,
    favourite: Option<bool>,
}

/// Checks `input` for a filter `owner` owns (`defining`: its id, when it exists
/// already), in the order Jira reports: the name, the description, the JQL,
/// then the permissions.
fn checked(
    world: &World,
    owner: &str,
    input: FilterInput,
    defining: Option<u64>,
) -> Result<Written, JiraError> {
    let name = input
        .name
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            JiraError::field(
                "filterName",
                "You must specify a name to save this filter as.",
            )
        })?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(JiraError::field(
            "filterName",
            format!("The filter name must not exceed {MAX_NAME_CHARS} characters."),
        ));
    }
    if world.filters.owned_named(owner, &name, defining).is_some() {
        return Err(JiraError::field(
            "filterName",
            "Filter with same name already exists.",
        ));
    }
    if let Some(description) = &input.description
        && description.chars().count() > MAX_DESCRIPTION_CHARS
    {
        return Err(JiraError::field(
            "description",
            format!("The description must not exceed {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    if let Some(jql_text) = &input.jql {
        jql::compile_saved(jql_text, world, owner, defining).map_err(JiraError::from)?;
    }
    if input
        .edit_permissions
        .as_ref()
        .is_some_and(|p| !p.is_empty())
    {
        return Err(JiraError::bad_request(
            "Filter edit permissions are not modelled by Kiln's simulator: only a filter's owner \
             may edit it. Send 'editPermissions' empty or not at all.",
        ));
    }
    let shares = input
        .share_permissions
        .as_deref()
        .map(|inputs| share::targets(world, owner, inputs, Sharing::Filter))
        .transpose()?;
    Ok(Written {
        name,
        description: input.description,
        jql: input.jql,
        shares,
        favourite: input.favourite,
    })
}

/// Marks or unmarks the filter at `at` as `account_id`'s favourite.
pub(super) fn mark_favourite(world: &mut World, at: usize, account_id: &str, favourite: bool) {
    let favourited_by = &mut world.filters.all[at].favourited_by;
    let marked = favourited_by.iter().any(|a| a == account_id);
    if favourite && !marked {
        favourited_by.push(account_id.to_owned());
    } else if !favourite {
        favourited_by.retain(|a| a != account_id);
    }
}

/// `createFilter`: 200 with the new `Filter`. As the spec says, a new filter is
/// not a favourite unless the body's `favourite` asks for it, and is shared as
/// its `sharePermissions` say (none: private).
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ExpandQuery>,
    JiraJson(input): JiraJson<FilterInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let owner = caller.account_id.as_str();
    let written = checked(&world, owner, input, None)?;
    if world.filters.owned_by(owner).count() >= MAX_FILTERS_PER_OWNER {
        return Err(JiraError::bad_request(format!(
            "You own {MAX_FILTERS_PER_OWNER} filters, the most Kiln's simulator keeps for one \
             user. Delete one first."
        )));
    }
    if world.filters.all.len() >= MAX_FILTERS {
        return Err(JiraError::bad_request(format!(
            "The site has {MAX_FILTERS} filters, the most Kiln's simulator keeps. Delete one \
             first."
        )));
    }
    let id = world.filters.take_id();
    let shares = share::numbered(&mut world, written.shares.unwrap_or_default());
    world.filters.all.push(FilterRecord {
        id,
        name: written.name,
        description: written.description,
        owner: owner.to_owned(),
        jql: written.jql.unwrap_or_default(),
        shares,
        favourited_by: Vec::new(),
    });
    let at = world.filters.all.len() - 1;
    if written.favourite == Some(true) {
        mark_favourite(&mut world, at, owner, true);
    }
    let filter = &world.filters.all[at];
    Ok(Json(render::filter(
        view(&shared, &world, &caller),
        filter,
        query.shared_users(),
    )))
}

/// `getFilter`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FilterPath>,
    JiraQuery(query): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    Ok(Json(render::filter(
        view(&shared, &world, &caller),
        &world.filters.all[at],
        query.shared_users(),
    )))
}

/// `updateFilter`: the body's parts replace the filter's (a part left out is
/// kept; `sharePermissions` given replaces them all). Only the owner may; the
/// spec documents no `403`, so another user who sees the filter gets `400`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FilterPath>,
    JiraQuery(query): JiraQuery<ExpandQuery>,
    JiraJson(input): JiraJson<FilterInput>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    let (id, owner) = {
        let filter = &world.filters.all[at];
        (filter.id, filter.owner.clone())
    };
    if owner != caller.account_id {
        return Err(JiraError::bad_request(
            "Only the owner of a filter may edit it.",
        ));
    }
    let written = checked(&world, &owner, input, Some(id))?;
    let shares = written
        .shares
        .map(|targets| share::numbered(&mut world, targets));
    let filter = &mut world.filters.all[at];
    filter.name = written.name;
    if let Some(description) = written.description {
        filter.description = Some(description);
    }
    if let Some(jql_text) = written.jql {
        filter.jql = jql_text;
    }
    if let Some(shares) = shares {
        filter.shares = shares;
    }
    if let Some(favourite) = written.favourite {
        mark_favourite(&mut world, at, &owner, favourite);
    }
    Ok(Json(render::filter(
        view(&shared, &world, &caller),
        &world.filters.all[at],
        query.shared_users(),
    )))
}

/// `deleteFilter`: 204. Its owner or a site admin may; another user who sees it
/// gets the spec's `401`, anyone else the `400` of a filter that is not there.
/// Favourites go with the filter; filters whose JQL names it fail from then on,
/// as in Jira.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FilterPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let at = existing(&world, &path.id).ok_or_else(not_available)?;
    let filter = &world.filters.all[at];
    let is_admin = world.is_site_admin(&caller.account_id);
    if filter.owner != caller.account_id && !is_admin {
        return Err(if filter.visible_to(&world, &caller.account_id) {
            JiraError::new(
                StatusCode::UNAUTHORIZED,
                "You do not have permission to delete this filter.",
            )
        } else {
            not_available()
        });
    }
    world.filters.all.remove(at);
    Ok(StatusCode::NO_CONTENT)
}
