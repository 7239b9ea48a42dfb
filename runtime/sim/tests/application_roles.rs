//! Application roles (`GET /applicationrole`, `GET /applicationrole/{key}`):
//! the site's one role, Jira's, as an expanded user lists it; for site admins
//! only.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, caller, start};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn site_admins_read_the_sites_one_application_role() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let all = alice.get("/rest/api/3/applicationrole").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    contract.check(
        "GET /applicationrole",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/ApplicationRole" } }),
        &all.body,
    );
    assert_eq!(all.body.as_array().map(Vec::len), Some(1));
    let role = &all.body[0];
    assert_eq!(role["key"], "jira-software");
    assert_eq!(role["name"], "Jira");
    assert_eq!(role["groups"], json!(["jira-software-users"]));
    assert_eq!(role["defaultGroups"], json!(["jira-software-users"]));
    // Every user of the built-in site (Alice, Bob, Carol) is counted.
    assert_eq!(role["userCount"], 3);

    let one = alice.get("/rest/api/3/applicationrole/jira-software").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("GET /applicationrole/{key}", "ApplicationRole", &one.body);
    assert_eq!(&one.body, role);
    // The role a user's `applicationRoles` lists is this one.
    let myself = alice
        .get("/rest/api/3/myself?expand=applicationRoles")
        .await;
    assert_eq!(myself.body["applicationRoles"]["items"][0], one.body);
    // REST API v2 answers alike.
    let v2 = alice.get("/rest/api/2/applicationrole/jira-software").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["key"], "jira-software");
    sim.shutdown().await;
}

#[tokio::test]
async fn others_are_refused_and_unknown_keys_are_not_found() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for path in [
        "/rest/api/3/applicationrole",
        "/rest/api/3/applicationrole/jira-software",
    ] {
        let refused = bob.get(path).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            refused.text
        );
        assert!(
            refused.body["errorMessages"][0].is_string(),
            "{}",
            refused.body
        );
    }
    let alice = caller(&sim, ADMIN);
    let long = "k".repeat(5_000);
    for key in [
        "jira-servicedesk",
        "JIRA-SOFTWARE",
        "jira%2Fsoftware",
        "%E2%9C%93",
        long.as_str(),
    ] {
        let missing = alice
            .get(&format!("/rest/api/3/applicationrole/{key}"))
            .await;
        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "{key}: {}",
            missing.text
        );
        assert!(
            missing.body["errorMessages"][0]
                .as_str()
                .is_some_and(|m| m.contains("does not exist")),
            "{}",
            missing.body
        );
    }
    sim.shutdown().await;
}
