//! The compiled-artifact cache: `runtime run` of an unchanged app loads
//! machine code Kiln compiled earlier instead of compiling again.
//!
//! Loading an artifact is `unsafe` (wasmtime trusts its bytes to be machine
//! code it produced), so an entry is used only when all of this holds:
//!
//! * **Key.** The file name is the SHA-256 of the engine's compatibility hash
//!   (wasmtime version, compiler and every compile-affecting setting), of
//!   the code-shape limits checked before compiling
//!   ([`crate::sandbox::code_limits`]) and of the component's own SHA-256.
//!   Any change to any of them is a different file; a stale artifact is
//!   never found, let alone loaded.
//! * **Who could write it.** The directory is the user's own (`0700`, owned
//!   by the running user, not a symlink) and the entry is a regular file owned
//!   by that user, written `0600`. Another local user cannot plant or replace
//!   an artifact (code injection into the host).
//! * **What was written.** Each entry starts with a header holding the
//!   BLAKE3 digest of the artifact bytes, recorded when Kiln wrote it, and
//!   where in the entry those bytes are (the artifact's pages of zeros are
//!   left out of the file: [`stored`]); the bytes are copied once into
//!   memory that nothing can change any more and verified there before they
//!   are deserialized, so a truncated, corrupted or edited file is discarded
//!   (and recompiled), and nothing can change between the check and the
//!   use. On Linux that memory is a sealed memory
//!   file wasmtime maps without copying again ([`sealed`]); for a process
//!   that loads once and exits (`runtime run`, [`ArtifactMemory::Private`])
//!   on Linux x86-64 it is private huge-page memory, hashed as it is read,
//!   made read-only and run in place ([`private`]); elsewhere it is a private
//!   buffer wasmtime copies.
//!
//! Why BLAKE3 for the checksum (it was SHA-256 until entry format 2): the
//! check runs on every cached load, over the whole artifact (29 MB for the
//! shared JavaScript engine, 8 MB more for each JS app; 43 MB per JS app
//! before the engine was shared), and SHA-256 of that was the largest
//! user-space cost of a cached `runtime run` (≈ 28 ms of CPU even with the CPU's SHA
//! instructions; BLAKE3's SIMD lanes take a third of that). Nothing is
//! given up: BLAKE3 is a cryptographic hash with a 256-bit output and the
//! same security claims as SHA-256 for what the check needs (a changed
//! artifact cannot keep its recorded digest: second preimages cost 2^256,
//! collisions 2^128). Who may write an entry at all is the ownership rule
//! above, not the checksum.
//!
//! The directory and file rules are [`crate::private_file`]'s, shared with
//! the token store, the grants and the credentials file. Entries are written
//! to a temporary file and renamed into place, so a concurrent reader sees a
//! whole entry or none. Every cache failure falls
//! back to compiling: the cache can make a load faster, never make it fail.

use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, Module};

use crate::compiled::ComponentSha;
use crate::private_file::{self, PrivateFileError};
use crate::sandbox::code_limits;
use crate::sandbox::component_check::ComponentError;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod private;
#[cfg(target_os = "linux")]
mod sealed;
mod stored;

use stored::StoredArtifact;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub use private::ProtectCode;

/// Environment variable that overrides the cache directory (tests, CI).
pub const CACHE_DIR_ENV: &str = "KILN_CACHE_DIR";

/// The first bytes of a record ([`ArtifactCache::store_record`]): never
/// an artifact's (those are [`stored::MAGIC`]'s), so neither is ever taken
/// for the other.
const RECORD_MAGIC: &[u8; 8] = b"KILNREC1";
/// A record's header: its magic, then the BLAKE3 digest of the record.
const HEADER_LEN: usize = RECORD_MAGIC.len() + blake3::OUT_LEN;

/// The largest record read: records are a few digests.
const MAX_RECORD_BYTES: u64 = 4096;
/// Largest entry read back (a huge file in the cache must not exhaust host
/// memory); far above any artifact of a component within the size cap.
const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;

/// Whether and where compiled artifacts are cached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`.
    #[default]
    User,
    /// This directory.
    Directory(PathBuf),
    /// Always compile (`runtime run --no-cache`).
    Disabled,
}

impl CacheMode {
    /// The directory this mode caches in, if any.
    pub fn directory(&self) -> Option<PathBuf> {
        match self {
            CacheMode::User => user_cache_dir(),
            CacheMode::Directory(dir) => Some(dir.clone()),
            CacheMode::Disabled => None,
        }
    }
}

/// The user's cache directory for Kiln, from the environment.
fn user_cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = non_empty(CACHE_DIR_ENV) {
        return Some(dir);
    }
    if let Some(xdg) = non_empty("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("kiln"));
    }
    non_empty("HOME").map(|home| home.join(".cache").join("kiln"))
}

/// Why a cache entry was not used or not written. Never shown to a guest;
/// logged at debug level, then Kiln compiles.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("the cache directory {0} is not a private directory of the current user")]
    UnsafeDirectory(PathBuf),
    #[error("the cache entry is not a private file of the current user")]
    UnsafeEntry,
    #[error("the cache entry is truncated, corrupted or not Kiln's")]
    Corrupt,
    #[error("the cache entry does not load into this engine: {0}")]
    Incompatible(String),
    #[error("artifact caching is only supported on Unix")]
    Unsupported,
}

/// A key naming one component compiled by one engine configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey(String);

impl CacheKey {
    /// SHA-256 over the engine's compatibility hash, the code-shape limits
    /// and the component's SHA-256 (`component`, computed once per load by
    /// the caller), as hex.
    pub fn new(engine: &Engine, component: &ComponentSha) -> Self {
        let mut engine_hash = Sha256Hasher(Sha256::new());
        engine
            .precompile_compatibility_hash()
            .hash(&mut engine_hash);
        let mut key = Sha256::new();
        key.update(b"kiln-artifact-key-v2\0engine\0");
        key.update(engine_hash.0.finalize());
        key.update(b"\0code-limits\0");
        key.update(code_limits::fingerprint().as_bytes());
        key.update(b"\0component\0");
        key.update(component.as_bytes());
        Self(hex::encode(key.finalize()))
    }

