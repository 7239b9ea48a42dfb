//! `POST /rest/api/3/issue/{issueIdOrKey}/notify` (`notify`): an email about an
//! issue, queued for its recipients. `204` once queued.
//!
//! What the spec documents, and the simulator does:
//! - the caller needs only to see the issue (*Browse Projects*); an issue that
//!   does not exist or that the caller cannot see is `404`, as every issue
//!   route answers;
//! - the body is a `Notification`: `subject`, `textBody`, `htmlBody` strings,
//!   `to` (`reporter`, `assignee`, `watchers`, `voters` booleans, `users` by
//!   `accountId`, `groups`, `groupIds`) and `restrict` (`permissions` by `key`
//!   or `id`, `groups`, `groupIds`). A value of another type is Jira's
//!   "Invalid request payload" `400`; the subject defaults to the issue's key and
//!   summary;
//! - `400` when "the recipient is the same as the calling user" (a `users`
//!   entry naming the caller), when "the recipient is invalid", such as `to.assignee`
//!   on an unassigned issue or a user who does not exist, and for a
//!   `restrict` permission Jira does not have.
//!
//! Where the spec is silent the simulator follows Jira's own functional tests
//! of the operation (Jira Server 5.2's `TestIssueResourceNotify`): with no `to`
//! the issue's notification scheme decides, which on a site with Jira Cloud's
//! default scheme is the reporter, the assignee and the watchers; `restrict`
//! keeps only the recipients who hold every permission it names, in the issue's
//! project. The sender is never among the recipients. A notification that
//! reaches no one is still `204`.
//!
//! The simulator sends no email: the notification, as resolved, goes to the
//! world's outbox ([`crate::Simulator::notifications`]). It has no groups, so a
//! request naming one (in `to` or `restrict`) gets the simulator's `501` rather
//! than an answer a real site might not give; nor does it model the `403` for a
//! site whose outgoing mail is off.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::IssuePath;
use super::issue::visible_issue;
use super::my_permissions::{self, Known, Lookup};
use super::user_permission_search::current_key;
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::notification::{OUTBOX_CAPACITY, SentNotification};
use crate::world::{IssueRecord, World};

/// This route, as the simulator's 501 names it.
const OPERATION: &str = "POST /rest/api/3/issue/{issueIdOrKey}/notify (notify)";

/// `Notification`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NotifyBody {
    subject: Option<String>,
    text_body: Option<String>,
    html_body: Option<String>,
    to: Option<Recipients>,
    restrict: Option<Restrictions>,
}

/// `NotificationRecipients`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Recipients {
    reporter: Option<bool>,
    assignee: Option<bool>,
    watchers: Option<bool>,
    voters: Option<bool>,
    users: Option<Vec<UserRef>>,
    groups: Option<Vec<GroupRef>>,
    group_ids: Option<Vec<String>>,
}

/// `UserDetails`: only `accountId` names a user; the rest is read-only.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserRef {
    account_id: Option<String>,
}

/// `GroupName`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupRef {
    #[serde(rename = "name")]
    _name: Option<String>,
    #[serde(rename = "groupId")]
    _group_id: Option<String>,
}

/// `NotificationRecipientsRestrictions`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Restrictions {
    groups: Option<Vec<GroupRef>>,
    group_ids: Option<Vec<String>>,
    permissions: Option<Vec<PermissionRef>>,
}

/// `RestrictedPermission`: "Either `id` or `key` must be specified."
#[derive(Deserialize)]
struct PermissionRef {
    id: Option<String>,
    key: Option<String>,
}

