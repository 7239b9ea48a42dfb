//! The time tracking system fields: `timetracking` (the one a create or edit
//! writes), and the read-only `timeoriginalestimate`, `timeestimate`,
//! `timespent` and their `aggregate…` sums over the issue and its sub-tasks.
//!
//! What a write may send ([`set`], [`edit`]), how an issue shows the fields
//! ([`render`]) and how a change of them is logged ([`change_items`]); the
//! values themselves are `world::time_tracking`'s.
//!
//! The rules are Jira's REST handling of the field in its default ("modern")
//! mode, `TimeTrackingRestFieldOperationsHandler` and `TimeTrackingSystemField`:
//! `set` (the `fields` form, or an `update` `set`) writes both estimates, a
//! missing one blank; `edit` keeps the issue's value for a missing one; then a
//! blank estimate takes the other's value ([`Estimates::settled`]). So
//! `{"originalEstimate": "2d"}` set on an issue with 3h remaining leaves 2d
//! remaining, where the same `edit` keeps the 3h.

use serde_json::{Map, Value, json};

use super::duration;
use super::fields::FieldSelection;
use crate::jira_error::JiraError;
use crate::world::HistoryItem;
use crate::world::time_tracking::{Estimates, Tracked};
use crate::world::{IssueRecord, World};

/// The field a create or edit writes, and its id and key.
pub(crate) const FIELD: &str = "timetracking";

/// The read-only fields, by id: the issue's own values, then the sums.
pub(crate) const ORIGINAL: &str = "timeoriginalestimate";
pub(crate) const REMAINING: &str = "timeestimate";
pub(crate) const SPENT: &str = "timespent";
pub(crate) const AGGREGATE_ORIGINAL: &str = "aggregatetimeoriginalestimate";
pub(crate) const AGGREGATE_REMAINING: &str = "aggregatetimeestimate";
pub(crate) const AGGREGATE_SPENT: &str = "aggregatetimespent";

/// The read-only fields, in seconds: set through `timetracking` or by logging
/// work, never on a screen, and not searchable in Jira's field list.
pub(crate) const READ_ONLY: [&str; 6] = [
    ORIGINAL,
    REMAINING,
    SPENT,
    AGGREGATE_ORIGINAL,
    AGGREGATE_REMAINING,
    AGGREGATE_SPENT,
];

/// A create's or edit's `set` of `timetracking`: both estimates as given, a
/// missing or blank one blank. `null` (or `{}`) clears both, as Jira's set of
/// two blanks does.
pub(crate) fn set(estimates: &mut Estimates, value: &Value) -> Result<(), JiraError> {
    let given = Given::read(value)?;
    *estimates = Estimates::settled(given.original.flatten(), given.remaining.flatten());
    Ok(())
}

/// An `update` `edit` of `timetracking`: an estimate the value leaves out keeps
/// the issue's.
pub(crate) fn edit(estimates: &mut Estimates, value: &Value) -> Result<(), JiraError> {
    let given = Given::read(value)?;
    *estimates = Estimates::settled(
        given.original.unwrap_or(estimates.original),
        given.remaining.unwrap_or(estimates.remaining),
    );
    Ok(())
}

/// The estimates a `timetracking` value names: for each, `None` if it is left
/// out (or `null`), `Some(None)` if blank, else the seconds.
struct Given {
    original: Option<Option<u64>>,
    remaining: Option<Option<u64>>,
}

impl Given {
    fn read(value: &Value) -> Result<Self, JiraError> {
        let object = match value {
            Value::Null => {
                return Ok(Self {
                    original: Some(None),
                    remaining: Some(None),
                });
            }
            Value::Object(object) => object,
            // Jira reads the value as its `TimeTrackingJsonBean`; the wording
            // of its refusal of other JSON is the simulator's.
            _ => {
                return Err(JiraError::field(
                    FIELD,
                    "Time tracking must be an object with originalEstimate and remainingEstimate.",
                ));
            }
        };
        // The time spent is the worklogs' (Jira refuses it here with
        // `rest.timetracking.cannot.set.timespent`; the wording is the
        // simulator's).
        if object.get("timeSpent").is_some_and(|v| !v.is_null()) {
            return Err(JiraError::field(
                FIELD,
                "Time spent cannot be set: log work on the issue instead.",
            ));
        }
        Ok(Self {
            original: estimate(
                object,
                "originalEstimate",
                "The original estimate specified is not valid.",
            )?,
            remaining: estimate(
                object,
                "remainingEstimate",
                "The remaining estimate specified is not valid.",
            )?,
        })
    }
}

