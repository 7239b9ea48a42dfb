//! Many JavaScript apps in one runtime: the shared engine
//! (`kiln_runtime::shared_engine`) against each app compiled whole.
//!
//! `KILN_JS_COMPONENT=<component.wasm> [KILN_JS_APPS=4] [KILN_JS_APPS_WAYS=split|whole|split,whole] cargo bench -p kiln-runtime --bench js_apps`
//!
//! The apps are the component given, each with a custom section naming its
//! index appended: other bytes, as another app or another build is, with
//! the same engine and a snapshot of the same size. For each way (`split`,
//! `whole`), in a fresh cache directory, one child process compiles all of
//! them (`cold`), then another loads all of them from the warm cache
//! (`cached`), as a restarted `runtime serve` does. Each child prints
//! `JS_APPS way=… phase=… apps=N wall_ms=… cpu_ms=… rss_mib=… hwm_mib=…`
//! (the process's VmRSS and VmHWM after loading every app; the parent's
//! runtime is not in it), then `JS_APPS_MEMFD way=… phase=… files=…
//! apparent_mib=… allocated_mib=… shmem_delta_mib=…`: the sealed memory
//! files the loaded artifacts live in (`runtime serve`'s way,
//! `ArtifactMemory::Sealed`), their length and the memory they hold
//! (`st_blocks`: tmpfs pages, counted in `/proc/meminfo`'s `Shmem`, not in
//! the RSS until a page is touched), and the machine's `Shmem` change over
//! the loads (other processes' changes included); then, after one call of
//! each app, the same as `JS_APPS_MEMFD_CALLED`. The parent prints the cache's bytes
//! (`JS_APPS_CACHE way=… artifacts=… apparent_mib=… allocated_mib=…
//! largest_entry_mib=… (allocated …) smallest_entry_mib=… (allocated …)`:
//! with the shared engine the largest is the engine, the smallest an app's
//! part; entries leave an artifact's pages of zeros out (cache entry format
//! 3), so apparent and allocated are about the same).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use kiln_manifest::Manifest;
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{Invocation, Runtime, RuntimeOptions};

const CHILD: &str = "KILN_JS_APPS_CHILD";

