//! Users' email addresses (`GET /user/email`, `GET /user/email/bulk`): served
//! to the app acting as itself (Forge's `asApp()`, the client-credentials
//! integration) through the gateway, and refused with the spec's 401 to users
//! (an API token, or the 3LO integration acting for one); the spec's limits
//! on the ids and its 404 for an unknown account.

use crate::common;

use common::oauth::{access_token, app_access_token};
use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start, start_with};
use kiln_sim::{AppClientConfig, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::json;

/// `GET path` on the gateway with `token`, read in full.
async fn gateway(sim: &Simulator, token: &str, path: &str) -> common::Reply {
    send(
        client()
            .get(format!(
                "{}/ex/jira/{}{path}",
                sim.base_url(),
                sim.cloud_id()
            ))
            .bearer_auth(token),
    )
    .await
}

/// A bulk query naming each of `ids`.
fn bulk_path(api: &str, ids: &[&str]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for id in ids {
        query.append_pair("accountId", id);
    }
    format!("/rest/api/{api}/user/email/bulk?{}", query.finish())
}

#[tokio::test]
async fn the_app_acting_as_itself_reads_any_users_email() {
    let sim = start().await;
    let app = app_access_token(&sim).await;
    let (alice, bob, carol) = (
        account_id(&sim, ADMIN),
        account_id(&sim, USER),
        account_id(&sim, OUTSIDER),
    );
    for api in ["3", "2"] {
        let one = gateway(
            &sim,
            &app,
            &format!("/rest/api/{api}/user/email?accountId={carol}"),
        )
        .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(
            one.body,
            json!({ "accountId": carol, "email": OUTSIDER }),
            "whatever the profile's visibility"
        );
        // Each account once, in the order asked for; unknown ones left out.
        let many = gateway(&sim, &app, &bulk_path(api, &[&bob, "nobody", &alice, &bob])).await;
        assert_eq!(many.status, StatusCode::OK, "{}", many.text);
        assert_eq!(
            many.body,
            json!([
                { "accountId": bob, "email": USER },
                { "accountId": alice, "email": ADMIN },
            ])
        );
        let none = gateway(&sim, &app, &bulk_path(api, &["nobody"])).await;
        assert_eq!(none.body, json!([]));
        // Against the spec: each user an `UnrestrictedUserEmail`. The spec
        // gives the bulk answer that one-object schema; Jira answers an array
        // of them, each checked.
        let contract = crate::contract::Contract::new();
        contract.check_ref("getUserEmail", "UnrestrictedUserEmail", &one.body);
        for user in many.body.as_array().expect("an array") {
            contract.check_ref("getUserEmailBulk", "UnrestrictedUserEmail", user);
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn ids_are_required_bounded_and_must_name_a_user() {
    let sim = start().await;
    let app = app_access_token(&sim).await;
    let unknown = gateway(&sim, &app, "/rest/api/3/user/email?accountId=nobody").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert!(
        unknown.body["errorMessages"][0].is_string(),
        "{}",
        unknown.text
    );
    let longest = "é".repeat(128);
    let too_long = "x".repeat(129);
    let found_nothing = gateway(
        &sim,
        &app,
        &format!("/rest/api/3/user/email?accountId={longest}"),
    )
    .await;
    assert_eq!(found_nothing.status, StatusCode::NOT_FOUND);
    let most: Vec<String> = (0..128).map(|n| format!("id-{n}")).collect();
    let most: Vec<&str> = most.iter().map(String::as_str).collect();
    assert_eq!(
        gateway(&sim, &app, &bulk_path("3", &most)).await.status,
        StatusCode::OK
    );
    let mut too_many = most.clone();
    too_many.push("one-more");
    for path in [
        String::from("/rest/api/3/user/email"),
        String::from("/rest/api/3/user/email?accountId="),
        format!("/rest/api/3/user/email?accountId={too_long}"),
        String::from("/rest/api/3/user/email?accountId=a&accountId=b"),
        String::from("/rest/api/3/user/email/bulk"),
        String::from("/rest/api/3/user/email/bulk?accountId="),
        bulk_path("3", &[&too_long]),
        bulk_path("3", &too_many),
    ] {
        let refused = gateway(&sim, &app, &path).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            refused.text
        );
        assert!(
            refused.body["errorMessages"][0].is_string() || refused.body["errors"].is_object(),
            "{path}: {}",
            refused.text
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn users_and_apps_acting_for_them_get_the_specs_401() {
    let sim = start().await;
    let carol = account_id(&sim, OUTSIDER);
    let one = format!("/rest/api/3/user/email?accountId={carol}");
    let bulk = bulk_path("3", &[&carol]);
    // An API token, even a site admin's, is a user.
    for path in [&one, &bulk] {
        let refused = caller(&sim, ADMIN).get(path).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
        assert!(
            refused.body["errorMessages"][0].is_string(),
            "{}",
            refused.text
        );
        assert!(!refused.text.contains(OUTSIDER), "no email in a refusal");
    }
    // The 3LO integration holds the scope but acts for Alice.
    let as_user = access_token(&sim, "read:email-address:jira").await;
    for path in [&one, &bulk] {
        let refused = gateway(&sim, &as_user, path).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
        assert!(!refused.text.contains(OUTSIDER));
    }
    // Anonymous: the site's 401.
    let anonymous = send(client().get(format!("{}{one}", sim.base_url()))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_app_needs_the_email_scope() {
    let sim = start_with(SimConfig {
        app_client: AppClientConfig {
            scopes: vec![String::from("read:jira-user")],
            ..AppClientConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    let app = app_access_token(&sim).await;
    let carol = account_id(&sim, OUTSIDER);
    let refused = gateway(
        &sim,
        &app,
        &format!("/rest/api/3/user/email?accountId={carol}"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body["message"],
        "Unauthorized; scope does not match"
    );
    sim.shutdown().await;
}
