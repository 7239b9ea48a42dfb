//! The bodies of the agile writes: a sprint (`createSprint`, `updateSprint`,
//! `partiallyUpdateSprint`), read by hand so that an absent property and
//! `null` are told apart and each bad value is Jira's 400 naming it; and the
//! issue lists of the moves and ranks.
//!
//! Read-only properties a client echoes back (`self`, `id`, `createdDate`,
//! `completeDate`) are ignored, as the spec says of `completeDate`.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::jira_error::JiraError;
use crate::world::custom_field::parse_datetime;
use crate::world::sprint::{MAX_SPRINT_GOAL_CHARS, MAX_SPRINT_NAME_CHARS, SprintState};

pub(super) use crate::change::Change;

/// A sprint request body.
#[derive(Debug)]
pub(super) struct SprintInput {
    /// Trimmed, as the spec says of a create's name.
    pub(super) name: Change<String>,
    pub(super) goal: Change<String>,
    pub(super) start_date: Change<OffsetDateTime>,
    pub(super) end_date: Change<OffsetDateTime>,
    pub(super) state: Option<SprintState>,
    pub(super) origin_board_id: Option<u64>,
}

impl SprintInput {
    pub(super) fn parse(body: &Map<String, Value>) -> Result<Self, JiraError> {
        let name = match text(body, "name")? {
            Change::Set(name) => {
                let name = name.trim().to_owned();
                if name.chars().count() > MAX_SPRINT_NAME_CHARS {
                    return Err(JiraError::field(
                        "name",
                        format!(
                            "The sprint name must not be longer than {MAX_SPRINT_NAME_CHARS} \
                             characters."
                        ),
                    ));
                }
                if name.is_empty() {
                    Change::Clear
                } else {
                    Change::Set(name)
                }
            }
            other => other,
        };
        let goal = match text(body, "goal")? {
            Change::Set(goal) if goal.chars().count() > MAX_SPRINT_GOAL_CHARS => {
                return Err(JiraError::field(
                    "goal",
                    format!(
                        "The sprint goal must not be longer than {MAX_SPRINT_GOAL_CHARS} \
                         characters."
                    ),
                ));
            }
            Change::Set(goal) if goal.is_empty() => Change::Clear,
            other => other,
        };
        let state = match text(body, "state")? {
            Change::Set(state) => Some(SprintState::named(&state).ok_or_else(|| {
                JiraError::field(
                    "state",
                    format!("'{state}' is not a sprint state: use future, active or closed."),
                )
            })?),
            _ => None,
        };
        let origin_board_id = match body.get("originBoardId") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(JiraError::invalid_payload)?),
            Some(Value::String(s)) => Some(
                s.trim()
                    .parse::<u64>()
                    .map_err(|_| JiraError::invalid_payload())?,
            ),
            Some(_) => return Err(JiraError::invalid_payload()),
        };
        Ok(Self {
            name,
            goal,
            start_date: date(body, "startDate")?,
            end_date: date(body, "endDate")?,
            state,
            origin_board_id,
        })
    }
}

/// A string property; anything else is a body Jira cannot read.
fn text(body: &Map<String, Value>, name: &str) -> Result<Change<String>, JiraError> {
    match body.get(name) {
        None => Ok(Change::Keep),
        Some(Value::Null) => Ok(Change::Clear),
        Some(Value::String(text)) => Ok(Change::Set(text.clone())),
        Some(_) => Err(JiraError::invalid_payload()),
    }
}

/// `startDate` or `endDate`: an ISO 8601 date-time with an offset, as the
/// spec's examples write it (`2015-04-11T15:22:00.000+10:00`); Jira's own
/// `+1000` offsets are read too. Only dates in the years 0000 to 9999 in UTC,
/// the ones the agile API writes back (`shape::agile_timestamp`): the rule
/// every date-time a client sends is read by (`parse_datetime`), so
/// `9999-12-31T23:59:00.000-10:00`, in the year 10000 in UTC, is refused.
fn date(body: &Map<String, Value>, name: &str) -> Result<Change<OffsetDateTime>, JiraError> {
    match text(body, name)? {
        Change::Set(text) if text.trim().is_empty() => Ok(Change::Clear),
        Change::Set(text) => parse_datetime(text.trim()).map(Change::Set).ok_or_else(|| {
            JiraError::field(
                name,
                format!(
                    "'{text}' is not a valid date. Use ISO 8601 with an offset, such as \
                     2015-04-11T15:22:00.000+10:00, in the years 0000 to 9999 in UTC."
                ),
            )
        }),
        Change::Keep => Ok(Change::Keep),
        Change::Clear => Ok(Change::Clear),
    }
}

/// Jira Software's limit on the issues one move (or rank) takes.
pub(super) const MAX_ISSUES_PER_MOVE: usize = 50;

/// What a list of issues is sent for, as its refusals word it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IssueAction {
    Move,
    Rank,
}

