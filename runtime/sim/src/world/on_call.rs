//! Who is on call for a schedule: each rotation's turns (the base layer), with
//! overrides standing in where they apply (the override layer), giving the final
//! layer that on-calls, next on-calls and timelines report.

use time::{Duration, OffsetDateTime};

use super::rotation::{self, Period, TooManyPeriods};
use super::zone::Zone;
use super::{Participant, RotationRecord, ScheduleRecord};

/// Where a final-layer period comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Base,
    Override,
}

/// One rotation's periods in each layer over a range.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layers {
    pub(crate) base: Vec<Period>,
    pub(crate) overrides: Vec<Period>,
    pub(crate) last: Vec<(Period, Source)>,
}

/// How far ahead [`next_on_call`] looks: the timeline API's own horizon.
const NEXT_HORIZON_DAYS: i64 = 731;
/// [`next_on_call`] searches in steps of this many days, so a weekly rotation
/// costs one small computation, not two years of turns.
const NEXT_STEP_DAYS: i64 = 31;

impl ScheduleRecord {
    /// The schedule's time zone; seeded and created schedules are checked, so
    /// the UTC fallback is never reached in practice.
    pub(crate) fn zone(&self) -> Zone {
        Zone::named(&self.timezone).unwrap_or_else(Zone::utc)
    }
}

/// The layers of `rotation` of `schedule` over `[from, to)`.
///
/// An override replaces whoever the rotation has on call while it lasts, `noone`
/// turns included; where the rotation does not run (not started, ended, outside
/// its time restriction) there is nobody to replace, so the override adds no
/// one. Of two overlapping overrides the later-created wins, as a newer override
/// in the Ops UI shadows an older one.
pub(crate) fn layers(
    schedule: &ScheduleRecord,
    rotation: &RotationRecord,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Layers, TooManyPeriods> {
    let base = rotation::base_periods(rotation, &schedule.zone(), from, to)?;
    let covering: Vec<_> = schedule
        .overrides
        .iter()
        .filter(|o| o.applies_to(&rotation.id))
        .collect();
    let mut last: Vec<(Period, Source)> = Vec::new();
    for period in &base {
        let mut cuts = vec![period.start, period.end];
        for o in &covering {
            for t in [o.start, o.end] {
                if period.start < t && t < period.end {
                    cuts.push(t);
                }
            }
        }
        cuts.sort();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let (responder, source) = match covering
                .iter()
                .rev()
                .find(|o| o.start <= start && start < o.end)
            {
                Some(o) => (
                    o.responder
                        .clone()
                        .map_or(Participant::Noone, Participant::User),
                    Source::Override,
                ),
                None => (period.responder.clone(), Source::Base),
            };
            match last.last_mut() {
                Some((prev, prev_source))
                    if prev.end == start
                        && prev.responder == responder
                        && *prev_source == source =>
                {
                    prev.end = end;
                }
                _ => {
                    if last.len() >= rotation::MAX_PERIODS {
                        return Err(TooManyPeriods);
                    }
                    last.push((
                        Period {
                            start,
                            end,
                            responder,
                        },
                        source,
                    ));
                }
            }
        }
    }
    let overrides = last
        .iter()
        .filter(|(_, source)| *source == Source::Override)
        .map(|(p, _)| p.clone())
        .collect();
    Ok(Layers {
        base,
        overrides,
        last,
    })
}

/// Who each running rotation has on call at `at`, in rotation order, without
/// repeats and without empty (`noone`) turns.
pub(crate) fn on_call_at(schedule: &ScheduleRecord, at: OffsetDateTime) -> Vec<Participant> {
    let mut on_call: Vec<Participant> = Vec::new();
    for rotation in &schedule.rotations {
        let Ok(found) = layers(schedule, rotation, at, at + Duration::SECOND) else {
            continue;
        };
        if let Some((period, _)) = found.last.into_iter().next()
            && period.responder != Participant::Noone
            && !on_call.contains(&period.responder)
        {
            on_call.push(period.responder);
        }
    }
    on_call
}

/// Who each rotation has on call next after `at`: the responder of its first
/// final-layer period that starts after the one covering `at` (or after `at`,
/// when nobody is on call then), skipping empty turns; looked for up to two
/// years ahead. In rotation order, without repeats.
pub(crate) fn next_on_call(schedule: &ScheduleRecord, at: OffsetDateTime) -> Vec<Participant> {
    let mut next: Vec<Participant> = Vec::new();
    for rotation in &schedule.rotations {
        if let Some(found) = next_for_rotation(schedule, rotation, at)
            && !next.contains(&found)
        {
            next.push(found);
        }
    }
    next
}

