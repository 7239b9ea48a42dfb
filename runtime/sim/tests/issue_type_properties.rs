//! Issue type properties (`/issuetype/{id}/properties/...`): stored per issue
//! type, read by whoever sees the issue type, written by site admins only, under
//! REST API v2 too; and Jira's answers to bad ids, keys and bodies.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, caller, start_with};
use kiln_sim::{Seed, SimConfig};
use reqwest::StatusCode;
use serde_json::json;

/// The built-in site plus `lone0@example.com`, who may browse no project and so
/// sees no issue type.
async fn start() -> kiln_sim::Simulator {
    let mut seed = Seed::default();
    seed.users
        .extend(common::many_users(1, "Lone", "issue-type-properties"));
    start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
}

const LONE: &str = "lone0@example.com";
const PATH: &str = "/rest/api/3/issuetype/10001/properties/kiln.config";

#[tokio::test]
async fn site_admins_write_and_browsers_read_an_issue_types_properties() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);

    let created = alice.put(PATH, &json!({"mode": "strict"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body, json!({}));
    let replaced = alice.put(PATH, &json!({"mode": "lax"})).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);

    let read = bob.get(PATH).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(
        read.body,
        json!({"key": "kiln.config", "value": {"mode": "lax"}})
    );
    contract.check_ref(
        "GET /issuetype/{id}/properties/{key}",
        "EntityProperty",
        &read.body,
    );
    let keys = bob.get("/rest/api/3/issuetype/10001/properties").await;
    assert_eq!(keys.status, StatusCode::OK, "{}", keys.text);
    contract.check_ref("GET /issuetype/{id}/properties", "PropertyKeys", &keys.body);
    assert_eq!(keys.body["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(keys.body["keys"][0]["key"], "kiln.config");
    assert_eq!(
        keys.body["keys"][0]["self"],
        format!(
            "{}/rest/api/3/issuetype/10001/properties/kiln.config",
            sim.base_url()
        )
    );
    // Another issue type holds none of them.
    let other = bob.get("/rest/api/3/issuetype/10002/properties").await;
    assert_eq!(other.body, json!({"keys": []}));
    assert_eq!(
        bob.get("/rest/api/3/issuetype/10002/properties/kiln.config")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // REST API v2: the same keys and value (property answers are app data,
    // which v2 passes through untouched, as for every entity's properties).
    let v2 = bob.get("/rest/api/2/issuetype/10001/properties").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["keys"][0]["key"], "kiln.config");
    assert_eq!(
        bob.get("/rest/api/2/issuetype/10001/properties/kiln.config")
            .await
            .body["value"],
        json!({"mode": "lax"})
    );

    let deleted = alice.delete(PATH).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(alice.delete(PATH).await.status, StatusCode::NOT_FOUND);
    let gone = bob.get(PATH).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        gone.body["errorMessages"][0],
        "The property with key 'kiln.config' does not exist."
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn who_may_not_see_or_change_an_issue_types_properties() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    assert_eq!(alice.put(PATH, &json!(1)).await.status, StatusCode::CREATED);

    // Bob browses projects, so sees the issue type, but does not administer Jira.
    let bob = caller(&sim, USER);
    let refused = bob.put(PATH, &json!(2)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(
        refused.body["errorMessages"][0].is_string(),
        "{}",
        refused.body
    );
    assert_eq!(bob.delete(PATH).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.get(PATH).await.body["value"], 1);

    // Someone who browses no project sees no issue type: the 404 of none.
    let lone = caller(&sim, LONE);
    for reply in [
        lone.get(PATH).await,
        lone.get("/rest/api/3/issuetype/10001/properties").await,
        lone.put(PATH, &json!(3)).await,
        lone.delete(PATH).await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
        assert_eq!(
            reply.body["errorMessages"][0],
            "The issue type with id '10001' does not exist."
        );
    }
    assert_eq!(alice.get(PATH).await.body["value"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_ids_keys_and_bodies_get_jiras_400_and_404() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    // An id that is not a number, or too long for one: 400.
    for id in [
        "abc",
        "10001%20",
        "-1",
        "123456789012345678901234567890",
        "%E2%9C%93",
    ] {
        let reply = alice
            .get(&format!("/rest/api/3/issuetype/{id}/properties"))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{id}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"][0].is_string());
    }
    // A number that names no issue type: 404.
    let missing = alice
        .put("/rest/api/3/issuetype/99/properties/k", &json!(1))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert_eq!(
        missing.body["errorMessages"][0],
        "The issue type with id '99' does not exist."
    );
    // A key past 255 characters, a body that is not JSON, a value past 32 KB.
    let long = format!("/rest/api/3/issuetype/10001/properties/{}", "k".repeat(256));
    assert_eq!(
        alice.put(&long, &json!(1)).await.status,
        StatusCode::BAD_REQUEST
    );
    let not_json = common::send(
        alice
            .request(reqwest::Method::PUT, PATH)
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
    let huge = alice.put(PATH, &json!("x".repeat(40_000))).await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST, "{}", huge.text);
    // None of them stored anything.
    assert_eq!(
        alice
            .get("/rest/api/3/issuetype/10001/properties")
            .await
            .body,
        json!({"keys": []})
    );
    sim.shutdown().await;
}

/// Through the gateway, as a Forge app's `asApp()` calls it (the service
/// account is a site admin): the app writes and reads the property, and reads
/// its preferences, with the default app scopes (`manage:jira-configuration`).
#[tokio::test]
async fn an_app_reaches_issue_type_properties_and_preferences_through_the_gateway() {
    let sim = start().await;
    let token = common::oauth::client_access_token(&sim, &sim.app_client()).await;
    let at = |path: &str| format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id());
    let put = common::send(
        common::client()
            .put(at(PATH))
            .bearer_auth(&token)
            .json(&json!({"from": "app"})),
    )
    .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text);
    let read = common::send(common::client().get(at(PATH)).bearer_auth(&token)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["value"], json!({"from": "app"}));
    let preference = common::send(
        common::client()
            .get(at(
                "/rest/api/3/mypreferences?key=user.notifications.mimetype",
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(preference.status, StatusCode::OK, "{}", preference.text);
    assert_eq!(preference.body, json!("html"));
    sim.shutdown().await;
}
