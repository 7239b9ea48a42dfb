//! The issue picker, `getIssuePickerResource` (`GET /rest/api/3/issue/picker`):
//! suggestions for an issue field as a user types, in the spec's
//! `IssuePickerSuggestions` shape.
//!
//! It follows Jira's picker service: two sections, "History Search" (`hs`: the
//! caller's recent issues) and "Current Search" (`cs`: the issues `currentJQL`
//! matches), each keeping the issues `query` matches. Each whitespace-separated
//! word of `query` matches an issue whose key begins with it (`KILN`, `KILN-1`),
//! whose key's number begins with it (`1`), or a word of whose summary begins
//! with it, without regard to case; an issue matches when any word does. Jira
//! shares its 20 suggestions (`jira.ajax.autocomplete.limit`) between the
//! sections, a section's heading counting as one, and an empty section as one
//! more; so history comes first, and the current search gets what is left, if
//! anything. Without a `query` only history is listed (all of it, as recents);
//! without `currentJQL` there is no current search, and a `currentJQL` that does
//! not compile finds nothing, as in Jira. `currentIssueKey` is left out of both,
//! and `currentProjectId`, when it names a project, keeps that project's issues
//! only. `showSubTasks=false` leaves sub-tasks out, and
//! `showSubTaskParent=false` the parent of a sub-task `currentIssueKey`
//! names; both default to true, as Jira's picker resource declares them.
//!
//! The simulator records no page views, so "history" is the issues the caller
//! reported or changed (what Jira's history also holds, besides views), most
//! recent first. The current search lists an exact key match first, then the
//! issues matching most of the query's words, newest first.
//!
//! Only issues the caller may browse are suggested. `summary` and `keyHtml` are
//! HTML: the text is escaped and each matched word's start wrapped in
//! `<b>`…`</b>`, so a hostile summary cannot inject markup into a page that
//! shows suggestions; `summaryText` is the summary as it is.
//!
//! Only `GET` is the picker. Jira reads `PUT` and `DELETE` on the same path as
//! `editIssue` and `deleteIssue` of an issue keyed `picker`, which no issue is
//! (`issue_key_segment.rs`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::html::highlight;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jql;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::{IssueRecord, World};

/// Suggestions Jira gives, headings included (`jira.ajax.autocomplete.limit`).
const LIMIT: usize = 20;

/// Words of `query` considered; the rest are ignored, so a hostile query cannot
/// make each suggestion's matching and highlighting expensive.
const MAX_QUERY_WORDS: usize = 32;

/// The picker's query parameters.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PickerQuery {
    query: Option<String>,
    #[serde(rename = "currentJQL")]
    current_jql: Option<String>,
    current_issue_key: Option<String>,
    current_project_id: Option<String>,
    show_sub_tasks: Option<bool>,
    show_sub_task_parent: Option<bool>,
}

/// `getIssuePickerResource`.
pub(crate) async fn suggest(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PickerQuery>,
) -> Json<Value> {
    let world = shared.world();
    let me = caller.account_id.as_str();
    let words = query
        .query
        .as_deref()
        .map(Words::of)
        .filter(|words| !words.is_empty());
    let current = query.current_issue_key.as_deref().and_then(|key| {
        world
            .issues
            .iter()
            .find(|i| i.key.eq_ignore_ascii_case(key.trim()))
    });
    let excluded = current.map(|i| i.id);
    let show_sub_tasks = query.show_sub_tasks.unwrap_or(true);
    // The parent of the sub-task being edited, when it is not to be offered.
    let hidden_parent = current
        .filter(|i| i.issue_type.is_subtask() && !query.show_sub_task_parent.unwrap_or(true))
        .and_then(|i| i.parent);
    // An id that names no project restricts nothing, as in Jira's picker.
    let project = query
        .current_project_id
        .as_deref()
        .and_then(|id| world.projects.iter().find(|p| p.id == id.trim()))
        .map(|p| p.key.as_str());
    let candidate = |issue: &IssueRecord| {
        world.may(me, &issue.project_key, SeedPermission::Browse)
            && Some(issue.id) != excluded
            && Some(issue.id) != hidden_parent
            && (show_sub_tasks || !issue.issue_type.is_subtask())
            && project.is_none_or(|key| issue.project_key == key)
            && words.as_ref().is_none_or(|w| w.score(issue) > 0)
    };

    let mut sections = Vec::new();
    let mut remaining = LIMIT - 1; // the history's heading
    let recent: Vec<&IssueRecord> = history(&world, me)
        .into_iter()
        .filter(|i| candidate(i))
        .collect();
    let shown = recent.len().min(remaining);
    sections.push(section(
        &caller.links,
        "hs",
        "History Search",
        &recent,
        shown,
        words.as_ref(),
    ));
    remaining = remaining.saturating_sub(shown.max(1));

    // Jira shows no current search without a query ("just show recents").
    let current_jql = query.current_jql.filter(|_| words.is_some());
    if let Some(current_jql) = current_jql
        && remaining > 1
    {
        remaining -= 1; // the current search's heading
        let hits = current_search(&world, me, &current_jql, &candidate, words.as_ref());
        let shown = hits.len().min(remaining);
        sections.push(section(
            &caller.links,
            "cs",
            "Current Search",
            &hits,
            shown,
            words.as_ref(),
        ));
    }
    Json(json!({ "sections": sections }))
}

