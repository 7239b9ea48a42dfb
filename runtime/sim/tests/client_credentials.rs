//! The client-credentials grant of the app's service account: tokens carry the
//! client's configured scopes, act as its account, expire on schedule and come
//! without a refresh token; the gateway checks them as it checks 3LO tokens.

use crate::common;

use std::time::Duration;

use common::oauth::{app_grant, gateway_get, token};
use common::{ADMIN, USER, client, json, user};
use kiln_sim::{AppClientConfig, AuthKind, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::json;

async fn start_with(app_client: AppClientConfig) -> Simulator {
    Simulator::start(SimConfig {
        app_client,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

#[tokio::test]
async fn a_service_account_token_reaches_the_gateway_as_its_account() {
    let sim = start_with(AppClientConfig {
        acts_as: USER.to_owned(),
        scopes: vec!["read:jira-user".to_owned(), "offline_access".to_owned()],
        ..AppClientConfig::default()
    })
    .await;
    let issued = token(&sim, app_grant(&sim)).await;
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let body = json(issued).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(
        body["scope"], "read:jira-user",
        "offline_access is never granted to a client acting as itself"
    );
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = body["access_token"].as_str().expect("access token");

    let me = gateway_get(&sim, access, "/rest/api/3/myself").await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        json(me).await["accountId"],
        user(&sim, USER).account_id.as_str()
    );

    // Its scopes are the configured ones: no read:jira-work, no issue.
    let issue = gateway_get(&sim, access, "/rest/api/3/issue/KILN-1").await;
    assert_eq!(issue.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json(issue).await["message"],
        "Unauthorized; scope does not match"
    );
    // A bearer token is no good on the site itself.
    let site = client()
        .get(format!("{}/rest/api/3/myself", sim.base_url()))
        .bearer_auth(access)
        .send()
        .await
        .expect("sent");
    assert_eq!(site.status(), StatusCode::UNAUTHORIZED);

    let logged = sim.requests();
    assert!(
        logged
            .iter()
            .any(|r| r.path.ends_with("/rest/api/3/myself") && r.auth == AuthKind::Bearer)
    );
    let text = format!("{logged:?}");
    assert!(!text.contains(access) && !text.contains(&sim.app_client().client_secret));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_or_the_3lo_client_is_refused_without_echo() {
    let sim = start_with(AppClientConfig::default()).await;
    let mut wrong = app_grant(&sim);
    wrong["client_secret"] = json!("kiln-canary-wrong-secret");
    let refused = token(&sim, wrong).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let text = refused.text().await.expect("body");
    assert!(text.contains("access_denied") && !text.contains("kiln-canary"));

    // The 3LO app's credentials do not authenticate the service account.
    let three_legged = token(
        &sim,
        json!({
            "grant_type": "client_credentials",
            "client_id": sim.oauth_client().client_id,
            "client_secret": sim.oauth_client().client_secret,
        }),
    )
    .await;
    assert_eq!(three_legged.status(), StatusCode::UNAUTHORIZED);

    // Nor do the service account's credentials redeem 3LO grants.
    let mut refresh = app_grant(&sim);
    refresh["grant_type"] = json!("refresh_token");
    refresh["refresh_token"] = json!("anything");
    assert_eq!(
        token(&sim, refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_new_one_works() {
    let sim = start_with(AppClientConfig {
        access_token_lifetime: Duration::ZERO,
        ..AppClientConfig::default()
    })
    .await;
    let expired = json(token(&sim, app_grant(&sim)).await).await;
    assert_eq!(expired["expires_in"], 0);
    let access = expired["access_token"].as_str().expect("token");
    assert_eq!(
        gateway_get(&sim, access, "/rest/api/3/myself")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    sim.shutdown().await;

    let sim = start_with(AppClientConfig::default()).await;
    let first = json(token(&sim, app_grant(&sim)).await).await;
    let second = json(token(&sim, app_grant(&sim)).await).await;
    assert_ne!(first["access_token"], second["access_token"]);
    for issued in [&first, &second] {
        let access = issued["access_token"].as_str().expect("token");
        let me = gateway_get(&sim, access, "/rest/api/3/myself").await;
        assert_eq!(me.status(), StatusCode::OK, "both stay valid until expiry");
        assert_eq!(
            json(me).await["accountId"],
            user(&sim, ADMIN).account_id.as_str(),
            "the site admin by default"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_service_account_without_a_user_is_refused() {
    let sim = start_with(AppClientConfig {
        acts_as: "nobody@example.com".to_owned(),
        ..AppClientConfig::default()
    })
    .await;
    let refused = token(&sim, app_grant(&sim)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(refused).await["error"], "unauthorized_client");
    sim.shutdown().await;
}

#[tokio::test]
async fn on_a_seed_without_the_default_admin_the_service_account_acts_as_its_site_admin() {
    // A `--seed` file of its own people: the default stand-in (the default seed's
    // admin) is not there, so the service account acts as the seed's first site admin
    // rather than failing every asApp() call.
    let seed: kiln_sim::Seed = serde_json::from_value(json!({
        "users": [
            { "accountId": "712020:ops-admin", "email": "ops-admin@example.com",
              "displayName": "Ops Admin", "siteAdmin": true },
            { "accountId": "712020:dev", "email": "dev@example.com", "displayName": "Dev" },
        ],
    }))
    .expect("a seed");
    let sim = Simulator::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let issued = token(&sim, app_grant(&sim)).await;
    assert_eq!(issued.status(), StatusCode::OK);
    let access = json(issued).await["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let me = gateway_get(&sim, &access, "/rest/api/3/myself").await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(json(me).await["accountId"], "712020:ops-admin");
    sim.shutdown().await;
}
