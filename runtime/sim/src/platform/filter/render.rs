//! A filter as the spec's `Filter` (`getFilter`, `createFilter`, `updateFilter`,
//! the favourite routes, `getMyFilters`, `getFavouriteFilters`) and as its
//! `FilterDetails` (`getFiltersPaginated`, whose `expand` picks the fields).
//!
//! Everything is rendered for one viewer: `favourite` is the viewer's, and a
//! project share the viewer may not browse shows as `project-unknown`.
//! `approximateLastUsed` is left out, not `null`: the spec types it a string,
//! and the simulator does not track when a filter is used. `isWritable`, which
//! `getFiltersPaginated` lists among its expansions, is in neither schema (both
//! forbid other properties), so it is not rendered.

use serde_json::{Value, json};

use super::super::page::Window;
use super::super::render;
use super::super::share_permission as share;
use crate::world::World;
use crate::world::filter::FilterRecord;

/// Users a `sharedUsers` expansion lists at most, as Jira's does.
pub(crate) const MAX_SHARED_USERS: usize = 1_000;

/// Who reads a filter, and where its links point.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    /// Base of `self` and REST links: the site, or the gateway path.
    pub(crate) links: &'a str,
    /// The site itself, for `viewUrl` (Jira's web page, never behind the gateway).
    pub(crate) site: &'a str,
    pub(crate) world: &'a World,
    pub(crate) viewer: &'a str,
}

/// A `Filter`. `shared_users` is the window of the `sharedUsers` expansion, if
/// asked for; without it the list is returned empty, as the spec says.
pub(crate) fn filter(view: View<'_>, filter: &FilterRecord, shared_users: Option<Window>) -> Value {
    let mut value = json!({
        "self": self_link(view.links, filter.id),
        "id": filter.id.to_string(),
        "name": filter.name,
        "jql": filter.jql,
        "viewUrl": view_url(view.site, filter.id),
        "searchUrl": search_url(view.links, &filter.jql),
        "favourite": filter.is_favourite_of(view.viewer),
        "favouritedCount": filter.favourited_by.len(),
        "sharePermissions": shares(view, filter),
        "editPermissions": [],
        "sharedUsers": shared_user_list(view, filter, shared_users),
        // Filter subscriptions are not modelled: there are none to list.
        "subscriptions": empty_list(0),
    });
    if let Some(description) = &filter.description {
        value["description"] = json!(description);
    }
    if let Some(owner) = view.world.user(&filter.owner) {
        value["owner"] = render::user_details(view.links, owner);
    }
    value
}

/// What `getFiltersPaginated` may expand, in the order Jira lists them in a
/// `FilterDetails`'s `expand`.
pub(crate) const DETAILS_EXPANSIONS: [&str; 12] = [
    "description",
    "owner",
    "jql",
    "searchUrl",
    "viewUrl",
    "favourite",
    "favouritedCount",
    "sharePermissions",
    "editPermissions",
    "isWritable",
    "approximateLastUsed",
    "subscriptions",
];

/// A `FilterDetails`: `self`, `id` and `name`, and the fields `expand` names
/// (each one of [`DETAILS_EXPANSIONS`]).
pub(crate) fn details(view: View<'_>, filter: &FilterRecord, expand: &[&str]) -> Value {
    let mut value = json!({
        "expand": DETAILS_EXPANSIONS.join(","),
        "self": self_link(view.links, filter.id),
        "id": filter.id.to_string(),
        "name": filter.name,
    });
    for field in expand {
        match *field {
            "description" => {
                if let Some(description) = &filter.description {
                    value["description"] = json!(description);
                }
            }
            "owner" => {
                if let Some(owner) = view.world.user(&filter.owner) {
                    value["owner"] = render::user_details(view.links, owner);
                }
            }
            "jql" => value["jql"] = json!(filter.jql),
            "searchUrl" => value["searchUrl"] = json!(search_url(view.links, &filter.jql)),
            "viewUrl" => value["viewUrl"] = json!(view_url(view.site, filter.id)),
            "favourite" => value["favourite"] = json!(filter.is_favourite_of(view.viewer)),
            "favouritedCount" => value["favouritedCount"] = json!(filter.favourited_by.len()),
            "sharePermissions" => value["sharePermissions"] = shares(view, filter),
            "editPermissions" => value["editPermissions"] = json!([]),
            "subscriptions" => value["subscriptions"] = json!([]),
            // Not in `FilterDetails`, or not tracked (see the module's comment).
            _ => {}
        }
    }
    value
}

fn self_link(links: &str, id: u64) -> String {
    format!("{links}/rest/api/3/filter/{id}")
}

fn view_url(site: &str, id: u64) -> String {
    format!("{site}/issues/?filter={id}")
}

/// The spec's `searchUrl`: "the Search for issues using JQL operation with the
/// filter's JQL". That is the classic `/rest/api/3/search`, which Jira Cloud
/// now answers `410 Gone` naming `/search/jql` (so does the simulator): an app
/// should run a filter's `jql` through `/rest/api/3/search/jql` instead.
fn search_url(links: &str, jql: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(jql.as_bytes()).collect();
    format!("{links}/rest/api/3/search?jql={encoded}")
}

fn shares(view: View<'_>, filter: &FilterRecord) -> Value {
    Value::Array(
        filter
            .shares
            .iter()
            .map(|s| share::render(view.links, view.world, s, view.viewer))
            .collect(),
    )
}

/// A `UserList` with no items: `size` is how many there are.
fn empty_list(size: usize) -> Value {
    json!({ "size": size, "items": [], "max-results": 0, "start-index": 0, "end-index": 0 })
}

/// The `sharedUsers` `UserList`: every user a share permission admits (not the
/// owner for being the owner), in the site's order; the window's users when
/// expanded, none otherwise.
fn shared_user_list(view: View<'_>, filter: &FilterRecord, window: Option<Window>) -> Value {
    let shared: Vec<_> = view
        .world
        .users
        .iter()
        .filter(|u| {
            filter
                .shares
                .iter()
                .any(|s| s.admits(view.world, &u.account_id))
        })
        .collect();
    let Some(window) = window else {
        return empty_list(shared.len());
    };
    let items: Vec<Value> = window
        .of(&shared)
        .map(|u| render::user_details(view.links, u))
        .collect();
    let end = (window.start + items.len()).saturating_sub(1);
    json!({
        "size": shared.len(),
        "items": items,
        "max-results": window.max,
        "start-index": window.start,
        "end-index": end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_url_carries_the_jql_encoded() {
        assert_eq!(
            search_url("http://s", "project = KILN & x"),
            "http://s/rest/api/3/search?jql=project+%3D+KILN+%26+x"
        );
    }
}
