//! Why a guest could not be built.

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

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
        "`cargo build --target wasm32-wasip2` for {manifest_path} failed ({status}); see the compiler's messages above (a build script or compiler ended by signal 24, SIGXCPU, or by a failed allocation reached the isolated build's CPU or memory limit: KILN_BUILD_CPU_SECS, KILN_BUILD_MEMORY_MIB)"
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

    /// The app folder's `rust-toolchain(.toml)` is not a plain channel name.
    #[error("refusing the toolchain file {file}: {reason}")]
    UntrustedToolchain {
        /// The toolchain file.
        file: PathBuf,
        /// Why it was refused.
        reason: String,
    },

    /// The sandbox would expose a path it must hide.
    #[error(
        "refusing to build in the sandbox: {bound} would be visible to the build and it holds {protected}; move the app folder (or the toolchain) elsewhere"
    )]
    ExposesProtectedPath {
        /// What the sandbox would mount.
        bound: PathBuf,
        /// The protected path inside it.
        protected: PathBuf,
    },

    /// An isolated build needs a private target directory.
    #[error("an isolated build needs a target directory outside the source")]
    NoPrivateTargetDir,

    /// Cargo announced a component outside the build's target directory.
    #[error("the build announced a component outside its target directory ({path}); refusing it")]
    ComponentOutsideTarget {
        /// The announced path.
        path: PathBuf,
    },

    /// Reading the workspace layout (`cargo metadata`) failed.
    #[error("could not read the workspace layout of {manifest_path}: {detail}")]
    Metadata {
        /// The manifest.
        manifest_path: PathBuf,
        /// What failed.
        detail: String,
    },

    /// `cargo fetch` failed.
    #[error(
        "`cargo fetch` for {manifest_path} failed ({status}); the dependencies are downloaded before the isolated build, which has no network"
    )]
    FetchFailed {
        /// The manifest.
        manifest_path: PathBuf,
        /// Cargo's exit status.
        status: ExitStatus,
    },

    /// The build ran past its wall-clock limit and was killed.
    #[error(
        "the build ran longer than its limit of {} s and was killed with every process it started; a build script, a proc-macro or a JS app's top-level code may never end (raise the limit with KILN_BUILD_TIMEOUT_SECS if the build is only slow)",
        limit.as_secs()
    )]
    TimedOut {
        /// The limit.
        limit: Duration,
    },

    /// The build printed more than its output limit and was killed.
    #[error(
        "the build printed more than its limit of {limit_bytes} bytes and was killed (raise the limit with KILN_BUILD_OUTPUT_MIB)"
    )]
    OutputTooLarge {
        /// The limit.
        limit_bytes: u64,
    },

    /// A `KILN_BUILD_*` limit in the environment is not a positive whole
    /// number.
    #[error("{name} must be a positive whole number, not {value:?}")]
    BadLimit {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
}
