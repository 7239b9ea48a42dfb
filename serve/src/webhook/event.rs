//! A Jira webhook delivery as a Forge product event.
//!
//! Jira's webhook body (`webhookEvent`, `timestamp`, `user`, `issue`, `changelog`,
//! `comment`, …) maps to the Forge event an app subscribes to (`avi:jira:created:issue`, …)
//! and to Forge's payload shape: `eventType`, `atlassianId` (who acted), `selfGenerated`,
//! and the entities the event is about, passed through as Jira sent them. Events Forge has
//! no name for are acknowledged and dropped.

use kiln_manifest::ProductEvent;
use serde_json::{Map, Value, json};

/// Jira's `webhookEvent` → Forge's event name. Issue and comment events first; the others
/// keep Forge's verb:entity order.
const EVENT_NAMES: &[(&str, &str)] = &[
    ("jira:issue_created", "avi:jira:created:issue"),
    ("jira:issue_updated", "avi:jira:updated:issue"),
    ("jira:issue_deleted", "avi:jira:deleted:issue"),
    ("comment_created", "avi:jira:commented:issue"),
    // Forge: "sent each time a comment is created or edited".
    ("comment_updated", "avi:jira:commented:issue"),
    ("comment_deleted", "avi:jira:deleted:comment"),
    ("worklog_created", "avi:jira:created:worklog"),
    ("worklog_updated", "avi:jira:updated:worklog"),
    ("worklog_deleted", "avi:jira:deleted:worklog"),
    ("attachment_created", "avi:jira:created:attachment"),
    ("attachment_deleted", "avi:jira:deleted:attachment"),
    ("issuelink_created", "avi:jira:created:issuelink"),
    ("issuelink_deleted", "avi:jira:deleted:issuelink"),
    ("project_created", "avi:jira:created:project"),
    ("project_updated", "avi:jira:updated:project"),
    ("project_deleted", "avi:jira:deleted:project"),
    ("jira:version_created", "avi:jira:created:version"),
    ("jira:version_updated", "avi:jira:updated:version"),
    ("jira:version_deleted", "avi:jira:deleted:version"),
    ("jira:version_released", "avi:jira:released:version"),
    ("jira:version_unreleased", "avi:jira:unreleased:version"),
    ("component_created", "avi:jira:created:component"),
    ("component_updated", "avi:jira:updated:component"),
    ("component_deleted", "avi:jira:deleted:component"),
    ("user_created", "avi:jira:created:user"),
    ("user_updated", "avi:jira:updated:user"),
    ("user_deleted", "avi:jira:deleted:user"),
    // Jira Software's: only admin webhooks carry them (Jira's dynamic webhooks refuse
    // them; `registration::DYNAMIC_EVENTS`).
    ("sprint_created", "avi:jira-software:created:sprint"),
    ("sprint_updated", "avi:jira-software:updated:sprint"),
    ("sprint_started", "avi:jira-software:started:sprint"),
    ("sprint_closed", "avi:jira-software:closed:sprint"),
    ("sprint_deleted", "avi:jira-software:deleted:sprint"),
    ("board_created", "avi:jira-software:created:board"),
    ("board_updated", "avi:jira-software:updated:board"),
    ("board_deleted", "avi:jira-software:deleted:board"),
    (
        "board_configuration_changed",
        "avi:jira-software:configuration-changed:board",
    ),
];

/// The Jira webhook events that raise `forge` (the same table read backwards), for
/// registering the webhooks a trigger needs: none for an event Kiln never raises.
pub fn jira_events_of(forge: ProductEvent) -> Vec<&'static str> {
    EVENT_NAMES
        .iter()
        .chain(DERIVED)
        .filter(|(_, name)| *name == forge.as_str())
        .map(|(jira, _)| *jira)
        .collect()
}

/// The Forge events raised beside another one of the same delivery
/// ([`MappedEvent::from_delivery_all`]), by the Jira event that carries them.
const DERIVED: &[(&str, &str)] = &[
    ("jira:issue_updated", "avi:jira:assigned:issue"),
    ("jira:issue_updated", "avi:jira:mentioned:issue"),
    ("comment_created", "avi:jira:mentioned:comment"),
    ("comment_updated", "avi:jira:mentioned:comment"),
];

/// The entities a Forge payload carries over from Jira's body. `oldValue` is the sprint
/// before a `sprint_updated`; `configuration` the board configuration of a
/// `board_configuration_changed`.
const ENTITIES: &[&str] = &[
    "issue",
    "comment",
    "changelog",
    "worklog",
    "attachment",
    "issueLink",
    "project",
    "version",
    "component",
    "user",
    "sprint",
    "oldValue",
    "board",
    "configuration",
];

/// One delivery, mapped.
#[derive(Debug, Clone)]
pub struct MappedEvent {
    pub event: ProductEvent,
    /// Who acted, when Jira says: its `user.accountId`, or the author (or editor) of the
    /// comment, worklog or attachment the delivery is about ([`entity_actor`]). It decides
    /// `selfGenerated`, hence `ignoreSelf` and the loop guard.
    pub actor: Option<String>,
    /// What the event is about, for the loop guard: the issue key or id; `<entity>:<id>`
    /// for the events about a sprint, board, project, version or component (two of them
    /// may share a number); else the event.
    pub subject: String,
    /// Forge's payload without the per-installation fields.
    body: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the delivery is not a JSON object with a string webhookEvent")]
    NotADelivery,
}