fn next_for_rotation(
    schedule: &ScheduleRecord,
    rotation: &RotationRecord,
    at: OffsetDateTime,
) -> Option<Participant> {
    let horizon = at + Duration::days(NEXT_HORIZON_DAYS);
    let mut from = at;
    let mut current: Option<(OffsetDateTime, Participant)> = None;
    while from < horizon {
        let to = (from + Duration::days(NEXT_STEP_DAYS)).min(horizon);
        let found = layers(schedule, rotation, from, to).ok()?;
        for (period, _) in found.last {
            // The period covering `at`, and its continuation across a step
            // boundary (layers are computed per step, so a long turn is cut).
            let continues = current.as_ref().is_some_and(|(end, who)| {
                *end == period.start && from == period.start && *who == period.responder
            });
            if period.start <= at || continues {
                current = Some((period.end, period.responder));
                continue;
            }
            if period.responder != Participant::Noone {
                return Some(period.responder);
            }
        }
        from = to;
    }
    None
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::world::{OverrideRecord, RotationKind};

    fn user(id: &str) -> Participant {
        Participant::User(id.to_owned())
    }

    fn rotation(id: &str, kind: RotationKind, people: &[&str]) -> RotationRecord {
        RotationRecord {
            id: id.to_owned(),
            name: id.to_owned(),
            kind,
            length: 1,
            start: datetime!(2024-01-01 09:00 UTC),
            end: None,
            participants: people.iter().map(|p| user(p)).collect(),
            restriction: None,
        }
    }

    fn schedule(rotations: Vec<RotationRecord>, overrides: Vec<OverrideRecord>) -> ScheduleRecord {
        ScheduleRecord {
            id: String::from("s"),
            name: String::from("s"),
            description: String::new(),
            timezone: String::from("UTC"),
            enabled: true,
            team_id: Some(String::from("t")),
            rotations,
            overrides,
        }
    }

    fn cover(alias: &str, who: &str, rotation_ids: &[&str]) -> OverrideRecord {
        OverrideRecord {
            alias: alias.to_owned(),
            responder: Some(who.to_owned()),
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
            [user("alice"), user("bob")]
        );
        assert_eq!(
            on_call_at(&s, datetime!(2024-01-02 10:00 UTC)),
            [user("alice")]
        );
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
            [user("carol"), user("alice")]
        );
        assert_eq!(
            on_call_at(&s, datetime!(2024-01-09 00:00 UTC)),
            [user("bob"), user("alice")]
        );
    }

    #[test]
    fn the_later_of_two_overlapping_overrides_wins_everywhere_it_applies() {
        let s = schedule(
            vec![rotation("week", RotationKind::Weekly, &["alice", "bob"])],
            vec![cover("first", "carol", &[]), cover("second", "dave", &[])],
        );
        assert_eq!(
            on_call_at(&s, datetime!(2024-01-08 12:00 UTC)),
            [user("dave")]
        );
    }

    #[test]
    fn next_on_call_is_the_next_turn_or_override() {
        let s = schedule(
            vec![rotation("week", RotationKind::Weekly, &["alice", "bob"])],
            vec![cover("o", "carol", &[])],
        );
        // Alice until Monday 8th 09:00, but Carol covers the 8th from midnight.
        assert_eq!(
            next_on_call(&s, datetime!(2024-01-03 12:00 UTC)),
            [user("carol")]
        );
        assert_eq!(
            next_on_call(&s, datetime!(2024-01-08 12:00 UTC)),
            [user("bob")]
        );
        // Bob's turn runs across several search steps; next is Alice after it.
        assert_eq!(
            next_on_call(&s, datetime!(2024-01-10 12:00 UTC)),
            [user("alice")]
        );
    }

    #[test]
    fn the_override_layer_holds_only_what_overrides_changed() {
        let s = schedule(
            vec![rotation("week", RotationKind::Weekly, &["alice", "bob"])],
            vec![cover("o", "carol", &[])],
        );
        let found = layers(
            &s,
            &s.rotations[0],
            datetime!(2024-01-07 00:00 UTC),
            datetime!(2024-01-10 00:00 UTC),
        )
        .expect("small");
        assert_eq!(found.base.len(), 2);
        assert_eq!(found.overrides.len(), 1);
        assert_eq!(found.overrides[0].start, datetime!(2024-01-08 00:00 UTC));
        // Alice, then Carol across the 09:00 hand-over (one period), then Bob.
        assert_eq!(found.last.len(), 3);
        assert_eq!(found.last[1].1, Source::Override);
    }
}
