//! JQL on issue entity properties an app indexes (Forge's
//! `jira:entityProperty`; `world/entity_property_index.rs`):
//! `issue.property[stats].comments.count > 3`, or the value's search alias,
//! `commentCount > 3`.
//!
//! Only an indexed path is searchable: any other `issue.property[…]` is
//! Jira's unknown field. Each index's type decides its operators, as Jira
//! documents them for entity property values:
//!
//! - `number`: `=`, `!=`, `IN`, `NOT IN`, `<`, `<=`, `>`, `>=`, `IS [NOT] EMPTY`;
//! - `date`: the same, with JQL's date literals, periods and functions
//!   (`dates.rs`);
//! - `string`: `=`, `!=`, `IN`, `NOT IN`, `IS [NOT] EMPTY`, the value exactly;
//! - `user`: as `string`, by account id or email, and `currentUser()`;
//! - `text`: `~`, `!~` (Jira's word search, `text_search.rs`), `IS [NOT] EMPTY`.
//!
//! The values are read from the issue's property when the query runs: the
//! path's keys from the top of the property's JSON value, any array on the
//! way or at the end standing for each of its elements (Jira indexes each),
//! so a clause matches when any value does. A value of another type than the
//! index's (a string where a number is indexed) is not indexed, as Jira
//! skips it: the issue has no value there.

use std::cmp::Ordering;

use serde_json::Value;
use time::OffsetDateTime;

use super::JqlError;
use super::dates::{self, DateTest, Resolution};
use super::lexer::is_word_char;
use super::parser::{Clause, Operand, Operator, ordering_holds};
use super::text_search::TextQuery;
use crate::world::entity_property_index::IndexedPath;
use crate::world::{IssueRecord, World};
use kiln_manifest::IndexedValueType;
use kiln_manifest::manifest::entity_property::MAX_ENTITY_PROPERTY_KEY_CHARS;

/// How a property clause starts, without regard to case.
const PROPERTY_WORD: &str = "issue.property";

/// Most values read from one issue's property for one clause: a property
/// value is at most 32,768 bytes of JSON, and this bounds the work a
/// pathological one (an array of thousands of numbers) makes per issue.
const MAX_VALUES_PER_ISSUE: usize = 1_000;

/// Where the lexer's word ends when it is `issue.property` followed by
/// `[key]` and a path: past the path, so the clause is one word, as
/// `cf[10010]` is. Anything else (no `[`, a key outside Jira's grammar, no
/// `]` within 255 characters) leaves `end` as it is, and the `[` stays a
/// reserved character.
pub(super) fn lexed_end(chars: &[char], start: usize, end: usize) -> usize {
    if end - start != PROPERTY_WORD.len() || chars.get(end) != Some(&'[') {
        return end;
    }
    let word: String = chars[start..end].iter().collect();
    if !word.eq_ignore_ascii_case(PROPERTY_WORD) {
        return end;
    }
    let key_start = end + 1;
    let Some(length) = chars[key_start..]
        .iter()
        .take(MAX_ENTITY_PROPERTY_KEY_CHARS + 1)
        .position(|&c| c == ']')
    else {
        return end;
    };
    let key = &chars[key_start..key_start + length];
    if key.is_empty()
        || !key
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return end;
    }
    let mut after = key_start + length + 1;
    while chars.get(after).is_some_and(|&c| is_word_char(c)) {
        after += 1;
    }
    after
}

/// The property key and path of a clause name `issue.property[key].path`;
/// `None` for any other name (the path is empty when none follows).
pub(super) fn split_name(name: &str) -> Option<(&str, &str)> {
    // By `get`: a name is the caller's text (a quoted field name), and a
    // byte position need not end a character in it.
    let word = name.get(..PROPERTY_WORD.len())?;
    let rest = name.get(PROPERTY_WORD.len()..)?.strip_prefix('[')?;
    if !word.eq_ignore_ascii_case(PROPERTY_WORD) {
        return None;
    }
    let (key, path) = rest.split_once(']')?;
    let path = match path {
        "" => "",
        path => path.strip_prefix('.')?,
    };
    Some((key, path))
}

/// Whether `name` reads back from JQL as this one property clause word, so
/// `POST /jql/parse` may encode it bare.
pub(super) fn is_bare_name(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    split_name(name).is_some() && lexed_end(&chars, 0, PROPERTY_WORD.chars().count()) == chars.len()
}