impl MappedEvent {
    /// Every Forge event of one delivery: none (a delivery Forge has no event for), its
    /// own, and the ones Forge raises beside it: `avi:jira:assigned:issue` for an issue
    /// update whose changelog has an `assignee` item ("An issue updated event will also be
    /// sent when this occurs"), with that item only; `avi:jira:mentioned:issue` for an
    /// issue update that changes a description mentioning someone but the actor;
    /// `avi:jira:mentioned:comment` for a new or edited comment that mentions someone
    /// ("All users mentioned in the comment are included in one event",
    /// `mentionedAccountIds`).
    pub fn from_delivery_all(delivery: &Value) -> Result<Vec<Self>, EventError> {
        let Some(mapped) = Self::from_delivery(delivery)? else {
            return Ok(Vec::new());
        };
        let derived = match mapped.event.as_str() {
            "avi:jira:updated:issue" => vec![mapped.assigned(), mapped.mentioned_on_issue()],
            "avi:jira:commented:issue" => vec![mapped.mentioned()],
            _ => Vec::new(),
        };
        Ok(std::iter::once(mapped)
            .chain(derived.into_iter().flatten())
            .collect())
    }

    /// This update as `avi:jira:assigned:issue`, if it changed the assignee.
    fn assigned(&self) -> Option<Self> {
        let items: Vec<Value> = changelog_items(&self.body, "assignee")
            .into_iter()
            .cloned()
            .collect();
        if items.is_empty() {
            return None;
        }
        let mut body = self.derived_body("avi:jira:assigned:issue");
        if let Some(Value::Object(changelog)) = body.get_mut("changelog") {
            changelog.insert("items".into(), Value::Array(items));
        }
        body.remove("associatedStatuses");
        self.derive("avi:jira:assigned:issue", body)
    }

    /// This update as `avi:jira:mentioned:issue`, if it changed the description and the
    /// description mentions someone. Forge's reference: "sent every time an issue
    /// description is updated and users are mentioned. All users mentioned in the
    /// description are included in one event. A user mentioning themselves does not
    /// count as a mention." Its payload is `issue`, `atlassianId` and
    /// `mentionedAccountIds` only: no changelog, associated users or statuses.
    fn mentioned_on_issue(&self) -> Option<Self> {
        if changelog_items(&self.body, "description").is_empty() {
            return None;
        }
        let mut mentioned = Vec::new();
        let description = self.body.get("issue")?.get("fields")?.get("description")?;
        mentions(description, &mut mentioned);
        mentioned.retain(|id| Some(id) != self.actor.as_ref());
        if mentioned.is_empty() {
            return None;
        }
        let mut body = self.derived_body("avi:jira:mentioned:issue");
        for field in ["changelog", "associatedUsers", "associatedStatuses"] {
            body.remove(field);
        }
        body.insert("mentionedAccountIds".into(), json!(mentioned));
        self.derive("avi:jira:mentioned:issue", body)
    }

    /// This comment as `avi:jira:mentioned:comment`, if it mentions anyone.
    fn mentioned(&self) -> Option<Self> {
        let mut mentioned = Vec::new();
        mentions(self.body.get("comment")?.get("body")?, &mut mentioned);
        if mentioned.is_empty() {
            return None;
        }
        let mut body = self.derived_body("avi:jira:mentioned:comment");
        body.remove("associatedUsers");
        body.insert("mentionedAccountIds".into(), json!(mentioned));
        self.derive("avi:jira:mentioned:comment", body)
    }

    fn derived_body(&self, event: &str) -> Map<String, Value> {
        let mut body = self.body.clone();
        body.insert("eventType".into(), json!(event));
        body
    }

    fn derive(&self, event: &str, body: Map<String, Value>) -> Option<Self> {
        Some(Self {
            event: event.parse().ok()?,
            actor: self.actor.clone(),
            subject: self.subject.clone(),
            body,
        })
    }

