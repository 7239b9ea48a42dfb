//! An offline Jira Cloud simulator: Kiln's default site and the ground truth of its
//! security tests.
//!
//! [`Simulator::start`] binds an HTTP server on loopback that speaks the subset of
//! Atlassian's APIs a Kiln app can reach: the Jira platform REST API (basic auth with
//! per-run API tokens), the JSM Ops API, the OAuth 2.0 (3LO) authorization server and
//! the `api.atlassian.com/ex/jira/{cloudId}` gateway (bearer tokens, scope-checked).
//! Every request, refused or not, lands in [`Simulator::requests`], which is how the
//! security tests prove what reached "Jira" and what did not.
//!
//! Credentials are generated per start and never echoed: no response body or header
//! repeats a token or the `Authorization` header, and nothing is logged with them.

mod access;
mod adf;
mod app_clients;
mod change;
mod clock;
mod config;
mod credentials;
mod devops;
mod error;
mod expression;
mod extract;
mod faults;
#[cfg(test)]
mod hostile_text_tests;
mod jira_error;
mod jql;
mod not_modelled;
mod oauth;
mod ops;
mod platform;
mod request_log;
mod reset_listener;
mod scopes;
mod seed;
mod shared;
mod simulator;
mod software;
mod tenant_info;
mod user;
mod webhooks;
mod world;
mod write_budget;

pub use app_clients::{AppUserToken, MAX_APP_CLIENTS, TooManyApps};
pub use clock::SimClock;
pub use config::{AppClientConfig, EMBEDDED_SITE_CLOUD_ID, OAuthClientConfig, SimConfig};
pub use error::SimError;
pub use faults::{Faults, RetryAfterSecs};
pub use not_modelled::{NOT_MODELLED, SIMULATOR_HEADER, SpecOperation, spec_operations};
pub use request_log::{AuthKind, RecordedRequest};
pub use seed::{
    Seed, SeedBoard, SeedComment, SeedCustomField, SeedGroup, SeedIssue, SeedOverride,
    SeedPermission, SeedProject, SeedQuickFilter, SeedRotation, SeedSchedule, SeedSprint, SeedTeam,
    SeedTeamMember, SeedUser, TeamRole,
};
pub use simulator::Simulator;
pub use user::SimUser;
/// Kiln's extension to admin webhook deliveries naming the app that wrote
/// (`webhooks/acting_app.rs`).
pub use webhooks::acting_app::FIELD as ACTING_APP_FIELD;
pub use webhooks::{
    AdminWebhook, WebhookConfig, WebhookError, WebhookEvent, WebhookTargets, bearer_authorization,
    signature_header,
};
pub use world::entity_property_index::RegisteredIndexes;
pub use world::notification::SentNotification;
pub use write_budget::{DEFAULT_WRITE_BUDGET_BYTES, WRITE_ENTRY_BYTES};
