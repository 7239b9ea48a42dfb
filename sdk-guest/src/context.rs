//! What an invocation runs on behalf of.

/// What the host tells a handler about its invocation. It never contains a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// Unique per invocation; the host's audit lines carry the same id, so
    /// logging it ties the app's log to the host's.
    pub invocation_id: String,
    /// The Atlassian account id of the invoking user, if known.
    pub account_id: Option<String>,
    /// The site's cloud id, needed in Jira Service Management Ops paths
    /// (`/jsm/ops/api/{cloudId}/v1/...`).
    pub cloud_id: String,
    /// The site's base URL, for building links in the app's output. Requests
    /// never use it: the host owns the origin.
    pub site_url: String,
    /// The manifest key of the function module being invoked.
    pub module_key: String,
}