    /// `Ok(None)`: a delivery Forge has no event for.
    pub fn from_delivery(delivery: &Value) -> Result<Option<Self>, EventError> {
        let object = delivery.as_object().ok_or(EventError::NotADelivery)?;
        let name = object
            .get("webhookEvent")
            .and_then(Value::as_str)
            .ok_or(EventError::NotADelivery)?;
        // Jira raises `jira:issue_updated` beside every comment event (type
        // `issue_commented`, …); Forge reports those as comment events only.
        let comment_echo = name == "jira:issue_updated"
            && object
                .get("issue_event_type_name")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("issue_comment"));
        if comment_echo {
            return Ok(None);
        }
        let Some(forge) = EVENT_NAMES
            .iter()
            .find(|(jira, _)| *jira == name)
            .and_then(|(_, forge)| forge.parse::<ProductEvent>().ok())
        else {
            return Ok(None);
        };
        // Who acted: Jira names them in `user` on issue, project and user deliveries; its
        // comment, worklog and attachment deliveries carry no `user`, only the entity, whose
        // author (or last editor) acted (`entity_actor`).
        let named = account_id(object.get("user"));
        let from_entity = named
            .is_none()
            .then(|| entity_actor(name, object))
            .flatten();
        // Forge's payload names the actor (`atlassianId`) where Jira did, and for comment
        // events, whose reference lists `atlassianId` ("the ID of the user that has caused
        // the event") and `associatedUsers` ("the user who has made the comment"). Its
        // worklog and attachment payloads carry the entity only: there the author decides
        // `selfGenerated` (so `ignoreSelf` and the loop guard) but is not added.
        let documented = forge.as_str() == "avi:jira:commented:issue";
        let named_in_payload = named
            .clone()
            .or_else(|| from_entity.clone().filter(|_| documented));
        let actor = named.or(from_entity);
        let issue = object
            .get("issue")
            .and_then(|i| i.get("key").or_else(|| i.get("id")))
            .and_then(id_text)
            // A worklog names its issue by id only.
            .or_else(|| object.get("worklog")?.get("issueId").and_then(id_text));
        let entity = || {
            [
                ("sprint", "sprint"),
                ("board", "board"),
                ("configuration", "board"),
                ("project", "project"),
                ("version", "version"),
                ("component", "component"),
            ]
            .into_iter()
            .find_map(|(entity, kind)| {
                let id = object.get(entity)?.get("id").and_then(id_text)?;
                Some(format!("{kind}:{id}"))
            })
        };
        let subject = issue
            .or_else(entity)
            .unwrap_or_else(|| forge.as_str().to_owned());
        let mut body = Map::new();
        body.insert("eventType".into(), json!(forge.as_str()));
        for entity in ENTITIES {
            if let Some(value) = object.get(*entity) {
                body.insert((*entity).into(), value.clone());
            }
        }
        // Forge's issue link events are flat: `id`, `sourceIssueId`, `destinationIssueId`
        // (strings) and `issueLinkType`, not Jira's `issueLink` object.
        if let Some(Value::Object(link)) = body.remove("issueLink") {
            for key in ["id", "sourceIssueId", "destinationIssueId"] {
                if let Some(id) = link.get(key).and_then(id_text) {
                    body.insert(key.into(), json!(id));
                }
            }
            if let Some(kind) = link.get("issueLinkType") {
                body.insert("issueLinkType".into(), kind.clone());
            }
        }
        if let Some(timestamp) = object.get("timestamp") {
            body.insert("timestamp".into(), timestamp.clone());
        }
        if let Some(actor) = &named_in_payload {
            body.insert("atlassianId".into(), json!(actor));
            // Forge's issue updates name the assigned and unassigned users beside the actor.
            let mut users = vec![actor.clone()];
            if forge.as_str() == "avi:jira:updated:issue" {
                for item in changelog_items(&body, "assignee") {
                    for side in ["from", "to"] {
                        if let Some(id) = item.get(side).and_then(Value::as_str)
                            && !users.iter().any(|u| u == id)
                        {
                            users.push(id.to_owned());
                        }
                    }
                }
            }
            let users: Vec<Value> = users.iter().map(|u| json!({ "accountId": u })).collect();
            body.insert("associatedUsers".into(), Value::Array(users));
        }
        // Forge: "If the issue status is updated, this contains an array of the current and
        // previous statuses". Built from the changelog's status item: the status before,
        // then after, each `{ id, name }`.
        if forge.as_str() == "avi:jira:updated:issue"
            && let Some(status) = changelog_items(&body, "status").first()
        {
            let side = |id: &str, name: &str| {
                json!({ "id": status.get(id).cloned().unwrap_or(Value::Null),
                        "name": status.get(name).cloned().unwrap_or(Value::Null) })
            };
            let statuses = json!([side("from", "fromString"), side("to", "toString")]);
            body.insert("associatedStatuses".into(), statuses);
        }
        Ok(Some(Self {
            event: forge,
            actor,
            subject,
            body,
        }))
    }

    /// The payload one installation's trigger receives.
    pub fn payload(&self, self_generated: bool, cloud_id: &str, module_key: &str) -> Value {
        let mut body = self.body.clone();
        body.insert("selfGenerated".into(), json!(self_generated));
        body.insert(
            "context".into(),
            json!({ "cloudId": cloud_id, "moduleKey": module_key }),
        );
        Value::Object(body)
    }
}

/// The items of the payload's changelog about `field`.
fn changelog_items<'a>(body: &'a Map<String, Value>, field: &str) -> Vec<&'a Value> {
    body.get("changelog")
        .and_then(|c| c.get("items"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|item| item.get("field").and_then(Value::as_str) == Some(field))
                .collect()
        })
        .unwrap_or_default()
}

/// Most accounts one mention event names. A site's comment body or description is
/// the site's to write: without a bound, a hostile one with tens of thousands
/// of mentions would cost a quadratic duplicate check per delivery.
const MAX_MENTIONED_ACCOUNTS: usize = 1_000;

