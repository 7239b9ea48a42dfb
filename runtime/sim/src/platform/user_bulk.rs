//! `GET /rest/api/3/user/bulk` (`bulkGetUsers`): the users named by repeated
//! `accountId` parameters (`accountId=a&accountId=b`), a page at a time, as a
//! `PageBeanUser` of `User`s rendered as the user searches and lists render
//! them (`render::user`).
//!
//! An account id that names no user is left out, not refused, as Jira leaves it
//! out: the page holds the users found, and `total` counts them. An id asked
//! for twice is one user, listed where it was first asked for; the users come
//! in the order of the request.
//!
//! Who may call: the spec asks only for *permission to access Jira*, which every
//! seeded user holds, so every authenticated caller gets every user asked for
//! (the user lists, `users_list.rs`, answer by the same rule). The deprecated
//! `username` and `key` parameters are "no longer available" on Jira Cloud and
//! are ignored; without an `accountId` the call is the spec's `400`.
//!
//! Limits: the spec bounds each id (at most 128 characters) but not their
//! number; a real site's bound is the URL's length (JRACLOUD-78790: too many
//! ids is a `400` or `414`), and so is the simulator's, whose HTTP server
//! answers `414 URI Too Long` to a request line it would not read.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::account_ids::AccountIds;
use super::page::{Window, page_bean};
use super::render;
use crate::access::Caller;
use crate::extract::{not_a_number, query_number};
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// `maxResults` when the caller gives none (the spec's default).
const DEFAULT_PAGE: usize = 10;

/// The query, read by hand because `accountId` repeats, which a serde query
/// struct cannot take.
#[derive(Debug, Default, PartialEq, Eq)]
struct BulkQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    /// Each id once, in the order first asked for; empty values dropped.
    account_ids: Vec<String>,
}

impl BulkQuery {
    /// Reads a raw query string: a page parameter that is not a whole number is
    /// a 400 naming it, as every paged list refuses one; an `accountId` longer
    /// than the spec allows is a 400; no `accountId` at all (or only empty ones)
    /// is the spec's 400 "if `accountID` is missing".
    fn parse(raw: Option<&str>) -> Result<Self, JiraError> {
        let number = query_number::<usize>;
        let mut query = Self::default();
        let mut ids = AccountIds::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "startAt" => query.start_at = Some(number("startAt", &value)?),
                "maxResults" => query.max_results = Some(int32("maxResults", &value)?),
                "accountId" => ids.add(&value)?,
                _ => {}
            }
        }
        query.account_ids = ids.into_ids();
        if query.account_ids.is_empty() {
            return Err(JiraError::bad_request(
                "The 'accountId' query parameter needs to be provided.",
            ));
        }
        Ok(query)
    }

    /// The page asked for: a `PageBean`'s, so at least one user. The spec caps
    /// `maxResults` nowhere, and a page never holds more users than the ids
    /// asked for, which the URL bounds.
    fn window(&self) -> Window {
        Window::bean(self.start_at, self.max_results, DEFAULT_PAGE, usize::MAX)
    }
}

/// A page size, which the spec types `int32`: a number beyond `i32` is no
/// `int32`, and refused as any other non-number is.
fn int32(name: &str, value: &str) -> Result<usize, JiraError> {
    let n = query_number::<usize>(name, value)?;
    if i32::try_from(n).is_err() {
        return Err(not_a_number(name, value));
    }
    Ok(n)
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = BulkQuery::parse(raw.as_deref())?;
    let window = query.window();
    let world = shared.world();
    let found: Vec<_> = query
        .account_ids
        .iter()
        .filter_map(|id| world.user(id))
        .collect();
    let values = window
        .of(&found)
        .map(|user| render::user(&caller.links, user))
        .collect();
    // The ids ride in the query, so the page links carry them.
    let mut ids = url::form_urlencoded::Serializer::new(String::new());
    for id in &query.account_ids {
        ids.append_pair("accountId", id);
    }
    let base = format!("{}/rest/api/3/user/bulk?{}", caller.links, ids.finish());
    Ok(Json(page_bean(&base, window, found.len(), values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_repeat_once_each_in_order_and_bad_input_is_refused() {
        let query = BulkQuery::parse(Some(
            "accountId=b&accountId=a&accountId=b&accountId=&startAt=1&maxResults=0&username=x",
        ))
        .expect("valid");
        assert_eq!(query.account_ids, ["b", "a"]);
        assert_eq!(query.window(), Window { start: 1, max: 1 });
        let plain = BulkQuery::parse(Some("accountId=a%2Cb")).expect("valid");
        assert_eq!(plain.account_ids, ["a,b"], "a comma is part of the id");
        assert_eq!(plain.window(), Window { start: 0, max: 10 });

        let long = format!("accountId={}", "x".repeat(129));
        let longest = format!("accountId={}", "é".repeat(128));
        assert!(BulkQuery::parse(Some(&longest)).is_ok());
        for bad in [
            None,
            Some(""),
            Some("accountId="),
            Some("username=alice&key=alice"),
            Some("accountId=a&startAt=-1"),
            Some("accountId=a&maxResults=ten"),
            Some("accountId=a&maxResults=2147483648"),
            Some("accountId=a&startAt=99999999999999999999999"),
            Some(long.as_str()),
        ] {
            assert!(BulkQuery::parse(bad).is_err(), "{bad:?}");
        }
    }
}
