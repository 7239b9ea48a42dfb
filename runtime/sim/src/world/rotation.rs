//! Who a rotation puts on call: its participants take equal turns from its start,
//! and a time restriction narrows each turn to the windows it allows.

use time::{Duration, OffsetDateTime};

use super::restriction::Span;
use super::zone::Zone;
use super::{Participant, RotationRecord};

/// The most periods one computation may produce: an hourly rotation over the
/// three years a timeline may span is about 26,000; a bound keeps one request's
/// work and answer small whatever an app configured.
pub(crate) const MAX_PERIODS: usize = 20_000;

/// The answer would have more than [`MAX_PERIODS`] periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyPeriods;

/// A stretch of time one participant is on call for a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Period {
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    pub(crate) responder: Participant,
}

/// The rotation's own turns (no overrides) that overlap `[from, to)`, clipped to
/// it, in time order, adjacent turns of the same participant merged.
pub(crate) fn base_periods(
    rotation: &RotationRecord,
    zone: &Zone,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<Period>, TooManyPeriods> {
    let lo = from.max(rotation.start);
    let hi = rotation.end.map_or(to, |end| end.min(to));
    let count = i64::try_from(rotation.participants.len()).unwrap_or(0);
    let Some(turn) = rotation
        .kind
        .unit_seconds()
        .checked_mul(i64::from(rotation.length.max(1)))
    else {
        return Ok(Vec::new());
    };
    if lo >= hi || count == 0 {
        return Ok(Vec::new());
    }
    let windows: Option<Vec<Span>> = rotation
        .restriction
        .as_ref()
        .map(|r| r.windows(zone, lo, hi));
    let mut periods: Vec<Period> = Vec::new();
    let mut index = (lo - rotation.start).whole_seconds() / turn;
    // Windows are sorted: those wholly before the current turn are never needed again.
    let mut first_window = 0;
    loop {
        let turn_start = rotation.start + Duration::seconds(index.saturating_mul(turn));
        if turn_start >= hi {
            break;
        }
        let turn_end = turn_start + Duration::seconds(turn);
        let responder = usize::try_from(index % count)
            .ok()
            .and_then(|i| rotation.participants.get(i))
            .cloned()
            .unwrap_or(Participant::Noone);
        let span = (turn_start.max(lo), turn_end.min(hi));
        match &windows {
            None => push(&mut periods, span, &responder)?,
            Some(windows) => {
                while windows.get(first_window).is_some_and(|w| w.1 <= span.0) {
                    first_window += 1;
                }
                let overlapping = windows
                    .iter()
                    .skip(first_window)
                    .take_while(|w| w.0 < span.1);
                for window in overlapping {
                    push(
                        &mut periods,
                        (window.0.max(span.0), window.1.min(span.1)),
                        &responder,
                    )?;
                }
            }
        }
        index += 1;
    }
    Ok(periods)
}

fn push(
    periods: &mut Vec<Period>,
    (start, end): Span,
    responder: &Participant,
) -> Result<(), TooManyPeriods> {
    if start >= end {
        return Ok(());
    }
    if let Some(last) = periods.last_mut()
        && last.end == start
        && &last.responder == responder
    {
        last.end = end;
        return Ok(());
    }
    if periods.len() >= MAX_PERIODS {
        return Err(TooManyPeriods);
    }
    periods.push(Period {
        start,
        end,
        responder: responder.clone(),
    });
    Ok(())
}

/// The participant whose turn covers `at`, if the rotation runs then.
#[cfg(test)]
pub(crate) fn on_call_at(
    rotation: &RotationRecord,
    zone: &Zone,
    at: OffsetDateTime,
) -> Option<Participant> {
    base_periods(rotation, zone, at, at + Duration::SECOND)
        .ok()?
        .into_iter()
        .next()
        .map(|p| p.responder)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::world::{ClockTime, RotationKind, TimeRestriction};

    fn weekly() -> RotationRecord {
        RotationRecord {
            id: String::from("r"),
            name: String::from("weekly"),
            kind: RotationKind::Weekly,
            length: 1,
            start: datetime!(2024-01-01 09:00 UTC),
            end: None,
            participants: vec![
                Participant::User(String::from("alice")),
                Participant::User(String::from("bob")),
            ],
            restriction: None,
        }
    }

    fn who(rotation: &RotationRecord, at: OffsetDateTime) -> Option<String> {
        on_call_at(rotation, &Zone::utc(), at).and_then(|p| p.id().map(str::to_owned))
    }

    #[test]
    fn turns_alternate_at_the_hand_over_hour() {
        let rotation = weekly();
        assert_eq!(
            who(&rotation, datetime!(2024-01-01 09:00 UTC)).as_deref(),
            Some("alice")
        );
        assert_eq!(
            who(&rotation, datetime!(2024-01-08 08:59 UTC)).as_deref(),
            Some("alice")
        );
        assert_eq!(
            who(&rotation, datetime!(2024-01-08 09:00 UTC)).as_deref(),
            Some("bob")
        );
        assert_eq!(
            who(&rotation, datetime!(2024-01-15 09:00 UTC)).as_deref(),
            Some("alice")
        );
    }

    #[test]
    fn nobody_is_on_call_outside_the_rotation() {
        let mut rotation = weekly();
        assert_eq!(who(&rotation, datetime!(2023-12-31 09:00 UTC)), None);
        rotation.end = Some(datetime!(2024-02-01 00:00 UTC));
        assert_eq!(who(&rotation, datetime!(2024-02-01 00:00 UTC)), None);
        rotation.participants.clear();
        assert_eq!(who(&rotation, datetime!(2024-01-02 00:00 UTC)), None);
    }

    #[test]
    fn a_restriction_cuts_each_turn_to_its_windows() {
        let mut rotation = weekly();
        rotation.restriction = Some(TimeRestriction::TimeOfDay {
            start: ClockTime { hour: 9, minute: 0 },
            end: ClockTime {
                hour: 17,
                minute: 0,
            },
        });
        assert_eq!(
            who(&rotation, datetime!(2024-01-02 12:00 UTC)).as_deref(),
            Some("alice")
        );
        assert_eq!(who(&rotation, datetime!(2024-01-02 18:00 UTC)), None);
        let periods = base_periods(
            &rotation,
            &Zone::utc(),
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2024-01-03 00:00 UTC),
        )
        .expect("small");
        let spans: Vec<_> = periods.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(
            spans,
            [
                (
                    datetime!(2024-01-01 09:00 UTC),
                    datetime!(2024-01-01 17:00 UTC)
                ),
                (
                    datetime!(2024-01-02 09:00 UTC),
                    datetime!(2024-01-02 17:00 UTC)
                ),
            ]
        );
    }

    #[test]
    fn a_noone_turn_is_a_period_with_nobody() {
        let mut rotation = weekly();
        rotation.participants.push(Participant::Noone);
        assert_eq!(
            on_call_at(&rotation, &Zone::utc(), datetime!(2024-01-15 10:00 UTC)),
            Some(Participant::Noone)
        );
    }

    #[test]
    fn huge_answers_are_refused_not_built() {
        let mut rotation = weekly();
        rotation.kind = RotationKind::Hourly;
        let result = base_periods(
            &rotation,
            &Zone::utc(),
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2027-01-01 00:00 UTC),
        );
        assert_eq!(result, Err(TooManyPeriods));
    }
}
