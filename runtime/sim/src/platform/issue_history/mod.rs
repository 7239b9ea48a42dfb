//! What an issue went through and what it points at outside Jira: its changelog
//! (`GET /rest/api/3/issue/{issueIdOrKey}/changelog`, [`changelog`]) and its
//! remote links (`/rest/api/3/issue/{issueIdOrKey}/remotelink`, [`remote_link`]).
//!
//! The changelog is written where the `jira:issue_updated` webhook is raised
//! (`platform::issue::raise_updated`), from the same diff, so what an app reads
//! back is what its webhook carried. Both kinds of record live on the issue and
//! go with it when it is deleted.

pub(crate) mod changelog;
mod remote_link;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::scopes::Alternatives;
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

/// `getChangeLogs`.
const GET_CHANGELOGS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue-meta:jira",
        "read:avatar:jira",
        "read:issue.changelog:jira",
    ],
];
/// `getRemoteIssueLinks` and `getRemoteIssueLinkById`.
const READ_REMOTE_LINKS: Alternatives = &[
    &["read:jira-work"],
    &["read:issue.remote-link:jira", "read:status:jira"],
];
/// `createOrUpdateRemoteIssueLink`.
const CREATE_REMOTE_LINK: Alternatives = &[
    &["write:jira-work"],
    &[
        "write:issue:jira",
        "write:issue.remote-link:jira",
        "read:issue.remote-link:jira",
    ],
];
/// `updateRemoteIssueLink`.
const UPDATE_REMOTE_LINK: Alternatives = &[
    &["write:jira-work"],
    &["write:issue:jira", "write:issue.remote-link:jira"],
];
/// `deleteRemoteIssueLinkById` and `deleteRemoteIssueLinkByGlobalId`.
const DELETE_REMOTE_LINK: Alternatives = &[
    &["write:jira-work"],
    &["delete:issue.remote-link:jira", "write:issue:jira"],
];

/// The scope alternatives of this module's operations (`method`, v3 template
/// as in [`crate::scopes::required`]), or `None` for a route not its own. From
/// the operations' `x-atlassian-oauth2-scopes` in the platform spec.
pub(crate) fn scopes(method: &str, template: &str) -> Option<Alternatives> {
    const CHANGELOG: &str = "/rest/api/3/issue/{issue_id_or_key}/changelog";
    const LINKS: &str = "/rest/api/3/issue/{issue_id_or_key}/remotelink";
    const LINK: &str = "/rest/api/3/issue/{issue_id_or_key}/remotelink/{link_id}";
    Some(match (method, template) {
        ("GET", CHANGELOG) => GET_CHANGELOGS,
        ("GET", LINKS | LINK) => READ_REMOTE_LINKS,
        ("POST", LINKS) => CREATE_REMOTE_LINK,
        ("PUT", LINK) => UPDATE_REMOTE_LINK,
        ("DELETE", LINKS | LINK) => DELETE_REMOTE_LINK,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_its_scopes_and_no_other_route_does() {
        let links = "/rest/api/3/issue/{issue_id_or_key}/remotelink";
        let link = "/rest/api/3/issue/{issue_id_or_key}/remotelink/{link_id}";
        assert_eq!(
            scopes("GET", "/rest/api/3/issue/{issue_id_or_key}/changelog"),
            Some(GET_CHANGELOGS)
        );
        for (method, template) in [
            ("GET", links),
            ("POST", links),
            ("DELETE", links),
            ("GET", link),
            ("PUT", link),
            ("DELETE", link),
        ] {
            assert!(scopes(method, template).is_some(), "{method} {template}");
        }
        assert_eq!(scopes("PUT", links), None);
        assert_eq!(scopes("POST", link), None);
        assert_eq!(scopes("GET", "/rest/api/3/issue/{issue_id_or_key}"), None);
    }
}
