//! `cargo build --target wasm32-wasip2` of a guest crate or workspace.
//!
//! Always with the allowlisted environment ([`crate::cargo_env`]) and the
//! toolchain pin read by Kiln ([`crate::toolchain_file`]). For source Kiln
//! does not trust (an app folder), in the sandbox ([`crate::sandbox`]):
//! `cargo fetch` and `cargo metadata` outside it (they download and read,
//! and run nothing of the app), then `cargo build --offline` inside.

use std::ffi::OsString;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cargo_env::scrub_env;
use crate::error::GuestBuildError;
use crate::limits::BuildLimits;
use crate::message::Message;
use crate::path_patches::path_patch_configs;
use crate::sandbox::{Sandbox, SandboxedRun, Toolchain};
use crate::supervise;
use crate::toolchain_file::pinned_channel;
use crate::workspace::local_sources;

/// The target Kiln guests are compiled for: WASI preview 2, which makes the
/// linker emit a component.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// What to build and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestBuild {
    /// The `Cargo.toml` of the app crate or of a workspace of apps.
    pub manifest_path: PathBuf,
    /// Where cargo puts its output; `None` uses the project's own `target/`.
    /// Set it explicitly from a build script, whose own `CARGO_TARGET_DIR` is
    /// never passed on.
    pub target_dir: Option<PathBuf>,
    /// Build with the release profile.
    pub release: bool,
    /// Pass `--quiet` to cargo (the compiler's errors are still shown).
    pub quiet: bool,
    /// Build in this sandbox (untrusted source; needs `target_dir`), or
    /// `None` for source Kiln trusts (its own repository's guests).
    pub sandbox: Option<Sandbox>,
    /// Resource limits of the build. `None`: [`BuildLimits::from_env`] for
    /// a sandboxed build, no limits for source Kiln trusts.
    pub limits: Option<BuildLimits>,
}

/// A component the build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltComponent {
    /// The cargo package it was built from.
    pub package: String,
    /// The component file (`.wasm`).
    pub path: PathBuf,
}

impl GuestBuild {
    /// A debug build of `manifest_path` into its project's `target/`.
    pub fn new(manifest_path: impl Into<PathBuf>) -> Self {
        GuestBuild {
            manifest_path: manifest_path.into(),
            target_dir: None,
            release: false,
            quiet: false,
            sandbox: None,
            limits: None,
        }
    }

