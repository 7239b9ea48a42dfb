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
//! and Jira's history operators take: status, assignee, reporter, priority,
//! resolution and `fixVersion`; any other field is Jira's `400`. `fixVersion`
//! holds several values at once: its changelog has an item per version added
//! (`to`) or removed (`from`), so `CHANGED` reads each item as a change, and
//! `WAS` reads the spans during which each version was among the issue's (and
//! `EMPTY` the spans with none), rebuilt from the versions it has now by
//! undoing its changes. A version is named by id or by name (every version of
//! that name, whatever its project). Differs from Jira:
//! values are not checked against the site (an unknown status matches nothing
//! rather than being refused), and the history searched is what the simulator
//! keeps (`world::issue::MAX_HISTORY_ENTRIES` per issue; a seeded issue starts
//! without one, so it has held only its seeded values).

use std::borrow::Cow;
use std::collections::HashSet;

use time::OffsetDateTime;

use super::JqlError;
use super::dates::{self, Resolution};
use super::parser::{HistoryClause, HistoryOperator, Operand, PredicateKind};
use crate::world::{HistoryRecord, IssueRecord, World};

/// The fields whose history is searched: the clause's name (lower case) and
/// the field id the changelog records.
const SEARCHED: [(&str, &str); 7] = [
    ("status", "status"),
    ("assignee", "assignee"),
    ("reporter", "reporter"),
    ("priority", "priority"),
    ("resolution", "resolution"),
    ("fixversion", FIX_VERSIONS),
    ("fixversions", FIX_VERSIONS),
];

/// The changelog's id of the one searched field that holds several values.
const FIX_VERSIONS: &str = "fixVersions";

/// The searched fields whose values are people.
const USER_FIELDS: [&str; 2] = ["assignee", "reporter"];

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
    id: Option<Cow<'a, str>>,
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
            return Err(JqlError(format!(
                "The operator '{}' is not supported by the '{name}' field.",
                clause.operator.as_str()
            )));
        };
        let resolve = Resolve {
            name,
            world,
            people: USER_FIELDS.contains(field_id),
            versions: *field_id == FIX_VERSIONS,
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
                        id: change.to.0.map(Cow::Borrowed),
                        name: change.to.1,
                        author: &change.record.author,
                        start: change.record.created,
                        end: Some(change.record.created),
                    };
                    c.holds(&span, Some(change), now)
                })
            }),
            Kind::Was { wanted, negate } => {
                let spans = if self.field_id == FIX_VERSIONS {
                    version_spans(issue, &changes)
                } else {
                    self.spans(issue, &changes)
                };
                let was = spans.iter().any(|span| {
                    wanted.has(span.id.as_deref(), span.name)
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
            id: first.0.map(Cow::Borrowed),
            name: first.1,
            author: &issue.creator,
            start: issue.created,
            end: changes.first().map(|c| c.record.created),
        }];
        for (n, change) in changes.iter().enumerate() {
            spans.push(Span {
                id: change.to.0.map(Cow::Borrowed),
                name: change.to.1,
                author: &change.record.author,
                start: change.record.created,
                end: changes.get(n + 1).map(|next| next.record.created),
            });
        }
        spans
    }
}

