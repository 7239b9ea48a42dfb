//! Shared pieces of Kiln's integration tests.
//!
//! [`programs`] holds the paths of the guest components that `build.rs`
//! compiles from `tests/programs` and `examples` before the tests run.

/// Absolute paths of the guest components, one constant per package:
/// `HELLO` (examples/hello), `PROBE`, `SCOPES`, `TRAP`, `STORAGE` (a raw
/// 0.2.0 component), `LEGACY` (a raw 0.1.0 component) (tests/programs), and
/// `WAT_<NAME>` for each hand-written `tests/programs/wat/<name>.wat`
/// (`WAT_VALID_MINIMAL` is their well-formed control).
pub mod programs {
    include!(concat!(env!("OUT_DIR"), "/programs.rs"));
}

/// Manifests of the example apps.
pub mod manifests {
    /// `examples/hello/manifest.yml`: scopes `read:jira-user` and
    /// `read:jira-work`; function `main` runs handler `summary`.
    pub const HELLO: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/hello/manifest.yml"
    );

    /// `examples/hello/manifest-missing-scope.yml`: only `read:jira-user`, so
    /// reading an issue is scope-denied.
    pub const HELLO_MISSING_SCOPE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/hello/manifest-missing-scope.yml"
    );
}
