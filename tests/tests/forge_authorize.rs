//! @forge/api's `authorize()` in a real Forge app on the simulator
//! (`tests/js/authorize`), declaring only `read:jira-work` as Atlassian's
//! issue-status-helper does: each check is Jira's bulk permission check as
//! the invoking user, which every app may send (the spec opens it to any
//! OAuth 2.0 token), answered as @forge/auth answers it. A check needs an
//! invoking user, as on Forge: run by a trigger, `authorize()` throws.

use kiln_sim::AuthKind;
use serde_json::{Value, json};

use crate::support::{ADMIN, forge_example, ok_json};

/// Project KILN and the seed's second project; KILN-1's issue id.
const PROJECTS: [&str; 2] = ["10000", "10001"];
const KILN_1: &str = "10001";

async fn checked_by(email: &'static str) -> Option<(Value, Vec<kiln_sim::RecordedRequest>)> {
    let (h, app) = forge_example::load_test_app_as("authorize", email).await?;
    let invoked = h
        .invoke_by_user(
            &app,
            "main",
            json!({ "projectIds": PROJECTS, "issueIds": [KILN_1] }),
        )
        .await;
    Some((ok_json(&invoked), h.sim.requests()))
}

#[tokio::test]
async fn authorize_answers_as_forge_for_an_app_with_classic_scopes_only() {
    let Some((user, requests)) = checked_by("user@example.com").await else {
        return;
    };
    // onJira is Jira's own answer: one entry per permission asked, numeric
    // ids, a permission held nowhere listed with no projects.
    assert_eq!(
        user["onJira"],
        json!([
            { "permission": "ADMINISTER_PROJECTS", "projects": [], "issues": [] },
            { "permission": "BROWSE_PROJECTS", "projects": [10000, 10001], "issues": [] },
        ]),
        "{user}"
    );
    assert_eq!(user["administers"], false, "{user}");
    assert_eq!(user["canEditIssues"], true, "{user}");
    // Held in one project of the two: not "every project asked".
    assert_eq!(user["canCreateInProjects"], false, "{user}");
    // Three checks, each a bulk permission check as the user (API token).
    let checks: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/rest/api/3/permissions/check")
        .collect();
    assert_eq!(checks.len(), 3, "{requests:?}");
    assert!(
        checks.iter().all(|r| r.auth == AuthKind::Basic),
        "{checks:?}"
    );

    let Some((admin, _)) = checked_by(ADMIN).await else {
        return;
    };
    assert_eq!(admin["administers"], true, "{admin}");
    assert_eq!(admin["canCreateInProjects"], true, "{admin}");
}

/// With no invoking user (a product or scheduled trigger), `authorize()`
/// throws @forge/api's error and nothing is asked of Jira.
#[tokio::test]
async fn authorize_without_an_invoking_user_throws_as_forge_does() {
    let Some((h, app)) = forge_example::load_test_app_as("authorize", ADMIN).await else {
        return;
    };
    let failed = h
        .invoke(
            &app,
            "main",
            json!({ "projectIds": PROJECTS, "issueIds": [KILN_1] }),
        )
        .await;
    let message = format!("{:?}", failed.result);
    assert!(
        message.contains("Couldn’t find the accountId of the invoking user"),
        "{message}"
    );
    assert!(
        !h.sim
            .requests()
            .iter()
            .any(|r| r.path == "/rest/api/3/permissions/check")
    );
}
