//! An issue's changelog (`GET /rest/api/3/issue/{issueIdOrKey}/changelog`,
//! `getChangeLogs`): a `PageBeanChangelog` of the issue's history, oldest first
//! as Jira pages it.
//!
//! The entries are recorded by the writes that raise `jira:issue_updated` (edit,
//! transition, assignment), with the webhook's changelog id and items, and by
//! the writes Jira logs without raising it ([`record_unannounced`]): attachments,
//! issue links and remote links added and removed; and by work logged, edited
//! and deleted, which the simulator announces with `worklog_created`,
//! `worklog_updated` and `worklog_deleted` only (Jira Cloud also raises
//! `jira:issue_updated` for them, as `issue_work_logged`, `issue_worklog_updated`
//! and `issue_worklog_deleted`). The world keeps a bounded
//! number per issue (`world::issue::MAX_HISTORY_ENTRIES`), so `total` counts
//! what is kept, not every change ever made.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::access::Caller;
use crate::clock::jira_timestamp;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::platform::IssuePath;
use crate::platform::issue::visible_issue;
use crate::platform::page::{PageQuery, page_bean};
use crate::platform::render;
use crate::shared::Shared;
use crate::webhooks::event::EntityChange;
use crate::world::{
    AttachmentRecord, HistoryItem, HistoryRecord, IssueRecord, RemoteLinkRecord, World,
};

/// `getChangeLogs`' default and largest page.
const PAGE_SIZE: usize = 100;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let window = query.bean_window(PAGE_SIZE, PAGE_SIZE);
    let values: Vec<Value> = window
        .of(&issue.history)
        .map(|entry| render_entry(&caller.links, &world, entry))
        .collect();
    let base = format!("{}/rest/api/3/issue/{}/changelog", caller.links, issue.key);
    Ok(Json(page_bean(&base, window, issue.history.len(), values)))
}

/// The `changelog` an issue carries with `expand=changelog` (a
/// `PageOfChangelogs`): its history's first page, oldest first, as
/// `getChangeLogs` starts, with `total` saying how many are kept.
pub(crate) fn expanded(links: &str, world: &World, issue: &IssueRecord) -> Value {
    let histories: Vec<Value> = issue
        .history
        .iter()
        .take(PAGE_SIZE)
        .map(|entry| render_entry(links, world, entry))
        .collect();
    json!({
        "startAt": 0,
        "maxResults": histories.len(),
        "total": issue.history.len(),
        "histories": histories,
    })
}

/// A `Changelog`: the items as the webhook carried them (`from` and the strings
/// `null` where the value has none, as Jira sends them).
pub(crate) fn render_entry(links: &str, world: &World, entry: &HistoryRecord) -> Value {
    render_items(links, world, entry, entry.items.iter())
}

/// As [`render_entry`], with only `items` of the entry's items (a read that
/// filters by field).
pub(crate) fn render_items<'a>(
    links: &str,
    world: &World,
    entry: &HistoryRecord,
    items: impl Iterator<Item = &'a HistoryItem>,
) -> Value {
    let items: Vec<&HistoryItem> = items.collect();
    let mut value = json!({
        "id": entry.id.to_string(),
        "created": jira_timestamp(entry.created),
        "items": items,
    });
    // `author` is a `UserDetails` object: left out, not null, for an account the
    // site no longer has.
    if let Some(author) = world.user(&entry.author) {
        value["author"] = render::user_details(links, author);
    }
    value
}

/// Records `items`, a change `author` made, as one entry of the history of the
/// issue at `index`, for a change that raises no `jira:issue_updated`.
///
/// Jira announces attachments and issue links with their own events
/// (`attachment_created`, `issuelink_created` …, which the callers raise), not
/// with `jira:issue_updated`: a Jira Cloud receiver's log of such actions shows
/// only those events (rocketchat-jira-hook issue #13). Remote links have no
/// event, and nothing found shows Jira raising `jira:issue_updated` for them.
/// So these entries are written here, not where `platform::issue::raise_updated`
/// writes an update's, and no webhook carries them; their ids come from the
/// same sequence, so ids still ascend in the order the changes were made. The
/// history's caps apply as to every entry.
pub(crate) fn record_unannounced(
    world: &mut World,
    index: usize,
    author: &str,
    items: Vec<HistoryItem>,
) {
    let id = world.take_changelog_id();
    let created = world.now();
    world.issues[index].record_history(HistoryRecord {
        id,
        author: author.to_owned(),
        created,
        items,
    });
}

/// An item for something added (`to`, `toString`) or removed (`from`,
/// `fromString`), as Jira logs attachments and links. An empty `field_id` is
/// left out of the item.
fn added_or_removed(
    change: EntityChange,
    field: &str,
    field_id: &str,
    value: String,
    text: String,
) -> HistoryItem {
    let (from, from_string, to, to_string) = match change {
        EntityChange::Created => (None, None, Some(value), Some(text)),
        EntityChange::Deleted => (Some(value), Some(text), None, None),
    };
    HistoryItem {
        field: field.to_owned(),
        fieldtype: "jira",
        field_id: field_id.to_owned(),
        from,
        from_string,
        to,
        to_string,
    }
}

