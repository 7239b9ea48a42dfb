//! The wizer's compile cache: the engine module it compiles, kept compiled
//! in the app's own build folder.
//!
//! Every JS build compiles the instrumented StarlingMonkey module with
//! Cranelift before it runs the app's top-level code ([`crate::wizer`]):
//! 7–8 s of a ≈ 9 s rebuild after an edit, for a module that is the same on
//! every build of the app with the same toolchain (the app's JavaScript is
//! read by the engine during initialization, not compiled into it). This
//! cache keeps wasmtime's serialized compilation of that module, so a
//! rebuild loads it instead.
//!
//! Loading a compiled module ([`Module::deserialize`]) is `unsafe`: its bytes
//! are machine code that wasmtime trusts to be its own output, and whoever
//! can write them chooses what runs in the wizer's process. The wizer runs
//! inside the build sandbox, next to the app's own (untrusted) code, so the
//! cache is placed by that threat:
//!
//! | threat | answer |
//! |---|---|
//! | app A plants compiled code that app B's build loads (a shared cache would let it) | the cache is **per app**: `<work_dir>/wizer-cache`, inside the private build folder of one app folder ([`crate::js::JsBuild::work_dir`]), the only cache folder mounted read-write into that app's sandbox. No other app's build mounts it, nor can write it. A poisoned entry only reaches the same app's later builds, which run that app's code anyway and produce that app's own component: it gains nothing it did not have |
//! | the app escapes into Kiln's process, or into another app's build, through the cache | nothing outside the sandbox loads an entry: only the wizer does, in the sandbox of the same app's build. Kiln itself only creates the folder |
//! | an entry compiled from other bytes, by another wasmtime, for another configuration or CPU, or by another wizer | the file name is the SHA-256 of the exact module bytes, of wasmtime's compatibility hash for the engine's configuration (compiler, its flags and the CPU features it targets, tunables, wasm features, wasmtime's version: [`Engine::precompile_compatibility_hash`]) and of the wizer's [`crate::wizer::VERSION`]; wasmtime checks the version and configuration again when it loads one |
//! | a torn, truncated or otherwise damaged entry (a build killed while writing, a disk error, a test writing garbage) | entries are written to a temporary file and renamed into place, and each starts with the SHA-256 of the rest, checked before wasmtime sees it. Anything that does not check out, or that wasmtime refuses, is compiled again: the cache can make a build faster, never fail it |
//! | the folder grows without bound (one entry per toolchain, per egress setting) | after each write only the [`MAX_ENTRIES`] newest entries stay; an entry is tens of MB |
//! | a build that used the cache differs from one that compiled | the compiled code is the same code: the snapshot reads only the memory and globals the engine left behind. Checked by `runtime/guest-build/tests/js_build.rs` (the same bytes with an empty, a warm and a corrupted cache) |
//!
//! The cache's location reaches the wizer as [`CACHE_ENV`], which the wizer
//! takes out of the environment it hands the engine: where the build folder
//! is never reaches the snapshot.

use std::hash::{Hash as _, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};
use wasmtime::{Engine, Module};

use crate::js::hex;

/// The environment variable naming the cache folder, set for the wizer by
/// the JS build ([`crate::js`], through componentize-js's `env`).
pub const CACHE_ENV: &str = "KILN_WIZER_CACHE";

/// The folder of the cache in an app's build folder (`JsBuild::work_dir`).
pub const CACHE_DIR_NAME: &str = "wizer-cache";

/// How many compiled modules stay: one app normally needs one (two while it
/// switches egress, which splices another engine).
pub const MAX_ENTRIES: usize = 2;

/// Domain separation of the key: no other digest in Kiln names a compiled
/// module of the wizer.
const KEY_DOMAIN: &[u8] = b"kiln wizer compile cache v1\0";

/// The name of an entry's file.
const ENTRY_EXTENSION: &str = "cwasm";

/// The prefix of a temporary file being written.
const TEMP_PREFIX: &str = ".tmp-";

/// A temporary file older than this is left over by a killed build.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// What the cache did for one compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No cache folder given: compiled.
    Off,
    /// Loaded from the cache.
    Hit,
    /// Not there, unreadable, damaged or refused by wasmtime: compiled (and
    /// written, when that worked).
    Miss,
}

