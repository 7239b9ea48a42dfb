//! Atlassian Document Format: the JSON tree Jira uses for descriptions and comments.

use serde_json::{Value, json};

use crate::jira_error::JiraError;

/// A document with one paragraph per line of `text`.
pub(crate) fn from_text(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .lines()
        .map(|line| {
            if line.is_empty() {
                json!({ "type": "paragraph", "content": [] })
            } else {
                json!({ "type": "paragraph", "content": [{ "type": "text", "text": line }] })
            }
        })
        .collect();
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

/// A node's children (`content`), none when it has no list.
pub(crate) fn children(node: &Value) -> &[Value] {
    node.get("content")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A node's or mark's `type`, empty when it has none.
pub(crate) fn kind(node: &Value) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

/// A node's or mark's attribute `name`.
pub(crate) fn attr<'a>(node: &'a Value, name: &str) -> Option<&'a Value> {
    node.get("attrs").and_then(|attrs| attrs.get(name))
}

/// The text of inline nodes as written, a hard break as a newline: a code
/// block's content, a heading's words.
pub(crate) fn inline_text(nodes: &[Value]) -> String {
    nodes
        .iter()
        .map(|node| match kind(node) {
            "hardBreak" => "\n".to_owned(),
            _ => node
                .get("text")
                .and_then(Value::as_str)
                .map_or_else(|| inline_text(children(node)), str::to_owned),
        })
        .collect()
}

/// The plain text of a document, for `text ~` searches.
pub(crate) fn plain_text(doc: &Value) -> String {
    let mut out = String::new();
    collect_text(doc, &mut out);
    out
}

fn collect_text(node: &Value, out: &mut String) {
    if let Some(text) = node.get("text").and_then(Value::as_str) {
        out.push_str(text);
        out.push(' ');
    }
    if let Some(children) = node.get("content").and_then(Value::as_array) {
        for child in children {
            collect_text(child, out);
        }
    }
}

/// Whether `value` is shaped like an ADF document, as Jira checks before storing a
/// comment or description. Jira's v3 API refuses plain strings here.
pub(crate) fn is_document(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("doc")
        && value.get("version").and_then(Value::as_u64) == Some(1)
        && value.get("content").is_some_and(Value::is_array)
}

/// Whether a document holds a `text` node with no text. ADF's `text` node needs
/// at least one character (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/text/),
/// and Jira refuses such a document with a bare 400 `INVALID_INPUT`: what an app
/// that writes `description || ""` into a paragraph meets. The depth is bounded
/// by the JSON parser's nesting limit.
fn has_empty_text(node: &Value) -> bool {
    let empty = kind(node) == "text" && node.get("text").and_then(Value::as_str) == Some("");
    empty || children(node).iter().any(has_empty_text)
}

/// Jira's whole answer to a document it cannot read (an empty text node).
const INVALID_INPUT: &str = "INVALID_INPUT";

/// Refuses, with Jira's bare `INVALID_INPUT`, a document it cannot read (one
/// with an empty text node): the one rule for every rich-text field, the
/// system ones ([`optional_field`]) and the textarea custom fields.
pub(crate) fn readable(doc: &Value) -> Result<(), JiraError> {
    if has_empty_text(doc) {
        return Err(JiraError::bad_request(INVALID_INPUT));
    }
    Ok(())
}

/// An optional document field of a request (a description, a worklog comment):
/// absent or `null` is none, a document is kept, a document with an empty text
/// node is Jira's `INVALID_INPUT`, anything else is the 400 Jira gives, naming
/// `field`.
pub(crate) fn optional_field(
    field: &str,
    value: Option<Value>,
) -> Result<Option<Value>, JiraError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(doc) if is_document(&doc) => readable(&doc).map(|()| Some(doc)),
        Some(_) => Err(JiraError::field(
            field,
            "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_through_a_document() {
        let doc = from_text("first\nsecond");
        assert!(is_document(&doc));
        assert_eq!(
            plain_text(&doc).split_whitespace().collect::<Vec<_>>(),
            ["first", "second"]
        );
    }

    #[test]
    fn an_empty_text_node_anywhere_is_invalid_input() {
        let nested = json!({ "type": "doc", "version": 1, "content": [{ "type": "bulletList",
            "content": [{ "type": "listItem", "content": [{ "type": "paragraph",
                "content": [{ "type": "text", "text": "" }] }] }] }] });
        let refused = optional_field("description", Some(nested)).unwrap_err();
        assert_eq!(refused.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(refused.describe(), "INVALID_INPUT");
        // An empty paragraph is how a document says "nothing": kept.
        let empty_paragraph = json!({ "type": "doc", "version": 1, "content": [{ "type": "paragraph", "content": [] }] });
        assert!(
            optional_field("description", Some(empty_paragraph))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_plain_string_is_not_a_document() {
        assert!(!is_document(&json!("hello")));
        assert!(!is_document(
            &json!({ "type": "doc", "version": 2, "content": [] })
        ));
    }
}
