//! The Ops API's two URLs: `/jsm/ops/api/{cloudId}/v1` for API tokens (basic
//! auth) and `/ex/jira/{cloudId}/jsm/ops/api/v1` for OAuth 2.0 (3LO) apps, each
//! with its own credential only, the OAuth one scope-checked.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::caller;
use super::{SEEDED_TEAM, checked};
use crate::common::oauth::access_token;
use crate::common::{ADMIN, as_user, client, ops, send, start};
use kiln_sim::Simulator;

const CONFIG: &str =
    "read:ops-config:jira-service-management write:ops-config:jira-service-management";

fn oauth_url(cloud_id: &str, rest: &str) -> String {
    format!("/ex/jira/{cloud_id}/jsm/ops/api/v1{rest}")
}

async fn bearer(
    sim: &Simulator,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> crate::common::Reply {
    let mut request = client()
        .request(method.clone(), format!("{}{path}", sim.base_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    checked(&method, path, send(request).await)
}

#[tokio::test]
async fn oauth_apps_use_the_gateway_url_and_api_tokens_the_ops_url() {
    let sim = start().await;
    let token = access_token(&sim, CONFIG).await;
    let cloud_id = sim.cloud_id().to_owned();

    let teams = bearer(
        &sim,
        &token,
        Method::GET,
        &oauth_url(&cloud_id, "/teams"),
        None,
    )
    .await;
    assert_eq!(teams.status, StatusCode::OK, "{}", teams.body);
    assert_eq!(teams.body["platformTeams"][0]["teamId"], SEEDED_TEAM);
    let created = bearer(
        &sim,
        &token,
        Method::POST,
        &oauth_url(&cloud_id, "/schedules"),
        Some(json!({ "name": "From 3LO", "teamId": SEEDED_TEAM })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // The same schedule through the API-token URL, as Alice with basic auth.
    let path = ops(&sim, &format!("/schedules/{}", created.str_at("/id")));
    assert_eq!(
        caller(&sim, ADMIN).get(&path).await.body["name"],
        "From 3LO"
    );

    // Each URL refuses the other's credential, in the Ops 401 shape.
    let bearer_on_token_url = bearer(&sim, &token, Method::GET, &ops(&sim, "/teams"), None).await;
    assert_eq!(bearer_on_token_url.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bearer_on_token_url.body["code"], 401);
    let gateway = oauth_url(&cloud_id, "/teams");
    let basic_on_gateway = checked(
        &Method::GET,
        &gateway,
        send(as_user(&sim, Method::GET, ADMIN, &gateway)).await,
    );
    assert_eq!(basic_on_gateway.status, StatusCode::UNAUTHORIZED);
    assert_eq!(basic_on_gateway.body["code"], 401);

    // Scopes: no alert scope, no alerts; another site's cloud id is not found.
    let alerts = bearer(
        &sim,
        &token,
        Method::GET,
        &oauth_url(&cloud_id, "/alerts"),
        None,
    )
    .await;
    assert_eq!(alerts.status, StatusCode::UNAUTHORIZED);
    let elsewhere = oauth_url("00000000-0000-0000-0000-000000000000", "/teams");
    let wrong_site = bearer(&sim, &token, Method::GET, &elsewhere, None).await;
    assert_eq!(wrong_site.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_site.body["errors"][0]["code"], "NOT_FOUND");
    // No operation through the gateway: the Ops 404, not a scope error.
    let unknown = bearer(
        &sim,
        &token,
        Method::GET,
        &oauth_url(&cloud_id, "/escalations"),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}
