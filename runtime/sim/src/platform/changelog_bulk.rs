//! Changelogs read in bulk: `POST /changelog/bulkfetch` (`getBulkChangelogs`,
//! December 2025 spec), many issues' changelogs at once, and
//! `POST /issue/{issueIdOrKey}/changelog/list` (`getChangeLogsByIds`), one
//! issue's changelogs by id. Both render each entry as `getChangeLogs` does
//! (`issue_history/changelog.rs`), from the history the world keeps per issue
//! (bounded: `world::issue::MAX_HISTORY_ENTRIES`).
//!
//! **`getBulkChangelogs`** takes the spec's `BulkChangelogRequestBean`:
//! `issueIdsOrKeys`, 1 to 1000 issue ids or keys (an issue named twice, by key
//! and by id say, is read once); `fieldIds`, at most 10 distinct field ids, which
//! keep only the items of those fields (`summary`, `status`, `customfield_10010`
//! …: an item's `fieldId`) and only the entries left with one (items that are
//! not to a field, such as `Link`, have no `fieldId` and never match); and
//! `maxResults`, 1 to 10000 entries a page (default 1000). The entries of all
//! the issues are paged together, oldest first, ties by issue id then entry id,
//! as the spec says; a page's entries are grouped by issue
//! (`issueChangeLogs`), each issue once, in the order of its first entry on the
//! page. `nextPageToken` is given while entries remain; it is opaque, marks the
//! last entry read (so a change made between pages does not shift them) and is
//! bound to the request's issues and fields: another request's token is the
//! `400` a search gives an invalid token. An issue that does not exist and one
//! the caller may not browse are left out alike, as the answer has no place
//! for errors. The spec's example writes `created` as a number; its schema
//! (`Changelog`) says a date-time, which the simulator follows, as every other
//! changelog read writes it.
//!
//! **`getChangeLogsByIds`** takes `IssueChangelogIds`, `{"changelogIds": [...]}`
//! (read as `id_set.rs` reads id lists; the spec sets no limit, the simulator
//! reads up to `id_set::MAX_KEPT` distinct ids and refuses more), and answers
//! the issue's entries with those ids, oldest first, as a `PageOfChangelogs`
//! holding them all. The issue is the `404` of an issue the caller may not see.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use super::IssuePath;
use super::id_set::{IdSet, KeyList, MAX_KEPT};
use super::issue::visible_issue;
use super::issue_history::changelog::{render_entry, render_items};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::{HistoryItem, HistoryRecord, IssueRecord, World};

/// Issues `getBulkChangelogs` takes at most (the schema's `maxItems`).
pub(crate) const MAX_ISSUES: usize = 1000;
/// Field ids it filters by at most.
pub(crate) const MAX_FIELDS: usize = 10;
/// Its default page, and its largest.
const DEFAULT_PAGE: i64 = 1000;
const MAX_PAGE: i64 = 10_000;

/// `BulkChangelogRequestBean`, read loosely so each mistake gets its own
/// `400`: ids, keys and field ids may come as strings or integers (Jira's JSON
/// reader takes a number for a string), and a hostile list is counted, not
/// kept (`id_set.rs`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkBody {
    issue_ids_or_keys: Option<KeyList>,
    field_ids: Option<KeyList>,
    max_results: Option<i64>,
    next_page_token: Option<String>,
}

/// Where a page ends: the last entry read, by the order entries are paged in.
type Mark = (i128, u64, u64);

fn mark(issue: &IssueRecord, entry: &HistoryRecord) -> Mark {
    (entry.created.unix_timestamp_nanos(), issue.id, entry.id)
}

/// What a page token is bound to: the issues read and the fields kept.
fn fingerprint(issues: &BTreeSet<u64>, fields: &BTreeSet<String>) -> u64 {
    let mut hasher = DefaultHasher::new();
    issues.hash(&mut hasher);
    fields.hash(&mut hasher);
    hasher.finish()
}

fn encode_token(mark: Mark, print: u64) -> String {
    let (at, issue, entry) = mark;
    URL_SAFE_NO_PAD.encode(format!("{at}:{issue}:{entry}:{print:016x}"))
}

fn decode_token(token: &str, print: u64) -> Option<Mark> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = text.split(':');
    let at = parts.next()?.parse().ok()?;
    let issue = parts.next()?.parse().ok()?;
    let entry = parts.next()?.parse().ok()?;
    (parts.next()? == format!("{print:016x}") && parts.next().is_none())
        .then_some((at, issue, entry))
}

/// The request, checked: the issues' indexes (visible ones, each once), the
/// fields kept (empty: all), the page size and where it starts.
struct Bulk {
    issues: Vec<usize>,
    fields: BTreeSet<String>,
    max: usize,
    after: Option<Mark>,
    print: u64,
}

