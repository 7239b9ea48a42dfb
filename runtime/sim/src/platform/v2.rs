//! Jira's REST API v2 (`/rest/api/2/...`) over the simulator's v3.
//!
//! Atlassian's v2 and v3 offer the same operations with the same scopes; v3 adds
//! the Atlassian Document Format. So the simulator serves v2 with v3's handlers
//! and translates rich text at the edge (`wiki.rs`): a description, environment,
//! comment body or worklog comment a v2 client writes as a string becomes a
//! document before the handler sees it, and every document a v2 answer carries
//! is written back as wiki markup. The answer's `self` links name v2. Property
//! values (app data) and attachment content (files) are passed through
//! untouched, whatever they hold.

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::wiki;
use crate::adf;
use crate::jira_error::JiraError;

/// Largest request body translated: axum's default limit for a JSON body, which
/// the v3 handler would apply anyway.
const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// Largest answer translated: far above the simulator's largest page.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// What a v2 route's bodies hold, by its template after `/rest/api/2`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Issue create, edit and transition: `fields` and `update` of an issue.
    Issue,
    /// A bulk create: each of `issueUpdates` is an [`Shape::Issue`].
    IssueBulk,
    /// A comment: its `body`.
    Comment,
    /// A worklog: its `comment`.
    Worklog,
    /// An issue link request: its `comment`'s `body`.
    IssueLink,
    /// Properties: app data, never translated.
    AppData,
    /// An attachment's content: a file, whatever its type (a JSON file is not an
    /// answer to translate), never translated.
    File,
    /// Anything else: answers only.
    Other,
}

fn shape(route: &str) -> Shape {
    if route.contains("/properties") {
        Shape::AppData
    } else if route.starts_with("/attachment/content/") {
        Shape::File
    } else if route.contains("/comment") {
        Shape::Comment
    } else if route.contains("/worklog") {
        Shape::Worklog
    } else if route == "/issueLink" {
        Shape::IssueLink
    } else if route == "/issue/bulk" {
        Shape::IssueBulk
    } else if route == "/issue"
        || route == "/issue/{issue_id_or_key}"
        || route.ends_with("/transitions")
    {
        Shape::Issue
    } else {
        Shape::Other
    }
}

/// Marks a request that came through `/rest/api/2`, for the handlers that read a
/// value by a type only the world knows (a textarea custom field's string).
#[derive(Debug, Clone, Copy)]
pub(crate) struct V2Request;

/// The middleware of the `/rest/api/2` routes.
pub(crate) async fn translate(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(V2Request);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| {
            matched
                .as_str()
                .split_once("/rest/api/2")
                .map(|(_, route)| route.to_owned())
        })
        .unwrap_or_default();
    let shape = shape(&route);
    if matches!(shape, Shape::AppData | Shape::File) {
        return next.run(request).await;
    }
    let request = match translated_request(request, shape).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    translated_response(next.run(request).await).await
}

async fn translated_request(request: Request, shape: Shape) -> Result<Request, Response> {
    let writes = matches!(*request.method(), Method::POST | Method::PUT);
    if !writes || shape == Shape::Other {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_REQUEST_BYTES).await.map_err(|_| {
        JiraError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
        .into_response()
    })?;
    // Not JSON: the v3 handler answers it as it answers any malformed body.
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) => {
            strings_to_documents(&mut value, shape);
            Body::from(serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec()))
        }
        Err(_) => Body::from(bytes),
    };
    let mut request = Request::from_parts(parts, body);
    request.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(request)
}