/// The issues `currentJQL` matches for `me` that `candidate` keeps, best first;
/// none when it does not compile.
fn current_search<'w>(
    world: &'w World,
    me: &str,
    current_jql: &str,
    candidate: &impl Fn(&IssueRecord) -> bool,
    words: Option<&Words>,
) -> Vec<&'w IssueRecord> {
    // A `currentJQL` the compiler refuses (too long, too: jql::parser's
    // bound) finds nothing, as a query Jira cannot parse does.
    let Ok(compiled) = jql::compile(current_jql, world, me) else {
        return Vec::new();
    };
    let mut hits: Vec<&IssueRecord> = world
        .issues
        .iter()
        .filter(|i| candidate(i) && compiled.matches(i))
        .collect();
    hits.sort_by(|a, b| {
        let rank = |issue: &IssueRecord| {
            words.map_or((false, 0), |w| (w.is_exact_key(issue), w.score(issue)))
        };
        rank(b).cmp(&rank(a)).then(b.id.cmp(&a.id))
    });
    hits
}

/// The caller's history, most recent first: the issues they reported or
/// changed, each at the last time they did.
fn history<'w>(world: &'w World, me: &str) -> Vec<&'w IssueRecord> {
    let last_touched = |issue: &IssueRecord| -> Option<OffsetDateTime> {
        let reported = (issue.reporter == me).then_some(issue.created);
        let changed = issue
            .history
            .iter()
            .filter(|h| h.author == me)
            .map(|h| h.created)
            .max();
        reported.max(changed)
    };
    let mut touched: Vec<(OffsetDateTime, &IssueRecord)> = world
        .issues
        .iter()
        .filter_map(|issue| last_touched(issue).map(|at| (at, issue)))
        .collect();
    touched.sort_by(|(a, x), (b, y)| b.cmp(a).then(y.id.cmp(&x.id)));
    touched.into_iter().map(|(_, issue)| issue).collect()
}

/// An `IssuePickerSuggestionsIssueType`: the first `shown` of `issues`.
fn section(
    links: &str,
    id: &str,
    label: &str,
    issues: &[&IssueRecord],
    shown: usize,
    words: Option<&Words>,
) -> Value {
    let suggested: Vec<Value> = issues
        .iter()
        .take(shown)
        .map(|issue| suggestion(links, issue, words))
        .collect();
    json!({
        "label": label,
        "sub": format!("Showing {} of {} matching issues", suggested.len(), issues.len()),
        "id": id,
        "issues": suggested,
    })
}

/// A `SuggestedIssue`.
fn suggestion(links: &str, issue: &IssueRecord, words: Option<&Words>) -> Value {
    let (key_terms, summary_terms) = words.map_or((&[][..], &[][..]), |w| {
        (w.key_terms.as_slice(), w.summary_terms.as_slice())
    });
    json!({
        "id": issue.id,
        "key": issue.key,
        "keyHtml": highlight(&issue.key, key_terms),
        "img": format!(
            "{links}/images/icons/issuetypes/{}.svg",
            issue.issue_type.name.to_lowercase()
        ),
        "summary": highlight(&issue.summary, summary_terms),
        "summaryText": issue.summary,
    })
}

