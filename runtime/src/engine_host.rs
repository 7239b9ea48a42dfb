//! The half of a [`Runtime`](crate::Runtime) that names no site: one
//! wasmtime engine with its instance pool and epoch ticker, the linkers in
//! which every world's imports are defined, the artifact cache, and the code
//! compiled so far (components, and the JavaScript engines they share).
//!
//! `runtime serve` talks to several sites, each through a runtime of its own
//! (its own Jira client, so one site's credential can never be attached to
//! another site's request). Until each site's runtime shared one host, every
//! site built all of this again: a pool reserving about 2 TiB of address
//! space (256 slots), an epoch thread, and a compiled copy of every app it
//! serves. An app served to fifty sites was compiled fifty times, and fifty
//! pools came near the 128 TiB a process may map, past which a pool cannot
//! be reserved and the runtime falls back to slower on-demand allocation.
//!
//! Sharing is safe because nothing here depends on a site:
//! - compiled code is a function of the component's bytes and the engine's
//!   settings ([`EngineSettings`]), which runtimes sharing a host agree on;
//! - a pool slot is reset before it is reused, whichever app, installation
//!   or site used it last (SECURITY.md, "Memory");
//! - the linkers' host functions reach a site only through the invocation's
//!   state, which carries the invoking runtime's own client and storage.
//!
//! The pool's slots are then the host's: at most that many invocations run
//! at once across all sites, and more wait for a slot. `runtime serve`'s
//! per-app limits keep one app from holding them all.

use std::sync::Arc;

use tokio::sync::Semaphore;
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

use crate::bindings;
use crate::cache::{ArtifactCache, ArtifactMemory, CacheMode, open_or_log};
use crate::compiled::CompiledComponents;
use crate::engine::{AllocatorInUse, EpochTicker, FuelMetering, InstanceAllocation, new_engine};
use crate::runtime::{RuntimeError, RuntimeOptions};
use crate::sandbox::state::InvocationState;
use crate::shared_engine::{SharedEngines, shared_engines};

/// What an [`EngineHost`] is built from: the parts of [`RuntimeOptions`]
/// that shape the engine, its pool or its cache. Runtimes share a host only
/// when their options agree on every one ([`RuntimeError::HostMismatch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// The pool's memory slot size (the operator's `max_memory_mib`).
    pub max_memory_mib: u32,
    pub allocation: InstanceAllocation,
    pub fuel: FuelMetering,
    pub artifact_memory: ArtifactMemory,
    pub cache: CacheMode,
}

/// The settings of [`RuntimeOptions::default`].
impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            max_memory_mib: crate::OperatorLimits::default().max_memory_mib,
            allocation: InstanceAllocation::default(),
            fuel: FuelMetering::default(),
            artifact_memory: ArtifactMemory::default(),
            cache: CacheMode::default(),
        }
    }
}

impl EngineSettings {
    /// The settings `options` ask for.
    pub fn of(options: &RuntimeOptions) -> Self {
        Self {
            max_memory_mib: options.operator.max_memory_mib,
            allocation: options.allocation,
            fuel: options.fuel,
            artifact_memory: options.artifact_memory,
            cache: options.cache.clone(),
        }
    }

    /// The first setting in which `self` and `other` differ, by name.
    fn first_difference(&self, other: &Self) -> Option<&'static str> {
        if self.max_memory_mib != other.max_memory_mib {
            Some("max_memory_mib")
        } else if self.allocation != other.allocation {
            Some("allocation")
        } else if self.fuel != other.fuel {
            Some("fuel")
        } else if self.artifact_memory != other.artifact_memory {
            Some("artifact_memory")
        } else if self.cache != other.cache {
            Some("cache")
        } else {
            None
        }
    }
}

/// One engine, its pool, linkers, cache and compiled code, for any number
/// of runtimes (module docs).
pub struct EngineHost {
    pub(crate) engine: Engine,
    pub(crate) allocator: AllocatorInUse,
    pub(crate) linker: Linker<InvocationState>,
    /// `linker` plus `wasi:http`, for apps that declare egress backends.
    pub(crate) http_linker: Linker<InvocationState>,
    pub(crate) cache: Option<ArtifactCache>,
    /// Components already compiled by this engine, shared by every app
    /// loaded from the same bytes, on any site.
    pub(crate) compiled: Arc<CompiledComponents>,
    /// JavaScript engines compiled once for every app built on them
    /// ([`crate::shared_engine`]).
    pub(crate) engines: Arc<SharedEngines>,
    /// One permit per pool slot: an invocation waits here for a slot rather
    /// than failing to instantiate when the pool is full.
    pub(crate) slots: Option<Arc<Semaphore>>,
    settings: EngineSettings,
    _ticker: EpochTicker,
}

