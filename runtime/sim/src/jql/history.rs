//! JQL's history operators, searched in each issue's change history (the
//! changelog the simulator records for every write, `world::HistoryRecord`):
//! `CHANGED` (`status CHANGED`, `assignee CHANGED FROM EMPTY TO currentUser()`)
//! and `WAS`, `WAS IN`, `WAS NOT`, `WAS NOT IN` (`status WAS "In Progress"
//! BEFORE -2w`), with Jira's predicates `FROM`, `TO` (`CHANGED` only), `BY`,
//! `BEFORE`, `AFTER`, `ON` and `DURING (a, b)`.
//!
//! `CHANGED` matches an issue when one change to the field meets every
//! predicate: its old value (`FROM`) and new value (`TO`), who made it (`BY`),
//! when (`BEFORE`, `AFTER`, `ON` a day, `DURING` both ends included). `WAS`
//! matches when the field held one of the values during a span that meets
//! every predicate: the issue's values over time are its value before the
//! first change (from its creation, by its creator), then each change's new
//! value (by that change's author) up to the next change, the last up to now;
//! `BY` names who set the value, `BEFORE d` a span that began before `d`,
//! `AFTER d` one that ended after `d`, `ON` and `DURING` one that overlaps the
//! day or the range. `WAS NOT` and `WAS NOT IN` match the issues `WAS` does
//! not. Values match by id or by name without regard to case (a person also
//! by email), `EMPTY` for no value, `currentUser()` for the caller; dates as
//! `dates.rs` reads them, in UTC.
//!
//! The fields are the ones the simulator's changelog names by Jira's field ids
//! and Jira's history operators take: status, assignee, reporter, priority and
//! resolution. `fixVersion`, which Jira's also take, is not modelled (the
//! simulator's `501`); any other field is Jira's `400`. Differs from Jira:
//! values are not checked against the site (an unknown status matches nothing
//! rather than being refused), and the history searched is what the simulator
//! keeps (`world::issue::MAX_HISTORY_ENTRIES` per issue; a seeded issue starts
//! without one, so it has held only its seeded values).

use std::collections::HashSet;

use time::OffsetDateTime;

use super::JqlError;
use super::dates::{self, Resolution};
use super::parser::{HistoryClause, HistoryOperator, Operand, PredicateKind};
use crate::world::{HistoryRecord, IssueRecord, World};

/// The fields whose history is searched: the clause's name (lower case) and
/// the field id the changelog records.
const SEARCHED: [(&str, &str); 5] = [
    ("status", "status"),
    ("assignee", "assignee"),
    ("reporter", "reporter"),
    ("priority", "priority"),
    ("resolution", "resolution"),
];

/// The searched fields whose values are people.
const USER_FIELDS: [&str; 2] = ["assignee", "reporter"];

/// Fields Jira's history operators take whose history the simulator does not
/// search.
const NOT_SEARCHED: [&str; 2] = ["fixversion", "fixversions"];

/// A compiled history clause.
#[derive(Debug, Clone)]
pub(super) struct HistoryTest {
    field_id: &'static str,
    kind: Kind,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
enum Kind {
    Changed,
    /// `WAS` or `WAS IN` one of these values (`negate` for `WAS NOT [IN]`).
    Was {
        wanted: Wanted,
        negate: bool,
    },
}

/// One predicate, resolved.
#[derive(Debug, Clone)]
enum Condition {
    /// The old value is one of these (lower case; `None` is EMPTY).
    From(Wanted),
    /// The new value is one of these.
    To(Wanted),
    /// Made by one of these account ids (lower case).
    By(HashSet<String>),
    Before(dates::DateValue),
    After(dates::DateValue),
    On(dates::DateValue),
    During(dates::DateValue, dates::DateValue),
}

/// A value the field held: its id and name (either may be unknown), who set
/// it and from when until when (`None`: still).
struct Span<'a> {
    id: Option<&'a str>,
    name: Option<&'a str>,
    author: &'a str,
    start: OffsetDateTime,
    end: Option<OffsetDateTime>,
}

/// A change to the field: the record it belongs to and its old and new value.
struct Change<'a> {
    record: &'a HistoryRecord,
    from: (Option<&'a str>, Option<&'a str>),
    to: (Option<&'a str>, Option<&'a str>),
}

