//! Who is on call: a rotation's participants take equal turns from its start.

use time::OffsetDateTime;

use super::RotationRecord;

/// The participant whose turn covers `at`, if the rotation is running then.
pub(crate) fn on_call_at(rotation: &RotationRecord, at: OffsetDateTime) -> Option<&str> {
    if at < rotation.start || rotation.end.is_some_and(|end| at >= end) {
        return None;
    }
    let count = i64::try_from(rotation.participants.len())
        .ok()
        .filter(|n| *n > 0)?;
    let turn_seconds = rotation
        .kind
        .unit_seconds()
        .checked_mul(i64::from(rotation.length.max(1)))?;
    let elapsed = (at - rotation.start).whole_seconds();
    let turn = elapsed / turn_seconds;
    let index = usize::try_from(turn % count).ok()?;
    rotation.participants.get(index).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::world::RotationKind;

    fn weekly() -> RotationRecord {
        RotationRecord {
            id: String::from("r"),
            name: String::from("weekly"),
            kind: RotationKind::Weekly,
            length: 1,
            start: datetime!(2024-01-01 09:00 UTC),
            end: None,
            participants: vec![String::from("alice"), String::from("bob")],
        }
    }

    #[test]
    fn turns_alternate_at_the_hand_over_hour() {
        let rotation = weekly();
        assert_eq!(
            on_call_at(&rotation, datetime!(2024-01-01 09:00 UTC)),
            Some("alice")
        );
        assert_eq!(
            on_call_at(&rotation, datetime!(2024-01-08 08:59 UTC)),
            Some("alice")
        );
        assert_eq!(
            on_call_at(&rotation, datetime!(2024-01-08 09:00 UTC)),
            Some("bob")
        );
        assert_eq!(
            on_call_at(&rotation, datetime!(2024-01-15 09:00 UTC)),
            Some("alice")
        );
    }

    #[test]
    fn nobody_is_on_call_outside_the_rotation() {
        let mut rotation = weekly();
        assert_eq!(on_call_at(&rotation, datetime!(2023-12-31 09:00 UTC)), None);
        rotation.end = Some(datetime!(2024-02-01 00:00 UTC));
        assert_eq!(on_call_at(&rotation, datetime!(2024-02-01 00:00 UTC)), None);
        rotation.participants.clear();
        assert_eq!(on_call_at(&rotation, datetime!(2024-01-02 00:00 UTC)), None);
    }
}