    /// The key of a small record about `component`'s bytes kept beside the
    /// artifacts (not an artifact: [`ArtifactCache::load_record`]), for
    /// `purpose`, which names the record's format and version.
    pub fn record(engine: &Engine, component: &ComponentSha, purpose: &str) -> Self {
        let mut key = Sha256::new();
        key.update(b"kiln-record-key-v1\0purpose\0");
        key.update(purpose.as_bytes());
        key.update(b"\0artifact-key\0");
        key.update(Self::new(engine, component).0.as_bytes());
        Self(hex::encode(key.finalize()))
    }

    fn file_name(&self) -> String {
        format!("{}.cwasm", self.0)
    }
}

/// Feeds a `Hash` implementation into SHA-256 (the engine's compatibility
/// hash is only available as `impl Hash`).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        // Only the streamed bytes are used; `finish` is never called for the key.
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Where a loaded artifact lives once checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ArtifactMemory {
    /// A sealed memory file wasmtime maps ([`sealed`]), released with the
    /// component: for any process, and the only choice of a long-lived one.
    #[default]
    Sealed,
    /// Private memory backed by huge pages, kept until the process exits
    /// (Linux x86-64, else as `Sealed`): for a process that loads an app once
    /// and exits (`runtime run`). Its engine must protect code with
    /// `ProtectCode` ([`crate::engine::new_engine`] does that for `Private`).
    Private,
}

/// An opened cache directory.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
    memory: ArtifactMemory,
}

impl ArtifactCache {
    /// Opens (creating it `0700` if needed) the directory of `mode`; `None`
    /// when caching is disabled.
    pub fn open(mode: &CacheMode) -> Result<Option<Self>, CacheError> {
        match mode.directory() {
            Some(dir) => Self::open_dir(dir).map(Some),
            None => Ok(None),
        }
    }

    /// Opens (creating it `0700` if needed) `dir`.
    pub fn open_dir(dir: PathBuf) -> Result<Self, CacheError> {
        // Without Unix ownership checks there is no way to know who wrote an
        // entry, and loading one is trusting it as machine code.
        if cfg!(not(unix)) {
            return Err(CacheError::Unsupported);
        }
        private_file::ensure_private_dir(&dir).map_err(|error| match error {
            PrivateFileError::Io(error) => CacheError::Io(error),
            _ => CacheError::UnsafeDirectory(dir.clone()),
        })?;
        Ok(Self {
            dir,
            memory: ArtifactMemory::default(),
        })
    }

    /// The same cache, loading artifacts into `memory`.
    pub fn with_memory(mut self, memory: ArtifactMemory) -> Self {
        self.memory = memory;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `key`'s entry.
    pub fn entry_path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The path of `key`'s record.
    fn record_path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.record", key.0))
    }

    /// The record stored under `key`, if there is an intact one (private to
    /// this user, as entries are, and matching the BLAKE3 digest written
    /// with it); anything else is no record.
    pub fn load_record(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let bytes = private_file::read_private(&self.record_path(key), MAX_RECORD_BYTES).ok()?;
        let (header, record) = bytes.split_at_checked(HEADER_LEN)?;
        let (magic, digest) = header.split_at_checked(RECORD_MAGIC.len())?;
        (magic == RECORD_MAGIC && digest == blake3::hash(record).as_bytes().as_slice())
            .then(|| record.to_vec())
    }

    /// Writes `record` under `key`, atomically, with the entries' rules.
    pub fn store_record(&self, key: &CacheKey, record: &[u8]) -> Result<(), CacheError> {
        let mut entry = Vec::with_capacity(HEADER_LEN + record.len());
        entry.extend_from_slice(RECORD_MAGIC);
        entry.extend_from_slice(blake3::hash(record).as_bytes());
        entry.extend_from_slice(record);
        private_file::write_private(&self.record_path(key), &entry).map_err(|error| match error {
            PrivateFileError::Io(error) => CacheError::Io(error),
            _ => CacheError::UnsafeEntry,
        })
    }

    /// Loads `key`'s artifact (a component or a module), if a valid entry
    /// exists. A corrupt or incompatible entry is deleted so that the next
    /// store replaces it.
    ///
    /// On Linux the artifact is copied once into sealed memory, checked
    /// there and mapped by wasmtime from there ([`sealed`]); where that is
    /// unavailable it is read into a buffer, checked, and copied by
    /// wasmtime. Either way the bytes checked are the bytes executed.
    pub fn load<A: Artifact>(
        &self,
        engine: &Engine,
        key: &CacheKey,
    ) -> Result<Option<A>, CacheError> {
        let path = self.entry_path(key);
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        if self.memory == ArtifactMemory::Private {
            match load_private(engine, &path) {
                Ok(found) => return Ok(found),
                Err(SealedLoad::Refused(error)) => {
                    if matches!(error, CacheError::Corrupt) {
                        let _ = fs::remove_file(&path);
                    }
                    return Err(error);
                }
                Err(SealedLoad::Unavailable(why)) => {
                    tracing::debug!("artifact not loaded into private memory ({why}); sealing it");
                }
            }
        }
        #[cfg(target_os = "linux")]
        match load_sealed(engine, &path) {
            Ok(found) => return Ok(found),
            Err(SealedLoad::Refused(error)) => {
                if matches!(error, CacheError::Corrupt) {
                    let _ = fs::remove_file(&path);
                }
                return Err(error);
            }
            Err(SealedLoad::Unavailable(why)) => {
                tracing::debug!("artifact not loaded from sealed memory ({why}); reading it");
            }
        }
        load_copied(engine, &path)
    }

    /// Writes `component`'s artifact as `key`'s entry, atomically: its
    /// pages of zeros left out ([`stored`]; more than half of a JavaScript
    /// app's 8 MB artifact), so the file is as long as its data.
    pub fn store<A: Artifact>(&self, key: &CacheKey, compiled: &A) -> Result<(), CacheError> {
        let artifact = compiled
            .serialize()
            .map_err(|e| CacheError::Incompatible(format!("{e:#}")))?;
        let entry = stored::encode(&artifact, MAX_ENTRY_BYTES)
            .ok_or_else(|| CacheError::Incompatible("the artifact is too large".into()))?;
        private_file::write_private(&self.entry_path(key), &entry).map_err(|error| match error {
            PrivateFileError::Io(error) => CacheError::Io(error),
            _ => CacheError::UnsafeEntry,
        })
    }
}

