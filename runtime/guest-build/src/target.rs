//! Making sure the toolchain can compile for `wasm32-wasip2`.
//!
//! rustup only installs the targets `rust-toolchain.toml` lists when it
//! installs the toolchain itself; a toolchain that was already there (or one
//! not managed by rustup) may lack the target, and the build would then fail
//! with an obscure "can't find crate for `core`".

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::build::WASM_TARGET;
use crate::cargo_env::remove_leaked_cargo_env;
use crate::error::GuestBuildError;

/// Checks that the toolchain that applies in `project_dir` (as rustup picks
/// it, honouring `rust-toolchain.toml`) has the `wasm32-wasip2` target, and
/// installs it with rustup if not.
///
/// If rustup is missing or fails, the error says exactly what to run.
pub fn ensure_wasm_target(project_dir: &Path) -> Result<(), GuestBuildError> {
    let sysroot = match sysroot(project_dir) {
        Ok(sysroot) => sysroot,
        Err(GuestBuildError::ToolchainUnavailable { .. }) => {
            // The pinned toolchain is not installed: installing it in the
            // project reads rust-toolchain.toml, targets included.
            rustup(project_dir, &["toolchain", "install"]).map_err(|detail| {
                GuestBuildError::ToolchainUnavailable {
                    dir: project_dir.to_path_buf(),
                    detail,
                }
            })?;
            sysroot(project_dir)?
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
    rustup(project_dir, &["target", "add", WASM_TARGET]).map_err(missing)?;
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

/// `rustc --print sysroot`, run in `dir` so rustup picks that directory's
/// toolchain.
fn sysroot(dir: &Path) -> Result<PathBuf, GuestBuildError> {
    let output = tool_command("rustc", dir)
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
fn rustup(dir: &Path, args: &[&str]) -> Result<(), String> {
    let status = tool_command("rustup", dir)
        .args(args)
        .status()
        .map_err(|error| format!("rustup could not be run ({error})"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`rustup {}` failed ({status})", args.join(" ")))
    }
}

/// A `rustc`/`rustup` command in `dir`, without a build script's cargo
/// environment (its `RUSTC` would name the outer build's compiler).
fn tool_command(program: &str, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir);
    remove_leaked_cargo_env(&mut command);
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
        let sysroot = sysroot(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(sysroot.join("lib").join("rustlib").is_dir(), "{sysroot:?}");
    }
}
