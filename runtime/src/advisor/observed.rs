//! The calls an app was seen making, from an in-memory audit or an audit log
//! file written by `runtime run --audit-log`.

use std::path::{Path, PathBuf};

use kiln_manifest::{Method, Route, catalogue};
use serde::Deserialize;

use crate::jira::audit::AuditRecord;

/// Largest audit log read: lint is a developer tool, not a log processor,
/// and a hostile or runaway file must not exhaust memory.
pub const MAX_AUDIT_LOG_BYTES: u64 = 64 * 1024 * 1024;

/// One `request-jira` call and the host's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCall {
    /// The catalogue route it matched, if any.
    pub route: Option<&'static Route>,
    /// `allowed`, `scope-denied`, `unknown-route`, …
    pub decision: String,
}

impl ObservedCall {
    fn new(method: &str, template: Option<&str>, decision: &str) -> Self {
        let route = method
            .parse::<Method>()
            .ok()
            .zip(template)
            .and_then(|(method, template)| catalogue().route(method, template));
        ObservedCall {
            route,
            decision: decision.to_owned(),
        }
    }
}

impl From<&AuditRecord> for ObservedCall {
    fn from(record: &AuditRecord) -> Self {
        ObservedCall::new(record.method, record.route, record.decision)
    }
}

/// Why an audit log could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    #[error("cannot read the audit log {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the audit log {path} is larger than {MAX_AUDIT_LOG_BYTES} bytes; lint a shorter run")]
    TooLarge { path: PathBuf },
    #[error("{path}:{line}: not an audit line written by `runtime run --audit-log` ({reason})")]
    BadLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// The fields of an audit line the advisor needs.
#[derive(Deserialize)]
struct AuditLine {
    app_id: String,
    method: String,
    route: Option<String>,
    decision: String,
}

/// Reads the calls of app `app_id` from a JSON-lines audit log; lines of other
/// apps are skipped.
pub fn read_audit_log(path: &Path, app_id: &str) -> Result<Vec<ObservedCall>, AuditLogError> {
    let read_error = |source| AuditLogError::Read {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_AUDIT_LOG_BYTES {
        return Err(AuditLogError::TooLarge {
            path: path.to_owned(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    let mut calls = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: AuditLine = serde_json::from_str(line).map_err(|e| AuditLogError::BadLine {
            path: path.to_owned(),
            line: index + 1,
            reason: e.to_string(),
        })?;
        if record.app_id == app_id {
            calls.push(ObservedCall::new(
                &record.method,
                record.route.as_deref(),
                &record.decision,
            ));
        }
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_this_app_are_read_and_matched_to_the_catalogue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"app_id":"demo","method":"GET","route":"/rest/api/3/myself","decision":"allowed"}"#,
                "\n",
                r#"{"app_id":"other","method":"GET","route":"/rest/api/3/myself","decision":"allowed"}"#,
                "\n\n",
                r#"{"app_id":"demo","method":"GET","route":null,"decision":"unknown-route"}"#,
                "\n",
            ),
        )
        .unwrap();
        let calls = read_audit_log(&path, "demo").unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            calls[0].route.map(|r| r.template),
            Some("/rest/api/3/myself")
        );
        assert_eq!(calls[1].route, None);
    }

    #[test]
    fn a_malformed_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "{\"app_id\":\"demo\"}\nnot json\n").unwrap();
        let error = read_audit_log(&path, "demo").unwrap_err();
        assert!(
            matches!(error, AuditLogError::BadLine { line: 1, .. }),
            "{error}"
        );
    }
}