/// The index a clause names: `issue.property[key].path` for an indexed
/// path, or an index's search alias. `None` when no app indexes it.
pub(super) fn index_named<'w>(world: &'w World, name: &str) -> Option<&'w IndexedPath> {
    match split_name(name) {
        Some((key, path)) => world.entity_property_path(key, path),
        None => world.entity_property_alias(name),
    }
}

/// Where an index's values are: the property, and the path's keys.
#[derive(Debug, Clone)]
pub(super) struct Source {
    property_key: String,
    path: Vec<String>,
    value_type: IndexedValueType,
}

impl Source {
    fn of(index: &IndexedPath) -> Self {
        Self {
            property_key: index.property_key.clone(),
            path: index.path.split('.').map(str::to_owned).collect(),
            value_type: index.value_type,
        }
    }

    /// The JSON values at the path in `issue`'s property, each array's
    /// elements standing for it, nulls and objects left out (at most
    /// [`MAX_VALUES_PER_ISSUE`]).
    fn raw<'i>(&self, issue: &'i IssueRecord) -> Vec<&'i Value> {
        let Some(root) = issue.properties.get(&self.property_key) else {
            return Vec::new();
        };
        let mut level = vec![root];
        for key in &self.path {
            let mut next = Vec::new();
            for value in level {
                spread(value, &mut next, &mut |v, out| {
                    if let Some(found) = v.as_object().and_then(|o| o.get(key)) {
                        out.push(found);
                    }
                });
            }
            level = next;
        }
        let mut leaves = Vec::new();
        for value in level {
            spread(value, &mut leaves, &mut |v, out| {
                if !v.is_null() && !v.is_object() {
                    out.push(v);
                }
            });
        }
        leaves
    }

    fn numbers(&self, issue: &IssueRecord) -> Vec<f64> {
        self.raw(issue).into_iter().filter_map(number_of).collect()
    }

    fn strings(&self, issue: &IssueRecord) -> Vec<String> {
        self.raw(issue).into_iter().filter_map(string_of).collect()
    }

    fn dates(&self, issue: &IssueRecord) -> Vec<OffsetDateTime> {
        self.raw(issue)
            .into_iter()
            .filter_map(|v| v.as_str().and_then(date_of))
            .collect()
    }
}

/// Calls `each` on `value`, or on each element of it (and of arrays in it)
/// if it is an array, until `out` holds [`MAX_VALUES_PER_ISSUE`] values.
/// Iterative: a deeply nested array cannot exhaust the stack.
fn spread<'i>(
    value: &'i Value,
    out: &mut Vec<&'i Value>,
    each: &mut dyn FnMut(&'i Value, &mut Vec<&'i Value>),
) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        if out.len() >= MAX_VALUES_PER_ISSUE {
            return;
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().rev()),
            other => each(other, out),
        }
    }
}

/// A number value: a JSON number, or a string that is one (as Jira's index
/// reads the value's text).
fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// A string, text or user value: a JSON string, or a number's or boolean's
/// JSON text.
fn string_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A date value as Jira's entity property index reads one: `yyyy-MM-dd`
/// (midnight UTC), or `yyyy-MM-ddTHH:mm`, optionally with `:ss` and
/// fractions, and `Z` or an offset `±hh:mm` (UTC without one). JQL's own
/// `yyyy/MM/dd [HH:mm]` forms are read too.
fn date_of(text: &str) -> Option<OffsetDateTime> {
    if text.len() > 64 {
        return None;
    }
    if let Some((at, _)) = dates::parse_date_time(text) {
        return Some(at);
    }
    let (day, clock) = text.split_once('T')?;
    let (at, _) = dates::parse_date_time(day)?;
    let (clock, offset_seconds) = if let Some(clock) = clock.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(split) = clock.rfind(['+', '-']) {
        let (clock, offset) = clock.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hours: i64 = digits[..2].parse().ok()?;
        let minutes: i64 = digits[2..].parse().ok()?;
        if hours > 18 || minutes > 59 {
            return None;
        }
        (clock, sign * (hours * 3_600 + minutes * 60))
    } else {
        (clock, 0)
    };
    let (whole, fraction) = match clock.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (clock, None),
    };
    if fraction
        .is_some_and(|f| f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let parts: Vec<&str> = whole.split(':').collect();
    let two = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| two(p)) {
        return None;
    }
    let number = |s: &str| s.parse::<u8>().ok();
    let time = time::Time::from_hms(
        number(parts[0])?,
        number(parts[1])?,
        parts.get(2).map_or(Some(0), |s| number(s))?,
    )
    .ok()?;
    let millis: i64 = fraction.map_or(0, |f| {
        let padded = format!("{f:0<3}");
        padded[..3].parse().unwrap_or(0)
    });
    at.replace_time(time)
        .checked_sub(time::Duration::seconds(offset_seconds))?
        .checked_add(time::Duration::milliseconds(millis))
}