impl HistoryTest {
    /// Resolves `clause` on `world` for `caller` (whom `currentUser()` names).
    pub(super) fn compile(
        clause: &HistoryClause,
        world: &World,
        caller: &str,
    ) -> Result<Self, JqlError> {
        let name = clause.field.as_str();
        let lower = name.to_ascii_lowercase();
        let Some((_, field_id)) = SEARCHED.iter().find(|(clause, _)| *clause == lower) else {
            if NOT_SEARCHED.contains(&lower.as_str()) {
                return Err(JqlError::history_not_modelled());
            }
            return Err(JqlError(format!(
                "The operator '{}' is not supported by the '{name}' field.",
                clause.operator.as_str()
            )));
        };
        let resolve = Resolve {
            name,
            world,
            people: USER_FIELDS.contains(field_id),
            caller,
        };
        let kind = match (clause.operator, &clause.operand) {
            (HistoryOperator::Changed, _) => Kind::Changed,
            (operator, Some(operand)) => Kind::Was {
                wanted: Wanted::new(resolve.values("was", operand)?),
                negate: matches!(
                    operator,
                    HistoryOperator::WasNot | HistoryOperator::WasNotIn
                ),
            },
            (operator, None) => {
                return Err(JqlError(format!(
                    "The operator '{}' needs a value for the field '{name}'.",
                    operator.as_str()
                )));
            }
        };
        let mut conditions = Vec::with_capacity(clause.predicates.len());
        for predicate in &clause.predicates {
            if matches!(kind, Kind::Was { .. })
                && matches!(predicate.kind, PredicateKind::From | PredicateKind::To)
            {
                return Err(JqlError(format!(
                    "The predicate '{}' is not supported by the operator '{}'.",
                    predicate.kind.as_str(),
                    clause.operator.as_str()
                )));
            }
            conditions.push(resolve.condition(predicate.kind, &predicate.operand)?);
        }
        Ok(Self {
            field_id,
            kind,
            conditions,
        })
    }

    /// Whether the issue's history meets the clause; `now` is read only for a
    /// relative date.
    pub(super) fn matches(&self, issue: &IssueRecord, now: &dyn Fn() -> OffsetDateTime) -> bool {
        let changes = self.changes(issue);
        match &self.kind {
            Kind::Changed => changes.iter().any(|change| {
                self.conditions.iter().all(|c| {
                    let span = Span {
                        id: change.to.0,
                        name: change.to.1,
                        author: &change.record.author,
                        start: change.record.created,
                        end: Some(change.record.created),
                    };
                    c.holds(&span, Some(change), now)
                })
            }),
            Kind::Was { wanted, negate } => {
                let was = self.spans(issue, &changes).iter().any(|span| {
                    wanted.has(span.id, span.name)
                        && self.conditions.iter().all(|c| c.holds(span, None, now))
                });
                was != *negate
            }
        }
    }

    fn changes<'a>(&self, issue: &'a IssueRecord) -> Vec<Change<'a>> {
        issue
            .history
            .iter()
            .flat_map(|record| {
                record
                    .items
                    .iter()
                    .filter(|item| item.field_id == self.field_id)
                    .map(move |item| Change {
                        record,
                        from: (item.from.as_deref(), item.from_string.as_deref()),
                        to: (item.to.as_deref(), item.to_string.as_deref()),
                    })
            })
            .collect()
    }

    /// The values the field has held, oldest first.
    fn spans<'a>(&self, issue: &'a IssueRecord, changes: &[Change<'a>]) -> Vec<Span<'a>> {
        let first = changes
            .first()
            .map_or_else(|| current(self.field_id, issue), |change| change.from);
        let mut spans = vec![Span {
            id: first.0,
            name: first.1,
            author: &issue.creator,
            start: issue.created,
            end: changes.first().map(|c| c.record.created),
        }];
        for (n, change) in changes.iter().enumerate() {
            spans.push(Span {
                id: change.to.0,
                name: change.to.1,
                author: &change.record.author,
                start: change.record.created,
                end: changes.get(n + 1).map(|next| next.record.created),
            });
        }
        spans
    }
}

