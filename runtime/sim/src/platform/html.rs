//! Rich text as Jira renders it for reading: the HTML of `expand=renderedFields`
//! on an issue and of `expand=renderedBody` on a comment, made from the stored
//! Atlassian Document Format tree (`adf.rs`).
//!
//! Jira renders a document through its wiki renderer, so the markup is that
//! renderer's: `<p>` paragraphs, `<b>`, `<em>`, `<tt>` (inline code), `<del>`,
//! `<ins>`, `<sub>`, `<sup>`, `<br/>`, `<h1>`–`<h6>` with an anchor, `<ul>`/`<ol>`
//! with `<li>` items, a code panel whose `<pre>` names the language (`java` when
//! none is given, Jira's default), `<blockquote>`, `<hr />`, Confluence-style
//! tables, mentions as `user-hover` links and links marked `external-link`.
//! Media and other nodes Jira draws from its own stores render as nothing, any
//! other node as its text.
//!
//! The document is whatever a client stored, so everything taken from it is
//! escaped: text and attribute values get `&`, `<`, `>`, `"` and `'` as entities,
//! a link keeps its `href` only for a scheme a browser will not run
//! ([`SAFE_LINK_SCHEMES`]), and a colour only when it is a `#rrggbb` value. A
//! reader that puts this HTML into a page (an app's issue export, an email) gets
//! markup, never a script the document's author smuggled in.

use std::fmt::Write as _;

use serde_json::Value;

use crate::adf::{self, children, inline_text, kind};
use crate::world::World;

/// The schemes a rendered link may point at. `javascript:`, `data:`, `vbscript:`
/// and anything else are what an author would use to run code in the reader's
/// page, so such a link renders as its text alone, as Jira's renderer drops links
/// it does not trust.
const SAFE_LINK_SCHEMES: &[&str] = &["http:", "https:", "mailto:", "ftp:"];

/// The HTML of document `doc`; `links` is the site's base URL (for mentions).
pub(crate) fn from_adf(links: &str, world: &World, doc: &Value) -> String {
    Renderer { links, world }.blocks(children(doc))
}

struct Renderer<'a> {
    links: &'a str,
    world: &'a World,
}

/// A node's string attribute `name`.
fn attr<'a>(node: &'a Value, name: &str) -> Option<&'a str> {
    adf::attr(node, name).and_then(Value::as_str)
}

/// `text` with the characters that mean something in HTML (in content or in a
/// quoted attribute) as entities.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// Appends `c` to `out`, as an entity when it means something in HTML.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        _ => out.push(c),
    }
}

/// `text` as HTML, with each place a word of it begins with one of `terms`
/// (without regard to case) wrapped in `<b>`…`</b>`. The text is escaped
/// character by character after the places are found, so a term can never
/// split an entity, and nothing of `text` is ever markup.
pub(crate) fn highlight(text: &str, terms: &[String]) -> String {
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = chars.iter().map(|&c| lower(c)).collect();
    let mut bold = vec![false; chars.len()];
    for term in terms {
        let term: Vec<char> = term.chars().map(lower).collect();
        if term.is_empty() {
            continue;
        }
        for start in 0..chars.len() {
            let begins_word = start == 0 || !chars[start - 1].is_alphanumeric();
            if begins_word && folded[start..].starts_with(&term) {
                bold[start..start + term.len()].fill(true);
            }
        }
    }
    let mut html = String::with_capacity(text.len() + 16);
    for (at, &c) in chars.iter().enumerate() {
        if bold[at] && (at == 0 || !bold[at - 1]) {
            html.push_str("<b>");
        }
        push_escaped(&mut html, c);
        if bold[at] && bold.get(at + 1) != Some(&true) {
            html.push_str("</b>");
        }
    }
    html
}

/// `href` if a browser following it opens a page rather than running code.
fn safe_href(href: &str) -> Option<&str> {
    let trimmed = href.trim();
    let lower = trimmed.to_ascii_lowercase();
    SAFE_LINK_SCHEMES
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        .then_some(trimmed)
}

