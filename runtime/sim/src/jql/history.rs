//! JQL's `CHANGED` operator, searched in each issue's change history (the
//! changelog the simulator records for every write, `world::HistoryRecord`):
//! `status CHANGED`, `assignee CHANGED FROM EMPTY TO currentUser()`,
//! `status CHANGED TO "In Progress" BEFORE -2w BY "5b10…"`, with Jira's
//! predicates `FROM`, `TO`, `BY`, `BEFORE`, `AFTER`, `ON` and `DURING (a, b)`.
//!
//! An issue matches when one change to the field meets every predicate: its
//! old value (`FROM`) and new value (`TO`), by id or by name without regard to
//! case, `EMPTY` for no value; who made it (`BY`: an account id or
//! `currentUser()`); when (`BEFORE`, `AFTER`, `ON` a day, `DURING` both ends
//! included; dates as `dates.rs` reads them, in UTC). The fields are the ones
//! the simulator's changelog names by Jira's field ids and Jira's `CHANGED`
//! takes: status, assignee, reporter, priority and resolution. `fixVersion`,
//! which Jira's `CHANGED` also takes, is not modelled (the simulator's `501`);
//! any other field is Jira's `400`. Differs from Jira: `FROM`/`TO` values are
//! not checked against the site (an unknown status matches nothing rather
//! than being refused), and the history searched is what the simulator keeps
//! (`world::issue::MAX_HISTORY_ENTRIES` per issue; seeded issues start
//! without one).

use time::OffsetDateTime;

use super::JqlError;
use super::dates::{self, Resolution};
use super::parser::{ChangedClause, Operand, PredicateKind};
use crate::world::{HistoryItem, HistoryRecord, IssueRecord};

/// The fields whose changes are searched: the clause's name (lower case) and
/// the field id the changelog records.
const SEARCHED: [(&str, &str); 5] = [
    ("status", "status"),
    ("assignee", "assignee"),
    ("reporter", "reporter"),
    ("priority", "priority"),
    ("resolution", "resolution"),
];

/// Fields Jira's `CHANGED` takes whose changes the simulator does not search.
const NOT_SEARCHED: [&str; 2] = ["fixversion", "fixversions"];

/// A compiled `CHANGED` clause.
#[derive(Debug, Clone)]
pub(super) struct ChangedTest {
    field_id: &'static str,
    conditions: Vec<Condition>,
}

/// One predicate, resolved.
#[derive(Debug, Clone)]
enum Condition {
    /// The old value is one of these (lower case; `None` is EMPTY).
    From(Vec<Option<String>>),
    /// The new value is one of these.
    To(Vec<Option<String>>),
    /// The change's author is one of these account ids.
    By(Vec<String>),
    Before(dates::DateValue),
    After(dates::DateValue),
    On(dates::DateValue),
    During(dates::DateValue, dates::DateValue),
}

impl ChangedTest {
    /// Resolves `clause` for `caller` (whom `currentUser()` names).
    pub(super) fn compile(clause: &ChangedClause, caller: &str) -> Result<Self, JqlError> {
        let name = clause.field.as_str();
        let lower = name.to_ascii_lowercase();
        let Some((_, field_id)) = SEARCHED.iter().find(|(clause, _)| *clause == lower) else {
            if NOT_SEARCHED.contains(&lower.as_str()) {
                return Err(JqlError::history_not_modelled());
            }
            return Err(JqlError(format!(
                "The operator 'changed' is not supported by the '{name}' field."
            )));
        };
        let conditions = clause
            .predicates
            .iter()
            .map(|predicate| condition(name, predicate.kind, &predicate.operand, caller))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            field_id,
            conditions,
        })
    }

    /// Whether one change to the field meets every predicate; `now` is read
    /// only for a relative date.
    pub(super) fn matches(&self, issue: &IssueRecord, now: &dyn Fn() -> OffsetDateTime) -> bool {
        issue.history.iter().any(|record| {
            record
                .items
                .iter()
                .filter(|item| item.field_id == self.field_id)
                .any(|item| self.conditions.iter().all(|c| c.holds(record, item, now)))
        })
    }
}

