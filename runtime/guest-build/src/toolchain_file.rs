//! Which toolchain an app folder asks for, read by Kiln rather than by
//! rustup, so the app cannot choose the compiler binary that runs outside
//! the build sandbox.
//!
//! rustup honours `rust-toolchain(.toml)` in the working directory and its
//! ancestors, and that file may name a *path* (`[toolchain] path = "./bin"`)
//! or a channel that is a path: rustup would then run the app's own `rustc`
//! and `cargo` as the user, before any sandbox exists (the target check,
//! `cargo fetch`). So the file is read here, only a plain channel name is
//! accepted, and it is passed to every rustup-driven command as
//! `RUSTUP_TOOLCHAIN`, which rustup prefers over any file.

use std::path::Path;

use serde::Deserialize;

use crate::error::GuestBuildError;

/// Longest toolchain file read.
const MAX_TOOLCHAIN_FILE: u64 = 16 * 1024;

#[derive(Deserialize)]
struct ToolchainFile {
    toolchain: ToolchainSection,
}

#[derive(Deserialize)]
struct ToolchainSection {
    channel: Option<String>,
    path: Option<String>,
}

/// The channel the nearest `rust-toolchain(.toml)` at or above `dir` names,
/// validated; `None` when there is no such file (rustup's default applies).
pub fn pinned_channel(dir: &Path) -> Result<Option<String>, GuestBuildError> {
    for ancestor in dir.ancestors() {
        // rustup's order: the legacy name first.
        for name in ["rust-toolchain", "rust-toolchain.toml"] {
            let file = ancestor.join(name);
            if file.is_file() {
                return read_channel(&file).map(Some);
            }
        }
    }
    Ok(None)
}

fn read_channel(file: &Path) -> Result<String, GuestBuildError> {
    let refuse = |reason: &str| GuestBuildError::UntrustedToolchain {
        file: file.to_owned(),
        reason: reason.to_owned(),
    };
    let size = std::fs::metadata(file)
        .map_err(|e| refuse(&e.to_string()))?
        .len();
    if size > MAX_TOOLCHAIN_FILE {
        return Err(refuse("the file is too large"));
    }
    let text = std::fs::read_to_string(file).map_err(|e| refuse(&e.to_string()))?;
    let channel = match toml::from_str::<ToolchainFile>(&text) {
        Ok(parsed) => {
            if parsed.toolchain.path.is_some() {
                return Err(refuse(
                    "it names a toolchain by path, which would run the app's own compiler outside the build sandbox",
                ));
            }
            parsed
                .toolchain
                .channel
                .ok_or_else(|| refuse("it names no channel"))?
        }
        // The legacy format: one line, the channel.
        Err(_) if !text.trim().contains(['\n', '[', '=']) => text.trim().to_owned(),
        Err(error) => return Err(refuse(&error.to_string())),
    };
    if is_plain_channel(&channel) {
        Ok(channel)
    } else {
        Err(refuse(
            "its channel is not a plain toolchain name (letters, digits, `.`, `-`, `_`)",
        ))
    }
}

/// A toolchain *name* (`1.95.0`, `nightly-2026-01-01`, `stable-x86_64-unknown-linux-gnu`):
/// nothing rustup could read as a path.
fn is_plain_channel(channel: &str) -> bool {
    !channel.is_empty()
        && channel.len() <= 100
        && !channel.starts_with('.')
        && channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel_of(name: &str, text: &str) -> Result<Option<String>, GuestBuildError> {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir(&app).unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        pinned_channel(&app)
    }

    #[test]
    fn a_plain_channel_is_read_from_the_folder_or_an_ancestor() {
        assert_eq!(
            channel_of("rust-toolchain.toml", "[toolchain]\nchannel = \"1.95.0\"\n").unwrap(),
            Some("1.95.0".to_owned())
        );
        assert_eq!(
            channel_of("rust-toolchain", "nightly-2026-01-01\n").unwrap(),
            Some("nightly-2026-01-01".to_owned())
        );
        assert_eq!(
            pinned_channel(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap(),
            Some("1.95.0".to_owned()),
            "this repository's pin"
        );
    }

    #[test]
    fn a_toolchain_by_path_is_refused() {
        for (name, text) in [
            ("rust-toolchain.toml", "[toolchain]\npath = \"./evil\"\n"),
            (
                "rust-toolchain.toml",
                "[toolchain]\nchannel = \"../evil\"\n",
            ),
            (
                "rust-toolchain.toml",
                "[toolchain]\nchannel = \"/tmp/evil\"\n",
            ),
            ("rust-toolchain", "/tmp/evil\n"),
            ("rust-toolchain", "./evil"),
            ("rust-toolchain.toml", "[toolchain]\ncomponents = []\n"),
        ] {
            let error = channel_of(name, text).unwrap_err();
            assert!(
                matches!(error, GuestBuildError::UntrustedToolchain { .. }),
                "{name}: {text:?}: {error}"
            );
        }
    }
}
