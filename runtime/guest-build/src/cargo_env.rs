//! Keeping an outer cargo's environment out of a nested cargo.
//!
//! A build script runs with the variables cargo sets for *its* build. Passed
//! on, they would change the nested build: host `RUSTFLAGS` (or coverage
//! instrumentation) applied to wasm, `CARGO_TARGET_DIR` sharing — and
//! deadlocking on — the outer build's lock, clippy's workspace wrapper linting
//! the guests, the jobserver of a build that is waiting on us.

use std::process::Command;

/// Variables an outer cargo sets (or reads) that must not reach a nested
/// `cargo build` of guests.
const LEAKED_VARIABLES: &[&str] = &[
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "RUSTC",
    "RUSTDOC",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_LINKER",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "OUT_DIR",
    "TARGET",
    "HOST",
    "NUM_JOBS",
    "OPT_LEVEL",
    "PROFILE",
    "DEBUG",
];

/// Prefixes of per-package variables a build script sees.
const LEAKED_PREFIXES: &[&str] = &[
    "CARGO_MANIFEST_",
    "CARGO_PKG_",
    "CARGO_CFG_",
    "CARGO_FEATURE_",
    "DEP_",
];

/// Whether `name` is set by an outer cargo and would change a nested build.
pub fn is_leaked_cargo_variable(name: &str) -> bool {
    LEAKED_VARIABLES.contains(&name)
        || LEAKED_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Removes every leaked variable present in this process from `command`.
pub fn remove_leaked_cargo_env(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_leaked_cargo_variable) {
            command.env_remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_script_variables_are_leaks() {
        for name in [
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTFLAGS",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "CARGO_MAKEFLAGS",
            "MAKEFLAGS",
            "MFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_PKG_NAME",
            "CARGO_CFG_TARGET_ARCH",
            "CARGO_FEATURE_STD",
            "OUT_DIR",
        ] {
            assert!(is_leaked_cargo_variable(name), "{name}");
        }
    }

    #[test]
    fn user_settings_pass_through() {
        for name in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "CARGO_NET_OFFLINE",
            "CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS",
            "RUSTC_WRAPPER",
        ] {
            assert!(!is_leaked_cargo_variable(name), "{name}");
        }
    }

    #[test]
    fn leaked_variables_present_in_the_environment_are_removed() {
        // Under `cargo test`, cargo sets CARGO_MANIFEST_DIR for this process.
        let mut command = Command::new("true");
        remove_leaked_cargo_env(&mut command);
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(
            removed.iter().any(|name| name == "CARGO_MANIFEST_DIR"),
            "{removed:?}"
        );
        assert!(removed.iter().all(|name| is_leaked_cargo_variable(name)));
    }
}
