//! `runtime serve`: Kiln apps as a long-running service.
//!
//! Apps are invoked by what Forge apps are invoked by: **web triggers** (an unguessable URL
//! per installation and module, `web_trigger`), **Jira product events** (webhooks, verified
//! and deduplicated, mapped to Forge's `avi:jira:*` payloads, `webhook`) and **scheduled
//! triggers** (`schedule`). Events nobody waits on go through kiln-state's persistent queue
//! and a bounded worker pool (`dispatch`); web trigger callers wait on their connection,
//! under bounded admission (`admission`). `docs/serve.md` is the operator's guide.
//!
//! The CLI (`runtime serve`, `runtime webtrigger`) parses arguments, resolves apps and
//! calls [`start`] / [`admin_client`]; everything else is here.

pub mod admin;
pub mod admin_client;
pub mod admission;
pub mod body;
pub mod clock;
pub mod config;
pub mod consent;
pub mod dispatch;
pub mod endpoint;
pub mod error;
pub mod events;
pub mod headers;
pub mod host;
pub mod installations;
pub mod invocation;
pub mod lifecycle;
pub mod loop_guard;
pub mod metrics;
pub mod pre_uninstall;
pub mod reply;
pub mod schedule;
mod secret_file;
pub mod server;
pub mod shared;
pub mod sites;
pub mod storage_key;
pub mod web_trigger;
pub mod webhook;

pub use config::{ConfigError, ServeConfig};
pub use endpoint::Endpoint;
pub use error::StartError;
pub use host::{AppBundle, AppBundles};
pub use server::{Running, ServeOptions, shutdown_signal, start};
