//! Saved filters (`/rest/api/3/filter`): a user's named JQL queries, shared with
//! others and marked as favourites. The state is `world::filter`.
//!
//! Who may do what follows the spec's operations: anyone signed in may create a
//! filter, which they then own; a filter is seen by its owner and by those its
//! share permissions admit (`global`, `authenticated`, a project's browsers, a
//! user); only the owner may edit it; the owner or a site admin (*Administer
//! Jira*) may delete it. As the spec documents, a filter that does not exist and
//! one the caller may not see are the same `400` (not `404`), and a caller who
//! sees a filter but may not delete it gets `401`.
//!
//! Not modelled (`501`): the default share scope, columns, changing a filter's
//! owner and the `/filter/{id}/permission` routes. Edit permissions
//! (`editPermissions`), filter subscriptions and `overrideSharePermissions`
//! are not modelled either: a request that sets edit permissions is refused,
//! subscriptions are always empty, and the override is ignored.

mod crud;
mod default_share_scope;
mod favourite;
mod render;
mod search;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use super::page::Window;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// This module's routes, relative to `/rest/api/{version}`. The literal
/// segments (`/filter/search`, `/filter/my`, `/filter/favourite`) win over
/// `/filter/{id}` in axum's router, as on a real site.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/filter", post(crud::create))
        .route("/filter/search", get(search::search))
        .route("/filter/my", get(favourite::mine))
        .route(
            "/filter/defaultShareScope",
            get(default_share_scope::get).put(default_share_scope::set),
        )
        .route("/filter/favourite", get(favourite::favourites))
        .route(
            "/filter/{id}",
            get(crud::get).put(crud::update).delete(crud::delete),
        )
        .route(
            "/filter/{id}/favourite",
            axum::routing::put(favourite::set).delete(favourite::unset),
        )
}

/// The `{id}` of the filter routes; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(Deserialize)]
pub(crate) struct FilterPath {
    id: String,
}

/// Jira's answer for a filter that does not exist or that the caller may not
/// see: one answer for both, so filter ids cannot be probed.
fn not_available() -> JiraError {
    JiraError::bad_request(
        "The selected filter is not available to you, perhaps it has been deleted or had its \
         permissions changed.",
    )
}

/// Where the filter `id` names is, if it exists (seen or not). An id that is
/// not a number names no filter.
fn existing(world: &World, id: &str) -> Option<usize> {
    id.parse::<u64>()
        .ok()
        .and_then(|id| world.filters.position(id))
}

/// Where the filter `id` names is, if the caller may see it; else
/// [`not_available`].
fn visible(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    existing(world, id)
        .filter(|&at| world.filters.all[at].visible_to(world, &caller.account_id))
        .ok_or_else(not_available)
}

/// The `expand` of the routes that answer a `Filter`: `sharedUsers` (optionally
/// `sharedUsers[start:end]`, both inclusive) lists who the filter is shared
/// with; `subscriptions` is accepted, and lists nothing. Other values are
/// ignored, as Jira ignores them here.
#[derive(Deserialize, Default)]
pub(crate) struct ExpandQuery {
    expand: Option<String>,
}

impl ExpandQuery {
    /// The window of the `sharedUsers` expansion, if asked for: at most
    /// [`render::MAX_SHARED_USERS`] users; a range that does not read as one is
    /// the first page.
    fn shared_users(&self) -> Option<Window> {
        let first_page = Window {
            start: 0,
            max: render::MAX_SHARED_USERS,
        };
        self.expand.as_deref()?.split(',').find_map(|item| {
            let item = item.trim();
            if item == "sharedUsers" {
                return Some(first_page);
            }
            let range = item.strip_prefix("sharedUsers[")?.strip_suffix(']')?;
            let window = range.split_once(':').and_then(|(start, end)| {
                let (start, end) = (
                    start.trim().parse::<usize>().ok()?,
                    end.trim().parse::<usize>().ok()?,
                );
                (end >= start).then(|| Window {
                    start,
                    max: (end - start)
                        .saturating_add(1)
                        .min(render::MAX_SHARED_USERS),
                })
            });
            Some(window.unwrap_or(first_page))
        })
    }
}

/// The viewer-bound view of filters for `caller`.
fn view<'a>(shared: &'a Shared, world: &'a World, caller: &'a Caller) -> render::View<'a> {
    render::View {
        links: &caller.links,
        site: &shared.base_url,
        world,
        viewer: &caller.account_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(text: &str) -> Option<Window> {
        ExpandQuery {
            expand: Some(text.to_owned()),
        }
        .shared_users()
    }

    #[test]
    fn shared_users_expand_with_an_optional_range() {
        assert_eq!(expand("subscriptions"), None);
        assert_eq!(
            expand("subscriptions,sharedUsers"),
            Some(Window {
                start: 0,
                max: 1_000
            })
        );
        assert_eq!(
            expand("sharedUsers[2:4]"),
            Some(Window { start: 2, max: 3 })
        );
        assert_eq!(
            expand("sharedUsers[0:99999]"),
            Some(Window {
                start: 0,
                max: 1_000
            })
        );
        assert_eq!(
            expand("sharedUsers[9:1]"),
            Some(Window {
                start: 0,
                max: 1_000
            })
        );
    }
}
