//! Hello Jira: says who the invoking user is and what one issue is about.
//! `runtime new --template hello` writes this file into a new app.
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
        greeting: format!(
            "Hello {user}, {} is {}",
            issue.key, issue.fields.status.name
        ),
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

// `cargo test` runs on your machine, where the SDK answers Jira, storage and
// egress calls from in-memory fakes the test programs (kiln_sdk::testing), as
// Forge apps mock @forge/api. In the Kiln host the same code calls the host.
#[cfg(test)]
mod tests {
    use super::*;
    use kiln_sdk::testing::{self, Fake};
    use serde_json::json;

    #[test]
    fn the_handler_reads_the_user_and_the_issue_as_the_user() {
        let fake = Fake::install();
        fake.jira()
            .on(Method::Get, "/rest/api/3/myself")
            .json(200, &json!({ "displayName": "Alice" }));
        fake.jira().on(Method::Get, "/rest/api/3/issue/{key}").json(
            200,
            &json!({
                "key": "KILN-2",
                "fields": { "summary": "Ship it", "status": { "name": "In Progress" } }
            }),
        );

        let output = summary(
            Some(Input {
                issue: Some("KILN-2".into()),
            }),
            &testing::context(),
        )
        .expect("the handler succeeds");

        assert_eq!(output.greeting, "Hello Alice, KILN-2 is In Progress");
        let sent = fake.jira().requests();
        assert_eq!(sent.len(), 2);
        assert!(
            sent.iter()
                .all(|request| request.principal == Principal::User)
        );
        assert_eq!(sent[1].path, "/rest/api/3/issue/KILN-2");
        assert_eq!(sent[1].query_value("fields"), Some("summary,status"));
    }

    #[test]
    fn a_missing_scope_reaches_the_caller_as_scope_denied() {
        let fake = Fake::install();
        let denied = RequestError::ScopeDenied(kiln_sdk::ScopeDenied {
            route: "GET /rest/api/3/myself".into(),
            missing: vec!["read:jira-user".into()],
        });
        fake.jira()
            .on(Method::Get, "/rest/api/3/myself")
            .fail(denied.clone());

        let error = summary(None, &testing::context()).unwrap_err();

        assert_eq!(error, AppError::Request(denied));
    }

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
