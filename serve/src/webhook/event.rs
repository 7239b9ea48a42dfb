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
];

/// The Jira webhook event that raises `forge` (the same table read backwards), for
/// registering the webhooks a trigger needs.
pub fn jira_event_of(forge: ProductEvent) -> Option<&'static str> {
    EVENT_NAMES
        .iter()
        .find(|(_, name)| *name == forge.as_str())
        .map(|(jira, _)| *jira)
}

/// The entities a Forge payload carries over from Jira's body.
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
];

/// One delivery, mapped.
#[derive(Debug, Clone)]
pub struct MappedEvent {
    pub event: ProductEvent,
    /// Who acted (Jira's `user.accountId`), when Jira says.
    pub actor: Option<String>,
    /// What the event is about, for the loop guard: the issue key or id, else the event.
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
        let subject = object
            .get("issue")
            .and_then(|i| i.get("key").or_else(|| i.get("id")))
            .and_then(|k| {
                k.as_str()
                    .map(str::to_owned)
                    .or_else(|| k.as_i64().map(|n| n.to_string()))
            })
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
            MappedEvent::from_delivery(&json!({"webhookEvent": "board_created"}))
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
}