impl Condition {
    fn holds(
        &self,
        record: &HistoryRecord,
        item: &HistoryItem,
        now: &dyn Fn() -> OffsetDateTime,
    ) -> bool {
        let at = |value: &dates::DateValue| value.instant(now);
        match self {
            Self::From(wanted) => {
                value_is(wanted, item.from.as_deref(), item.from_string.as_deref())
            }
            Self::To(wanted) => value_is(wanted, item.to.as_deref(), item.to_string.as_deref()),
            Self::By(authors) => authors.contains(&record.author),
            Self::Before(value) => at(value).is_some_and(|t| record.created < t),
            Self::After(value) => at(value).is_some_and(|t| record.created > t),
            Self::On(value) => at(value).is_some_and(|t| record.created.date() == t.date()),
            Self::During(start, end) => match (at(start), at(end)) {
                (Some(start), Some(end)) => start <= record.created && record.created <= end,
                _ => false,
            },
        }
    }
}

/// Whether a changelog value (its id and its name) is one of `wanted`.
fn value_is(wanted: &[Option<String>], id: Option<&str>, name: Option<&str>) -> bool {
    let id = id.filter(|s| !s.is_empty());
    let name = name.filter(|s| !s.is_empty());
    wanted.iter().any(|w| match w {
        None => id.is_none() && name.is_none(),
        Some(w) => [id, name]
            .into_iter()
            .flatten()
            .any(|have| have.eq_ignore_ascii_case(w)),
    })
}

