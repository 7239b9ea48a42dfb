//! Rich text as Jira's REST API v2 writes and reads it: a string of Jira wiki markup,
//! where v3 has an Atlassian Document Format tree (`adf.rs`).
//!
//! Jira keeps one document and shows it either way. Reading (v2): [`from_adf`]
//! renders the common nodes and marks as wiki markup — paragraphs separated by a
//! blank line, a hard break as a line break, `*strong*`, `_emphasis_`, `{{code}}`,
//! `-strike-`, `+underline+`, `[text|url]`, `h1.`, `*`/`#` lists, `{code}`,
//! `{quote}`, `----`, `[~accountid:…]` mentions, `||` tables — and any other node
//! as its text. Writing (v2): [`to_adf`] makes a blank line a paragraph break and a
//! single newline a hard break, and keeps the text as written (markup is not parsed
//! into marks), so what a v2 client writes it reads back unchanged.

use serde_json::{Value, json};

use crate::adf::{attr, children, inline_text, kind};

/// The document a v2 client's `text` stands for.
pub(crate) fn to_adf(text: &str) -> Value {
    let normalised = text.replace("\r\n", "\n");
    let paragraphs: Vec<Value> = normalised
        .split("\n\n")
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| {
            let mut content = Vec::new();
            for (i, line) in paragraph.split('\n').enumerate() {
                if i > 0 {
                    content.push(json!({ "type": "hardBreak" }));
                }
                if !line.is_empty() {
                    content.push(json!({ "type": "text", "text": line }));
                }
            }
            json!({ "type": "paragraph", "content": content })
        })
        .collect();
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

/// The wiki markup of the document `doc`.
pub(crate) fn from_adf(doc: &Value) -> String {
    blocks(children(doc), "")
}

/// Block nodes, separated by a blank line; `list_prefix` is the bullets of the
/// lists they sit in (`*#`).
fn blocks(nodes: &[Value], list_prefix: &str) -> String {
    let rendered: Vec<String> = nodes
        .iter()
        .map(|node| block(node, list_prefix))
        .filter(|text| !text.is_empty())
        .collect();
    rendered.join(if list_prefix.is_empty() { "\n\n" } else { "\n" })
}