/// What the cache holds: a compiled component, or a compiled core module
/// (the JavaScript engine every JS app shares, [`crate::shared_engine`]).
/// The `unsafe` functions are wasmtime's own, with its contract: the bytes
/// are an artifact this engine configuration serialized.
pub trait Artifact: Sized {
    fn serialize(&self) -> wasmtime::Result<Vec<u8>>;
    /// # Safety
    /// Wasmtime's [`Component::deserialize`].
    unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self>;
    /// # Safety
    /// Wasmtime's [`Component::deserialize_file`].
    unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self>;
    /// # Safety
    /// Wasmtime's [`Component::deserialize_raw`].
    unsafe fn deserialize_raw(
        engine: &Engine,
        memory: std::ptr::NonNull<[u8]>,
    ) -> wasmtime::Result<Self>;
}

/// The same wasmtime functions exist on both kinds of artifact.
macro_rules! artifact {
    ($kind:ty) => {
        impl Artifact for $kind {
            fn serialize(&self) -> wasmtime::Result<Vec<u8>> {
                <$kind>::serialize(self)
            }
            unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
                // SAFETY: the caller's (this trait's contract).
                unsafe { <$kind>::deserialize(engine, bytes) }
            }
            unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self> {
                // SAFETY: the caller's (this trait's contract).
                unsafe { <$kind>::deserialize_file(engine, path) }
            }
            unsafe fn deserialize_raw(
                engine: &Engine,
                memory: std::ptr::NonNull<[u8]>,
            ) -> wasmtime::Result<Self> {
                // SAFETY: the caller's (this trait's contract).
                unsafe { <$kind>::deserialize_raw(engine, memory) }
            }
        }
    };
}

artifact!(Component);
artifact!(Module);

/// How a cache error of a private file reads.
fn entry_error(error: PrivateFileError) -> CacheError {
    match error {
        PrivateFileError::Io(error) => CacheError::Io(error),
        PrivateFileError::Missing | PrivateFileError::TooLarge { .. } => CacheError::Corrupt,
        PrivateFileError::NotYours | PrivateFileError::TooOpen { .. } => CacheError::UnsafeEntry,
    }
}

/// Loads the entry at `path` by reading it into memory: the artifact is
/// rebuilt (its pages of zeros put back) and checked in a buffer, which
/// nothing else can reach, and wasmtime copies it.
fn load_copied<A: Artifact>(engine: &Engine, path: &Path) -> Result<Option<A>, CacheError> {
    let bytes = match private_file::read_private(path, MAX_ENTRY_BYTES) {
        Ok(bytes) => bytes,
        Err(PrivateFileError::Missing) => return Ok(None),
        Err(error) => return Err(entry_error(error)),
    };
    let outcome = verified_artifact(&bytes).and_then(|artifact| {
        let artifact = artifact.as_slice();
        // SAFETY: `artifact` is exactly what `store` wrote from
        // `Component::serialize` of this engine configuration: the file is
        // private to this user (checked while reading), its BLAKE3 digest
        // matches the one recorded at write time, and the bytes are
        // in memory, so they cannot change after the check. Wasmtime
        // itself re-checks the engine compatibility header.
        let component = unsafe { A::deserialize(engine, artifact) };
        component.map_err(|e| CacheError::Incompatible(format!("{e:#}")))
    });
    match outcome {
        Ok(component) => Ok(Some(component)),
        Err(error) => {
            let _ = fs::remove_file(path);
            Err(error)
        }
    }
}

/// Why the sealed load did not give a component.
#[cfg(target_os = "linux")]
enum SealedLoad {
    /// The entry is refused (the copying load would refuse it too).
    Refused(CacheError),
    /// This system cannot load from sealed memory; read the entry instead.
    Unavailable(String),
}

/// Opens the entry at `path`, as both memory loads do: `None` when there
/// is no entry, refused when it is not private to this user; then its
/// header is read and checked ([`StoredArtifact::open`]).
#[cfg(target_os = "linux")]
fn open_entry(path: &Path) -> Result<Option<(std::fs::File, u64)>, SealedLoad> {
    match private_file::open_private(path, MAX_ENTRY_BYTES) {
        Ok(opened) => Ok(Some(opened)),
        Err(PrivateFileError::Missing) => Ok(None),
        Err(error) => Err(SealedLoad::Refused(entry_error(error))),
    }
}

/// Why copying an entry's artifact into memory failed, as a load's answer:
/// a file that ended early was truncated since it was measured (the entry is
/// refused); anything else is this system's, and the next load decides.
#[cfg(target_os = "linux")]
fn copy_failed(error: std::io::Error) -> SealedLoad {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        SealedLoad::Refused(CacheError::Corrupt)
    } else {
        SealedLoad::Unavailable(error.to_string())
    }
}

/// Loads the entry at `path` through a sealed copy of its artifact
/// ([`sealed`]): the file's ownership and mode are checked on the open
/// file, its header is checked, the artifact's stored pages that are not
/// all zeros are copied into a memory file of its length (the others stay
/// holes, which read as zeros and take no memory) that is then sealed
/// against any change, the BLAKE3 digest is checked over the sealed bytes,
/// holes included, and wasmtime maps those bytes.
#[cfg(target_os = "linux")]
fn load_sealed<A: Artifact>(engine: &Engine, path: &Path) -> Result<Option<A>, SealedLoad> {
    let Some((file, len)) = open_entry(path)? else {
        return Ok(None);
    };
    let stored = StoredArtifact::open(&file, len, MAX_ENTRY_BYTES).map_err(SealedLoad::Refused)?;
    let copy = sealed::SealedCopy::of(&stored).map_err(copy_failed)?;
    let digest = copy
        .digest()
        .map_err(|error| SealedLoad::Unavailable(error.to_string()))?;
    if stored.recorded_digest() != &digest {
        return Err(SealedLoad::Refused(CacheError::Corrupt));
    }
    // SAFETY: the bytes behind `copy.path()` are exactly what `store` wrote
    // from `Component::serialize` of this engine configuration: the entry is
    // private to this user (checked on the open file), and its BLAKE3 digest
    // matches the one recorded at write time, computed over the sealed copy,
    // which no one can change (no write, shrink or growth, and the seals
    // cannot be lifted) for as long as wasmtime maps it: what was checked is
    // what runs. Wasmtime itself re-checks the engine compatibility header.
    match unsafe { A::deserialize_file(engine, &copy.path()) } {
        Ok(component) => Ok(Some(component)),
        // Not necessarily the entry's fault (no `/proc`, executable memory
        // files forbidden): the copying load decides, and discards an
        // incompatible entry.
        Err(error) => Err(SealedLoad::Unavailable(format!("{error:#}"))),
    }
}

