//! The audit log: one JSON line per `request-jira` call, allowed or refused.
//!
//! It is for the site administrator and the security reviewer, separate from
//! the app's own log. It records decisions and sizes, never a credential, a
//! body, a query value or the concrete path (which can hold user data): the
//! route is reported as its catalogue template.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use crate::egress::audit::EgressRecord;

/// One audit line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditRecord {
    /// RFC 3339 time of the decision.
    pub time: String,
    pub app_id: String,
    pub invocation_id: String,
    /// `user` or `app`.
    pub principal: &'static str,
    pub method: &'static str,
    /// The matched catalogue template, when the path matched one.
    pub route: Option<&'static str>,
    /// `allowed`, or the refusal (`invalid-request`, `unknown-route`,
    /// `scope-denied`, `needs-authentication`, `quota-exceeded`), or
    /// `rate-limited` (answered 429 by the host: the site's `Retry-After`
    /// was still running), or the failure (`timeout`, `transport`).
    pub decision: &'static str,
    /// The scopes that granted the route.
    pub granted_by: Vec<&'static str>,
    /// The scopes that were missing, when refused for scopes.
    pub missing: Vec<&'static str>,
    pub status: Option<u16>,
    pub bytes_out: u64,
    pub bytes_in: u64,
    pub latency_ms: u64,
    /// How many places of the answer (body, headers, error text) held a
    /// credential and were replaced by the redaction marker; anything but 0
    /// means the site or something before it echoes credentials.
    pub redactions: u32,
}

/// Where audit lines go.
pub trait AuditSink: Send + Sync {
    fn record(&self, record: &AuditRecord);

    /// One egress request's line ([`EgressRecord`]). Sinks that predate
    /// egress discard it.
    fn record_egress(&self, _record: &EgressRecord) {}

    /// Whether [`AuditSink::record`] keeps anything. A sink that discards
    /// says so, and the caller skips building the record (time formatting
    /// and copies on every `request-jira` call).
    fn enabled(&self) -> bool {
        true
    }

    /// Whether [`AuditSink::record_egress`] keeps anything, as
    /// [`AuditSink::enabled`] says it for `record` (the same by default): the
    /// egress door skips building a line no one keeps.
    fn egress_enabled(&self) -> bool {
        self.enabled()
    }
}

/// Discards audit lines (no audit file configured).
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _record: &AuditRecord) {}

    fn enabled(&self) -> bool {
        false
    }
}

/// Appends JSON lines to a file, created `0600`.
pub struct FileAudit {
    out: Mutex<BufWriter<File>>,
}

impl FileAudit {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        Ok(Self {
            out: Mutex::new(BufWriter::new(options.open(path)?)),
        })
    }
}

impl AuditSink for FileAudit {
    fn record(&self, record: &AuditRecord) {
        let Ok(line) = serde_json::to_string(record) else {
            return;
        };
        self.write_line(&line);
    }

    fn record_egress(&self, record: &EgressRecord) {
        // Tagged, so a reader can tell the two kinds of line apart.
        let Ok(line) = serde_json::to_string(&serde_json::json!({ "egress": record })) else {
            return;
        };
        self.write_line(&line);
    }
}

impl FileAudit {
    fn write_line(&self, line: &str) {
        // A poisoned lock only means another writer panicked mid-line; the
        // file is still usable for the next line.
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            tracing::warn!("could not write an audit line");
        }
    }
}

/// Keeps audit lines in memory, for tests and for `runtime lint`.
#[derive(Default)]
pub struct MemoryAudit {
    records: Mutex<Vec<AuditRecord>>,
    egress: Mutex<Vec<EgressRecord>>,
}

impl MemoryAudit {
    pub fn egress_records(&self) -> Vec<EgressRecord> {
        self.egress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn records(&self) -> Vec<AuditRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl AuditSink for MemoryAudit {
    fn record(&self, record: &AuditRecord) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record.clone());
    }

    fn record_egress(&self, record: &EgressRecord) {
        self.egress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record.clone());
    }
}

/// Now, as RFC 3339 with milliseconds.
pub(crate) fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
