//! The caller's default share scope for new filters and dashboards
//! (`GET`/`PUT /rest/api/3/filter/defaultShareScope`, `getDefaultShareScope`,
//! `setDefaultShareScope`): `PRIVATE`, or `AUTHENTICATED` (shared with every
//! signed-in user).
//!
//! Jira keeps it as the user's `user.default.share.private` preference, so the
//! two are one setting here too (`my_preferences.rs`): the scope is `PRIVATE`
//! while that preference is `true` (its default), `AUTHENTICATED` otherwise, and
//! setting the scope sets the preference. `GLOBAL` is taken and shows as
//! `AUTHENTICATED`, as the spec's `DefaultShareScope` says; any other scope, or
//! a body without one, is the spec's 400. Any signed-in caller reaches their
//! own. Not modelled: the scope does not share the filters and dashboards the
//! REST API creates, which take their `sharePermissions` from the request.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::super::my_preferences::{SHARE_PRIVATE, caller_index, preference};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// A `DefaultShareScope` body for whether new filters are private.
fn scope(private: bool) -> Json<Value> {
    let scope = if private { "PRIVATE" } else { "AUTHENTICATED" };
    Json(json!({ "scope": scope }))
}

/// `getDefaultShareScope`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = caller_index(&world, &caller)?;
    // Jira reads the preference as a boolean: only `true` (any case) is private.
    let private = preference(&world, index, SHARE_PRIVATE)
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    Ok(scope(private))
}

/// `setDefaultShareScope`: the scope now in force.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    let private = match body.get("scope").and_then(Value::as_str) {
        Some("PRIVATE") => true,
        Some("AUTHENTICATED" | "GLOBAL") => false,
        _ => {
            return Err(JiraError::bad_request(
                "The scope must be one of GLOBAL, AUTHENTICATED and PRIVATE.",
            ));
        }
    };
    let mut world = shared.world();
    let index = caller_index(&world, &caller)?;
    world.users[index]
        .preferences
        .insert(SHARE_PRIVATE.to_owned(), private.to_string());
    Ok(scope(private))
}