/// Loads the entry at `path` through a private copy of its artifact
/// ([`private`]): the file's ownership and mode are checked on the open
/// file, its header is checked, the artifact is read into private memory
/// (its pages of zeros put back) and its BLAKE3 digest computed over the
/// bytes in that memory as they arrive; only if it matches the header is
/// the memory made read-only and handed to wasmtime, which runs it in
/// place. Where the private copy cannot be had the caller seals one.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn load_private<A: Artifact>(engine: &Engine, path: &Path) -> Result<Option<A>, SealedLoad> {
    let Some((file, len)) = open_entry(path)? else {
        return Ok(None);
    };
    let stored = StoredArtifact::open(&file, len, MAX_ENTRY_BYTES).map_err(SealedLoad::Refused)?;
    let copy = private::PrivateCopy::of(&stored).map_err(copy_failed)?;
    if stored.recorded_digest() != copy.digest() {
        // Dropped (unmapped) unseen by wasmtime.
        return Err(SealedLoad::Refused(CacheError::Corrupt));
    }
    let memory = copy
        .keep()
        .map_err(|error| SealedLoad::Unavailable(error.to_string()))?;
    // SAFETY: `memory` holds exactly what `store` wrote from
    // `Component::serialize` of this engine configuration: the entry is
    // private to this user (checked on the open file), and its BLAKE3 digest
    // matches the one recorded at write time, computed over the bytes in
    // this process's private memory, which no other process can write and
    // which is read-only from before this call: what was checked is what
    // runs. The memory is never unmapped, so it outlives the component
    // (wasmtime's requirement for `deserialize_raw`). Wasmtime itself
    // re-checks the engine compatibility header.
    match unsafe { A::deserialize_raw(engine, memory) } {
        Ok(component) => Ok(Some(component)),
        // The engine may lack the code protection a private copy needs
        // (`ProtectCode`): the sealed load decides. The memory stays kept
        // (it is read-only and bounded by `private::MAX_KEPT_BYTES`): after a
        // failed deserialize nothing should refer to it, but nothing
        // promises that either.
        Err(error) => Err(SealedLoad::Unavailable(format!("{error:#}"))),
    }
}

/// The artifact of a whole entry, rebuilt, if its header is sound and its
/// recorded digest matches the rebuilt bytes.
fn verified_artifact(entry: &[u8]) -> Result<Vec<u8>, CacheError> {
    let stored = StoredArtifact::open(entry, entry.len() as u64, MAX_ENTRY_BYTES)?;
    // The whole entry is in memory: a read can only fail as corrupt.
    let artifact = stored.to_vec().map_err(|_| CacheError::Corrupt)?;
    if stored.recorded_digest() != &blake3::hash(&artifact) {
        return Err(CacheError::Corrupt);
    }
    Ok(artifact)
}

/// Compiles `wasm`, or loads it from `cache`; the `bool` says whether it came
/// from the cache. Cache problems are logged and never fail the load.
///
/// `check_before_compiling` runs only when Kiln is about to compile (the
/// code-shape limits: a compile bomb costs nothing until it is compiled); a
/// cache hit was checked when it was compiled, and the limits are part of
/// its key.
///
/// `digest` is `wasm`'s [`ComponentSha`] (the caller has it already: hashing
/// a 12 MB JavaScript component twice per load showed in `runtime run`).
pub fn compile_cached(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    wasm: &[u8],
    digest: &ComponentSha,
    check_before_compiling: impl FnOnce(&[u8]) -> Result<(), ComponentError>,
) -> Result<(Component, bool), ComponentError> {
    compile_cached_with(engine, cache, digest, || {
        check_before_compiling(wasm)?;
        Component::from_binary(engine, wasm).map_err(|e| ComponentError::compile_failed(&e))
    })
}

/// [`compile_cached`] of a core module (the shared JavaScript engine).
pub fn compile_cached_module(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    wasm: &[u8],
    digest: &ComponentSha,
    check_before_compiling: impl FnOnce(&[u8]) -> Result<(), ComponentError>,
) -> Result<(Module, bool), ComponentError> {
    compile_cached_with(engine, cache, digest, || {
        check_before_compiling(wasm)?;
        Module::from_binary(engine, wasm).map_err(|e| ComponentError::compile_failed(&e))
    })
}

