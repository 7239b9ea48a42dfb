//! The runtime: one Jira client and the options of one site, on an engine
//! host ([`crate::engine_host`]: the engine, its pool, the linkers and the
//! compiled code) shared by every app it loads, and by the runtimes of other
//! sites that are given the same host. Loading an app compiles and checks
//! its component once (or loads the artifact compiled last time, see
//! [`crate::cache`]) and prepares an `InstancePre` with its exports
//! resolved; each invocation then gets a fresh Store and instance from it
//! (see [`crate::invoke`]).

use std::sync::Arc;

use kiln_manifest::{EgressAllowlist, Manifest};
use tokio::sync::Semaphore;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::bindings::{AppPre, WorldVersion};
pub use crate::cache::CacheMode;
use crate::cache::{ArtifactCache, ArtifactMemory};
use crate::compiled::{CompiledApp, HashedComponent};
use crate::consent::{OperatorPolicy, PolicyRefusal};
use crate::egress::{EgressApp, EgressConfig};
use crate::engine::{AllocatorInUse, FuelMetering, InstanceAllocation};
use crate::engine_host::{EngineHost, EngineSettings};
use crate::exported_handlers::check_handlers_exported;
use crate::guest_text::{GuestText, MAX_GUEST_ERROR_BYTES, cap_owned};
use crate::jira::audit::{AuditSink, NoAudit};
use crate::jira::client::JiraClient;
use crate::limits::{EffectiveLimits, OperatorLimits};
use crate::sandbox::code_limits::check_code_limits;
use crate::sandbox::compile_deadline::{CompileBudget, compile_within};
use crate::sandbox::component_check::{ComponentError, check_format, check_world};
use crate::sandbox::import_precheck::check_imports_before_compiling;
use crate::sandbox::state::InvocationState;
use crate::shared_engine::{compile_app, split::ENGINE_IMPORT};
use crate::storage::StorageHost;

/// Options of a [`Runtime`].
pub struct RuntimeOptions {
    pub operator: OperatorLimits,
    pub audit: Arc<dyn AuditSink>,
    /// Where compiled components are cached (`CacheMode::Disabled` for
    /// `runtime run --no-cache`).
    pub cache: CacheMode,
    /// How instances are allocated; by default a pool, whose slot count is
    /// also the number of invocations in flight at once.
    pub allocation: InstanceAllocation,
    /// Scopes no app may declare on this machine; an app declaring one is
    /// refused at load ([`LoadError::Forbidden`]).
    pub policy: OperatorPolicy,
    /// App storage for the `storage` interface (`kiln:app@0.2.0` on), shared by every
    /// app this runtime loads (each installation in its own namespace).
    /// `None`: storage calls answer `unavailable`. The default is in memory,
    /// for this runtime's lifetime; `runtime run` passes a SQLite file.
    pub storage: Option<StorageHost>,
    /// The site part of every installation this runtime serves. `None`: the
    /// site's cloud id, else its URL ([`crate::storage::site_identity`]).
    /// `runtime run` and `runtime serve` name the embedded simulator
    /// (`storage_site(SIMULATOR_SITE)`, [`crate::storage::storage_site`]),
    /// whose cloud id is new every run, so that an app's data outlives the run.
    pub installation_site: Option<String>,
    /// How egress requests resolve, connect and are bounded.
    pub egress: EgressConfig,
    /// Whether the engine counts fuel; by default it does, and any app may
    /// set a fuel budget. `runtime run` and `runtime serve` choose
    /// [`FuelMetering::for_manifests`] of the apps they load.
    pub fuel: FuelMetering,
    /// Where cached artifacts are loaded: by default sealed memory released
    /// with the component; `runtime run`, which loads one app and exits,
    /// chooses private memory kept until it exits
    /// ([`crate::cache::ArtifactMemory`]).
    pub artifact_memory: ArtifactMemory,
    /// Where apps' pushed events go (`kiln:app@0.4.0`'s `events`): `runtime
    /// serve`'s persistent queue, `runtime run`'s in-process one. `None`:
    /// every events call answers `unavailable`.
    pub events: Option<Arc<dyn crate::events::EventSink>>,
    /// Forge's per-push limits and Kiln's chain bound.
    pub event_limits: crate::events::EventLimits,
    /// Installations' Forge SQL databases (`kiln:app@0.5.0`'s `sql`), for
    /// apps whose manifest declares a `sql` module. The default keeps them in
    /// memory for this runtime's lifetime; `runtime run` and `runtime serve`
    /// keep them beside their state file. `None`: every statement answers
    /// `unknown-error`.
    pub forge_sql: Option<Arc<kiln_state::forge_sql::ForgeSqlStore>>,
    /// Whether JavaScript components are split around their engine, which
    /// is then compiled once for every app built on it
    /// ([`crate::shared_engine`]). On by default; off compiles each
    /// component whole, as before (benchmarks compare the two).
    pub share_engines: bool,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            operator: OperatorLimits::default(),
            audit: Arc::new(NoAudit),
            cache: CacheMode::default(),
            allocation: InstanceAllocation::default(),
            policy: OperatorPolicy::default(),
            storage: in_memory_storage(),
            installation_site: None,
            egress: EgressConfig::default(),
            fuel: FuelMetering::default(),
            artifact_memory: ArtifactMemory::default(),
            events: None,
            event_limits: crate::events::EventLimits::default(),
            forge_sql: Some(Arc::new(kiln_state::forge_sql::ForgeSqlStore::new(
                kiln_state::forge_sql::ForgeSqlPlacement::Memory,
                kiln_state::forge_sql::ForgeSqlLimits::default(),
            ))),
            share_engines: true,
        }
    }
}