fn block(node: &Value, list_prefix: &str) -> String {
    match kind(node) {
        "paragraph" => inline(children(node)),
        "heading" => {
            let level = attr(node, "level")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 6);
            format!("h{level}. {}", inline(children(node)))
        }
        "bulletList" => list(node, &format!("{list_prefix}*")),
        "orderedList" => list(node, &format!("{list_prefix}#")),
        "codeBlock" => {
            let language = attr(node, "language").and_then(Value::as_str);
            let open = language.map_or("{code}".to_owned(), |l| format!("{{code:{l}}}"));
            format!("{open}\n{}\n{{code}}", inline_text(children(node)))
        }
        "blockquote" => format!("{{quote}}\n{}\n{{quote}}", blocks(children(node), "")),
        "rule" => "----".to_owned(),
        "table" => children(node)
            .iter()
            .map(|row| {
                // Each cell opens with its own bar, `||` for a header cell and `|`
                // for a data cell, as in Jira's markup, where a row may mix them
                // (a key/value table: `||CVE ID|CVE-2024-1|`); the row closes with
                // its last cell's bar.
                let bar = |cell: &Value| {
                    if kind(cell) == "tableHeader" {
                        "||"
                    } else {
                        "|"
                    }
                };
                let cells = children(row);
                let mut line = String::new();
                for cell in cells {
                    line.push_str(bar(cell));
                    line.push_str(&blocks(children(cell), "").replace('\n', " "));
                }
                if let Some(last) = cells.last() {
                    line.push_str(bar(last));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "mediaSingle" | "mediaGroup" => String::new(),
        _ if node.get("text").is_some() => inline(std::slice::from_ref(node)),
        _ => blocks(children(node), list_prefix),
    }
}

fn list(node: &Value, prefix: &str) -> String {
    children(node)
        .iter()
        .map(|item| {
            let mut lines = Vec::new();
            for child in children(item) {
                match kind(child) {
                    "bulletList" | "orderedList" => lines.push(block(child, prefix)),
                    _ => lines.push(format!("{prefix} {}", block(child, ""))),
                }
            }
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn inline(nodes: &[Value]) -> String {
    let mut out = String::new();
    for node in nodes {
        match kind(node) {
            "text" => out.push_str(&marked(node)),
            "hardBreak" => out.push('\n'),
            "mention" => {
                let id = attr(node, "id").and_then(Value::as_str).unwrap_or("");
                out.push_str(&format!("[~accountid:{id}]"));
            }
            "emoji" => {
                let text = attr(node, "text")
                    .or_else(|| attr(node, "shortName"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.push_str(text);
            }
            "inlineCard" => {
                if let Some(url) = attr(node, "url").and_then(Value::as_str) {
                    out.push_str(&format!("[{url}|{url}|smart-link]"));
                }
            }
            _ => out.push_str(&inline(children(node))),
        }
    }
    out
}

fn marked(node: &Value) -> String {
    let mut text = node
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let marks = node.get("marks").and_then(Value::as_array);
    for mark in marks.map_or(&[][..], Vec::as_slice) {
        text = match kind(mark) {
            "strong" => format!("*{text}*"),
            "em" => format!("_{text}_"),
            "code" => format!("{{{{{text}}}}}"),
            "strike" => format!("-{text}-"),
            "underline" => format!("+{text}+"),
            "subsup" if attr(mark, "type").and_then(Value::as_str) == Some("sub") => {
                format!("~{text}~")
            }
            "subsup" => format!("^{text}^"),
            "link" => match attr(mark, "href").and_then(Value::as_str) {
                Some(href) => format!("[{text}|{href}]"),
                None => text,
            },
            _ => text,
        };
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_v2_client_writes_it_reads_back() {
        for text in [
            "plain",
            "line one\nline two",
            "para one\n\npara two\nwith a break",
            "*not parsed* {code} [x|y]",
        ] {
            assert_eq!(from_adf(&to_adf(text)), text, "{text:?}");
        }
        assert_eq!(from_adf(&to_adf("")), "");
        assert_eq!(from_adf(&to_adf("a\r\nb")), "a\nb");
    }

    #[test]
    fn a_v3_document_reads_as_wiki_markup() {
        let doc = json!({
            "type": "doc", "version": 1, "content": [
                { "type": "heading", "attrs": { "level": 2 }, "content": [{ "type": "text", "text": "Outage" }] },
                { "type": "paragraph", "content": [
                    { "type": "text", "text": "Ask " },
                    { "type": "mention", "attrs": { "id": "5b10a2844c20165700ede21g", "text": "@Alice" } },
                    { "type": "text", "text": " about " },
                    { "type": "text", "text": "KILN-1", "marks": [{ "type": "strong" }] },
                    { "type": "text", "text": ", see " },
                    { "type": "text", "text": "the runbook", "marks": [{ "type": "link", "attrs": { "href": "https://example.com/rb" } }] },
                    { "type": "hardBreak" },
                    { "type": "text", "text": "now", "marks": [{ "type": "em" }, { "type": "code" }] }
                ] },
                { "type": "bulletList", "content": [
                    { "type": "listItem", "content": [
                        { "type": "paragraph", "content": [{ "type": "text", "text": "one" }] },
                        { "type": "orderedList", "content": [
                            { "type": "listItem", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "one.a" }] }] }
                        ] }
                    ] },
                    { "type": "listItem", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "two" }] }] }
                ] },
                { "type": "codeBlock", "attrs": { "language": "sh" }, "content": [{ "type": "text", "text": "kiln run\nkiln serve" }] },
                { "type": "rule" },
                { "type": "table", "content": [
                    { "type": "tableRow", "content": [
                        { "type": "tableHeader", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "Key" }] }] },
                        { "type": "tableHeader", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "State" }] }] }
                    ] },
                    { "type": "tableRow", "content": [
                        { "type": "tableCell", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "KILN-1" }] }] },
                        { "type": "tableCell", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "open" }] }] }
                    ] },
                    { "type": "tableRow", "content": [
                        { "type": "tableHeader", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "CVE" }] }] },
                        { "type": "tableCell", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "CVE-2024-1" }] }] }
                    ] }
                ] }
            ]
        });
        assert_eq!(
            from_adf(&doc),
            "h2. Outage\n\n\
             Ask [~accountid:5b10a2844c20165700ede21g] about *KILN-1*, see [the runbook|https://example.com/rb]\n{{_now_}}\n\n\
             * one\n*# one.a\n* two\n\n\
             {code:sh}\nkiln run\nkiln serve\n{code}\n\n\
             ----\n\n\
             ||Key||State||\n|KILN-1|open|\n||CVE|CVE-2024-1|"
        );
    }
}