/// The artifact of `digest`'s bytes from `cache`, else `compile`d, stored,
/// and loaded back from the entry just stored.
///
/// Why load back what is already compiled: a freshly compiled artifact
/// lives in wasmtime's own memory, and each memory image of it (a
/// JavaScript app's snapshot, 8.3 MiB of which more than half are pages of
/// zeros) in a memory file wasmtime writes whole, zeros included. A cold
/// start of many JS apps then held ≈ 8 MiB of shared memory per app that a
/// warm start (the sealed copy, [`sealed`], which leaves pages of zeros as
/// holes) does not, until the process restarted. Loaded back, the artifact
/// is in the same memory a warm start gives it, and the compiled copy is
/// dropped. That costs reading and checking the entry once more (tens of
/// milliseconds for the 33 MiB engine, against seconds of compiling it).
///
/// Without a cache, or when the store or the load back fails, the compiled
/// copy is kept (and said so in the debug log): the cache never makes a load
/// fail.
fn compile_cached_with<A: Artifact>(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    digest: &ComponentSha,
    compile: impl FnOnce() -> Result<A, ComponentError>,
) -> Result<(A, bool), ComponentError> {
    // The compiler's freed heap goes back to the system after every compile,
    // refused or not (`compiler_heap`).
    let compile = || {
        let compiled = compile();
        crate::compiler_heap::release_after_compile();
        compiled
    };
    let Some(cache) = cache else {
        return Ok((compile()?, false));
    };
    let key = CacheKey::new(engine, digest);
    match cache.load(engine, &key) {
        Ok(Some(compiled)) => return Ok((compiled, true)),
        Ok(None) => {}
        Err(error) => tracing::debug!("artifact cache entry discarded: {error}"),
    }
    let compiled = compile()?;
    if let Err(error) = cache.store(&key, &compiled) {
        tracing::debug!("artifact not cached: {error}; keeping the compiled copy");
        return Ok((compiled, false));
    }
    match cache.load(engine, &key) {
        // Still `false`: this load compiled it.
        Ok(Some(loaded)) => Ok((loaded, false)),
        Ok(None) => {
            tracing::debug!("stored artifact not found again; keeping the compiled copy");
            Ok((compiled, false))
        }
        Err(error) => {
            tracing::debug!("stored artifact not loaded back ({error}); keeping the compiled copy");
            Ok((compiled, false))
        }
    }
}

