//! `GET /rest/api/3/users` (`getAllUsersDefault`) and `GET /rest/api/3/users/search`
//! (`getAllUsers`): every user of the site, a page at a time, as a JSON array of
//! `User`s. The two operations are one in Jira (same parameters, same answer).
//!
//! Jira lists accounts of every type (`atlassian`, `app`, `customer`). The
//! simulator's only accounts are the seeded users: the app's client-credentials
//! service account acts as one of them (`AppClientConfig::acts_as`), so the list
//! is `World::users`, in seed order, each rendered as `getUser` and `findUsers`
//! render it.
//!
//! Who may list: the spec asks for the *Browse users and groups* global
//! permission. The simulator models no such permission; `findUsers`
//! (`user_search.rs`), which the spec guards with the same permission, answers
//! every authenticated caller, since Jira Cloud grants it by default to everyone
//! with product access, which every seeded user has. These routes follow the same
//! rule, so the spec's `403` does not arise; an unauthenticated call gets the
//! `401` every route gets (`access.rs`).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::page::PageQuery;
use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// `maxResults` when the caller gives none (the spec's default).
const DEFAULT_PAGE: usize = 50;
/// Jira returns at most 1000 users per call (the spec: "limited to 1000").
const MAX_PAGE: usize = 1000;

/// The two routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/users", get(list))
        .route("/users/search", get(list))
}

/// The page of the site's users `startAt`/`maxResults` ask for. A negative or
/// non-numeric parameter is refused with Jira's `400` by [`JiraQuery`];
/// `maxResults=0` is an empty page, as `findUsers` answers it.
async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let window = query.window(DEFAULT_PAGE, MAX_PAGE);
    let world = shared.world();
    let users: Vec<Value> = window
        .of(&world.users)
        .map(|u| render::user(&caller.links, u))
        .collect();
    Ok(Json(Value::Array(users)))
}
