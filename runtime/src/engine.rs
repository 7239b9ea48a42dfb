//! The wasmtime engine Kiln runs every app on, the instance allocator behind
//! it, and the epoch clock that enforces wall-clock deadlines.
//!
//! Deny-by-default settings, each against a named threat:
//!
//! | setting | value | threat |
//! |---|---|---|
//! | component model | on; core modules refused | calling host functions outside the typed WIT boundary |
//! | threads, shared memory, GC, stack switching | not compiled into Kiln's wasmtime (cargo features off) |
//! | memory64 | off | attack surface no Jira app needs |
//! | epoch interruption | on, ticking every [`EPOCH_TICK`] | infinite loops; hogging the executor |
//! | fuel | counted unless the runtime is made with [`FuelMetering::Off`]; budget from the manifest, else unlimited; an app with a budget is refused by a runtime that does not count | deterministic CPU limits where an operator wants them; an app never runs without the budget it declared |
//! | max wasm stack | [`MAX_WASM_STACK`] | unbounded recursion exhausting the host stack |
//! | async stack | [`ASYNC_STACK`] | host frames under a deep guest stack |
//! | memory | capped per Store by the limiter (manifest ∧ operator cap) | memory exhaustion |
//! | native unwind info, backtraces | on | clear traps for developers (no guest-controlled effect) |
//! | compile cost | shape limits before compiling ([`crate::sandbox::code_limits`]); a CPU-time budget per load ([`crate::OperatorLimits::max_compile_time`], raised only for a vetted engine's exact code) with a wall-clock backstop ([`crate::OperatorLimits::max_compile_wall_time`]); Cranelift at `OptLevel::Speed`, functions compiled in parallel | compile bombs: small uploads that cost minutes of CPU |
//! | instance allocation | pooling, [`InstanceAllocation`] | see below |
//! | memory initialisation | copy-on-write images (wasmtime default, kept on) | see below |
//!
//! The pooling allocator is a speed setting that must not weaken isolation,
//! so every pool bound is at least as strict as the limiter's:
//!
//! * Each pooled memory slot holds at most the operator's memory cap
//!   ([`crate::OperatorLimits::max_memory_mib`]); the limiter still enforces
//!   the smaller per-app limit inside it (memory exhaustion).
//! * Per-component counts of core instances, memories and tables, and table
//!   elements, equal the limiter's ([`crate::sandbox::limiter`]) so that the
//!   pool never admits what an on-demand Store would refuse.
//! * A slot is reset before reuse: linear memory and tables are zeroed (the
//!   guest's dirty pages up to [`memory_keep_resident`] bytes with `memset`,
//!   the rest by the kernel) and
//!   copy-on-write images are re-mapped, so one invocation can never read
//!   another's data (cross-invocation leaks). Pages the kernel has swapped
//!   out are reset too: Wasmtime 48's scan missed them, and Kiln builds it
//!   with that function patched (`vendor/wasmtime/KILN-PATCH.md`).
//! * Fiber stacks are not zeroed between invocations: guest code cannot
//!   address the native stack (wasm has no pointer into it), and zeroing
//!   [`ASYNC_STACK`] bytes per call would cost more than the instance itself.
//!
//! The pool reserves address space up front. Where it cannot (a `ulimit -v`,
//! a small address space), Kiln falls back to on-demand allocation with the
//! same limits, and says so once in the host log.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
};

use crate::cache::ArtifactMemory;
use crate::sandbox::limiter::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES};

/// How often the epoch advances. The deadline callback runs at most this
/// often per running guest: it yields to the executor (fairness between
/// invocations) and traps once the wall-clock deadline is past.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Guest stack limit (stack-overflow recursion bombs trap here, well before the
/// host stack is at risk).
pub const MAX_WASM_STACK: usize = 1024 * 1024;

/// Stack of the fiber a guest runs on: the wasm stack plus room for host
/// frames (WASI, request-jira, reqwest) called from the guest.
pub const ASYNC_STACK: usize = MAX_WASM_STACK + 1024 * 1024;

