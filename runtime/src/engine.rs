//! The wasmtime engine Kiln runs every app on, and the epoch clock that
//! enforces wall-clock deadlines.
//!
//! Deny-by-default settings, each against a named threat:
//!
//! | setting | value | threat |
//! |---|---|---|
//! | component model | on; core modules refused | calling host functions outside the typed WIT boundary |
//! | threads, shared memory, GC, stack switching | not compiled into Kiln's wasmtime (cargo features off) |
//! | memory64 | off | attack surface no Jira app needs |
//! | epoch interruption | on, ticking every [`EPOCH_TICK`] | infinite loops; hogging the executor |
//! | fuel | on; budget from the manifest, else unlimited | deterministic CPU limits where an operator wants them |
//! | max wasm stack | [`MAX_WASM_STACK`] | unbounded recursion exhausting the host stack |
//! | async stack | [`ASYNC_STACK`] | host frames under a deep guest stack |
//! | memory | capped per Store by the limiter (manifest ∧ operator cap) | memory exhaustion |
//! | native unwind info, backtraces | on | clear traps for developers (no guest-controlled effect) |

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine, OptLevel};

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

/// Builds the engine configuration. Compile-affecting settings live only here
/// so that the artifact cache key (the engine's precompile compatibility hash)
/// covers all of them.
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .wasm_memory64(false)
        .epoch_interruption(true)
        .consume_fuel(true)
        .max_wasm_stack(MAX_WASM_STACK)
        .async_stack_size(ASYNC_STACK)
        .cranelift_opt_level(OptLevel::Speed)
        .native_unwind_info(true);
    config
}

/// Builds the engine.
pub fn new_engine() -> Result<Engine, wasmtime::Error> {
    Engine::new(&engine_config())
}

/// Advances the engine's epoch on a background thread until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub fn start(engine: &Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.weak();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("kiln-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
