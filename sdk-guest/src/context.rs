//! What an invocation runs on behalf of.

use std::fmt;

/// What the host tells a handler about its invocation. It never contains a
/// credential.
///
/// In unit tests, start from [`testing::context`](crate::testing::context)
/// and change the fields the test is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// Unique per invocation; the host's audit lines carry the same id, so
    /// logging it ties the app's log to the host's.
    pub invocation_id: String,
    /// The Atlassian account id of the invoking user, if known.
    pub account_id: Option<String>,
    /// The site's cloud id, needed in Jira Service Management Ops paths
    /// (`/jsm/ops/api/{cloudId}/v1/...`).
    pub cloud_id: String,
    /// The site's base URL, for building links in the app's output. Requests
    /// never use it: the host owns the origin.
    pub site_url: String,
    /// The manifest key of the module being invoked.
    pub module_key: String,
    /// The installation (app × site × environment) whose
    /// [`storage`](crate::storage) and credentials this invocation uses;
    /// stable across invocations, so it can tell installations apart in
    /// logs or in values the app sends elsewhere.
    pub installation_id: String,
    /// What started the invocation.
    pub trigger: TriggerKind,
    /// The environment name (`development`, `staging`, `production`, or an
    /// operator's own), as Forge's `environmentType`.
    pub environment: String,
}

/// What started an invocation, as the manifest's module kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    /// A person or a script ran a `function` module (`runtime run`).
    Function,
    /// A Jira product event delivered to a `trigger` module.
    ProductEvent,
    /// An HTTP request to a `webtrigger` module's URL.
    WebTrigger,
    /// A `scheduledTrigger` module's interval came round.
    Scheduled,
    /// An event pushed to a queue reached the queue's `consumer` module;
    /// the payload is a [`QueueEvent`](crate::events::QueueEvent).
    QueueEvent,
}

impl fmt::Display for TriggerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriggerKind::Function => "function",
            TriggerKind::ProductEvent => "product event",
            TriggerKind::WebTrigger => "web trigger",
            TriggerKind::Scheduled => "scheduled",
            TriggerKind::QueueEvent => "queue event",
        })
    }
}
