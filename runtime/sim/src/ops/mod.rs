//! The Jira Service Management Ops API, on the two URLs Atlassian documents for
//! it: `/jsm/ops/api/{cloudId}/v1/...` for API-token (basic auth) scripts and
//! `/ex/jira/{cloudId}/jsm/ops/api/v1/...` for OAuth 2.0 (3LO) apps, each with
//! its own kind of credential only (see [`crate::access`]).
//!
//! Teams, schedules with their rotations and overrides, on-calls, next on-calls
//! and timelines, alerts. Shapes, statuses and permissions follow Atlassian's
//! Ops OpenAPI document (`jsm-ops.v1.json`); where it is silent, the module that
//! decides says what it inferred. Errors use the Ops shapes of [`error`].

mod alerts;
mod error;
mod extract;
mod on_calls;
mod overrides;
mod paging;
mod permissions;
mod render;
mod rotations;
mod schedules;
mod teams;
mod timeline;
mod validate;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use error::OpsError;
pub(crate) use error::unauthorized;

use crate::access::Caller;
use crate::shared::Shared;

/// Where API-token (basic auth) callers reach the Ops API.
pub(crate) const API_TOKEN_PREFIX: &str = "/jsm/ops/api/{cloud_id}";
/// Where OAuth 2.0 (3LO) callers reach it, through the gateway.
pub(crate) const OAUTH_PREFIX: &str = "/ex/jira/{cloud_id}/jsm/ops/api";
/// The route template of everything under a prefix that no operation matches.
pub(crate) const UNKNOWN_ROUTE: &str = "/{*unknown}";

/// The operations, relative to either prefix (`/v1/...`). A method an
/// operation's path does not serve falls back to [`unknown`], like any path that
/// is no operation: the Ops answer, not axum's bare 405.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/teams", get(teams::list).fallback(unknown))
        .route(
            "/v1/schedules",
            get(schedules::list)
                .post(schedules::create)
                .fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}",
            get(schedules::get)
                .patch(schedules::update)
                .delete(schedules::delete)
                .fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/rotations",
            get(rotations::list)
                .post(rotations::create)
                .fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/rotations/{rotation_id}",
            get(rotations::get)
                .patch(rotations::update)
                .delete(rotations::delete)
                .fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/overrides",
            get(overrides::list)
                .post(overrides::create)
                .fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/overrides/{alias}",
            get(overrides::get)
                .put(overrides::update)
                .delete(overrides::delete)
                .fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/on-calls",
            get(on_calls::get).fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/next-on-calls",
            get(on_calls::next).fallback(unknown),
        )
        .route(
            "/v1/schedules/{schedule_id}/timeline",
            get(timeline::get).fallback(unknown),
        )
        .route(
            "/v1/alerts",
            get(alerts::list).post(alerts::create).fallback(unknown),
        )
        .route("/v1/alerts/alias", get(alerts::by_alias).fallback(unknown))
        .route("/v1/alerts/{alert_id}", get(alerts::get).fallback(unknown))
        .route(
            "/v1/alerts/requests/{request_id}",
            get(alerts::request_status).fallback(unknown),
        )
        .route(
            "/v1/alerts/{alert_id}/acknowledge",
            post(alerts::acknowledge).fallback(unknown),
        )
        .route(
            "/v1/alerts/{alert_id}/close",
            post(alerts::close).fallback(unknown),
        )
        .route(UNKNOWN_ROUTE, any(unknown))
}

/// The Ops 404 for a cloud id that is not this site's.
/// An Ops error answer with `status`, for refusals made before an operation runs
/// (the site's write budget).
pub(crate) fn refused(status: axum::http::StatusCode, title: String) -> Response {
    OpsError::new(status, title).into_response()
}

pub(crate) fn not_found_site() -> Response {
    OpsError::not_found("No site has this cloud id.").into_response()
}

/// Path parameters of schedule routes.
#[derive(serde::Deserialize)]
pub(crate) struct SchedulePath {
    schedule_id: String,
}

/// Anything under an Ops prefix that is not an operation the simulator serves,
/// after the caller is authenticated (the access layer runs first, as the
/// gateway authenticates before routing): a documented operation gets the
/// simulator's one "not modelled" 501 (`crate::not_modelled`, from the same spec
/// table as every other product); anything else the Ops 404.
async fn unknown(_caller: Caller, method: Method, uri: Uri) -> Response {
    // A nested router sees the path without its prefix (`/v1/...`); the full
    // path is handled too, so the answer does not hang on how axum nests.
    let path = uri.path();
    let operation = if path.starts_with("/v1/") {
        Some(path)
    } else {
        operation_path(path)
    };
    let documented = operation.and_then(|op| {
        crate::not_modelled::spec_operation(&method, &format!("/jsm/ops/api/cloud-id{op}"))
    });
    if let Some(documented) = documented {
        return crate::not_modelled::not_modelled(documented);
    }
    let shown: String = path.chars().take(200).collect();
    OpsError::not_found(format!(
        "No JSM Ops operation is {method} {shown}; docs/simulator-ops.md lists the ones the simulator serves."
    ))
    .into_response()
}

/// The operation part (`/v1/...`) of a path on either Ops URL.
fn operation_path(path: &str) -> Option<&str> {
    if let Some(rest) = path.strip_prefix("/jsm/ops/api/") {
        return rest.find('/').map(|at| &rest[at..]);
    }
    path.strip_prefix("/ex/jira/")
        .and_then(|rest| rest.find("/jsm/ops/api/"))
        .and_then(|at| path.get("/ex/jira/".len() + at + "/jsm/ops/api".len()..))
}
