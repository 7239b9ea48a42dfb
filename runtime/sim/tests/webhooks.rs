//! Webhooks the simulator sends on its own writes, received by a real HTTP server on
//! loopback: Jira's payloads and headers, HMAC signatures, retries with the same
//! identifier, write order, dynamic registration through the gateway (JQL and field
//! filters, expiry and refresh, failed deliveries) and the loopback-only rule.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{ADMIN, OUTSIDER, USER, caller, client, send};
use kiln_sim::{
    AdminWebhook, SimClock, SimConfig, Simulator, WebhookConfig, WebhookEvent, signature_header,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// One delivery as the receiver saw it.
#[derive(Debug)]
struct Received {
    headers: HeaderMap,
    raw: Bytes,
    body: Value,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn event(&self) -> &str {
        self.body["webhookEvent"].as_str().unwrap_or("")
    }
}

struct ReceiverState {
    tx: mpsc::UnboundedSender<Received>,
    /// Answers for the first requests, in order; then 200.
    script: Vec<StatusCode>,
    seen: AtomicUsize,
}

/// A real HTTP server on 127.0.0.1 recording every POST to `/hook`.
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    async fn start(script: Vec<StatusCode>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = Arc::new(ReceiverState {
            tx,
            script,
            seen: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, rx }
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
            .await
            .expect("a delivery within 10 s")
            .expect("receiver open")
    }

    /// Asserts nothing more arrives within a short wait.
    async fn nothing_more(&mut self) {
        let extra = tokio::time::timeout(Duration::from_millis(300), self.rx.recv()).await;
        assert!(extra.is_err(), "unexpected delivery: {extra:?}");
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    raw: Bytes,
) -> StatusCode {
    let n = state.seen.fetch_add(1, Ordering::SeqCst);
    let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let _ = state.tx.send(Received { headers, raw, body });
    state.script.get(n).copied().unwrap_or(StatusCode::OK)
}

fn fast() -> WebhookConfig {
    WebhookConfig {
        first_retry_after: Duration::from_millis(20),
        ..WebhookConfig::default()
    }
}

async fn start(seed_hooks: Vec<AdminWebhook>) -> Simulator {
    let seed = kiln_sim::Seed {
        webhooks: seed_hooks,
        ..kiln_sim::Seed::default()
    };
    Simulator::start(SimConfig {
        seed,
        webhooks: fast(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

fn admin_hook(url: &str, events: &[WebhookEvent], secret: Option<&str>) -> AdminWebhook {
    AdminWebhook {
        name: String::from("test"),
        url: url.to_owned(),
        events: events.to_vec(),
        jql_filter: None,
        secret: secret.map(str::to_owned),
    }
}

fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    ]})
}

async fn create_issue(sim: &Simulator, project: &str, summary: &str) -> String {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/issue",
            &json!({"fields": {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": summary}}),
        )
        .await;
    assert_eq!(reply.status, reqwest::StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/key")
}

#[tokio::test]
async fn writes_raise_jiras_webhooks_signed_in_write_order() {
    let mut receiver = Receiver::start(Vec::new()).await;
    let secret = "s3cret-of-the-admin";
    let sim = start(vec![admin_hook(
        &receiver.url,
        &WebhookEvent::ALL,
        Some(secret),
    )])
    .await;
    let admin = caller(&sim, ADMIN);

    let key = create_issue(&sim, "KILN", "Webhook me").await;
    let created = receiver.next().await;
    assert_eq!(created.event(), "jira:issue_created");
    assert_eq!(created.body["issue_event_type_name"], "issue_created");
    assert_eq!(created.body["issue"]["key"], key.as_str());
    assert_eq!(created.body["issue"]["fields"]["summary"], "Webhook me");
    assert_eq!(
        created.body["user"]["accountId"],
        common::account_id(&sim, ADMIN).as_str()
    );
    assert!(created.body["timestamp"].is_i64());
    assert!(created.body.get("matchedWebhookIds").is_none());
    // Signed with the secret over the exact bytes received.
    assert_eq!(
        created.header("x-hub-signature"),
        Some(signature_header(secret.as_bytes(), &created.raw).as_str())
    );
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert!(created.header("x-atlassian-webhook-retry").is_none());
    assert!(
        !created
            .raw
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );

    // An edit: jira:issue_updated with a changelog of what changed.
    let edit = admin
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({"fields": {"summary": "Renamed", "labels": ["a", "b"]}}),
        )
        .await;
    assert_eq!(edit.status, reqwest::StatusCode::NO_CONTENT);
    let updated = receiver.next().await;
    assert_eq!(updated.event(), "jira:issue_updated");
    assert_eq!(updated.body["issue_event_type_name"], "issue_updated");
    let items = updated.body["changelog"]["items"]
        .as_array()
        .expect("items");
    assert_eq!(items[0]["field"], "summary");
    assert_eq!(items[0]["fromString"], "Webhook me");
    assert_eq!(items[0]["toString"], "Renamed");
    assert_eq!(items[1]["fieldId"], "labels");
    assert_eq!(items[1]["toString"], "a b");
    assert!(updated.body["changelog"]["id"].is_string());

    // An edit that changes nothing raises nothing; a transition is issue_generic.
    admin
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({"fields": {"summary": "Renamed"}}),
        )
        .await;
    let moved = admin
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            &json!({"transition": {"id": "21"}}),
        )
        .await;
    assert_eq!(moved.status, reqwest::StatusCode::NO_CONTENT);
    let transitioned = receiver.next().await;
    assert_eq!(transitioned.body["issue_event_type_name"], "issue_generic");
    let status = &transitioned.body["changelog"]["items"][0];
    assert_eq!(status["field"], "status");
    assert_eq!(status["fromString"], "To Do");
    assert_eq!(status["toString"], "In Progress");
    assert_eq!(status["from"], "10000");
    assert_eq!(status["to"], "3");

    // A comment: comment_created, then the issue_updated Jira raises with it.
    let comment = admin
        .post(
            &format!("/rest/api/3/issue/{key}/comment"),
            &json!({"body": adf("first")}),
        )
        .await;
    let comment_id = comment.str_at("/id");
    let created_comment = receiver.next().await;
    assert_eq!(created_comment.event(), "comment_created");
    assert_eq!(created_comment.body["comment"]["id"], comment_id.as_str());
    assert_eq!(created_comment.body["issue"]["key"], key.as_str());
    assert!(created_comment.body["issue"]["fields"]["summary"].is_string());
    let commented = receiver.next().await;
    assert_eq!(commented.event(), "jira:issue_updated");
    assert_eq!(commented.body["issue_event_type_name"], "issue_commented");
    assert_eq!(commented.body["comment"]["id"], comment_id.as_str());

    let path = format!("/rest/api/3/issue/{key}/comment/{comment_id}");
    admin.put(&path, &json!({"body": adf("second")})).await;
    let edited = receiver.next().await;
    assert_eq!(edited.event(), "comment_updated");
    assert_eq!(edited.body["comment"]["body"], adf("second"));
    assert_eq!(
        receiver.next().await.body["issue_event_type_name"],
        "issue_comment_edited"
    );
    admin.delete(&path).await;
    assert_eq!(receiver.next().await.event(), "comment_deleted");
    assert_eq!(
        receiver.next().await.body["issue_event_type_name"],
        "issue_comment_deleted"
    );

    admin
        .put(
            &format!("/rest/api/3/issue/{key}/properties/triage"),
            &json!({"done": true}),
        )
        .await;
    let property = receiver.next().await;
    assert_eq!(property.event(), "issue_property_set");
    assert_eq!(
        property.body["property"],
        json!({"key": "triage", "value": {"done": true}})
    );

    // A bulk write raises the same event for each issue it sets.
    let id = admin
        .get(&format!("/rest/api/3/issue/{key}?fields=summary"))
        .await
        .str_at("/id");
    let bulk = admin
        .put(
            "/rest/api/3/issue/properties/triage",
            &json!({"value": {"done": false}, "filter": {"entityIds": [id.parse::<u64>().expect("id")]}}),
        )
        .await;
    assert_eq!(bulk.status, reqwest::StatusCode::SEE_OTHER, "{}", bulk.text);
    let property = receiver.next().await;
    assert_eq!(property.event(), "issue_property_set");
    assert_eq!(
        property.body["property"],
        json!({"key": "triage", "value": {"done": false}})
    );
    assert_eq!(property.body["issue"]["key"], key.as_str());

    admin.delete(&format!("/rest/api/3/issue/{key}")).await;
    let deleted = receiver.next().await;
    assert_eq!(deleted.event(), "jira:issue_deleted");
    assert_eq!(deleted.body["issue"]["key"], key.as_str());

    receiver.nothing_more().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn many_quick_writes_arrive_in_write_order_each_with_its_own_identifier() {
    let mut receiver = Receiver::start(Vec::new()).await;
    let sim = start(vec![admin_hook(
        &receiver.url,
        &[WebhookEvent::IssueUpdated],
        None,
    )])
    .await;
    let key = create_issue(&sim, "KILN", "counter").await;
    for n in 0..20 {
        caller(&sim, ADMIN)
            .put(
                &format!("/rest/api/3/issue/{key}"),
                &json!({"fields": {"summary": format!("v{n}")}}),
            )
            .await;
    }
    let mut ids = std::collections::HashSet::new();
    for n in 0..20 {
        let got = receiver.next().await;
        assert_eq!(
            got.body["changelog"]["items"][0]["toString"],
            format!("v{n}")
        );
        assert!(
            got.header("x-hub-signature").is_none(),
            "no secret, no signature"
        );
        ids.insert(
            got.header("x-atlassian-webhook-identifier")
                .expect("identifier")
                .to_owned(),
        );
    }
    assert_eq!(ids.len(), 20);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_with_the_same_identifier() {
    use StatusCode as S;
    let mut receiver = Receiver::start(vec![S::SERVICE_UNAVAILABLE, S::TOO_MANY_REQUESTS]).await;
    let sim = start(vec![admin_hook(
        &receiver.url,
        &[WebhookEvent::IssueCreated],
        Some("k"),
    )])
    .await;
    create_issue(&sim, "KILN", "retry me").await;
    let first = receiver.next().await;
    let second = receiver.next().await;
    let third = receiver.next().await;
    let id = first.header("x-atlassian-webhook-identifier").expect("id");
    assert_eq!(second.header("x-atlassian-webhook-identifier"), Some(id));
    assert_eq!(third.header("x-atlassian-webhook-identifier"), Some(id));
    assert_eq!(first.header("x-atlassian-webhook-retry"), None);
    assert_eq!(second.header("x-atlassian-webhook-retry"), Some("1"));
    assert_eq!(third.header("x-atlassian-webhook-retry"), Some("2"));
    assert_eq!(first.raw, third.raw, "a retry resends the same body");
    assert_eq!(
        first.header("x-hub-signature"),
        third.header("x-hub-signature")
    );
    receiver.nothing_more().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_final_answer_that_is_not_retryable_is_not_retried() {
    let mut receiver = Receiver::start(vec![StatusCode::BAD_REQUEST]).await;
    let sim = start(vec![admin_hook(
        &receiver.url,
        &[WebhookEvent::IssueCreated],
        None,
    )])
    .await;
    create_issue(&sim, "KILN", "once").await;
    receiver.next().await;
    receiver.nothing_more().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn admin_webhooks_must_point_at_loopback_and_filter_by_jql() {
    let sim = start(Vec::new()).await;
    for url in [
        "http://example.com/hook",
        "http://169.254.169.254/",
        "http://10.1.2.3/",
        "file:///etc/passwd",
    ] {
        assert!(
            sim.add_admin_webhook(&admin_hook(url, &[WebhookEvent::IssueCreated], None))
                .is_err(),
            "{url} accepted"
        );
    }
    let mut receiver = Receiver::start(Vec::new()).await;
    let mut hook = admin_hook(&receiver.url, &[WebhookEvent::IssueCreated], None);
    hook.jql_filter = Some(String::from("project = SEC"));
    sim.add_admin_webhook(&hook).expect("loopback hook");
    create_issue(&sim, "KILN", "not for SEC").await;
    create_issue(&sim, "SEC", "for SEC").await;
    let got = receiver.next().await;
    assert_eq!(got.body["issue"]["fields"]["summary"], "for SEC");
    receiver.nothing_more().await;
    sim.shutdown().await;

    // A seed naming a non-loopback webhook does not start.
    let seed = kiln_sim::Seed {
        webhooks: vec![admin_hook(
            "http://example.com/",
            &[WebhookEvent::IssueCreated],
            None,
        )],
        ..kiln_sim::Seed::default()
    };
    let refused = Simulator::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    assert!(refused.is_err());
}

/// An access token of the app's client-credentials integration (acting as the
/// site admin, with `manage:jira-webhook`).
async fn app_token(sim: &Simulator) -> String {
    common::oauth::app_access_token(sim).await
}

fn gateway(sim: &Simulator, path: &str) -> String {
    format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id())
}

async fn as_app(
    sim: &Simulator,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> common::Reply {
    let mut request = client()
        .request(method, gateway(sim, path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

#[tokio::test]
async fn an_app_registers_dynamic_webhooks_that_filter_expire_and_refresh() {
    use reqwest::Method;
    let clock = SimClock::system();
    let sim = Simulator::start(SimConfig {
        webhooks: fast(),
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let token = app_token(&sim).await;
    let mut receiver = Receiver::start(Vec::new()).await;

    let registered = as_app(
        &sim,
        &token,
        Method::POST,
        "/rest/api/3/webhook",
        Some(json!({
            "url": receiver.url,
            "webhooks": [
                {"events": ["jira:issue_created", "jira:issue_updated"], "jqlFilter": "project = KILN", "fieldIdsFilter": ["summary"]},
                {"events": ["jira:issue_created"], "jqlFilter": "project IN (KILN, SEC)"},
                {"events": ["jira:issue_created"], "jqlFilter": "summary ~ x"},
                {"events": ["jira:issue_exploded"], "jqlFilter": "project = KILN"},
            ],
        })),
    )
    .await;
    assert_eq!(
        registered.status,
        reqwest::StatusCode::OK,
        "{}",
        registered.text
    );
    let results = registered.body["webhookRegistrationResult"]
        .as_array()
        .expect("results");
    let first = results[0]["createdWebhookId"].as_i64().expect("created");
    let second = results[1]["createdWebhookId"].as_i64().expect("created");
    assert_eq!(
        results[2]["errors"],
        json!(["The clause summary is unsupported"])
    );
    assert!(
        results[3]["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("jira:issue_exploded")
    );

    // One delivery per app, naming every matching registration.
    let key = create_issue(&sim, "KILN", "dynamic").await;
    let got = receiver.next().await;
    assert_eq!(got.event(), "jira:issue_created");
    assert_eq!(got.body["matchedWebhookIds"], json!([first, second]));
    // Authenticated as Jira authenticates deliveries to OAuth 2.0 apps: a bearer JWT
    // (HS256) under the app's client secret, no X-Hub-Signature.
    assert!(got.header("x-hub-signature").is_none());
    let authorization = got.header("authorization").expect("a bearer JWT");
    let claims = authorization
        .strip_prefix("Bearer ")
        .and_then(|t| t.split('.').nth(1))
        .expect("a JWT");
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims)
            .expect("base64url"),
    )
    .expect("JSON claims");
    let app = sim.app_client();
    assert_eq!(claims["aud"], app.client_id.as_str());
    assert_eq!(
        authorization,
        kiln_sim::bearer_authorization(
            app.client_secret.as_bytes(),
            &app.client_id,
            sim.cloud_id(),
            claims["iat"].as_i64().expect("iat"),
        ),
        "signed with the app's client secret"
    );
    create_issue(&sim, "SEC", "only the second").await;
    assert_eq!(
        receiver.next().await.body["matchedWebhookIds"],
        json!([second])
    );

    // fieldIdsFilter: a label change is not a summary change.
    let path = format!("/rest/api/3/issue/{key}");
    caller(&sim, ADMIN)
        .put(&path, &json!({"fields": {"labels": ["x"]}}))
        .await;
    caller(&sim, ADMIN)
        .put(&path, &json!({"fields": {"summary": "renamed"}}))
        .await;
    let renamed = receiver.next().await;
    assert_eq!(renamed.body["changelog"]["items"][0]["field"], "summary");
    assert_eq!(renamed.body["matchedWebhookIds"], json!([first]));

    let listed = as_app(&sim, &token, Method::GET, "/rest/api/3/webhook", None).await;
    assert_eq!(listed.body["total"], 2);
    assert_eq!(listed.body["values"][0]["jqlFilter"], "project = KILN");
    assert_eq!(listed.body["values"][0]["url"], receiver.url.as_str());
    let expires = listed.body["values"][0]["expirationDate"]
        .as_i64()
        .expect("ms");
    let now_ms = i64::try_from(
        clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after epoch")
            .as_millis(),
    )
    .expect("fits");
    let thirty_days = 30 * 24 * 3600 * 1000;
    assert!((expires - now_ms - thirty_days).abs() < 60_000);

    // Refreshing pushes the expiry 30 days past the (moved) clock.
    clock.advance(Duration::from_secs(20 * 24 * 3600));
    let refreshed = as_app(
        &sim,
        &token,
        Method::PUT,
        "/rest/api/3/webhook/refresh",
        Some(json!({"webhookIds": [first]})),
    )
    .await;
    assert_eq!(refreshed.status, reqwest::StatusCode::OK);
    let new_expiry = refreshed.body["expirationDate"].as_i64().expect("ms");
    assert!(new_expiry > expires);

    // Past the second webhook's expiry, only the refreshed one still fires.
    clock.advance(Duration::from_secs(15 * 24 * 3600));
    create_issue(&sim, "KILN", "after expiry").await;
    assert_eq!(
        receiver.next().await.body["matchedWebhookIds"],
        json!([first])
    );

    let deleted = as_app(
        &sim,
        &token,
        Method::DELETE,
        "/rest/api/3/webhook",
        Some(json!({"webhookIds": [first, second]})),
    )
    .await;
    assert_eq!(deleted.status, reqwest::StatusCode::ACCEPTED);
    create_issue(&sim, "KILN", "nobody listens").await;
    receiver.nothing_more().await;
    let listed = as_app(&sim, &token, Method::GET, "/rest/api/3/webhook", None).await;
    assert_eq!(listed.body["total"], 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn dynamic_webhooks_are_for_apps_on_loopback_only() {
    use reqwest::Method;
    let sim = start(Vec::new()).await;
    // An API token is not an app: 403 before the body is even read.
    for (method, path) in [
        (Method::GET, "/rest/api/3/webhook"),
        (Method::POST, "/rest/api/3/webhook"),
        (Method::DELETE, "/rest/api/3/webhook"),
        (Method::PUT, "/rest/api/3/webhook/refresh"),
        (Method::GET, "/rest/api/3/webhook/failed"),
    ] {
        let reply = send(
            caller(&sim, USER)
                .request(method.clone(), path)
                .body("not json"),
        )
        .await;
        assert_eq!(
            reply.status,
            reqwest::StatusCode::FORBIDDEN,
            "{method} {path}"
        );
        assert!(reply.body["errorMessages"][0].is_string());
    }
    let token = app_token(&sim).await;
    for url in [
        "http://example.com/hook",
        "http://192.168.1.1/",
        "http://user:pw@127.0.0.1/",
    ] {
        let reply = as_app(
            &sim,
            &token,
            Method::POST,
            "/rest/api/3/webhook",
            Some(json!({"url": url, "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = KILN"}]})),
        )
        .await;
        assert_eq!(reply.status, reqwest::StatusCode::BAD_REQUEST, "{url}");
        assert!(reply.body["errors"]["url"].is_string(), "{}", reply.text);
    }
    let missing = as_app(
        &sim,
        &token,
        Method::DELETE,
        "/rest/api/3/webhook",
        Some(json!({})),
    )
    .await;
    assert_eq!(missing.status, reqwest::StatusCode::BAD_REQUEST);

    // One URL per app.
    let first = as_app(&sim, &token, Method::POST, "/rest/api/3/webhook",
        Some(json!({"url": "http://127.0.0.1:9/a", "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = KILN"}]}))).await;
    assert_eq!(first.status, reqwest::StatusCode::OK);
    let other = as_app(&sim, &token, Method::POST, "/rest/api/3/webhook",
        Some(json!({"url": "http://127.0.0.1:9/b", "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = KILN"}]}))).await;
    assert_eq!(other.status, reqwest::StatusCode::BAD_REQUEST);
    let _ = OUTSIDER;
    sim.shutdown().await;
}

#[tokio::test]
async fn deliveries_that_exhaust_their_retries_are_listed_as_failed() {
    use reqwest::Method;
    let sim = Simulator::start(SimConfig {
        webhooks: WebhookConfig {
            max_retries: 2,
            first_retry_after: Duration::from_millis(10),
            ..WebhookConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let token = app_token(&sim).await;
    // A port nothing listens on: bind, note the port, close.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let url = format!("http://{closed}/hook");
    as_app(&sim, &token, Method::POST, "/rest/api/3/webhook",
        Some(json!({"url": url, "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = KILN"}]}))).await;
    create_issue(&sim, "KILN", "into the void").await;
    let mut failed = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        failed = as_app(
            &sim,
            &token,
            Method::GET,
            "/rest/api/3/webhook/failed",
            None,
        )
        .await
        .body;
        if failed["values"].as_array().is_some_and(|v| !v.is_empty()) {
            break;
        }
    }
    let entry = &failed["values"][0];
    assert_eq!(entry["url"], url.as_str());
    assert!(entry["id"].is_string());
    assert!(entry["failureTime"].is_i64());
    let body: Value = serde_json::from_str(entry["body"].as_str().expect("body")).expect("json");
    assert_eq!(body["webhookEvent"], "jira:issue_created");
    assert!(failed["next"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_field_edits_carry_the_value_and_a_custom_changelog_item() {
    let mut receiver = Receiver::start(Vec::new()).await;
    let mut seed = kiln_sim::Seed {
        webhooks: vec![admin_hook(
            &receiver.url,
            &[WebhookEvent::IssueCreated, WebhookEvent::IssueUpdated],
            None,
        )],
        ..kiln_sim::Seed::default()
    };
    seed.custom_fields = vec![kiln_sim::SeedCustomField {
        id: None,
        name: String::from("Severity"),
        description: None,
        kind: String::from("select"),
        searcher_key: None,
        options: vec![String::from("Low"), String::from("High")],
    }];
    let sim = Simulator::start(SimConfig {
        seed,
        webhooks: fast(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let admin = caller(&sim, ADMIN);
    let created = admin
        .post(
            "/rest/api/3/issue",
            &json!({"fields": {"project": {"key": "KILN"}, "issuetype": {"name": "Task"},
                "summary": "Triage me", "customfield_10000": {"value": "Low"}}}),
        )
        .await;
    assert_eq!(
        created.status,
        reqwest::StatusCode::CREATED,
        "{}",
        created.text
    );
    let key = created.str_at("/key");
    let got = receiver.next().await;
    assert_eq!(got.event(), "jira:issue_created");
    assert_eq!(
        got.body["issue"]["fields"]["customfield_10000"]["value"],
        "Low"
    );

    let edit = admin
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({"fields": {"customfield_10000": {"value": "High"}}}),
        )
        .await;
    assert_eq!(
        edit.status,
        reqwest::StatusCode::NO_CONTENT,
        "{}",
        edit.text
    );
    let updated = receiver.next().await;
    assert_eq!(updated.event(), "jira:issue_updated");
    assert_eq!(
        updated.body["issue"]["fields"]["customfield_10000"]["value"],
        "High"
    );
    let item = &updated.body["changelog"]["items"][0];
    assert_eq!(item["field"], "Severity");
    assert_eq!(item["fieldtype"], "custom");
    assert_eq!(item["fieldId"], "customfield_10000");
    assert_eq!(item["fromString"], "Low");
    assert_eq!(item["toString"], "High");
    assert!(item["from"].is_string() && item["to"].is_string(), "{item}");
    receiver.nothing_more().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_field_ids_filter_can_name_a_custom_field() {
    use reqwest::Method;
    let seed = kiln_sim::Seed {
        custom_fields: vec![kiln_sim::SeedCustomField {
            id: None,
            name: String::from("Sync ID"),
            description: None,
            kind: String::from("textfield"),
            searcher_key: None,
            options: Vec::new(),
        }],
        ..kiln_sim::Seed::default()
    };
    let sim = Simulator::start(SimConfig {
        seed,
        webhooks: fast(),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let token = app_token(&sim).await;
    let mut receiver = Receiver::start(Vec::new()).await;
    let registered = as_app(
        &sim,
        &token,
        Method::POST,
        "/rest/api/3/webhook",
        Some(json!({
            "url": receiver.url,
            "webhooks": [{"events": ["jira:issue_updated"], "jqlFilter": "project = KILN",
                "fieldIdsFilter": ["customfield_10000"]}],
        })),
    )
    .await;
    assert_eq!(
        registered.status,
        reqwest::StatusCode::OK,
        "{}",
        registered.text
    );
    let admin = caller(&sim, ADMIN);
    admin
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({"fields": {"summary": "not this"}}),
        )
        .await;
    let edited = admin
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({"fields": {"customfield_10000": "EXT-7"}}),
        )
        .await;
    assert_eq!(
        edited.status,
        reqwest::StatusCode::NO_CONTENT,
        "{}",
        edited.text
    );
    let got = receiver.next().await;
    assert_eq!(got.body["issue"]["fields"]["customfield_10000"], "EXT-7");
    assert_eq!(
        got.body["changelog"]["items"][0]["fieldId"],
        "customfield_10000"
    );
    assert_eq!(got.body["changelog"]["items"][0]["toString"], "EXT-7");
    receiver.nothing_more().await;
    sim.shutdown().await;
}

/// The issue's numeric id, as link webhooks name issues.
async fn issue_id(sim: &Simulator, key: &str) -> u64 {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}"))
        .await;
    reply.str_at("/id").parse().expect("a numeric issue id")
}

/// Asserts a delivery is signed with `secret` over the exact bytes received.
fn assert_signed(got: &Received, secret: &str) {
    assert_eq!(
        got.header("x-hub-signature"),
        Some(signature_header(secret.as_bytes(), &got.raw).as_str()),
        "{}",
        got.event()
    );
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// Worklogs, attachments and issue links raise Jira's `worklog_created`,
/// `attachment_*` and `issuelink_*` for the admin webhooks that list them, signed
/// like every admin delivery; an admin webhook that lists only the other events,
/// and an app's dynamic webhook (which cannot subscribe to them), get none.
#[tokio::test]
async fn worklogs_attachments_and_links_reach_only_admin_webhooks_that_list_them() {
    use reqwest::Method;
    let mut listing = Receiver::start(Vec::new()).await;
    let mut others = Receiver::start(Vec::new()).await;
    let mut app = Receiver::start(Vec::new()).await;
    let secret = "entity-events-secret";
    let entity_events = [
        WebhookEvent::WorklogCreated,
        WebhookEvent::AttachmentCreated,
        WebhookEvent::AttachmentDeleted,
        WebhookEvent::IssueLinkCreated,
        WebhookEvent::IssueLinkDeleted,
    ];
    let sim = start(vec![
        admin_hook(&listing.url, &entity_events, Some(secret)),
        admin_hook(&others.url, &WebhookEvent::DYNAMIC, None),
    ])
    .await;
    let admin = caller(&sim, ADMIN);

    // A dynamic webhook may name only the spec's `WebhookDetails.events`.
    let dynamic: Vec<&str> = WebhookEvent::DYNAMIC.iter().map(|e| e.name()).collect();
    let registered = as_app(
        &sim,
        &common::oauth::app_access_token(&sim).await,
        Method::POST,
        "/rest/api/3/webhook",
        Some(json!({
            "url": app.url,
            "webhooks": [
                {"events": dynamic, "jqlFilter": "project = KILN"},
                {"events": ["worklog_created"], "jqlFilter": "project = KILN"},
                {"events": ["attachment_created", "issuelink_deleted"], "jqlFilter": "project = KILN"},
            ],
        })),
    )
    .await;
    assert_eq!(
        registered.status,
        reqwest::StatusCode::OK,
        "{}",
        registered.text
    );
    let results = &registered.body["webhookRegistrationResult"];
    assert!(results[0]["createdWebhookId"].is_i64(), "{results}");
    assert_eq!(
        results[1],
        json!({"errors": ["The event worklog_created is unsupported"]})
    );
    assert_eq!(
        results[2],
        json!({"errors": [
            "The event attachment_created is unsupported",
            "The event issuelink_deleted is unsupported",
        ]})
    );

    let source = create_issue(&sim, "KILN", "Blocks the other").await;
    let destination = create_issue(&sim, "KILN", "Blocked").await;
    let (source_id, destination_id) = (
        issue_id(&sim, &source).await,
        issue_id(&sim, &destination).await,
    );

    // worklog_created: the worklog as the REST API renders it, with issueId.
    let logged = admin
        .post(
            &format!("/rest/api/3/issue/{source}/worklog"),
            &json!({"timeSpent": "1h 30m", "comment": adf("pairing")}),
        )
        .await;
    assert_eq!(
        logged.status,
        reqwest::StatusCode::CREATED,
        "{}",
        logged.text
    );
    let got = listing.next().await;
    assert_eq!(got.event(), "worklog_created");
    assert_signed(&got, secret);
    assert_eq!(keys(&got.body), ["timestamp", "webhookEvent", "worklog"]);
    assert!(got.body["timestamp"].is_i64());
    assert_eq!(got.body["worklog"], logged.body);
    assert_eq!(
        got.body["worklog"]["issueId"],
        source_id.to_string().as_str()
    );
    assert_eq!(got.body["worklog"]["timeSpentSeconds"], 5400);
    assert_eq!(
        got.body["worklog"]["author"]["accountId"],
        common::account_id(&sim, ADMIN).as_str()
    );

    // attachment_created, one per uploaded file.
    let uploaded = send(admin.upload(
        "/rest/api/3",
        &source,
        &[
            common::FormPart::file("notes.txt", Some("text/plain"), b"hello"),
            common::FormPart::file("data.bin", None, b"\x00\x01\x02"),
        ],
    ))
    .await;
    assert_eq!(
        uploaded.status,
        reqwest::StatusCode::OK,
        "{}",
        uploaded.text
    );
    let mut attachment_ids = Vec::new();
    for (filename, size, mime_type) in [
        ("notes.txt", 5, "text/plain"),
        ("data.bin", 3, "application/octet-stream"),
    ] {
        let got = listing.next().await;
        assert_eq!(got.event(), "attachment_created");
        assert_signed(&got, secret);
        assert_eq!(keys(&got.body), ["attachment", "timestamp", "webhookEvent"]);
        let attachment = &got.body["attachment"];
        assert_eq!(
            keys(attachment),
            [
                "author", "content", "created", "filename", "id", "mimeType", "self", "size"
            ]
        );
        let id = attachment["id"].as_u64().expect("a numeric attachment id");
        assert_eq!(attachment["filename"], filename);
        assert_eq!(attachment["size"], size);
        assert_eq!(attachment["mimeType"], mime_type);
        assert_eq!(
            attachment["author"]["accountId"],
            common::account_id(&sim, ADMIN).as_str()
        );
        assert!(
            attachment["content"]
                .as_str()
                .unwrap_or("")
                .ends_with(&format!("/rest/api/3/attachment/content/{id}")),
            "{attachment}"
        );
        attachment_ids.push(id);
    }
    let uploaded_ids: Vec<u64> = uploaded.body.as_array().map_or(Vec::new(), |a| {
        a.iter()
            .filter_map(|v| v["id"].as_str()?.parse().ok())
            .collect()
    });
    assert_eq!(attachment_ids, uploaded_ids);

    // attachment_deleted: the attachment as it was.
    let deleted = admin
        .delete(&format!("/rest/api/3/attachment/{}", attachment_ids[0]))
        .await;
    assert_eq!(deleted.status, reqwest::StatusCode::NO_CONTENT);
    let got = listing.next().await;
    assert_eq!(got.event(), "attachment_deleted");
    assert_signed(&got, secret);
    assert_eq!(got.body["attachment"]["id"], attachment_ids[0]);
    assert_eq!(got.body["attachment"]["filename"], "notes.txt");

    // issuelink_created: source (outward, "blocks") and destination by numeric id.
    let linked = admin
        .post(
            "/rest/api/3/issueLink",
            &json!({
                "type": {"name": "Blocks"},
                "inwardIssue": {"key": destination},
                "outwardIssue": {"key": source},
            }),
        )
        .await;
    assert_eq!(
        linked.status,
        reqwest::StatusCode::CREATED,
        "{}",
        linked.text
    );
    let link_id: u64 = admin
        .get(&format!("/rest/api/3/issue/{source}?fields=issuelinks"))
        .await
        .str_at("/fields/issuelinks/0/id")
        .parse()
        .expect("a link id");
    let expected_link = json!({
        "id": link_id,
        "sourceIssueId": source_id,
        "destinationIssueId": destination_id,
        "issueLinkType": {
            "id": 10000,
            "name": "Blocks",
            "outwardName": "blocks",
            "inwardName": "is blocked by",
            "isSubTaskLinkType": false,
            "isSystemLinkType": false,
        },
        "systemLink": false,
    });
    let got = listing.next().await;
    assert_eq!(got.event(), "issuelink_created");
    assert_signed(&got, secret);
    assert_eq!(keys(&got.body), ["issueLink", "timestamp", "webhookEvent"]);
    assert_eq!(got.body["issueLink"], expected_link);

    // Linking the same issues again makes no link and raises nothing.
    let again = admin
        .post(
            "/rest/api/3/issueLink",
            &json!({
                "type": {"name": "Blocks"},
                "inwardIssue": {"key": destination},
                "outwardIssue": {"key": source},
            }),
        )
        .await;
    assert_eq!(again.status, reqwest::StatusCode::CREATED);

    // issuelink_deleted: the link as it was.
    let unlinked = admin
        .delete(&format!("/rest/api/3/issueLink/{link_id}"))
        .await;
    assert_eq!(unlinked.status, reqwest::StatusCode::NO_CONTENT);
    let got = listing.next().await;
    assert_eq!(got.event(), "issuelink_deleted");
    assert_signed(&got, secret);
    assert_eq!(got.body["issueLink"], expected_link);
    listing.nothing_more().await;

    // The other admin webhook and the app saw the two new issues and nothing else.
    for receiver in [&mut others, &mut app] {
        for _ in 0..2 {
            assert_eq!(receiver.next().await.event(), "jira:issue_created");
        }
        receiver.nothing_more().await;
    }
    sim.shutdown().await;
}
