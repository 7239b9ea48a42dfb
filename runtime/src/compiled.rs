//! One compiled copy of each component per engine.
//!
//! A server often loads one component several times: one build deployed
//! under several app ids, or an app re-activated for a new installation.
//! Each [`crate::Runtime::load`] would otherwise compile it, or deserialize
//! it from the artifact cache, into its own copy of machine code (1–2 MiB
//! for a small Rust guest, 8 MB for a JavaScript app's part beside its
//! engine), so memory would grow with every app that shares it. The
//! JavaScript engine itself is shared between *different* components by
//! [`crate::shared_engine`], with the same [`SharedCompiled`] table.
//!
//! Sharing is safe: a wasmtime `Component` is immutable compiled code, and
//! every invocation still gets a fresh Store and instance. Only what
//! depends on the *bytes* is shared; the checks that depend on the
//! manifest (the imports it allows, the world, egress) run on every load.
//!
//! Keyed by the component's SHA-256 alone: the engine (and so its
//! configuration and code-shape limits) is the runtime's own.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use wasmtime::Module;
use wasmtime::component::Component;

/// How many distinct components one runtime remembers. The threat is a
/// long-lived server asked to load ever new components (an admin API
/// cycling versions): past this count a new component is still compiled
/// and served, just not remembered, so memory stays bounded by what
/// the loaded apps themselves hold.
pub const MAX_SHARED_COMPONENTS: usize = 256;

/// The SHA-256 of a component's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComponentSha([u8; 32]);

impl ComponentSha {
    pub fn of(wasm: &[u8]) -> Self {
        Self(Sha256::digest(wasm).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A digest recorded earlier (the artifact cache's split records).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

/// A component's bytes with their SHA-256, computed once: the runtime keys
/// its shared copies and its artifact cache by it and the CLI binds consent
/// to it, so a load that hashed the 12 MB JavaScript component once for each
/// paid for it twice. The fields are private: the digest is always of these
/// bytes.
#[derive(Debug, Clone)]
pub struct HashedComponent {
    wasm: Vec<u8>,
    sha: ComponentSha,
}

impl HashedComponent {
    pub fn new(wasm: Vec<u8>) -> Self {
        let sha = ComponentSha::of(&wasm);
        Self { wasm, sha }
    }

    pub fn sha(&self) -> &ComponentSha {
        &self.sha
    }

    pub fn bytes(&self) -> &[u8] {
        &self.wasm
    }

    pub fn into_parts(self) -> (Vec<u8>, ComponentSha) {
        (self.wasm, self.sha)
    }
}

/// A component as this runtime compiled it: whole, or split around a
/// JavaScript engine shared by every app built on it
/// ([`crate::shared_engine`]), which its instances import.
#[derive(Clone)]
pub struct CompiledApp {
    pub component: Component,
    /// The engine module the component imports as
    /// [`crate::shared_engine::split::ENGINE_IMPORT`], if it was split.
    pub engine: Option<Module>,
}

/// Compiled code this runtime compiled or loaded, by the digest of its bytes.
pub struct SharedCompiled<T> {
    by_digest: Mutex<HashMap<ComponentSha, T>>,
    bound: usize,
}

/// Components by the digest of the bytes loaded.
pub type CompiledComponents = SharedCompiled<CompiledApp>;

impl<T: Clone> Default for SharedCompiled<T> {
    fn default() -> Self {
        Self::bounded(MAX_SHARED_COMPONENTS)
    }
}

impl<T: Clone> SharedCompiled<T> {
    /// Remembering at most `bound` entries.
    pub fn bounded(bound: usize) -> Self {
        Self {
            by_digest: Mutex::default(),
            bound,
        }
    }

    /// What was compiled earlier from the same bytes, if any.
    pub fn get(&self, digest: &ComponentSha) -> Option<T> {
        self.by_digest.lock().ok()?.get(digest).cloned()
    }

    /// Remembers `compiled` as the compiled form of `digest`'s bytes; the
    /// first one stays when two loads of the same bytes raced.
    pub fn remember(&self, digest: ComponentSha, compiled: &T) -> T {
        let Ok(mut map) = self.by_digest.lock() else {
            return compiled.clone();
        };
        if let Some(existing) = map.get(&digest) {
            return existing.clone();
        }
        if map.len() < self.bound {
            map.insert(digest, compiled.clone());
        }
        compiled.clone()
    }

    pub fn len(&self) -> usize {
        self.by_digest.lock().map(|map| map.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::Engine;

    fn component(engine: &Engine, n: u32) -> (ComponentSha, Component) {
        let wasm = wat::parse_str(format!(
            "(component (core module (func (export \"f\") (result i32) i32.const {n})))"
        ))
        .unwrap();
        (
            ComponentSha::of(&wasm),
            Component::from_binary(engine, &wasm).unwrap(),
        )
    }

    #[test]
    fn the_same_bytes_share_one_compiled_copy() {
        let engine = Engine::default();
        let shared = SharedCompiled::<Component>::default();
        let (digest, first) = component(&engine, 1);
        let (again, second) = component(&engine, 1);
        assert_eq!(digest, again);
        assert!(shared.get(&digest).is_none());
        let kept = shared.remember(digest, &first);
        // A racing second compile of the same bytes gets the first copy back.
        let raced = shared.remember(again, &second);
        let image = |c: &Component| c.image_range();
        assert_eq!(image(&kept), image(&first));
        assert_eq!(image(&raced), image(&first));
        assert_eq!(image(&shared.get(&digest).unwrap()), image(&first));
        assert_eq!(shared.len(), 1);
    }

    #[test]
    fn other_bytes_are_other_entries_and_the_count_is_bounded() {
        let engine = Engine::default();
        let shared = SharedCompiled::<Component>::default();
        for n in 0..(MAX_SHARED_COMPONENTS as u32 + 3) {
            let (digest, compiled) = component(&engine, n);
            let returned = shared.remember(digest, &compiled);
            assert_eq!(returned.image_range(), compiled.image_range());
        }
        assert_eq!(shared.len(), MAX_SHARED_COMPONENTS);
        let (past_the_bound, _) = component(&engine, MAX_SHARED_COMPONENTS as u32 + 1);
        assert!(shared.get(&past_the_bound).is_none());
    }
}