/// One estimate of a `timetracking` value. Jira reads it as text, so a JSON
/// number is its digits (minutes, the default unit). An estimate that is not a
/// duration is refused under the field's id, as Jira Cloud keys it (a Cloud
/// site's refusal of `"1.5h"` in a locale with a decimal comma was
/// `{"timetracking": …}`), with the message Jira's own tests quote for it.
fn estimate(
    object: &Map<String, Value>,
    key: &str,
    invalid: &str,
) -> Result<Option<Option<u64>>, JiraError> {
    let text = match object.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(_) => return Err(JiraError::field(FIELD, invalid)),
    };
    if text.trim().is_empty() {
        return Ok(Some(None));
    }
    duration::parse(&text)
        .map(|seconds| Some(Some(seconds)))
        .ok_or_else(|| JiraError::field(FIELD, invalid))
}

/// Adds the selected time tracking fields to an issue's `fields`. Each number
/// is seconds, or `null` where there is none; `timetracking` (Jira's
/// `TimeTrackingDetails`) leaves out what is not set, so an issue with neither
/// estimates nor work logged shows `{}`, as Jira Cloud gives it.
pub(crate) fn render(
    world: &World,
    issue: &IssueRecord,
    selection: &FieldSelection,
    fields: &mut Map<String, Value>,
) {
    let own = issue.tracked();
    if selection.has(FIELD) {
        fields.insert(FIELD.to_owned(), details(own));
    }
    for (id, value) in [
        (ORIGINAL, own.original),
        (REMAINING, own.remaining),
        (SPENT, own.spent),
    ] {
        if selection.has(id) {
            fields.insert(id.to_owned(), json!(value));
        }
    }
    // The sums look through the site's issues for sub-tasks: only when asked.
    let sums = [AGGREGATE_ORIGINAL, AGGREGATE_REMAINING, AGGREGATE_SPENT];
    if sums.iter().any(|id| selection.has(id)) {
        let sum = world.aggregate_tracked(issue);
        for (id, value) in sums
            .into_iter()
            .zip([sum.original, sum.remaining, sum.spent])
        {
            if selection.has(id) {
                fields.insert(id.to_owned(), json!(value));
            }
        }
    }
}

/// A `TimeTrackingDetails`: each value set as text and as seconds.
fn details(tracked: Tracked) -> Value {
    let mut out = Map::new();
    for (name, value) in [
        ("originalEstimate", tracked.original),
        ("remainingEstimate", tracked.remaining),
        ("timeSpent", tracked.spent),
    ] {
        if let Some(seconds) = value {
            out.insert(name.to_owned(), json!(duration::format(seconds)));
            out.insert(format!("{name}Seconds"), json!(seconds));
        }
    }
    Value::Object(out)
}