/// A compiled clause on an indexed property value.
#[derive(Debug, Clone)]
pub(crate) struct PropertyTest {
    source: Source,
    test: Test,
    /// `!=`, `NOT IN`, `IS NOT`, `!~`: the clause's positive test, negated;
    /// an issue without a value never matches `!=` or `NOT IN` (as Jira's
    /// other fields), and always matches `!~`.
    negate: bool,
}

#[derive(Debug, Clone)]
enum Test {
    /// `=`/`IN` (any of the values, `None` being EMPTY) or one bound of an
    /// ordering operator.
    Number {
        ordering: Option<&'static str>,
        wanted: Vec<Option<f64>>,
    },
    /// `=`/`IN` on a string or user value (`None`: EMPTY).
    Exact(Vec<Option<String>>),
    /// `~` (Jira's word search) on a text value.
    Words(TextQuery),
    /// `IS EMPTY` on a text value.
    Empty,
    /// A date clause, compiled as the system date fields' are.
    Date(DateTest),
}

impl PropertyTest {
    /// Resolves `clause` on the index `index`, with Jira's messages for an
    /// operator or value the index's type does not take.
    pub(super) fn compile(
        clause: &Clause,
        index: &IndexedPath,
        world: &World,
        caller: &str,
    ) -> Result<Self, JqlError> {
        let name = clause.field.as_str();
        let unsupported = || {
            JqlError(format!(
                "The operator '{}' is not supported by the '{name}' field.",
                clause.operator.as_str()
            ))
        };
        let source = Source::of(index);
        let value_type = index.value_type;
        let ranged = matches!(
            value_type,
            IndexedValueType::Number | IndexedValueType::Date
        );
        // The positive form of the operator, and whether to negate it.
        let (positive, negate) = match clause.operator {
            Operator::NotEquals => (Operator::Equals, true),
            Operator::NotIn => (Operator::In, true),
            Operator::IsNot => (Operator::Is, true),
            Operator::NotContains => (Operator::Contains, true),
            other => (other, false),
        };
        let allowed = match (value_type, positive) {
            (IndexedValueType::Text, Operator::Contains | Operator::Is) => true,
            (IndexedValueType::Text, _) => false,
            (_, Operator::Contains) => false,
            (_, Operator::Ordering(_)) => ranged,
            _ => true,
        };
        if !allowed {
            return Err(unsupported());
        }
        let operands: Vec<&Operand> = match (positive, &clause.operand) {
            (Operator::Equals, Operand::List(_)) => return Err(unsupported()),
            (Operator::In, Operand::List(items)) => items.iter().collect(),
            (Operator::In, _) => return Err(unsupported()),
            (Operator::Is, Operand::Empty) => vec![&Operand::Empty],
            (Operator::Is, _) => {
                return Err(JqlError(format!(
                    "The operator '{}' only supports the EMPTY value for the field '{name}'.",
                    clause.operator.as_str()
                )));
            }
            (Operator::Ordering(operator), Operand::List(_) | Operand::Empty) => {
                return Err(JqlError::single_value_required(operator, name));
            }
            (_, single) => vec![single],
        };
        let test = match value_type {
            IndexedValueType::Text => match (positive, &clause.operand) {
                (Operator::Is, _) => Test::Empty,
                (_, Operand::Literal(text)) => Test::Words(TextQuery::parse(text)),
                _ => {
                    return Err(JqlError(format!(
                        "The field '{name}' requires a text value for the '{}' operator.",
                        clause.operator.as_str()
                    )));
                }
            },
            IndexedValueType::Date => {
                let mut positive_clause = clause.clone();
                positive_clause.operator = positive;
                Test::Date(DateTest::compile(
                    &positive_clause,
                    Resolution::Instant,
                    &dates::all_functions(),
                )?)
            }
            IndexedValueType::Number => Test::Number {
                ordering: match positive {
                    Operator::Ordering(operator) => Some(operator),
                    _ => None,
                },
                wanted: operands
                    .into_iter()
                    .map(|operand| number_operand(name, operand))
                    .collect::<Result<_, _>>()?,
            },
            IndexedValueType::String | IndexedValueType::User => Test::Exact(
                operands
                    .into_iter()
                    .map(|operand| exact_operand(name, value_type, operand, world, caller))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Self {
            source,
            test,
            negate,
        })
    }

    /// Whether `issue`'s property meets the clause; `now` is the site's
    /// time, for relative dates.
    pub(super) fn matches(&self, issue: &IssueRecord, now: &dyn Fn() -> OffsetDateTime) -> bool {
        let (hit, has_value) = match &self.test {
            Test::Number { ordering, wanted } => {
                let have = self.source.numbers(issue);
                let hit = match ordering {
                    Some(operator) => have.iter().any(|n| {
                        wanted
                            .first()
                            .copied()
                            .flatten()
                            .and_then(|bound| n.partial_cmp(&bound))
                            .is_some_and(|o| ordering_holds(operator, o))
                    }),
                    None => wanted.iter().any(|w| match w {
                        None => have.is_empty(),
                        Some(w) => have.contains(w),
                    }),
                };
                (hit, !have.is_empty())
            }
            Test::Exact(wanted) => {
                let have = self.source.strings(issue);
                let hit = wanted.iter().any(|w| match w {
                    None => have.is_empty(),
                    Some(w) => have.contains(w),
                });
                (hit, !have.is_empty())
            }
            Test::Words(query) => {
                let have = self.source.strings(issue);
                // `!~` matches an issue without the value, as on Jira's
                // other text fields.
                let hit = have.iter().any(|text| query.matches(text));
                return hit != self.negate;
            }
            Test::Empty => {
                let have = self.source.strings(issue);
                return have.is_empty() != self.negate;
            }
            Test::Date(test) => {
                let have = self.source.dates(issue);
                let hit = if have.is_empty() {
                    test.matches(None, now)
                } else {
                    have.iter().any(|at| test.matches(Some(*at), now))
                };
                (hit, !have.is_empty())
            }
        };
        if self.negate { !hit && has_value } else { hit }
    }
}

/// A number clause's operand: a number, or EMPTY.
fn number_operand(name: &str, operand: &Operand) -> Result<Option<f64>, JqlError> {
    match operand {
        Operand::Empty => Ok(None),
        Operand::Literal(literal) => literal
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| {
                JqlError(format!(
                    "The value '{literal}' does not exist for the field '{name}'."
                ))
            }),
        Operand::Function(function, _) => Err(JqlError(format!(
            "Function '{function}' is not supported by the field '{name}'."
        ))),
        Operand::List(_) => Err(JqlError(format!(
            "A list is not valid here for the field '{name}'."
        ))),
    }
}