impl BulkBody {
    fn check(self, world: &World, caller: &Caller) -> Result<Bulk, JiraError> {
        let named = self.issue_ids_or_keys.unwrap_or_default();
        if named.keys.is_empty() {
            return Err(JiraError::field(
                "issueIdsOrKeys",
                "At least one issue ID or key must be provided.",
            ));
        }
        if named.too_many(MAX_ISSUES) {
            return Err(JiraError::field(
                "issueIdsOrKeys",
                format!("A maximum of {MAX_ISSUES} issue IDs or keys can be provided."),
            ));
        }
        let fields = self.field_ids.unwrap_or_default();
        let overflowed = fields.too_many(MAX_KEPT);
        let fields: BTreeSet<String> = fields.keys.into_iter().collect();
        if overflowed || fields.len() > MAX_FIELDS {
            return Err(JiraError::field(
                "fieldIds",
                format!("A maximum of {MAX_FIELDS} field IDs can be provided."),
            ));
        }
        let max = self.max_results.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&max) {
            return Err(JiraError::field(
                "maxResults",
                format!("The maximum results must be between 1 and {MAX_PAGE}."),
            ));
        }
        let mut seen = HashSet::new();
        let issues: Vec<usize> = named
            .keys
            .iter()
            .filter_map(|n| world.visible_issue(&caller.account_id, n))
            .filter(|index| seen.insert(*index))
            .collect();
        let ids: BTreeSet<u64> = issues.iter().map(|i| world.issues[*i].id).collect();
        let print = fingerprint(&ids, &fields);
        let after = match self.next_page_token.as_deref() {
            None => None,
            Some(token) => Some(decode_token(token, print).ok_or_else(|| {
                JiraError::bad_request("The provided next page token is invalid or expired.")
            })?),
        };
        Ok(Bulk {
            issues,
            fields,
            max: usize::try_from(max).unwrap_or(1),
            after,
            print,
        })
    }
}

/// `getBulkChangelogs`.
pub(crate) async fn bulk_fetch(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<BulkBody>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let bulk = body.check(&world, &caller)?;
    let kept = |item: &HistoryItem| bulk.fields.is_empty() || bulk.fields.contains(&item.field_id);
    let mut entries: Vec<(Mark, &IssueRecord, &HistoryRecord)> = bulk
        .issues
        .iter()
        .map(|index| &world.issues[*index])
        .flat_map(|issue| {
            issue
                .history
                .iter()
                .map(move |entry| (issue, entry.as_ref()))
        })
        .filter(|(_, entry)| entry.items.iter().any(kept))
        .map(|(issue, entry)| (mark(issue, entry), issue, entry))
        .filter(|(at, ..)| bulk.after.is_none_or(|after| *at > after))
        .collect();
    entries.sort_unstable_by_key(|(at, ..)| *at);
    let more = entries.len() > bulk.max;
    entries.truncate(bulk.max);
    // Grouped by issue, in the order of each issue's first entry on the page.
    let mut groups: Vec<(u64, Vec<Value>)> = Vec::new();
    let mut group_of: HashMap<u64, usize> = HashMap::new();
    for (_, issue, entry) in &entries {
        let rendered = render_items(
            &caller.links,
            &world,
            entry,
            entry.items.iter().filter(|i| kept(i)),
        );
        let group = *group_of.entry(issue.id).or_insert_with(|| {
            groups.push((issue.id, Vec::new()));
            groups.len() - 1
        });
        if let Some((_, histories)) = groups.get_mut(group) {
            histories.push(rendered);
        }
    }
    let mut answer = json!({
        "issueChangeLogs": groups
            .into_iter()
            .map(|(id, histories)| json!({ "issueId": id.to_string(), "changeHistories": histories }))
            .collect::<Vec<_>>(),
    });
    if more && let Some((last, ..)) = entries.last() {
        answer["nextPageToken"] = json!(encode_token(*last, bulk.print));
    }
    Ok(Json(answer))
}

/// `IssueChangelogIds`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ByIdsBody {
    changelog_ids: Option<IdSet>,
}

/// `getChangeLogsByIds`.
pub(crate) async fn by_ids(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(body): JiraJson<ByIdsBody>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let Some(ids) = body.changelog_ids else {
        return Err(JiraError::field(
            "changelogIds",
            "The changelog IDs must be provided.",
        ));
    };
    if ids.too_many(MAX_KEPT) {
        return Err(JiraError::field(
            "changelogIds",
            format!("A maximum of {MAX_KEPT} changelog IDs can be specified."),
        ));
    }
    let histories: Vec<Value> = world.issues[index]
        .history
        .iter()
        .filter(|entry| ids.contains(entry.id))
        .map(|entry| render_entry(&caller.links, &world, entry))
        .collect();
    Ok(Json(json!({
        "startAt": 0,
        "maxResults": histories.len(),
        "total": histories.len(),
        "histories": histories,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_are_bound_to_their_request() {
        let issues = BTreeSet::from([10_000, 10_001]);
        let fields = BTreeSet::from([String::from("status")]);
        let print = fingerprint(&issues, &fields);
        let mark = (-5_i128, 10_001, 10_042);
        let token = encode_token(mark, print);
        assert_eq!(decode_token(&token, print), Some(mark));
        let other = fingerprint(&issues, &BTreeSet::new());
        assert_eq!(decode_token(&token, other), None);
        for bad in ["", "!!", "bm90IGEgdG9rZW4"] {
            assert_eq!(decode_token(bad, print), None, "{bad}");
        }
    }
}
