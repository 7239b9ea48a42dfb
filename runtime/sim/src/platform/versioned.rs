//! `expand=versionedRepresentations` on an issue: every field (the `fields`
//! parameter is ignored, as the spec says) under the numbers of its
//! representations, `{"summary": {"1": "…"}}`, in place of `fields`.
//!
//! Every field has one representation, `"1"`, its value as `fields` gives it,
//! except Jira Software's Sprint field, which Jira Cloud gives twice: `"1"`, the
//! legacy strings older apps parse (`com.atlassian.greenhopper.service.sprint.
//! Sprint@…[id=1,rapidViewId=1,state=ACTIVE,name=…]`), and `"2"`, the objects
//! `fields` carries.

use serde_json::{Map, Value, json};

use crate::world::sprint::SPRINT_FIELD_ID;

/// The `versionedRepresentations` object of an issue whose `fields` (all of
/// them) are `fields`.
pub(crate) fn representations(fields: &Value) -> Value {
    let Some(fields) = fields.as_object() else {
        return Value::Object(Map::new());
    };
    let versions = fields
        .iter()
        .map(|(id, value)| {
            let versions = if id == SPRINT_FIELD_ID {
                json!({ "1": legacy_sprints(value), "2": value })
            } else {
                json!({ "1": value })
            };
            (id.clone(), versions)
        })
        .collect();
    Value::Object(versions)
}

/// The Sprint field's first representation: each sprint as the string Jira's
/// `Sprint.toString()` wrote, `null` for no sprint.
fn legacy_sprints(value: &Value) -> Value {
    let Some(sprints) = value.as_array() else {
        return Value::Null;
    };
    let text = |sprint: &Value, name: &str| -> String {
        match &sprint[name] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::from("<null>"),
        }
    };
    Value::Array(
        sprints
            .iter()
            .map(|sprint| {
                let id = sprint["id"].as_u64().unwrap_or_default();
                let state = text(sprint, "state").to_ascii_uppercase();
                // The object's identity hash in Jira's output; any stable value.
                let hash = id.wrapping_mul(2_654_435_761) & 0xffff_ffff;
                json!(format!(
                    "com.atlassian.greenhopper.service.sprint.Sprint@{hash:x}[id={id},\
                     rapidViewId={},state={state},name={},startDate={},endDate={},\
                     completeDate={},activatedDate={},sequence={id},goal={},synced=false,\
                     autoStartStop=false,incompleteIssuesDestinationId=<null>]",
                    text(sprint, "boardId"),
                    text(sprint, "name"),
                    text(sprint, "startDate"),
                    text(sprint, "endDate"),
                    text(sprint, "completeDate"),
                    text(sprint, "startDate"),
                    text(sprint, "goal"),
                ))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_has_its_value_as_version_one_and_sprints_two_versions() {
        let sprint = json!({
            "id": 3, "name": "Sprint 3", "state": "active", "boardId": 1, "goal": "",
            "startDate": "2024-01-01T09:00:00.000Z", "endDate": "2024-01-15T09:00:00.000Z"
        });
        let fields = json!({
            "summary": "s",
            "assignee": null,
            SPRINT_FIELD_ID: [sprint],
        });
        let versions = representations(&fields);
        assert_eq!(versions["summary"], json!({ "1": "s" }));
        assert_eq!(versions["assignee"], json!({ "1": null }));
        assert_eq!(versions[SPRINT_FIELD_ID]["2"], json!([sprint]));
        let legacy = versions[SPRINT_FIELD_ID]["1"][0]
            .as_str()
            .expect("a string");
        assert!(
            legacy.starts_with("com.atlassian.greenhopper.service.sprint.Sprint@"),
            "{legacy}"
        );
        assert!(
            legacy.contains(
                "[id=3,rapidViewId=1,state=ACTIVE,name=Sprint 3,startDate=2024-01-01T09:00:00.000Z,\
                 endDate=2024-01-15T09:00:00.000Z,completeDate=<null>,"
            ),
            "{legacy}"
        );
        assert_eq!(
            representations(&json!({ SPRINT_FIELD_ID: null }))[SPRINT_FIELD_ID],
            json!({ "1": null, "2": null })
        );
    }
}