/// App storage in memory under a fresh host key: what a runtime has unless
/// told otherwise. `None` only when the OS has no randomness for the key.
pub fn in_memory_storage() -> Option<StorageHost> {
    let key = kiln_state::EncryptionKey::generate()
        .map_err(|error| tracing::warn!("no in-memory app storage: {error}"))
        .ok()?;
    Some(StorageHost::new(kiln_state::AppStorage::in_memory(
        kiln_state::StorageLimits::default(),
        kiln_state::SecretCipher::new(key),
    )))
}

/// Kiln's host for one site: its Jira client and options, on an
/// [`EngineHost`] it may share with the runtimes of other sites.
pub struct Runtime {
    host: Arc<EngineHost>,
    client: Arc<JiraClient>,
    options: RuntimeOptions,
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(String),
    /// A runtime was given a shared [`EngineHost`] built with another
    /// engine setting than its options ask for (this one, by name).
    #[error("the shared engine was built with another `{0}` than this runtime's options ask for")]
    HostMismatch(&'static str),
}

/// Why an app could not be loaded. Every case is bad input, reported before
/// any guest code runs. The linker's message quotes the component's import
/// names: capped here, escaped by `Display`.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Component(#[from] ComponentError),
    #[error("the component cannot be linked: {}", GuestText(.0))]
    Link(String),
    #[error(transparent)]
    Forbidden(#[from] PolicyRefusal),
    /// The manifest sets a fuel budget that this runtime's engine cannot
    /// count ([`FuelMetering::Off`]): refused rather than run without it.
    #[error(
        "app `{}` sets a fuel budget, but this runtime was started without fuel metering",
        GuestText(.app)
    )]
    FuelNotCounted { app: String },
    /// [`Runtime::load_hashed_with_client`] was given a client of another site
    /// than the runtime's: one runtime serves one site, so that no site's
    /// credentials are attached to another's requests.
    #[error("an app's own Jira client must be for this runtime's site ({site})")]
    OtherSite { site: String },
}

impl LoadError {
    fn link(error: &wasmtime::Error) -> Self {
        LoadError::Link(cap_owned(format!("{error:#}"), MAX_GUEST_ERROR_BYTES))
    }
}

impl Runtime {
    /// A runtime with an engine host of its own.
    pub fn new(client: JiraClient, options: RuntimeOptions) -> Result<Self, RuntimeError> {
        let host = EngineHost::new(EngineSettings::of(&options))?;
        Self::on_host(host, client, options)
    }

    /// A runtime on `host`, shared with other runtimes (other sites'):
    /// refused if `options` ask for another engine than `host` has
    /// ([`EngineHost`] says what is shared and why that is safe).
    pub fn on_host(
        host: Arc<EngineHost>,
        client: JiraClient,
        options: RuntimeOptions,
    ) -> Result<Self, RuntimeError> {
        host.check(&options)?;
        Ok(Self {
            host,
            client: Arc::new(client),
            options,
        })
    }

    /// The engine host this runtime runs on.
    pub fn host(&self) -> &Arc<EngineHost> {
        &self.host
    }

    pub fn engine(&self) -> &Engine {
        self.host.engine()
    }

    /// The instance allocator in use (the pool, or on-demand after a
    /// fallback).
    pub fn allocator(&self) -> AllocatorInUse {
        self.host.allocator()
    }

    /// The artifact cache in use, if any.
    pub fn cache(&self) -> Option<&ArtifactCache> {
        self.host.cache()
    }

