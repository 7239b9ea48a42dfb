//! Shared pieces of Kiln's integration tests.
//!
//! [`programs`] holds the paths of the guest components that `build.rs`
//! compiles from `tests/programs` and `examples` before the tests run;
//! [`program_use`] finds which of them the host tests use (each must be).

pub mod program_use;

/// One guest program built by `build.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    /// Its constant in [`programs`] (`HELLO`, `WAT_ABI`).
    pub name: &'static str,
    /// What it is built from, relative to the repository root.
    pub source: &'static str,
    /// The component file.
    pub path: &'static str,
}

/// Absolute paths of the guest components, one constant per package:
/// `HELLO` (examples/hello), `PROBE`, `SCOPES`, `TRAP`, `STORAGE` (a raw
/// 0.2.0 component), `LEGACY` (a raw 0.1.0 component) (tests/programs), and
/// `WAT_<NAME>` for each hand-written `tests/programs/wat/<name>.wat`
/// (`WAT_VALID_MINIMAL` is their well-formed control); [`programs::ALL`]
/// lists them all.
pub mod programs {
    use super::Program;

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