/// Dirty bytes of each linear memory reset with `memset` rather than
/// `madvise` when a pooled slot is returned, where the kernel has the
/// `PAGEMAP_SCAN` ioctl (Linux 6.7+, [`pagemap_scan`]): only the pages the
/// guest actually wrote are found and reset, wherever they are. A guest
/// whose working set fits then reuses warm pages: no `madvise` (a TLB
/// shootdown across cores) on return and no page fault per touched page on
/// the next invocation. The reset itself (the cross-invocation isolation)
/// is the same either way: every written page goes back to zero or to the
/// module's initial image.
///
/// That holds however scattered the written pages are: Wasmtime 48 gave
/// back everything after its 32nd dirty region, so a JS engine's heap
/// faulted in again on every call (≈ 60 faults per no-op); Kiln's patch
/// (`vendor/wasmtime/KILN-PATCH.md`) scans on, and a JS no-op now takes
/// none (BENCHMARKS.md).
///
/// The price is resident memory: a warm slot keeps up to this many bytes
/// committed while idle (at most wasmtime's `max_unused_warm_slots`, 100,
/// warm slots), so 1 MiB covers a typical Rust guest's stack top, data and
/// small heap without holding much.
///
/// [`pagemap_scan`]: PoolingAllocationConfig::pagemap_scan
pub const MEMORY_KEEP_RESIDENT: usize = 1024 * 1024;

/// The same where `PAGEMAP_SCAN` is missing (older kernels, other systems):
/// wasmtime then `memset`s the lowest bytes of the memory whether the guest
/// wrote them or not, so a large window would cost a real guest (over a MiB
/// of memory) a megabyte of `memset` per invocation.
pub const MEMORY_KEEP_RESIDENT_WITHOUT_PAGEMAP: usize = 64 * 1024;

/// The keep-resident window for this host: [`MEMORY_KEEP_RESIDENT`] when
/// the kernel has `PAGEMAP_SCAN`, else [`MEMORY_KEEP_RESIDENT_WITHOUT_PAGEMAP`].
pub fn memory_keep_resident() -> usize {
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        MEMORY_KEEP_RESIDENT
    } else {
        MEMORY_KEEP_RESIDENT_WITHOUT_PAGEMAP
    }
}

/// Bytes of each table reset with `memset` rather than `madvise` (tables of
/// Rust guests are a few hundred entries).
pub const TABLE_KEEP_RESIDENT: usize = 64 * 1024;

/// Default number of invocations that may run at once on one runtime: the
/// pool's slot count. Further invocations wait for a slot (they are not
/// refused), so this bounds host memory under a burst. Each slot reserves
/// (but does not commit) address space for two linear memories of wasmtime's
/// default reservation (4 GiB + guard), so the default keeps one runtime's
/// reservation near 2 TiB of the 128 TiB a 64-bit process has; a server
/// expecting more concurrency raises it.
pub const DEFAULT_MAX_CONCURRENT_INSTANCES: u32 = 256;

/// How instances are allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceAllocation {
    /// Pre-reserved slots, reused after a reset: instantiation in
    /// microseconds. At most `max_concurrent_instances` invocations run at
    /// once; more wait for a slot. Falls back to
    /// [`InstanceAllocation::OnDemand`] when the pool cannot be reserved.
    Pooling { max_concurrent_instances: u32 },
    /// `mmap` per instance. Slower to instantiate; reserves nothing up front.
    OnDemand,
}

impl Default for InstanceAllocation {
    fn default() -> Self {
        InstanceAllocation::Pooling {
            max_concurrent_instances: DEFAULT_MAX_CONCURRENT_INSTANCES,
        }
    }
}

impl InstanceAllocation {
    /// A pool of one slot, for a command whose invocations run one after
    /// another (`runtime run`, `runtime lint`): reserving, guarding and
    /// unmapping the default pool's 256 slots costs such a short-lived
    /// process more (≈ 2 ms) than its invocation does.
    pub const fn sequential() -> Self {
        InstanceAllocation::Pooling {
            max_concurrent_instances: 1,
        }
    }
}

/// The allocator an engine really uses (pooling may have fallen back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocatorInUse {
    /// A pool with this many instance slots.
    Pooling {
        slots: u32,
    },
    OnDemand,
}