/// The changelog items for a change of time tracking, one per value that
/// changed, in Jira's order (`timeoriginalestimate`, `timeestimate`,
/// `timespent`): the seconds in `from`/`to` and, as Jira writes them, again in
/// the strings. An edit changes the estimates; logging work the time spent and
/// the remaining estimate.
pub(crate) fn change_items(before: Tracked, after: Tracked) -> Vec<HistoryItem> {
    [
        (ORIGINAL, before.original, after.original),
        (REMAINING, before.remaining, after.remaining),
        (SPENT, before.spent, after.spent),
    ]
    .into_iter()
    .filter(|(_, was, now)| was != now)
    .map(|(field, was, now)| {
        let text = |seconds: Option<u64>| seconds.map(|s| s.to_string());
        HistoryItem {
            field: field.to_owned(),
            fieldtype: "jira",
            field_id: field.to_owned(),
            from: text(was),
            from_string: text(was),
            to: text(now),
            to_string: text(now),
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimates(original: Option<u64>, remaining: Option<u64>) -> Estimates {
        Estimates {
            original,
            remaining,
        }
    }

    #[test]
    fn set_writes_both_estimates_and_a_blank_one_takes_the_other() {
        let mut e = estimates(None, Some(3 * 3600));
        set(&mut e, &json!({"originalEstimate": "1w 2d"})).expect("valid");
        assert_eq!(e, estimates(Some(201_600), Some(201_600)));
        set(
            &mut e,
            &json!({"originalEstimate": "1w 2d", "remainingEstimate": "3h"}),
        )
        .expect("valid");
        assert_eq!(e, estimates(Some(201_600), Some(10_800)));
        set(&mut e, &json!({"remainingEstimate": 90})).expect("minutes");
        assert_eq!(e, estimates(Some(5400), Some(5400)));
        set(&mut e, &json!({})).expect("clears");
        assert_eq!(e, estimates(None, None));
        set(&mut e, &json!({"originalEstimate": "2h"})).expect("valid");
        set(&mut e, &Value::Null).expect("clears");
        assert_eq!(e, estimates(None, None));
    }

    #[test]
    fn edit_keeps_what_it_leaves_out() {
        let mut e = estimates(Some(7200), Some(3600));
        edit(&mut e, &json!({"originalEstimate": "1d"})).expect("valid");
        assert_eq!(e, estimates(Some(28_800), Some(3600)));
        edit(&mut e, &json!({"remainingEstimate": "0m"})).expect("valid");
        assert_eq!(e, estimates(Some(28_800), Some(0)));
        let mut fresh = Estimates::default();
        edit(&mut fresh, &json!({"originalEstimate": "4h"})).expect("valid");
        assert_eq!(fresh, estimates(Some(14_400), Some(14_400)));
        edit(&mut fresh, &json!({"remainingEstimate": ""})).expect("blank");
        assert_eq!(fresh, estimates(Some(14_400), Some(14_400)));
    }

    #[test]
    fn bad_values_are_refused_under_the_field() {
        let refused = |value: Value| {
            let mut e = estimates(Some(60), Some(60));
            let answer = set(&mut e, &value).map_err(|e| e.describe());
            assert_eq!(e, estimates(Some(60), Some(60)), "unchanged by {value}");
            answer
        };
        assert_eq!(
            refused(json!({"originalEstimate": "soon"})),
            Err(String::from(
                "timetracking: The original estimate specified is not valid."
            ))
        );
        assert_eq!(
            refused(json!({"remainingEstimate": "-3h"})),
            Err(String::from(
                "timetracking: The remaining estimate specified is not valid."
            ))
        );
        for bad in [
            json!({"originalEstimate": "99999999999999999999w"}),
            json!({"originalEstimate": -5}),
            json!({"originalEstimate": 1.5}),
            json!({"originalEstimate": true}),
            json!({"timeSpent": "1h"}),
            json!("1h"),
            json!([]),
        ] {
            assert!(refused(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn details_leave_out_what_is_not_set() {
        assert_eq!(details(Tracked::default()), json!({}));
        assert_eq!(
            details(Tracked {
                original: Some(201_600),
                remaining: Some(10_800),
                spent: Some(7200),
            }),
            json!({
                "originalEstimate": "1w 2d", "originalEstimateSeconds": 201_600,
                "remainingEstimate": "3h", "remainingEstimateSeconds": 10_800,
                "timeSpent": "2h", "timeSpentSeconds": 7200,
            })
        );
    }

    #[test]
    fn changes_are_logged_in_seconds() {
        let before = Tracked {
            original: None,
            remaining: Some(7200),
            spent: None,
        };
        let after = Tracked {
            original: None,
            remaining: Some(3600),
            spent: Some(3600),
        };
        let items: Vec<Value> = change_items(before, after)
            .iter()
            .map(|i| serde_json::to_value(i).expect("serializes"))
            .collect();
        assert_eq!(
            items,
            [
                json!({"field": "timeestimate", "fieldtype": "jira", "fieldId": "timeestimate",
                       "from": "7200", "fromString": "7200", "to": "3600", "toString": "3600"}),
                json!({"field": "timespent", "fieldtype": "jira", "fieldId": "timespent",
                       "from": null, "fromString": null, "to": "3600", "toString": "3600"}),
            ]
        );
        assert!(change_items(after, after).is_empty());
    }
}
