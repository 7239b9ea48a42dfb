//! The `[patch]` entries of an app's own `.cargo/config.toml` that point at
//! local paths (`runtime new` writes one for `kiln-sdk`, pointing at the Kiln
//! checkout), passed to the cargo commands that run outside the sandbox.
//!
//! Those commands run from `/` so that nothing of the app's cargo
//! configuration can name a program to run (a wrapper, a linker, a runner, a
//! credential provider). A path patch names no program: it only says where a
//! crate's source is, and that source's build script runs inside the sandbox
//! like every other. So exactly this subset is forwarded, as `--config`
//! values whose keys and paths are written as TOML strings (no key or path of
//! the app can add a setting of its own). `cargo metadata` then lists the
//! patched crate as a local source, which the sandbox mounts read-only.

use std::path::Path;

/// Largest `.cargo/config.toml` read.
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// `--config` values (`patch."crates-io"."kiln-sdk".path = "/abs"`) for every
/// path patch in `<project_dir>/.cargo/config.toml`; nothing when the file is
/// absent, unreadable or not TOML (the sandboxed build then reports what is
/// wrong with it).
pub fn path_patch_configs(project_dir: &Path) -> Vec<String> {
    let file = project_dir.join(".cargo").join("config.toml");
    let too_large = std::fs::metadata(&file).map_or(true, |m| m.len() > MAX_CONFIG_BYTES);
    if too_large {
        return Vec::new();
    }
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Vec::new();
    };
    let Ok(config) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(patches) = config.get("patch").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for (registry, crates) in patches {
        let Some(crates) = crates.as_table() else {
            continue;
        };
        for (name, patch) in crates {
            let Some(path) = patch.get("path").and_then(toml::Value::as_str) else {
                continue;
            };
            // Relative paths in a config file are relative to the directory
            // that holds `.cargo/`.
            let path = project_dir.join(path);
            let Some(path) = path.to_str() else {
                continue;
            };
            values.push(format!(
                "patch.{}.{}.path = {}",
                basic_string(registry),
                basic_string(name),
                basic_string(path)
            ));
        }
    }
    values
}

/// `text` as a TOML basic string: quoted, with `"`, `\\` and every control
/// character escaped, so it can only ever be one key segment or one value.
fn basic_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(text: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".cargo")).unwrap();
        std::fs::write(dir.path().join(".cargo/config.toml"), text).unwrap();
        path_patch_configs(dir.path())
            .into_iter()
            .map(|c| c.replace(dir.path().to_str().unwrap(), "<app>"))
            .collect()
    }

    #[test]
    fn only_path_patches_are_forwarded_as_quoted_toml() {
        assert_eq!(
            configs(
                r#"
                [build]
                rustc-wrapper = "/tmp/evil"
                [patch.crates-io]
                kiln-sdk = { path = "/kiln/sdk-guest" }
                other = { git = "https://example.com/x" }
                "#
            ),
            vec![r#"patch."crates-io"."kiln-sdk".path = "/kiln/sdk-guest""#]
        );
    }

    #[test]
    fn hostile_keys_and_paths_stay_inside_their_strings() {
        let forwarded = configs(
            r#"
            [patch.'crates-io"] build.rustc-wrapper = "x']
            'a" = 1 #' = { path = "rel/dir\" \nbuild.rustc-wrapper = \"/tmp/evil" }
            "#,
        );
        assert_eq!(forwarded.len(), 1, "{forwarded:?}");
        let value: toml::Table = forwarded[0].parse().expect("one TOML assignment");
        let patch = &value["patch"];
        let crates = patch.as_table().unwrap().values().next().unwrap();
        let entry = crates.as_table().unwrap().values().next().unwrap();
        assert!(entry["path"].as_str().unwrap().starts_with("<app>/rel/dir"));
        assert!(value.get("build").is_none());
    }

    #[test]
    fn no_file_or_no_patches_forward_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(path_patch_configs(dir.path()).is_empty());
        assert!(configs("[build]\njobs = 1\n").is_empty());
        assert!(configs("not toml [").is_empty());
    }
}
