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