/// The field's value now: its id and, where the issue keeps it, its name.
fn current<'a>(field_id: &str, issue: &'a IssueRecord) -> (Option<&'a str>, Option<&'a str>) {
    match field_id {
        "status" => (Some(&*issue.status.id), Some(&*issue.status.name)),
        "assignee" => (issue.assignee.as_deref(), None),
        "reporter" => (Some(issue.reporter.as_str()), None),
        "priority" => (Some(issue.priority.id), Some(issue.priority.name)),
        "resolution" => (
            issue.resolution.map(|r| r.id),
            issue.resolution.map(|r| r.name),
        ),
        _ => (None, None),
    }
}

impl Condition {
    /// Whether `span` (for `CHANGED`, the change's new value at its instant,
    /// with `change`) meets the predicate.
    fn holds(
        &self,
        span: &Span<'_>,
        change: Option<&Change<'_>>,
        now: &dyn Fn() -> OffsetDateTime,
    ) -> bool {
        let at = |value: &dates::DateValue| value.instant(now);
        let ends_after = |t: OffsetDateTime| span.end.is_none_or(|end| end > t);
        match self {
            Self::From(wanted) => change.is_some_and(|c| wanted.has(c.from.0, c.from.1)),
            Self::To(wanted) => change.is_some_and(|c| wanted.has(c.to.0, c.to.1)),
            Self::By(authors) => authors.contains(&span.author.to_lowercase()),
            Self::Before(value) => at(value).is_some_and(|t| span.start < t),
            Self::After(value) => at(value).is_some_and(|t| match change {
                Some(_) => span.start > t,
                None => ends_after(t),
            }),
            Self::On(value) => at(value).is_some_and(|t| {
                let day = t.replace_time(time::Time::MIDNIGHT);
                let next = day + time::Duration::days(1);
                span.start < next && span.end.is_none_or(|end| end >= day)
            }),
            Self::During(start, end) => match (at(start), at(end)) {
                (Some(start), Some(end)) => {
                    span.start <= end && span.end.is_none_or(|span_end| span_end >= start)
                }
                _ => false,
            },
        }
    }
}

/// The values a clause names, lower case, `EMPTY` apart. A set, not a list:
/// JQL's 10,000 characters hold thousands of values, and each is asked about
/// every value every issue has held (up to a thousand changes an issue), so a
/// list walked each time would let one query cost billions of comparisons.
#[derive(Debug, Clone)]
struct Wanted {
    values: HashSet<String>,
    empty: bool,
}

impl Wanted {
    fn new(values: Vec<Option<String>>) -> Self {
        let empty = values.iter().any(Option::is_none);
        Self {
            values: values.into_iter().flatten().collect(),
            empty,
        }
    }

    /// Whether a value (its id and its name, either may be unknown) is wanted:
    /// no value is `EMPTY`; else the id or the name, without regard to case.
    fn has(&self, id: Option<&str>, name: Option<&str>) -> bool {
        let id = id.filter(|s| !s.is_empty());
        let name = name.filter(|s| !s.is_empty());
        if id.is_none() && name.is_none() {
            return self.empty;
        }
        [id, name]
            .into_iter()
            .flatten()
            .any(|have| self.values.contains(&have.to_lowercase()))
    }
}

/// What a clause's values are resolved with.
struct Resolve<'a> {
    /// The field's name, as written, for messages.
    name: &'a str,
    world: &'a World,
    /// Whether the values are people: a person is named by account id,
    /// display name or email, and matched by account id (as `BY`'s are).
    people: bool,
    caller: &'a str,
}

