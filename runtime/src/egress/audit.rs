//! The audit line of one egress request: which declared host, which method,
//! the decision, the status and the byte counts. Never the path, the query,
//! a header or a body (they can hold user data or the third party's
//! credentials), and never a host the allowlist did not name (that text is
//! the guest's).

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EgressRecord {
    /// RFC 3339 time the call ended.
    pub time: String,
    pub app_id: String,
    pub invocation_id: String,
    /// A standard method, or `other`.
    pub method: String,
    /// The declared host the request went to; `None` when refused before
    /// the allowlist matched.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `allowed`, or the refusal (`not-allowed`, `https-required`,
    /// `method-refused`, `scheme-refused`, `address-refused`,
    /// `quota-exceeded`, `request-too-large`, `response-too-large`), or the
    /// failure (`dns-failed`, `timeout`, `tls-certificate`, `transport`,
    /// `invalid-body`).
    pub decision: &'static str,
    pub status: Option<u16>,
    pub bytes_out: u64,
    pub bytes_in: u64,
    pub latency_ms: u64,
}