/// Opens the cache of `mode`, logging (not failing) when it is unusable.
pub fn open_or_log(mode: &CacheMode) -> Option<ArtifactCache> {
    ArtifactCache::open(mode).unwrap_or_else(|error| {
        tracing::debug!("artifact cache disabled: {error}");
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An engine as `new_engine` makes it for a cache loading into `memory`.
    fn engine_for(memory: ArtifactMemory) -> Engine {
        crate::engine::new_engine(
            &crate::engine::InstanceAllocation::OnDemand,
            64 << 20,
            crate::engine::FuelMetering::Counted,
            memory,
        )
        .unwrap()
        .0
    }

    fn engine() -> Engine {
        Engine::new(&crate::engine::engine_config(
            &crate::engine::InstanceAllocation::OnDemand,
            64 << 20,
            crate::engine::FuelMetering::Counted,
        ))
        .unwrap()
    }

    fn component_bytes(n: u32) -> Vec<u8> {
        wat::parse_str(format!(
            "(component (core module (func (export \"f\") (result i32) i32.const {n})))"
        ))
        .unwrap()
    }

    /// A pre-compile check that passes everything.
    fn no_check(_: &[u8]) -> Result<(), ComponentError> {
        Ok(())
    }

    /// `compile_cached` of `wasm` through `cache`, with no pre-compile check.
    fn load(engine: &Engine, cache: &ArtifactCache, wasm: &[u8]) -> (Component, bool) {
        compile_cached(engine, Some(cache), wasm, &ComponentSha::of(wasm), no_check).unwrap()
    }

    fn cache() -> (tempfile::TempDir, ArtifactCache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::open_dir(dir.path().join("kiln")).unwrap();
        (dir, cache)
    }

    #[test]
    fn a_second_load_comes_from_the_cache() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_bytes(1);
        let (_, hit) = load(&engine, &cache, &wasm);
        assert!(!hit, "the first load compiles");
        let (_, hit) = load(&engine, &cache, &wasm);
        assert!(hit, "the second load is served from the cache");
    }

    #[test]
    fn the_pre_compile_check_runs_before_compiling_and_not_on_a_hit() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_bytes(5);
        let refused = ComponentError::Invalid("refused by the check".into());
        assert_eq!(
            compile_cached(
                &engine,
                Some(&cache),
                &wasm,
                &ComponentSha::of(&wasm),
                |_| Err(refused.clone())
            )
            .err(),
            Some(refused.clone()),
            "a refusal stops the compilation"
        );
        assert!(
            !cache
                .entry_path(&CacheKey::new(&engine, &ComponentSha::of(&wasm)))
                .exists(),
            "nothing refused is cached"
        );
        assert_eq!(
            compile_cached(&engine, None, &wasm, &ComponentSha::of(&wasm), |_| Err(
                refused.clone()
            ))
            .err(),
            Some(refused.clone()),
            "the check also runs without a cache"
        );

        let checked = std::cell::Cell::new(0);
        let counting = |_: &[u8]| {
            checked.set(checked.get() + 1);
            Ok(())
        };
        let (_, hit) = compile_cached(
            &engine,
            Some(&cache),
            &wasm,
            &ComponentSha::of(&wasm),
            counting,
        )
        .unwrap();
        assert!(!hit);
        let (_, hit) = compile_cached(
            &engine,
            Some(&cache),
            &wasm,
            &ComponentSha::of(&wasm),
            counting,
        )
        .unwrap();
        assert!(hit);
        assert_eq!(checked.get(), 1, "checked once: before its compilation");
    }

    #[test]
    fn the_code_limits_fingerprint_names_every_limit_and_value() {
        let fingerprint = code_limits::fingerprint();
        assert!(
            fingerprint.contains(&code_limits::MAX_FUNCTIONS.to_string()),
            "{fingerprint}"
        );
        // One part per limit, then one per engine admitted beyond them.
        assert_eq!(
            fingerprint.split(';').count(),
            code_limits::CodeLimit::ALL.len() + crate::sandbox::known_engines::KNOWN_ENGINES.len()
        );
    }

    #[test]
    fn any_change_to_the_component_is_a_different_entry() {
        let engine = engine();
        assert_ne!(
            CacheKey::new(&engine, &ComponentSha::of(&component_bytes(1))),
            CacheKey::new(&engine, &ComponentSha::of(&component_bytes(2)))
        );
        assert_eq!(
            CacheKey::new(&engine, &ComponentSha::of(&component_bytes(1))),
            CacheKey::new(&engine, &ComponentSha::of(&component_bytes(1)))
        );
    }

    #[test]
    fn any_change_to_the_engine_configuration_is_a_different_entry() {
        let wasm = component_bytes(1);
        // Fuel counting is the setting a runtime chooses (FuelMetering): its
        // two kinds of code never share an entry.
        let other = Engine::new(&crate::engine::engine_config(
            &crate::engine::InstanceAllocation::OnDemand,
            64 << 20,
            crate::engine::FuelMetering::Off,
        ))
        .unwrap();
        assert_ne!(
            CacheKey::new(&engine(), &ComponentSha::of(&wasm)),
            CacheKey::new(&other, &ComponentSha::of(&wasm))
        );
    }

    #[cfg(unix)]
    #[test]
    fn directory_and_entries_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_bytes(3);
        load(&engine, &cache, &wasm);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(cache.dir()), 0o700);
        assert_eq!(
            mode(&cache.entry_path(&CacheKey::new(&engine, &ComponentSha::of(&wasm)))),
            0o600
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_loose_directory_is_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loose");
        fs::create_dir(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o777)).unwrap();
        ArtifactCache::open_dir(path.clone()).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    /// Damages the cached entry of `wasm` with `damage`, then checks that the
    /// next load discards it, recompiles, and writes a good entry again.
    /// On Linux x86-64 the same again with the cache loading into private
    /// memory: every damage is refused there too.
    fn damaged_entry_is_recompiled(damage: impl Fn(&Path)) {
        damaged_entry_is_recompiled_in(ArtifactMemory::Sealed, &damage);
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        damaged_entry_is_recompiled_in(ArtifactMemory::Private, &damage);
    }

    fn damaged_entry_is_recompiled_in(memory: ArtifactMemory, damage: &dyn Fn(&Path)) {
        let (_dir, cache) = cache();
        let cache = cache.with_memory(memory);
        let engine = engine_for(memory);
        let wasm = component_bytes(4);
        load(&engine, &cache, &wasm);
        let key = CacheKey::new(&engine, &ComponentSha::of(&wasm));
        damage(&cache.entry_path(&key));

        assert!(
            cache.load::<Component>(&engine, &key).is_err(),
            "a damaged entry is refused"
        );
        let (component, hit) = load(&engine, &cache, &wasm);
        assert!(!hit, "a damaged entry is recompiled, not loaded");
        assert!(component.serialize().is_ok());
        let (_, hit) = load(&engine, &cache, &wasm);
        assert!(hit, "the recompiled artifact replaced the damaged entry");
    }

    #[test]
    fn a_tampered_entry_is_discarded_and_recompiled() {
        damaged_entry_is_recompiled(|path| {
            let mut bytes = fs::read(path).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
            fs::write(path, bytes).unwrap();
        });
    }

    #[test]
    fn a_byte_changed_inside_the_code_is_discarded_and_recompiled() {
        damaged_entry_is_recompiled(|path| {
            let mut bytes = fs::read(path).unwrap();
            let middle = HEADER_LEN + (bytes.len() - HEADER_LEN) / 2;
            bytes[middle] = bytes[middle].wrapping_add(1);
            fs::write(path, bytes).unwrap();
        });
    }

    /// The artifact of the entry at `path`, whole.
    fn artifact_of(path: &Path) -> Vec<u8> {
        let bytes = fs::read(path).unwrap();
        StoredArtifact::open(bytes.as_slice(), bytes.len() as u64, MAX_ENTRY_BYTES)
            .unwrap()
            .to_vec()
            .unwrap()
    }

    #[test]
    fn an_entry_of_the_sha256_format_is_discarded_and_recompiled() {
        // Format 1 (before BLAKE3): the same artifact under a SHA-256 header.
        damaged_entry_is_recompiled(|path| {
            let artifact = artifact_of(path);
            let mut old = b"KILNAOT1".to_vec();
            old.extend_from_slice(&Sha256::digest(&artifact));
            old.extend_from_slice(&artifact);
            fs::write(path, old).unwrap();
        });
    }

    #[test]
    fn an_entry_of_the_whole_artifact_format_is_discarded_and_recompiled() {
        // Format 2 (before pages of zeros were left out): the artifact whole
        // after its BLAKE3 digest.
        damaged_entry_is_recompiled(|path| {
            let artifact = artifact_of(path);
            let mut old = b"KILNAOT2".to_vec();
            old.extend_from_slice(blake3::hash(&artifact).as_bytes());
            old.extend_from_slice(&artifact);
            fs::write(path, old).unwrap();
        });
    }

    /// The entry at `path` with the little-endian `value` written at `at`.
    fn patch_entry(path: &Path, at: usize, value: &[u8]) {
        let mut bytes = fs::read(path).unwrap();
        bytes[at..at + value.len()].copy_from_slice(value);
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn an_entry_with_a_hostile_extent_table_is_discarded_and_recompiled() {
        // The header: magic 8, digest 32, artifact length 8 (at 40), number
        // of extents 4 (at 48), then the first extent: where 8, how many 8.
        damaged_entry_is_recompiled(|path| patch_entry(path, 40, &u64::MAX.to_le_bytes()));
        damaged_entry_is_recompiled(|path| patch_entry(path, 40, &1u64.to_le_bytes()));
        damaged_entry_is_recompiled(|path| patch_entry(path, 48, &u32::MAX.to_le_bytes()));
        damaged_entry_is_recompiled(|path| patch_entry(path, 48, &0u32.to_le_bytes()));
        damaged_entry_is_recompiled(|path| patch_entry(path, 52, &(u64::MAX - 1).to_le_bytes()));
        damaged_entry_is_recompiled(|path| patch_entry(path, 60, &u64::MAX.to_le_bytes()));
        damaged_entry_is_recompiled(|path| patch_entry(path, 60, &0u64.to_le_bytes()));
        // Moved by a page: the same bytes elsewhere, which the digest refuses.
        damaged_entry_is_recompiled(|path| {
            let bytes = fs::read(path).unwrap();
            let at = u64::from_le_bytes(bytes[52..60].try_into().unwrap());
            let len = u64::from_le_bytes(bytes[40..48].try_into().unwrap());
            let moved = if at >= 4096 {
                at - 4096
            } else {
                (at + 4096).min(len)
            };
            patch_entry(path, 52, &moved.to_le_bytes());
        });
    }

    #[test]
    fn an_entry_is_as_long_as_its_data_not_its_pages_of_zeros() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_with_zero_pages();
        let (compiled, _) = load(&engine, &cache, &wasm);
        let artifact = compiled.serialize().unwrap();
        let pages_with_data = artifact
            .chunks(stored::PAGE)
            .filter(|page| !stored::is_zero(page))
            .map(<[u8]>::len)
            .sum::<usize>();
        let path = cache.entry_path(&CacheKey::new(&engine, &ComponentSha::of(&wasm)));
        let entry_len = fs::metadata(&path).unwrap().len() as usize;
        assert!(
            entry_len < pages_with_data + 4096 && entry_len + (40 << 12) < artifact.len(),
            "entry {entry_len} bytes, artifact {}, in pages with data {pages_with_data}",
            artifact.len()
        );
        assert_eq!(artifact_of(&path), artifact);
    }

    #[test]
    fn a_truncated_entry_is_discarded_and_recompiled() {
        damaged_entry_is_recompiled(|path| {
            let bytes = fs::read(path).unwrap();
            fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
        });
    }

    #[test]
    fn a_foreign_file_is_discarded_and_recompiled() {
        damaged_entry_is_recompiled(|path| fs::write(path, b"not an artifact").unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_others_could_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        damaged_entry_is_recompiled(|path| {
            fs::set_permissions(path, fs::Permissions::from_mode(0o666)).unwrap()
        });
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_entry_is_refused() {
        damaged_entry_is_recompiled(|path| {
            let target = path.with_extension("elsewhere");
            fs::rename(path, &target).unwrap();
            std::os::unix::fs::symlink(&target, path).unwrap();
        });
    }

    /// Rewrites `wasm`'s entry in place, as its owner (or anyone with the
    /// owner's rights) could after a load checked it: same inode, same size,
    /// every byte changed.
    #[cfg(unix)]
    fn overwrite_entry_in_place(engine: &Engine, cache: &ArtifactCache, wasm: &[u8]) {
        use std::os::unix::fs::FileExt as _;
        let path = cache.entry_path(&CacheKey::new(engine, &ComponentSha::of(wasm)));
        let garbage = vec![0xcc; fs::metadata(&path).unwrap().len() as usize];
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .write_all_at(&garbage, 0)
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_change_to_the_entry_after_loading_does_not_reach_the_loaded_code() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_bytes(6);
        let (compiled, _) = load(&engine, &cache, &wasm);
        let (loaded, hit) = load(&engine, &cache, &wasm);
        assert!(hit);
        // The owner (or anyone with the owner's rights) rewrites the entry
        // in place after the check: the loaded code is what was checked.
        overwrite_entry_in_place(&engine, &cache, &wasm);
        assert_eq!(
            loaded.serialize().unwrap(),
            compiled.serialize().unwrap(),
            "the loaded artifact's bytes are the checked ones"
        );
    }

    /// The entry at `path`, loaded through a sealed copy, which must succeed.
    #[cfg(target_os = "linux")]
    fn sealed_load(engine: &Engine, path: &Path) -> Component {
        match load_sealed::<Component>(engine, path) {
            Ok(Some(component)) => component,
            Ok(None) => panic!("the entry is there"),
            Err(SealedLoad::Refused(error)) => panic!("refused: {error}"),
            Err(SealedLoad::Unavailable(why)) => panic!("no sealed load here: {why}"),
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_an_entry_loads_from_sealed_memory() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_bytes(7);
        let (compiled, _) = load(&engine, &cache, &wasm);
        let path = cache.entry_path(&CacheKey::new(&engine, &ComponentSha::of(&wasm)));
        let loaded = sealed_load(&engine, &path);
        assert_eq!(loaded.serialize().unwrap(), compiled.serialize().unwrap());
    }

    /// A component with a memory whose image holds pages of zeros between
    /// two data segments; its `f` answers the byte at an address.
    fn component_with_zero_pages() -> Vec<u8> {
        wat::parse_str(
            r#"(component
                (core module $m
                    (memory 4)
                    (data (i32.const 16) "\2a")
                    (data (i32.const 196620) "\07")
                    (func (export "f") (param i32) (result i32)
                        local.get 0 i32.load8_u))
                (core instance $i (instantiate $m))
                (func (export "f") (param "x" s32) (result s32)
                    (canon lift (core func $i "f"))))"#,
        )
        .unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_artifact_with_pages_of_zeros_loads_sealed_and_reads_its_memory() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_with_zero_pages();
        let (compiled, _) = load(&engine, &cache, &wasm);
        let artifact = compiled.serialize().unwrap();
        assert!(
            artifact
                .chunks(4096)
                .filter(|p| p.iter().all(|&b| b == 0))
                .count()
                >= 40,
            "the memory image keeps its pages of zeros"
        );
        let path = cache.entry_path(&CacheKey::new(&engine, &ComponentSha::of(&wasm)));
        let loaded = sealed_load(&engine, &path);
        assert_eq!(loaded.serialize().unwrap(), artifact);
        let mut store = wasmtime::Store::new(&engine, ());
        store.set_fuel(1_000_000).unwrap();
        store.set_epoch_deadline(1_000_000);
        let instance = wasmtime::component::Linker::new(&engine)
            .instantiate(&mut store, &loaded)
            .unwrap();
        let f = instance
            .get_typed_func::<(i32,), (i32,)>(&mut store, "f")
            .unwrap();
        for (address, byte) in [(16, 42), (17, 0), (100_000, 0), (196_620, 7)] {
            assert_eq!(
                f.call(&mut store, (address,)).unwrap(),
                (byte,),
                "{address}"
            );
        }
    }

    /// The file behind the mapping that holds `image`'s start (a compiled
    /// artifact's `image_range`), as `/proc/self/maps` names it; empty for
    /// anonymous memory.
    #[cfg(target_os = "linux")]
    fn backing(image: std::ops::Range<*const u8>) -> String {
        let at = image.start as usize;
        let maps = fs::read_to_string("/proc/self/maps").unwrap();
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next().unwrap().split_once('-').unwrap();
            let start = usize::from_str_radix(start, 16).unwrap();
            let end = usize::from_str_radix(end, 16).unwrap();
            if (start..end).contains(&at) {
                // perms, offset, device, inode, then the path if any.
                return fields.nth(4).unwrap_or_default().to_string();
            }
        }
        panic!("no mapping holds the artifact at {at:#x}")
    }

    #[cfg(target_os = "linux")]
    const SEALED_COPY: &str = "/memfd:kiln-artifact";

    #[cfg(target_os = "linux")]
    #[test]
    fn a_compiled_artifact_ends_in_the_same_memory_as_a_cached_one() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = component_with_zero_pages();
        let (cold, hit) = load(&engine, &cache, &wasm);
        assert!(!hit, "compiled");
        let (warm, hit) = load(&engine, &cache, &wasm);
        assert!(hit, "from the cache");
        assert_eq!(backing(warm.image_range()), SEALED_COPY);
        assert_eq!(
            backing(cold.image_range()),
            SEALED_COPY,
            "the compiled copy was replaced by its entry, loaded back sealed"
        );
        assert_eq!(cold.serialize().unwrap(), warm.serialize().unwrap());

        // A core module (the shared JavaScript engine) too: the same rule.
        let module = wat::parse_str("(module (memory 2) (data (i32.const 8) \"\\01\"))").unwrap();
        let (cold, hit) = compile_cached_module(
            &engine,
            Some(&cache),
            &module,
            &ComponentSha::of(&module),
            no_check,
        )
        .unwrap();
        assert!(!hit);
        assert_eq!(backing(cold.image_range()), SEALED_COPY);

        // No cache: the compiled copy is all there is, in wasmtime's memory.
        let (uncached, hit) =
            compile_cached(&engine, None, &wasm, &ComponentSha::of(&wasm), no_check).unwrap();
        assert!(!hit);
        assert_ne!(backing(uncached.image_range()), SEALED_COPY);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn when_the_store_fails_the_compiled_artifact_is_kept() {
        let (_dir, cache) = cache();
        let engine = engine();
        let wasm = runnable_component_bytes(11);
        // The directory is gone: the entry cannot be written.
        fs::remove_dir_all(cache.dir()).unwrap();
        let (compiled, hit) = load(&engine, &cache, &wasm);
        assert!(!hit);
        assert_ne!(backing(compiled.image_range()), SEALED_COPY);
        runs_and_answers(&engine, &compiled, 11);
    }

    /// A component whose exported `f` answers `n`, computed by its code.
    fn runnable_component_bytes(n: i32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                (core module $m (func (export "f") (param i32) (result i32)
                    local.get 0 i32.const {n} i32.add))
                (core instance $i (instantiate $m))
                (func (export "f") (param "x" s32) (result s32)
                    (canon lift (core func $i "f"))))"#
        ))
        .unwrap()
    }

    /// Instantiates `component` (of `runnable_component_bytes(n)`) and calls
    /// its `f`: the loaded machine code runs and answers.
    fn runs_and_answers(engine: &Engine, component: &Component, n: i32) {
        let mut store = wasmtime::Store::new(engine, ());
        store.set_fuel(1_000_000).unwrap();
        store.set_epoch_deadline(1_000_000);
        let instance = wasmtime::component::Linker::new(engine)
            .instantiate(&mut store, component)
            .unwrap();
        let f = instance
            .get_typed_func::<(i32,), (i32,)>(&mut store, "f")
            .unwrap();
        assert_eq!(f.call(&mut store, (1,)).unwrap(), (n + 1,));
    }

    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn an_entry_loads_into_private_memory_and_runs() {
        let (_dir, cache) = cache();
        let cache = cache.with_memory(ArtifactMemory::Private);
        let engine = engine_for(ArtifactMemory::Private);
        let wasm = runnable_component_bytes(8);
        let (compiled, hit) = load(&engine, &cache, &wasm);
        assert!(!hit);
        let path = cache.entry_path(&CacheKey::new(&engine, &ComponentSha::of(&wasm)));
        let loaded = match load_private::<Component>(&engine, &path) {
            Ok(Some(component)) => component,
            Ok(None) => panic!("the entry is there"),
            Err(SealedLoad::Refused(error)) => panic!("refused: {error}"),
            Err(SealedLoad::Unavailable(why)) => panic!("no private load here: {why}"),
        };
        assert_eq!(loaded.serialize().unwrap(), compiled.serialize().unwrap());
        // Code this engine compiled itself is published through the same
        // protection, and runs too.
        runs_and_answers(&engine, &compiled, 8);
        runs_and_answers(&engine, &loaded, 8);
        // Through the cache as `runtime run` uses it.
        let (again, hit) = load(&engine, &cache, &wasm);
        assert!(hit);
        runs_and_answers(&engine, &again, 8);
    }

    #[test]
    fn where_artifacts_are_loaded_does_not_change_the_key() {
        // Not compile-affecting: `runtime run` and `runtime serve` share entries.
        let digest = ComponentSha::of(&component_bytes(1));
        assert_eq!(
            CacheKey::new(&engine_for(ArtifactMemory::Private), &digest),
            CacheKey::new(&engine_for(ArtifactMemory::Sealed), &digest)
        );
    }

    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn a_change_to_the_entry_after_a_private_load_does_not_reach_the_loaded_code() {
        let (_dir, cache) = cache();
        let cache = cache.with_memory(ArtifactMemory::Private);
        let engine = engine_for(ArtifactMemory::Private);
        let wasm = runnable_component_bytes(9);
        let (compiled, _) = load(&engine, &cache, &wasm);
        let (loaded, hit) = load(&engine, &cache, &wasm);
        assert!(hit);
        overwrite_entry_in_place(&engine, &cache, &wasm);
        assert_eq!(loaded.serialize().unwrap(), compiled.serialize().unwrap());
        runs_and_answers(&engine, &loaded, 9);
    }

    #[test]
    fn disabled_mode_has_no_directory() {
        assert_eq!(CacheMode::Disabled.directory(), None);
        assert_eq!(
            CacheMode::Directory(PathBuf::from("/x")).directory(),
            Some(PathBuf::from("/x"))
        );
    }
}
