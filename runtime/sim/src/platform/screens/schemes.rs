//! Screen schemes (`world/screen_scheme.rs`): `getScreenSchemes` (`GET
//! /screenscheme`), `createScreenScheme` (`POST`), `updateScreenScheme` and
//! `deleteScreenScheme` (`PUT`/`DELETE /screenscheme/{screenSchemeId}`).
//!
//! *Administer Jira*, with the spec's own `403` wording for schemes. Every
//! screen a scheme names must exist (the spec's `404`); names are unique among
//! schemes; a scheme an issue type screen scheme maps (`issue_type_schemes.rs`;
//! the Default Screen Scheme, which the default one maps) cannot be deleted.
//! Changing a scheme's screens changes what a create and an edit may set for
//! the projects and issue types that use it, as on Jira.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::issue_type_schemes::issue_type_screen_scheme_json;
use super::list::{SchemesQuery, sort};
use super::{BodyId, checked_description, checked_name, name_taken};
use crate::access::Caller;
use crate::extract::{JiraJson, present};
use crate::jira_error::JiraError;
use crate::platform::page::{page_bean, with_query};
use crate::shared::Shared;
use crate::world::World;
use crate::world::screen_scheme::{MAX_SCREEN_SCHEMES, ScreenSchemeRecord, ScreenTypes};

/// The spec's default page.
const PAGE: usize = 25;
/// The largest page served: Jira's cap on its admin lists.
const MAX_PAGE: usize = 100;

/// The spec's `403` for screen schemes.
fn only_admins() -> JiraError {
    JiraError::forbidden("Only Jira administrators can access screen schemes.")
}

/// Refuses a caller without *Administer Jira*.
fn administer(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(only_admins())
    }
}

/// A `ScreenScheme`; with `expand`, the issue type screen schemes mapping it
/// (the first [`MAX_PAGE`] of them, by id).
fn scheme_json(world: &World, scheme: &ScreenSchemeRecord, expand: bool) -> Value {
    let ScreenTypes {
        default,
        create,
        edit,
        view,
    } = &scheme.screens;
    let mut screens = json!({ "default": default });
    for (key, id) in [("create", create), ("edit", edit), ("view", view)] {
        if let Some(id) = id {
            screens[key] = json!(id);
        }
    }
    let mut value = json!({
        "id": scheme.id,
        "name": scheme.name,
        "description": scheme.description,
        "screens": screens,
    });
    if expand {
        let total = world.issue_type_screen_schemes_using(scheme.id).count();
        let using: Vec<Value> = world
            .issue_type_screen_schemes_using(scheme.id)
            .take(MAX_PAGE)
            .map(issue_type_screen_scheme_json)
            .collect();
        value["issueTypeScreenSchemes"] = json!({
            "isLast": total <= MAX_PAGE,
            "maxResults": MAX_PAGE,
            "startAt": 0,
            "total": total,
            "values": using,
        });
    }
    value
}

/// `GET /screenscheme`: a page of the schemes, by id unless `orderBy` says.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SchemesQuery::parse(raw.as_deref().unwrap_or_default(), "issueTypeScreenSchemes")?;
    let world = shared.world();
    administer(&world, &caller)?;
    let mut matching: Vec<&ScreenSchemeRecord> = world
        .screen_schemes
        .iter()
        .filter(|s| query.admits(s.id, &s.name))
        .collect();
    sort(&mut matching, query.order, |s| (s.id, &s.name));
    let window = query.page.window(PAGE, MAX_PAGE);
    let total = matching.len();
    let values = window
        .of(matching)
        .map(|s| scheme_json(&world, s, query.expand))
        .collect();
    let base = with_query(
        format!("{}/rest/api/3/screenscheme", caller.links),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

/// `ScreenTypes` (create) and `UpdateScreenTypes` (update): each absent, a
/// screen id, or (in an update) `null`, which takes the operation's own
/// screen away.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScreensBody {
    #[serde(default, deserialize_with = "present")]
    default: Option<Option<BodyId>>,
    #[serde(default, deserialize_with = "present")]
    create: Option<Option<BodyId>>,
    #[serde(default, deserialize_with = "present")]
    edit: Option<Option<BodyId>>,
    #[serde(default, deserialize_with = "present")]
    view: Option<Option<BodyId>>,
}

/// `ScreenSchemeDetails` (create) and `UpdateScreenSchemeDetails` (update):
/// the same properties; the create requires `name` and `screens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SchemeDetails {
    name: Option<String>,
    description: Option<String>,
    screens: Option<ScreensBody>,
}

