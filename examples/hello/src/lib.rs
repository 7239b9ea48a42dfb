//! Hello Jira: reports who the invoking user is and the key, summary and
//! status of one issue.
//!
//! Payload: `{"issue": "KILN-1"}` (the issue defaults to `KILN-1`).
//! Result: `{"user": "<display name>", "issue": {"key", "summary", "status"}}`.

use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The issue read when the payload names none.
const DEFAULT_ISSUE: &str = "KILN-1";

#[derive(Deserialize, Default)]
#[serde(default)]
struct Input {
    issue: Option<String>,
}

#[derive(Serialize)]
struct Output {
    user: String,
    issue: IssueSummary,
}

#[derive(Serialize)]
struct IssueSummary {
    key: String,
    summary: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Myself {
    display_name: String,
}

#[derive(Deserialize)]
struct Issue {
    key: String,
    fields: Fields,
}

#[derive(Deserialize)]
struct Fields {
    summary: String,
    status: Status,
}

#[derive(Deserialize)]
struct Status {
    name: String,
}

#[kiln_sdk::handler]
fn summary(input: Option<Input>, ctx: &Context) -> Result<Output, AppError> {
    let key = input
        .and_then(|input| input.issue)
        .unwrap_or_else(|| DEFAULT_ISSUE.to_owned());
    log::info!("invocation {}: reading {key}", ctx.invocation_id);

    let myself: Myself = as_user()
        .get(route!("/rest/api/3/myself"))
        .header("Accept", "application/json")
        .send()?
        .error_for_status()?
        .json()?;

    let issue: Issue = as_user()
        .get(route!("/rest/api/3/issue/{key}")?)
        .query("fields", "summary,status")
        .header("Accept", "application/json")
        .send()?
        .error_for_status()?
        .json()?;

    Ok(Output {
        user: myself.display_name,
        issue: IssueSummary {
            key: issue.key,
            summary: issue.fields.summary,
            status: issue.fields.status.name,
        },
    })
}

kiln_sdk::export_app!(summary);
