//! The HTTP client that talks to the authorization server.

use std::time::Duration;

/// Time to connect to the authorization server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for one token exchange; a stalled server must not hang a login or an
/// invocation waiting for a refresh.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Like the Jira client: no redirects (a redirect would carry the client
/// secret or a refresh token to another origin) and no system proxy (an
/// environment variable must not reroute them).
pub(crate) fn oauth_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("kiln-runtime/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A transport failure described without its URL (nor headers): the one
/// wording for reqwest errors, shared with the Jira transport.
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