/// The spec's `404` for a screen a scheme names that the site does not have.
fn screen_missing() -> JiraError {
    JiraError::not_found("One or more screens assigned to screen types was not found.")
}

/// The scheme's screens once `body` is applied to `current` (none: a new
/// scheme), each checked to exist. `default` is required, and can't be
/// `null`: an operation without its own screen uses it.
fn apply_screens(
    world: &World,
    current: Option<&ScreenTypes>,
    body: &ScreensBody,
) -> Result<ScreenTypes, JiraError> {
    let exists = |value: &BodyId| {
        value
            .id()
            .filter(|id| world.screen(*id).is_some())
            .ok_or_else(screen_missing)
    };
    let default = match (&body.default, current) {
        (Some(Some(value)), _) => exists(value)?,
        (None, Some(current)) => current.default,
        (Some(None), _) | (None, None) => {
            return Err(JiraError::bad_request("The default screen is required."));
        }
    };
    let own = |asked: &Option<Option<BodyId>>, now: Option<u64>| match asked {
        Some(Some(value)) => exists(value).map(Some),
        Some(None) => Ok(None),
        None => Ok(now),
    };
    Ok(ScreenTypes {
        default,
        create: own(&body.create, current.and_then(|c| c.create))?,
        edit: own(&body.edit, current.and_then(|c| c.edit))?,
        view: own(&body.view, current.and_then(|c| c.view))?,
    })
}

/// The name a write gives a scheme, unless another scheme (but `except`) has it.
fn scheme_name(
    world: &World,
    name: Option<&str>,
    except: Option<u64>,
) -> Result<String, JiraError> {
    let name = checked_name("screen scheme", name)?;
    let others = world.screen_schemes.iter().filter(|s| Some(s.id) != except);
    if name_taken(others.map(|s| s.name.as_str()), &name) {
        return Err(JiraError::bad_request(
            "The name is used by another scheme.",
        ));
    }
    Ok(name)
}

/// `POST /screenscheme`: `201` and the new scheme's `ScreenSchemeId`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<SchemeDetails>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let name = scheme_name(&world, input.name.as_deref(), None)?;
    let description = checked_description("screen scheme", input.description.as_deref())?;
    let body = input
        .screens
        .as_ref()
        .ok_or_else(|| JiraError::bad_request("The screens must be provided."))?;
    let screens = apply_screens(&world, None, body)?;
    if world.screen_schemes.len() >= MAX_SCREEN_SCHEMES {
        return Err(JiraError::bad_request(format!(
            "A site holds at most {MAX_SCREEN_SCHEMES} screen schemes in the simulator."
        )));
    }
    let id = world.take_screen_scheme_id();
    world.screen_schemes.push(ScreenSchemeRecord {
        id,
        name,
        description: description.unwrap_or_default(),
        screens,
    });
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// Path parameters naming a screen scheme.
#[derive(Deserialize)]
pub(crate) struct SchemePath {
    scheme_id: String,
}

/// The scheme `id` names, or the spec's `404`.
fn scheme_index(world: &World, id: &str) -> Result<usize, JiraError> {
    let id: Option<u64> = id.trim().parse().ok();
    world
        .screen_schemes
        .iter()
        .position(|s| Some(s.id) == id)
        .ok_or_else(|| JiraError::not_found("The screen scheme was not found."))
}

/// `PUT /screenscheme/{screenSchemeId}`: `204`. Checked whole before anything
/// changes.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
    JiraJson(input): JiraJson<SchemeDetails>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let current = &world.screen_schemes[index];
    let name = match input.name.as_deref() {
        Some(name) => Some(scheme_name(&world, Some(name), Some(current.id))?),
        None => None,
    };
    let description = checked_description("screen scheme", input.description.as_deref())?;
    let screens = match &input.screens {
        Some(body) => apply_screens(&world, Some(&current.screens), body)?,
        None => current.screens.clone(),
    };
    let scheme = &mut world.screen_schemes[index];
    if let Some(name) = name {
        scheme.name = name;
    }
    if let Some(description) = description {
        scheme.description = description;
    }
    scheme.screens = screens;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /screenscheme/{screenSchemeId}`: `204`, or the spec's `400` for a
/// scheme an issue type screen scheme maps (for an issue type or as its
/// default).
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let id = world.screen_schemes[index].id;
    if world.issue_type_screen_schemes_using(id).next().is_some() {
        return Err(JiraError::bad_request(
            "The screen scheme cannot be deleted as it is in use in an issue type screen scheme.",
        ));
    }
    world.screen_schemes.remove(index);
    Ok(StatusCode::NO_CONTENT)
}
