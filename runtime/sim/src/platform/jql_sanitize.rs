//! `POST /rest/api/3/jql/sanitize` (`sanitiseJqlQueries`): JQL queries
//! rewritten for a user so they reveal nothing that user may not see, as a
//! `SanitizedJqlQueries`, one `SanitizedJqlQuery` per query in the request's
//! order. An app shows a query someone saved to someone else.
//!
//! What is replaced, as the spec says: a project the user may not browse,
//! named by key or name, becomes its id (`project = 'Secret project'` →
//! `project = 12345`); the simulator does the same for an issue key the user
//! may not browse (Jira's issue clause sanitiser), and writes a changed query
//! anew as Jira does (`jql::sanitize`). User names and account ids are never
//! replaced: the spec says sanitizing does not remove user identifiers. What
//! Jira also hides that the simulator has no restriction on (custom fields a
//! user may not see, which Jira writes as `cf[N]`) is left as written, since
//! every user of the simulator may see every field.
//!
//! The body is the spec's `JqlQueriesToSanitize`: `queries`, 1 to 20 (the
//! schema's maximum), each a `query` and the `accountId` to sanitise for
//! (`null` or left out: an anonymous user, who may browse nothing), each pair
//! given once (the schema's "must contain unique values"). An `accountId` is at
//! most 128 characters, the schema's limit. Each query is parsed first: one
//! that is not well formed gets its syntax error in `errors` (an
//! `ErrorCollection`) and no `sanitizedQuery`; an `accountId` the site has no
//! user for gets an error the same way (the simulator's wording; the spec does
//! not say). Sanitising reads a query without searching it, so a clause the
//! simulator does not search (a history operator on `fixVersion`) is
//! sanitised like any other.
//!
//! Who may call: *Administer Jira* (site admins); anyone else gets the spec's
//! `403`.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::jql;
use crate::shared::Shared;

/// Queries one request sanitises at most (the schema's "Maximum of 20").
pub(crate) const MAX_QUERIES: usize = 20;

/// The longest `accountId` (the schema's `maxLength`).
const MAX_ACCOUNT_ID_CHARS: usize = 128;

/// `JqlQueriesToSanitize`.
#[derive(Deserialize)]
pub(crate) struct SanitizeBody {
    queries: Option<Vec<QueryToSanitize>>,
}

/// `JqlQueryToSanitize`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryToSanitize {
    query: String,
    account_id: Option<String>,
}

pub(crate) async fn sanitize(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<SanitizeBody>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "You are not authorized to perform this action. Administrator privileges are required.",
        ));
    }
    let queries = body.queries.unwrap_or_default();
    if queries.is_empty() {
        return Err(JiraError::bad_request("The queries has to be provided."));
    }
    if queries.len() > MAX_QUERIES {
        return Err(JiraError::bad_request(format!(
            "At most {MAX_QUERIES} queries can be sanitized in one request."
        )));
    }
    if queries
        .iter()
        .filter_map(|q| q.account_id.as_deref())
        .any(|id| id.chars().count() > MAX_ACCOUNT_ID_CHARS)
    {
        return Err(JiraError::bad_request(format!(
            "An account ID must not be longer than {MAX_ACCOUNT_ID_CHARS} characters."
        )));
    }
    let mut seen = HashSet::new();
    if !queries
        .iter()
        .all(|q| seen.insert((q.query.as_str(), q.account_id.as_deref())))
    {
        return Err(JiraError::bad_request(
            "The queries to sanitize must be unique.",
        ));
    }
    let mut answers = Vec::with_capacity(queries.len());
    for QueryToSanitize { query, account_id } in &queries {
        let mut answer = Map::new();
        answer.insert(String::from("initialQuery"), json!(query));
        if let Some(account_id) = account_id {
            answer.insert(String::from("accountId"), json!(account_id));
        }
        let outcome = match account_id.as_deref() {
            Some(id) if world.user(id).is_none() => {
                // Parsed first, as the spec says: a malformed query reports that.
                jql::structure(query).and_then(|_| {
                    Err(jql::JqlError(format!(
                        "No user with account ID '{id}' exists."
                    )))
                })
            }
            viewer => jql::sanitize(query, &world, viewer),
        };
        match outcome {
            Ok(sanitized) => {
                answer.insert(String::from("sanitizedQuery"), json!(sanitized));
            }
            Err(error) => {
                answer.insert(
                    String::from("errors"),
                    json!({ "errorMessages": [error.0], "errors": {} }),
                );
            }
        }
        answers.push(Value::Object(answer));
    }
    Ok(Json(json!({ "queries": answers })))
}