/// The spans of a field of several values (`fixVersion`): one for each time a
/// version was among the issue's, one (without an id) for each time it had
/// none. The versions it had at its creation are its versions now with its
/// changes undone, newest first; then the changes are replayed, oldest first.
fn version_spans<'a>(issue: &'a IssueRecord, changes: &[Change<'a>]) -> Vec<Span<'a>> {
    let mut held: Vec<Cow<'a, str>> = issue
        .fix_versions
        .iter()
        .map(|id| Cow::Owned(id.to_string()))
        .collect();
    for change in changes.iter().rev() {
        if let Some(added) = change.to.0 {
            held.retain(|id| id != added);
        }
        if let Some(removed) = change.from.0
            && !held.iter().any(|id| id == removed)
        {
            held.push(Cow::Borrowed(removed));
        }
    }
    // A version's name, from the changelog (the issue record keeps ids only).
    let name_of = |id: &str| {
        changes.iter().find_map(|c| match (c.from, c.to) {
            ((Some(from), name), _) if from == id => name,
            (_, (Some(to), name)) if to == id => name,
            _ => None,
        })
    };
    let mut spans = Vec::new();
    // Open spans: the versions held, and the empty one while none is.
    let mut open: Vec<Span<'a>> = held
        .into_iter()
        .map(|id| Span {
            name: name_of(&id),
            id: Some(id),
            author: &issue.creator,
            start: issue.created,
            end: None,
        })
        .collect();
    let mut empty = open.is_empty().then_some(Span {
        id: None,
        name: None,
        author: &issue.creator,
        start: issue.created,
        end: None,
    });
    // One record's items together: a version replaced by another in one edit
    // leaves the issue never without one.
    for group in changes.chunk_by(|a, b| std::ptr::eq(a.record, b.record)) {
        let Some(record) = group.first().map(|c| c.record) else {
            continue;
        };
        let at = record.created;
        for change in group {
            if let Some(removed) = change.from.0
                && let Some(place) = open.iter().position(|s| s.id.as_deref() == Some(removed))
            {
                let mut span = open.swap_remove(place);
                span.end = Some(at);
                spans.push(span);
            }
            if let Some(added) = change.to.0
                && !open.iter().any(|s| s.id.as_deref() == Some(added))
            {
                open.push(Span {
                    id: Some(Cow::Borrowed(added)),
                    name: change.to.1,
                    author: &record.author,
                    start: at,
                    end: None,
                });
            }
        }
        match (open.is_empty(), empty.take()) {
            (true, None) => {
                empty = Some(Span {
                    id: None,
                    name: None,
                    author: &record.author,
                    start: at,
                    end: None,
                });
            }
            (true, Some(still)) => empty = Some(still),
            (false, Some(mut ended)) => {
                ended.end = Some(at);
                spans.push(ended);
            }
            (false, None) => {}
        }
    }
    spans.extend(open);
    spans.extend(empty);
    spans
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
    /// Whether the values are versions: a version named by its name is also
    /// every version of that name by id (the issue keeps ids).
    versions: bool,
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
        let mut values: Vec<Option<String>> = match operand {
            Operand::List(items) => items.iter().map(one).collect::<Result<_, _>>()?,
            single => vec![one(single)?],
        };
        if self.versions {
            // One pass over the site's versions, however many values are named.
            let wanted: HashSet<&String> = values.iter().flatten().collect();
            let named: Vec<Option<String>> = self
                .world
                .versions
                .iter()
                .filter(|v| wanted.contains(&v.name.to_lowercase()))
                .map(|v| Some(v.id.to_string()))
                .collect();
            values.extend(named);
        }
        Ok(values)
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

    pub(super) const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    pub(super) const BOB: &str = "5b10ac8d82e05b22cc7d4b0b";

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
        keys_in(&world(), jql)
    }

    /// Where the seeded issue `key` sits in `world.issues`.
    pub(super) fn index(world: &World, key: &str) -> usize {
        world
            .issues
            .iter()
            .position(|i| i.key == key)
            .expect("seeded issue")
    }

    /// The keys of the issues of `world` that `jql` finds, as Alice.
    pub(super) fn keys_in(world: &World, jql: &str) -> Vec<String> {
        let query = compile(jql, world, ALICE).unwrap_or_else(|e| panic!("{jql}: {e:?}"));
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
            ("assignee CHANGED ON -1h", vec!["KILN-6"]),
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
        let summary = err("summary CHANGED");
        assert!(summary.0.contains("'summary'"), "{}", summary.0);
        assert!(err("status CHANGED DURING (now())").0.contains("two dates"));
        assert!(
            err("status CHANGED AFTER yesterday")
                .0
                .contains("Date value 'yesterday'")
        );
        assert!(err("status CHANGED BY EMPTY").0.contains("EMPTY"));
        assert!(err("status WAS Done FROM \"To Do\"").0.contains("'from'"));
    }
}

#[cfg(test)]
mod fix_version_tests {
    use time::Duration;

    use super::tests::{ALICE, BOB, index, keys_in};
    use crate::seed::Seed;
    use crate::world::version::version;
    use crate::world::{HistoryItem, HistoryRecord, World};