/// An attachment added or deleted: its id and file name, under the field Jira
/// names `Attachment` (id `attachment`).
pub(crate) fn attachment_item(change: EntityChange, attachment: &AttachmentRecord) -> HistoryItem {
    added_or_removed(
        change,
        "Attachment",
        "attachment",
        attachment.id.to_string(),
        attachment.filename.clone(),
    )
}

/// A link between issues made or removed, as one of its issues logs it: the
/// other issue's key, and the link read from this side ("This issue blocks
/// KILN-2"; `reads` is the type's outward or inward text). The key only, never
/// the other issue's summary: Jira's item has none, and it shows to whoever may
/// browse this issue, whether or not they may browse the other. No `fieldId`: a
/// link is not a field, and Jira's `Link` items carry none.
pub(crate) fn issue_link_item(change: EntityChange, other_key: &str, reads: &str) -> HistoryItem {
    added_or_removed(
        change,
        "Link",
        "",
        other_key.to_owned(),
        format!("This issue {reads} {other_key}"),
    )
}

/// A worklog added, edited or deleted, as Jira logs it next to the time
/// tracking values it moved: field `WorklogId`, the worklog's id in `from` and
/// `fromString` (Jira's `DefaultTimeTrackingIssueUpdater` builds the item so for
/// all three, `to` empty), and no `fieldId`: a worklog is not a field.
pub(crate) fn worklog_item(id: u64) -> HistoryItem {
    HistoryItem {
        field: String::from("WorklogId"),
        fieldtype: "jira",
        field_id: String::new(),
        from: Some(id.to_string()),
        from_string: Some(id.to_string()),
        to: None,
        to_string: None,
    }
}

/// The time of a deleted worklog, which Jira logs after its `WorklogId` item
/// (`constructChangeItemBeansForWorklogDelete`): field `WorklogTimeSpent`, the
/// seconds in `from` and the duration in `fromString`, `to` empty, no
/// `fieldId`. Jira writes that duration in the site's time format; the
/// simulator writes it as it writes every duration (`"1h 30m"`), the short
/// format Jira Cloud shows time tracking in. (Jira writes a message instead
/// for a worklog restricted to a group or role; the simulator logs the time
/// of every worklog alike.)
pub(crate) fn worklog_time_spent_item(seconds: u64) -> HistoryItem {
    HistoryItem {
        field: String::from("WorklogTimeSpent"),
        fieldtype: "jira",
        field_id: String::new(),
        from: Some(seconds.to_string()),
        from_string: Some(crate::platform::duration::format(seconds)),
        to: None,
        to_string: None,
    }
}

/// What Jira's history text names a remote link by when it has no application
/// name.
const WEB_LINK: &str = "Web Link";

/// A remote link made or deleted: its id, and `This issue links to "<title>
/// (<application name>)"`, with "Web Link" for a link without an application
/// name. That is the text changelogs Jira wrote show: "Page (Care.com Wiki)"
/// for a Confluence page, "123123123 (Web Link)" for a plain web link. No
/// `fieldId`, as for an issue link.
pub(crate) fn remote_link_item(change: EntityChange, link: &RemoteLinkRecord) -> HistoryItem {
    let application = link
        .application
        .as_ref()
        .and_then(|a| a.name.as_deref())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or(WEB_LINK);
    added_or_removed(
        change,
        "RemoteIssueLink",
        "",
        link.id.to_string(),
        format!(
            "This issue links to \"{} ({application})\"",
            link.object.title
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::world::{RemoteApplication, RemoteObject};

    fn remote(application: Option<&str>) -> RemoteLinkRecord {
        RemoteLinkRecord {
            id: 10_100,
            global_id: None,
            application: application.map(|name| RemoteApplication {
                kind: None,
                name: Some(name.to_owned()),
            }),
            relationship: None,
            object: RemoteObject {
                url: String::from("https://example.com"),
                title: String::from("Design doc"),
                summary: None,
                icon: None,
                status: None,
            },
        }
    }

    #[test]
    fn items_for_what_jira_logs_without_an_update_event() {
        let added = serde_json::to_value(issue_link_item(
            EntityChange::Created,
            "KILN-2",
            "is blocked by",
        ))
        .expect("serializes");
        assert_eq!(
            added,
            json!({
                "field": "Link", "fieldtype": "jira",
                "from": null, "fromString": null,
                "to": "KILN-2", "toString": "This issue is blocked by KILN-2",
            }),
            "no fieldId"
        );
        let removed = remote_link_item(EntityChange::Deleted, &remote(Some("Confluence")));
        assert_eq!(removed.from.as_deref(), Some("10100"));
        assert_eq!(
            removed.from_string.as_deref(),
            Some("This issue links to \"Design doc (Confluence)\"")
        );
        assert_eq!((removed.to, removed.to_string), (None, None));
        for nameless in [None, Some(" ")] {
            let item = remote_link_item(EntityChange::Created, &remote(nameless));
            assert_eq!(
                item.to_string.as_deref(),
                Some("This issue links to \"Design doc (Web Link)\"")
            );
        }
    }
}
