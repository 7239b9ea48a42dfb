//! `bulkFetchIssues`, `POST /rest/api/3/issue/bulkfetch`: up to 100 issues by id
//! or key in one request.
//!
//! Only `POST` is `bulkFetchIssues`; the other methods on the path are
//! `getIssue`, `editIssue` and `deleteIssue` of an issue keyed `bulkfetch`
//! (`issue_key_segment.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::{DefaultFields, FieldSelection};
use super::issue;
use super::property_selection::{MAX_ISSUE_PROPERTIES, PropertySelection, Syntax};
use super::render;
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// The spec's limit on `issueIdsOrKeys`.
pub(crate) const MAX_ISSUES: usize = 100;

/// `BulkFetchIssueRequestBean`. Ids may come as JSON numbers: Jira's JSON reader
/// turns a number into the string an id is, so clients that send them get issues
/// there and must get them here too.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkFetchBody {
    issue_ids_or_keys: Option<Vec<IdOrKey>>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    expand: Vec<String>,
    /// Accepted and ignored: the simulator names fields by id, and a field's key
    /// is its id for every field it stores but custom fields.
    #[serde(default, rename = "fieldsByKeys")]
    _fields_by_keys: bool,
    #[serde(default)]
    properties: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IdOrKey {
    Text(String),
    Number(u64),
}

impl IdOrKey {
    fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(number) => number.to_string(),
        }
    }
}

pub(crate) async fn fetch(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<BulkFetchBody>,
) -> Result<Json<Value>, JiraError> {
    let wanted = body.issue_ids_or_keys.unwrap_or_default();
    if wanted.is_empty() {
        return Err(JiraError::field(
            "issueIdsOrKeys",
            "At least one issue ID or key must be provided.",
        ));
    }
    if wanted.len() > MAX_ISSUES {
        return Err(JiraError::field(
            "issueIdsOrKeys",
            format!("You can request up to {MAX_ISSUES} issues."),
        ));
    }
    // Keys only, at most five: the spec's `BulkFetchIssueRequestBean.properties`.
    let properties =
        PropertySelection::from_list(body.properties.iter().map(String::as_str), Syntax::Keys)
            .at_most(MAX_ISSUE_PROPERTIES)?;
    // The spec's default is `*navigable`, unlike `getIssue`'s `*all`.
    let selection = if body.fields.is_empty() {
        FieldSelection::parse(["*navigable"], DefaultFields::Navigable)
    } else {
        FieldSelection::parse(
            body.fields.iter().map(String::as_str),
            DefaultFields::Navigable,
        )
    };
    let expand = body.expand.join(",");
    let expand = Some(expand.as_str());

    let world = shared.world();
    // Keyed by id: the spec returns issues in ascending id order, whatever the
    // request's order, and an issue named twice (by id and by key) once.
    // Issues that do not exist or that the caller may not browse are left out,
    // not reported: `issueErrors` is for retriable failures, never for those,
    // so a caller cannot tell a hidden issue from a missing one.
    let found: BTreeMap<u64, usize> = wanted
        .iter()
        .filter_map(|item| world.visible_issue(&caller.account_id, &item.text()))
        .map(|index| (world.issues[index].id, index))
        .collect();
    let issues: Vec<Value> = found
        .values()
        .map(|&index| {
            let record = &world.issues[index];
            let mut issue = render::issue(
                &caller.links,
                &world,
                record,
                &selection,
                Some(&caller.account_id),
            );
            issue::expand_issue(&caller, &world, record, expand, &mut issue);
            properties.add_to(&record.properties, &mut issue);
            issue
        })
        .collect();
    // The simulator has no retriable failures: `issueErrors` is always empty.
    Ok(Json(json!({ "issues": issues, "issueErrors": [] })))
}
