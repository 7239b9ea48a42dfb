//! `POST /permissions/project` (`getPermittedProjects`): the projects in which
//! the caller holds every named project permission, as the other routes
//! enforce them; Jira's 400 for keys that are no project permission, the
//! simulator's 501 for real keys it does not model.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATH: &str = "/rest/api/3/permissions/project";

fn body(keys: &[&str]) -> Value {
    json!({ "permissions": keys })
}

#[tokio::test]
async fn the_projects_where_every_named_permission_is_held() {
    let sim = start().await;
    let contract = Contract::new();
    let both = json!({"projects": [{"id": 10000, "key": "KILN"}, {"id": 10001, "key": "SEC"}]});
    let kiln = json!({"projects": [{"id": 10000, "key": "KILN"}]});
    let none = json!({"projects": []});

    let bob = caller(&sim, USER);
    let browse = bob.post(PATH, &body(&["BROWSE_PROJECTS"])).await;
    assert_eq!(browse.status, StatusCode::OK, "{}", browse.text);
    contract.check_ref(
        "POST /permissions/project",
        "PermittedProjects",
        &browse.body,
    );
    assert_eq!(browse.body, both);
    // Bob edits in KILN only (SEC gives him Browse and Comment), and names a
    // key twice.
    let edit = bob
        .post(
            PATH,
            &body(&["BROWSE_PROJECTS", "EDIT_ISSUES", "EDIT_ISSUES"]),
        )
        .await;
    assert_eq!(edit.body, kiln);
    assert_eq!(
        bob.post(PATH, &body(&["ADMINISTER_PROJECTS"])).await.body,
        none
    );
    // Carol browses KILN only; Alice, the lead, administers both.
    let carol = caller(&sim, OUTSIDER);
    assert_eq!(
        carol.post(PATH, &body(&["BROWSE_PROJECTS"])).await.body,
        kiln
    );
    assert_eq!(carol.post(PATH, &body(&["CREATE_ISSUES"])).await.body, none);
    let alice = caller(&sim, ADMIN);
    assert_eq!(
        alice.post(PATH, &body(&["ADMINISTER_PROJECTS"])).await.body,
        both
    );
    // REST API v2 answers alike.
    let v2 = bob
        .post("/rest/api/2/permissions/project", &body(&["EDIT_ISSUES"]))
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body, kiln);
    sim.shutdown().await;
}

#[tokio::test]
async fn keys_that_are_no_project_permission_are_400_and_unmodelled_ones_501() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for (request, message) in [
        (body(&["NOPE"]), Some("Project permission not found: NOPE")),
        // A global permission is no project permission.
        (
            body(&["ADMINISTER"]),
            Some("Project permission not found: ADMINISTER"),
        ),
        (body(&[]), None),
        (json!({}), None),
        (json!({"permissions": "BROWSE_PROJECTS"}), None),
        (json!({"permissions": [1]}), None),
        (
            json!({"permissions": ["BROWSE_PROJECTS", "x".repeat(10_000)]}),
            None,
        ),
    ] {
        let reply = bob.post(PATH, &request).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{request}: {}",
            reply.text
        );
        if let Some(message) = message {
            assert_eq!(reply.body["errorMessages"][0], message, "{}", reply.body);
        }
    }
    let not_json = send(
        bob.request(reqwest::Method::POST, PATH)
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    assert_eq!(
        not_json.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_json.text
    );

    let unmodelled = bob
        .post(PATH, &body(&["BROWSE_PROJECTS", "LINK_ISSUES"]))
        .await;
    assert_eq!(
        unmodelled.status,
        StatusCode::NOT_IMPLEMENTED,
        "{}",
        unmodelled.text
    );
    let message = unmodelled.body["errorMessages"][0]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("LINK_ISSUES") && message.contains("getPermittedProjects"),
        "{message}"
    );

    let anonymous = send(
        client()
            .post(format!("{}{PATH}", sim.base_url()))
            .json(&body(&["BROWSE_PROJECTS"])),
    )
    .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    sim.shutdown().await;
}
