//! Screen administration (`world/screen.rs`, `world/screen_scheme.rs`,
//! `world/issue_type_screen_scheme.rs`): `GET`/`POST /rest/api/3/screens`
//! (getScreens, createScreen), `PUT`/`DELETE /screens/{screenId}`
//! (`write.rs`), a screen's tabs (read, add, rename, delete, move: `tabs.rs`,
//! `tab_write.rs`) and their fields (read, add, remove, move: `tabs.rs`,
//! `field_move.rs`), the tabs of many screens (getBulkScreenTabs,
//! `bulk_tabs.rs`), the fields a screen could take (getAvailableScreenFields),
//! `POST /screens/addToDefault/{fieldId}` (addFieldToDefaultScreen), the
//! screens holding a field (`GET /field/{fieldId}/screens`,
//! getScreensForField, `for_field.rs`), screen schemes (`GET`/`POST
//! /screenscheme`, `PUT`/`DELETE /screenscheme/{screenSchemeId}`,
//! `schemes.rs`) and issue type screen schemes (`/issuetypescreenscheme`:
//! the schemes and their mappings, `issue_type_schemes.rs`; the projects
//! using them, `issue_type_scheme_projects.rs`).
//!
//! The screen a create or an edit uses decides what it may set: the one the
//! operation's screen scheme names, the screen scheme being the one the
//! project's issue type screen scheme maps the issue type to. A field put on
//! it here is offered by the create and edit metadata and accepted by a create
//! or edit; one taken off is neither. Every write changes the one model
//! (`World::screens`, `World::screen_schemes`,
//! `World::issue_type_screen_schemes`) those reads and checks use.
//!
//! Who may do what, as the spec says: *Administer Jira* administers screens
//! and schemes; a project's *Administer projects* also reads the tabs (and
//! their fields) of a screen its project uses, when the request names the
//! project (`projectKey`). Anyone else gets the spec's `403`.

mod bulk_tabs;
mod field_move;
mod for_field;
mod issue_type_scheme_projects;
mod issue_type_schemes;
mod list;
mod schemes;
mod tab_write;
mod tabs;
mod write;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::screen::{
    MAX_SCREEN_TEXT_CHARS, REQUIRED_ON_SCREEN, SCREENABLE_SYSTEM_FIELDS, ScreenRecord, TabRecord,
};

/// This module's routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/screens", get(list::screens).post(write::create))
        .route("/screens/tabs", get(bulk_tabs::bulk_tabs))
        .route(
            "/screens/{screen_id}",
            put(write::update).delete(write::delete),
        )
        .route(
            "/screens/{screen_id}/tabs",
            get(tabs::tabs).post(tab_write::add),
        )
        .route(
            "/screens/{screen_id}/tabs/{tab_id}",
            put(tab_write::rename).delete(tab_write::delete),
        )
        .route(
            "/screens/{screen_id}/tabs/{tab_id}/move/{pos}",
            post(tab_write::move_tab),
        )
        .route(
            "/screens/{screen_id}/tabs/{tab_id}/fields",
            get(tabs::tab_fields).post(tabs::add_tab_field),
        )
        .route(
            "/screens/{screen_id}/tabs/{tab_id}/fields/{id}",
            delete(tabs::remove_tab_field),
        )
        .route(
            "/screens/{screen_id}/tabs/{tab_id}/fields/{id}/move",
            post(field_move::move_field),
        )
        .route(
            "/screens/{screen_id}/availableFields",
            get(tabs::available_fields),
        )
        .route(
            "/screens/addToDefault/{field_id}",
            post(tabs::add_to_default),
        )
        .route(
            "/field/{field_id}/screens",
            get(for_field::screens_for_field),
        )
        .route("/screenscheme", get(schemes::list).post(schemes::create))
        .route(
            "/screenscheme/{scheme_id}",
            put(schemes::update).delete(schemes::delete),
        )
        .route(
            "/issuetypescreenscheme",
            get(issue_type_schemes::list).post(issue_type_schemes::create),
        )
        .route(
            "/issuetypescreenscheme/mapping",
            get(issue_type_schemes::mappings),
        )
        .route(
            "/issuetypescreenscheme/project",
            get(issue_type_scheme_projects::associations).put(issue_type_scheme_projects::assign),
        )
        .route(
            "/issuetypescreenscheme/{scheme_id}",
            put(issue_type_schemes::update).delete(issue_type_schemes::delete),
        )
        .route(
            "/issuetypescreenscheme/{scheme_id}/mapping",
            put(issue_type_schemes::append_mappings),
        )
        .route(
            "/issuetypescreenscheme/{scheme_id}/mapping/default",
            put(issue_type_schemes::update_default),
        )
        .route(
            "/issuetypescreenscheme/{scheme_id}/mapping/remove",
            post(issue_type_schemes::remove_mappings),
        )
        .route(
            "/issuetypescreenscheme/{scheme_id}/project",
            get(issue_type_scheme_projects::projects),
        )
}