/// The words of a `query`, ready to match and highlight.
struct Words {
    /// Each word, upper case, as a key (or a key's number) begins.
    key_terms: Vec<String>,
    /// Each word, lower case, as a summary's word begins; and its letters and
    /// digits alone ("hand-over": "hand", "over"), which match a summary's word
    /// whole, as Jira's analysed summary terms do.
    summary_terms: Vec<String>,
    /// Per word: (its key term, its summary prefix, its whole pieces).
    words: Vec<(String, String, Vec<String>)>,
}

impl Words {
    fn of(query: &str) -> Self {
        let mut words = Vec::new();
        for word in query.split_whitespace().take(MAX_QUERY_WORDS) {
            let pieces: Vec<String> = word
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(str::to_lowercase)
                .collect();
            words.push((word.to_uppercase(), word.to_lowercase(), pieces));
        }
        let key_terms = words.iter().map(|(key, _, _)| key.clone()).collect();
        let mut summary_terms: Vec<String> = Vec::new();
        for (_, prefix, pieces) in &words {
            for term in std::iter::once(prefix).chain(pieces) {
                if !summary_terms.contains(term) {
                    summary_terms.push(term.clone());
                }
            }
        }
        Self {
            key_terms,
            summary_terms,
            words,
        }
    }

    fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// How many of the words match `issue` (0: it does not match).
    fn score(&self, issue: &IssueRecord) -> usize {
        let key = issue.key.to_uppercase();
        let number = key.rsplit_once('-').map_or("", |(_, n)| n);
        let summary = issue.summary.to_lowercase();
        let summary_words: Vec<&str> = summary
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        self.words
            .iter()
            .filter(|(key_term, prefix, pieces)| {
                key.starts_with(key_term.as_str())
                    || number.starts_with(key_term.as_str())
                    || summary_words.iter().any(|w| w.starts_with(prefix.as_str()))
                    || pieces.iter().any(|p| summary_words.contains(&p.as_str()))
            })
            .count()
    }

    /// Whether a word is the issue's key.
    fn is_exact_key(&self, issue: &IssueRecord) -> bool {
        self.key_terms
            .iter()
            .any(|term| term.eq_ignore_ascii_case(&issue.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn matched_word_starts_are_bold_and_the_rest_escaped() {
        assert_eq!(
            highlight("Add JQL search", &terms(&["se", "jql"])),
            "Add <b>JQL</b> <b>se</b>arch"
        );
        // Inside a word is not a match.
        assert_eq!(highlight("research", &terms(&["se"])), "research");
        assert_eq!(highlight("KILN-12", &terms(&["1"])), "KILN-<b>1</b>2");
        assert_eq!(
            highlight(
                "<script>alert('x')</script> & go",
                &terms(&["script", "go"])
            ),
            "&lt;<b>script</b>&gt;alert(&#39;x&#39;)&lt;/<b>script</b>&gt; &amp; <b>go</b>"
        );
        // Overlapping terms make one bold run.
        assert_eq!(highlight("Rotate", &terms(&["ro", "rot"])), "<b>Rot</b>ate");
    }

    #[test]
    fn words_match_keys_numbers_and_summary_word_starts() {
        let world = World::from_seed(&crate::seed::Seed::default()).expect("the default seed");
        let issue = |key: &str| world.issues.iter().find(|i| i.key == key).expect(key);
        // KILN-2: "Add JQL search to the simulator".
        let kiln_2 = issue("KILN-2");
        assert_eq!(Words::of("kiln").score(kiln_2), 1);
        assert_eq!(Words::of("2").score(kiln_2), 1);
        assert_eq!(Words::of("sim jql").score(kiln_2), 2);
        assert_eq!(Words::of("ulator").score(kiln_2), 0);
        assert_eq!(Words::of("to-the").score(kiln_2), 1);
        assert!(Words::of("kiln-2").is_exact_key(kiln_2));
        assert!(Words::of("  ").is_empty());
    }
}