impl Resolve<'_> {
    fn condition(&self, kind: PredicateKind, operand: &Operand) -> Result<Condition, JqlError> {
        let name = self.name;
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
            PredicateKind::From => {
                Condition::From(Wanted::new(self.values(kind.as_str(), operand)?))
            }
            PredicateKind::To => Condition::To(Wanted::new(self.values(kind.as_str(), operand)?)),
            PredicateKind::By => {
                let people = Resolve {
                    people: true,
                    ..*self
                };
                Condition::By(
                    people
                        .values("by", operand)?
                        .into_iter()
                        .map(|user| {
                            user.ok_or_else(|| {
                                JqlError(format!(
                                    "The predicate 'by' does not take EMPTY for the field '{name}'."
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                )
            }
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

    /// A value or list of values: lower case (a person as their account id
    /// where the site knows them), `EMPTY` as `None`, `currentUser()` as the
    /// caller.
    fn values(&self, what: &str, operand: &Operand) -> Result<Vec<Option<String>>, JqlError> {
        let name = self.name;
        let one = |operand: &Operand| -> Result<Option<String>, JqlError> {
            match operand {
                Operand::Empty => Ok(None),
                Operand::Literal(text) => Ok(Some(self.person(text).to_lowercase())),
                Operand::Function(function, args)
                    if function.eq_ignore_ascii_case("currentUser") && args.is_empty() =>
                {
                    Ok(Some(self.caller.to_lowercase()))
                }
                Operand::Function(function, _) => Err(JqlError(format!(
                    "Function '{function}' is not supported by '{what}' of the field '{name}'."
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

    /// A person's account id for a literal naming them, or the literal.
    fn person(&self, literal: &str) -> String {
        self.people
            .then(|| {
                self.world.users.iter().find(|u| {
                    u.account_id == literal
                        || u.display_name.eq_ignore_ascii_case(literal)
                        || u.email.eq_ignore_ascii_case(literal)
                })
            })
            .flatten()
            .map_or_else(|| literal.to_owned(), |u| u.account_id.clone())
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
    fn a_long_list_of_values_is_one_lookup_per_value_held() {
        // Hundreds of values, the one that matters last: each value an issue
        // held is looked up, not compared with every one listed.
        let listed = (0..600)
            .map(|n| format!("s{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let was = format!("status WAS IN ({listed}, \"In Progress\") AND key = KILN-5");
        assert_eq!(keys(&was), ["KILN-5"]);
        let changed = format!("status CHANGED FROM ({listed}, 10000) BY ({listed}, {BOB})");
        assert!(changed.chars().count() < crate::jql::parser::MAX_JQL_CHARS);
        assert_eq!(keys(&changed), ["KILN-5"]);
        let empty = format!("assignee CHANGED FROM ({listed}, EMPTY)");
        assert_eq!(keys(&empty), ["KILN-6"]);
    }

    #[test]
    fn was_matches_a_value_held_over_a_span_meeting_every_predicate() {
        for (jql, want) in [
            ("key = KILN-5 AND status WAS \"To Do\"", vec!["KILN-5"]),
            (
                "key = KILN-5 AND status WAS \"to do\" BEFORE -2w",
                vec!["KILN-5"],
            ),
            ("key = KILN-5 AND status WAS \"To Do\" AFTER -1w", vec![]),
            (
                "key = KILN-5 AND status WAS \"In Progress\" AFTER -1w",
                vec!["KILN-5"],
            ),
            (
                "key = KILN-5 AND status WAS 3 BY \"Bob User\"",
                vec!["KILN-5"],
            ),
            (
                "key = KILN-5 AND status WAS IN (Done, 10000) BY outsider@example.com",
                vec![],
            ),
            ("key = KILN-5 AND status WAS NOT \"To Do\"", vec![]),
            (
                "key = KILN-5 AND status WAS NOT IN (Done, Closed)",
                vec!["KILN-5"],
            ),
            (
                "key = KILN-6 AND assignee WAS EMPTY BEFORE -30m",
                vec!["KILN-6"],
            ),
            ("key = KILN-6 AND assignee WAS EMPTY AFTER -30m", vec![]),
            (
                "key = KILN-6 AND assignee WAS currentUser() ON now()",
                vec!["KILN-6"],
            ),
            (
                "key = KILN-6 AND assignee WAS \"Alice Admin\" DURING (\"-2h\", now())",
                vec!["KILN-6"],
            ),
            // No history: the issue has held only its value now.
            ("key = KILN-1 AND status WAS Done", vec!["KILN-1"]),
            ("key = KILN-1 AND status WAS \"In Progress\"", vec![]),
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
        assert!(err("status WAS Done FROM \"To Do\"").0.contains("'from'"));
        assert!(err("fixVersion WAS \"1.0\"").is_not_modelled());
    }
}