/// The spec's `403` wording for a caller without *Administer Jira* (its
/// `createScreen` example).
fn only_admins() -> JiraError {
    JiraError::forbidden("Only Jira administrators can manage screens.")
}

/// Refuses a caller without *Administer Jira*.
fn administer(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(only_admins())
    }
}

/// Path parameters naming a screen; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(Deserialize)]
pub(crate) struct ScreenPath {
    screen_id: String,
}

/// Path parameters naming a screen's tab.
#[derive(Deserialize)]
pub(crate) struct TabPath {
    screen_id: String,
    tab_id: String,
}

/// The screen `id` names, or the spec's `404`. An id that is not a number
/// names none (Jira's path parameter is an `int64`, and a non-number matches
/// no screen).
fn screen_index(world: &World, id: &str) -> Result<usize, JiraError> {
    let id: Option<u64> = id.parse().ok();
    world
        .screens
        .iter()
        .position(|s| Some(s.id) == id)
        .ok_or_else(|| JiraError::not_found("The screen was not found."))
}

/// The screen and tab a path names: (screen index, tab index), or the spec's
/// `404`.
fn tab_index(world: &World, path: &TabPath) -> Result<(usize, usize), JiraError> {
    let screen = screen_index(world, &path.screen_id)?;
    let id: Option<u64> = path.tab_id.parse().ok();
    let tab = world.screens[screen]
        .tabs
        .iter()
        .position(|t| Some(t.id) == id)
        .ok_or_else(|| JiraError::not_found("The screen tab was not found."))?;
    Ok((screen, tab))
}

/// What kind of field an id names, as far as screens go.
enum Screenable {
    /// A field a screen may hold, with its name.
    Yes(String),
    /// A field of the site no screen holds (`status`, `created`): Jira sets
    /// those itself.
    SetByJira,
    /// No field of the site.
    Unknown,
}

/// Whether a screen may hold the field `id`: the system fields a create or edit
/// sets ([`SCREENABLE_SYSTEM_FIELDS`]) and every custom field of the site.
fn screenable(world: &World, id: &str) -> Screenable {
    if SCREENABLE_SYSTEM_FIELDS.contains(&id) {
        return Screenable::Yes(super::field_details::system_field_name(id).to_owned());
    }
    if let Some(field) = world.custom_field(id) {
        return Screenable::Yes(field.name.clone());
    }
    let system = !super::field_details::system_field_name(id).is_empty();
    if system || id == crate::world::sprint::SPRINT_FIELD_ID {
        Screenable::SetByJira
    } else {
        Screenable::Unknown
    }
}

/// Every field a screen may hold, by id, with its name now: the system fields
/// first, then the custom fields in creation order. Read once per request, so
/// naming a tab's fields costs a lookup each.
fn screenable_fields(world: &World) -> Vec<(String, String)> {
    let system = SCREENABLE_SYSTEM_FIELDS.into_iter().map(|id| {
        let name = super::field_details::system_field_name(id);
        (id.to_owned(), name.to_owned())
    });
    let custom = world.custom_fields.iter().map(|f| (f.id(), f.name.clone()));
    system.chain(custom).collect()
}

/// A `ScreenableField`.
fn screenable_field(id: &str, name: &str) -> Value {
    json!({ "id": id, "name": name })
}

