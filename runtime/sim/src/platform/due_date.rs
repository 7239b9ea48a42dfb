//! The system field `duedate` (Jira's field type `date`): a calendar day with no
//! time and no zone, written `yyyy-MM-dd` everywhere the REST API shows it.
//!
//! What a create or edit may send ([`parse`]), how an issue shows it
//! ([`render`]) and how a change of it is logged ([`change_item`]); the JQL
//! clause is `jql::due_date`.

use serde_json::Value;
use time::Date;

use crate::jira_error::JiraError;
use crate::world::HistoryItem;
use crate::world::custom_field::{format_date, parse_date};

/// The field's id, key and changelog name.
pub(crate) const FIELD: &str = "duedate";

/// A create's or edit's value (`fields.duedate`, or an `update` `set`): a
/// `yyyy-MM-dd` string; `null` or an empty string clears the date.
///
/// A value that is not a string gets "Operation value must be a string", the
/// message Jira gives for `duedate` (quoted in AtlassianPS/JiraPS issue #173).
/// A string that is not a date gets "Error parsing date string: …", Jira's
/// message for a date it cannot parse, the one the simulator's date custom
/// fields give too; no Jira answer for `duedate` itself was found to confirm it.
pub(crate) fn parse(value: &Value) -> Result<Option<Date>, JiraError> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text,
        _ => return Err(JiraError::field(FIELD, "Operation value must be a string")),
    };
    if text.is_empty() {
        return Ok(None);
    }
    strict_date(text)
        .map(Some)
        .ok_or_else(|| JiraError::field(FIELD, format!("Error parsing date string: {text}")))
}

/// `yyyy-MM-dd` exactly: Jira's REST format for a date, which is stricter than
/// what JQL reads (`yyyy/MM/dd` too, see [`parse_date`]).
pub(crate) fn strict_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if shaped { parse_date(text) } else { None }
}

/// The field's value in an issue: the date, or `null`.
pub(crate) fn render(date: Option<Date>) -> Value {
    date.map_or(Value::Null, |d| Value::String(format_date(d)))
}

/// The changelog item for a change of due date, or `None` when it did not
/// change. `from`/`to` carry the date (`2025-08-22`); the strings carry it as
/// Jira Cloud's changelogs write them, a `java.sql.Timestamp` at midnight
/// (`2025-08-22 00:00:00.0`): a Cloud site's changelog quoted in public
/// (`{"field":"duedate","to":"2025-08-22","toString":"2025-08-22 00:00:00.0"}`)
/// shows that shape.
pub(crate) fn change_item(before: Option<Date>, after: Option<Date>) -> Option<HistoryItem> {
    if before == after {
        return None;
    }
    let value = |date: Option<Date>| date.map(format_date);
    let text = |date: Option<Date>| date.map(|d| format!("{} 00:00:00.0", format_date(d)));
    Some(HistoryItem {
        field: FIELD.to_owned(),
        fieldtype: "jira",
        field_id: FIELD.to_owned(),
        from: value(before),
        from_string: text(before),
        to: value(after),
        to_string: text(after),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::date;

    use super::*;

    #[test]
    fn a_date_is_yyyy_mm_dd_and_null_or_empty_clears_it() {
        let parsed = |value: Value| parse(&value).map_err(|e| e.describe());
        assert_eq!(parsed(json!("2024-02-29")), Ok(Some(date!(2024 - 02 - 29))));
        assert_eq!(parsed(json!(null)), Ok(None));
        assert_eq!(parsed(json!("")), Ok(None));
        for bad in [
            "2023-02-29",
            "2024/01/02",
            "2024-1-2",
            "24-01-02",
            "tomorrow",
            " 2024-01-02",
        ] {
            assert_eq!(
                parsed(json!(bad)),
                Err(format!("duedate: Error parsing date string: {bad}"))
            );
        }
        assert_eq!(
            parsed(json!(20_240_102)),
            Err(String::from("duedate: Operation value must be a string"))
        );
    }

    #[test]
    fn a_change_is_logged_with_the_date_and_jiras_timestamp_text() {
        assert_eq!(change_item(None, None), None);
        let set = change_item(None, Some(date!(2025 - 08 - 22))).expect("changed");
        assert_eq!(
            serde_json::to_value(&set).expect("serializes"),
            json!({
                "field": "duedate", "fieldtype": "jira", "fieldId": "duedate",
                "from": null, "fromString": null,
                "to": "2025-08-22", "toString": "2025-08-22 00:00:00.0",
            })
        );
        let cleared = change_item(Some(date!(2025 - 08 - 22)), None).expect("changed");
        assert_eq!(cleared.from.as_deref(), Some("2025-08-22"));
        assert_eq!((cleared.to, cleared.to_string), (None, None));
    }
}
