//! Whose authority a Jira request carries.

use std::fmt;

/// Whose credential the host attaches to a request, as Forge's `asUser()` /
/// `asApp()`. The app only names the principal; it never holds the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// The user who invoked the app.
    User,
    /// The app itself, with its own separately configured credential.
    App,
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Principal::User => "user",
            Principal::App => "app",
        })
    }
}
