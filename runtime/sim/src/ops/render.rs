//! JSM Ops JSON shapes, with the field names of the schemas of Atlassian's Ops
//! OpenAPI document (`Schedule`, `Rotation`, `Override`, `PlatformTeamDto`,
//! `AlertResponse`, `OnCallParticipant`, `TimelinePeriod`).

use serde_json::{Map, Value, json};

use crate::clock::rfc3339;
use crate::world::{
    AlertParty, AlertRecord, ClockTime, OverrideRecord, Participant, RotationRecord,
    ScheduleRecord, TeamRecord, TimeRestriction, World,
};

/// A schedule; `with_rotations` embeds its rotations (`expand=rotation`, and
/// the single-schedule answer). A global schedule has no `teamId`.
pub(crate) fn schedule(schedule: &ScheduleRecord, with_rotations: bool) -> Value {
    let mut value = json!({
        "id": schedule.id,
        "name": schedule.name,
        "description": schedule.description,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
    });
    if let Some(team) = &schedule.team_id {
        value["teamId"] = json!(team);
    }
    if with_rotations {
        let rotations: Vec<Value> = schedule.rotations.iter().map(rotation).collect();
        value["rotations"] = json!(rotations);
    }
    value
}

pub(crate) fn schedule_override(entry: &OverrideRecord) -> Value {
    let responder = match &entry.responder {
        Some(id) => json!({ "type": "user", "id": id }),
        None => json!({ "type": "noone" }),
    };
    let mut value = json!({
        "alias": entry.alias,
        "responder": responder,
        "startDate": rfc3339(entry.start),
        "endDate": rfc3339(entry.end),
    });
    // "Null if no rotation is specified during override creation": left out.
    if !entry.rotation_ids.is_empty() {
        value["rotationIds"] = json!(entry.rotation_ids);
    }
    value
}

/// `ResponderInfo`: `{"type", "id"}`, no id for `noone`.
pub(crate) fn participant(participant: &Participant) -> Value {
    match participant.id() {
        Some(id) => json!({ "type": participant.kind(), "id": id }),
        None => json!({ "type": participant.kind() }),
    }
}

pub(crate) fn rotation(rotation: &RotationRecord) -> Value {
    let participants: Vec<Value> = rotation.participants.iter().map(participant).collect();
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
    if let Some(restriction) = &rotation.restriction {
        value["timeRestriction"] = time_restriction(restriction);
    }
    value
}

fn time_restriction(restriction: &TimeRestriction) -> Value {
    fn clock(into: &mut Map<String, Value>, start: ClockTime, end: ClockTime) {
        into.insert("startHour".into(), json!(start.hour));
        into.insert("startMin".into(), json!(start.minute));
        into.insert("endHour".into(), json!(end.hour));
        into.insert("endMin".into(), json!(end.minute));
    }
    match restriction {
        TimeRestriction::TimeOfDay { start, end } => {
            let mut settings = Map::new();
            clock(&mut settings, *start, *end);
            json!({ "type": "time-of-day", "restriction": settings })
        }
        TimeRestriction::Weekday(windows) => {
            let restrictions: Vec<Value> = windows
                .iter()
                .map(|w| {
                    let mut settings = Map::new();
                    settings.insert("startDay".into(), json!(day(w.start_day)));
                    settings.insert("endDay".into(), json!(day(w.end_day)));
                    clock(&mut settings, w.start, w.end);
                    Value::Object(settings)
                })
                .collect();
            json!({ "type": "weekday-and-time-of-day", "restrictions": restrictions })
        }
    }
}

fn day(day: time::Weekday) -> String {
    day.to_string().to_ascii_lowercase()
}

/// `PlatformTeamDto`: a team's id and name.
pub(crate) fn team(team: &TeamRecord) -> Value {
    json!({ "teamId": team.id, "teamName": team.name })
}

/// The users a participant stands for: itself, a team's members, or nobody.
///
/// A team on call means its members are: the simulator models no team routing
/// or escalations, through which a real site flattens a team, so it flattens to
/// the members (an inference; the reference says only "flattening tree").
pub(crate) fn flattened(world: &World, participant: &Participant) -> Vec<String> {
    match participant {
        Participant::User(id) => vec![id.clone()],
        Participant::Team(id) => world
            .team(id)
            .map(|t| t.members.iter().map(|(member, _)| member.clone()).collect())
            .unwrap_or_default(),
        Participant::Noone => Vec::new(),
    }
}

/// An `OnCallParticipant`; a team carries its flattened members under `key`
/// (`onCallParticipants`, or `nextOnCallParticipants` for next on-calls).
pub(crate) fn on_call_participant(world: &World, who: &Participant, key: &str) -> Value {
    let mut value = participant(who);
    if let Participant::Team(_) = who {
        let members: Vec<Value> = flattened(world, who)
            .iter()
            .map(|id| json!({ "id": id, "type": "user" }))
            .collect();
        value[key] = json!(members);
    }
    value
}

fn party(party: &AlertParty) -> Value {
    json!({ "type": party.kind, "id": party.id })
}

/// `AlertResponse`. `owner` is left out: nobody owns an alert until it is
/// assigned, which the simulator does not serve.
pub(crate) fn alert(alert: &AlertRecord) -> Value {
    let responders: Vec<Value> = alert.responders.iter().map(party).collect();
    let mut value = json!({
        "id": alert.id,
        "tinyId": alert.tiny_id.to_string(),
        "alias": alert.alias,
        "message": alert.message,
        "description": alert.description,
        "status": alert.status.as_str(),
        "acknowledged": alert.acknowledged,
        "seen": alert.seen,
        "snoozed": false,
        "tags": alert.tags,
        "actions": alert.actions,
        "extraProperties": alert.extra_properties,
        "count": alert.count,
        "priority": alert.priority,
        "source": alert.source,
        "responders": responders,
        "createdAt": rfc3339(alert.created),
        "updatedAt": rfc3339(alert.updated),
        "lastOccurredAt": rfc3339(alert.last_occurred),
    });
    if let Some(entity) = &alert.entity {
        value["entity"] = json!(entity);
    }
    value
}
