//! `request-jira`, the only door out of the sandbox: the shared client, the
//! per-invocation policy pipeline and the audit log.

pub mod audit;
pub mod client;
pub mod identity;
pub mod rate_limit;
pub mod redact;
pub mod session;
pub mod tenant;