/// Rich-text fields a v2 client sends as strings, made documents where v3 wants them.
fn strings_to_documents(value: &mut Value, shape: Shape) {
    match shape {
        Shape::Comment => to_document(value.get_mut("body")),
        Shape::Worklog => to_document(value.get_mut("comment")),
        Shape::IssueLink => to_document(
            value
                .get_mut("comment")
                .and_then(|comment| comment.get_mut("body")),
        ),
        Shape::Issue => {
            if let Some(fields) = value.get_mut("fields").and_then(Value::as_object_mut) {
                for name in ["description", "environment"] {
                    to_document(fields.get_mut(name));
                }
            }
            if let Some(update) = value.get_mut("update").and_then(Value::as_object_mut) {
                for (name, operations) in update.iter_mut() {
                    let Some(operations) = operations.as_array_mut() else {
                        continue;
                    };
                    for operation in operations.iter_mut().filter_map(Value::as_object_mut) {
                        match name.as_str() {
                            "description" | "environment" => {
                                to_document(operation.get_mut("set"));
                            }
                            "comment" => {
                                for verb in ["add", "edit"] {
                                    if let Some(comment) = operation.get_mut(verb) {
                                        to_document(comment.get_mut("body"));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        Shape::IssueBulk => {
            if let Some(elements) = value.get_mut("issueUpdates").and_then(Value::as_array_mut) {
                for element in elements {
                    strings_to_documents(element, Shape::Issue);
                }
            }
        }
        Shape::AppData | Shape::File | Shape::Other => {}
    }
}

fn to_document(value: Option<&mut Value>) {
    if let Some(value) = value
        && let Some(text) = value.as_str()
    {
        *value = wiki::to_adf(text);
    }
}

async fn translated_response(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_RESPONSE_BYTES).await else {
        return JiraError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "The simulator's answer was too large to translate for /rest/api/2.",
        )
        .into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    documents_to_strings(&mut value);
    let bytes = serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// Every document of a v2 answer as wiki markup, every `self` link as v2's.
/// The agile API's issues are rendered so too (`software::issues`).
pub(crate) fn documents_to_strings(value: &mut Value) {
    if adf::is_document(value) {
        *value = Value::String(wiki::from_adf(value));
        return;
    }
    match value {
        Value::Object(object) => {
            for (name, child) in object.iter_mut() {
                if name == "properties" {
                    // Issue properties in an answer (`?properties=`): app data.
                    continue;
                }
                if name == "self"
                    && let Value::String(link) = child
                    && link.contains("/rest/api/3/")
                {
                    *link = link.replacen("/rest/api/3/", "/rest/api/2/", 1);
                    continue;
                }
                documents_to_strings(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(documents_to_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_v2_issue_edit_has_its_strings_made_documents_and_nothing_else() {
        let mut body = json!({
            "fields": { "summary": "s", "description": "a\n\nb", "labels": ["x"] },
            "update": {
                "comment": [{ "add": { "body": "hi" } }],
                "description": [{ "set": "new" }],
                "labels": [{ "add": "description" }]
            }
        });
        strings_to_documents(&mut body, Shape::Issue);
        assert_eq!(body["fields"]["description"], wiki::to_adf("a\n\nb"));
        assert_eq!(body["fields"]["summary"], "s");
        assert_eq!(
            body["update"]["comment"][0]["add"]["body"],
            wiki::to_adf("hi")
        );
        assert_eq!(body["update"]["description"][0]["set"], wiki::to_adf("new"));
        assert_eq!(body["update"]["labels"][0]["add"], "description");
    }

    #[test]
    fn a_v2_answer_carries_strings_and_v2_links_but_app_data_is_untouched() {
        let doc = wiki::to_adf("hello");
        let mut answer = json!({
            "self": "http://127.0.0.1:1/rest/api/3/issue/10000",
            "fields": { "description": doc, "comment": { "comments": [{ "body": doc }] } },
            "properties": { "p": { "self": "/rest/api/3/x", "note": doc } }
        });
        documents_to_strings(&mut answer);
        assert_eq!(answer["self"], "http://127.0.0.1:1/rest/api/2/issue/10000");
        assert_eq!(answer["fields"]["description"], "hello");
        assert_eq!(answer["fields"]["comment"]["comments"][0]["body"], "hello");
        assert_eq!(answer["properties"]["p"]["note"], doc);
        assert_eq!(answer["properties"]["p"]["self"], "/rest/api/3/x");
    }

    #[test]
    fn properties_routes_are_app_data() {
        assert!(shape("/issue/{issue_id_or_key}/properties/{property_key}") == Shape::AppData);
        assert!(shape("/issue/{issue_id_or_key}/comment/{id}") == Shape::Comment);
        assert!(shape("/issue/{issue_id_or_key}/transitions") == Shape::Issue);
        assert!(shape("/search/jql") == Shape::Other);
        assert!(shape("/issueLink") == Shape::IssueLink);
        assert!(shape("/issue/bulk") == Shape::IssueBulk);
        assert!(shape("/issueLink/{link_id}") == Shape::Other);
        assert!(shape("/attachment/content/{id}") == Shape::File);
        // An upload's multipart body is not JSON: `Other` leaves it unread.
        assert!(shape("/issue/{issue_id_or_key}/attachments") == Shape::Other);
    }
}