/// A `Screen`. The site's screens are company-managed (global), which the
/// spec's `Scope` (`PROJECT` or `TEMPLATE`) leaves out.
fn screen_json(screen: &ScreenRecord) -> Value {
    json!({
        "id": screen.id,
        "name": screen.name,
        "description": screen.description,
    })
}

/// A `ScreenableTab`.
fn tab_json(tab: &TabRecord) -> Value {
    json!({ "id": tab.id, "name": tab.name })
}

/// A name a write gives (`what`: "screen", "tab", "screen scheme"): trimmed,
/// not blank, at most [`MAX_SCREEN_TEXT_CHARS`], as the spec bounds it. The
/// one rule for every name of this module.
fn checked_name(what: &str, name: Option<&str>) -> Result<String, JiraError> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| JiraError::bad_request(format!("The {what} name must be provided.")))?;
    if name.chars().count() > MAX_SCREEN_TEXT_CHARS {
        return Err(JiraError::bad_request(format!(
            "The {what} name must not exceed {MAX_SCREEN_TEXT_CHARS} characters."
        )));
    }
    Ok(name.to_owned())
}

/// A description a write gives: at most [`MAX_SCREEN_TEXT_CHARS`].
fn checked_description(what: &str, description: Option<&str>) -> Result<Option<String>, JiraError> {
    match description {
        Some(d) if d.chars().count() > MAX_SCREEN_TEXT_CHARS => Err(JiraError::bad_request(
            format!("The {what} description must not exceed {MAX_SCREEN_TEXT_CHARS} characters."),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// Whether `name` is taken among `names` (case-insensitively, as Jira's
/// screen editor compares them), leaving out the thing being renamed.
fn name_taken<'a>(mut names: impl Iterator<Item = &'a str>, name: &str) -> bool {
    names.any(|n| n.eq_ignore_ascii_case(name))
}

/// The required field (`summary`, `issuetype`) among `fields`, if any: what a
/// removal must not take off a screen, whether field by field or with its tab.
fn required_among(fields: &[String]) -> Option<&str> {
    fields
        .iter()
        .map(String::as_str)
        .find(|f| REQUIRED_ON_SCREEN.contains(f))
}

/// Jira's refusal to take a required field off a screen.
fn required_refusal(field: &str) -> JiraError {
    JiraError::bad_request(format!(
        "The field '{field}' is required and can't be removed from the screen."
    ))
}

/// An id in a body: a number, or its string (the spec's `int64` screen ids of
/// `ScreenTypes`, the string ids of `UpdateScreenTypes` and of the issue type
/// screen scheme bodies); Jira's JSON reader takes either for the other.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum BodyId {
    Number(u64),
    Text(String),
}

impl BodyId {
    /// The id, if it is one: a string that is not a number names nothing.
    fn id(&self) -> Option<u64> {
        match self {
            Self::Number(id) => Some(*id),
            Self::Text(text) => text.trim().parse().ok(),
        }
    }

    /// The id as text (an issue type id, or `default`).
    fn text(&self) -> String {
        match self {
            Self::Number(id) => id.to_string(),
            Self::Text(text) => text.trim().to_owned(),
        }
    }
}

/// Adds the ids of one `key=value` of a query (`id`, `screenId`, `tabId`,
/// repeatable and comma-separated) to `ids`: each an `int64`, else Jira's
/// `400` naming the parameter. A set, as the spec's `uniqueItems`; bounded by
/// the request line's length.
fn read_ids(key: &str, value: &str, ids: &mut BTreeSet<u64>) -> Result<(), JiraError> {
    for id in value.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        ids.insert(query_number(key, id)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_id_is_a_number_or_its_string() {
        assert_eq!(BodyId::Number(3).id(), Some(3));
        assert_eq!(BodyId::Text(" 10019".into()).id(), Some(10_019));
        assert_eq!(BodyId::Text("screen".into()).id(), None);
        assert_eq!(BodyId::Number(10_002).text(), "10002");
        assert_eq!(BodyId::Text(" default ".into()).text(), "default");
    }
}