    fn item(from: Option<(&str, &str)>, to: Option<(&str, &str)>) -> HistoryItem {
        HistoryItem {
            field: String::from("Fix Version"),
            fieldtype: "jira",
            field_id: String::from("fixVersions"),
            from: from.map(|f| f.0.to_owned()),
            from_string: from.map(|f| f.1.to_owned()),
            to: to.map(|t| t.0.to_owned()),
            to_string: to.map(|t| t.1.to_owned()),
        }
    }

    /// KILN-2, created without a version: Bob gave it 1.0 three weeks ago;
    /// a week ago Alice replaced 1.0 by 2.0 in one edit. KILN-3 was given
    /// 2.0 at its seeding and never changed.
    fn world() -> World {
        let mut world = World::from_seed(&Seed::default()).expect("seed");
        world.versions.push(version(70001, "1.0"));
        world.versions.push(version(70002, "2.0"));
        let now = world.now();
        let two = index(&world, "KILN-2");
        world.issues[two].created = now - Duration::weeks(5);
        world.issues[two].fix_versions = vec![70002];
        world.issues[two].record_history(HistoryRecord {
            id: 910,
            author: BOB.to_owned(),
            created: now - Duration::weeks(3),
            items: vec![item(None, Some(("70001", "1.0")))],
        });
        world.issues[two].record_history(HistoryRecord {
            id: 911,
            author: ALICE.to_owned(),
            created: now - Duration::weeks(1),
            items: vec![
                item(Some(("70001", "1.0")), None),
                item(None, Some(("70002", "2.0"))),
            ],
        });
        let three = index(&world, "KILN-3");
        world.issues[three].fix_versions = vec![70002];
        world
    }

    /// The keys among KILN-2 and KILN-3 that `jql` finds.
    fn keys(jql: &str) -> Vec<String> {
        keys_in(&world(), jql)
            .into_iter()
            .filter(|key| key == "KILN-2" || key == "KILN-3")
            .collect()
    }

    #[test]
    fn changed_reads_each_version_added_or_removed() {
        for (jql, want) in [
            ("fixVersion CHANGED", vec!["KILN-2"]),
            ("fixVersion CHANGED FROM \"1.0\"", vec!["KILN-2"]),
            ("fixVersion CHANGED TO 2.0 BY currentUser()", vec!["KILN-2"]),
            ("fixVersion CHANGED TO \"1.0\" BY currentUser()", vec![]),
            ("fixVersion CHANGED FROM EMPTY TO 70001", vec!["KILN-2"]),
            ("fixVersions CHANGED AFTER -10d", vec!["KILN-2"]),
            ("fixVersion CHANGED BEFORE -4w", vec![]),
        ] {
            assert_eq!(keys(jql), want, "{jql}");
        }
    }

    #[test]
    fn was_reads_the_spans_each_version_was_held() {
        for (jql, want) in [
            ("fixVersion WAS \"1.0\"", vec!["KILN-2"]),
            ("fixVersion WAS 70001", vec!["KILN-2"]),
            ("fixVersion WAS \"2.0\"", vec!["KILN-2", "KILN-3"]),
            ("fixVersion WAS \"1.0\" AFTER -3d", vec![]),
            ("fixVersion WAS \"1.0\" DURING (-4w, -2w)", vec!["KILN-2"]),
            (
                "fixVersion WAS \"1.0\" BY \"user@example.com\"",
                vec!["KILN-2"],
            ),
            ("fixVersion WAS \"2.0\" BY currentUser()", vec!["KILN-2"]),
            ("fixVersion WAS IN (\"1.0\", \"3.0\")", vec!["KILN-2"]),
            ("fixVersion WAS NOT \"1.0\"", vec!["KILN-3"]),
            // Before Bob's edit KILN-2 had no version; replaced in one edit,
            // it was never without one since.
            ("fixVersion WAS EMPTY", vec!["KILN-2"]),
            ("fixVersion WAS EMPTY AFTER -2w", vec![]),
            ("fixVersion WAS EMPTY BEFORE -4w", vec!["KILN-2"]),
        ] {
            assert_eq!(keys(jql), want, "{jql}");
        }
    }
}
