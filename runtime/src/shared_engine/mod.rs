//! One compiled copy of a JavaScript engine for every app built on it.
//!
//! Every JS app is StarlingMonkey's code plus the app's own snapshot of the
//! engine's memory ([`split`]). Compiled whole, each app carried its own
//! copy of the engine's machine code: a 43 MB artifact per app in the cache
//! and in memory, and a compile of ≈ 10 s of CPU per new build of an app.
//! Split, the engine's module is compiled once per engine (and cached once);
//! each app's component is small (its snapshot, the glue) and imports the
//! compiled engine, which the runtime gives it when linking.
//!
//! Sharing is safe for the reasons [`crate::compiled`] gives: compiled code
//! is immutable, and every invocation still gets a fresh Store with fresh
//! instances of both (the snapshot's memory is the app's own, reset for
//! every instance). Only the vetted engines of
//! [`crate::sandbox::known_engines`] are split; the code-shape check and
//! the compile budget apply to the component as loaded, before the split,
//! exactly as for a component compiled whole.

pub mod split;

use wasmtime::component::Component;
use wasmtime::{Engine, Module};

use crate::cache::{ArtifactCache, CacheKey, compile_cached, compile_cached_module};
use crate::compiled::{CompiledApp, ComponentSha, SharedCompiled};
use crate::sandbox::component_check::ComponentError;
use crate::sandbox::known_engines::{KNOWN_ENGINES, KnownEngine};

/// How many engine modules one runtime keeps compiled. Only vetted engines
/// are split (one per toolchain, world and feature set), and one engine's
/// bytes differ between apps only by a memory maximum; the bound is for a
/// long-lived server fed ever new components: past it an engine is still
/// compiled and served, just not kept for the next app.
pub const MAX_SHARED_ENGINES: usize = 16;

/// The engine modules a runtime compiled, by the digest of their bytes.
pub type SharedEngines = SharedCompiled<Module>;

/// The record of a split in the artifact cache: the digests of the engine
/// module and of the app's component that a component's bytes split into,
/// so that a cached load finds both artifacts without splitting again (which
/// reads and hashes the whole engine). The name is the record's format:
/// change it whenever [`split::split`] would give other bytes for the same
/// component (`split::tests::the_split_of_a_fixed_component_is_pinned` fails
/// then), so that no record of an older Kiln pairs an app with an engine
/// module it was not split against.
pub const SPLIT_RECORD: &str = "shared-engine-split-v1";

/// A runtime's table of engines.
pub fn shared_engines() -> SharedEngines {
    SharedCompiled::bounded(MAX_SHARED_ENGINES)
}

/// Compiles the component `wasm` (whose digest is `digest`), or loads it
/// from `cache`: split around its engine when it holds a known one and
/// `engines` is given, the engine taken from there when another app
/// compiled it already.
/// `check_before_compiling` runs on `wasm` before anything is compiled, and
/// not at all when nothing is. The `bool` says whether nothing was compiled.
pub fn compile_app(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    engines: Option<&SharedEngines>,
    wasm: &[u8],
    digest: &ComponentSha,
    check_before_compiling: impl FnOnce(&[u8]) -> Result<(), ComponentError>,
) -> Result<(CompiledApp, bool), ComponentError> {
    compile_app_among(
        KNOWN_ENGINES,
        engine,
        cache,
        engines,
        wasm,
        digest,
        check_before_compiling,
    )
}

/// [`compile_app`], splitting around one of `known` engines.
fn compile_app_among(
    known: &[KnownEngine],
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    engines: Option<&SharedEngines>,
    wasm: &[u8],
    digest: &ComponentSha,
    check_before_compiling: impl FnOnce(&[u8]) -> Result<(), ComponentError>,
) -> Result<(CompiledApp, bool), ComponentError> {
    let Some(engines) = engines else {
        return compile_whole(engine, cache, wasm, digest, check_before_compiling);
    };
    if let Some(cached) = cache.and_then(|cache| load_recorded(engine, cache, engines, digest)) {
        return Ok((cached, true));
    }
    let Some(split) = split::split_among(wasm, known) else {
        return compile_whole(engine, cache, wasm, digest, check_before_compiling);
    };
    // The check runs once, on the component as loaded, before the first
    // compile of either half; its refusal is the load's answer.
    let mut check = Some(check_before_compiling);
    let refused = std::cell::Cell::new(false);
    let mut checked = |wasm_checked: &[u8]| match check.take() {
        Some(check) => check(wasm_checked).inspect_err(|_| refused.set(true)),
        None => Ok(()),
    };
    let halves = compile_halves(engine, cache, engines, &split, &mut |_| checked(wasm));
    let (compiled, from_cache) = match halves {
        Ok(halves) => halves,
        Err(error) if refused.get() => return Err(error),
        // The split is the host's rewrite: if its output does not compile
        // (a component of an unforeseen shape), the app is not at fault and
        // is compiled whole, as before.
        Err(error) => {
            tracing::warn!("split JavaScript component not compiled ({error}); compiling it whole");
            return compile_whole(engine, cache, wasm, digest, |wasm| checked(wasm));
        }
    };
    if let Some(cache) = cache {
        let key = CacheKey::record(engine, digest, SPLIT_RECORD);
        if let Err(error) = cache.store_record(&key, &compiled.record) {
            tracing::debug!("split not recorded: {error}");
        }
    }
    tracing::debug!(
        engine = split.engine.name,
        engine_bytes = split.engine_module.len(),
        app_bytes = split.app_component.len(),
        "JavaScript engine shared"
    );
    Ok((compiled.app, from_cache))
}

/// The two halves of a split, compiled (or loaded), and the record naming them.
struct Halves {
    app: CompiledApp,
    record: Vec<u8>,
}

