//! The Jira Cloud platform REST API (`/rest/api/3/...`), as far as Kiln apps use it.

mod app_property;
mod comment;
mod field_details;
pub(crate) mod fields;
mod issue;
mod label;
mod my_permissions;
mod myself;
mod page;
mod project;
mod project_property;
mod property;
pub(crate) mod render;
mod search;
mod server_info;
mod transition;
mod user;
mod user_property;
mod user_search;
mod watchers;
mod webhook;
mod worklog;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};

use crate::shared::Shared;

/// The platform routes, mounted both on the site and behind the gateway.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/rest/api/3/myself", get(myself::get))
        .route("/rest/api/3/mypermissions", get(my_permissions::get))
        .route("/rest/api/3/issue", post(issue::create))
        .route(
            "/rest/api/3/issue/{issue_id_or_key}",
            get(issue::get).put(issue::edit).delete(issue::delete),
        )
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/comment",
            get(comment::list).post(comment::add),
        )
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/comment/{id}",
            get(comment::get)
                .put(comment::update)
                .delete(comment::delete),
        )
        .route(
            "/rest/api/3/webhook",
            get(webhook::list)
                .post(webhook::register)
                .delete(webhook::delete),
        )
        .route("/rest/api/3/webhook/refresh", put(webhook::refresh))
        .route("/rest/api/3/webhook/failed", get(webhook::failed))
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/transitions",
            get(transition::list).post(transition::perform),
        )
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/assignee",
            put(issue::assign),
        )
        .route(
            "/rest/api/3/search/jql",
            get(search::get).post(search::post),
        )
        .route("/rest/api/3/project", get(project::all))
        .route("/rest/api/3/project/search", get(project::search))
        .route("/rest/api/3/project/{project_id_or_key}", get(project::get))
        .route(
            "/rest/api/3/project/{project_id_or_key}/statuses",
            get(project::statuses),
        )
        .route("/rest/api/3/user", get(user::get))
        .route("/rest/api/3/user/search", get(user_search::find))
        .route("/rest/api/3/label", get(label::list))
        .route(
            "/rest/api/3/project/{project_id_or_key}/properties",
            get(project_property::keys),
        )
        .route(
            "/rest/api/3/project/{project_id_or_key}/properties/{property_key}",
            get(project_property::get)
                .put(project_property::set)
                .delete(project_property::delete),
        )
        .route("/rest/api/3/user/properties", get(user_property::keys))
        .route(
            "/rest/api/3/user/properties/{property_key}",
            get(user_property::get)
                .put(user_property::set)
                .delete(user_property::delete),
        )
        .route("/rest/forge/1/app/properties", get(app_property::keys))
        .route(
            "/rest/forge/1/app/properties/{property_key}",
            get(app_property::get)
                .put(app_property::set)
                .delete(app_property::delete),
        )
        .route("/rest/api/3/serverInfo", get(server_info::get))
        .route("/rest/api/3/field", get(field_details::list))
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/worklog",
            get(worklog::list).post(worklog::add),
        )
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/watchers",
            get(watchers::list)
                .post(watchers::add)
                .delete(watchers::remove),
        )
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/properties",
            get(property::keys),
        )
        .route(
            "/rest/api/3/issue/{issue_id_or_key}/properties/{property_key}",
            get(property::get)
                .put(property::set)
                .delete(property::delete),
        )
}

/// Path parameters of issue routes; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(serde::Deserialize)]
pub(crate) struct IssuePath {
    pub(crate) issue_id_or_key: String,
}
