//! @forge/api 1.x–3.x's Properties API in a real Forge app on the simulator
//! (`tests/js/properties`): `properties.onJiraIssue` and `onJiraProject`
//! (and their older name `store`) are Jira entity properties requested as
//! the app, through the same door as any request (path validated, route
//! matched, scopes checked), answered as @forge/api 3.9.2 answers them.

use kiln_sim::AuthKind;
use serde_json::json;

use crate::support::{forge_example, ok_json};

#[tokio::test]
async fn issue_and_project_properties_round_trip_through_jira_as_the_app() {
    // `asApp()` acts as the simulator's service account (a bearer token).
    let Some((h, app)) = forge_example::load_test_app_with_app_client("properties").await else {
        return;
    };
    let invoked = h
        .invoke(
            &app,
            "main",
            json!({ "issueKey": "KILN-1", "projectKey": "KILN" }),
        )
        .await;
    let report = ok_json(&invoked);

    assert_eq!(report["before"], json!(null), "{report}");
    let value = json!({ "count": 1, "labels": ["needs-triage"] });
    assert_eq!(report["after"], value);
    // What Jira holds is what the app set, under the key it named.
    assert_eq!(
        report["raw"],
        json!({ "status": 200, "key": "kiln.triage", "value": value })
    );
    assert_eq!(report["projectValue"], json!({ "enabled": true }));
    assert_eq!(report["deleted"], json!(null));
    // Forge's errors, with @forge/storage's messages.
    assert_eq!(
        report["deleteAgain"],
        "Permissions error or key does not exist"
    );
    assert_eq!(report["missingIssue"], json!(null));
    assert_eq!(report["badKey"], "Invalid context/property key");
    let path_trick = report["pathTrick"].as_str().expect("refused");
    assert!(path_trick.contains("path manipulation"), "{path_trick}");
    let confluence = report["confluence"].as_str().expect("refused");
    assert!(confluence.contains("not served by Kiln"), "{confluence}");

    // Every request was the app's (its service account's bearer token,
    // through Atlassian's gateway), to the entity property routes; the path
    // trick and the Confluence page reached nothing.
    let gateway = format!("/ex/jira/{}", h.sim.cloud_id());
    let requests: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path != "/oauth/token")
        .collect();
    assert!(
        requests.iter().all(|r| r.auth == AuthKind::Bearer),
        "every request as the app: {requests:?}"
    );
    let seen: Vec<&str> = requests
        .iter()
        .map(|r| r.path.strip_prefix(&gateway).unwrap_or(&r.path))
        .collect();
    assert_eq!(
        seen,
        [
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/project/KILN/properties/kiln.config",
            "/rest/api/3/project/KILN/properties/kiln.config",
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/issue/KILN-1/properties/kiln.triage",
            "/rest/api/3/issue/KILN-99999/properties/kiln.triage",
        ],
        "{seen:?}"
    );

    // Forge's deprecation warnings reach the app's log, as on Forge.
    let warnings: Vec<&str> = invoked
        .logs
        .iter()
        .map(|line| line.message.as_str())
        .filter(|message| message.contains("deprecated"))
        .collect();
    assert!(
        warnings.contains(
            &"store.onJiraProject() is deprecated. Use properties.onJiraProject() imported from '@forge/api' instead"
        ),
        "{warnings:?}"
    );
}
