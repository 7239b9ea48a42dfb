//! The OAuth side of the simulator as its tests drive it: the authorize and
//! consent steps, the token endpoint and a bearer call through the gateway.
//! One copy for the 3LO, client-credentials and Ops gateway tests.

use kiln_sim::{AppClientConfig, Simulator};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use url::Url;

use super::{ADMIN, Reply, as_user, client, send};

/// The redirect URI the tests' 3LO client uses (nothing listens on it: the
/// tests read the code from the redirect's `Location`).
pub const CALLBACK: &str = "http://127.0.0.1:8765/callback";

/// `GET /authorize` for the 3LO client with `scope` and `state`, as a browser
/// arrives from an app: the answer is the consent screen.
pub async fn authorize(sim: &Simulator, scope: &str, state: &str) -> Response {
    client()
        .get(format!("{}/authorize", sim.base_url()))
        .query(&[
            ("audience", "api.atlassian.com"),
            ("client_id", sim.oauth_client().client_id.as_str()),
            ("scope", scope),
            ("redirect_uri", CALLBACK),
            ("state", state),
            ("response_type", "code"),
            ("prompt", "consent"),
        ])
        .send()
        .await
        .expect("sent")
}

/// Alice approves consent `consent_id`: the answer redirects to [`CALLBACK`].
pub async fn approve(sim: &Simulator, consent_id: &str) -> Response {
    as_user(sim, Method::POST, ADMIN, "/authorize/consent")
        .form(&[("consent_id", consent_id), ("decision", "approve")])
        .send()
        .await
        .expect("sent")
}

/// The query parameter `name` of a redirect's `location`.
pub fn redirect_param(location: &str, name: &str) -> Option<String> {
    Url::parse(location)
        .expect("redirect URL")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `POST /oauth/token` with `body`.
pub async fn token(sim: &Simulator, body: Value) -> Response {
    client()
        .post(format!("{}/oauth/token", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("sent")
}

/// The authorization-code grant that exchanges `code` for the 3LO client.
pub fn code_grant(sim: &Simulator, code: &str) -> Value {
    json!({
        "grant_type": "authorization_code",
        "client_id": sim.oauth_client().client_id,
        "client_secret": sim.oauth_client().client_secret,
        "code": code,
        "redirect_uri": CALLBACK,
    })
}

/// An access token Alice grants the 3LO client for `scope`, by the whole
/// round trip (authorize, approve, exchange the code).
pub async fn access_token(sim: &Simulator, scope: &str) -> String {
    let consent: Value = authorize(sim, scope, "s")
        .await
        .json()
        .await
        .expect("consent JSON");
    let consent_id = consent["consent"]["consent_id"].as_str().expect("id");
    let approved = approve(sim, consent_id).await;
    let location = approved.headers()["location"].to_str().expect("ascii");
    let code = redirect_param(location, "code").expect("code");
    let tokens: Value = token(sim, code_grant(sim, &code))
        .await
        .json()
        .await
        .expect("tokens");
    tokens["access_token"].as_str().expect("access").to_owned()
}

/// The client-credentials grant of the app's service account.
pub fn app_grant(sim: &Simulator) -> Value {
    client_grant(&sim.app_client())
}

/// The client-credentials grant of the app integration `app` describes.
pub fn client_grant(app: &AppClientConfig) -> Value {
    json!({
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    })
}

/// An access token of the app's service account (client credentials).
pub async fn app_access_token(sim: &Simulator) -> String {
    client_access_token(sim, &sim.app_client()).await
}

/// An access token of the app integration `app` describes (client credentials).
pub async fn client_access_token(sim: &Simulator, app: &AppClientConfig) -> String {
    let tokens: Value = token(sim, client_grant(app))
        .await
        .json()
        .await
        .expect("tokens");
    tokens["access_token"].as_str().expect("access").to_owned()
}

/// `method path` on the site's API through the gateway with `access`, as
/// Forge's `requestJira` calls.
pub async fn gateway(
    sim: &Simulator,
    access: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let url = format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id());
    let request = client().request(method, url).bearer_auth(access);
    send(match body {
        Some(body) => request.json(body),
        None => request,
    })
    .await
}

/// `GET path` on the site's platform API through the gateway, with `access`.
pub async fn gateway_get(sim: &Simulator, access: &str, path: &str) -> Response {
    client()
        .get(format!(
            "{}/ex/jira/{}{path}",
            sim.base_url(),
            sim.cloud_id()
        ))
        .bearer_auth(access)
        .send()
        .await
        .expect("sent")
}
