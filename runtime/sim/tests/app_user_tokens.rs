//! Each app's own API token of the person its `asUser()` acts as
//! (`Simulator::user_token_for`): that person in all it reads and writes, but
//! the webhooks of its writes name the app to admin webhooks
//! (`kilnActingApp`, Kiln's extension), as Forge knows which app an
//! `asUser()` call came from.

use kiln_sim::{ACTING_APP_FIELD, AppUserToken, Simulator, WebhookEvent};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::hook_receiver::{
    admin_hook, next_delivery, nothing_more, receiver, start_with_hooks,
};
use crate::common::oauth::{client_access_token, gateway};
use crate::common::{ADMIN, Reply, account_id, caller, client, send, start};

/// Integration `app_id`'s client id and the user token its app was given.
fn app(sim: &Simulator, app_id: &str) -> (String, AppUserToken) {
    let client = sim.app_client_for(app_id).expect("its integration");
    let token = sim
        .user_token_for(&client.client_id)
        .expect("a user token for an app given an integration");
    (client.client_id, token)
}

async fn with_token(
    sim: &Simulator,
    token: &AppUserToken,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let mut request = client()
        .request(method, format!("{}{path}", sim.base_url()))
        .basic_auth(&token.email, Some(&token.token));
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

fn comment_body(text: &str) -> Value {
    json!({"body": {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}]}})
}

#[tokio::test]
async fn an_apps_user_token_acts_as_the_same_person() {
    let sim = start().await;
    // The configured integration is given to no app yet: no token.
    assert_eq!(sim.user_token_for(&sim.app_client().client_id), None);
    assert_eq!(sim.user_token_for("no-such-client"), None);
    let (_, a) = app(&sim, "app-a");
    let (_, b) = app(&sim, "app-b");
    assert_eq!(a.email, ADMIN);
    assert_ne!(a.token, b.token);
    assert_ne!(a.token, crate::common::user(&sim, ADMIN).api_token);
    assert!(
        !format!("{a:?}").contains(&a.token),
        "Debug hides the token"
    );
    // Asked again, the same.
    assert_eq!(app(&sim, "app-a").1, a);

    let person = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    for token in [&a, &b] {
        let me = with_token(&sim, token, Method::GET, "/rest/api/3/myself", None).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body, person.body, "the same person, the same /myself");
    }
    // Only with its person's email.
    let other = AppUserToken {
        email: String::from(crate::common::USER),
        token: a.token.clone(),
    };
    let refused = with_token(&sim, &other, Method::GET, "/rest/api/3/myself", None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // No signing in with it: consent is a person's.
    let consent = client()
        .post(format!("{}/authorize/consent", sim.base_url()))
        .basic_auth(&a.email, Some(&a.token))
        .form(&[("consent_id", "none"), ("decision", "approve")])
        .send()
        .await
        .expect("sent");
    assert_eq!(consent.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_write_with_an_apps_user_token_names_the_app_to_admin_webhooks() {
    let (url, mut deliveries) = receiver().await;
    let sim = start_with_hooks(vec![admin_hook(
        &url,
        &[WebhookEvent::IssueCreated, WebhookEvent::CommentCreated],
        None,
    )])
    .await;
    let (a_client, a) = app(&sim, "app-a");
    let (b_client, b) = app(&sim, "app-b");
    let admin = account_id(&sim, ADMIN);

    let created = with_token(
        &sim,
        &a,
        Method::POST,
        "/rest/api/3/issue",
        Some(
            &json!({"fields": {"project": {"key": "KILN"}, "issuetype": {"name": "Task"},
            "summary": "by app A as the user"}}),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "jira:issue_created");
    assert_eq!(delivery["user"]["accountId"], admin.as_str());
    assert_eq!(delivery[ACTING_APP_FIELD], a_client.as_str());
    assert_eq!(
        delivery["issue"]["fields"]["reporter"]["accountId"],
        admin.as_str()
    );

    // App B's comment as the same person: the person authors it, B acted.
    let path = format!("/rest/api/3/issue/{key}/comment");
    let by_b = with_token(&sim, &b, Method::POST, &path, Some(&comment_body("b"))).await;
    assert_eq!(by_b.status, StatusCode::CREATED, "{}", by_b.text);
    assert_eq!(by_b.body["author"]["accountId"], admin.as_str());
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "comment_created");
    assert_eq!(delivery["comment"]["author"]["accountId"], admin.as_str());
    assert_eq!(delivery[ACTING_APP_FIELD], b_client.as_str());

    // The person's own API token: no app acted.
    let by_person = caller(&sim, ADMIN).post(&path, &comment_body("me")).await;
    assert_eq!(by_person.status, StatusCode::CREATED, "{}", by_person.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "comment_created");
    assert!(delivery.get(ACTING_APP_FIELD).is_none(), "{delivery}");

    // An app's own calls (`asApp()`) name it too.
    let integration = sim.app_client_for("app-b").expect("B's integration");
    let token = client_access_token(&sim, &integration).await;
    let by_app = gateway(
        &sim,
        &token,
        Method::POST,
        &path,
        Some(&comment_body("app")),
    )
    .await;
    assert_eq!(by_app.status, StatusCode::CREATED, "{}", by_app.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery[ACTING_APP_FIELD], b_client.as_str());
    nothing_more(&mut deliveries).await;
    sim.shutdown().await;
}
