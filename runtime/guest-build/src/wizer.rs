//! Kiln's wizer: the pre-initialization step of a JavaScript build, made
//! reproducible.
//!
//! componentize-js splices the app's bundle into StarlingMonkey and then runs
//! a *wizer*: it instantiates the engine's core module, runs its
//! `componentize.wizer` export (the engine starts and evaluates the app's
//! top-level code), and writes the memory and globals it left behind into a
//! new module. Whatever the engine saw during that run is frozen into the
//! component, and so into its digest, which the operator's consent is bound
//! to. The wizer componentize-js ships gives the engine the host's real
//! randomness, clocks and paths, so two builds of the same app never gave the
//! same bytes: a rebuild asked for consent again, and nobody could check that
//! a component was built from the sources it claims.
//!
//! This wizer runs the same snapshot (`wasmtime-wizer`, the library the wizer
//! CLI is built on, on Kiln's wasmtime) and decides what the engine sees:
//!
//! | what the engine reads during initialization | here | why |
//! |---|---|---|
//! | random bytes (SpiderMonkey's hash seeds, whatever else the engine draws while it starts, and `Math.random()` in top-level code, which StarlingMonkey asks `wasi:random` 0.2 for: componentize-js's wizer trapped there) | a ChaCha stream seeded from SHA-256 of the build's inputs (the spliced module, the engine's arguments, the environment) | the same inputs give the same snapshot. The values are fixed per build either way: the snapshot holds them, and every instance of the component starts from it. Randomness asked for *at run time* comes from the host that runs the app, not from here |
//! | the wall clock | the Unix epoch | build time is not an input of the app; `Date.now()` in top-level code reads 0, and at run time the host's clock |
//! | the monotonic clock | a counter that advances 1 µs per read | time-driven heuristics (the GC's) take the same decisions on every build |
//! | the folders componentize-js preopens (its temporary folder, the bundle's folder) | each at a fixed guest path, the host paths in the engine's arguments replaced by those guest paths | host paths (a random temporary name, the user's home) never reach the snapshot |
//! | floating point | NaNs canonicalized, relaxed SIMD deterministic | the same bytes on every CPU |
//!
//! It is run by componentize-js as its `wizerBin`, with the arguments of the
//! wizer 10 CLI that componentize-js 0.23 passes; anything else is refused,
//! so a toolchain upgrade that changes them fails loudly instead of building
//! something different. Two programs provide it: `runtime` itself when
//! started under the name [`PROGRAM_NAME`] (a symlink the JS build makes),
//! and the `kiln-wizer` binary of this crate (and `kiln-tests-wizer` of the
//! test suite), for tests.
//!
//! It runs inside the build sandbox, like the wizer it replaces: the app's
//! top-level code runs here, in wasmtime, with read-only access to the
//! preopened folders and nothing else. The wizer process itself also reads
//! and writes its compile cache ([`crate::wizer_cache`]), the app's own
//! folder named by [`crate::wizer_cache::CACHE_ENV`]: compiling the engine
//! module is most of a rebuild's time, and the module is the same for every
//! build of the app. The engine never sees that folder. It is a process of
//! the JS build's supervised step, so the [`crate::limits`] of a cargo build
//! bound it too: top-level code that never ends is killed at the build's
//! deadline, and what it prints counts against the output budget.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sha2::{Digest as _, Sha256};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Extern, Instance, Linker, Module, Store, Val};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, HostMonotonicClock, HostWallClock, WasiCtxBuilder};
use wasmtime_wizer::{InstanceState, SnapshotVal, Wizer};

use crate::wizer_cache;

/// The name `runtime` answers to as a wizer (`argv[0]`'s file name).
pub const PROGRAM_NAME: &str = "kiln-wizer";

/// What this wizer does, as part of the JS toolchain's identity
/// ([`crate::js::toolchain_id`]): a change to what the engine sees during
/// initialization changes the bytes of every JS build, so it names a new
/// toolchain.
pub const VERSION: &str = "kiln-wizer 3: seeded ChaCha (also for wasi:random 0.2's u64), epoch wall clock, 1 us monotonic steps, fixed preopen paths, GC heap cap lifted";

/// Domain separation of the seed: no other digest in Kiln is a seed.
const SEED_DOMAIN: &[u8] = b"kiln wizer seed v1\0";