impl IssueAction {
    fn verb(self) -> (&'static str, &'static str) {
        match self {
            IssueAction::Move => ("move", "moved"),
            IssueAction::Rank => ("rank", "ranked"),
        }
    }
}

/// The `issues` of a move: issue keys or ids, at most
/// [`MAX_ISSUES_PER_MOVE`], at least one.
pub(super) fn issue_list(body: &Map<String, Value>) -> Result<Vec<String>, JiraError> {
    issues_to(body, IssueAction::Move)
}

/// The `issues` of a move or a rank: issue keys or ids (strings, or numbers
/// as ids), at least one and at most [`MAX_ISSUES_PER_MOVE`]; a longer list
/// is refused before any of it is read, so its length costs nothing.
pub(super) fn issues_to(
    body: &Map<String, Value>,
    action: IssueAction,
) -> Result<Vec<String>, JiraError> {
    let (verb, done) = action.verb();
    let none = || {
        JiraError::field(
            "issues",
            format!("You must specify at least one issue to {verb}."),
        )
    };
    let Some(Value::Array(items)) = body.get("issues") else {
        return match body.get("issues") {
            None | Some(Value::Null) => Err(none()),
            Some(_) => Err(JiraError::invalid_payload()),
        };
    };
    if items.is_empty() {
        return Err(none());
    }
    if items.len() > MAX_ISSUES_PER_MOVE {
        return Err(JiraError::field(
            "issues",
            format!(
                "The maximum number of issues that can be {done} in one operation is \
                 {MAX_ISSUES_PER_MOVE}."
            ),
        ));
    }
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.trim().to_owned()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(JiraError::invalid_payload()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(body: Value) -> Result<SprintInput, JiraError> {
        SprintInput::parse(body.as_object().expect("an object"))
    }

    #[test]
    fn absent_null_and_values_are_told_apart() {
        let input = parse(json!({
            "name": "  Sprint 1 ",
            "goal": null,
            "startDate": "2015-04-11T15:22:00.000+10:00",
            "endDate": "2015-04-20T01:22:00.000+1000",
            "state": "ACTIVE",
            "originBoardId": 5,
            "completeDate": "ignored",
        }))
        .expect("valid");
        assert_eq!(input.name, Change::Set(String::from("Sprint 1")));
        assert_eq!(input.goal, Change::Clear);
        assert!(matches!(input.start_date, Change::Set(d) if d.hour() == 15));
        assert!(matches!(input.end_date, Change::Set(_)));
        assert_eq!(input.state, Some(SprintState::Active));
        assert_eq!(input.origin_board_id, Some(5));
        let empty = parse(json!({})).expect("valid");
        assert_eq!(empty.name, Change::Keep);
        assert_eq!(empty.start_date.clone().apply(None), None);
    }

    #[test]
    fn bad_values_are_refused() {
        for body in [
            json!({ "name": 1 }),
            json!({ "originBoardId": "board" }),
            json!({ "originBoardId": -1 }),
            json!({ "startDate": 20240301 }),
        ] {
            let err = parse(body.clone()).expect_err("refused");
            assert!(err.describe().contains("Invalid request payload"), "{body}");
        }
        let err = parse(json!({ "startDate": "soon" })).expect_err("a date");
        assert!(err.describe().starts_with("startDate: "));
        let err = parse(json!({ "state": "done" })).expect_err("a state");
        assert!(err.describe().starts_with("state: "));
        let long = "x".repeat(MAX_SPRINT_NAME_CHARS + 1);
        assert!(parse(json!({ "name": long })).is_err());
    }

    #[test]
    fn dates_are_those_the_api_writes_back_in_utc() {
        for outside in [
            "9999-12-31T23:59:00.000-10:00",
            "9999-12-31T23:59:00.000-1000",
            "0000-01-01T09:59:00.000+10:00",
        ] {
            let err = parse(json!({ "endDate": outside })).expect_err(outside);
            assert!(err.describe().starts_with("endDate: "), "{outside}");
        }
        for inside in ["9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z"] {
            let input = parse(json!({ "startDate": inside })).expect(inside);
            assert!(matches!(input.start_date, Change::Set(_)), "{inside}");
        }
    }

    #[test]
    fn moves_take_one_to_fifty_issues() {
        let list = |body: Value| issue_list(body.as_object().expect("an object"));
        assert_eq!(
            list(json!({ "issues": ["KILN-1", 10001] })).expect("valid"),
            ["KILN-1", "10001"]
        );
        assert!(list(json!({ "issues": [] })).is_err());
        assert!(list(json!({})).is_err());
        assert!(list(json!({ "issues": "KILN-1" })).is_err());
        let many: Vec<String> = (0..=MAX_ISSUES_PER_MOVE).map(|n| n.to_string()).collect();
        assert!(list(json!({ "issues": many })).is_err());
    }
}