/// A string or user clause's operand: the string as written; for a user an
/// account id or email of a user of the site (its account id), or
/// `currentUser()`.
fn exact_operand(
    name: &str,
    value_type: IndexedValueType,
    operand: &Operand,
    world: &World,
    caller: &str,
) -> Result<Option<String>, JqlError> {
    let user = value_type == IndexedValueType::User;
    match operand {
        Operand::Empty => Ok(None),
        Operand::Function(function, args)
            if user && function.eq_ignore_ascii_case("currentUser") =>
        {
            if !args.is_empty() {
                return Err(JqlError(format!(
                    "Function '{function}' expected '0' arguments but received '{}'.",
                    args.len()
                )));
            }
            Ok(Some(caller.to_owned()))
        }
        Operand::Function(function, _) => Err(JqlError(format!(
            "Function '{function}' is not supported by the field '{name}'."
        ))),
        Operand::List(_) => Err(JqlError(format!(
            "A list is not valid here for the field '{name}'."
        ))),
        Operand::Literal(literal) if user => world
            .users
            .iter()
            .find(|u| u.account_id == *literal || u.email.eq_ignore_ascii_case(literal))
            .map(|u| Some(u.account_id.clone()))
            .ok_or_else(|| {
                JqlError(format!(
                    "The value '{literal}' does not exist for the field '{name}'."
                ))
            }),
        Operand::Literal(literal) => Ok(Some(literal.clone())),
    }
}

/// An `ORDER BY` on an indexed value.
#[derive(Debug, Clone)]
pub(crate) struct PropertySort(Source);