/// The account ids a comment body or an issue description mentions, each once, in order: an ADF document's
/// `mention` nodes (`attrs.id`), or, in a body Jira renders as wiki markup (its webhooks'
/// form), `[~accountid:ID]`.
fn mentions(body: &Value, found: &mut Vec<String>) {
    let mut add = |id: &str| {
        if found.len() < MAX_MENTIONED_ACCOUNTS && !id.is_empty() && !found.iter().any(|f| f == id)
        {
            found.push(id.to_owned());
        }
    };
    match body {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(start) = rest.find("[~accountid:") {
                rest = &rest[start + "[~accountid:".len()..];
                let Some(end) = rest.find(']') else { break };
                add(&rest[..end]);
                rest = &rest[end..];
            }
        }
        Value::Object(node) => {
            if node.get("type").and_then(Value::as_str) == Some("mention")
                && let Some(id) = node
                    .get("attrs")
                    .and_then(|a| a.get("id"))
                    .and_then(Value::as_str)
            {
                add(id);
            }
            if let Some(Value::Array(content)) = node.get("content") {
                for child in content {
                    mentions(child, found);
                }
            }
        }
        _ => {}
    }
}

/// `value.accountId`, when it is a string.
fn account_id(value: Option<&Value>) -> Option<String> {
    value?
        .get("accountId")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Who acted on a delivery without `user`: a new comment's or worklog's `author`, an
/// edited one's `updateAuthor` (Jira's last editor, who is the one editing), a new
/// attachment's `author`. A deletion names no one: the entity is sent as it was, so its
/// author and last editor are not who deleted it (a person deleting the app's comment
/// must not look like the app), and an issue link names no one either.
fn entity_actor(webhook_event: &str, object: &Map<String, Value>) -> Option<String> {
    let (entity, field) = match webhook_event {
        "comment_created" => ("comment", "author"),
        "comment_updated" => ("comment", "updateAuthor"),
        "worklog_created" => ("worklog", "author"),
        "worklog_updated" => ("worklog", "updateAuthor"),
        "attachment_created" => ("attachment", "author"),
        _ => return None,
    };
    account_id(object.get(entity)?.get(field))
}

/// An id as Jira writes it: a string, or a number.
fn id_text(id: &Value) -> Option<String> {
    id.as_str()
        .map(str::to_owned)
        .or_else(|| id.as_i64().map(|n| n.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_deliveries_become_forge_events() {
        let delivery = json!({
            "timestamp": 1, "webhookEvent": "jira:issue_created",
            "user": { "accountId": "u-1" },
            "issue": { "id": "10001", "key": "KILN-9", "fields": { "summary": "s" } },
        });
        let mapped = MappedEvent::from_delivery(&delivery).unwrap().unwrap();
        assert_eq!(mapped.event.as_str(), "avi:jira:created:issue");
        assert_eq!(mapped.subject, "KILN-9");
        let payload = mapped.payload(true, "cloud", "on-create");
        assert_eq!(payload["eventType"], "avi:jira:created:issue");
        assert_eq!(payload["issue"]["key"], "KILN-9");
        assert_eq!(payload["atlassianId"], "u-1");
        assert_eq!(payload["selfGenerated"], true);
        assert_eq!(payload["context"]["moduleKey"], "on-create");

        let comment = json!({ "webhookEvent": "comment_created", "issue": {"key": "K-1"}, "comment": {"id": "1"} });
        assert_eq!(
            MappedEvent::from_delivery(&comment)
                .unwrap()
                .unwrap()
                .event
                .as_str(),
            "avi:jira:commented:issue"
        );
        assert!(
            MappedEvent::from_delivery(&json!({"webhookEvent": "sprint_goal_reached"}))
                .unwrap()
                .is_none()
        );
        let echo = json!({ "webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_commented", "issue": {"key": "K-1"} });
        assert!(MappedEvent::from_delivery(&echo).unwrap().is_none());
        assert!(MappedEvent::from_delivery(&json!([1])).is_err());
        assert!(MappedEvent::from_delivery(&json!({"webhookEvent": 1})).is_err());
    }

    /// Jira's comment, worklog and attachment deliveries carry no `user`: who acted is the
    /// entity's author (or, for an edit, its last editor), so the app's own comment is
    /// `selfGenerated` and `ignoreSelf` and the loop guard apply to it.
    #[test]
    fn the_actor_of_a_delivery_without_user_is_the_entity_author() {
        let person = json!({ "accountId": "person", "displayName": "P" });
        let app = json!({ "accountId": "app", "displayName": "A" });
        let actor_of = |delivery: Value| {
            let mapped = MappedEvent::from_delivery(&delivery).unwrap().unwrap();
            let payload = mapped.payload(false, "c", "m");
            (mapped, payload)
        };

        // A new comment: its author, named in Forge's payload.
        let (mapped, payload) = actor_of(json!({
            "webhookEvent": "comment_created", "issue": { "id": "10001", "key": "K-1" },
            "comment": { "id": "1", "author": app, "updateAuthor": app },
        }));
        assert_eq!(mapped.event.as_str(), "avi:jira:commented:issue");
        assert_eq!(mapped.actor.as_deref(), Some("app"));
        assert_eq!(mapped.subject, "K-1");
        assert_eq!(payload["atlassianId"], "app");
        assert_eq!(payload["associatedUsers"], json!([{ "accountId": "app" }]));

        // An edit (Forge's commented:issue too): the editor, not the author.
        let (mapped, payload) = actor_of(json!({
            "webhookEvent": "comment_updated", "issue": { "key": "K-1" },
            "comment": { "id": "1", "author": person, "updateAuthor": app },
        }));
        assert_eq!(mapped.event.as_str(), "avi:jira:commented:issue");
        assert_eq!(mapped.actor.as_deref(), Some("app"));
        assert_eq!(payload["atlassianId"], "app");

        // Jira's `user`, when a delivery has it, wins.
        let (mapped, _) = actor_of(json!({
            "webhookEvent": "comment_created", "user": person, "issue": { "key": "K-1" },
            "comment": { "id": "1", "author": app },
        }));
        assert_eq!(mapped.actor.as_deref(), Some("person"));

        // Worklogs: author, then editor; subject the worklog's issue. Forge's worklog payload
        // is `eventType` and `worklog` only: no `atlassianId` is added.
        let (mapped, payload) = actor_of(json!({
            "webhookEvent": "worklog_created",
            "worklog": { "id": "5", "issueId": "10001", "author": app, "updateAuthor": app },
        }));
        assert_eq!(mapped.event.as_str(), "avi:jira:created:worklog");
        assert_eq!(mapped.actor.as_deref(), Some("app"));
        assert_eq!(mapped.subject, "10001");
        assert!(payload.get("atlassianId").is_none(), "{payload}");
        let (mapped, _) = actor_of(json!({
            "webhookEvent": "worklog_updated",
            "worklog": { "id": "5", "issueId": 10001, "author": app, "updateAuthor": person },
        }));
        assert_eq!(mapped.actor.as_deref(), Some("person"));
        assert_eq!(mapped.subject, "10001");

        // A new attachment: its author.
        let (mapped, payload) = actor_of(json!({
            "webhookEvent": "attachment_created",
            "attachment": { "id": 7, "filename": "a.txt", "author": app },
        }));
        assert_eq!(mapped.event.as_str(), "avi:jira:created:attachment");
        assert_eq!(mapped.actor.as_deref(), Some("app"));
        assert!(payload.get("atlassianId").is_none(), "{payload}");

        // Deletions send the entity as it was: its author is not who deleted it (a person
        // deleting the app's comment is no self-generated event), so no one is named.
        for delivery in [
            json!({ "webhookEvent": "comment_deleted", "issue": { "key": "K-1" },
                    "comment": { "id": "1", "author": app, "updateAuthor": app } }),
            json!({ "webhookEvent": "worklog_deleted",
                    "worklog": { "id": "5", "issueId": "1", "author": app, "updateAuthor": app } }),
            json!({ "webhookEvent": "attachment_deleted",
                    "attachment": { "id": 7, "author": app } }),
            json!({ "webhookEvent": "issuelink_created",
                    "issueLink": { "id": 1, "sourceIssueId": 2, "destinationIssueId": 3 } }),
        ] {
            let (mapped, payload) = actor_of(delivery);
            assert_eq!(mapped.actor, None, "{}", mapped.event);
            assert!(payload.get("atlassianId").is_none(), "{payload}");
        }

        // An author without an account id names no one.
        let (mapped, _) = actor_of(json!({
            "webhookEvent": "comment_created", "issue": { "key": "K-1" },
            "comment": { "id": "1", "author": { "displayName": "anonymous" } },
        }));
        assert_eq!(mapped.actor, None);
    }

    #[test]
    fn forge_shapes_of_links_assignments_statuses_and_mentions() {
        // Issue links: Forge's flat fields, ids as strings.
        let link_type = json!({ "id": 10000, "name": "Blocks", "outwardName": "blocks", "inwardName": "is blocked by" });
        let link = json!({ "timestamp": 1, "webhookEvent": "issuelink_created", "issueLink": {
            "id": 10005, "sourceIssueId": 10002, "destinationIssueId": 10001,
            "issueLinkType": link_type, "systemLink": false } });
        let payload = MappedEvent::from_delivery(&link)
            .unwrap()
            .unwrap()
            .payload(false, "c", "m");
        assert_eq!(
            payload,
            json!({ "eventType": "avi:jira:created:issuelink", "id": "10005",
                    "sourceIssueId": "10002", "destinationIssueId": "10001",
                    "issueLinkType": link_type, "timestamp": 1, "selfGenerated": false,
                    "context": { "cloudId": "c", "moduleKey": "m" } })
        );

        // An update that changes the assignee and the status: `updated:issue` with
        // `associatedStatuses` and the assignees among `associatedUsers`, and beside it
        // `assigned:issue` with the assignee item only.
        let update = json!({ "webhookEvent": "jira:issue_updated", "user": { "accountId": "u" },
            "issue": { "id": "10001", "key": "K-1" }, "changelog": { "id": "9", "items": [
                { "field": "status", "from": "10000", "fromString": "To Do", "to": "3", "toString": "In Progress" },
                { "field": "assignee", "from": null, "fromString": null, "to": "a-2", "toString": "Ann" },
            ] } });
        let all = MappedEvent::from_delivery_all(&update).unwrap();
        let names: Vec<_> = all.iter().map(|m| m.event.as_str()).collect();
        assert_eq!(names, ["avi:jira:updated:issue", "avi:jira:assigned:issue"]);
        let updated = all[0].payload(true, "c", "m");
        assert_eq!(updated["changelog"]["items"].as_array().unwrap().len(), 2);
        assert_eq!(
            updated["associatedStatuses"],
            json!([{ "id": "10000", "name": "To Do" }, { "id": "3", "name": "In Progress" }])
        );
        assert_eq!(
            updated["associatedUsers"],
            json!([{ "accountId": "u" }, { "accountId": "a-2" }])
        );
        let assigned = all[1].payload(true, "c", "m");
        assert_eq!(assigned["eventType"], "avi:jira:assigned:issue");
        assert_eq!(
            assigned["changelog"]["items"],
            json!([update["changelog"]["items"][1]])
        );
        assert_eq!(assigned["atlassianId"], "u");
        assert!(assigned.get("associatedStatuses").is_none());
        assert_eq!(all[1].actor.as_deref(), Some("u"));
        assert_eq!(all[1].subject, "K-1");

        // No assignee item, no status item: the update alone, without `associatedStatuses`.
        let summary = json!({ "webhookEvent": "jira:issue_updated", "user": { "accountId": "u" },
            "issue": { "key": "K-1" }, "changelog": { "items": [{ "field": "summary" }] } });
        let all = MappedEvent::from_delivery_all(&summary).unwrap();
        assert_eq!(all.len(), 1);
        assert!(
            all[0]
                .payload(false, "c", "m")
                .get("associatedStatuses")
                .is_none()
        );

        // A comment mentioning people (ADF, and Jira's wiki-markup rendering): its
        // `commented:issue`, and `mentioned:comment` naming everyone mentioned once.
        let mention = |id: &str| json!({ "type": "mention", "attrs": { "id": id, "text": "@x" } });
        let adf = json!({ "type": "doc", "version": 1, "content": [{ "type": "paragraph",
            "content": [mention("m-1"), { "type": "text", "text": " and " }, mention("m-2"), mention("m-1")] }] });
        for body in [
            adf,
            json!("hi [~accountid:m-1] and [~accountid:m-2] [~accountid:m-1]"),
        ] {
            let comment = json!({ "webhookEvent": "comment_created", "issue": { "key": "K-1" },
                "comment": { "id": "1", "author": { "accountId": "p" }, "body": body } });
            let all = MappedEvent::from_delivery_all(&comment).unwrap();
            assert_eq!(all.len(), 2);
            assert_eq!(all[1].event.as_str(), "avi:jira:mentioned:comment");
            let payload = all[1].payload(false, "c", "m");
            assert_eq!(payload["mentionedAccountIds"], json!(["m-1", "m-2"]));
            assert_eq!(payload["atlassianId"], "p");
            assert_eq!(payload["comment"]["id"], "1");
            assert_eq!(all[1].actor.as_deref(), Some("p"));
        }
        let plain = json!({ "webhookEvent": "comment_updated", "issue": { "key": "K-1" },
            "comment": { "id": "1", "updateAuthor": { "accountId": "p" }, "body": "no one" } });
        assert_eq!(MappedEvent::from_delivery_all(&plain).unwrap().len(), 1);

        // An update of a description mentioning people (ADF, and Jira's wiki-markup
        // rendering): `updated:issue`, and `mentioned:issue` naming everyone mentioned
        // once but the actor, with Forge's fields only.
        let adf = json!({ "type": "doc", "version": 1, "content": [{ "type": "paragraph",
            "content": [mention("m-1"), mention("u"), mention("m-2"), mention("m-1")] }] });
        for description in [
            adf,
            json!("[~accountid:m-1] [~accountid:u] [~accountid:m-2] [~accountid:m-1]"),
        ] {
            let update = json!({ "webhookEvent": "jira:issue_updated", "user": { "accountId": "u" },
                "issue": { "id": "10001", "key": "K-1", "fields": { "description": description } },
                "changelog": { "items": [
                    { "field": "description", "fieldId": "description" },
                    { "field": "assignee", "from": null, "to": "m-1" },
                ] } });
            let all = MappedEvent::from_delivery_all(&update).unwrap();
            let names: Vec<_> = all.iter().map(|m| m.event.as_str()).collect();
            assert_eq!(
                names,
                [
                    "avi:jira:updated:issue",
                    "avi:jira:assigned:issue",
                    "avi:jira:mentioned:issue"
                ]
            );
            let payload = all[2].payload(false, "c", "m");
            assert_eq!(payload["mentionedAccountIds"], json!(["m-1", "m-2"]));
            assert_eq!(payload["atlassianId"], "u");
            assert_eq!(payload["issue"]["key"], "K-1");
            for absent in ["changelog", "associatedUsers", "associatedStatuses"] {
                assert!(payload.get(absent).is_none(), "{absent}");
            }
            assert_eq!(all[2].actor.as_deref(), Some("u"));
            assert_eq!(all[2].subject, "K-1");
        }
        // Only the actor mentioned, or a change to another field of an issue whose
        // description mentions someone: no mention event.
        for (description, field) in [
            (json!("[~accountid:u] wrote this"), "description"),
            (json!("[~accountid:m-1]"), "summary"),
        ] {
            let update = json!({ "webhookEvent": "jira:issue_updated", "user": { "accountId": "u" },
                "issue": { "key": "K-1", "fields": { "description": description } },
                "changelog": { "items": [{ "field": field }] } });
            assert_eq!(MappedEvent::from_delivery_all(&update).unwrap().len(), 1);
        }

        // The derived events are registered through the Jira events that carry them.
        let of = |name: &str| jira_events_of(name.parse().unwrap());
        assert_eq!(of("avi:jira:assigned:issue"), ["jira:issue_updated"]);
        assert_eq!(of("avi:jira:mentioned:issue"), ["jira:issue_updated"]);
        assert_eq!(
            of("avi:jira:mentioned:comment"),
            ["comment_created", "comment_updated"]
        );
        assert_eq!(
            of("avi:jira:commented:issue"),
            ["comment_created", "comment_updated"]
        );
        assert!(of("avi:jira:viewed:issue").is_empty());
    }

    #[test]
    fn every_mapped_name_is_a_known_forge_event() {
        for (_, forge) in EVENT_NAMES.iter().chain(DERIVED) {
            assert!(forge.parse::<ProductEvent>().is_ok(), "{forge}");
        }
    }

    #[test]
    fn sprint_and_board_deliveries_become_jira_software_events() {
        let sprint = |state: &str| {
            json!({
                "id": 3, "self": "https://site/rest/agile/1.0/sprint/3", "state": state,
                "name": "Sprint 1", "startDate": "2025-02-03T08:00:00.000Z",
                "endDate": "2025-02-17T09:00:00.000Z", "originBoardId": 1, "goal": "ship",
            })
        };
        let started = json!({
            "timestamp": 1_700_000_000_000_i64, "webhookEvent": "sprint_started",
            "sprint": sprint("active"),
        });
        let mapped = MappedEvent::from_delivery(&started).unwrap().unwrap();
        assert_eq!(mapped.event.as_str(), "avi:jira-software:started:sprint");
        assert_eq!(mapped.subject, "sprint:3");
        assert_eq!(mapped.actor, None, "Jira names no actor for sprint events");
        let payload = mapped.payload(false, "cloud", "on-sprint");
        assert_eq!(
            payload,
            json!({
                "eventType": "avi:jira-software:started:sprint",
                "sprint": sprint("active"),
                "timestamp": 1_700_000_000_000_i64,
                "selfGenerated": false,
                "context": { "cloudId": "cloud", "moduleKey": "on-sprint" },
            })
        );

        let updated = json!({
            "timestamp": 1, "webhookEvent": "sprint_updated",
            "sprint": sprint("active"), "oldValue": sprint("future"),
        });
        let mapped = MappedEvent::from_delivery(&updated).unwrap().unwrap();
        assert_eq!(mapped.event.as_str(), "avi:jira-software:updated:sprint");
        let payload = mapped.payload(false, "cloud", "k");
        assert_eq!(payload["sprint"]["state"], "active");
        assert_eq!(payload["oldValue"]["state"], "future");

        for (jira, forge) in [
            ("sprint_created", "avi:jira-software:created:sprint"),
            ("sprint_closed", "avi:jira-software:closed:sprint"),
            ("sprint_deleted", "avi:jira-software:deleted:sprint"),
        ] {
            let delivery =
                json!({ "timestamp": 1, "webhookEvent": jira, "sprint": sprint("closed") });
            let mapped = MappedEvent::from_delivery(&delivery).unwrap().unwrap();
            assert_eq!(mapped.event.as_str(), forge);
            assert_eq!(mapped.subject, "sprint:3");
        }

        let board = json!({ "id": 3, "self": "https://site/rest/agile/1.0/board/3", "name": "B", "type": "scrum" });
        for (jira, forge) in [
            ("board_created", "avi:jira-software:created:board"),
            ("board_updated", "avi:jira-software:updated:board"),
            ("board_deleted", "avi:jira-software:deleted:board"),
        ] {
            let delivery = json!({ "timestamp": 1, "webhookEvent": jira, "board": board });
            let mapped = MappedEvent::from_delivery(&delivery).unwrap().unwrap();
            assert_eq!(mapped.event.as_str(), forge);
            assert_eq!(
                mapped.subject, "board:3",
                "not the sprint with the same number"
            );
            assert_eq!(mapped.payload(false, "c", "k")["board"], board);
        }
        let configuration = json!({
            "timestamp": 1, "webhookEvent": "board_configuration_changed",
            "configuration": { "id": 3, "name": "B", "type": "scrum" },
        });
        let mapped = MappedEvent::from_delivery(&configuration).unwrap().unwrap();
        assert_eq!(
            mapped.event.as_str(),
            "avi:jira-software:configuration-changed:board"
        );
        assert_eq!(mapped.subject, "board:3");
        assert_eq!(mapped.payload(false, "c", "k")["configuration"]["id"], 3);
    }

    #[test]
    fn project_version_and_component_deliveries_become_forge_events() {
        let project = json!({ "self": "https://site/rest/api/3/project/10002", "id": 10002,
            "key": "OPS", "name": "Operations", "projectTypeKey": "business",
            "projectLead": { "accountId": "lead" }, "assigneeType": "admin.assignee.type.unassigned" });
        let version = json!({ "self": "https://site/rest/api/3/version/10000", "id": "10000",
            "name": "1.0", "archived": false, "released": true, "projectId": 10002 });
        let component = json!({ "self": "https://site/rest/api/3/component/10000", "id": "10000",
            "name": "Hooks", "project": "OPS", "projectId": 10002 });
        for (jira, forge, entity, value, subject) in [
            (
                "project_created",
                "avi:jira:created:project",
                "project",
                &project,
                "project:10002",
            ),
            (
                "project_updated",
                "avi:jira:updated:project",
                "project",
                &project,
                "project:10002",
            ),
            (
                "project_deleted",
                "avi:jira:deleted:project",
                "project",
                &project,
                "project:10002",
            ),
            (
                "jira:version_created",
                "avi:jira:created:version",
                "version",
                &version,
                "version:10000",
            ),
            (
                "jira:version_updated",
                "avi:jira:updated:version",
                "version",
                &version,
                "version:10000",
            ),
            (
                "jira:version_released",
                "avi:jira:released:version",
                "version",
                &version,
                "version:10000",
            ),
            (
                "jira:version_unreleased",
                "avi:jira:unreleased:version",
                "version",
                &version,
                "version:10000",
            ),
            (
                "jira:version_deleted",
                "avi:jira:deleted:version",
                "version",
                &version,
                "version:10000",
            ),
            (
                "component_created",
                "avi:jira:created:component",
                "component",
                &component,
                "component:10000",
            ),
            (
                "component_updated",
                "avi:jira:updated:component",
                "component",
                &component,
                "component:10000",
            ),
            (
                "component_deleted",
                "avi:jira:deleted:component",
                "component",
                &component,
                "component:10000",
            ),
        ] {
            let delivery = json!({ "timestamp": 5, "webhookEvent": jira, entity: value });
            let mapped = MappedEvent::from_delivery(&delivery).unwrap().unwrap();
            assert_eq!(mapped.event.as_str(), forge);
            assert_eq!(
                mapped.subject, subject,
                "not another entity with the same number"
            );
            // Jira's body names no actor for these events: neither does Forge's payload.
            assert_eq!(mapped.actor, None);
            assert_eq!(
                mapped.payload(false, "c", "k"),
                json!({ "eventType": forge, entity: value, "timestamp": 5, "selfGenerated": false,
                        "context": { "cloudId": "c", "moduleKey": "k" } })
            );
            assert_eq!(jira_events_of(forge.parse().unwrap()), [jira]);
        }
        // Where Jira does name who acted, Forge's payload carries it.
        let named = json!({ "webhookEvent": "project_created", "user": { "accountId": "u" },
            "project": project });
        let mapped = MappedEvent::from_delivery(&named).unwrap().unwrap();
        assert_eq!(mapped.actor.as_deref(), Some("u"));
        assert_eq!(mapped.payload(true, "c", "k")["atlassianId"], "u");
    }

    #[test]
    fn project_version_and_component_events_need_a_project_read_scope() {
        use kiln_manifest::{DeclaredScopes, Scope};
        let work = DeclaredScopes::from_iter([Scope::ReadJiraWork]);
        let user = DeclaredScopes::from_iter([Scope::ReadJiraUser]);
        for (_, forge) in EVENT_NAMES.iter().filter(|(jira, _)| {
            jira.starts_with("project_")
                || jira.starts_with("jira:version_")
                || jira.starts_with("component_")
        }) {
            let event: ProductEvent = forge.parse().unwrap();
            assert!(event.readable_with(&work), "{forge}");
            assert!(!event.readable_with(&user), "{forge}");
        }
    }

    #[test]
    fn jira_software_events_are_never_registered_as_dynamic_webhooks() {
        use super::super::registration::{DYNAMIC_EVENTS, Needed};
        for (jira, forge) in EVENT_NAMES {
            if forge.starts_with("avi:jira-software:") {
                let event = forge.parse::<ProductEvent>().unwrap();
                assert_eq!(jira_events_of(event), [*jira]);
                assert!(!DYNAMIC_EVENTS.contains(jira), "{jira}");
            }
        }
        let yaml = "app:\n  id: sprint-app\n\
             modules:\n  function:\n    - key: f\n      handler: f\n\
             \x20 trigger:\n    - key: t\n      function: f\n\
             \x20     events: [avi:jira-software:started:sprint, avi:jira:created:issue]\n\
             permissions:\n  scopes: [read:jira-work]\n";
        let manifest = kiln_manifest::Manifest::from_yaml(yaml).unwrap();
        let needed = Needed::of([&manifest]);
        assert_eq!(
            needed.events.iter().copied().collect::<Vec<_>>(),
            ["jira:issue_created"]
        );
        assert_eq!(
            needed
                .unsupported
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["avi:jira-software:started:sprint"]
        );
    }
}
