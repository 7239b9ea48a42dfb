//! A site whose credentials are a 3LO login: its dynamic webhooks' deliveries are
//! authenticated as Jira authenticates them to OAuth 2.0 apps (a bearer JWT, HS256 under the
//! app's client secret), and `runtime serve` runs only what carries a valid one.
//!
//! The site is a simulator of its own (not the embedded one), logged into by the 3LO
//! authorization-code flow as a person would (authorize, consent, code exchange); the login
//! is saved as `runtime login` saves it and named by `[[site]] login`. The dynamic webhook is
//! registered here, through the site's API with the login's token (serve registering it
//! itself is not built yet, see docs/serve.md): the simulator then delivers a new issue to
//! serve with its bearer JWT, and the app's comment appears on the site. Unauthenticated and
//! forged deliveries are answered 401 and run nothing.

use std::time::Duration;

use kiln_runtime::oauth::{OAuthSession, TokenStore};
use kiln_sim::{SimConfig, Simulator};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

use crate::consent::{manifest_without_schedule, serve_app_component};
use crate::support::{
    self, APP_ACCOUNT, PERSON, Serve, client, comment_bodies, issue_created, wait_for,
};

const CALLBACK: &str = "http://127.0.0.1:8765/callback";

/// The login's tokens: the whole authorization-code round trip, consent by the app's
/// account.
async fn three_legged_login(sim: &Simulator) -> Value {
    // The consent answer redirects to the callback, read here, not followed.
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let oauth = sim.oauth_client();
    let consent: Value = http
        .get(format!("{}/authorize", sim.base_url()))
        .query(&[
            ("audience", "api.atlassian.com"),
            ("client_id", oauth.client_id.as_str()),
            (
                "scope",
                "read:jira-work write:jira-work manage:jira-webhook offline_access",
            ),
            ("redirect_uri", CALLBACK),
            ("state", "s"),
            ("response_type", "code"),
            ("prompt", "consent"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = sim.user(APP_ACCOUNT).unwrap();
    let approved = http
        .post(format!("{}/authorize/consent", sim.base_url()))
        .basic_auth(&admin.email, Some(&admin.api_token))
        .form(&[
            (
                "consent_id",
                consent["consent"]["consent_id"].as_str().unwrap(),
            ),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    let location = Url::parse(approved.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("an authorization code");
    http.post(format!("{}/oauth/token", sim.base_url()))
        .json(&json!({
            "grant_type": "authorization_code",
            "client_id": oauth.client_id,
            "client_secret": oauth.client_secret,
            "code": code,
            "redirect_uri": CALLBACK,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn post_delivery(serve: &Serve, delivery: &str, marker: &str, auth: Option<&str>) -> u16 {
    let body = issue_created("KILN-1", marker, "someone-else");
    let mut request = client()
        .post(format!("{}/webhooks/jira/cloud", serve.url()))
        .header("content-type", "application/json")
        .header("x-atlassian-webhook-identifier", delivery)
        .body(serde_json::to_vec(&body).unwrap());
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    request.send().unwrap().status().as_u16()
}

#[test]
fn a_3lo_sites_dynamic_webhook_runs_the_app_and_forged_deliveries_run_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime
        .block_on(Simulator::start(SimConfig::default()))
        .unwrap();
    let base = sim.base_url().trim_end_matches('/').to_owned();
    let tokens = runtime.block_on(three_legged_login(&sim));
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path().join("login.json"));
    store
        .save(&OAuthSession {
            version: OAuthSession::FORMAT_VERSION,
            client_id: sim.oauth_client().client_id.clone(),
            client_secret: SecretString::from(sim.oauth_client().client_secret.clone()),
            token_url: format!("{base}/oauth/token"),
            api_url: base.clone(),
            site_url: base.clone(),
            cloud_id: sim.cloud_id().to_owned(),
            scopes: vec!["read:jira-work".into(), "write:jira-work".into()],
            access_token: SecretString::from(access.clone()),
            refresh_token: tokens["refresh_token"]
                .as_str()
                .map(|t| SecretString::from(t.to_owned())),
            expires_at: OAuthSession::expiry_from_now(Duration::from_secs(
                tokens["expires_in"].as_u64().unwrap_or(3600),
            )),
        })
        .unwrap();
    std::fs::write(dir.path().join("app.wasm"), serve_app_component()).unwrap();
    std::fs::write(dir.path().join("manifest.yml"), manifest_without_schedule()).unwrap();
    let app_account = sim.user(APP_ACCOUNT).unwrap().account_id.clone();
    let config = dir.path().join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n\
             [[app]]\npath = \"app.wasm\"\nmanifest = \"manifest.yml\"\n\
             [[site]]\nname = \"cloud\"\nurl = {base:?}\ngateway = {base:?}\ncloud_id = {:?}\n\
             login = \"login.json\"\naccount_id = {app_account:?}\n\
             [[installation]]\napp = \"serve-app\"\nsite = \"cloud\"\n",
            sim.cloud_id()
        ),
    )
    .unwrap();
    let serve = support::spawn_config(&config, &[], None).serving();
    let webhook_url = serve.line("webhook", None)["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        webhook_url.ends_with("/webhooks/jira/cloud"),
        "{webhook_url}"
    );

    // Unauthenticated, forged (another secret, alg none) and admin-style signed deliveries
    // to a 3LO site: 401, nothing runs.
    let claims = format!(r#"{{"exp":{}}}"#, i64::MAX / 2);
    let none = {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "Bearer {}.{}.",
            b64.encode(r#"{"alg":"none"}"#),
            b64.encode(&claims)
        )
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let forged = kiln_sim::bearer_authorization(
        b"not-the-client-secret",
        &sim.oauth_client().client_id,
        sim.cloud_id(),
        now,
    );
    assert_eq!(post_delivery(&serve, "f-1", "forged-none", None), 401);
    assert_eq!(
        post_delivery(&serve, "f-2", "forged-key", Some(&forged)),
        401
    );
    assert_eq!(post_delivery(&serve, "f-3", "forged-alg", Some(&none)), 401);
    let hub = client()
        .post(format!("{}/webhooks/jira/cloud", serve.url()))
        .header("x-atlassian-webhook-identifier", "f-4")
        .header("x-hub-signature", support::sign(b"{}"))
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(hub.status().as_u16(), 401);

    // The dynamic webhook, registered with the login's token.
    let registered: Value = runtime.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!(
                "{base}/ex/jira/{}/rest/api/3/webhook",
                sim.cloud_id()
            ))
            .bearer_auth(&access)
            .json(&json!({
                "url": webhook_url,
                "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = KILN"}],
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(
        registered["webhookRegistrationResult"][0]["createdWebhookId"].is_i64(),
        "{registered}"
    );

    // A person creates an issue: the simulator delivers it with its bearer JWT, serve
    // verifies it, the app comments through the 3LO login.
    let person = sim.user(PERSON).unwrap();
    let created: Value = client()
        .post(format!("{base}/rest/api/3/issue"))
        .basic_auth(&person.email, Some(&person.api_token))
        .json(&json!({"fields": {
            "project": {"key": "KILN"},
            "issuetype": {"name": "Bug"},
            "summary": "delivered-by-dynamic-webhook",
        }}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let comments = |issue: &str| -> String {
        comment_bodies(&base, &person.email, &person.api_token, issue).concat()
    };
    wait_for("the app's comment on the new issue", || {
        comments(&key).contains("delivered-by-dynamic-webhook")
    });
    assert!(
        !comments("KILN-1").contains("forged-"),
        "a forged delivery ran"
    );
    drop(serve);
    drop(sim);
}
