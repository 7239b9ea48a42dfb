//! Who is on call for a schedule: each rotation's participant whose turn it is,
//! unless an override stands in for them.

use time::OffsetDateTime;

use super::ScheduleRecord;
use super::rotation;

/// Account ids on call in `schedule` at `at`, one per running rotation in rotation
/// order, without repeats.
///
/// An override replaces whoever a rotation has on call while it lasts; where a
/// rotation has nobody on call (not started, ended, no participants) there is
/// nobody to replace, so the override adds no one. Of two overlapping overrides the
/// later-created wins, as a newer override in the Ops UI shadows an older one.
pub(crate) fn on_call_at(schedule: &ScheduleRecord, at: OffsetDateTime) -> Vec<&str> {
    let mut on_call: Vec<&str> = Vec::new();
    for rotation in &schedule.rotations {
        let Some(scheduled) = rotation::on_call_at(rotation, at) else {
            continue;
        };
        let who = schedule
            .overrides
            .iter()
            .rev()
            .find(|o| o.covers(&rotation.id, at))
            .map_or(scheduled, |o| o.responder.as_str());
        if !on_call.contains(&who) {
            on_call.push(who);
        }
    }
    on_call
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::world::{OverrideRecord, RotationKind, RotationRecord};

    fn rotation(id: &str, kind: RotationKind, people: &[&str]) -> RotationRecord {
        RotationRecord {
            id: id.to_owned(),
            name: id.to_owned(),
            kind,
            length: 1,
            start: datetime!(2024-01-01 09:00 UTC),
            end: None,
            participants: people.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn schedule(rotations: Vec<RotationRecord>, overrides: Vec<OverrideRecord>) -> ScheduleRecord {
        ScheduleRecord {
            id: String::from("s"),
            name: String::from("s"),
            description: String::new(),
            timezone: String::from("UTC"),
            enabled: true,
            team_id: String::from("t"),
            rotations,
            overrides,
        }
    }

    fn cover(alias: &str, who: &str, rotation_ids: &[&str]) -> OverrideRecord {
        OverrideRecord {
            alias: alias.to_owned(),
            responder: who.to_owned(),
            start: datetime!(2024-01-08 00:00 UTC),
            end: datetime!(2024-01-09 00:00 UTC),
            rotation_ids: rotation_ids.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn every_running_rotation_contributes_once() {
        let s = schedule(
            vec![
                rotation("week", RotationKind::Weekly, &["alice", "bob"]),
                rotation("day", RotationKind::Daily, &["bob", "alice"]),
            ],
            Vec::new(),
        );
        assert_eq!(
            on_call_at(&s, datetime!(2024-01-01 10:00 UTC)),
            ["alice", "bob"]
        );
        assert_eq!(on_call_at(&s, datetime!(2024-01-02 10:00 UTC)), ["alice"]);
        assert!(on_call_at(&s, datetime!(2023-12-31 10:00 UTC)).is_empty());
    }

    #[test]
    fn an_override_replaces_only_the_rotations_it_names_while_it_lasts() {
        let s = schedule(
            vec![
                rotation("week", RotationKind::Weekly, &["alice", "bob"]),
                rotation("day", RotationKind::Daily, &["alice"]),
            ],
            vec![cover("o", "carol", &["week"])],
        );
        assert_eq!(
            on_call_at(&s, datetime!(2024-01-08 10:00 UTC)),
            ["carol", "alice"]
        );
        assert_eq!(
            on_call_at(&s, datetime!(2024-01-09 00:00 UTC)),
            ["bob", "alice"]
        );
    }

    #[test]
    fn the_later_of_two_overlapping_overrides_wins_everywhere_it_applies() {
        let s = schedule(
            vec![rotation("week", RotationKind::Weekly, &["alice", "bob"])],
            vec![cover("first", "carol", &[]), cover("second", "dave", &[])],
        );
        assert_eq!(on_call_at(&s, datetime!(2024-01-08 12:00 UTC)), ["dave"]);
    }
}