/// `wasm` compiled for `engine`: loaded from the cache folder `dir` when an
/// entry for exactly these bytes, this configuration and this wizer is
/// there and intact, else compiled (and stored in `dir`). Only compiling can
/// fail the caller; the cache cannot.
pub fn load_or_compile(
    engine: &Engine,
    wasm: &[u8],
    dir: Option<&Path>,
) -> wasmtime::Result<(Module, Outcome)> {
    let Some(dir) = dir else {
        return Ok((Module::new(engine, wasm)?, Outcome::Off));
    };
    let entry = dir.join(format!("{}.{ENTRY_EXTENSION}", key(engine, wasm)));
    if let Some(module) = load(engine, &entry) {
        return Ok((module, Outcome::Hit));
    }
    let module = Module::new(engine, wasm)?;
    // A cache that cannot be written costs the next build a compile.
    if let Ok(serialized) = module.serialize()
        && store(dir, &entry, &serialized).is_ok()
    {
        evict(dir, &entry);
    }
    Ok((module, Outcome::Miss))
}

/// The entry's name: SHA-256 of the module bytes, wasmtime's compatibility
/// hash of the engine's configuration and the wizer's version.
fn key(engine: &Engine, wasm: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(KEY_DOMAIN);
    let module_digest = Sha256::digest(wasm);
    for part in [crate::wizer::VERSION.as_bytes(), module_digest.as_slice()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    // wasmtime hands its compatibility hash out as `impl Hash`: fed into
    // SHA-256 whole (not folded into 64 bits), so two configurations that
    // differ give different names.
    let mut compatibility = Sha256Hasher(Sha256::new());
    engine
        .precompile_compatibility_hash()
        .hash(&mut compatibility);
    hasher.update(compatibility.0.finalize());
    hex(&hasher.finalize())
}

/// A `Hasher` writing into SHA-256 (`finish` is never used for the key).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}

/// The module in `entry`, if it is there, intact and accepted by wasmtime.
fn load(engine: &Engine, entry: &Path) -> Option<Module> {
    let bytes = std::fs::read(entry).ok()?;
    let (digest, serialized) = bytes.split_at_checked(32)?;
    if Sha256::digest(serialized).as_slice() != digest {
        return None;
    }
    // SAFETY: `serialized` is what `Module::serialize` wrote into this
    // cache (its digest checks out, so it is not torn or damaged), and the
    // entry's name binds it to these module bytes, this wasmtime and its
    // configuration (which `deserialize` checks again). Only the wizer of
    // this app's own builds can write the folder (see the module's table):
    // an entry planted there runs with exactly the access the app's
    // top-level code has in the same sandbox.
    unsafe { Module::deserialize(engine, serialized) }.ok()
}

/// Writes `serialized` as `entry`: its SHA-256, then the bytes, into a
/// temporary file renamed into place, so no reader ever sees half an entry.
fn store(dir: &Path, entry: &Path, serialized: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = dir.join(format!("{TEMP_PREFIX}{}-{nanos}", std::process::id()));
    let written = std::fs::File::create_new(&temp).and_then(|mut file| {
        file.write_all(&Sha256::digest(serialized))?;
        file.write_all(serialized)
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, entry));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

/// Keeps `kept` and the newest other entries, [`MAX_ENTRIES`] in all, and
/// removes temporary files a killed build left behind.
fn evict(dir: &Path, kept: &Path) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut others: Vec<(SystemTime, PathBuf)> = Vec::new();
    for file in listing.flatten() {
        let path = file.path();
        let name = file.file_name();
        let name = name.to_string_lossy();
        let modified = file
            .metadata()
            .and_then(|meta| meta.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if name.starts_with(TEMP_PREFIX) {
            if now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                let _ = std::fs::remove_file(&path);
            }
        } else if path.extension().is_some_and(|ext| ext == ENTRY_EXTENSION) && path != kept {
            others.push((modified, path));
        }
    }
    others.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in others.into_iter().skip(MAX_ENTRIES.saturating_sub(1)) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::default()
    }

    /// `(module (func (export "f<n>")))`, encoded by hand (Kiln's wasmtime
    /// reads no text format): one function, so there is code to compile.
    fn wasm(n: u8) -> Vec<u8> {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type: () -> ()
        module.extend_from_slice(&[3, 2, 1, 0]); // one function of type 0
        module.extend_from_slice(&[7, 6, 1, 2, b'f', b'0' + n, 0, 0]); // export "f<n>"
        module.extend_from_slice(&[10, 4, 1, 2, 0, 0x0b]); // its body: `end`
        module
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        let mut list: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        list.sort();
        list
    }

    #[test]
    fn a_second_compile_of_the_same_bytes_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let wasm = wasm(0);
        let (_, first) = load_or_compile(&engine, &wasm, Some(dir.path())).unwrap();
        assert_eq!(first, Outcome::Miss);
        let stored = entries(dir.path());
        assert_eq!(stored.len(), 1, "{stored:?}");
        let (module, second) = load_or_compile(&engine, &wasm, Some(dir.path())).unwrap();
        assert_eq!(second, Outcome::Hit);
        assert!(module.get_export("f0").is_some());
        assert_eq!(entries(dir.path()), stored);
        // No folder: compiled, nothing stored.
        let (_, off) = load_or_compile(&engine, &wasm, None).unwrap();
        assert_eq!(off, Outcome::Off);
    }

    #[test]
    fn the_key_follows_the_bytes_and_the_configuration() {
        let engine = engine();
        let wasm = wasm(0);
        assert_eq!(key(&engine, &wasm), key(&engine, &wasm));
        assert_ne!(key(&engine, &wasm), key(&engine, &wasm[..wasm.len() - 1]));
        let mut config = wasmtime::Config::new();
        config.cranelift_nan_canonicalization(true);
        let other = Engine::new(&config).unwrap();
        assert_ne!(key(&engine, &wasm), key(&other, &wasm));
    }

    #[test]
    fn a_damaged_entry_is_compiled_again_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let wasm = wasm(0);
        load_or_compile(&engine, &wasm, Some(dir.path())).unwrap();
        let entry = entries(dir.path()).remove(0);
        let good = std::fs::read(&entry).unwrap();
        // Garbage, a torn entry, and a flipped bit with its digest fixed
        // up (which only wasmtime's own checks can refuse) are all compiled
        // again.
        let mut rehashed = good[32..].to_vec();
        rehashed[..4].copy_from_slice(b"\x7fELG");
        let mut flipped = Sha256::digest(&rehashed).to_vec();
        flipped.extend_from_slice(&rehashed);
        for damaged in [
            b"garbage, not a module".to_vec(),
            good[..good.len() / 2].to_vec(),
            flipped,
        ] {
            std::fs::write(&entry, &damaged).unwrap();
            let (module, outcome) = load_or_compile(&engine, &wasm, Some(dir.path())).unwrap();
            assert_eq!(outcome, Outcome::Miss);
            assert!(module.get_export("f0").is_some());
            assert_eq!(
                std::fs::read(&entry).unwrap(),
                good,
                "the entry is replaced"
            );
        }
    }

    #[test]
    fn only_the_newest_entries_stay() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let stale_temp = dir.path().join(format!("{TEMP_PREFIX}1-2"));
        std::fs::write(&stale_temp, b"left by a killed build").unwrap();
        let old = SystemTime::now() - STALE_TEMP - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&stale_temp)
            .unwrap()
            .set_modified(old)
            .unwrap();
        for n in 0..MAX_ENTRIES + 2 {
            load_or_compile(&engine, &wasm(n as u8), Some(dir.path())).unwrap();
            // Distinct modification times, however coarse the file system's.
            std::thread::sleep(Duration::from_millis(20));
        }
        let left = entries(dir.path());
        assert_eq!(left.len(), MAX_ENTRIES, "{left:?}");
        assert!(!stale_temp.exists(), "a stale temporary file is removed");
        let newest = wasm(MAX_ENTRIES as u8 + 1);
        let (_, outcome) = load_or_compile(&engine, &newest, Some(dir.path())).unwrap();
        assert_eq!(outcome, Outcome::Hit, "the newest entry stays");
    }
}