impl PropertySort {
    pub(super) fn new(index: &IndexedPath) -> Self {
        Self(Source::of(index))
    }

    /// Two issues in the order of their values (the first at the path, for
    /// an array): numbers and dates by value, users by display name, text
    /// without regard to case; issues without a value last ascending, as
    /// Jira sorts empty values.
    pub(super) fn compare(&self, a: &IssueRecord, b: &IssueRecord, world: &World) -> Ordering {
        let source = &self.0;
        match source.value_type {
            IndexedValueType::Number => empty_last(
                source.numbers(a).first().copied(),
                source.numbers(b).first().copied(),
                f64::total_cmp,
            ),
            IndexedValueType::Date => empty_last(
                source.dates(a).first().copied(),
                source.dates(b).first().copied(),
                OffsetDateTime::cmp,
            ),
            IndexedValueType::User => {
                let name = |issue: &IssueRecord| {
                    source.strings(issue).first().map(|id| {
                        world
                            .user(id)
                            .map_or_else(|| id.to_lowercase(), |u| u.display_name.to_lowercase())
                    })
                };
                empty_last(name(a), name(b), String::cmp)
            }
            IndexedValueType::String | IndexedValueType::Text => {
                let text =
                    |issue: &IssueRecord| source.strings(issue).first().map(|s| s.to_lowercase());
                empty_last(text(a), text(b), String::cmp)
            }
        }
    }
}

fn empty_last<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => cmp(&x, &y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_clause_is_one_word() {
        let chars: Vec<char> = "issue.property[stats].comments.count > 3".chars().collect();
        assert_eq!(lexed_end(&chars, 0, 14), 36);
        let chars: Vec<char> = "ISSUE.PROPERTY[a-b.c_1]=1".chars().collect();
        assert_eq!(lexed_end(&chars, 0, 14), 23);
        for text in [
            "issue.property[] = 1",
            "issue.property[a b] = 1",
            "issue.property[a",
            "issue.property(a) = 1",
        ] {
            let chars: Vec<char> = text.chars().collect();
            assert_eq!(lexed_end(&chars, 0, 14), 14, "{text}");
        }
        let long = format!("issue.property[{}].x", "k".repeat(256));
        let chars: Vec<char> = long.chars().collect();
        assert_eq!(lexed_end(&chars, 0, 14), 14, "a key past 255 characters");
        let longest = format!("issue.property[{}].x", "k".repeat(255));
        let chars: Vec<char> = longest.chars().collect();
        assert_eq!(lexed_end(&chars, 0, 14), chars.len());
    }

    #[test]
    fn names_split_into_key_and_path() {
        assert_eq!(
            split_name("issue.property[stats].comments.count"),
            Some(("stats", "comments.count"))
        );
        assert_eq!(split_name("Issue.Property[stats]"), Some(("stats", "")));
        assert_eq!(split_name("issue.property[stats]x"), None);
        assert_eq!(split_name("issue.propertyX"), None);
        assert_eq!(split_name("iss"), None);
        assert_eq!(split_name("ïssue.property[a].b"), None);
        // Multi-byte characters across the positions read: no panic.
        for name in [
            "issue.propertÿ",
            "issue.propertÿ[a].b",
            "issue.propertyé].b",
            "é",
        ] {
            assert_eq!(split_name(name), None, "{name}");
            assert!(!is_bare_name(name));
        }
        assert_eq!(split_name("issue.property[é].ü"), Some(("é", "ü")));
        assert!(!is_bare_name("issue.property[é].ü"));
        assert!(is_bare_name("issue.property[stats].count"));
        assert!(!is_bare_name("issue.property[stats].count x"));
    }

    #[test]
    fn dates_read_as_jira_indexes_them() {
        let at = |text: &str| date_of(text).map(|d| d.unix_timestamp());
        assert_eq!(at("2025-01-07"), Some(1_736_208_000));
        assert_eq!(at("2025-01-07T10:30"), Some(1_736_245_800));
        assert_eq!(at("2025-01-07T10:30:15Z"), Some(1_736_245_815));
        assert_eq!(at("2025-01-07T10:30:15.250+02:00"), Some(1_736_238_615));
        assert_eq!(at("2025-01-07T10:30-0130"), Some(1_736_251_200));
        for bad in [
            "",
            "2025-13-01",
            "2025-01-07T",
            "2025-01-07T25:00",
            "2025-01-07T10:30+5",
            "now",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
