//! The part of cargo's `--message-format=json` output a guest build needs.

use std::path::PathBuf;

use serde::Deserialize;

/// One line of cargo's JSON output, reduced to what identifies a built
/// component; every other message kind parses to empty fields.
#[derive(Debug, Deserialize)]
pub struct Message {
    reason: String,
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    filenames: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct Target {
    #[serde(default)]
    kind: Vec<String>,
}

impl Message {
    /// The package and `.wasm` file of a `cdylib` artifact, if this message
    /// announces one.
    pub fn component(&self) -> Option<(String, PathBuf)> {
        if self.reason != "compiler-artifact" {
            return None;
        }
        let target = self.target.as_ref()?;
        if !target.kind.iter().any(|kind| kind == "cdylib") {
            return None;
        }
        let wasm = self
            .filenames
            .iter()
            .find(|file| file.extension().is_some_and(|ext| ext == "wasm"))?;
        Some((package_name(&self.package_id)?, wasm.clone()))
    }
}

/// The package name in a cargo package id, in either of its formats:
/// `hello 0.1.0 (path+file:///x/hello)` (before cargo 1.77), or the package id
/// spec `path+file:///x/hello#0.1.0` / `path+file:///x/dir#hello@0.1.0`.
fn package_name(package_id: &str) -> Option<String> {
    let Some((url, fragment)) = package_id.split_once('#') else {
        return package_id.split_whitespace().next().map(str::to_owned);
    };
    if let Some((name, _version)) = fragment.split_once('@') {
        return Some(name.to_owned());
    }
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Message {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn cdylib_artifact_is_a_component() {
        let message = parse(
            r#"{"reason":"compiler-artifact","package_id":"path+file:///work/examples/hello#0.1.0","manifest_path":"/work/examples/hello/Cargo.toml","target":{"kind":["cdylib"],"crate_types":["cdylib"],"name":"hello","src_path":"/work/examples/hello/src/lib.rs"},"filenames":["/t/wasm32-wasip2/release/hello.wasm"],"executable":null,"fresh":true}"#,
        );
        assert_eq!(
            message.component(),
            Some((
                "hello".to_owned(),
                PathBuf::from("/t/wasm32-wasip2/release/hello.wasm")
            ))
        );
    }

    #[test]
    fn libraries_and_other_messages_are_not_components() {
        let rlib = parse(
            r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.228","target":{"kind":["lib"]},"filenames":["/t/libserde.rlib"]}"#,
        );
        assert_eq!(rlib.component(), None);
        let finished = parse(r#"{"reason":"build-finished","success":true}"#);
        assert_eq!(finished.component(), None);
    }

    #[test]
    fn package_names_in_every_id_format() {
        assert_eq!(
            package_name("hello 0.1.0 (path+file:///work/examples/hello)").as_deref(),
            Some("hello")
        );
        assert_eq!(
            package_name("path+file:///work/examples/hello#0.1.0").as_deref(),
            Some("hello")
        );
        assert_eq!(
            package_name("path+file:///work/tests/programs/probe-dir#probe@0.1.0").as_deref(),
            Some("probe")
        );
        assert_eq!(package_name("").as_deref(), None);
    }
}