/// `color` if it is a `#rrggbb` (or `#rgb`) value, the only colours ADF writes.
fn safe_color(color: &str) -> Option<&str> {
    let digits = color.strip_prefix('#')?;
    (matches!(digits.len(), 3 | 6) && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(color)
}

impl Renderer<'_> {
    /// Block nodes, one after another as the wiki renderer separates them.
    fn blocks(&self, nodes: &[Value]) -> String {
        nodes
            .iter()
            .map(|node| self.block(node))
            .filter(|html| !html.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    fn block(&self, node: &Value) -> String {
        match kind(node) {
            "paragraph" => format!("<p>{}</p>", self.inline(children(node))),
            "heading" => {
                let level = adf::attr(node, "level")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 6);
                let text = inline_text(children(node));
                // The wiki renderer gives each heading an anchor named after its
                // text without spaces or punctuation.
                let anchor: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
                format!(
                    "<h{level}><a name=\"{}\"></a>{}</h{level}>",
                    escape(&anchor),
                    self.inline(children(node))
                )
            }
            "bulletList" => self.list(node, "ul"),
            "orderedList" => self.list(node, "ol"),
            "codeBlock" => {
                let language = attr(node, "language")
                    .filter(|l| !l.is_empty())
                    .unwrap_or("java");
                format!(
                    "<div class=\"code panel\" style=\"border-width: 1px;\"><div class=\"codeContent panelContent\">\n<pre class=\"code-{}\">{}</pre>\n</div></div>",
                    escape(language),
                    escape(&inline_text(children(node)))
                )
            }
            "blockquote" => format!("<blockquote>{}</blockquote>", self.blocks(children(node))),
            "panel" => format!(
                "<div class=\"panel\" style=\"border-width: 1px;\"><div class=\"panelContent\">\n{}\n</div></div>",
                self.blocks(children(node))
            ),
            "rule" => "<hr />".to_owned(),
            "table" => self.table(node),
            "mediaSingle" | "mediaGroup" | "media" => String::new(),
            _ if node.get("text").is_some() => self.inline(std::slice::from_ref(node)),
            _ => self.blocks(children(node)),
        }
    }

    fn list(&self, node: &Value, tag: &str) -> String {
        let mut out = format!("<{tag}>\n");
        for item in children(node) {
            // An item's paragraphs render as its text, as the wiki renderer
            // writes `* item`; a nested list follows inside the same item.
            let parts: Vec<String> = children(item)
                .iter()
                .map(|child| match kind(child) {
                    "paragraph" => self.inline(children(child)),
                    _ => self.block(child),
                })
                .collect();
            let _ = writeln!(out, "\t<li>{}</li>", parts.join("\n"));
        }
        let _ = write!(out, "</{tag}>");
        out
    }

    fn table(&self, node: &Value) -> String {
        let mut out =
            String::from("<div class='table-wrap'>\n<table class='confluenceTable'><tbody>\n");
        for row in children(node) {
            out.push_str("<tr>\n");
            for cell in children(row) {
                let (tag, class) = if kind(cell) == "tableHeader" {
                    ("th", "confluenceTh")
                } else {
                    ("td", "confluenceTd")
                };
                let content: Vec<String> = children(cell)
                    .iter()
                    .map(|child| match kind(child) {
                        "paragraph" => self.inline(children(child)),
                        _ => self.block(child),
                    })
                    .collect();
                let _ = writeln!(out, "<{tag} class='{class}'>{}</{tag}>", content.join(" "));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n</div>");
        out
    }

    fn inline(&self, nodes: &[Value]) -> String {
        let mut out = String::new();
        for node in nodes {
            match kind(node) {
                "text" => out.push_str(&marked(node)),
                "hardBreak" => out.push_str("<br/>\n"),
                "mention" => out.push_str(&self.mention(node)),
                "emoji" => {
                    let text = attr(node, "text")
                        .or_else(|| attr(node, "shortName"))
                        .unwrap_or("");
                    out.push_str(&escape(text));
                }
                "inlineCard" => {
                    if let Some(url) = attr(node, "url").and_then(safe_href) {
                        let url = escape(url);
                        let _ = write!(
                            out,
                            "<a href=\"{url}\" class=\"external-link\" rel=\"nofollow noreferrer\">{url}</a>"
                        );
                    }
                }
                "status" => out.push_str(&escape(attr(node, "text").unwrap_or(""))),
                _ if node.get("text").is_some() => out.push_str(&marked(node)),
                _ => out.push_str(&self.inline(children(node))),
            }
        }
        out
    }

    /// A mention links to the person's profile and shows their current name, as
    /// Jira looks the account up when it renders (the name in the document is
    /// what the author saw, and is used only for an account the site does not
    /// know).
    fn mention(&self, node: &Value) -> String {
        let id = attr(node, "id").unwrap_or("");
        let name = self.world.user(id).map_or_else(
            || {
                attr(node, "text")
                    .unwrap_or("")
                    .trim_start_matches('@')
                    .to_owned()
            },
            |user| user.display_name.clone(),
        );
        let id = escape(id);
        format!(
            "<a href=\"{}/secure/ViewProfile.jspa?accountId={id}\" class=\"user-hover\" rel=\"{id}\" data-account-id=\"{id}\" accountid=\"{id}\">{}</a>",
            self.links,
            escape(&name)
        )
    }
}

/// A text node with its marks, innermost first.
fn marked(node: &Value) -> String {
    let mut html = escape(node.get("text").and_then(Value::as_str).unwrap_or(""));
    let marks = node.get("marks").and_then(Value::as_array);
    for mark in marks.map_or(&[][..], Vec::as_slice) {
        html = match kind(mark) {
            "strong" => format!("<b>{html}</b>"),
            "em" => format!("<em>{html}</em>"),
            "code" => format!("<tt>{html}</tt>"),
            "strike" => format!("<del>{html}</del>"),
            "underline" => format!("<ins>{html}</ins>"),
            "subsup" if attr(mark, "type") == Some("sub") => format!("<sub>{html}</sub>"),
            "subsup" => format!("<sup>{html}</sup>"),
            "textColor" => match attr(mark, "color").and_then(safe_color) {
                Some(color) => format!("<font color=\"{color}\">{html}</font>"),
                None => html,
            },
            "link" => match attr(mark, "href").and_then(safe_href) {
                Some(href) => format!(
                    "<a href=\"{}\" class=\"external-link\" rel=\"nofollow noreferrer\">{html}</a>",
                    escape(href)
                ),
                None => html,
            },
            _ => html,
        };
    }
    html
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::seed::Seed;

    fn world() -> World {
        World::from_seed(&Seed::default()).expect("the default seed")
    }

    fn render(doc: Value) -> String {
        from_adf("https://site.test", &world(), &doc)
    }

    #[test]
    fn common_nodes_render_as_jiras_wiki_renderer_writes_them() {
        let doc = json!({
            "type": "doc", "version": 1, "content": [
                { "type": "heading", "attrs": { "level": 2 }, "content": [{ "type": "text", "text": "Outage now" }] },
                { "type": "paragraph", "content": [
                    { "type": "text", "text": "Ask " },
                    { "type": "text", "text": "KILN-1", "marks": [{ "type": "strong" }] },
                    { "type": "text", "text": ", see " },
                    { "type": "text", "text": "the runbook", "marks": [{ "type": "link", "attrs": { "href": "https://example.com/rb?a=1&b=2" } }] },
                    { "type": "hardBreak" },
                    { "type": "text", "text": "now", "marks": [{ "type": "em" }, { "type": "code" }] }
                ] },
                { "type": "bulletList", "content": [
                    { "type": "listItem", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "one" }] }] },
                    { "type": "listItem", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "two" }] }] }
                ] },
                { "type": "codeBlock", "content": [{ "type": "text", "text": "if a < b {}" }] },
                { "type": "rule" }
            ]
        });
        assert_eq!(
            render(doc),
            "<h2><a name=\"Outagenow\"></a>Outage now</h2>\n\n\
             <p>Ask <b>KILN-1</b>, see <a href=\"https://example.com/rb?a=1&amp;b=2\" class=\"external-link\" rel=\"nofollow noreferrer\">the runbook</a><br/>\n<tt><em>now</em></tt></p>\n\n\
             <ul>\n\t<li>one</li>\n\t<li>two</li>\n</ul>\n\n\
             <div class=\"code panel\" style=\"border-width: 1px;\"><div class=\"codeContent panelContent\">\n<pre class=\"code-java\">if a &lt; b {}</pre>\n</div></div>\n\n\
             <hr />"
        );
    }

    #[test]
    fn a_table_renders_confluence_style() {
        let doc = json!({ "type": "doc", "version": 1, "content": [
            { "type": "table", "content": [
                { "type": "tableRow", "content": [
                    { "type": "tableHeader", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "Key" }] }] },
                    { "type": "tableCell", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "KILN-1" }] }] }
                ] }
            ] }
        ] });
        assert_eq!(
            render(doc),
            "<div class='table-wrap'>\n<table class='confluenceTable'><tbody>\n<tr>\n\
             <th class='confluenceTh'>Key</th>\n<td class='confluenceTd'>KILN-1</td>\n\
             </tr>\n</tbody></table>\n</div>"
        );
    }

    #[test]
    fn a_mention_shows_the_accounts_current_name() {
        let world = world();
        let user = &world.users[0];
        let doc = json!({ "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [
                { "type": "mention", "attrs": { "id": user.account_id, "text": "@Old name" } },
                { "type": "mention", "attrs": { "id": "gone", "text": "@Left <b>" } }
            ] }
        ] });
        let html = from_adf("https://site.test", &world, &doc);
        assert!(html.contains(&format!(
            "<a href=\"https://site.test/secure/ViewProfile.jspa?accountId={0}\" class=\"user-hover\" rel=\"{0}\" data-account-id=\"{0}\" accountid=\"{0}\">{1}</a>",
            user.account_id,
            escape(&user.display_name)
        )), "{html}");
        assert!(html.contains(">Left &lt;b&gt;</a>"), "{html}");
    }

    #[test]
    fn what_an_author_writes_cannot_become_markup_or_script() {
        let doc = json!({ "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [
                { "type": "text", "text": "<script>alert(1)</script>\"'&" },
                { "type": "text", "text": "click", "marks": [{ "type": "link", "attrs": { "href": "javascript:alert(1)" } }] },
                { "type": "text", "text": "data", "marks": [{ "type": "link", "attrs": { "href": " JaVaScRiPt:alert(1)" } }] },
                { "type": "text", "text": "quote", "marks": [{ "type": "link", "attrs": { "href": "https://x.test/\" onmouseover=\"alert(1)" } }] },
                { "type": "text", "text": "red", "marks": [{ "type": "textColor", "attrs": { "color": "red\" onclick=\"x" } }] },
                { "type": "inlineCard", "attrs": { "url": "data:text/html,<script>" } }
            ] },
            { "type": "codeBlock", "attrs": { "language": "\"><script>" }, "content": [{ "type": "text", "text": "</pre><script>" }] },
            { "type": "heading", "attrs": { "level": 99 }, "content": [{ "type": "text", "text": "\"><img>" }] }
        ] });
        let html = render(doc);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(!html.contains("\" onmouseover"), "{html}");
        assert!(!html.contains("\" onclick"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"),
            "{html}"
        );
        assert!(html.contains("<h6>"), "levels are clamped: {html}");
    }

    #[test]
    fn an_empty_document_renders_as_nothing() {
        assert_eq!(
            render(json!({ "type": "doc", "version": 1, "content": [] })),
            ""
        );
    }
}
