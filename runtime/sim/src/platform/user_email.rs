//! Users' email addresses, whatever their profile visibility:
//! `GET /user/email?accountId=` (`getUserEmail`) and
//! `GET /user/email/bulk?accountId=a&accountId=b` (`getUserEmailBulk`).
//!
//! Who may call: on Jira Cloud only apps Atlassian has approved to read email
//! addresses, and of Forge apps only their `asApp()` requests; a user's
//! credential is the spec's 401 ("for example if a user is trying to access
//! this API"). The simulator serves the app acting as itself (its
//! client-credentials integration, through the gateway with the
//! `read:email-address:jira` scope) and refuses the rest with that 401: an API
//! token, and its 3LO integration, which acts for a user. Approval is
//! Atlassian's to give and not modelled: the simulator's app counts as
//! approved.
//!
//! Answers: one user is an `UnrestrictedUserEmail`, `{"accountId", "email"}`,
//! or the spec's 404 for an account that does not exist. The bulk answer is an
//! array of them, one per account found, in the order asked for, each once;
//! an account that does not exist is left out (the spec documents no 404
//! here). The spec gives the bulk answer the one-object schema; Jira answers
//! an array, as its Confluence twin (`/wiki/rest/api/user/email/bulk`)
//! documents, and as clients read it.
//!
//! Limits: each id is at most 128 characters (the spec's `maxLength`), and a
//! bulk call names at most [`MAX_BULK_ACCOUNT_IDS`] ids.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::account_ids::{AccountIds, checked};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::UserRecord;

/// The ids one bulk call may name: the spec's `maxLength: 128` on the
/// `accountId` array (a count, as a list's size limit is). It also bounds the
/// answer a call builds under the world lock.
pub(crate) const MAX_BULK_ACCOUNT_IDS: usize = 128;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OneQuery {
    account_id: Option<String>,
}

/// The spec's 401 for a caller that is not an app acting as itself.
fn not_an_app() -> JiraError {
    JiraError::new(
        StatusCode::UNAUTHORIZED,
        "Only an app approved by Atlassian may read users' email addresses; a Forge app only \
         through asApp() requests.",
    )
}

fn account_id_required() -> JiraError {
    JiraError::bad_request("The 'accountId' query parameter needs to be provided.")
}

/// An `UnrestrictedUserEmail`.
fn email(user: &UserRecord) -> Value {
    json!({ "accountId": user.account_id, "email": user.email })
}

/// `getUserEmail`.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<OneQuery>,
) -> Result<Json<Value>, JiraError> {
    caller.app_itself(&shared).ok_or_else(not_an_app)?;
    let account_id = query
        .account_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(account_id_required)?;
    let account_id = checked(account_id)?;
    let world = shared.world();
    let user = world.user(account_id).ok_or_else(|| {
        JiraError::not_found(format!(
            "The user with account ID '{account_id}' does not exist."
        ))
    })?;
    Ok(Json(email(user)))
}

/// The bulk call's ids, from its raw query (`accountId` repeats, which a serde
/// query struct cannot take).
fn bulk_ids(raw: Option<&str>) -> Result<Vec<String>, JiraError> {
    let mut ids = AccountIds::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "accountId" {
            ids.add(&value)?;
            if ids.len() > MAX_BULK_ACCOUNT_IDS {
                return Err(JiraError::field(
                    "accountId",
                    format!("At most {MAX_BULK_ACCOUNT_IDS} account IDs can be requested."),
                ));
            }
        }
    }
    let ids = ids.into_ids();
    if ids.is_empty() {
        return Err(account_id_required());
    }
    Ok(ids)
}

/// `getUserEmailBulk`.
pub(crate) async fn bulk(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    caller.app_itself(&shared).ok_or_else(not_an_app)?;
    let ids = bulk_ids(raw.as_deref())?;
    let world = shared.world();
    let found = ids.iter().filter_map(|id| world.user(id)).map(email);
    Ok(Json(Value::Array(found.collect())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_ids_are_bounded_and_required() {
        assert_eq!(
            bulk_ids(Some("accountId=b&accountId=a&accountId=b&x=1")).ok(),
            Some(vec![String::from("b"), String::from("a")])
        );
        let most: Vec<String> = (0..MAX_BULK_ACCOUNT_IDS)
            .map(|n| format!("accountId={n}"))
            .collect();
        assert!(bulk_ids(Some(&most.join("&"))).is_ok());
        let too_many = format!("{}&accountId=x", most.join("&"));
        for bad in [None, Some("accountId="), Some(too_many.as_str())] {
            assert!(bulk_ids(bad).is_err(), "{bad:?}");
        }
    }
}