/// Whether an engine's compiled code counts fuel.
///
/// Fuel is the deterministic CPU budget a manifest may set (`runtime.fuel`).
/// Counting it is compiled into every function (a decrement and a check per
/// basic block) and is paid whether a budget is set or not: 7–9 % of a
/// JavaScript invocation's time (BENCHMARKS.md, issue 18). Without
/// a budget, what bounds an app's CPU is the wall-clock deadline (epoch
/// interruption, on in both modes), so a runtime whose apps set none can
/// leave the counting out ([`FuelMetering::for_manifests`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FuelMetering {
    /// Counted: any app may set a fuel budget. The default.
    #[default]
    Counted,
    /// Not compiled in. An app that sets a fuel budget is refused at load
    /// (`LoadError::FuelNotCounted`): it never runs without the budget it
    /// declared.
    Off,
}

impl FuelMetering {
    /// What a runtime that loads exactly these apps needs: counted if any of
    /// them sets a fuel budget, else off.
    pub fn for_manifests<'a>(
        manifests: impl IntoIterator<Item = &'a kiln_manifest::Manifest>,
    ) -> Self {
        if manifests
            .into_iter()
            .any(|manifest| manifest.app.runtime.fuel.is_some())
        {
            FuelMetering::Counted
        } else {
            FuelMetering::Off
        }
    }

    pub fn counts(self) -> bool {
        self == FuelMetering::Counted
    }
}

/// Builds the engine configuration. Compile-affecting settings live only here
/// so that the artifact cache key (the engine's precompile compatibility hash)
/// covers all of them (fuel metering included: a component compiled with
/// fuel counting is never loaded by an engine without it, nor the reverse).
///
/// `max_memory_bytes` is the operator's memory cap: the size of a pooled
/// memory slot.
pub fn engine_config(
    allocation: &InstanceAllocation,
    max_memory_bytes: usize,
    fuel: FuelMetering,
) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .wasm_memory64(false)
        .epoch_interruption(true)
        .consume_fuel(fuel.counts())
        .max_wasm_stack(MAX_WASM_STACK)
        .async_stack_size(ASYNC_STACK)
        // `Speed`, not `SpeedAndSize`: the extra passes buy little for
        // I/O-bound apps and add compile time a hostile upload can multiply.
        .cranelift_opt_level(OptLevel::Speed)
        // Functions compile on every core (of the load's own pool,
        // `sandbox::compile_clock`, whose CPU time the compile budget counts),
        // so a load waits the least wall clock for its compile.
        .parallel_compilation(true)
        .native_unwind_info(true)
        // Explicit although it is wasmtime's default: instantiation maps the
        // compiled memory image instead of copying data segments.
        .memory_init_cow(true);
    if let InstanceAllocation::Pooling {
        max_concurrent_instances,
    } = *allocation
    {
        let pool = pooling_config(max_concurrent_instances.max(1), max_memory_bytes);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// The pool, every bound matching the limiter's (see the module docs).
fn pooling_config(slots: u32, max_memory_bytes: usize) -> PoolingAllocationConfig {
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(slots)
        .total_stacks(slots)
        // A Rust guest has one memory and a handful of core instances and
        // tables; the totals leave room for that per slot. A component that
        // needs more waits for, or fails to get, a slot; it never gets more
        // than the limiter allows.
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots.saturating_mul(4))
        .total_core_instances(slots.saturating_mul(8))
        .max_core_instances_per_component(to_u32(MAX_INSTANCES))
        .max_memories_per_component(to_u32(MAX_MEMORIES))
        .max_tables_per_component(to_u32(MAX_TABLES))
        .max_memories_per_module(to_u32(MAX_MEMORIES))
        .max_tables_per_module(to_u32(MAX_TABLES))
        .table_elements(MAX_TABLE_ELEMENTS)
        .max_memory_size(max_memory_bytes);
    slot_reset(&mut pool);
    pool
}

