//! A site whose credentials are a 3LO login: serve registers the dynamic webhooks its
//! installations need with the login (`POST /rest/api/3/webhook`), refreshes them before
//! they expire and deletes them when nothing needs them; their deliveries are authenticated
//! as Jira authenticates them to OAuth 2.0 apps (a bearer JWT, HS256 under the app's client
//! secret), and `runtime serve` runs only what carries a valid one.
//!
//! The site is a simulator of its own (not the embedded one), logged into by the 3LO
//! authorization-code flow as a person would (authorize, consent, code exchange); the login
//! is saved as `runtime login` saves it and named by `[[site]] login`. The simulator then
//! delivers a new issue to serve's `public_url` with its bearer JWT, and the app's comment
//! appears on the site. Unauthenticated and forged deliveries are answered 401 and run
//! nothing. Two replicas on one PostgreSQL register the webhook once between them.

use std::time::Duration;

use kiln_runtime::oauth::{OAuthSession, TokenStore};
use kiln_sim::{SimConfig, Simulator};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

use crate::consent::{manifest_without_schedule, serve_app_component};
use crate::support::{
    self, ADMIN_TOKEN, APP_ACCOUNT, PERSON, Serve, admin, client, comment_bodies, issue_created,
    log_entries, metrics, wait_for, wait_up_to,
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

/// A simulator logged into by the 3LO flow, the login saved in `dir`, and the app beside it.
pub struct Site {
    pub sim: Simulator,
    pub base: String,
    access: String,
    /// The login's first refresh token (serve's token store holds it too).
    pub refresh: String,
}

pub fn logged_in_site(runtime: &tokio::runtime::Runtime, dir: &std::path::Path) -> Site {
    let sim = runtime
        .block_on(Simulator::start(SimConfig::default()))
        .unwrap();
    let base = sim.base_url().trim_end_matches('/').to_owned();
    let tokens = runtime.block_on(three_legged_login(&sim));
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let store = TokenStore::new(dir.join("login.json"));
    store
        .save(&OAuthSession {
            version: OAuthSession::FORMAT_VERSION,
            client_id: sim.oauth_client().client_id.clone(),
            client_secret: SecretString::from(sim.oauth_client().client_secret.clone()),
            token_url: format!("{base}/oauth/token"),
            api_url: base.clone(),
            site_url: base.clone(),
            cloud_id: sim.cloud_id().to_owned(),
            scopes: vec![
                "read:jira-work".into(),
                "write:jira-work".into(),
                "manage:jira-webhook".into(),
            ],
            access_token: SecretString::from(access.clone()),
            refresh_token: tokens["refresh_token"]
                .as_str()
                .map(|t| SecretString::from(t.to_owned())),
            expires_at: OAuthSession::expiry_from_now(Duration::from_secs(
                tokens["expires_in"].as_u64().unwrap_or(3600),
            )),
        })
        .unwrap();
    std::fs::write(dir.join("app.wasm"), serve_app_component()).unwrap();
    std::fs::write(dir.join("manifest.yml"), manifest_without_schedule()).unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    Site {
        sim,
        base,
        access,
        refresh,
    }
}

impl Site {
    /// `kiln.toml` for the site, with serve's public URL and its state.
    pub fn config(
        &self,
        dir: &std::path::Path,
        listen: &str,
        public: &str,
        state: &str,
    ) -> std::path::PathBuf {
        let app_account = self.sim.user(APP_ACCOUNT).unwrap().account_id.clone();
        let base = &self.base;
        let config = dir.join(format!("kiln-{}.toml", listen.replace([':', '.'], "-")));
        std::fs::write(
            &config,
            format!(
                "listen = {listen:?}\npublic_url = {public:?}\nstate = {state:?}\n\
                 [[app]]\npath = \"app.wasm\"\nmanifest = \"manifest.yml\"\n\
                 [[site]]\nname = \"cloud\"\nurl = {base:?}\ngateway = {base:?}\ncloud_id = {:?}\n\
                 login = \"login.json\"\naccount_id = {app_account:?}\n\
                 [[installation]]\napp = \"serve-app\"\nsite = \"cloud\"\n",
                self.sim.cloud_id()
            ),
        )
        .unwrap();
        config
    }

    /// The app's dynamic webhooks as the site lists them (`GET /rest/api/3/webhook`).
    pub fn webhooks(&self) -> Vec<Value> {
        let listed: Value = client()
            .get(format!(
                "{}/ex/jira/{}/rest/api/3/webhook",
                self.base,
                self.sim.cloud_id()
            ))
            .bearer_auth(&self.access)
            .send()
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .unwrap();
        listed["values"].as_array().cloned().unwrap_or_default()
    }

    fn create_issue(&self, summary: &str) -> String {
        let person = self.sim.user(PERSON).unwrap();
        let created: Value = client()
            .post(format!("{}/rest/api/3/issue", self.base))
            .basic_auth(&person.email, Some(&person.api_token))
            .json(&json!({"fields": {
                "project": {"key": "KILN"},
                "issuetype": {"name": "Bug"},
                "summary": summary,
            }}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        created["key"].as_str().unwrap().to_owned()
    }

    fn comments(&self, issue: &str) -> String {
        let person = self.sim.user(PERSON).unwrap();
        comment_bodies(&self.base, &person.email, &person.api_token, issue).concat()
    }
}

/// A loopback port nothing listens on now (serve's `public_url` must name it before it
/// starts, as a real deployment names its ingress).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn registrations(serve: &Serve) -> Value {
    client()
        .get(format!("{}/v1/webhooks", serve.admin_url()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn serve_registers_refreshes_and_deletes_a_3lo_sites_dynamic_webhook() {
    const DAY_MS: i64 = 86_400_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = logged_in_site(&runtime, dir.path());
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");

    // Without a public URL, a 3LO site is refused at start, saying why.
    let no_public = dir.path().join("no-public.toml");
    std::fs::write(
        &no_public,
        std::fs::read_to_string(site.config(dir.path(), "127.0.0.1:0", "x", "memory"))
            .unwrap()
            .replace("public_url = \"x\"\n", ""),
    )
    .unwrap();
    let refused = std::process::Command::new(support::runtime_binary())
        .args(["serve", "--config"])
        .arg(&no_public)
        .env("KILN_STORAGE_KEY", support::STORAGE_KEY)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("public_url"), "{said}");

    let config = site.config(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        &public,
        "state.sqlite3",
    );
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let serve =
        support::spawn_config(&config, &["--manual-clock", &start.to_string()], None).serving();
    let webhook_url = serve.line("webhook", None)["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(webhook_url, format!("{public}/webhooks/jira/cloud"));

    // serve registered the webhook its installation needs, at its public URL.
    wait_for("serve's registration on the site", || {
        site.webhooks().len() == 1
    });
    let registered = site.webhooks().remove(0);
    assert_eq!(registered["url"], webhook_url.as_str());
    assert_eq!(registered["events"], json!(["jira:issue_created"]));
    let id = registered["id"].as_i64().unwrap();
    let first_expiry = registered["expirationDate"].as_i64().unwrap();
    wait_for("the admin API's listing", || {
        registrations(&serve)["webhooks"][0]["state"] == "registered"
    });
    let listed = registrations(&serve);
    assert_eq!(listed["webhooks"][0]["webhooks"][0]["id"], id);
    assert!(
        metrics(&serve)
            .contains("kiln_webhook_registrations{site=\"cloud\",state=\"registered\"} 1"),
        "{}",
        metrics(&serve)
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
    let forged = kiln_sim::bearer_authorization(
        b"not-the-client-secret",
        &site.sim.oauth_client().client_id,
        site.sim.cloud_id(),
        start / 1000,
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

    // A person creates an issue: the simulator delivers it through serve's own
    // registration with its bearer JWT, serve verifies it, the app comments through the login.
    let key = site.create_issue("delivered-by-dynamic-webhook");
    wait_for("the app's comment on the new issue", || {
        site.comments(&key).contains("delivered-by-dynamic-webhook")
    });
    assert!(
        !site.comments("KILN-1").contains("forged-"),
        "a forged delivery ran"
    );

    // Nineteen days on serve's clock: not yet due. Twenty-one: refreshed (the same id, a
    // later expiry on the site), long before the 30-day expiry.
    std::thread::sleep(Duration::from_millis(50));
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 19 * DAY_MS }));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        site.webhooks()[0]["expirationDate"].as_i64().unwrap(),
        first_expiry,
        "refreshed too early"
    );
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 2 * DAY_MS }));
    wait_for("the refresh", || {
        site.webhooks()[0]["expirationDate"].as_i64().unwrap() > first_expiry
    });
    let hooks = site.webhooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["id"], id, "refreshed, not registered again");
    // The site answers the refresh before serve stores it: under load the admin API can
    // still list the earlier registration for a moment.
    wait_for("the stored refresh", || {
        registrations(&serve)["webhooks"][0]["refreshedAt"].as_i64() == Some(start + 21 * DAY_MS)
    });

    // Uninstalled: nothing needs the webhook any more, so it is deleted on the site.
    admin(
        &serve,
        "/v1/installations/uninstall",
        &json!({"app": "serve-app", "site": "cloud"}),
    );
    wait_for("the webhook's deletion", || site.webhooks().is_empty());
    wait_for("the admin API's listing", || {
        registrations(&serve)["webhooks"][0]["state"] == "unregistered"
    });
    drop(serve);
}

