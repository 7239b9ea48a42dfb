//! A loopback receiver of the simulator's webhook deliveries, for tests that
//! watch what a write sent: [`receiver`] gives its URL and the bodies in
//! arrival order, [`next_delivery`] waits for the next one, and
//! [`start_with_hook`] starts a simulator that delivers one event to it.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use kiln_sim::{AdminWebhook, Seed, SimConfig, Simulator, WebhookEvent};
use serde_json::Value;
use tokio::sync::mpsc;

/// A simulator whose one admin webhook (`name`) delivers `event` to `url`.
pub async fn start_with_hook(url: &str, name: &str, event: WebhookEvent) -> Simulator {
    let seed = Seed {
        webhooks: vec![AdminWebhook {
            name: name.to_owned(),
            url: url.to_owned(),
            events: vec![event],
            jql_filter: None,
            secret: None,
        }],
        ..Seed::default()
    };
    super::start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
}

/// The receiver's URL (`http://127.0.0.1:PORT/hook`) and each delivery's body
/// (`null` for one that is not JSON), in arrival order.
pub async fn receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    async fn receive(State(tx): State<mpsc::UnboundedSender<Value>>, raw: Bytes) -> StatusCode {
        let _ = tx.send(serde_json::from_slice(&raw).unwrap_or(Value::Null));
        StatusCode::OK
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route("/hook", post(receive)).with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

/// The next delivery, within 10 s.
pub async fn next_delivery(rx: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a delivery within 10 s")
        .expect("receiver open")
}

/// An admin webhook without a secret delivering `events` to `url`, for issues
/// matching `jql` (all when `None`).
pub fn admin_hook(url: &str, events: &[WebhookEvent], jql: Option<&str>) -> AdminWebhook {
    AdminWebhook {
        name: String::from("test"),
        url: url.to_owned(),
        events: events.to_vec(),
        jql_filter: jql.map(str::to_owned),
        secret: None,
    }
}

/// A simulator with the default seed and these admin webhooks.
pub async fn start_with_hooks(hooks: Vec<AdminWebhook>) -> Simulator {
    let seed = Seed {
        webhooks: hooks,
        ..Seed::default()
    };
    super::start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
}

/// Asserts nothing more arrives within a short wait.
pub async fn nothing_more(rx: &mut mpsc::UnboundedReceiver<Value>) {
    let extra = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
    assert!(extra.is_err(), "unexpected delivery: {extra:?}");
}

/// Asserts a dynamic webhook for `events` is refused, each event named in its
/// `errors`, as Jira refuses the events `WebhookDetails.events` does not list.
pub async fn assert_dynamic_refuses(events: &[WebhookEvent]) {
    let (url, _rx) = receiver().await;
    let sim = start_with_hooks(Vec::new()).await;
    let token = super::oauth::app_access_token(&sim).await;
    let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    let registered = super::send(
        super::client()
            .post(format!(
                "{}/ex/jira/{}/rest/api/3/webhook",
                sim.base_url(),
                sim.cloud_id()
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "url": url,
                "webhooks": [{ "events": names, "jqlFilter": "project = KILN" }],
            })),
    )
    .await;
    assert_eq!(
        registered.status,
        reqwest::StatusCode::OK,
        "{}",
        registered.text
    );
    let errors: Vec<String> = names
        .iter()
        .map(|name| format!("The event {name} is unsupported"))
        .collect();
    assert_eq!(
        registered.body["webhookRegistrationResult"],
        serde_json::json!([{ "errors": errors }])
    );
    sim.shutdown().await;
}
