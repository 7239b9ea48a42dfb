//! The OAuth 2.0 (3LO) round trip and the scope-checking gateway.

use crate::common;

use std::time::Duration;

use common::oauth::{CALLBACK, approve, authorize, code_grant, gateway_get, redirect_param, token};
use common::{ADMIN, as_user, client, json, start};
use kiln_sim::{AuthKind, OAuthClientConfig, SimConfig, Simulator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Drives authorize → consent → code for Alice; returns the code.
async fn authorization_code(sim: &Simulator, scope: &str) -> String {
    let authorize = authorize(sim, scope, "xyz-state").await;
    assert_eq!(authorize.status(), StatusCode::OK);
    let consent = json(authorize).await;
    let consent_id = consent["consent"]["consent_id"]
        .as_str()
        .expect("consent id")
        .to_owned();

    let anonymous = client()
        .post(format!("{}/authorize/consent", sim.base_url()))
        .form(&[("consent_id", consent_id.as_str()), ("decision", "approve")])
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let approved = approve(sim, &consent_id).await;
    assert_eq!(approved.status(), StatusCode::FOUND);
    let location = approved.headers()["location"].to_str().expect("ascii");
    assert!(location.starts_with(CALLBACK));
    assert_eq!(
        redirect_param(location, "state").as_deref(),
        Some("xyz-state")
    );
    redirect_param(location, "code").expect("code")
}

fn refresh_grant(sim: &Simulator, refresh: &str) -> Value {
    json!({
        "grant_type": "refresh_token",
        "client_id": sim.oauth_client().client_id,
        "client_secret": sim.oauth_client().client_secret,
        "refresh_token": refresh,
    })
}

#[tokio::test]
async fn three_legged_round_trip_with_rotating_refresh_tokens() {
    let sim = start().await;
    let code = authorization_code(&sim, "read:jira-work read:jira-user offline_access").await;

    let bad_secret = token(
        &sim,
        json!({
            "grant_type": "authorization_code", "client_id": sim.oauth_client().client_id,
            "client_secret": "wrong", "code": code, "redirect_uri": CALLBACK,
        }),
    )
    .await;
    assert_eq!(bad_secret.status(), StatusCode::UNAUTHORIZED);

    let first = token(&sim, code_grant(&sim, &code)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let first = json(first).await;
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 3600);
    let access = first["access_token"].as_str().expect("access").to_owned();
    let refresh_1 = first["refresh_token"].as_str().expect("refresh").to_owned();

    let replayed_code = token(&sim, code_grant(&sim, &code)).await;
    assert_eq!(replayed_code.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(replayed_code).await["error"], "invalid_grant");

    // A replayed code revokes what it issued: start again for the refresh chain.
    let code = authorization_code(&sim, "read:jira-work read:jira-user offline_access").await;
    let fresh = json(token(&sim, code_grant(&sim, &code)).await).await;
    let refresh_1_fresh = fresh["refresh_token"].as_str().expect("refresh").to_owned();
    assert_ne!(refresh_1_fresh, refresh_1);
    let gone = gateway_get(&sim, &access, "/rest/api/3/myself").await;
    assert_eq!(
        gone.status(),
        StatusCode::UNAUTHORIZED,
        "tokens of a replayed code are revoked"
    );

    let resources = client()
        .get(format!(
            "{}/oauth/token/accessible-resources",
            sim.base_url()
        ))
        .bearer_auth(fresh["access_token"].as_str().expect("access"))
        .send()
        .await
        .expect("sent");
    let resources = json(resources).await;
    assert_eq!(resources[0]["id"], sim.cloud_id());
    assert_eq!(resources[0]["url"], sim.base_url());

    let second = json(token(&sim, refresh_grant(&sim, &refresh_1_fresh)).await).await;
    let refresh_2 = second["refresh_token"]
        .as_str()
        .expect("rotated refresh")
        .to_owned();
    assert_ne!(refresh_2, refresh_1_fresh);
    let access_2 = second["access_token"].as_str().expect("access").to_owned();
    assert_eq!(
        gateway_get(&sim, &access_2, "/rest/api/3/myself")
            .await
            .status(),
        StatusCode::OK
    );

    let reuse = token(&sim, refresh_grant(&sim, &refresh_1_fresh)).await;
    assert_eq!(reuse.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(reuse).await["error"], "invalid_grant");
    let after_reuse = token(&sim, refresh_grant(&sim, &refresh_2)).await;
    assert_eq!(
        after_reuse.status(),
        StatusCode::FORBIDDEN,
        "reuse revokes the whole family"
    );
    assert_eq!(
        gateway_get(&sim, &access_2, "/rest/api/3/myself")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_checks_each_operations_scopes() {
    let sim = start().await;
    let code = authorization_code(&sim, "read:jira-work").await;
    let tokens = json(token(&sim, code_grant(&sim, &code)).await).await;
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let access = tokens["access_token"].as_str().expect("access").to_owned();

    let issue = gateway_get(&sim, &access, "/rest/api/3/issue/KILN-1").await;
    assert_eq!(issue.status(), StatusCode::OK);
    let issue = json(issue).await;
    let gateway_base = format!("{}/ex/jira/{}", sim.base_url(), sim.cloud_id());
    assert!(
        issue["self"]
            .as_str()
            .is_some_and(|s| s.starts_with(&gateway_base))
    );

    let myself = gateway_get(&sim, &access, "/rest/api/3/myself").await;
    assert_eq!(
        myself.status(),
        StatusCode::UNAUTHORIZED,
        "read:jira-user missing"
    );
    assert_eq!(
        json(myself).await["message"],
        "Unauthorized; scope does not match"
    );
    // REST API v2: v3's operations, v3's scopes.
    let v2_issue = gateway_get(&sim, &access, "/rest/api/2/issue/KILN-1").await;
    assert_eq!(v2_issue.status(), StatusCode::OK);
    let v2_myself = gateway_get(&sim, &access, "/rest/api/2/myself").await;
    assert_eq!(v2_myself.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json(v2_myself).await["message"],
        "Unauthorized; scope does not match"
    );

    let write = client()
        .post(format!("{gateway_base}/rest/api/3/issue/KILN-1/comment"))
        .bearer_auth(&access)
        .json(&json!({ "body": { "type": "doc", "version": 1, "content": [] } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        write.status(),
        StatusCode::UNAUTHORIZED,
        "write:jira-work missing"
    );

    let wrong_site = client()
        .get(format!(
            "{}/ex/jira/not-this-site/rest/api/3/issue/KILN-1",
            sim.base_url()
        ))
        .bearer_auth(&access)
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong_site.status(), StatusCode::NOT_FOUND);

    let on_site = client()
        .get(format!("{}/rest/api/3/issue/KILN-1", sim.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        on_site.status(),
        StatusCode::UNAUTHORIZED,
        "3LO tokens only work through the gateway"
    );

    let basic_at_gateway = as_user(
        &sim,
        Method::GET,
        ADMIN,
        &format!("/ex/jira/{}/rest/api/3/myself", sim.cloud_id()),
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(basic_at_gateway.status(), StatusCode::UNAUTHORIZED);

    let ops = client()
        .get(format!(
            "{}/jsm/ops/api/{}/v1/schedules",
            sim.base_url(),
            sim.cloud_id()
        ))
        .bearer_auth(&access)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        ops.status(),
        StatusCode::UNAUTHORIZED,
        "a bearer token is refused on the API-token Ops URL"
    );

    let bearer_entries: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.auth == AuthKind::Bearer)
        .collect();
    assert!(
        bearer_entries
            .iter()
            .any(|r| r.status == 200 && r.path.ends_with("/issue/KILN-1"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn access_tokens_expire() {
    let config = SimConfig {
        oauth: OAuthClientConfig {
            access_token_lifetime: Duration::ZERO,
            ..OAuthClientConfig::default()
        },
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.expect("starts");
    let code = authorization_code(&sim, "read:jira-work").await;
    let tokens = json(token(&sim, code_grant(&sim, &code)).await).await;
    let expired = gateway_get(
        &sim,
        tokens["access_token"].as_str().expect("access"),
        "/rest/api/3/issue/KILN-1",
    )
    .await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        sim.requests().last().map(|r| r.auth),
        Some(AuthKind::Invalid)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn authorize_refuses_unregistered_clients_and_redirects() {
    let sim = start().await;
    let authorize = |client_id: &str, redirect: &str| {
        client()
            .get(format!("{}/authorize", sim.base_url()))
            .query(&[
                ("audience", "api.atlassian.com"),
                ("client_id", client_id),
                ("scope", "read:jira-work"),
                ("redirect_uri", redirect),
                ("state", "s"),
                ("response_type", "code"),
            ])
            .send()
    };
    let unknown_client = authorize("someone-else", CALLBACK).await.expect("sent");
    assert_eq!(unknown_client.status(), StatusCode::BAD_REQUEST);
    let off_machine = authorize(&sim.oauth_client().client_id, "https://evil.example/cb")
        .await
        .expect("sent");
    assert_eq!(off_machine.status(), StatusCode::BAD_REQUEST);
    assert!(off_machine.headers().get("location").is_none());

    let denied = {
        let consent = json(
            authorize(&sim.oauth_client().client_id, CALLBACK)
                .await
                .expect("sent"),
        )
        .await;
        as_user(&sim, Method::POST, ADMIN, "/authorize/consent")
            .form(&[
                (
                    "consent_id",
                    consent["consent"]["consent_id"].as_str().expect("id"),
                ),
                ("decision", "deny"),
            ])
            .send()
            .await
            .expect("sent")
    };
    assert_eq!(denied.status(), StatusCode::FOUND);
    assert!(
        denied.headers()["location"]
            .to_str()
            .expect("ascii")
            .contains("error=access_denied")
    );
    sim.shutdown().await;
}
