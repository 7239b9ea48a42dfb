//! What `runtime serve` prints at start: one JSON line per endpoint, for scripts.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Endpoint {
    /// The main listener: web triggers, webhooks, `/healthz`, `/readyz`, `/metrics`.
    #[serde(rename_all = "camelCase")]
    Listening { url: String },
    /// The admin API (token-protected).
    #[serde(rename_all = "camelCase")]
    Admin { url: String },
    /// The embedded simulator and its seeded users' throwaway credentials (as `runtime sim`
    /// prints them); apps act as `admin@example.com`.
    #[serde(rename_all = "camelCase")]
    Simulator {
        base_url: String,
        cloud_id: String,
        users: Vec<SimulatorUser>,
    },
    /// Where a site's Jira webhooks are received.
    #[serde(rename_all = "camelCase")]
    Webhook { site: String, url: String },
    /// A web trigger. `url` is shown only when issued (only its hash is kept); otherwise
    /// `runtime webtrigger APP KEY` issues a new one.
    #[serde(rename_all = "camelCase")]
    Webtrigger {
        app: String,
        site: String,
        environment: String,
        key: String,
        url: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Trigger {
        app: String,
        site: String,
        environment: String,
        key: String,
        events: Vec<String>,
    },
    /// A `consumer` module: runs for the events the app pushes to `queue`.
    #[serde(rename_all = "camelCase")]
    Consumer {
        app: String,
        site: String,
        environment: String,
        key: String,
        queue: String,
    },
    #[serde(rename_all = "camelCase")]
    ScheduledTrigger {
        app: String,
        site: String,
        environment: String,
        key: String,
        interval: String,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulatorUser {
    pub email: String,
    pub account_id: String,
    pub api_token: String,
}
