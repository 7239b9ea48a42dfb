//! The body of `createVersion` and `updateVersion`: the spec's `Version`, read by
//! hand so that an absent property (leave it) and `null` (clear it, for the
//! dates) are told apart, and so that each bad value is Jira's 400 naming it.
//!
//! Read-only properties a client echoes back (`self`, `id`, `overdue`,
//! `userReleaseDate` …) are ignored, as Jira ignores them.

use serde_json::{Map, Value};
use time::Date;

use crate::jira_error::JiraError;
use crate::platform::body_fields::{flag, optional, project_id, text};
use crate::world::custom_field::parse_date;

pub(super) use crate::change::Change;

/// A `Version` request body.
#[derive(Debug)]
pub(super) struct VersionInput {
    pub(super) name: Option<String>,
    pub(super) description: Change<String>,
    pub(super) start_date: Change<Date>,
    pub(super) release_date: Change<Date>,
    pub(super) released: Option<bool>,
    pub(super) archived: Option<bool>,
    /// `projectId` (a number, or its digits as a string) or, failing that, the
    /// deprecated `project` (a key): only a create reads it.
    pub(super) project: Option<ProjectRef>,
    /// `moveUnfixedIssuesTo`: the `self` of another version (or its id).
    pub(super) move_unfixed_issues_to: Option<String>,
}

/// How a create names its project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ProjectRef {
    Id(String),
    Key(String),
}

impl VersionInput {
    pub(super) fn parse(body: &Map<String, Value>) -> Result<Self, JiraError> {
        let project = match (body.get("projectId"), body.get("project")) {
            (Some(id), _) if !id.is_null() => Some(ProjectRef::Id(project_id(id)?)),
            (_, Some(key)) if !key.is_null() => Some(ProjectRef::Key(text(key)?.to_owned())),
            _ => None,
        };
        Ok(Self {
            name: optional(body, "name", |v| text(v).map(str::to_owned))?,
            description: match body.get("description") {
                // Jira reads a `null` description as "not given".
                None | Some(Value::Null) => Change::Keep,
                Some(value) => match text(value)? {
                    "" => Change::Clear,
                    description => Change::Set(description.to_owned()),
                },
            },
            start_date: date(body, "startDate")?,
            release_date: date(body, "releaseDate")?,
            released: optional(body, "released", flag)?,
            archived: optional(body, "archived", flag)?,
            project,
            move_unfixed_issues_to: optional(body, "moveUnfixedIssuesTo", |v| {
                text(v).map(str::to_owned)
            })?,
        })
    }
}

/// `startDate` or `releaseDate`: `yyyy-MM-dd`, as the spec's `format: date`
/// says; `null` or an empty string clears it.
fn date(body: &Map<String, Value>, name: &str) -> Result<Change<Date>, JiraError> {
    let text = match body.get(name) {
        None => return Ok(Change::Keep),
        Some(Value::Null) => return Ok(Change::Clear),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(Change::Clear),
        Some(Value::String(text)) => text,
        Some(_) => return Err(JiraError::invalid_payload()),
    };
    // `parse_date` also takes JQL's `yyyy/MM/dd`, which a version's dates are not.
    let parsed = (!text.contains('/')).then(|| parse_date(text)).flatten();
    parsed.map(Change::Set).ok_or_else(|| {
        JiraError::field(
            name,
            format!("The date '{text}' is not valid. Use the format yyyy-MM-dd."),
        )
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(body: Value) -> Result<VersionInput, JiraError> {
        VersionInput::parse(body.as_object().expect("an object"))
    }

    #[test]
    fn absent_null_and_values_are_told_apart() {
        let input = parse(json!({
            "name": "1.0",
            "projectId": 10000,
            "releaseDate": "2024-03-01",
            "startDate": null,
            "description": "",
            "released": true,
            "self": "ignored",
        }))
        .expect("valid");
        assert_eq!(input.name.as_deref(), Some("1.0"));
        assert_eq!(input.project, Some(ProjectRef::Id(String::from("10000"))));
        assert!(matches!(input.release_date, Change::Set(d) if d.day() == 1));
        assert_eq!(input.start_date, Change::Clear);
        assert_eq!(input.description, Change::Clear);
        assert_eq!(input.released, Some(true));
        assert_eq!(input.archived, None);
        let keep = parse(json!({ "project": "KILN", "projectId": null })).expect("valid");
        assert_eq!(keep.project, Some(ProjectRef::Key(String::from("KILN"))));
        assert_eq!(keep.release_date, Change::Keep);
        assert_eq!(keep.description, Change::Keep);
        assert_eq!(
            parse(json!({ "projectId": "10001" }))
                .expect("digits")
                .project,
            Some(ProjectRef::Id(String::from("10001")))
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for body in [
            json!({ "name": 1 }),
            json!({ "released": "yes" }),
            json!({ "projectId": "KILN" }),
            json!({ "projectId": -1 }),
            json!({ "releaseDate": 20240301 }),
        ] {
            let err = parse(body.clone()).expect_err("refused");
            assert!(err.describe().contains("Invalid request payload"), "{body}");
        }
        for date in ["2024/03/01", "01-03-2024", "2024-02-30", "soon"] {
            let err = parse(json!({ "releaseDate": date })).expect_err(date);
            assert!(err.describe().starts_with("releaseDate: "), "{date}");
        }
    }
}
