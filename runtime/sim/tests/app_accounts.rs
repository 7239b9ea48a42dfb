//! Each app served on one site is a user of its own, as each Forge app is on
//! Jira: the configured integration acts as the configured service account, as
//! it always has; every further app's integration acts as an account of
//! `accountType: "app"` named after the app, the same on every start, which
//! authors what the app writes and is the actor of the webhooks its writes
//! cause.

use kiln_sim::{Simulator, WebhookEvent};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::hook_receiver::{admin_hook, next_delivery, receiver, start_with_hooks};
use crate::common::oauth::{client_access_token, gateway};
use crate::common::{ADMIN, USER, account_id, caller, start};

/// The account `app_id`'s integration acts as on `sim`, and a token of it.
async fn app(sim: &Simulator, app_id: &str) -> (String, String) {
    let client = sim.app_client_for(app_id).expect("its integration");
    let account = sim
        .app_account_id(&client.client_id)
        .expect("an account it acts as");
    (account, client_access_token(sim, &client).await)
}

#[tokio::test]
async fn each_app_is_a_user_of_its_own() {
    let sim = start().await;
    let (first, first_token) = app(&sim, "first-app").await;
    let (second, second_token) = app(&sim, "second-app").await;
    // The first app keeps the configured service account.
    assert_eq!(first, account_id(&sim, ADMIN));
    assert_ne!(second, first);

    let me = gateway(&sim, &second_token, Method::GET, "/rest/api/3/myself", None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["accountId"], second.as_str());
    assert_eq!(me.body["accountType"], "app");
    assert_eq!(me.body["displayName"], "second-app");
    assert_eq!(me.body["active"], true);
    assert!(me.body.get("emailAddress").is_none(), "{}", me.body);
    // With the service account's groups (the admin's: site-admins among them).
    let admin = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(me.body["groups"]["size"], admin.body["groups"]["size"]);

    let first_me = gateway(&sim, &first_token, Method::GET, "/rest/api/3/myself", None).await;
    assert_eq!(first_me.body["accountId"], first.as_str());
    assert_eq!(first_me.body["accountType"], "atlassian");

    // A person finds the app's account as Jira lists one.
    let listed = caller(&sim, USER)
        .get(&format!("/rest/api/3/user?accountId={second}"))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["accountType"], "app");
    assert_eq!(listed.body["displayName"], "second-app");

    // Asking again gives the same account; a new start makes it again, the same.
    assert_eq!(app(&sim, "second-app").await.0, second);
    let restarted = start().await;
    let _ = app(&restarted, "first-app").await;
    assert_eq!(app(&restarted, "second-app").await.0, second);
}

#[tokio::test]
async fn what_an_app_writes_is_its_own_and_its_webhooks_name_it() {
    let (url, mut deliveries) = receiver().await;
    let sim = start_with_hooks(vec![admin_hook(
        &url,
        &[WebhookEvent::IssueCreated, WebhookEvent::CommentCreated],
        None,
    )])
    .await;
    let (first, first_token) = app(&sim, "first-app").await;
    let (second, second_token) = app(&sim, "second-app").await;

    // The second app may do what the first may: create an issue and comment.
    let created = gateway(
        &sim,
        &second_token,
        Method::POST,
        "/rest/api/3/issue",
        Some(
            &json!({"fields": {"project": {"key": "KILN"}, "issuetype": {"name": "Task"},
            "summary": "by the second app"}}),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "jira:issue_created");
    assert_eq!(delivery["user"]["accountId"], second.as_str());
    assert_eq!(delivery["user"]["accountType"], "app");
    assert_eq!(
        delivery["issue"]["fields"]["reporter"]["accountId"],
        second.as_str()
    );

    let comment = |token: &str, text: &str| {
        let path = format!("/rest/api/3/issue/{key}/comment");
        let body = json!({"body": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}]}});
        let sim = &sim;
        let token = token.to_owned();
        async move { gateway(sim, &token, Method::POST, &path, Some(&body)).await }
    };
    let by_second = comment(&second_token, "second").await;
    assert_eq!(by_second.status, StatusCode::CREATED, "{}", by_second.text);
    assert_eq!(by_second.body["author"]["accountId"], second.as_str());
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "comment_created");
    assert_eq!(delivery["comment"]["author"]["accountId"], second.as_str());

    let by_first = comment(&first_token, "first").await;
    assert_eq!(by_first.body["author"]["accountId"], first.as_str());
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["comment"]["author"]["accountId"], first.as_str());

    // Read back by a person: two authors, one per app.
    let read = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}/comment"))
        .await;
    let authors: Vec<&Value> = read.body["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| &c["author"]["accountId"])
        .collect();
    assert_eq!(authors, [&json!(second), &json!(first)]);
}