/// The guest path of the `n`th `--dir` preopen.
fn dir_guest_path(n: usize) -> String {
    format!("/kiln-wizer/dir{n}")
}

/// Why the wizer stopped.
#[derive(Debug, thiserror::Error)]
pub enum WizerError {
    /// An argument componentize-js 0.23 does not pass.
    #[error(
        "kiln-wizer: unsupported argument `{0}` (Kiln's wizer takes the arguments componentize-js 0.23 passes)"
    )]
    UnsupportedArgument(String),
    /// An option without its value.
    #[error("kiln-wizer: `{0}` needs a value")]
    MissingValue(&'static str),
    /// A required option is absent.
    #[error("kiln-wizer: no {0} given")]
    Missing(&'static str),
    /// A `--mapdir` value is not `GUEST::HOST`.
    #[error("kiln-wizer: `--mapdir={0}` is not GUEST::HOST")]
    BadMapdir(String),
    /// An argument or path is not UTF-8.
    #[error("kiln-wizer: `{0}` is not UTF-8")]
    NotUtf8(String),
    /// Reading or writing a file failed.
    #[error("kiln-wizer: {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Instrumenting, running or snapshotting the module failed (a trap in
    /// the app's top-level code lands here).
    #[error("kiln-wizer: {0:#}")]
    Wasm(wasmtime::Error),
}

/// What componentize-js asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizerArgs {
    /// The export that initializes the module.
    pub init_func: String,
    /// Preopens: host folder, guest path.
    pub preopens: Vec<(PathBuf, String)>,
    /// Whether the engine sees this process's environment.
    pub inherit_env: bool,
    /// Where the initialized module goes.
    pub output: PathBuf,
    /// The module to initialize.
    pub input: PathBuf,
}

impl WizerArgs {
    /// Parses the wizer 10 CLI arguments componentize-js 0.23 passes:
    /// `--allow-wasi --init-func F --dir=D… --mapdir=G::H… --wasm-bulk-memory=true
    /// --inherit-env=BOOL -o=OUT INPUT` (each option also as `--opt value`).
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Self, WizerError> {
        let mut init_func = None;
        let mut preopens = Vec::new();
        let mut dirs = 0;
        let mut inherit_env = false;
        let mut output = None;
        let mut input = None;
        let mut args = args.into_iter().map(utf8);
        while let Some(arg) = args.next() {
            let arg = arg?;
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with('-') => {
                    (name.to_owned(), Some(value.to_owned()))
                }
                _ => (arg.clone(), None),
            };
            let mut value = |option: &'static str| match inline.clone() {
                Some(value) => Ok(value),
                None => args.next().ok_or(WizerError::MissingValue(option))?,
            };
            match name.as_str() {
                // Always on: the engine needs WASI (it reads its arguments
                // from stdin), and this wizer decides what WASI shows.
                "--allow-wasi" if inline.is_none() => {}
                "--init-func" | "-f" => init_func = Some(value("--init-func")?),
                "--dir" => {
                    let host = value("--dir")?;
                    preopens.push((PathBuf::from(host), dir_guest_path(dirs)));
                    dirs += 1;
                }
                "--mapdir" => {
                    let spec = value("--mapdir")?;
                    let (guest, host) = spec
                        .split_once("::")
                        .filter(|(guest, host)| guest.starts_with('/') && !host.is_empty())
                        .ok_or_else(|| WizerError::BadMapdir(spec.clone()))?;
                    preopens.push((PathBuf::from(host), guest.to_owned()));
                }
                // Bulk memory is on in Kiln's wasmtime; `false` is not asked for.
                "--wasm-bulk-memory" if value("--wasm-bulk-memory")? == "true" => {}
                "--inherit-env" => {
                    inherit_env = match value("--inherit-env")?.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(WizerError::UnsupportedArgument(arg)),
                    }
                }
                "-o" | "--output" => output = Some(PathBuf::from(value("-o")?)),
                _ if !arg.starts_with('-') && input.is_none() => input = Some(PathBuf::from(&arg)),
                _ => return Err(WizerError::UnsupportedArgument(arg)),
            }
        }
        Ok(Self {
            init_func: init_func.unwrap_or_else(|| "wizer.initialize".to_owned()),
            preopens,
            inherit_env,
            output: output.ok_or(WizerError::Missing("output (-o)"))?,
            input: input.ok_or(WizerError::Missing("input module"))?,
        })
    }

    /// `text` with every host path of a preopen replaced by its guest path
    /// (the longest host path first, so a folder inside another maps to its
    /// own preopen).
    pub fn to_guest_paths(&self, text: &str) -> String {
        let mut preopens: Vec<(String, &str)> = self
            .preopens
            .iter()
            .map(|(host, guest)| {
                (
                    host.to_string_lossy().trim_end_matches('/').to_owned(),
                    guest.as_str(),
                )
            })
            .filter(|(host, _)| !host.is_empty())
            .collect();
        preopens.sort_by_key(|(host, _)| std::cmp::Reverse(host.len()));
        let mut text = text.to_owned();
        for (host, guest) in preopens {
            let guest_dir = if guest.ends_with('/') {
                guest.to_owned()
            } else {
                format!("{guest}/")
            };
            text = text
                .replace(&format!("{host}/"), &guest_dir)
                .replace(&host, guest);
        }
        text
    }
}

