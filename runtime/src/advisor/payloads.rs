//! The test payloads `runtime lint` runs: a JSON or YAML list of
//! `{function, payload}` beside the manifest (`lint.payloads.json`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The payload files looked for next to the manifest, in order.
pub const PAYLOAD_FILES: &[&str] = &[
    "lint.payloads.json",
    "lint.payloads.yml",
    "lint.payloads.yaml",
];

/// Largest payload file read (a developer file; anything bigger is a mistake).
const MAX_PAYLOAD_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// One call to make.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintPayload {
    /// The manifest function key; may be left out when there is one function.
    #[serde(default)]
    pub function: Option<String>,
    /// The JSON payload (`{}` when left out).
    #[serde(default = "empty_object")]
    pub payload: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// Why the payload file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PayloadFileError {
    #[error(
        "no test payloads: write lint.payloads.json next to the manifest (a list of {{\"function\": KEY, \"payload\": {{…}}}}), pass --payloads FILE, or pass --audit-log FILE from `runtime run --audit-log`"
    )]
    Missing,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is larger than {MAX_PAYLOAD_FILE_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("{path} is not a list of {{function, payload}}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path} lists no payloads; lint needs at least one call to observe")]
    Empty { path: PathBuf },
}

/// The payload file beside the manifest in `dir`, if there is one.
pub fn find_beside(dir: &Path) -> Option<PathBuf> {
    PAYLOAD_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Reads a JSON or (by extension) YAML payload file.
pub fn load(path: &Path) -> Result<Vec<LintPayload>, PayloadFileError> {
    let read_error = |source| PayloadFileError::Read {
        path: path.to_owned(),
        source,
    };
    if std::fs::metadata(path).map_err(read_error)?.len() > MAX_PAYLOAD_FILE_BYTES {
        return Err(PayloadFileError::TooLarge {
            path: path.to_owned(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    let invalid = |reason: String| PayloadFileError::Invalid {
        path: path.to_owned(),
        reason,
    };
    let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    let value = if is_yaml {
        kiln_manifest::yaml::parse_yaml(&text).map_err(|e| invalid(e.to_string()))?
    } else {
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?
    };
    let payloads: Vec<LintPayload> =
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
    if payloads.is_empty() {
        return Err(PayloadFileError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(payloads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_lists_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("p.json");
        std::fs::write(
            &json,
            r#"[{"function": "main", "payload": {"issue": "KILN-1"}}, {}]"#,
        )
        .unwrap();
        let payloads = load(&json).unwrap();
        assert_eq!(payloads[0].function.as_deref(), Some("main"));
        assert_eq!(payloads[0].payload["issue"], "KILN-1");
        assert_eq!(payloads[1].payload, serde_json::json!({}));

        let yaml = dir.path().join("p.yml");
        std::fs::write(&yaml, "- function: main\n  payload:\n    issue: KILN-2\n").unwrap();
        assert_eq!(load(&yaml).unwrap()[0].payload["issue"], "KILN-2");
    }

    #[test]
    fn wrong_shapes_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(&path, r#"{"function": "main"}"#).unwrap();
        assert!(matches!(load(&path), Err(PayloadFileError::Invalid { .. })));
        std::fs::write(&path, "[]").unwrap();
        assert!(matches!(load(&path), Err(PayloadFileError::Empty { .. })));
        std::fs::write(&path, r#"[{"fn": "main"}]"#).unwrap();
        assert!(matches!(load(&path), Err(PayloadFileError::Invalid { .. })));
    }
}
