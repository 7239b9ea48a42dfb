//! Says who the invoking user is and what one issue is about.
//!
//! Payload: `{"issue": "KILN-1"}` (the issue defaults to `KILN-1`).
//! Result: `{"greeting": "...", "issue": {"key", "summary", "status"}}`.
//!
//! Every Jira call goes through `as_user()`: the Kiln host checks the route
//! against `permissions.scopes` in manifest.yml and attaches the credential;
//! the app never sees it.

use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The issue read when the payload names none.
const DEFAULT_ISSUE: &str = "KILN-1";

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Input {
    issue: Option<String>,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
struct Output {
    greeting: String,
    issue: IssueSummary,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
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

/// Pure logic lives in plain functions, so `cargo test` checks it on the host.
fn greeting(user: &str, issue: &Issue) -> Output {
    Output {
        greeting: format!("Hello {user}, {} is {}", issue.key, issue.fields.status.name),
        issue: IssueSummary {
            key: issue.key.clone(),
            summary: issue.fields.summary.clone(),
            status: issue.fields.status.name.clone(),
        },
    }
}

#[kiln_sdk::handler]
fn summary(input: Option<Input>, ctx: &Context) -> Result<Output, AppError> {
    let key = input
        .and_then(|input| input.issue)
        .unwrap_or_else(|| DEFAULT_ISSUE.to_owned());
    log::info!("invocation {}: reading {key}", ctx.invocation_id);

    let myself: Myself = as_user()
        .get(route!("/rest/api/3/myself"))
        .send()?
        .error_for_status()?
        .json()?;
    let issue: Issue = as_user()
        .get(route!("/rest/api/3/issue/{key}")?)
        .query("fields", "summary,status")
        .send()?
        .error_for_status()?
        .json()?;
    Ok(greeting(&myself.display_name, &issue))
}

kiln_sdk::export_app!(summary);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_names_the_user_and_the_issue_status() {
        let issue: Issue = serde_json::from_value(serde_json::json!({
            "key": "KILN-1",
            "fields": { "summary": "Ship it", "status": { "name": "Done" } }
        }))
        .expect("an issue");
        let output = greeting("Alice", &issue);
        assert_eq!(output.greeting, "Hello Alice, KILN-1 is Done");
        assert_eq!(output.issue.summary, "Ship it");
    }
}
