//! `POST /rest/api/3/jql/parse` (`parseJqlQueries`): parses and validates JQL
//! queries for the caller, answering `ParsedJqlQueries`, one `ParsedJqlQuery` per
//! query in the request's order. Apps call it to check a JQL an administrator typed
//! before saving it.
//!
//! The spec's `validation` modes:
//! - `strict` (the default): every problem is reported and a query with one gets
//!   no `structure`;
//! - `warn`: a well-formed query keeps its `structure` beside its problems;
//! - `none`: a well-formed query is not resolved against the site at all.
//!
//! A query that is not well formed gets its syntax error in every mode. The
//! problems of a well-formed one are the messages the searches give (the same
//! resolver, [`jql::compile`]): a value that does not exist (a project, a status,
//! an issue key) is a `warning`, as Jira's parse reports it, anything else (an
//! unknown field, an operator the field refuses) an `error`. Jira lists every
//! problem of a query; the simulator's resolver stops at the first, so a query has
//! at most one. A query using JQL the simulator does not model (the history
//! operators on `fixVersion`, Lucene's operators inside a text search) makes the
//! whole request its `501`, as a search with it is. Entity property
//! clauses (`issue.property[…]`) are not modelled: the simulator reports their `[`
//! as a reserved character.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::jql;
use crate::shared::Shared;

/// Most queries one request parses. The spec sets none; each query is bounded
/// (`MAX_JQL_CHARS`) and resolving one walks the site's names, so without a count
/// a single request could ask for thousands of resolutions.
pub(crate) const MAX_QUERIES: usize = 100;

#[derive(Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Validation {
    #[default]
    Strict,
    Warn,
    None,
}

#[derive(Deserialize)]
pub(crate) struct ParseQuery {
    #[serde(default)]
    validation: Validation,
}

/// `JqlQueriesToParse`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueriesToParse {
    queries: Vec<String>,
}

pub(crate) async fn parse(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ParseQuery>,
    JiraJson(body): JiraJson<Value>,
) -> Result<Json<Value>, JiraError> {
    let body: QueriesToParse =
        serde_json::from_value(body).map_err(|_| JiraError::invalid_payload())?;
    if body.queries.is_empty() {
        return Err(JiraError::bad_request(
            "Provide at least one JQL query to parse.",
        ));
    }
    if body.queries.len() > MAX_QUERIES {
        return Err(JiraError::bad_request(format!(
            "At most {MAX_QUERIES} JQL queries can be parsed in one request."
        )));
    }
    if body.queries.iter().any(String::is_empty) {
        return Err(JiraError::bad_request(
            "A JQL query to parse must not be empty.",
        ));
    }
    let world = shared.world();
    let mut parsed = Vec::with_capacity(body.queries.len());
    for text in &body.queries {
        let mut answer = Map::new();
        answer.insert(String::from("query"), json!(text));
        match jql::structure(text) {
            Err(error) => {
                answer.insert(String::from("errors"), json!([error.0]));
            }
            Ok(structure) => {
                let problem = match query.validation {
                    Validation::None => None,
                    Validation::Strict | Validation::Warn => {
                        jql::compile(text, &world, &caller.account_id).err()
                    }
                };
                match problem {
                    None => {
                        answer.insert(String::from("structure"), structure);
                    }
                    Some(error) => {
                        if query.validation == Validation::Warn {
                            answer.insert(String::from("structure"), structure);
                        }
                        let list = if error.is_unknown_value() {
                            "warnings"
                        } else {
                            "errors"
                        };
                        answer.insert(String::from(list), json!([error.0]));
                    }
                }
            }
        }
        parsed.push(Value::Object(answer));
    }
    Ok(Json(json!({ "queries": parsed })))
}
