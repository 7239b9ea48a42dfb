//! The environment a guest build gets: an allowlist of what cargo and rustup
//! need, and nothing else.
//!
//! Building an app runs its build scripts and proc-macros: native code of
//! whoever wrote the app, with the environment cargo is given. The runtime's
//! own environment holds secrets (`JIRA_API_TOKEN`, `KILN_APP_CLIENT_SECRET`,
//! a cloud provider's keys, an SSH agent socket), so the build starts from an
//! empty environment and gets only the variables below. An allowlist rather
//! than a denylist: a secret under a name nobody thought of is still kept out.
//!
//! It also keeps an outer cargo's variables out of a nested build (when a
//! build script builds guests): host `RUSTFLAGS` or coverage instrumentation
//! applied to wasm, `CARGO_TARGET_DIR` sharing — and deadlocking on — the
//! outer build's lock, clippy's workspace wrapper, the jobserver of a build
//! that is waiting on us. None of those is on the list.

use std::ffi::OsString;
use std::process::Command;

/// Variables passed to a guest build when set: where the toolchain and the
/// registry are, which toolchain, and how to print.
pub const ALLOWED_VARIABLES: &[&str] = &[
    // Finding programs and the toolchain.
    "PATH",
    "HOME",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    // Locale and terminal, for readable diagnostics.
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TERM",
    "NO_COLOR",
    "CARGO_TERM_COLOR",
    "CARGO_TERM_PROGRESS_WHEN",
    "CARGO_TERM_PROGRESS_WIDTH",
    "CARGO_TERM_VERBOSE",
    "CARGO_TERM_QUIET",
    // Where temporary files go.
    "TMPDIR",
    // Offline operation chosen by the user.
    "CARGO_NET_OFFLINE",
];

/// Whether `name` may reach a guest build. Kiln's and Jira's variables never
/// do, whatever the list says (a guard against a careless edit).
pub fn is_allowed(name: &str) -> bool {
    ALLOWED_VARIABLES.contains(&name) && !name.starts_with("JIRA_") && !name.starts_with("KILN_")
}

/// The allowed variables of this process, with their values.
pub fn allowed_env() -> Vec<(String, OsString)> {
    std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            is_allowed(&name).then_some((name, value))
        })
        .collect()
}

/// Clears `command`'s environment and sets only the allowed variables.
pub fn scrub_env(command: &mut Command) {
    command.env_clear();
    command.envs(allowed_env());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_script_variables_and_secrets_are_not_allowed() {
        for name in [
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTFLAGS",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "CARGO_MAKEFLAGS",
            "MAKEFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTC_WRAPPER",
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "OUT_DIR",
            "JIRA_API_TOKEN",
            "JIRA_EMAIL",
            "JIRA_SITE",
            "KILN_APP_CLIENT_SECRET",
            "KILN_TOKEN_STORE",
            "CARGO_REGISTRY_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SSH_AUTH_SOCK",
            "XDG_CONFIG_HOME",
        ] {
            assert!(!is_allowed(name), "{name}");
        }
        assert!(
            ALLOWED_VARIABLES
                .iter()
                .all(|name| !name.starts_with("JIRA_") && !name.starts_with("KILN_"))
        );
    }

    #[test]
    fn the_toolchain_variables_are_allowed() {
        for name in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
        ] {
            assert!(is_allowed(name), "{name}");
        }
    }

    #[test]
    fn the_scrubbed_command_sets_only_allowed_variables() {
        let mut command = Command::new("true");
        scrub_env(&mut command);
        let set: Vec<String> = command
            .get_envs()
            .filter(|(_, value)| value.is_some())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(set.iter().all(|name| is_allowed(name)), "{set:?}");
        // Under `cargo test`, PATH is set and CARGO_MANIFEST_DIR is not passed.
        assert!(set.iter().any(|name| name == "PATH"), "{set:?}");
    }
}
