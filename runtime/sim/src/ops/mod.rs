//! The Jira Service Management Ops API (`/jsm/ops/api/{cloudId}/v1/...`): teams,
//! schedules with their rotations and overrides, on-calls and alerts.
//!
//! The cloud id in the path is checked by the access layer (a wrong one is 404).
//! Schedules belong to a team; only that team's Team Admins may create, change or
//! delete them or anything under them (see [`permissions`]). Errors use the Ops
//! error shape of [`error::OpsError`], not Jira's.

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
mod validate;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/jsm/ops/api/{cloud_id}/v1/teams", get(teams::list))
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules",
            get(schedules::list).post(schedules::create),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}",
            get(schedules::get)
                .patch(schedules::update)
                .delete(schedules::delete),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}/rotations",
            get(rotations::list).post(rotations::create),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}/rotations/{rotation_id}",
            get(rotations::get)
                .patch(rotations::update)
                .delete(rotations::delete),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}/overrides",
            get(overrides::list).post(overrides::create),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}/overrides/{alias}",
            get(overrides::get)
                .put(overrides::update)
                .delete(overrides::delete),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}/on-calls",
            get(on_calls::get),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/alerts",
            get(alerts::list).post(alerts::create),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/alerts/{alert_id}",
            get(alerts::get),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/alerts/requests/{request_id}",
            get(alerts::request_status),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/alerts/{alert_id}/acknowledge",
            post(alerts::acknowledge),
        )
        .route(
            "/jsm/ops/api/{cloud_id}/v1/alerts/{alert_id}/close",
            post(alerts::close),
        )
}

/// Path parameters of schedule routes.
#[derive(serde::Deserialize)]
pub(crate) struct SchedulePath {
    schedule_id: String,
}