fn main() {
    let Some(component) = std::env::var_os("KILN_JS_COMPONENT").map(PathBuf::from) else {
        eprintln!(
            "JS_APPS skipped: set KILN_JS_COMPONENT to a component built by Kiln's JS toolchain"
        );
        return;
    };
    let apps: usize = std::env::var("KILN_JS_APPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4);
    if let Ok(way) = std::env::var(CHILD) {
        let cache = PathBuf::from(std::env::var_os("KILN_JS_APPS_CACHE").expect("cache dir"));
        let phase = std::env::var("KILN_JS_APPS_PHASE").unwrap_or_default();
        child(&component, apps, &way, &phase, cache);
        return;
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("JS_APPS {apps} apps, load average {}", load.trim());
    // `KILN_JS_APPS_WAYS=split`: the shared engine only (many apps compiled
    // whole take ≈ 12 s of CPU each).
    let ways = std::env::var("KILN_JS_APPS_WAYS").unwrap_or_else(|_| "split,whole".into());
    for way in ways
        .split(',')
        .filter(|way| ["split", "whole"].contains(way))
    {
        let cache = tempfile::tempdir().expect("cache dir");
        for phase in ["cold", "cached"] {
            let status = Command::new(std::env::current_exe().expect("this benchmark"))
                .args(std::env::args_os().skip(1))
                .env(CHILD, way)
                .env("KILN_JS_APPS_PHASE", phase)
                .env("KILN_JS_APPS_CACHE", cache.path())
                .status()
                .expect("child runs");
            assert!(status.success(), "{way} {phase} failed");
        }
        print_cache(way, cache.path());
    }
}

/// Loads `apps` variants of `component` into one runtime and prints what it
/// took.
fn child(component: &Path, apps: usize, way: &str, phase: &str, cache: PathBuf) {
    let wasm = std::fs::read(component).expect("component readable");
    let manifest_path = component.with_file_name("manifest.yml");
    let manifest = Manifest::load(&manifest_path).expect("the component's manifest loads");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = Runtime::new(
        support::in_process_client(),
        RuntimeOptions {
            cache: CacheMode::Directory(cache),
            allocation: InstanceAllocation::default(),
            share_engines: way == "split",
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime starts");
    let shmem_before = shmem_mib();
    let cpu_before = cpu_ms();
    let started = Instant::now();
    let mut loaded = Vec::with_capacity(apps);
    for index in 0..apps {
        let app = rt
            .block_on(runtime.load(variant(&wasm, index), manifest.clone()))
            .expect("the JS component loads");
        assert_eq!(
            app.from_cache(),
            phase == "cached",
            "{way} {phase} app {index}"
        );
        loaded.push(app);
    }
    let wall = started.elapsed();
    let (rss, hwm) = memory_mib();
    println!(
        "JS_APPS way={way} phase={phase} apps={apps} wall_ms={} cpu_ms={} rss_mib={rss:.1} hwm_mib={hwm:.1}",
        wall.as_millis(),
        cpu_ms() - cpu_before
    );
    let (files, apparent, allocated) = memory_files();
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "JS_APPS_MEMFD way={way} phase={phase} files={files} apparent_mib={:.1} allocated_mib={:.1} shmem_delta_mib={:.1}",
        mib(apparent),
        mib(allocated),
        shmem_mib() - shmem_before
    );
    // Each app called once: an instance's first touch of a page of the
    // snapshot's image that the sealed copy left as a hole gives the memory
    // file that page (zeros), once for every instance of the app.
    for app in &loaded {
        let invoked = rt
            .block_on(app.invoke(Invocation {
                payload: "{}".into(),
                ..Invocation::default()
            }))
            .expect("the invocation starts");
        assert!(invoked.result.is_ok(), "{way} {phase}: the handler failed");
    }
    let (files, apparent, allocated) = memory_files();
    println!(
        "JS_APPS_MEMFD_CALLED way={way} phase={phase} files={files} apparent_mib={:.1} allocated_mib={:.1} shmem_delta_mib={:.1}",
        mib(apparent),
        mib(allocated),
        shmem_mib() - shmem_before
    );
    drop(loaded);
}

/// `wasm` with a custom section naming `index` appended: other bytes.
fn variant(wasm: &[u8], index: usize) -> Vec<u8> {
    let name = b"kiln-bench-variant";
    let value = index.to_string();
    let mut section = Vec::new();
    section.push(name.len() as u8);
    section.extend_from_slice(name);
    section.extend_from_slice(value.as_bytes());
    let mut out = wasm.to_vec();
    out.push(0); // custom section id
    out.push(section.len() as u8); // < 128: one LEB byte
    out.extend_from_slice(&section);
    out
}

/// The cache's entries: apparent and allocated bytes.
fn print_cache(way: &str, dir: &Path) {
    use std::os::unix::fs::MetadataExt as _;
    let mut apparent = 0u64;
    let mut allocated = 0u64;
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("cache dir readable") {
        let entry = entry.expect("entry");
        let meta = entry.metadata().expect("metadata");
        if meta.is_file() {
            apparent += meta.len();
            allocated += meta.blocks() * 512;
            // Artifacts only: a split's record is a few digests.
            if entry.path().extension().is_some_and(|ext| ext == "cwasm") {
                sizes.push((meta.len(), meta.blocks() * 512));
            }
        }
    }
    sizes.sort_unstable();
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "JS_APPS_CACHE way={way} artifacts={} apparent_mib={:.1} allocated_mib={:.1} largest_entry_mib={:.1} (allocated {:.1}) smallest_entry_mib={:.1} (allocated {:.1})",
        sizes.len(),
        mib(apparent),
        mib(allocated),
        mib(sizes.last().map_or(0, |s| s.0)),
        mib(sizes.last().map_or(0, |s| s.1)),
        mib(sizes.first().map_or(0, |s| s.0)),
        mib(sizes.first().map_or(0, |s| s.1)),
    );
}

/// This process's user + system CPU time so far.
fn cpu_ms() -> u128 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let ms = |t: libc::timeval| t.tv_sec as u128 * 1000 + t.tv_usec as u128 / 1000;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// VmRSS and VmHWM of this process, in MiB.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The sealed memory files this process holds artifacts in (by their name,
/// `kiln-artifact`, each counted once however many descriptors it has):
/// how many, their bytes and the bytes of memory they hold.
fn memory_files() -> (usize, u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    let mut seen = std::collections::HashSet::new();
    let (mut apparent, mut allocated) = (0, 0);
    for fd in std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
    {
        let is_artifact = std::fs::read_link(fd.path())
            .is_ok_and(|to| to.to_string_lossy().starts_with("/memfd:kiln-artifact"));
        let Ok(meta) = std::fs::metadata(fd.path()) else {
            continue;
        };
        if is_artifact && seen.insert(meta.ino()) {
            apparent += meta.len();
            allocated += meta.blocks() * 512;
        }
    }
    (seen.len(), apparent, allocated)
}

/// The machine's `Shmem` (/proc/meminfo), in MiB.
fn shmem_mib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("Shmem:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
