//! `Manifest::from_yaml` on arbitrary bytes: a manifest is the first untrusted
//! input Kiln reads, so it must never panic, and whatever it accepts must be a
//! manifest the runtime can rely on.
//!
//! Invariants checked on every accepted manifest:
//! * every limit is within its documented bound (a manifest can tighten the
//!   sandbox, never switch a limit off);
//! * function keys are unique and each is found by `Manifest::function`;
//! * declared scopes have no duplicates;
//! * the manifest survives a round trip: serialised as JSON (a YAML subset)
//!   and loaded again, it is the same manifest.

#![no_main]

use kiln_manifest::manifest::{
    MAX_MANIFEST_BYTES, MAX_MAX_LOG_BYTES, MAX_MAX_LOG_LINES, MAX_MAX_REQUESTS, MAX_MEMORY_MIB,
    MAX_TIMEOUT_SECONDS, Manifest,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = Manifest::from_yaml(source) else {
        return;
    };
    assert!(source.len() <= MAX_MANIFEST_BYTES);

    let limits = &manifest.app.runtime;
    assert!((1..=MAX_MEMORY_MIB).contains(&limits.memory_mib));
    assert!((1..=MAX_TIMEOUT_SECONDS).contains(&limits.timeout_seconds));
    assert!(limits.max_requests <= MAX_MAX_REQUESTS);
    assert!(limits.max_log_lines <= MAX_MAX_LOG_LINES);
    assert!(limits.max_log_bytes <= MAX_MAX_LOG_BYTES);
    assert_ne!(limits.fuel, Some(0), "a zero fuel budget must be refused");

    assert!(!manifest.modules.function.is_empty());
    for function in &manifest.modules.function {
        let found = manifest.function(&function.key).expect("every key is found");
        assert_eq!(found, function, "function keys are unique");
    }
    assert_eq!(
        manifest.declared_scopes().len(),
        manifest.permissions.scopes.len(),
        "declared scopes are unique"
    );

    let json = serde_json::to_string(&manifest).expect("a manifest serialises");
    let again = Manifest::from_yaml(&json)
        .unwrap_or_else(|error| panic!("the re-serialised manifest {json} is refused: {error}"));
    assert_eq!(again, manifest);
});
