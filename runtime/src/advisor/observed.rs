//! What an app was seen doing, from an in-memory audit or an audit log file
//! written by `runtime run --audit-log`: its `request-jira` calls, its
//! egress requests and (when the source can tell) how many storage calls
//! it made.

use std::path::{Path, PathBuf};

use kiln_manifest::{Method, Route, catalogue};
use serde::Deserialize;

use crate::egress::audit::EgressRecord;
use crate::jira::audit::AuditRecord;

/// Everything observed of one app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Its `request-jira` calls.
    pub calls: Vec<ObservedCall>,
    /// Its egress (`fetch`, `wasi:http`) requests.
    pub egress: Vec<ObservedEgress>,
    /// Its `kiln:app/storage` calls, refused ones included; `None` when the
    /// source does not record them (an audit log has no storage lines), so
    /// storage cannot be judged.
    pub storage_calls: Option<u64>,
    /// Its Forge SQL (`kiln:app/sql`) calls, refused ones included; `None` as
    /// for storage.
    pub sql_calls: Option<u64>,
}

impl Observed {
    /// Whether nothing at all was seen: no Jira call, no egress request, no
    /// storage or Forge SQL call (or neither recorded).
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
            && self.egress.is_empty()
            && self.storage_calls.unwrap_or(0) == 0
            && self.sql_calls.unwrap_or(0) == 0
    }
}

/// One egress request and the host's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedEgress {
    /// The host it went to, when a declared backend named it (the audit
    /// never records any other host: that text is the app's).
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `allowed`, `not-allowed`, `https-required`, `dns-failed`, …
    pub decision: String,
}

impl From<&EgressRecord> for ObservedEgress {
    fn from(record: &EgressRecord) -> Self {
        ObservedEgress {
            host: record.host.clone(),
            port: record.port,
            decision: record.decision.to_owned(),
        }
    }
}

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

/// The fields of an egress audit line (`{"egress": {…}}`) the advisor needs.
#[derive(Deserialize)]
struct EgressLine {
    app_id: String,
    host: Option<String>,
    port: Option<u16>,
    decision: String,
}

/// Reads what app `app_id` did from a JSON-lines audit log: its
/// `request-jira` lines and its egress lines (tagged `{"egress": …}`); lines
/// of other apps are skipped. Storage calls are not in an audit log.
pub fn read_audit_log(path: &Path, app_id: &str) -> Result<Observed, AuditLogError> {
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
    let mut observed = Observed::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad_line = |e: serde_json::Error| AuditLogError::BadLine {
            path: path.to_owned(),
            line: index + 1,
            reason: e.to_string(),
        };
        let value: serde_json::Value = serde_json::from_str(line).map_err(bad_line)?;
        match value.get("egress") {
            Some(egress) => {
                let record = EgressLine::deserialize(egress).map_err(bad_line)?;
                if record.app_id == app_id {
                    observed.egress.push(ObservedEgress {
                        host: record.host,
                        port: record.port,
                        decision: record.decision,
                    });
                }
            }
            None => {
                let record = AuditLine::deserialize(&value).map_err(bad_line)?;
                if record.app_id == app_id {
                    observed.calls.push(ObservedCall::new(
                        &record.method,
                        record.route.as_deref(),
                        &record.decision,
                    ));
                }
            }
        }
    }
    Ok(observed)
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
        let observed = read_audit_log(&path, "demo").unwrap();
        assert_eq!(observed.storage_calls, None, "an audit log records none");
        let calls = observed.calls;
        assert_eq!(calls.len(), 2);
        assert_eq!(
            calls[0].route.map(|r| r.template),
            Some("/rest/api/3/myself")
        );
        assert_eq!(calls[1].route, None);
    }

    #[test]
    fn egress_lines_of_this_app_are_read_beside_its_calls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"egress":{"time":"t","app_id":"demo","invocation_id":"i","method":"GET","host":"api.example.com","port":443,"decision":"allowed","status":200,"bytes_out":0,"bytes_in":2,"latency_ms":1}}"#,
                "\n",
                r#"{"egress":{"time":"t","app_id":"demo","invocation_id":"i","method":"GET","host":null,"port":null,"decision":"not-allowed","status":null,"bytes_out":0,"bytes_in":0,"latency_ms":0}}"#,
                "\n",
                r#"{"egress":{"time":"t","app_id":"other","invocation_id":"i","method":"GET","host":"x.example","port":443,"decision":"allowed","status":200,"bytes_out":0,"bytes_in":0,"latency_ms":0}}"#,
                "\n",
                r#"{"app_id":"demo","method":"GET","route":"/rest/api/3/myself","decision":"allowed"}"#,
                "\n",
            ),
        )
        .unwrap();
        let observed = read_audit_log(&path, "demo").unwrap();
        assert_eq!(observed.calls.len(), 1);
        assert_eq!(
            observed.egress,
            [
                ObservedEgress {
                    host: Some("api.example.com".into()),
                    port: Some(443),
                    decision: "allowed".into()
                },
                ObservedEgress {
                    host: None,
                    port: None,
                    decision: "not-allowed".into()
                }
            ]
        );
        // A tagged line that is not an egress record is still a bad line.
        std::fs::write(&path, "{\"egress\": {\"app_id\": \"demo\"}}\n").unwrap();
        assert!(matches!(
            read_audit_log(&path, "demo"),
            Err(AuditLogError::BadLine { line: 1, .. })
        ));
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
