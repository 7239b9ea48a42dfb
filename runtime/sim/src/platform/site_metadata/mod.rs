//! The site's metadata as apps read it: priorities, statuses, issue types,
//! resolutions and a project's components.
//!
//! All of it is configuration the world already holds (`world::PRIORITIES`,
//! `world::workflow`, `world::resolution`, each project's components), read-only
//! here, and rendered with the functions that render it inside an issue
//! (`render.rs`), so an issue's `fields.priority` and `GET /priority/{id}` agree.
//!
//! Who sees what follows Jira's operations: priorities and resolutions need only
//! "permission to access Jira" (anyone signed in); statuses and issue types are
//! those of the projects the caller may browse, and since every simulated project
//! shares one workflow and one issue type scheme, that is all of them or none;
//! components are their project's, which answers 404 when hidden, as the other
//! project routes do.

pub(crate) mod component;
mod issue_type;
mod priority;
mod resolution;
mod status;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde::Deserialize;

use super::page::Window;
use crate::access::Caller;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// This module's routes, relative to `/rest/api/{version}`. A literal segment
/// (`/priority/search`) wins over a parameter (`/priority/{id}`) in axum's router,
/// as in Jira's.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/priority", get(priority::list))
        .route("/priority/search", get(priority::search))
        .route("/priority/{id}", get(priority::get))
        .route("/status", get(status::list))
        .route("/status/{id_or_name}", get(status::get))
        .route("/issuetype", get(issue_type::list))
        .route("/issuetype/project", get(issue_type::for_project))
        .route("/issuetype/{id}", get(issue_type::get))
        .route("/resolution", get(resolution::list))
        .route("/resolution/search", get(resolution::search))
        .route("/resolution/{id}", get(resolution::get))
        .route(
            "/project/{project_id_or_key}/components",
            get(component::list),
        )
        .route(
            "/project/{project_id_or_key}/component",
            get(component::page),
        )
}

/// The `{id}` of `/priority/{id}`, `/issuetype/{id}`, `/resolution/{id}`; named so
/// the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct IdPath {
    id: String,
}

/// Whether the caller may browse at least one project. The simulated projects
/// share one workflow and one issue type scheme, so this alone decides whether
/// the site's statuses and issue types are the caller's to see.
fn browses_any(world: &World, caller: &Caller) -> bool {
    world.browses_any_project(&caller.account_id)
}

/// Whether the caller holds *Administer Jira* (the simulator's site admins).
fn is_site_admin(world: &World, caller: &Caller) -> bool {
    world.is_site_admin(&caller.account_id)
}

/// The query of the `search` lists (`searchPriorities`, `searchResolutions`),
/// read by hand because `id` and `projectId` repeat (`id=2&id=3`), which a serde
/// query struct cannot take. Each list reads the fields it documents.
#[derive(Default)]
struct SearchQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    ids: Vec<String>,
    project_ids: Vec<String>,
    only_default: bool,
    priority_name: Option<String>,
}

/// The search lists' default page; the cap is the project search's, as the spec
/// names none for these.
const SEARCH_PAGE: usize = 50;
const SEARCH_CAP: usize = 100;

impl SearchQuery {
    /// Reads a raw query string: a page parameter that is not a whole number is
    /// a 400 naming it; `onlyDefault` is true only as `true` (any case), as Jira
    /// reads a boolean parameter; parameters of no meaning here are ignored.
    fn parse(raw: Option<&str>) -> Result<Self, JiraError> {
        let number = query_number::<usize>;
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "startAt" => query.start_at = Some(number("startAt", &value)?),
                "maxResults" => query.max_results = Some(number("maxResults", &value)?),
                "id" => query.ids.push(value.into_owned()),
                "projectId" => query.project_ids.push(value.into_owned()),
                "onlyDefault" => query.only_default = value.eq_ignore_ascii_case("true"),
                "priorityName" if !value.is_empty() => {
                    query.priority_name = Some(value.to_lowercase());
                }
                _ => {}
            }
        }
        Ok(query)
    }

    /// The page asked for: a `PageBean`'s, so at least one item.
    fn window(&self) -> Window {
        let window = Window::new(self.start_at, self.max_results, SEARCH_PAGE, SEARCH_CAP);
        Window {
            max: window.max.max(1),
            ..window
        }
    }

    /// Whether `id` passes the `id` filter (every id when none is given; an id
    /// that names nothing matches nothing, which is how Jira "ignores" it).
    fn wants_id(&self, id: &str) -> bool {
        self.ids.is_empty() || self.ids.iter().any(|wanted| wanted == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_queries_repeat_ids_and_refuse_bad_numbers() {
        let query = SearchQuery::parse(Some(
            "id=1&id=3&projectId=10000&onlyDefault=TRUE&startAt=2&maxResults=0&expand=schemes",
        ))
        .expect("valid");
        assert_eq!(query.ids, ["1", "3"]);
        assert_eq!(query.project_ids, ["10000"]);
        assert!(query.only_default);
        assert_eq!(query.window(), Window { start: 2, max: 1 });
        assert!(query.wants_id("3") && !query.wants_id("2"));
        assert!(SearchQuery::parse(None).expect("empty").wants_id("2"));
        assert!(
            !SearchQuery::parse(Some("onlyDefault=yes"))
                .expect("valid")
                .only_default
        );
        for bad in [
            "startAt=-1",
            "maxResults=ten",
            "startAt=99999999999999999999999",
        ] {
            let err = SearchQuery::parse(Some(bad)).err().expect("refused");
            assert!(err.describe().contains("is not a number"), "{bad}");
        }
    }
}
