//! Known language engines: core modules whose code Kiln has vetted and
//! admits beyond the code-shape limits of [`super::code_limits`].
//!
//! A JavaScript app is StarlingMonkey (SpiderMonkey embedded by
//! componentize-js) plus the app's own code, which lives in the engine's
//! pre-initialised memory (a data segment), not in code. The engine alone
//! has about 12,700 functions, more than [`super::code_limits::MAX_FUNCTIONS`]
//! admits: that limit exists because an unknown component with that many
//! functions is a cheap way to burn a host's CPU in Cranelift.
//!
//! The allowance is bound to the exact code: the SHA-256 of the module's
//! code section (every function body, in order), as Kiln's pinned JS
//! toolchain produces it for Kiln's world. The same toolchain, world and
//! WASI features give the same code section for every app (the app lives in
//! the data), so one digest covers every app built by that Kiln; a single
//! changed byte of code is an unknown module and meets the normal limits.
//! What the allowance skips is the *shape* check of that one code section:
//! its functions do not count towards the total and its bodies are not
//! walked. Everything else in the component (other modules, nested
//! components, other code sections) is checked as usual.
//!
//! The same digest grants the engine's **compile allowance**
//! ([`KnownEngine::compile_cpu_allowance`]): extra CPU time on top of the
//! operator's compile budget ([`crate::OperatorLimits::max_compile_time`],
//! [`super::compile_deadline`]). Threat beside it: the budget is what stops
//! a compile bomb that passes the shape limits, so raising it for any
//! component "shaped like" an engine (its function count, its size) would
//! let a bomb of that shape burn the raised budget. Bound to the digest,
//! only the vetted code gets it; a component of the same shape with one
//! byte of code changed is unknown code, meets the shape limits, and gets
//! the operator's budget alone. The allowance is granted once per
//! component, however many copies of the engine it holds, and the
//! wall-clock backstop ([`crate::OperatorLimits::max_compile_wall_time`])
//! is not raised.
//!
//! The same digest decides which components are split around their engine
//! so that every app built on it shares one compiled copy
//! ([`crate::shared_engine`]).
//!
//! To add an engine (a new componentize-js pin, a new WIT version), build an
//! app with Kiln's toolchain and run
//! `KILN_JS_COMPONENT=<component.wasm> cargo test -p kiln-runtime --lib known_engine_digest -- --ignored --nocapture`,
//! which prints the code-section digests; pin the engine's here.

use std::time::Duration;

use sha2::{Digest as _, Sha256};

/// A vetted engine: what it is and the digest of its code section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownEngine {
    /// What produced it, for messages and `inspect`.
    pub name: &'static str,
    /// SHA-256 of the core module's code section contents (the bytes after
    /// the section's size field: the function count and every body).
    pub code_sha256: [u8; 32],
    /// Functions in that code section (a second, cheap cross-check).
    pub functions: u32,
    /// Extra compile CPU time a component holding this code gets: the
    /// engine's measured compile CPU time with room for a slower machine.
    pub compile_cpu_allowance: Duration,
}

