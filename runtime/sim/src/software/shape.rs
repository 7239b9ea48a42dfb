//! The agile API's JSON: a board (the spec's board `values`), a sprint (its
//! examples' sprint), an epic (its examples' epic), and a page of any.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::platform::page::Window;
use crate::world::board::BoardRecord;
use crate::world::sprint::SprintRecord;
use crate::world::{IssueRecord, World};

/// A board's `self`.
pub(crate) fn board_self(links: &str, id: u64) -> String {
    format!("{links}/rest/agile/1.0/board/{id}")
}

/// A sprint's `self`.
pub(crate) fn sprint_self(links: &str, id: u64) -> String {
    format!("{links}/rest/agile/1.0/sprint/{id}")
}

/// An epic's `self`.
pub(crate) fn epic_self(links: &str, id: u64) -> String {
    format!("{links}/rest/agile/1.0/epic/{id}")
}

/// An epic, as the spec's examples show one and Jira Cloud answers it: `id`,
/// `key`, `self`, `name`, `summary`, `color` (`{"key": "color_N"}`) and
/// `done`. The spec gives no schema; each property is the update body's
/// (`EpicUpdateBean`), plus the epic's identity.
pub(crate) fn epic(links: &str, issue: &IssueRecord) -> Value {
    json!({
        "id": issue.id,
        "key": issue.key,
        "self": epic_self(links, issue.id),
        "name": issue.epic_name(),
        "summary": issue.summary,
        "color": { "key": issue.epic_color() },
        "done": issue.epic.done,
    })
}

/// A sprint's dates as the agile API writes them: ISO 8601 in UTC with
/// milliseconds, `2015-04-11T05:22:00.000Z`. Sprint bodies refuse dates this
/// cannot write (`input.rs`, by `clock::in_calendar`); the checked conversion
/// keeps any other date from panicking the host (`to_offset` panics past the
/// year 9999).
pub(crate) fn agile_timestamp(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    crate::clock::utc(at)
        .and_then(|utc| utc.format(format).ok())
        .unwrap_or_else(|| String::from("1970-01-01T00:00:00.000Z"))
}

/// A board: `id`, `self`, `name`, `type`, and its `location` when it is in a
/// project (`projectId`, `displayName` "Name (KEY)", `projectName`,
/// `projectKey`, `projectTypeKey`, `avatarURI`, `name`), and `isPrivate`.
pub(crate) fn board(links: &str, world: &World, board: &BoardRecord) -> Value {
    let mut value = Map::new();
    value.insert("id".into(), json!(board.id));
    value.insert("self".into(), json!(board_self(links, board.id)));
    value.insert("name".into(), json!(board.name));
    value.insert("type".into(), json!(board.kind.as_str()));
    if let Some(project) = board.location.as_deref().and_then(|k| world.project(k)) {
        let mut location = Map::new();
        if let Ok(id) = project.id.parse::<u64>() {
            location.insert("projectId".into(), json!(id));
        }
        location.insert(
            "displayName".into(),
            json!(format!("{} ({})", project.name, project.key)),
        );
        location.insert("projectName".into(), json!(project.name));
        location.insert("projectKey".into(), json!(project.key));
        location.insert("projectTypeKey".into(), json!("software"));
        location.insert(
            "avatarURI".into(),
            json!(format!(
                "{links}/secure/projectavatar?size=small&id={}",
                project.id
            )),
        );
        location.insert(
            "name".into(),
            json!(format!("{} ({})", project.name, project.key)),
        );
        value.insert("location".into(), Value::Object(location));
    }
    value.insert("isPrivate".into(), json!(false));
    Value::Object(value)
}

/// A sprint: `id`, `self`, `state`, `name`, its dates when set
/// (`startDate`, `endDate`, `completeDate`), `createdDate`, `originBoardId`
/// and `goal` (empty when none was set, as Jira Cloud answers).
pub(crate) fn sprint(links: &str, sprint: &SprintRecord) -> Value {
    let mut value = Map::new();
    value.insert("id".into(), json!(sprint.id));
    value.insert("self".into(), json!(sprint_self(links, sprint.id)));
    value.insert("state".into(), json!(sprint.state.as_str()));
    value.insert("name".into(), json!(sprint.name));
    dates(&mut value, sprint);
    value.insert(
        "createdDate".into(),
        json!(agile_timestamp(sprint.created_date)),
    );
    value.insert("originBoardId".into(), json!(sprint.origin_board_id));
    value.insert(
        "goal".into(),
        json!(sprint.goal.as_deref().unwrap_or_default()),
    );
    Value::Object(value)
}

fn dates(value: &mut Map<String, Value>, sprint: &SprintRecord) {
    for (name, date) in [
        ("startDate", sprint.start_date),
        ("endDate", sprint.end_date),
        ("completeDate", sprint.complete_date),
    ] {
        if let Some(date) = date {
            value.insert(name.into(), json!(agile_timestamp(date)));
        }
    }
}

/// A sprint as the Sprint field (`customfield_10020`) carries it: `id`,
/// `name`, `state`, `boardId`, `goal` and the dates that are set.
pub(crate) fn sprint_in_field(sprint: &SprintRecord) -> Value {
    let mut value = Map::new();
    value.insert("id".into(), json!(sprint.id));
    value.insert("name".into(), json!(sprint.name));
    value.insert("state".into(), json!(sprint.state.as_str()));
    value.insert("boardId".into(), json!(sprint.origin_board_id));
    value.insert(
        "goal".into(),
        json!(sprint.goal.as_deref().unwrap_or_default()),
    );
    dates(&mut value, sprint);
    Value::Object(value)
}

/// A page of the agile API's lists: `{maxResults, startAt, total, isLast,
/// values}`.
pub(crate) fn page(window: Window, total: usize, values: Vec<Value>) -> Value {
    json!({
        "maxResults": window.max,
        "startAt": window.start,
        "total": total,
        "isLast": window.start.saturating_add(window.max) >= total,
        "values": values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sprint_dates_are_utc_with_milliseconds() {
        let at = time::macros::datetime!(2015-04-11 15:22:00 +10:00);
        assert_eq!(agile_timestamp(at), "2015-04-11T05:22:00.000Z");
    }

    #[test]
    fn a_date_past_the_calendar_in_utc_does_not_panic() {
        let at = time::macros::datetime!(9999-12-31 23:59:00 -10:00);
        assert_eq!(agile_timestamp(at), "1970-01-01T00:00:00.000Z");
    }
}