    /// The Jira client (site and credentials) invocations use.
    pub fn client(&self) -> &Arc<JiraClient> {
        &self.client
    }

    /// Compiles (or loads from the artifact cache) and checks a component and
    /// prepares it for invocations. Compilation runs on a blocking thread so
    /// the executor keeps serving, within the operator's compile budget
    /// ([`crate::sandbox::compile_deadline`]).
    pub async fn load(&self, wasm: Vec<u8>, manifest: Manifest) -> Result<LoadedApp, LoadError> {
        self.load_hashed(HashedComponent::new(wasm), manifest).await
    }

    /// [`Self::load`] of a component whose SHA-256 the caller needed too
    /// (the CLI binds consent to it): hashed once for both.
    pub async fn load_hashed(
        &self,
        component: HashedComponent,
        manifest: Manifest,
    ) -> Result<LoadedApp, LoadError> {
        let (wasm, digest) = component.into_parts();
        // The manifest first: a refused app costs no compile.
        self.check_manifest(&manifest)?;
        check_format(&wasm)?;
        // A refused import is named before a (possibly long) compile; the
        // manifest's backends decide whether wasi:http may be imported at all.
        let allowlist = manifest.egress_allowlist();
        check_imports_before_compiling(&wasm, !allowlist.is_empty())?;
        // A function whose handler the component does not export fails now, not at the
        // first event that runs it.
        check_handlers_exported(&wasm, &manifest)?;
        if let Some(component) = self.host.compiled.get(&digest) {
            // The same bytes passed the code-shape check when first compiled.
            tracing::debug!(
                app = %GuestText(&manifest.app.id),
                "component shared with an app loaded earlier from the same bytes"
            );
            let mut app = self.prepare_allowed(&component, manifest, allowlist)?;
            app.from_cache = true;
            return Ok(app);
        }
        let engine = self.host.engine.clone();
        let cache = self.host.cache.clone();
        let engines = self
            .options
            .share_engines
            .then(|| self.host.engines.clone());
        let budget = CompileBudget {
            cpu: self.options.operator.max_compile_time,
            wall: self.options.operator.max_compile_wall_time,
        };
        let ((component, from_cache), cost) = compile_within(budget, move |allowance| {
            compile_app(
                &engine,
                cache.as_ref(),
                engines.as_deref(),
                &wasm,
                &digest,
                |wasm| {
                    // The shape check recognises a vetted engine by its code's
                    // digest; only then is its compile allowance granted.
                    let admission = check_code_limits(wasm)?;
                    allowance.grant(admission.compile_allowance());
                    Ok(())
                },
            )
        })
        .await?;
        tracing::info!(
            app = %GuestText(&manifest.app.id),
            from_cache,
            cpu_ms = cost.cpu.map(|cpu| cpu.as_millis() as u64),
            wall_ms = cost.wall.as_millis() as u64,
            "{}",
            if from_cache { "component loaded from the artifact cache" } else { "component compiled" }
        );
        let component = self.host.compiled.remember(digest, &component);
        let mut app = self.prepare_allowed(&component, manifest, allowlist)?;
        app.from_cache = from_cache;
        Ok(app)
    }

    /// [`Self::load_hashed`] of an app that calls this runtime's site with
    /// credentials of its own: `client` must be for the same site (URL and
    /// cloud id), else [`LoadError::OtherSite`]. `runtime serve` gives each
    /// app on the embedded simulator an app integration of its own, as Jira
    /// gives each Forge app one, so that what Jira keys by the app (its app
    /// properties, its custom fields' values) is each app's alone.
    pub async fn load_hashed_with_client(
        &self,
        component: HashedComponent,
        manifest: Manifest,
        client: JiraClient,
    ) -> Result<LoadedApp, LoadError> {
        let (ours, theirs) = (self.client.site(), client.site());
        if ours.site_url() != theirs.site_url() || ours.cloud_id() != theirs.cloud_id() {
            return Err(LoadError::OtherSite {
                site: ours.site_url().to_owned(),
            });
        }
        let mut app = self.load_hashed(component, manifest).await?;
        app.client = Arc::new(client);
        Ok(app)
    }

    /// Prepares an already compiled component.
    pub fn prepare(
        &self,
        component: &Component,
        manifest: Manifest,
    ) -> Result<LoadedApp, LoadError> {
        self.check_manifest(&manifest)?;
        let allowlist = manifest.egress_allowlist();
        let compiled = CompiledApp {
            component: component.clone(),
            engine: None,
        };
        self.prepare_allowed(&compiled, manifest, allowlist)
    }

