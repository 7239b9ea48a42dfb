//! Jira's webhooks, sent by the simulator on its own writes.
//!
//! Two kinds of registration, as on Jira Cloud:
//! - **dynamic webhooks**, registered by an OAuth 2.0 app through
//!   `/rest/api/3/webhook` (owned by the app, JQL-filtered, expiring after 30 days
//!   unless refreshed; deliveries carry `matchedWebhookIds` and are authenticated as
//!   Jira authenticates them to OAuth 2.0 apps: `Authorization: Bearer <JWT>`, HS256 under
//!   the app's client secret ([`bearer`]);
//! - **admin webhooks**, configured by a site administrator (here: the seed's
//!   `webhooks` or [`crate::Simulator::add_admin_webhook`]), optionally with a secret
//!   that signs each delivery (`X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`).
//!
//! A write raises [`event::Raised`] events while the world is locked
//! ([`registry::Registry::targets`] picks who gets them there, so deliveries are
//! queued in write order), and [`delivery::Deliveries`] sends them in the background,
//! one queue per destination so each receiver sees them in that order, with bounded
//! retries. Destinations are loopback-only unless configured otherwise
//! ([`target`]): a registration is caller input and must not turn the simulator into
//! a client for arbitrary hosts.

pub mod acting_app;
pub(crate) mod admin_event;
pub mod bearer;
mod changelog;
mod config;
pub(crate) mod delivery;
pub(crate) mod event;
pub(crate) mod registry;
mod signature;
pub(crate) mod target;

pub use bearer::bearer_authorization;
pub use config::{WebhookConfig, WebhookTargets};
pub use event::WebhookEvent;
pub use registry::{AdminWebhook, WebhookError};
pub use signature::signature_header;
