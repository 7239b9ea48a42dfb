//! JSM Ops JSON shapes, with the field names of Atlassian's Ops API reference
//! (schedules, rotations, overrides) and of Opsgenie's alert API it descends from.

use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::world::{AlertRecord, OverrideRecord, RotationRecord, ScheduleRecord, TeamRecord};

/// A schedule; `with_rotations` embeds its rotations, as `expand=rotation` does.
pub(crate) fn schedule(schedule: &ScheduleRecord, with_rotations: bool) -> Value {
    let mut value = json!({
        "id": schedule.id,
        "name": schedule.name,
        "description": schedule.description,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
        "teamId": schedule.team_id,
    });
    if with_rotations {
        let rotations: Vec<Value> = schedule.rotations.iter().map(rotation).collect();
        value["rotations"] = json!(rotations);
    }
    value
}

pub(crate) fn schedule_override(entry: &OverrideRecord) -> Value {
    json!({
        "alias": entry.alias,
        "responder": { "type": "user", "id": entry.responder },
        "startDate": rfc3339(entry.start),
        "endDate": rfc3339(entry.end),
        "rotationIds": entry.rotation_ids,
    })
}

pub(crate) fn rotation(rotation: &RotationRecord) -> Value {
    let participants: Vec<Value> = rotation
        .participants
        .iter()
        .map(|id| json!({ "id": id, "type": "user" }))
        .collect();
    let mut value = json!({
        "id": rotation.id,
        "name": rotation.name,
        "startDate": rfc3339(rotation.start),
        "type": rotation.kind.as_str(),
        "length": rotation.length,
        "participants": participants,
    });
    if let Some(end) = rotation.end {
        value["endDate"] = json!(rfc3339(end));
    }
    value
}

/// One on-call responder: the Ops API's `ResponderInfo`, an id and its type and
/// nothing else (no display name; that comes from the platform's user API).
pub(crate) fn on_call_participant(account_id: &str) -> Value {
    json!({ "id": account_id, "type": "user" })
}

pub(crate) fn team(team: &TeamRecord) -> Value {
    let members: Vec<Value> = team
        .members
        .iter()
        .map(|(id, role)| {
            let role = match role {
                crate::seed::TeamRole::Admin => "admin",
                crate::seed::TeamRole::Member => "member",
            };
            json!({ "accountId": id, "role": role })
        })
        .collect();
    json!({ "teamId": team.id, "teamName": team.name, "members": members })
}

pub(crate) fn alert(alert: &AlertRecord) -> Value {
    json!({
        "id": alert.id,
        "tinyId": alert.tiny_id.to_string(),
        "alias": alert.alias,
        "message": alert.message,
        "description": alert.description,
        "status": alert.status.as_str(),
        "acknowledged": alert.acknowledged,
        "isSeen": false,
        "snoozed": false,
        "tags": alert.tags,
        "count": 1,
        "priority": alert.priority,
        "source": "kiln-sim",
        "owner": "",
        "reporter": alert.reporter,
        "responders": [],
        "createdAt": rfc3339(alert.created),
        "updatedAt": rfc3339(alert.updated),
        "lastOccurredAt": rfc3339(alert.created),
    })
}

/// A page in the Ops API's `values` + `links` shape (a single page here).
pub(crate) fn page(values: Vec<Value>) -> Value {
    json!({ "values": values, "links": {} })
}