impl EngineHost {
    pub fn new(settings: EngineSettings) -> Result<Arc<Self>, RuntimeError> {
        let engine_error = |e: wasmtime::Error| RuntimeError::Engine(e.to_string());
        let max_memory_bytes =
            usize::try_from(u64::from(settings.max_memory_mib) * 1024 * 1024).unwrap_or(usize::MAX);
        let (engine, allocator) = new_engine(
            &settings.allocation,
            max_memory_bytes,
            settings.fuel,
            settings.artifact_memory,
        )
        .map_err(engine_error)?;
        let slots = match allocator {
            AllocatorInUse::Pooling { slots } => Some(Arc::new(Semaphore::new(slots as usize))),
            AllocatorInUse::OnDemand => None,
        };
        let mut linker = Linker::new(&engine);
        // WASI 0.2 is linked whole, but the context each Store gets
        // (`sandbox::wasi`) denies filesystem, env, args, sockets and lookups.
        // wasi:http is never linked here.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        // Every world's imports: their interface names carry the version, so
        // a 0.1.0 component links against 0.1.0, a 0.2.0 one against 0.2.0…
        bindings::v0_1::App::add_to_linker::<InvocationState, HasSelf<InvocationState>>(
            &mut linker,
            |state| state,
        )
        .map_err(engine_error)?;
        bindings::v0_2::App::add_to_linker::<InvocationState, HasSelf<InvocationState>>(
            &mut linker,
            |state| state,
        )
        .map_err(engine_error)?;
        bindings::v0_3::App::add_to_linker::<InvocationState, HasSelf<InvocationState>>(
            &mut linker,
            |state| state,
        )
        .map_err(engine_error)?;
        bindings::v0_4::App::add_to_linker::<InvocationState, HasSelf<InvocationState>>(
            &mut linker,
            |state| state,
        )
        .map_err(engine_error)?;
        bindings::v0_5::App::add_to_linker::<InvocationState, HasSelf<InvocationState>>(
            &mut linker,
            |state| state,
        )
        .map_err(engine_error)?;
        // wasi:http only for apps that declare a backend; every request it
        // makes goes through crate::egress.
        let mut http_linker = linker.clone();
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut http_linker)
            .map_err(engine_error)?;
        let ticker = EpochTicker::start(&engine);
        Ok(Arc::new(Self {
            cache: open_or_log(&settings.cache)
                .map(|cache| cache.with_memory(settings.artifact_memory)),
            engine,
            allocator,
            linker,
            http_linker,
            compiled: Arc::default(),
            engines: Arc::new(shared_engines()),
            slots,
            settings,
            _ticker: ticker,
        }))
    }

    /// The host for a runtime with `options`, if they agree with the
    /// settings it was built with; else the first setting that differs.
    pub(crate) fn check(&self, options: &RuntimeOptions) -> Result<(), RuntimeError> {
        match self.settings.first_difference(&EngineSettings::of(options)) {
            None => Ok(()),
            Some(setting) => Err(RuntimeError::HostMismatch(setting)),
        }
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The instance allocator in use (the pool, or on-demand after a
    /// fallback).
    pub fn allocator(&self) -> AllocatorInUse {
        self.allocator
    }

    /// The artifact cache in use, if any.
    pub fn cache(&self) -> Option<&ArtifactCache> {
        self.cache.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> RuntimeOptions {
        RuntimeOptions {
            cache: CacheMode::Disabled,
            allocation: InstanceAllocation::sequential(),
            ..RuntimeOptions::default()
        }
    }

    #[test]
    fn the_default_settings_are_the_default_options() {
        assert_eq!(
            EngineSettings::default(),
            EngineSettings::of(&RuntimeOptions::default())
        );
    }

    #[test]
    fn a_host_admits_the_options_it_was_built_from() {
        let host = EngineHost::new(EngineSettings::of(&options())).unwrap();
        assert!(host.check(&options()).is_ok());
    }

    #[test]
    fn a_host_refuses_options_that_would_need_another_engine_naming_the_setting() {
        let host = EngineHost::new(EngineSettings::of(&options())).unwrap();
        let mut memory = options();
        memory.operator.max_memory_mib += 1;
        let fuel = RuntimeOptions {
            fuel: FuelMetering::Off,
            ..options()
        };
        let cache = RuntimeOptions {
            cache: CacheMode::User,
            ..options()
        };
        for (options, setting) in [(memory, "max_memory_mib"), (fuel, "fuel"), (cache, "cache")] {
            match host.check(&options) {
                Err(RuntimeError::HostMismatch(named)) => assert_eq!(named, setting),
                other => panic!("{setting}: {other:?}"),
            }
        }
    }
}
