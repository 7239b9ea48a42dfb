//! What an issue went through and what it points at outside Jira: its changelog
//! (`GET /rest/api/3/issue/{issueIdOrKey}/changelog`, [`changelog`]) and its
//! remote links (`/rest/api/3/issue/{issueIdOrKey}/remotelink`, [`remote_link`]).
//!
//! The changelog is written where the `jira:issue_updated` webhook is raised
//! (`platform::issue::raise_updated`), from the same diff, so what an app reads
//! back is what its webhook carried. Attachments, issue links and remote links,
//! which Jira logs without raising `jira:issue_updated`, are written where they
//! are added and removed ([`changelog::record_unannounced`]). Both kinds of
//! record live on the issue and go with it when it is deleted.

pub(crate) mod changelog;
mod remote_link;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::shared::Shared;

/// This module's routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/issue/{issue_id_or_key}/changelog", get(changelog::list))
        .route(
            "/issue/{issue_id_or_key}/remotelink",
            get(remote_link::list)
                .post(remote_link::create_or_update)
                .delete(remote_link::delete_by_global_id),
        )
        .route(
            "/issue/{issue_id_or_key}/remotelink/{link_id}",
            get(remote_link::get)
                .put(remote_link::update)
                .delete(remote_link::delete),
        )
}
