//! `GET /rest/api/3/user/search?query=`: users by name or email prefix.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::page::Window;
use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::UserRecord;

const DEFAULT_PAGE: usize = 50;
/// Jira returns at most 1000 users per call.
const MAX_PAGE: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FindQuery {
    query: Option<String>,
    account_id: Option<String>,
    start_at: Option<usize>,
    max_results: Option<usize>,
}

pub(crate) async fn find(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<FindQuery>,
) -> Result<Json<Value>, JiraError> {
    if query.query.is_none() && query.account_id.is_none() {
        return Err(JiraError::bad_request(
            "One of 'query' or 'accountId' parameters must be provided.",
        ));
    }
    let world = shared.world();
    let matcher = UserMatch::new(query.query.as_deref(), query.account_id.as_deref());
    let window = Window::new(query.start_at, query.max_results, DEFAULT_PAGE, MAX_PAGE);
    let users: Vec<Value> = world
        .users
        .iter()
        .filter(|u| matcher.matches(u))
        .skip(window.start)
        .take(window.max)
        .map(|u| render::user(&caller.links, u))
        .collect();
    Ok(Json(Value::Array(users)))
}

/// The `query` and `accountId` parameters every user search of Jira's takes
/// (`findUsers`, the assignable and permission searches): one rule for all. The
/// spec: `query` "is matched against user attributes, such as `displayName` and
/// `emailAddress` [...] The string can match the prefix of the attribute's value";
/// `accountId` "is matched exactly against user `accountId`".
pub(crate) struct UserMatch {
    /// `query`, lowercased: matching ignores case.
    needle: Option<String>,
    account_id: Option<String>,
}

impl UserMatch {
    pub(crate) fn new(query: Option<&str>, account_id: Option<&str>) -> Self {
        Self {
            needle: query.map(str::to_lowercase),
            account_id: account_id.map(str::to_owned),
        }
    }

    /// Whether `user` matches: the email address or the display name starts with
    /// the query, or a word of the display name does (*query=john* finds *John
    /// Smith* and *johnson@example.com*); an absent parameter matches everyone.
    pub(crate) fn matches(&self, user: &UserRecord) -> bool {
        let id_matches = self
            .account_id
            .as_deref()
            .is_none_or(|id| user.account_id == id);
        id_matches
            && self.needle.as_deref().is_none_or(|n| {
                let name = user.display_name.to_lowercase();
                user.email.to_lowercase().starts_with(n)
                    || name.starts_with(n)
                    || name.split_whitespace().any(|w| w.starts_with(n))
            })
    }
}