    /// What a manifest must pass on this runtime before its component is
    /// looked at, for every way in ([`Self::load_hashed`], [`Self::prepare`]):
    /// the operator's policy on its scopes, and an engine that can count the
    /// fuel budget it sets.
    fn check_manifest(&self, manifest: &Manifest) -> Result<(), LoadError> {
        self.options
            .policy
            .check(&manifest.app.id, &manifest.declared_scopes())?;
        if manifest.app.runtime.fuel.is_some() && !self.options.fuel.counts() {
            return Err(LoadError::FuelNotCounted {
                app: manifest.app.id.clone(),
            });
        }
        Ok(())
    }

    /// [`Runtime::prepare`] for an app the policy allows, whose manifest
    /// declares `allowlist`.
    fn prepare_allowed(
        &self,
        compiled: &CompiledApp,
        manifest: Manifest,
        allowlist: EgressAllowlist,
    ) -> Result<LoadedApp, LoadError> {
        let component = &compiled.component;
        let egress = !allowlist.is_empty();
        let world = check_world(
            &self.host.engine,
            component,
            egress,
            compiled.engine.is_some(),
        )?;
        let linker = if egress {
            &self.host.http_linker
        } else {
            &self.host.linker
        };
        let instance_pre = match &compiled.engine {
            None => linker.instantiate_pre(component),
            // A split component imports its engine's compiled module, which
            // only this app's linker holds.
            Some(engine_module) => {
                let mut linker = linker.clone();
                linker
                    .root()
                    .module(ENGINE_IMPORT, engine_module)
                    .and_then(|()| linker.instantiate_pre(component))
            }
        }
        .map_err(|e| LoadError::link(&e))?;
        let pre = AppPre::new(world, instance_pre).map_err(|e| LoadError::link(&e))?;
        let limits = EffectiveLimits::resolve(&manifest.app.runtime, &self.options.operator);
        let scopes = manifest.declared_scopes();
        // A component that cannot read its environment does not make every
        // invocation read its variables from the state database.
        let reads_environment = component
            .component_type()
            .imports(&self.host.engine)
            .any(|(name, _)| name.starts_with("wasi:cli/environment@"));
        Ok(LoadedApp {
            pre,
            reads_environment,
            storage_allowed: scopes.contains(kiln_manifest::Scope::StorageApp),
            storage: self.options.storage.clone(),
            installation_site: Arc::from(self.options.installation_site.clone().unwrap_or_else(
                || {
                    let site = self.client.site();
                    crate::storage::site_identity(site.cloud_id(), site.site_url()).to_owned()
                },
            )),
            scopes: Arc::new(scopes),
            egress: Arc::new(EgressApp {
                allowlist,
                overrides: self.options.policy.egress().clone(),
                config: self.options.egress.clone(),
            }),
            app_id: Arc::from(manifest.app.id.as_str()),
            events: self.options.events.clone(),
            queues: Arc::new(crate::events::Queues::of_manifest(&manifest)),
            event_limits: self.options.event_limits,
            forge_sql: self.options.forge_sql.clone(),
            last_installation: Default::default(),
            manifest: Arc::new(manifest),
            limits,
            client: self.client.clone(),
            audit: self.options.audit.clone(),
            engine: self.host.engine.clone(),
            slots: self.host.slots.clone(),
            counts_fuel: self.options.fuel.counts(),
            from_cache: false,
        })
    }
}

/// An app ready to be invoked: its component prepared once, its manifest and
/// limits resolved once.
pub struct LoadedApp {
    pub(crate) pre: AppPre<InvocationState>,
    pub(crate) storage: Option<StorageHost>,
    /// Whether the component imports `wasi:cli/environment` (its config
    /// variables are read for each invocation only then).
    pub(crate) reads_environment: bool,
    /// Whether the manifest declares `storage:app`.
    pub(crate) storage_allowed: bool,
    /// The site part of this app's installations.
    pub(crate) installation_site: Arc<str>,
    pub(crate) manifest: Arc<Manifest>,
    pub(crate) scopes: Arc<kiln_manifest::DeclaredScopes>,
    pub(crate) egress: Arc<EgressApp>,
    pub(crate) app_id: Arc<str>,
    pub(crate) limits: EffectiveLimits,
    pub(crate) client: Arc<JiraClient>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) engine: Engine,
    pub(crate) slots: Option<Arc<Semaphore>>,
    /// Whether the engine counts fuel (else the app sets no budget:
    /// [`Runtime`] refuses one it cannot count).
    pub(crate) counts_fuel: bool,
    pub(crate) from_cache: bool,
    pub(crate) events: Option<Arc<dyn crate::events::EventSink>>,
    /// The manifest's queues and their consumers.
    pub(crate) queues: Arc<crate::events::Queues>,
    pub(crate) event_limits: crate::events::EventLimits,
    pub(crate) forge_sql: Option<Arc<kiln_state::forge_sql::ForgeSqlStore>>,
    /// The installation of the environment it last ran in, checked and
    /// hashed once rather than on every invocation.
    pub(crate) last_installation: crate::installation_identity::LastInstallation,
}

