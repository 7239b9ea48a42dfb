//! Why a guest could not be built.

use std::path::PathBuf;
use std::process::ExitStatus;

/// Why a guest could not be built. Each message says what to run or fix.
#[derive(Debug, thiserror::Error)]
pub enum GuestBuildError {
    /// `rustc` could not be started at all.
    #[error(
        "could not run `rustc` in {dir}: {source}; install Rust with rustup (https://rustup.rs), then run `rustup target add wasm32-wasip2`"
    )]
    RustcNotFound {
        /// Where `rustc` was run.
        dir: PathBuf,
        /// Why it could not start.
        source: std::io::Error,
    },

    /// `rustc --print sysroot` failed, usually because the toolchain that
    /// `rust-toolchain.toml` names is not installed and could not be.
    #[error(
        "the Rust toolchain for {dir} is not usable ({detail}); run `rustup toolchain install` in {dir}"
    )]
    ToolchainUnavailable {
        /// Where `rustc` was run.
        dir: PathBuf,
        /// What `rustc` or `rustup` said.
        detail: String,
    },

    /// The toolchain lacks the `wasm32-wasip2` target and it could not be
    /// added automatically.
    #[error(
        "the Rust toolchain at {sysroot} has no wasm32-wasip2 target and {reason}; run `rustup target add wasm32-wasip2` in {dir}"
    )]
    TargetMissing {
        /// The toolchain's sysroot.
        sysroot: PathBuf,
        /// Where the toolchain applies.
        dir: PathBuf,
        /// Why it was not added (rustup missing or failing).
        reason: String,
    },

    /// `cargo` could not be started.
    #[error("could not run `{cargo}`: {source}")]
    CargoNotStarted {
        /// The cargo binary that was tried.
        cargo: PathBuf,
        /// Why it could not start.
        source: std::io::Error,
    },

    /// Reading cargo's output failed.
    #[error("could not read the output of `cargo build`: {0}")]
    Output(#[source] std::io::Error),

    /// `cargo build` failed; its diagnostics were printed to stderr.
    #[error(
        "`cargo build --target wasm32-wasip2` for {manifest_path} failed ({status}); see the compiler's messages above"
    )]
    BuildFailed {
        /// The manifest that was built.
        manifest_path: PathBuf,
        /// Cargo's exit status.
        status: ExitStatus,
    },

    /// The build succeeded but produced no component.
    #[error(
        "building {manifest_path} produced no WebAssembly component; an app crate needs `[lib] crate-type = [\"cdylib\"]`"
    )]
    NoComponents {
        /// The manifest that was built.
        manifest_path: PathBuf,
    },
}
