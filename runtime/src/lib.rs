//! Kiln's host: runs untrusted Jira app components in a wasmtime sandbox.
//!
//! An app is a WebAssembly component of a `kiln:app` world (`0.1.0` to
//! `0.4.0`, [`bindings`]) plus a manifest. The only way out of the sandbox is the `request-jira` import:
//! the host validates the path, matches the route against the catalogue,
//! checks the manifest's scopes, attaches the credential itself and returns
//! the response. The guest never holds a credential.
//!
//! ```no_run
//! # async fn demo(client: kiln_runtime::JiraClient, wasm: Vec<u8>, manifest: kiln_manifest::Manifest) -> anyhow::Result<()> {
//! use kiln_runtime::{Invocation, Runtime, RuntimeOptions};
//! let runtime = Runtime::new(client, RuntimeOptions::default())?;
//! let app = runtime.load(wasm, manifest).await?;
//! let invoked = app.invoke(Invocation { payload: "{}".into(), ..Default::default() }).await?;
//! println!("{:?}", invoked.result);
//! # Ok(()) }
//! ```

pub mod advisor;
pub mod bindings;
pub mod cache;
pub mod compiled;
mod compiler_heap;
pub mod consent;
pub mod credentials;
pub mod egress;
pub mod engine;
pub mod engine_host;
pub mod events;
pub mod exported_handlers;
pub mod guest_env;
/// Guest text made safe to print (its own crate, shared with the guest build).
pub use kiln_guest_text as guest_text;
mod installation_identity;
pub mod invoke;
pub mod jira;
pub mod limits;
pub mod oauth;
pub mod policy;
pub mod private_file;
pub mod refresh_ahead;
pub mod runtime;
pub mod sandbox;
pub mod shared_engine;
pub mod site;
pub mod sql;
pub mod storage;

pub use credentials::{Credential, Credentials, SiteCredentials};
pub use engine_host::{EngineHost, EngineSettings};
pub use invoke::{Invocation, InvocationFailure, InvokeError, Invoked, PayloadSource, ResultCheck};
pub use jira::audit::{AuditRecord, AuditSink, FileAudit, MemoryAudit, NoAudit};
pub use jira::client::{HttpLimits, JiraClient};
pub use limits::{EffectiveLimits, OperatorLimits};
pub use runtime::{LoadError, LoadedApp, Runtime, RuntimeError, RuntimeOptions};
pub use site::Site;
pub use storage::{DEFAULT_ENVIRONMENT, StorageHost};