/// Every engine Kiln admits beyond the code-shape limits.
pub const KNOWN_ENGINES: &[KnownEngine] = &[
    KnownEngine {
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.2.0, http disabled)",
        code_sha256: hex32("655c543815135ae7c3dba60f9f812a9e0d6e1c4ef679999bbb879aca16c13555"),
        functions: 12_658,
        // Measured on the shared 2-core machine: 28.8 s of CPU (45 s by the
        // clock at load average 14) in a debug build of Kiln, the tests' build,
        // whose wasmtime is unoptimised; at the default budget (30 s) that is
        // a coin toss. With this allowance the engine may use 120 s of CPU:
        // four times the debug figure.
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // The same engine for the build-only world `kiln:forge-js/app`
        // (`kiln:app@0.2.0` plus `wasi:cli/environment`, which carries config
        // variables to `process.env`): componentize-js splices a binding per
        // import into the engine, so its code differs. The entry above stays for
        // components built before.
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.2.0 + wasi:cli/environment, http disabled)",
        code_sha256: hex32("8785c6db803b8cc304fe5a48e55169f890765e1d46d47c869a6cddc74fd24582"),
        functions: 12_656,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // The same engine and world with componentize-js's `http` feature, for
        // an app whose manifest declares `permissions.external.fetch.backend`:
        // its `fetch` goes out through wasi:http/outgoing-handler, which Kiln
        // links only for such an app and checks request by request. The
        // feature changes the engine's code section the splicer produces, so it
        // is another vetted digest, of about the same size: 12,620 functions
        // against 12,656, a component about 10 KB larger (measured on
        // `tests/js/fetcher`).
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.2.0 + wasi:cli/environment, http enabled)",
        code_sha256: hex32("6ef91bd401cb8bf09a0d0637da35163dda15afc91c0f53d4db53829778729577"),
        functions: 12_620,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // The same engine for the build-only world on `kiln:app@0.3.0`
        // (0.2.0 plus `storage.transact`, for Forge's `kvs.transact()`):
        // the splicer binds one more import, so the code differs (12,657
        // functions against 12,656). The 0.2.0 entries above stay for
        // components built before.
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.3.0 + wasi:cli/environment, http disabled)",
        code_sha256: hex32("c410dd5f9eb229b35038af6ada997c81ee07b5f1fcb7c7765814736c7692f3a9"),
        functions: 12_657,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // As above, with the `http` feature (an app declaring
        // `permissions.external.fetch.backend`).
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.3.0 + wasi:cli/environment, http enabled)",
        code_sha256: hex32("ef388fc4971ef16edfc8e0ad293fa7b3bb8a64fcbad673772df1675549569a49"),
        functions: 12_621,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // The same engine for the build-only world on `kiln:app@0.4.0`
        // (0.3.0 plus `events` and `storage.set-expiring`, for Forge's
        // `@forge/events` and `ttl`): the splicer binds four more imports
        // (12,661 functions against 12,657). The entries above stay for
        // components built before.
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.4.0 + wasi:cli/environment, http disabled)",
        code_sha256: hex32("10bc85b1768ce615f7031ae94af0908ebe62910a82a5f89edace514ed4bdb52e"),
        functions: 12_661,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // As above, with the `http` feature (an app declaring
        // `permissions.external.fetch.backend`).
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.4.0 + wasi:cli/environment, http enabled)",
        code_sha256: hex32("75fb26c52bf80ea90565a575b6fc039b26c7f13a354f33eaac166b28439043e1"),
        functions: 12_625,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // The same engine for the build-only world on `kiln:app@0.5.0`
        // (0.4.0 plus `sql`, for Forge's `@forge/sql`): the splicer binds one
        // more import (12,662 functions against 12,661). The entries above
        // stay for components built before.
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.5.0 + wasi:cli/environment, http disabled)",
        code_sha256: hex32("5433631b4b83d3f9ba6675256bd1c88fbc47f90b31cc770c87697e093ee8c7d5"),
        functions: 12_662,
        compile_cpu_allowance: Duration::from_secs(90),
    },
    KnownEngine {
        // As above, with the `http` feature (an app declaring
        // `permissions.external.fetch.backend`).
        name: "StarlingMonkey (componentize-js 0.23.0, kiln:app@0.5.0 + wasi:cli/environment, http enabled)",
        code_sha256: hex32("a483db9116798313d34bd8153021c20f483b3d2df9b97de0e784e6f3c62f4555"),
        functions: 12_626,
        compile_cpu_allowance: Duration::from_secs(90),
    },
];

/// The known engine whose code section is `code` with `functions` bodies.
pub fn known_engine(code: &[u8], functions: u32) -> Option<&'static KnownEngine> {
    known_engine_in(KNOWN_ENGINES, code, functions)
}

/// [`known_engine`] among `engines`.
pub fn known_engine_in<'e>(
    engines: &'e [KnownEngine],
    code: &[u8],
    functions: u32,
) -> Option<&'e KnownEngine> {
    // Cheap filters first: only a section of an engine's exact function
    // count is hashed.
    let candidates = engines
        .iter()
        .filter(|engine| engine.functions == functions);
    let mut digest = None;
    for engine in candidates {
        let digest = digest.get_or_insert_with(|| <[u8; 32]>::from(Sha256::digest(code)));
        if *digest == engine.code_sha256 {
            return Some(engine);
        }
    }
    None
}

/// A 64-digit hex string as 32 bytes, at compile time (a typo fails the
/// build, not a load).
const fn hex32(text: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let bytes = text.as_bytes();
    assert!(bytes.len() == 64, "a SHA-256 digest has 64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(bytes[2 * i]) << 4) | nibble(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_code_with_the_exact_count_is_known() {
        // A section of the engine's size but other bytes is unknown.
        let engine = &KNOWN_ENGINES[0];
        assert_eq!(known_engine(b"not the engine", engine.functions), None);
        assert_eq!(known_engine(b"", 0), None);
    }

    #[test]
    fn digests_are_decoded_from_hex() {
        assert_eq!(hex32(&"ab".repeat(32)), [0xab; 32]);
        assert_ne!(KNOWN_ENGINES[0].code_sha256, [0; 32]);
    }

    /// Prints the code-section digests of a built component (see the
    /// module's documentation) and checks the known engine is recognised.
    #[test]
    #[ignore = "needs a component built by Kiln's JS toolchain: KILN_JS_COMPONENT=<path>"]
    fn known_engine_digest() {
        let path = std::env::var("KILN_JS_COMPONENT").expect("KILN_JS_COMPONENT");
        let bytes = std::fs::read(path).unwrap();
        let mut found = false;
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            if let Ok(wasmparser::Payload::CodeSectionStart { count, range, .. }) = payload {
                let digest = Sha256::digest(&bytes[range.clone()]);
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                println!("code section: {count} functions, sha256 {hex}");
                found |= known_engine(&bytes[range], count).is_some();
            }
        }
        assert!(found, "no known engine in this component");
    }
}
