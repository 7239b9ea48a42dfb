//! Making sure the toolchain can compile for `wasm32-wasip2`.
//!
//! rustup only installs the targets `rust-toolchain.toml` lists when it
//! installs the toolchain itself; a toolchain that was already there (or one
//! not managed by rustup) may lack the target, and the build would then fail
//! with an obscure "can't find crate for `core`".

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::build::{WASM_TARGET, toolchain_override};
use crate::cargo_env::scrub_env;
use crate::error::GuestBuildError;

/// Checks that the toolchain that applies in `project_dir` (as rustup picks
/// it, honouring `rust-toolchain.toml`) has the `wasm32-wasip2` target, and
/// installs it with rustup if not.
///
/// If rustup is missing or fails, the error says exactly what to run.
///
/// The toolchain is the one Kiln reads from the project's toolchain file
/// (a plain channel; a toolchain by path is refused, see
/// [`crate::toolchain_file`]), so nothing here runs a binary the app chose.
pub fn ensure_wasm_target(project_dir: &Path) -> Result<(), GuestBuildError> {
    let channel = toolchain_override(project_dir)?;
    let channel = channel.as_deref();
    let sysroot = match sysroot(project_dir, channel) {
        Ok(sysroot) => sysroot,
        Err(GuestBuildError::ToolchainUnavailable { .. }) => {
            // The pinned toolchain is not installed: install it by name.
            let mut install = vec!["toolchain", "install"];
            install.extend(channel);
            rustup(project_dir, channel, &install).map_err(|detail| {
                GuestBuildError::ToolchainUnavailable {
                    dir: project_dir.to_path_buf(),
                    detail,
                }
            })?;
            sysroot(project_dir, channel)?
        }
        Err(other) => return Err(other),
    };
    if has_wasm_target(&sysroot) {
        return Ok(());
    }
    let missing = |reason: String| GuestBuildError::TargetMissing {
        sysroot: sysroot.clone(),
        dir: project_dir.to_path_buf(),
        reason,
    };
    rustup(project_dir, channel, &["target", "add", WASM_TARGET]).map_err(missing)?;
    if has_wasm_target(&sysroot) {
        Ok(())
    } else {
        Err(missing(format!(
            "`rustup target add {WASM_TARGET}` did not install it there (is this toolchain managed by rustup?)"
        )))
    }
}

/// Whether the toolchain at `sysroot` has the standard library for
/// `wasm32-wasip2`.
fn has_wasm_target(sysroot: &Path) -> bool {
    sysroot
        .join("lib")
        .join("rustlib")
        .join(WASM_TARGET)
        .is_dir()
}

/// `rustc --print sysroot` of the toolchain that applies in `dir`.
fn sysroot(dir: &Path, channel: Option<&str>) -> Result<PathBuf, GuestBuildError> {
    let output = tool_command("rustc", dir, channel)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|source| GuestBuildError::RustcNotFound {
            dir: dir.to_path_buf(),
            source,
        })?;
    if !output.status.success() {
        return Err(GuestBuildError::ToolchainUnavailable {
            dir: dir.to_path_buf(),
            detail: failure_detail("rustc --print sysroot", &output),
        });
    }
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if sysroot.is_empty() {
        return Err(GuestBuildError::ToolchainUnavailable {
            dir: dir.to_path_buf(),
            detail: "`rustc --print sysroot` printed nothing".to_owned(),
        });
    }
    Ok(PathBuf::from(sysroot))
}

/// Runs `rustup <args>` in `dir`, passing its output through; the error is
/// why it did not succeed.
fn rustup(dir: &Path, channel: Option<&str>, args: &[&str]) -> Result<(), String> {
    let status = tool_command("rustup", dir, channel)
        .args(args)
        .status()
        .map_err(|error| format!("rustup could not be run ({error})"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`rustup {}` failed ({status})", args.join(" ")))
    }
}

/// A `rustc`/`rustup` command in `dir` with the allowlisted environment
/// (no secret, and not a build script's `RUSTC`, which would name the outer
/// build's compiler) and the toolchain named explicitly.
fn tool_command(program: &str, dir: &Path, channel: Option<&str>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir);
    scrub_env(&mut command);
    if let Some(channel) = channel {
        command.env("RUSTUP_TOOLCHAIN", channel);
    }
    command
}

fn failure_detail(what: &str, output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    if stderr.is_empty() {
        format!("`{what}` failed ({})", output.status)
    } else {
        format!("`{what}` failed ({}): {stderr}", output.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sysroot_with_the_target_library_has_the_target() {
        let sysroot = tempfile::tempdir().unwrap();
        assert!(!has_wasm_target(sysroot.path()));
        std::fs::create_dir_all(sysroot.path().join("lib/rustlib/wasm32-wasip2")).unwrap();
        assert!(has_wasm_target(sysroot.path()));
    }

    #[test]
    fn the_missing_target_error_says_what_to_run() {
        let error = GuestBuildError::TargetMissing {
            sysroot: PathBuf::from("/toolchains/1.95.0"),
            dir: PathBuf::from("/work/app"),
            reason: "rustup could not be run (not found)".to_owned(),
        };
        let message = error.to_string();
        assert!(
            message.contains("rustup target add wasm32-wasip2"),
            "{message}"
        );
        assert!(message.contains("/work/app"), "{message}");
        assert!(message.contains("/toolchains/1.95.0"), "{message}");
    }

    #[test]
    fn sysroot_is_found_in_this_repository() {
        // The repository pins a toolchain, so `rustc` resolves here whenever
        // these tests can run at all.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let channel = toolchain_override(dir).unwrap();
        let sysroot = sysroot(dir, channel.as_deref()).unwrap();
        assert!(sysroot.join("lib").join("rustlib").is_dir(), "{sysroot:?}");
    }
}