    /// Sets [`GuestBuild::limits`].
    pub fn limits(mut self, limits: BuildLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The limits this build runs under.
    fn effective_limits(&self) -> Result<Option<BuildLimits>, GuestBuildError> {
        match (self.limits, &self.sandbox) {
            (Some(limits), _) => Ok(Some(limits)),
            (None, Some(_)) => BuildLimits::from_env().map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Sets [`GuestBuild::sandbox`].
    pub fn sandbox(mut self, sandbox: Sandbox) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// Sets [`GuestBuild::target_dir`].
    pub fn target_dir(mut self, target_dir: impl Into<PathBuf>) -> Self {
        self.target_dir = Some(target_dir.into());
        self
    }

    /// Sets [`GuestBuild::release`].
    pub fn release(mut self, release: bool) -> Self {
        self.release = release;
        self
    }

    /// Sets [`GuestBuild::quiet`].
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The arguments passed to cargo.
    fn cargo_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "build".into(),
            "--manifest-path".into(),
            self.manifest_path.clone().into(),
            "--target".into(),
            WASM_TARGET.into(),
            // Machine-readable artifacts on stdout, human diagnostics on
            // stderr (which passes through).
            "--message-format=json-render-diagnostics".into(),
        ];
        if let Some(target_dir) = &self.target_dir {
            args.push("--target-dir".into());
            args.push(target_dir.clone().into());
        }
        if self.release {
            args.push("--release".into());
        }
        if self.quiet {
            args.push("--quiet".into());
        }
        args
    }
}

/// Builds `opts.manifest_path` for `wasm32-wasip2` and returns every
/// component (`cdylib`) it produced.
///
/// Cargo's diagnostics go to this process's stderr. Call
/// [`ensure_wasm_target`](crate::ensure_wasm_target) first for a clear error
/// when the target is missing.
pub fn build(opts: &GuestBuild) -> Result<Vec<BuiltComponent>, GuestBuildError> {
    let cargo = cargo_binary();
    let project_dir = project_dir(&opts.manifest_path);
    let channel = toolchain_override(&project_dir)?;
    let limits = opts.effective_limits()?;
    let (command, target_dir) = match &opts.sandbox {
        None => {
            let mut command = Command::new(&cargo);
            command.args(opts.cargo_args());
            if project_dir.is_dir() {
                // The project's own cargo configuration applies.
                command.current_dir(&project_dir);
            }
            scrub_env(&mut command);
            if let Some(channel) = &channel {
                command.env("RUSTUP_TOOLCHAIN", channel);
            }
            (command, None)
        }
        Some(sandbox) => {
            let target_dir = opts
                .target_dir
                .clone()
                .ok_or(GuestBuildError::NoPrivateTargetDir)?;
            std::fs::create_dir_all(&target_dir).map_err(GuestBuildError::Output)?;
            let target_dir = target_dir.canonicalize().map_err(GuestBuildError::Output)?;
            fetch(&cargo, &opts.manifest_path, channel.as_deref())?;
            let sources = local_sources(&cargo, &opts.manifest_path, channel.as_deref())?;
            let mut args = opts.cargo_args();
            args.push("--offline".into());
            let toolchain = Toolchain::from_env();
            let command = sandbox.command(
                &SandboxedRun {
                    sources: &sources,
                    target_dir: &target_dir,
                    cache_dirs: &[],
                    working_dir: &project_dir,
                    toolchain: &toolchain,
                    rustup_toolchain: channel.as_deref(),
                },
                &cargo,
                &args,
            )?;
            (command, Some(target_dir))
        }
    };
    // With limits, cargo's stderr is read through the output limit and passed
    // on escaped (supervise.rs), so it gets no colours: they would be escape
    // sequences of its own among the app's text, shown escaped.
    let (status, components) = supervise::run_cargo(command, limits.as_ref(), &cargo)?;
    if !status.success() {
        return Err(GuestBuildError::BuildFailed {
            manifest_path: opts.manifest_path.clone(),
            status,
        });
    }
    if components.is_empty() {
        return Err(GuestBuildError::NoComponents {
            manifest_path: opts.manifest_path.clone(),
        });
    }
    if let Some(target_dir) = &target_dir {
        // Cargo's messages pass through code the app controls (a build
        // script can write to cargo's stdout): a "component" anywhere but
        // the private target directory — say, the token store — is refused
        // before anyone reads or copies it.
        for component in &components {
            let inside = component
                .path
                .canonicalize()
                .is_ok_and(|real| real.starts_with(target_dir));
            if !inside {
                return Err(GuestBuildError::ComponentOutsideTarget {
                    path: component.path.clone(),
                });
            }
        }
    }
    Ok(components)
}

/// The folder of the manifest being built.
fn project_dir(manifest_path: &Path) -> PathBuf {
    manifest_path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

/// The toolchain every rustup-driven command is told to use: the user's
/// `RUSTUP_TOOLCHAIN` when set, else the validated pin of the project
/// (see [`crate::toolchain_file`]), else rustup's default.
pub(crate) fn toolchain_override(project_dir: &Path) -> Result<Option<String>, GuestBuildError> {
    match std::env::var("RUSTUP_TOOLCHAIN") {
        Ok(chosen) if !chosen.is_empty() => Ok(Some(chosen)),
        _ => pinned_channel(project_dir),
    }
}

/// A cargo command run outside the sandbox: from `/`, so that no
/// `.cargo/config.toml` of the app (which could name a wrapper or a linker
/// to run) is read, with the allowlisted environment and the toolchain pin.
/// Only the app's path patches are passed on ([`path_patch_configs`]).
pub(crate) fn outside_cargo(cargo: &Path, channel: Option<&str>, manifest_path: &Path) -> Command {
    let mut command = Command::new(cargo);
    command.current_dir("/");
    for config in path_patch_configs(&project_dir(manifest_path)) {
        command.arg("--config").arg(config);
    }
    scrub_env(&mut command);
    if let Some(channel) = channel {
        command.env("RUSTUP_TOOLCHAIN", channel);
    }
    command.stdin(Stdio::null());
    command
}

/// Downloads every dependency (for all platforms: build scripts run on the
/// host) so the sandboxed build needs no network. Fetching runs no code of
/// the app or its dependencies.
fn fetch(cargo: &Path, manifest_path: &Path, channel: Option<&str>) -> Result<(), GuestBuildError> {
    let status = outside_cargo(cargo, channel, manifest_path)
        .args(["fetch", "--quiet", "--manifest-path"])
        .arg(manifest_path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|source| GuestBuildError::CargoNotStarted {
            cargo: cargo.to_owned(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(GuestBuildError::FetchFailed {
            manifest_path: manifest_path.to_owned(),
            status,
        })
    }
}

/// The cargo that runs this build script or program (`CARGO`), so a nested
/// build uses the same toolchain; plain `cargo` otherwise.
fn cargo_binary() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// Collects the components announced on cargo's stdout. Lines that are not
/// cargo messages (a build script printing to stdout) are passed to stderr.
pub(crate) fn read_components(
    stdout: impl BufRead,
) -> Result<Vec<BuiltComponent>, GuestBuildError> {
    let mut components: Vec<BuiltComponent> = Vec::new();
    for line in stdout.lines() {
        let line = line.map_err(GuestBuildError::Output)?;
        match serde_json::from_str::<Message>(&line) {
            Ok(message) => {
                if let Some((package, path)) = message.component()
                    && !components.iter().any(|known| known.path == path)
                {
                    components.push(BuiltComponent { package, path });
                }
            }
            Err(_) => eprintln!("{line}"),
        }
    }
    Ok(components)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_is_asked_for_wasm32_wasip2_and_json_messages() {
        let args = GuestBuild::new("/apps/hello/Cargo.toml")
            .target_dir("/tmp/guests")
            .release(true)
            .quiet(true)
            .cargo_args();
        let args: Vec<String> = args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "build",
                "--manifest-path",
                "/apps/hello/Cargo.toml",
                "--target",
                "wasm32-wasip2",
                "--message-format=json-render-diagnostics",
                "--target-dir",
                "/tmp/guests",
                "--release",
                "--quiet",
            ]
        );
    }

    #[test]
    fn a_debug_build_into_the_project_target_adds_no_options() {
        let args = GuestBuild::new("Cargo.toml").cargo_args();
        assert_eq!(args.len(), 6);
    }

    #[test]
    fn components_are_read_from_cargo_messages() {
        let stdout = concat!(
            r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.228","target":{"kind":["lib"]},"filenames":["/t/libserde.rlib"]}"#,
            "\n",
            "not json: a build script's println\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///p/probe#0.1.0","target":{"kind":["cdylib"]},"filenames":["/t/wasm32-wasip2/release/probe.wasm"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///p/trap#0.1.0","target":{"kind":["cdylib"]},"filenames":["/t/wasm32-wasip2/release/trap.wasm"]}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n",
        );
        let components = read_components(stdout.as_bytes()).unwrap();
        assert_eq!(
            components,
            [
                BuiltComponent {
                    package: "probe".into(),
                    path: "/t/wasm32-wasip2/release/probe.wasm".into(),
                },
                BuiltComponent {
                    package: "trap".into(),
                    path: "/t/wasm32-wasip2/release/trap.wasm".into(),
                },
            ]
        );
    }

    #[test]
    fn an_isolated_build_needs_a_private_target_dir() {
        let dir = tempfile::tempdir().unwrap();
        let error = build(
            &GuestBuild::new(dir.path().join("Cargo.toml")).sandbox(Sandbox::with_program("bwrap")),
        )
        .unwrap_err();
        assert!(
            matches!(error, GuestBuildError::NoPrivateTargetDir),
            "{error}"
        );
    }

    #[test]
    fn a_missing_manifest_is_a_build_failure_with_its_status() {
        let dir = tempfile::tempdir().unwrap();
        let error = build(&GuestBuild::new(dir.path().join("Cargo.toml")).quiet(true)).unwrap_err();
        assert!(
            matches!(&error, GuestBuildError::BuildFailed { status, .. } if !status.success()),
            "{error}"
        );
    }
}