/// Compiles (or loads) the engine and the app's part of `split`;
/// `check_before_compiling` before the first compile.
fn compile_halves(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    engines: &SharedEngines,
    split: &split::Split<'_>,
    check_before_compiling: &mut dyn FnMut(&[u8]) -> Result<(), ComponentError>,
) -> Result<(Halves, bool), ComponentError> {
    let engine_digest = ComponentSha::of(&split.engine_module);
    let (engine_module, engine_cached) = match engines.get(&engine_digest) {
        Some(module) => (module, true),
        None => {
            let (module, from_cache) = compile_cached_module(
                engine,
                cache,
                &split.engine_module,
                &engine_digest,
                &mut *check_before_compiling,
            )?;
            (engines.remember(engine_digest, &module), from_cache)
        }
    };
    let app_digest = ComponentSha::of(&split.app_component);
    let (component, app_cached): (Component, bool) = compile_cached(
        engine,
        cache,
        &split.app_component,
        &app_digest,
        check_before_compiling,
    )?;
    Ok((
        Halves {
            app: CompiledApp {
                component,
                engine: Some(engine_module),
            },
            record: [*engine_digest.as_bytes(), *app_digest.as_bytes()].concat(),
        },
        engine_cached && app_cached,
    ))
}

/// `wasm` compiled whole (no known engine, or sharing off).
fn compile_whole(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    wasm: &[u8],
    digest: &ComponentSha,
    check_before_compiling: impl FnOnce(&[u8]) -> Result<(), ComponentError>,
) -> Result<(CompiledApp, bool), ComponentError> {
    let (component, from_cache) =
        compile_cached(engine, cache, wasm, digest, check_before_compiling)?;
    Ok((
        CompiledApp {
            component,
            engine: None,
        },
        from_cache,
    ))
}

/// The split of `digest`'s component as recorded in `cache`, both halves
/// found compiled; `None` when anything is missing (the caller splits).
fn load_recorded(
    engine: &Engine,
    cache: &ArtifactCache,
    engines: &SharedEngines,
    digest: &ComponentSha,
) -> Option<CompiledApp> {
    let record = cache.load_record(&CacheKey::record(engine, digest, SPLIT_RECORD))?;
    let (engine_digest, app_digest) = record.split_at_checked(32)?;
    let engine_digest = ComponentSha::from_bytes(engine_digest.try_into().ok()?);
    let app_digest = ComponentSha::from_bytes(app_digest.try_into().ok()?);
    let engine_module = match engines.get(&engine_digest) {
        Some(module) => module,
        None => {
            let module = cache
                .load::<Module>(engine, &CacheKey::new(engine, &engine_digest))
                .ok()??;
            engines.remember(engine_digest, &module)
        }
    };
    let component = cache
        .load::<Component>(engine, &CacheKey::new(engine, &app_digest))
        .ok()??;
    Some(CompiledApp {
        component,
        engine: Some(engine_module),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::ArtifactCache;
    use split::tests::{ENGINE, call, component, known};
    use wasmtime::Store;
    use wasmtime::component::Linker;

    fn runs(engine: &Engine, compiled: &CompiledApp) {
        let mut linker = Linker::<()>::new(engine);
        linker
            .root()
            .module(
                split::ENGINE_IMPORT,
                compiled.engine.as_ref().expect("split"),
            )
            .unwrap();
        let pre = linker.instantiate_pre(&compiled.component).unwrap();
        let mut store = Store::new(engine, ());
        let instance = pre.instantiate(&mut store).unwrap();
        assert_eq!(call(&mut store, &instance, "read", &[100]), 42);
        assert_eq!(call(&mut store, &instance, "bump", &[]), 1235);
    }

    #[test]
    fn an_engine_compiles_once_and_a_cached_load_finds_both_halves_by_the_record() {
        let known = [known(ENGINE)];
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::open_dir(dir.path().join("cache")).unwrap();
        let engines = shared_engines();
        let first = component(ENGINE);
        let second = component(&ENGINE.replace("(i32.const 1234)", "(i32.const 1234) "));
        let second = [second.as_slice(), b"\0\x05\x04kiln"].concat();
        let load = |engines: &SharedEngines, wasm: &[u8]| {
            let mut checked = false;
            let (compiled, from_cache) = compile_app_among(
                &known,
                &engine,
                Some(&cache),
                Some(engines),
                wasm,
                &ComponentSha::of(wasm),
                |_| {
                    checked = true;
                    Ok(())
                },
            )
            .unwrap();
            runs(&engine, &compiled);
            (from_cache, checked)
        };
        // Compiled: the check ran; a second app compiles its half only and
        // finds the engine in the runtime's table.
        assert_eq!(load(&engines, &first), (false, true));
        assert_eq!(engines.len(), 1);
        assert_eq!(load(&engines, &second), (false, true));
        assert_eq!(engines.len(), 1);
        // A new runtime (a restart): both halves from the cache, by the record.
        let restarted = shared_engines();
        assert_eq!(load(&restarted, &first), (true, false));
        assert_eq!(restarted.len(), 1);
        // A damaged record is no record: split again, artifacts still cached.
        for entry in std::fs::read_dir(dir.path().join("cache")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "record") {
                let mut bytes = std::fs::read(&path).unwrap();
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                std::fs::write(&path, bytes).unwrap();
            }
        }
        assert_eq!(load(&shared_engines(), &first), (true, false));
        // Sharing off: the whole component, as before.
        let (whole, _) = compile_app_among(
            &known,
            &engine,
            None,
            None,
            &first,
            &ComponentSha::of(&first),
            |_| Ok(()),
        )
        .unwrap();
        assert!(whole.engine.is_none());
    }
}
