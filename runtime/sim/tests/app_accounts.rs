//! Each app served on one site is a user of its own, as each Forge app is on
//! Jira: every app's integration, the one given the configured integration
//! included, acts as an account of `accountType: "app"` named after the app,
//! the same on every start, which authors what the app writes and is the actor
//! of the webhooks its writes cause. Its access is its own: made as the
//! service account's, then changed through the APIs that change any user's.

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
    // The first app, given the configured integration, is a user of its own
    // too: not the person the configured integration names.
    assert_ne!(first, account_id(&sim, ADMIN));
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
    assert_eq!(first_me.body["accountType"], "app");
    assert_eq!(first_me.body["displayName"], "first-app");

    // A person finds the app's account as Jira lists one.
    let listed = caller(&sim, USER)
        .get(&format!("/rest/api/3/user?accountId={second}"))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["accountType"], "app");
    assert_eq!(listed.body["displayName"], "second-app");

    // Asking again gives the same account; a new start makes it again, the
    // same, whichever app asks first.
    assert_eq!(app(&sim, "second-app").await.0, second);
    assert_eq!(app(&sim, "first-app").await.0, first);
    let restarted = start().await;
    assert_eq!(app(&restarted, "second-app").await.0, second);
    assert_eq!(app(&restarted, "first-app").await.0, first);
}

/// The configured integration, given to no app, acts as the seeded person it
/// names (a host or script calling with it directly); once an app is given
/// it, a token issued from then on acts as that app's account.
#[tokio::test]
async fn the_configured_integration_acts_as_its_person_until_an_app_is_given_it() {
    let sim = start().await;
    let configured = sim.app_client();
    assert_eq!(
        sim.app_account_id(&configured.client_id),
        Some(account_id(&sim, ADMIN))
    );
    let before = client_access_token(&sim, &configured).await;
    let me = gateway(&sim, &before, Method::GET, "/rest/api/3/myself", None).await;
    assert_eq!(me.body["accountId"], account_id(&sim, ADMIN).as_str());

    let (account, token) = app(&sim, "only-app").await;
    assert_eq!(
        sim.app_client_for("only-app").unwrap().client_id,
        configured.client_id
    );
    assert_eq!(
        sim.app_account_id(&configured.client_id),
        Some(account.clone())
    );
    let me = gateway(&sim, &token, Method::GET, "/rest/api/3/myself", None).await;
    assert_eq!(me.body["accountId"], account.as_str());
    assert_eq!(me.body["accountType"], "app");
}

/// An app account's access is its own, as an app user's is on Jira: a change
/// to the service account it was made from does not reach it, and a site
/// admin changes it through the APIs that change any user's.
#[tokio::test]
async fn an_app_accounts_grants_are_its_own_and_changed_through_the_apis() {
    let sim = start().await;
    let (account, token) = app(&sim, "granted-app").await;
    let admin = caller(&sim, ADMIN);
    let groups_of = |token: String| {
        let sim = &sim;
        async move {
            let me = gateway(
                sim,
                &token,
                Method::GET,
                "/rest/api/3/myself?expand=groups",
                None,
            )
            .await;
            assert_eq!(me.status, StatusCode::OK, "{}", me.text);
            me.body["groups"]["items"]
                .as_array()
                .expect("groups")
                .iter()
                .filter_map(|g| g["name"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };

    let created = admin
        .post("/rest/api/3/group", &json!({ "name": "release-managers" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let added = |who: String| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/rest/api/3/group/user?groupname=release-managers",
                    &json!({ "accountId": who }),
                )
                .await
        }
    };
    // The service account joins: the app does not follow it.
    let person = added(account_id(&sim, ADMIN)).await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.text);
    assert!(
        !groups_of(token.clone())
            .await
            .contains(&"release-managers".to_owned())
    );
    // The app account is added by its own id, as any user is.
    let app_added = added(account.clone()).await;
    assert_eq!(app_added.status, StatusCode::CREATED, "{}", app_added.text);
    assert!(
        groups_of(token.clone())
            .await
            .contains(&"release-managers".to_owned())
    );
    let members = admin
        .get("/rest/api/3/group/member?groupname=release-managers")
        .await;
    assert!(
        members.body["values"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["accountId"] == account.as_str() && m["accountType"] == "app"),
        "{}",
        members.text
    );
    let removed = admin
        .delete(&format!(
            "/rest/api/3/group/user?groupname=release-managers&accountId={account}"
        ))
        .await;
    assert!(removed.status.is_success(), "{}", removed.text);
    assert!(
        !groups_of(token.clone())
            .await
            .contains(&"release-managers".to_owned())
    );

    // A project created after the app's account was made grants it what the
    // site's default scheme grants every user: the app browses and writes it.
    let project = admin
        .post(
            "/rest/api/3/project",
            &json!({ "key": "LATER", "name": "Later", "leadAccountId": account_id(&sim, USER),
                     "projectTypeKey": "software" }),
        )
        .await;
    assert_eq!(project.status, StatusCode::CREATED, "{}", project.text);
    let read = gateway(&sim, &token, Method::GET, "/rest/api/3/project/LATER", None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let issue = gateway(
        &sim,
        &token,
        Method::POST,
        "/rest/api/3/issue",
        Some(
            &json!({"fields": {"project": {"key": "LATER"}, "issuetype": {"name": "Task"},
            "summary": "in a later project"}}),
        ),
    )
    .await;
    assert_eq!(issue.status, StatusCode::CREATED, "{}", issue.text);
    assert_eq!(
        issue.body["key"].as_str().map(|k| k.starts_with("LATER-")),
        Some(true)
    );
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
