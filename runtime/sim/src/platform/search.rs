//! The enhanced JQL search, `GET`/`POST /rest/api/3/search/jql`, with
//! `nextPageToken` paging.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::{DefaultFields, FieldSelection};
use super::property_selection::{MAX_ISSUE_PROPERTIES, PropertySelection, Syntax};
use super::render;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::jql;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::{IssueRecord, World};

const DEFAULT_PAGE: usize = 50;
/// Page cap when fields are returned, and when only ids are (Jira's limits).
const MAX_PAGE_WITH_FIELDS: usize = 100;
const MAX_PAGE_IDS_ONLY: usize = 5000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchQuery {
    jql: Option<String>,
    next_page_token: Option<String>,
    max_results: Option<usize>,
    fields: Option<String>,
    expand: Option<String>,
    // `properties` may repeat, which this struct cannot hold: it is read from
    // the raw query (`property_selection.rs`).
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchBody {
    jql: Option<String>,
    next_page_token: Option<String>,
    max_results: Option<usize>,
    #[serde(default)]
    fields: Vec<String>,
    expand: Option<String>,
    #[serde(default)]
    properties: Vec<String>,
}

/// `properties`, in both forms of the search: "A list of up to 5 issue
/// properties to include in the results", keys only (the spec documents no
/// `*all` or `-key` here, as it does for `getIssue`); more than 5 is a 400.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<SearchQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let properties = PropertySelection::from_query(raw.as_deref(), Syntax::Keys)
        .at_most(MAX_ISSUE_PROPERTIES)?;
    let fields = query
        .fields
        .as_deref()
        .map_or_else(FieldSelection::id_only, |f| {
            FieldSelection::parse([f], DefaultFields::Navigable)
        });
    search(
        &shared,
        &caller,
        query.jql.unwrap_or_default(),
        query.next_page_token,
        query.max_results,
        Returned {
            fields,
            expand: query.expand.as_deref(),
            properties,
        },
    )
}

pub(crate) async fn post(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<SearchBody>,
) -> Result<Json<Value>, JiraError> {
    let properties =
        PropertySelection::from_list(body.properties.iter().map(String::as_str), Syntax::Keys)
            .at_most(MAX_ISSUE_PROPERTIES)?;
    let fields = if body.fields.is_empty() {
        FieldSelection::id_only()
    } else {
        FieldSelection::parse(
            body.fields.iter().map(String::as_str),
            DefaultFields::Navigable,
        )
    };
    search(
        &shared,
        &caller,
        body.jql.unwrap_or_default(),
        body.next_page_token,
        body.max_results,
        Returned {
            fields,
            expand: body.expand.as_deref(),
            properties,
        },
    )
}

/// What a search returns of each issue: its `fields`, `expand` and
/// `properties`.
struct Returned<'a> {
    fields: FieldSelection,
    expand: Option<&'a str>,
    properties: PropertySelection,
}

fn search(
    shared: &Shared,
    caller: &Caller,
    jql_text: String,
    page_token: Option<String>,
    max_results: Option<usize>,
    returned: Returned<'_>,
) -> Result<Json<Value>, JiraError> {
    let Returned {
        fields,
        expand,
        properties,
    } = returned;
    let world = shared.world();
    let (query, mut hits) = visible_matches(&world, caller, &jql_text)?;
    let offset = match page_token.as_deref() {
        None | Some("") => 0,
        Some(token) => decode_token(token, &jql_text).ok_or_else(|| {
            JiraError::bad_request("The provided next page token is invalid or expired.")
        })?,
    };
    let cap = if fields.is_id_only() {
        MAX_PAGE_IDS_ONLY
    } else {
        MAX_PAGE_WITH_FIELDS
    };
    let max = max_results.unwrap_or(DEFAULT_PAGE).clamp(1, cap);

    query.sort(&mut hits, &world);
    let issues: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(max)
        .map(|issue| {
            let mut rendered = if fields.is_id_only() {
                render::issue_id_only(issue)
            } else {
                render::issue(
                    &caller.links,
                    &world,
                    issue,
                    &fields,
                    Some(&caller.account_id),
                )
            };
            super::issue::expand_record(caller, &world, issue, expand, &mut rendered);
            // Also on an id-only issue: the properties were asked for.
            properties.add_to(&issue.properties, &mut rendered);
            rendered
        })
        .collect();
    let next = offset.saturating_add(max);
    let is_last = next >= hits.len();
    let mut page = json!({ "issues": issues, "isLast": is_last });
    // `expand=names`/`schema`: the fields the page's issues carry.
    let mut returned: Vec<String> = Vec::new();
    for issue in page["issues"].as_array().into_iter().flatten() {
        for id in issue["fields"]
            .as_object()
            .into_iter()
            .flat_map(|f| f.keys())
        {
            if !returned.contains(id) {
                returned.push(id.clone());
            }
        }
    }
    super::field_details::expansions(
        &world,
        returned.iter().map(String::as_str),
        super::field_details::expands(expand, "names"),
        super::field_details::expands(expand, "schema"),
        &mut page,
    );
    if !is_last {
        page["nextPageToken"] = json!(encode_token(next, &jql_text));
    }
    Ok(Json(page))
}

/// The issues `jql_text` matches that `caller` may browse, in the site's
/// order, with the compiled query (for its `ORDER BY`). A JQL Jira cannot parse,
/// or one with no search restriction (Jira's searches that replaced
/// `/rest/api/3/search` require a bounded query), is Jira's 400. The enhanced
/// search and the approximate count (`approximate_count.rs`) share it, so both
/// parse, refuse and filter by permission alike.
pub(crate) fn visible_matches<'w>(
    world: &'w World,
    caller: &Caller,
    jql_text: &str,
) -> Result<(jql::Query, Vec<&'w IssueRecord>), JiraError> {
    let query = jql::compile(jql_text, world, &caller.account_id).map_err(JiraError::from)?;
    if !query.is_bounded() {
        return Err(JiraError::bad_request(
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
        ));
    }
    let hits = world
        .issues
        .iter()
        .filter(|issue| {
            world.may(
                &caller.account_id,
                &issue.project_key,
                SeedPermission::Browse,
            )
        })
        .filter(|issue| query.matches(issue))
        .collect();
    Ok((query, hits))
}

/// Tokens are opaque to clients and bound to their query: a token from one query
/// presented with another is refused rather than silently paging the wrong results.
pub(crate) fn encode_token(offset: usize, jql: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{:016x}", fingerprint(jql)))
}

pub(crate) fn decode_token(token: &str, jql: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (offset, print) = text.split_once(':')?;
    (print == format!("{:016x}", fingerprint(jql))).then_some(())?;
    offset.parse().ok()
}

fn fingerprint(jql: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    jql.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_bound_to_their_query() {
        let token = encode_token(50, "project = KILN");
        assert_eq!(decode_token(&token, "project = KILN"), Some(50));
        assert_eq!(decode_token(&token, "project = SEC"), None);
        assert_eq!(decode_token("not base64!", "project = KILN"), None);
    }
}