fn condition(
    name: &str,
    kind: PredicateKind,
    operand: &Operand,
    caller: &str,
) -> Result<Condition, JqlError> {
    let date = |operand: &Operand| -> Result<dates::DateValue, JqlError> {
        let functions = dates::all_functions();
        dates::value(name, operand, Resolution::Instant, &functions)?.ok_or_else(|| {
            JqlError(format!(
                "The predicate '{}' does not take EMPTY for the field '{name}'.",
                kind.as_str()
            ))
        })
    };
    Ok(match kind {
        PredicateKind::From => Condition::From(values(name, kind, operand, caller)?),
        PredicateKind::To => Condition::To(values(name, kind, operand, caller)?),
        PredicateKind::By => Condition::By(
            values(name, kind, operand, caller)?
                .into_iter()
                .map(|user| {
                    user.ok_or_else(|| {
                        JqlError(format!(
                            "The predicate 'by' does not take EMPTY for the field '{name}'."
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        PredicateKind::Before => Condition::Before(date(operand)?),
        PredicateKind::After => Condition::After(date(operand)?),
        PredicateKind::On => Condition::On(date(operand)?),
        PredicateKind::During => match operand {
            Operand::List(ends) if ends.len() == 2 => {
                Condition::During(date(&ends[0])?, date(&ends[1])?)
            }
            _ => {
                return Err(JqlError(format!(
                    "The predicate 'during' takes two dates, as in DURING (\"2025/01/01\", now()), \
                     for the field '{name}'."
                )));
            }
        },
    })
}

/// A `FROM`, `TO` or `BY` operand: values (lower case for `FROM`/`TO`;
/// account ids as written for `BY`), `EMPTY` as `None`, `currentUser()` as
/// the caller.
fn values(
    name: &str,
    kind: PredicateKind,
    operand: &Operand,
    caller: &str,
) -> Result<Vec<Option<String>>, JqlError> {
    let one = |operand: &Operand| -> Result<Option<String>, JqlError> {
        match operand {
            Operand::Empty => Ok(None),
            Operand::Literal(text) if kind == PredicateKind::By => Ok(Some(text.clone())),
            Operand::Literal(text) => Ok(Some(text.to_lowercase())),
            Operand::Function(function, args)
                if function.eq_ignore_ascii_case("currentUser") && args.is_empty() =>
            {
                Ok(Some(caller.to_owned()))
            }
            Operand::Function(function, _) => Err(JqlError(format!(
                "Function '{function}' is not supported by the predicate '{}' of the field '{name}'.",
                kind.as_str()
            ))),
            Operand::List(_) => Err(JqlError(format!(
                "A list is not valid here for the field '{name}'."
            ))),
        }
    };
    match operand {
        Operand::List(items) => items.iter().map(one).collect(),
        single => one(single).map(|value| vec![value]),
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::super::compile;
    use crate::seed::Seed;
    use crate::world::{HistoryItem, HistoryRecord, World};

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    const BOB: &str = "5b10ac8d82e05b22cc7d4b0b";

    fn status_change(from: (&str, &str), to: (&str, &str)) -> HistoryItem {
        HistoryItem {
            field: String::from("status"),
            fieldtype: "jira",
            field_id: String::from("status"),
            from: Some(from.0.to_owned()),
            from_string: Some(from.1.to_owned()),
            to: Some(to.0.to_owned()),
            to_string: Some(to.1.to_owned()),
        }
    }

    /// The built-in site, where Bob moved KILN-5 to In Progress three weeks
    /// ago and Alice assigned KILN-6 to herself an hour ago.
    fn world() -> World {
        let mut world = World::from_seed(&Seed::default()).expect("seed");
        let now = world.now();
        let index = |world: &World, key: &str| {
            world
                .issues
                .iter()
                .position(|i| i.key == key)
                .expect("seeded issue")
        };
        let five = index(&world, "KILN-5");
        world.issues[five].record_history(HistoryRecord {
            id: 900,
            author: BOB.to_owned(),
            created: now - Duration::weeks(3),
            items: vec![status_change(("10000", "To Do"), ("3", "In Progress"))],
        });
        let six = index(&world, "KILN-6");
        world.issues[six].record_history(HistoryRecord {
            id: 901,
            author: ALICE.to_owned(),
            created: now - Duration::hours(1),
            items: vec![HistoryItem {
                field: String::from("assignee"),
                fieldtype: "jira",
                field_id: String::from("assignee"),
                from: None,
                from_string: None,
                to: Some(ALICE.to_owned()),
                to_string: Some(String::from("Alice Admin")),
            }],
        });
        world
    }

    fn keys(jql: &str) -> Vec<String> {
        let world = world();
        let query = compile(jql, &world, ALICE).unwrap_or_else(|e| panic!("{jql}: {e:?}"));
        world
            .issues
            .iter()
            .filter(|i| query.matches(i))
            .map(|i| i.key.clone())
            .collect()
    }

    #[test]
    fn changed_matches_a_change_meeting_every_predicate() {
        for (jql, want) in [
            ("status CHANGED", vec!["KILN-5"]),
            ("assignee changed", vec!["KILN-6"]),
            ("status CHANGED TO \"in progress\"", vec!["KILN-5"]),
            ("status CHANGED FROM 10000 TO 3", vec!["KILN-5"]),
            ("status CHANGED TO Done", vec![]),
            (
                "status CHANGED TO \"In Progress\" BEFORE -2w",
                vec!["KILN-5"],
            ),
            ("status CHANGED TO \"In Progress\" AFTER -2w", vec![]),
            ("status CHANGED BY 5b10ac8d82e05b22cc7d4b0b", vec!["KILN-5"]),
            ("status CHANGED BY currentUser()", vec![]),
            (
                "assignee CHANGED FROM EMPTY TO currentUser() BY currentUser()",
                vec!["KILN-6"],
            ),
            ("assignee CHANGED DURING (\"-1d\", now())", vec!["KILN-6"]),
            ("assignee CHANGED ON now()", vec!["KILN-6"]),
            (
                "project = KILN AND NOT status CHANGED AND key in (KILN-5, KILN-6)",
                vec!["KILN-6"],
            ),
            ("priority CHANGED", vec![]),
        ] {
            assert_eq!(keys(jql), want, "{jql}");
        }
    }

    #[test]
    fn fields_and_predicates_it_cannot_search_are_refused() {
        let world = world();
        let err = |jql: &str| compile(jql, &world, ALICE).expect_err(jql);
        assert!(err("fixVersion CHANGED").is_not_modelled());
        let summary = err("summary CHANGED");
        assert!(!summary.is_not_modelled());
        assert!(summary.0.contains("'summary'"), "{}", summary.0);
        assert!(err("status CHANGED DURING (now())").0.contains("two dates"));
        assert!(
            err("status CHANGED AFTER yesterday")
                .0
                .contains("Date value 'yesterday'")
        );
        assert!(err("status CHANGED BY EMPTY").0.contains("EMPTY"));
    }
}
