//! What the tests that start the `runtime` binary share.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root (tests run `runtime` on its examples).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the repository")
        .to_owned()
}

/// The `runtime` binary without any of the developer's Jira or Kiln settings.
///
/// Kiln reads its site, credentials, token store, grants, operator policy, cache and
/// state locations from `JIRA_*` and `KILN_*` variables. A test that inherited them
/// would run against the developer's real site, read their tokens or obey their policy,
/// and pass or fail for reasons outside the test. Every such variable is removed, whatever
/// its name, so a variable Kiln learns to read later is covered too; each test then sets
/// the ones it means.
pub fn runtime() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runtime"));
    for (name, _) in std::env::vars_os() {
        if let Some(name) = name.to_str()
            && (name.starts_with("JIRA_") || name.starts_with("KILN_"))
        {
            command.env_remove(name);
        }
    }
    command
}