/// An argument as text: every argument componentize-js passes is.
fn utf8(arg: OsString) -> Result<String, WizerError> {
    arg.into_string()
        .map_err(|arg| WizerError::NotUtf8(arg.to_string_lossy().into_owned()))
}

/// `runtime`'s entry as a wizer: whether this process was started under
/// [`PROGRAM_NAME`].
pub fn invoked_as_wizer() -> bool {
    std::env::args_os()
        .next()
        .is_some_and(|argv0| Path::new(&argv0).file_name() == Some(OsStr::new(PROGRAM_NAME)))
}

/// Runs the wizer on this process's arguments and stdin; prints the error
/// and returns a failing exit code on failure.
pub fn main() -> std::process::ExitCode {
    let result = WizerArgs::parse(std::env::args_os().skip(1)).and_then(|args| {
        let mut stdin = Vec::new();
        std::io::stdin()
            .read_to_end(&mut stdin)
            .map_err(|source| WizerError::Io {
                action: "cannot read",
                path: PathBuf::from("stdin"),
                source,
            })?;
        // The compile cache's folder is the build's, not the engine's: it
        // is taken out of what the engine sees (and so out of the seed), or
        // where the build folder is would reach the snapshot.
        let cache = std::env::var_os(wizer_cache::CACHE_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        let env = if args.inherit_env {
            engine_env(std::env::vars_os())
        } else {
            BTreeMap::new()
        };
        run(&args, &stdin, &env, cache.as_deref())
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The environment the engine sees with `--inherit-env=true`: this
/// process's, which componentize-js sets whole (the engine's exports and
/// imports, as text; a variable that is not text is none of its own), less
/// [`wizer_cache::CACHE_ENV`], which is the wizer's, not the engine's.
fn engine_env(vars: impl IntoIterator<Item = (OsString, OsString)>) -> BTreeMap<String, String> {
    vars.into_iter()
        .filter(|(name, _)| name != wizer_cache::CACHE_ENV)
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}

/// Initializes `args.input` with `stdin` and `env` as the engine's stdin and
/// environment, and writes the snapshot to `args.output`. With `cache`, the
/// compiled engine module is loaded from and kept in that folder
/// ([`crate::wizer_cache`]: one app's own build folder, never shared).
pub fn run(
    args: &WizerArgs,
    stdin: &[u8],
    env: &BTreeMap<String, String>,
    cache: Option<&Path>,
) -> Result<(), WizerError> {
    let input = std::fs::read(&args.input).map_err(|source| WizerError::Io {
        action: "cannot read",
        path: args.input.clone(),
        source,
    })?;
    let stdin = args.to_guest_paths(&String::from_utf8_lossy(stdin));
    let seed = seed(&input, &stdin, env);

    let mut wasi = WasiCtxBuilder::new();
    wasi.stdin(MemoryInputPipe::new(stdin.into_bytes()))
        .inherit_stdout()
        .inherit_stderr()
        .secure_random(StdRng::from_seed(seed))
        .insecure_random(StdRng::from_seed(Sha256::digest(seed).into()))
        .insecure_random_seed(u128::from_le_bytes(
            seed[..16].try_into().unwrap_or_default(),
        ))
        .wall_clock(EpochWallClock)
        .monotonic_clock(SteppingClock::default());
    for (name, value) in env {
        wasi.env(name, value);
    }
    for (host, guest) in &args.preopens {
        wasi.preopened_dir(host, guest, FsPerms::ReadOnly)
            .map_err(|error| WizerError::Io {
                action: "cannot open",
                path: host.clone(),
                source: std::io::Error::other(format!("{error:#}")),
            })?;
    }

    let mut wizer = Wizer::new();
    wizer.init_func(&args.init_func);
    let state = Initializing {
        wasi: wasi.build_p1(),
        random: StdRng::from_seed(Sha256::digest(Sha256::digest(seed)).into()),
    };
    let output = initialize(&wizer, &input, state, cache).map_err(WizerError::Wasm)?;
    // Thousands of data segments cost every instance of the app a little
    // (snapshot_segments.rs says how much); the same memory in far fewer.
    let output = crate::snapshot_segments::compact(&output);
    std::fs::write(&args.output, output).map_err(|source| WizerError::Io {
        action: "cannot write",
        path: args.output.clone(),
        source,
    })
}

/// SHA-256 of everything the engine is given: the same build gets the same
/// seed, a different app or toolchain another.
fn seed(input: &[u8], stdin: &str, env: &BTreeMap<String, String>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(SEED_DOMAIN);
    for part in [input, stdin.as_bytes()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    for (name, value) in env {
        for part in [name, value] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hasher.finalize().into()
}

/// Instruments `wasm`, runs its initialization and returns the snapshot:
/// `wasmtime_wizer::Wizer::run` without its async store, on an engine
/// configured for the same bytes on every machine. The instrumented module's
/// compilation comes from `cache` when it holds it ([`crate::wizer_cache`]).
fn initialize(
    wizer: &Wizer,
    wasm: &[u8],
    state: Initializing,
    cache: Option<&Path>,
) -> wasmtime::Result<Vec<u8>> {
    let (cx, instrumented) = wizer.instrument(wasm)?;
    let mut config = Config::new();
    // wasmtime's default memory reservation (4 GiB and a guard) stays: it
    // would fit a cargo build's `RLIMIT_AS` ([`crate::limits`], 8 GiB) beside
    // the compiler, and a smaller one makes every memory access check its
    // bounds (measured: 11.5 s against 8.2 s for forge-hello's snapshot, the
    // time componentize-js's own wizer takes).
    config
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true);
    let engine = Engine::new(&config)?;
    // The compiled code is the same whether it was compiled now or loaded:
    // the snapshot below reads only the memory and globals it left behind.
    let (module, _) = wizer_cache::load_or_compile(&engine, &instrumented, cache)?;
    let mut linker: Linker<Initializing> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state| &mut state.wasi)?;
    define_random_u64(&mut linker, &module)?;
    // The engine's other imports (Kiln's world, lowered into the core module)
    // trap if called, as in the wizer CLI: initialization does not call them.
    linker.define_unknown_imports_as_traps(&module)?;
    let mut store = Store::new(&engine, state);
    let instance = linker.instantiate(&mut store, &module)?;

    // A reactor's own initialization first, as wizer does.
    if let Some(Extern::Func(reactor)) = instance.get_export(&mut store, "_initialize") {
        reactor.typed::<(), ()>(&store)?.call(&mut store, ())?;
    }
    let init = instance.get_typed_func::<(), ()>(&mut store, wizer.get_init_func())?;
    init.call(&mut store, ()).context(
        "initializing the JS engine trapped: it runs the app's top-level code, at build time, \
         and that code threw (the engine's error is above: a global the engine lacks, such as \
         `Intl`, is a ReferenceError) or called the host (Jira, storage, fetch, \
         performance.now), which is not possible at build: move such code into a handler",
    )?;

    // The engine's own 32 MiB cap on its GC heap would be a second memory
    // limit, one the manifest does not show: lifted (gc_heap_cap.rs).
    let memories: Vec<wasmtime::Memory> = instance
        .exports(&mut store)
        .filter_map(|export| export.into_memory())
        .collect();
    for memory in memories {
        if let crate::gc_heap_cap::Lifted::Ambiguous =
            crate::gc_heap_cap::lift(memory.data_mut(&mut store))
        {
            eprintln!(
                "warning: the JS engine's heap settings were found more than once in its memory, \
                 so its own 32 MiB cap on JS objects stays (the app's top-level code holds copies \
                 of them)"
            );
        }
    }

    let mut state = Initialized {
        store: &mut store,
        instance,
    };
    // The snapshot's futures only await `Initialized`, which never waits.
    ready(wizer.snapshot(&cx, &mut state))
}

/// What the engine's host functions reach while it initializes.
struct Initializing {
    /// WASI preview 1, the engine's own system interface.
    wasi: WasiP1Ctx,
    /// Answers `wasi:random` 0.2's `get-random-u64` and
    /// `get-insecure-random-u64`, which StarlingMonkey imports directly
    /// ([`define_random_u64`]).
    random: StdRng,
}

/// Defines the engine's imports of `wasi:random` 0.2's `get-random-u64` and
/// `get-insecure-random-u64` (lowered into the core module, `() -> i64`)
/// from the seeded stream. StarlingMonkey's `Math.random()` calls them, so
/// top-level code that draws a random number builds, with a value fixed for
/// the build: what Forge's snapshots do ("random values created at snapshot
/// time are not random on each invocation"). componentize-js's wizer left
/// them trapping, and such an app did not build.
fn define_random_u64(linker: &mut Linker<Initializing>, module: &Module) -> wasmtime::Result<()> {
    for import in module.imports() {
        let wanted = match import.name() {
            "get-random-u64" => import.module().starts_with("wasi:random/random@0.2."),
            "get-insecure-random-u64" => import.module().starts_with("wasi:random/insecure@0.2."),
            _ => false,
        };
        let returns_one_i64 = import.ty().func().is_some_and(|ty| {
            ty.params().len() == 0
                && ty.results().len() == 1
                && ty
                    .results()
                    .all(|result| matches!(result, wasmtime::ValType::I64))
        });
        if wanted && returns_one_i64 {
            linker.func_wrap(
                import.module(),
                import.name(),
                |mut caller: wasmtime::Caller<'_, Initializing>| -> u64 {
                    caller.data_mut().random.next_u64()
                },
            )?;
        }
    }
    Ok(())
}

/// The state of the initialized instance, read by the snapshot.
struct Initialized<'a> {
    store: &'a mut Store<Initializing>,
    instance: Instance,
}

impl InstanceState for Initialized<'_> {
    async fn global_get(&mut self, name: &str, _: wasmtime_wizer::ValType) -> SnapshotVal {
        // The instrumented module exports every global it snapshots, with
        // the types wizer asks for: a missing one is a bug of the snapshot.
        let global = self
            .instance
            .get_global(&mut *self.store, name)
            .unwrap_or_else(|| panic!("wizer's instrumentation exports global `{name}`"));
        match global.get(&mut *self.store) {
            Val::I32(x) => SnapshotVal::I32(x),
            Val::I64(x) => SnapshotVal::I64(x),
            Val::F32(x) => SnapshotVal::F32(x),
            Val::F64(x) => SnapshotVal::F64(x),
            Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            other => panic!("wizer snapshots no global of type {other:?}"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut *self.store, name)
            .unwrap_or_else(|| panic!("wizer's instrumentation exports memory `{name}`"));
        contents(memory.data(&*self.store));
    }
}

/// Polls `future` to completion on this thread; for futures that never wait.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}

/// A wall clock that always reads the Unix epoch.
struct EpochWallClock;

impl HostWallClock for EpochWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

/// A monotonic clock that advances 1 µs each time it is read.
#[derive(Default)]
struct SteppingClock {
    nanos: AtomicU64,
}

impl HostMonotonicClock for SteppingClock {
    fn resolution(&self) -> u64 {
        1_000
    }

    fn now(&self) -> u64 {
        self.nanos.fetch_add(1_000, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<WizerArgs, WizerError> {
        WizerArgs::parse(list.iter().map(OsString::from))
    }

    #[test]
    fn parses_what_componentize_js_passes() {
        let parsed = args(&[
            "--allow-wasi",
            "--init-func",
            "componentize.wizer",
            "--dir=/tmp/0a1b2c/sources",
            "--mapdir=/::/home/me/.cache/kiln/builds/x/js/out",
            "--wasm-bulk-memory=true",
            "--inherit-env=true",
            "-o=/tmp/0a1b2c/out.wasm",
            "/tmp/0a1b2c/in.wasm",
        ])
        .unwrap();
        assert_eq!(
            parsed,
            WizerArgs {
                init_func: "componentize.wizer".into(),
                preopens: vec![
                    ("/tmp/0a1b2c/sources".into(), "/kiln-wizer/dir0".into()),
                    ("/home/me/.cache/kiln/builds/x/js/out".into(), "/".into()),
                ],
                inherit_env: true,
                output: "/tmp/0a1b2c/out.wasm".into(),
                input: "/tmp/0a1b2c/in.wasm".into(),
            }
        );
    }

    #[test]
    fn refuses_what_it_does_not_implement() {
        for list in [
            &["--keep-init-func=true", "-o=o", "i"][..],
            &["--rename-func", "a=b", "-o=o", "i"],
            &["--wasm-bulk-memory=false", "-o=o", "i"],
            &["--inherit-env=maybe", "-o=o", "i"],
            &["--allow-wasi=false", "-o=o", "i"],
            &["-o=o", "i", "second-input"],
        ] {
            assert!(
                matches!(args(list), Err(WizerError::UnsupportedArgument(_))),
                "{list:?}"
            );
        }
        assert!(matches!(
            args(&["--mapdir=relative::/x", "-o=o", "i"]),
            Err(WizerError::BadMapdir(_))
        ));
        assert!(matches!(args(&["i"]), Err(WizerError::Missing(_))));
        assert!(matches!(
            args(&["-o=o", "i", "--init-func"]),
            Err(WizerError::MissingValue(_))
        ));
    }

    #[test]
    fn host_paths_in_the_engines_arguments_become_guest_paths() {
        let parsed = args(&[
            "--dir=/tmp/0a1b2c/sources",
            "--mapdir=/::/home/me/out",
            "-o=o",
            "i",
        ])
        .unwrap();
        assert_eq!(
            parsed.to_guest_paths(
                "--initializer-script-path /tmp/0a1b2c/sources/initializer.js --strip-path-prefix /home/me/out/ bundle.js"
            ),
            "--initializer-script-path /kiln-wizer/dir0/initializer.js --strip-path-prefix / bundle.js"
        );
    }

    #[test]
    fn a_folder_inside_another_maps_to_its_own_preopen() {
        let parsed = args(&["--mapdir=/::/w", "--dir=/w/sources", "-o=o", "i"]).unwrap();
        assert_eq!(
            parsed.to_guest_paths("/w/sources/a.js /w/b.js"),
            "/kiln-wizer/dir0/a.js /b.js"
        );
    }

    #[test]
    fn the_seed_follows_every_input() {
        let env = BTreeMap::from([("A".to_owned(), "1".to_owned())]);
        let base = seed(b"module", "args", &env);
        assert_eq!(
            base,
            seed(b"module", "args", &env),
            "the same inputs, the same seed"
        );
        assert_ne!(base, seed(b"module2", "args", &env));
        assert_ne!(base, seed(b"module", "args2", &env));
        assert_ne!(base, seed(b"module", "args", &BTreeMap::new()));
        // Lengths are framed: moving a byte from one input to the next changes the seed.
        assert_ne!(seed(b"ab", "c", &env), seed(b"a", "bc", &env));
    }

    #[test]
    fn the_compile_caches_folder_is_not_in_the_engines_environment() {
        let vars = [
            ("EXPORT_CNT", "1"),
            (
                wizer_cache::CACHE_ENV,
                "/home/me/.cache/kiln/builds/x/js/wizer-cache",
            ),
            ("IMPORT_CNT", "4"),
        ]
        .map(|(name, value)| (OsString::from(name), OsString::from(value)));
        assert_eq!(
            engine_env(vars),
            BTreeMap::from([
                ("EXPORT_CNT".to_owned(), "1".to_owned()),
                ("IMPORT_CNT".to_owned(), "4".to_owned()),
            ]),
            "where the build folder is must not reach the engine, nor the seed"
        );
    }

    #[test]
    fn the_clocks_are_fixed_and_stepping() {
        assert_eq!(EpochWallClock.now(), Duration::ZERO);
        let clock = SteppingClock::default();
        assert_eq!([clock.now(), clock.now(), clock.now()], [0, 1_000, 2_000]);
    }
}