/// What a queue event runs: the consumer module's function, and the
/// resolver method when the consumer names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerTarget {
    pub function: String,
    pub resolver_method: Option<String>,
}

impl LoadedApp {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The function (and resolver method) the consumer module `key` runs;
    /// `Err`: the manifest has no such consumer (a queued event outlived
    /// its module), said in a sentence naming nothing of the event.
    pub fn consumer_target(&self, key: &str) -> Result<ConsumerTarget, String> {
        let consumer = self
            .manifest
            .consumers()
            .iter()
            .find(|consumer| consumer.key == key)
            .ok_or_else(|| "the app no longer declares the event's consumer module".to_owned())?;
        let function = consumer
            .function_key()
            .ok_or_else(|| "the consumer module names no function".to_owned())?;
        Ok(ConsumerTarget {
            function: function.to_owned(),
            resolver_method: consumer
                .resolver
                .as_ref()
                .and_then(|resolver| resolver.method.clone()),
        })
    }

    /// The app storage this app's invocations use (and its config variables live in),
    /// if any: `runtime serve` keeps the installation's sealed web trigger ids there.
    pub fn storage(&self) -> Option<&StorageHost> {
        self.storage.as_ref()
    }

    pub fn limits(&self) -> &EffectiveLimits {
        &self.limits
    }

    /// The site part of this app's installations in app storage: the simulator's storage
    /// name, or a real site's cloud id (else its URL).
    pub fn installation_site(&self) -> &str {
        &self.installation_site
    }

    /// Whether the component imports `wasi:cli/environment`: only then does an
    /// invocation read its environment (config variables, web trigger URLs).
    pub fn reads_environment(&self) -> bool {
        self.reads_environment
    }

    /// The `kiln:app` world the component was built for.
    pub fn world(&self) -> WorldVersion {
        self.pre.version()
    }

    /// Whether [`Runtime::load`] found the compiled component instead of
    /// compiling it: in the artifact cache, or already loaded by this
    /// runtime from the same bytes ([`crate::compiled`]).
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{ATLASSIAN_GATEWAY, Site};
    use crate::{Credentials, HttpLimits};

    fn runtime(policy: OperatorPolicy) -> Runtime {
        let site = Site::new("http://127.0.0.1:9", ATLASSIAN_GATEWAY, "c0ffee-1").unwrap();
        let client = JiraClient::new(site, Credentials::default(), HttpLimits::default()).unwrap();
        Runtime::new(
            client,
            RuntimeOptions {
                policy,
                cache: CacheMode::Disabled,
                allocation: InstanceAllocation::sequential(),
                ..RuntimeOptions::default()
            },
        )
        .unwrap()
    }

    fn manifest(scopes: &[&str]) -> Manifest {
        let scopes: String = scopes.iter().map(|s| format!("    - {s}\n")).collect();
        Manifest::from_yaml(&format!(
            "app:\n  id: policy-test\n  name: Policy test\nmodules:\n  function:\n    - key: main\n      handler: main\npermissions:\n  scopes:\n{scopes}"
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn the_operator_policy_refuses_at_load_before_compiling() {
        let runtime = runtime(OperatorPolicy::forbidding(["manage:jira-configuration"
            .parse()
            .unwrap()]));
        // Not even a component: the policy answers before any compile.
        let refused = runtime
            .load(
                b"not wasm".to_vec(),
                manifest(&["read:jira-work", "manage:jira-configuration"]),
            )
            .await;
        match refused {
            Err(LoadError::Forbidden(refusal)) => {
                assert_eq!(refusal.app_id, "policy-test");
                assert_eq!(
                    refusal.scopes,
                    ["manage:jira-configuration"
                        .parse::<kiln_manifest::Scope>()
                        .unwrap()]
                );
            }
            other => panic!("expected a policy refusal, got {:?}", other.err()),
        }
        // An allowed app goes on to the component checks.
        let allowed = runtime
            .load(b"not wasm".to_vec(), manifest(&["read:jira-work"]))
            .await;
        assert!(matches!(allowed, Err(LoadError::Component(_))));
    }
}
