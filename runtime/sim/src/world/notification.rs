//! The site's outbox: the email notifications `POST /issue/{issueIdOrKey}/notify`
//! queued. The simulator sends no email; it keeps what a real site would have
//! mailed, for [`crate::Simulator::notifications`].

/// Oldest are dropped past this many, so an app notifying in a loop cannot grow
/// the simulator's memory without bound (as the request log).
pub(crate) const OUTBOX_CAPACITY: usize = 10_000;

/// One notification a `notify` call queued, as the site resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotification {
    /// The issue it is about: its id and key when it was sent.
    pub issue_id: String,
    pub issue_key: String,
    /// The account id of the user the call came from.
    pub sender: String,
    /// The subject: the one asked for, else Jira's default, `(KEY) summary`.
    pub subject: String,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    /// Account ids of who it went to, each once: the reporter, the assignee, the
    /// watchers, the voters and the users named, in that order, as the request
    /// asked for them, less the sender and anyone the request's `restrict`
    /// excludes. Empty when it reached no one.
    pub recipients: Vec<String>,
}
