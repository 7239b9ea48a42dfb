//! The runtime: one engine, one linker and one Jira client, shared by every
//! app it loads. Loading an app compiles and checks its component once and
//! prepares an `InstancePre`; each invocation then gets a fresh Store and
//! instance from it (see [`crate::invoke`]).

use std::sync::Arc;

use kiln_manifest::Manifest;
use wasmtime::Engine;
use wasmtime::component::{Component, HasSelf, Linker};

use crate::bindings;
use crate::engine::{EpochTicker, new_engine};
use crate::jira::audit::{AuditSink, NoAudit};
use crate::jira::client::JiraClient;
use crate::limits::{EffectiveLimits, OperatorLimits};
use crate::sandbox::component_check::{ComponentError, check_bytes, check_world};
use crate::sandbox::state::InvocationState;

/// Options of a [`Runtime`].
pub struct RuntimeOptions {
    pub operator: OperatorLimits,
    pub audit: Arc<dyn AuditSink>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            operator: OperatorLimits::default(),
            audit: Arc::new(NoAudit),
        }
    }
}

/// Kiln's host.
pub struct Runtime {
    engine: Engine,
    linker: Linker<InvocationState>,
    client: Arc<JiraClient>,
    options: RuntimeOptions,
    _ticker: EpochTicker,
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(String),
}

/// Why an app could not be loaded. Every case is bad input, reported before
/// any guest code runs.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Component(#[from] ComponentError),
    #[error("the component cannot be linked: {0}")]
    Link(String),
}

impl Runtime {
    pub fn new(client: JiraClient, options: RuntimeOptions) -> Result<Self, RuntimeError> {
        let engine = new_engine().map_err(|e| RuntimeError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        // WASI 0.2 is linked whole, but the context each Store gets
        // (`sandbox::wasi`) denies filesystem, env, args, sockets and lookups.
        // wasi:http is never linked.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        bindings::App::add_to_linker::<InvocationState, HasSelf<InvocationState>>(&mut linker, |state| state)
            .map_err(|e| RuntimeError::Engine(e.to_string()))?;
        let ticker = EpochTicker::start(&engine);
        Ok(Self {
            engine,
            linker,
            client: Arc::new(client),
            options,
            _ticker: ticker,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The Jira client (site and credentials) invocations use.
    pub fn client(&self) -> &Arc<JiraClient> {
        &self.client
    }

    /// Compiles and checks a component and prepares it for invocations.
    /// Compilation runs on a blocking thread so the executor keeps serving.
    pub async fn load(&self, wasm: Vec<u8>, manifest: Manifest) -> Result<LoadedApp, LoadError> {
        check_bytes(&wasm)?;
        let engine = self.engine.clone();
        let component = tokio::task::spawn_blocking(move || Component::from_binary(&engine, &wasm))
            .await
            .map_err(|e| ComponentError::Invalid(format!("compilation did not finish: {e}")))?
            .map_err(|e| ComponentError::Invalid(format!("{e:#}")))?;
        self.prepare(&component, manifest)
    }

    /// Prepares an already compiled component.
    pub fn prepare(&self, component: &Component, manifest: Manifest) -> Result<LoadedApp, LoadError> {
        check_world(&self.engine, component)?;
        let instance_pre = self
            .linker
            .instantiate_pre(component)
            .map_err(|e| LoadError::Link(format!("{e:#}")))?;
        let pre = bindings::AppPre::new(instance_pre).map_err(|e| LoadError::Link(format!("{e:#}")))?;
        let limits = EffectiveLimits::resolve(&manifest.app.runtime, &self.options.operator);
        Ok(LoadedApp {
            pre,
            scopes: Arc::new(manifest.declared_scopes()),
            app_id: Arc::from(manifest.app.id.as_str()),
            manifest: Arc::new(manifest),
            limits,
            client: self.client.clone(),
            audit: self.options.audit.clone(),
            engine: self.engine.clone(),
        })
    }
}

/// An app ready to be invoked: its component prepared once, its manifest and
/// limits resolved once.
pub struct LoadedApp {
    pub(crate) pre: bindings::AppPre<InvocationState>,
    pub(crate) manifest: Arc<Manifest>,
    pub(crate) scopes: Arc<kiln_manifest::DeclaredScopes>,
    pub(crate) app_id: Arc<str>,
    pub(crate) limits: EffectiveLimits,
    pub(crate) client: Arc<JiraClient>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) engine: Engine,
}

impl LoadedApp {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn limits(&self) -> &EffectiveLimits {
        &self.limits
    }
}