/// How a returned slot is reset: the guest's dirty pages found with
/// `PAGEMAP_SCAN` where the kernel has it and `memset` up to
/// [`memory_keep_resident`] (see [`MEMORY_KEEP_RESIDENT`]); elsewhere the
/// lowest 64 KiB by `memset` and the rest by `madvise`. Either way every
/// written page is reset. Public so that the benchmarks' raw-wasmtime floor
/// resets exactly as Kiln does.
pub fn slot_reset(pool: &mut PoolingAllocationConfig) -> &mut PoolingAllocationConfig {
    pool.linear_memory_keep_resident(memory_keep_resident())
        .table_keep_resident(TABLE_KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto)
}

/// Makes `config`'s engine able to run artifacts loaded into private memory
/// ([`ArtifactMemory::Private`]): wasmtime changes the protection only of
/// memory it mapped itself unless told how ([`crate::cache::ProtectCode`],
/// the same `mprotect`s it makes). Not compile-affecting: the cache key does
/// not change. Elsewhere than Linux x86-64 the cache never loads that way,
/// and this changes nothing.
fn protect_code_for(config: &mut Config, artifacts: ArtifactMemory) {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if artifacts == ArtifactMemory::Private {
        config.with_custom_code_memory(Some(std::sync::Arc::new(crate::cache::ProtectCode)));
    }
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    let _ = (config, artifacts);
}

/// Builds the engine for `allocation`, falling back to on-demand allocation
/// when the pool cannot be reserved; `artifacts` is where the runtime's
/// artifact cache will load artifacts ([`ArtifactMemory`]).
pub fn new_engine(
    allocation: &InstanceAllocation,
    max_memory_bytes: usize,
    fuel: FuelMetering,
    artifacts: ArtifactMemory,
) -> Result<(Engine, AllocatorInUse), wasmtime::Error> {
    if let InstanceAllocation::Pooling {
        max_concurrent_instances,
    } = *allocation
    {
        let mut config = engine_config(allocation, max_memory_bytes, fuel);
        protect_code_for(&mut config, artifacts);
        match Engine::new(&config) {
            Ok(engine) => {
                let slots = max_concurrent_instances.max(1);
                return Ok((engine, AllocatorInUse::Pooling { slots }));
            }
            Err(error) => tracing::warn!(
                "cannot reserve the instance pool ({error:#}); instances are allocated on demand (slower, same limits)"
            ),
        }
    }
    let mut config = engine_config(&InstanceAllocation::OnDemand, max_memory_bytes, fuel);
    protect_code_for(&mut config, artifacts);
    let engine = Engine::new(&config)?;
    Ok((engine, AllocatorInUse::OnDemand))
}