pub(crate) async fn notify(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(body): JiraJson<NotifyBody>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let restrict = body.restrict.unwrap_or_default();
    let groups_named = [
        (
            "to.groups",
            body.to
                .as_ref()
                .and_then(|to| to.groups.as_ref())
                .is_some_and(|g| !g.is_empty()),
        ),
        (
            "to.groupIds",
            body.to
                .as_ref()
                .and_then(|to| to.group_ids.as_ref())
                .is_some_and(|g| !g.is_empty()),
        ),
        (
            "restrict.groups",
            restrict.groups.as_ref().is_some_and(|g| !g.is_empty()),
        ),
        (
            "restrict.groupIds",
            restrict.group_ids.as_ref().is_some_and(|g| !g.is_empty()),
        ),
    ];
    let groups: Vec<&str> = groups_named
        .iter()
        .filter(|(_, named)| *named)
        .map(|(what, _)| *what)
        .collect();
    if !groups.is_empty() {
        return Ok(my_permissions::not_modelled(
            OPERATION,
            &[&format!("groups ({})", groups.join(", "))],
        ));
    }
    let permissions = match required_permissions(restrict.permissions.as_deref().unwrap_or(&[]))? {
        Ok(permissions) => permissions,
        Err(unmodelled) => {
            let unmodelled: Vec<&str> = unmodelled.iter().map(String::as_str).collect();
            return Ok(my_permissions::not_modelled(OPERATION, &unmodelled));
        }
    };

    let issue = &world.issues[index];
    let recipients = recipients(&world, &caller, issue, body.to)?;
    let project = world
        .project(&issue.project_key)
        .ok_or_else(JiraError::issue_not_found)?;
    let recipients: Vec<String> = recipients
        .into_iter()
        .filter(|id| *id != caller.account_id)
        .filter(|id| permissions.iter().all(|p| p.held_in(&world, id, project)))
        .collect();
    let subject = body
        .subject
        .filter(|subject| !subject.trim().is_empty())
        .unwrap_or_else(|| format!("({}) {}", issue.key, issue.summary));
    let sent = SentNotification {
        issue_id: issue.id.to_string(),
        issue_key: issue.key.clone(),
        sender: caller.account_id.clone(),
        subject,
        text_body: body.text_body,
        html_body: body.html_body,
        recipients,
    };
    let outbox = &mut world.notifications;
    if outbox.len() >= OUTBOX_CAPACITY {
        outbox.remove(0);
    }
    outbox.push(sent);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The permissions `restrict.permissions` names, each by `key` (or a name the
/// spec still accepts, `BROWSE`) or `id`: `Err` with what the simulator does
/// not model, for its 501; a key Jira does not have, or an entry with
/// neither, is Jira's 400.
fn required_permissions(
    asked: &[PermissionRef],
) -> Result<Result<Vec<&'static Known>, Vec<String>>, JiraError> {
    let mut known = Vec::with_capacity(asked.len());
    let mut unmodelled = Vec::new();
    for permission in asked {
        match (permission.key.as_deref(), permission.id.as_deref()) {
            (Some(key), _) if !key.is_empty() => match my_permissions::lookup(current_key(key)) {
                Lookup::Known(found) => known.push(found),
                Lookup::NotModelled => unmodelled.push(format!("permission {key}")),
                Lookup::Unknown => {
                    return Err(JiraError::bad_request(format!(
                        "Invalid permission key: {key}"
                    )));
                }
            },
            (_, Some(id)) if !id.is_empty() => match my_permissions::known_by_id(id) {
                Some(found) => known.push(found),
                // Jira has ids the simulator does not model; it cannot tell
                // them from ids Jira does not have.
                None => unmodelled.push(format!("permission id {id}")),
            },
            _ => {
                return Err(JiraError::bad_request(
                    "Each permission in restrict.permissions needs an id or a key.",
                ));
            }
        }
    }
    Ok(if unmodelled.is_empty() {
        Ok(known)
    } else {
        Err(unmodelled)
    })
}

/// Who `to` asks for, each once, in the order the spec lists them; with no
/// `to`, the default notification scheme's: reporter, assignee, watchers.
fn recipients(
    world: &World,
    caller: &Caller,
    issue: &IssueRecord,
    to: Option<Recipients>,
) -> Result<Vec<String>, JiraError> {
    // The default scheme's "Current Assignee" of an unassigned issue is no
    // one, not an error; an assignee the request asks for is.
    let by_scheme = to.is_none();
    let to = to.unwrap_or(Recipients {
        reporter: Some(true),
        assignee: Some(true),
        watchers: Some(true),
        ..Recipients::default()
    });
    let mut found: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !found.iter().any(|known| known == id) {
            found.push(id.to_owned());
        }
    };
    if to.reporter == Some(true) {
        add(&issue.reporter);
    }
    if to.assignee == Some(true) {
        match &issue.assignee {
            Some(assignee) => add(assignee),
            None if !by_scheme => {
                return Err(JiraError::bad_request(format!(
                    "Cannot notify the assignee of {}: the issue is unassigned.",
                    issue.key
                )));
            }
            None => {}
        }
    }
    if to.watchers == Some(true) {
        issue.watchers.iter().for_each(|id| add(id));
    }
    if to.voters == Some(true) {
        issue.voters.iter().for_each(|id| add(id));
    }
    for user in to.users.unwrap_or_default() {
        let Some(account_id) = user.account_id.filter(|id| !id.is_empty()) else {
            return Err(JiraError::bad_request(
                "Each user in to.users needs an accountId.",
            ));
        };
        if world.user(&account_id).is_none() {
            return Err(JiraError::bad_request(format!(
                "The user \"{account_id}\" does not exist."
            )));
        }
        if account_id == caller.account_id {
            return Err(JiraError::bad_request(
                "You cannot send a notification to yourself: the recipient is the calling user.",
            ));
        }
        add(&account_id);
    }
    Ok(found)
}