/// Two replicas on one PostgreSQL, started together: one registers (its lease in
/// kiln-state), the other sees it registered and calls Jira for nothing.
#[test]
fn two_replicas_on_one_postgres_register_once() {
    let Some(database) = support::fresh_postgres_database() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = logged_in_site(&runtime, dir.path());
    let (a, b) = (free_port(), free_port());
    // One public URL for both, as behind a load balancer: Jira allows one per app.
    let public = format!("http://127.0.0.1:{a}");
    let logs = [dir.path().join("a.log"), dir.path().join("b.log")];
    let starting: Vec<_> = [a, b]
        .iter()
        .zip(&logs)
        .map(|(port, log)| {
            let config = site.config(dir.path(), &format!("127.0.0.1:{port}"), &public, &database);
            support::spawn_config(&config, &[], Some(log))
        })
        .collect();
    let replicas: Vec<Serve> = starting.into_iter().map(|s| s.serving()).collect();
    wait_for("the registration", || site.webhooks().len() == 1);
    // Both replicas look several times meanwhile (every 5 s); still one webhook.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(site.webhooks().len(), 1, "{:?}", site.webhooks());
    let registered: usize = logs
        .iter()
        .map(|log| log_entries(log, "dynamic webhooks registered").len())
        .sum();
    assert_eq!(registered, 1, "exactly one replica registered");
    // The registered webhook delivers; the app runs once.
    let key = site.create_issue("one-registration-for-two-replicas");
    wait_up_to(Duration::from_secs(60), "the app's comment", || {
        site.comments(&key)
            .contains("one-registration-for-two-replicas")
    });
    drop(replicas);
}
