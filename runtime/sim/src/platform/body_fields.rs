//! Reading the properties of a JSON body object the way Jira's JSON reader does,
//! for operations that take their body as a map rather than a typed bean
//! (versions, components): a property that is absent or `null` is not set, one of
//! the wrong type makes the whole body unreadable (Jira's "Invalid request
//! payload" `400`), and an `int64` id is read from its digits as a string too, as
//! Jira's reader coerces them.

use serde_json::{Map, Value};

use crate::jira_error::JiraError;

/// Property `name` of `body` read with `read`, or `None` when absent or `null`.
pub(crate) fn optional<'a, T>(
    body: &'a Map<String, Value>,
    name: &str,
    read: impl Fn(&'a Value) -> Result<T, JiraError>,
) -> Result<Option<T>, JiraError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some),
    }
}

/// A string property.
pub(crate) fn text(value: &Value) -> Result<&str, JiraError> {
    value.as_str().ok_or_else(JiraError::invalid_payload)
}

/// A boolean property.
pub(crate) fn flag(value: &Value) -> Result<bool, JiraError> {
    value.as_bool().ok_or_else(JiraError::invalid_payload)
}

/// A `projectId`: an `int64` in the spec, as a JSON number or a string of its
/// digits, returned as its digits.
pub(crate) fn project_id(value: &Value) -> Result<String, JiraError> {
    let digits = match value {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) => s.parse::<u64>().ok().map(|n| n.to_string()),
        _ => None,
    };
    digits.ok_or_else(JiraError::invalid_payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_and_null_are_unset_and_a_wrong_type_is_unreadable() {
        let body = json!({ "name": "v1", "gone": null, "released": "yes", "projectId": "10000" });
        let body = body.as_object().expect("an object");
        assert_eq!(optional(body, "name", text).ok(), Some(Some("v1")));
        assert_eq!(optional(body, "gone", text).ok(), Some(None));
        assert_eq!(optional(body, "missing", flag).ok(), Some(None));
        assert!(optional(body, "released", flag).is_err());
        assert_eq!(
            project_id(&body["projectId"]).ok().as_deref(),
            Some("10000")
        );
        assert_eq!(project_id(&json!(10000)).ok().as_deref(), Some("10000"));
        for bad in [json!(-1), json!(1.5), json!("ten"), json!(true)] {
            assert!(project_id(&bad).is_err(), "{bad}");
        }
    }
}