/// Advances the engine's epoch on a background thread until dropped.
///
/// Dropping it wakes the thread at once (the channel closes) instead of
/// waiting out the current tick, so a short-lived `runtime run` does not
/// spend up to [`EPOCH_TICK`] on exit.
pub struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub fn start(engine: &Engine) -> Self {
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.weak();
        let thread = std::thread::Builder::new()
            .name("kiln-epoch".into())
            .spawn(move || {
                // Ticks until the ticker is dropped (the sender with it) or
                // the engine is gone.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    match engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .ok();
        Self {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB_64: usize = 64 * 1024 * 1024;

    fn pooled(slots: u32) -> InstanceAllocation {
        InstanceAllocation::Pooling {
            max_concurrent_instances: slots,
        }
    }

    #[test]
    fn a_pooled_engine_is_built_and_reports_its_slots() {
        let (_engine, in_use) = new_engine(
            &pooled(4),
            MIB_64,
            FuelMetering::Counted,
            ArtifactMemory::Sealed,
        )
        .unwrap();
        assert_eq!(in_use, AllocatorInUse::Pooling { slots: 4 });
    }

    #[test]
    fn an_unreservable_pool_falls_back_to_on_demand() {
        // 100,000 slots of two 1 TiB memories is far beyond any address space.
        let (_engine, in_use) = new_engine(
            &pooled(100_000),
            1 << 40,
            FuelMetering::Counted,
            ArtifactMemory::Sealed,
        )
        .unwrap();
        assert_eq!(in_use, AllocatorInUse::OnDemand);
    }

    #[test]
    fn the_keep_resident_window_follows_pagemap_scan() {
        let expected = if PoolingAllocationConfig::is_pagemap_scan_available() {
            MEMORY_KEEP_RESIDENT
        } else {
            MEMORY_KEEP_RESIDENT_WITHOUT_PAGEMAP
        };
        assert_eq!(memory_keep_resident(), expected);
        // The pool is configured with it (wasmtime reports its settings).
        let pool = pooling_config(2, MIB_64);
        assert_eq!(pool.get_memory_keep_resident(), expected);
        assert_eq!(pool.get_table_keep_resident(), TABLE_KEEP_RESIDENT);
        assert_eq!(pool.get_pagemap_scan(), Enabled::Auto);
    }

    /// Wasmtime 48's reset stopped after 32 dirty regions and gave the rest
    /// of the memory back, so a guest writing many scattered pages (a JS
    /// engine's heap) faulted them in again on every instantiation. With
    /// Kiln's patch (`vendor/wasmtime/KILN-PATCH.md`) they stay resident
    /// within the keep-resident window: the second instance in the slot
    /// takes no fault on them (upstream: 96 of 128 every time).
    #[cfg(target_os = "linux")]
    #[test]
    fn scattered_dirty_pages_stay_resident_in_a_reused_slot() {
        if !PoolingAllocationConfig::is_pagemap_scan_available() {
            eprintln!("skipped: no PAGEMAP_SCAN on this kernel");
            return;
        }
        // 128 pages, one in every two: 128 separate dirty regions, 512 KiB
        // within the 1 MiB window.
        let guest = r#"(module (memory 32)
            (func (export "scatter") (local $i i32)
              (loop $next
                (i32.store8 (i32.add (local.get $i) (i32.const 65536)) (i32.const 1))
                (local.set $i (i32.add (local.get $i) (i32.const 8192)))
                (br_if $next (i32.lt_u (local.get $i) (i32.const 1048576))))))"#;
        let engine = Engine::new(&engine_config(&pooled(1), MIB_64, FuelMetering::Off)).unwrap();
        let module = wasmtime::Module::new(&engine, wat::parse_str(guest).unwrap()).unwrap();
        let minor_faults = || {
            // SAFETY: getrusage writes only the struct it is given.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
            usage.ru_minflt
        };
        let faults: Vec<i64> = (0..3)
            .map(|_| {
                let mut store = wasmtime::Store::new(&engine, ());
                store.set_epoch_deadline(1 << 20);
                let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
                let scatter = instance
                    .get_typed_func::<(), ()>(&mut store, "scatter")
                    .unwrap();
                let before = minor_faults();
                scatter.call(&mut store, ()).unwrap();
                minor_faults() - before
            })
            .collect();
        assert!(
            faults[0] >= 128,
            "the first instance faults its pages in: {faults:?}"
        );
        assert!(
            faults[1..].iter().all(|&n| n < 8),
            "a reused slot kept the pages resident: {faults:?}"
        );
    }

    #[test]
    fn fuel_is_counted_by_default_and_when_any_app_sets_a_budget() {
        let app = |runtime: &str| {
            kiln_manifest::Manifest::from_yaml(&format!(
                "app:\n  id: a\n  runtime:\n    {runtime}\nmodules:\n  function:\n    - key: main\n      handler: main\n"
            ))
            .unwrap()
        };
        let (budget, none) = (app("fuel: 1000"), app("timeoutSeconds: 5"));
        assert_eq!(FuelMetering::default(), FuelMetering::Counted);
        assert_eq!(
            FuelMetering::for_manifests([&none, &budget]),
            FuelMetering::Counted
        );
        assert_eq!(FuelMetering::for_manifests([&none]), FuelMetering::Off);
        assert_eq!(FuelMetering::for_manifests([]), FuelMetering::Off);
    }

    #[test]
    fn the_allocator_does_not_change_compiled_code() {
        // Artifacts cached by a pooled runtime must load into an on-demand
        // one (the fallback) and the other way round.
        let hash = |allocation: &InstanceAllocation| {
            use std::hash::{Hash, Hasher};
            let engine =
                Engine::new(&engine_config(allocation, MIB_64, FuelMetering::Counted)).unwrap();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            engine.precompile_compatibility_hash().hash(&mut hasher);
            hasher.finish()
        };
        assert_eq!(hash(&pooled(2)), hash(&InstanceAllocation::OnDemand));
    }
}
