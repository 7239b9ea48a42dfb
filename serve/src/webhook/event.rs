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

/// The Jira webhook event that raises `forge` (the same table read backwards), for
/// registering the webhooks a trigger needs.
pub fn jira_event_of(forge: ProductEvent) -> Option<&'static str> {
    EVENT_NAMES
        .iter()
        .find(|(_, name)| *name == forge.as_str())
        .map(|(jira, _)| *jira)
}

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
    /// Who acted (Jira's `user.accountId`), when Jira says.
    pub actor: Option<String>,
    /// What the event is about, for the loop guard: the issue key or id; `sprint:<id>` or
    /// `board:<id>` for Jira Software's events (a sprint and a board may share a number);
    /// else the event.
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
        let actor = object
            .get("user")
            .and_then(|u| u.get("accountId"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let issue = object
            .get("issue")
            .and_then(|i| i.get("key").or_else(|| i.get("id")))
            .and_then(id_text);
        let agile = || {
            [
                ("sprint", "sprint"),
                ("board", "board"),
                ("configuration", "board"),
            ]
            .into_iter()
            .find_map(|(entity, kind)| {
                let id = object.get(entity)?.get("id").and_then(id_text)?;
                Some(format!("{kind}:{id}"))
            })
        };
        let subject = issue
            .or_else(agile)
            .unwrap_or_else(|| forge.as_str().to_owned());
        let mut body = Map::new();
        body.insert("eventType".into(), json!(forge.as_str()));
        for entity in ENTITIES {
            if let Some(value) = object.get(*entity) {
                body.insert((*entity).into(), value.clone());
            }
        }
        if let Some(timestamp) = object.get("timestamp") {
            body.insert("timestamp".into(), timestamp.clone());
        }
        if let Some(actor) = &actor {
            body.insert("atlassianId".into(), json!(actor));
            body.insert("associatedUsers".into(), json!([{ "accountId": actor }]));
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

    #[test]
    fn every_mapped_name_is_a_known_forge_event() {
        for (_, forge) in EVENT_NAMES {
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
    fn jira_software_events_are_never_registered_as_dynamic_webhooks() {
        use super::super::registration::{DYNAMIC_EVENTS, Needed};
        for (jira, forge) in EVENT_NAMES {
            if forge.starts_with("avi:jira-software:") {
                let event = forge.parse::<ProductEvent>().unwrap();
                assert_eq!(jira_event_of(event), Some(*jira));
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
