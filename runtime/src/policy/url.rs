//! The one URL builder: every request that leaves the host gets its URL here.
//!
//! The URL is the configured [`Endpoint`] (a fixed origin, optionally with a
//! base path such as the gateway's `/ex/jira/{cloudId}`) followed by a
//! [`ValidatedPath`] used verbatim, then the guest's query pairs, each encoded
//! by the host. The origin is the endpoint's own, parsed and checked once when
//! configured; the path and query are set on a copy of it by one parser
//! (`url`), and the result is checked again: same origin as the endpoint, path
//! still under the endpoint's base, no userinfo, no fragment. A mismatch is a
//! bug or an attack, never a request.
//!
//! One documented rewrite exists, chosen by the site per credential kind
//! ([`Placement`]): Atlassian's OAuth 2.0 gateway wants the JSM Ops API's
//! cloud id in its base (`/ex/jira/{cloudId}/jsm/ops/api/v1/…`), where the
//! guest, like an API-token script, writes it in the path
//! (`/jsm/ops/api/{cloudId}/v1/…`). The builder moves that one segment, and
//! only when it is the very segment that ends the endpoint's base: the move
//! can never change the tenant.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::path::ValidatedPath;

/// Most query pairs a request may carry (resource exhaustion, header-size
/// smuggling into the request line).
pub const MAX_QUERY_PAIRS: usize = 64;
/// Longest encoded query string accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 8192;

/// Everything but RFC 3986 unreserved characters is encoded in query names
/// and values, so nothing a guest writes can end a pair, start a fragment or
/// be read back as a separator.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A configured base URL requests are sent to.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: Url,
}

/// Why a configured endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("`{0}` is not a URL: {1}")]
    Unparsable(String, String),
    #[error(
        "`{0}` must use https (http is accepted only for loopback addresses, such as the simulator)"
    )]
    Insecure(String),
    #[error("`{0}` must not contain a user name, password, query or fragment")]
    Extra(String),
}

impl Endpoint {
    /// Parses a configured base URL. `http` is accepted only for loopback hosts
    /// (the embedded simulator): a credential must never cross a network in clear.
    pub fn parse(text: &str) -> Result<Self, EndpointError> {
        let url = Url::parse(text)
            .map_err(|e| EndpointError::Unparsable(text.to_owned(), e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => return Err(EndpointError::Insecure(text.to_owned())),
        }
        if url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(EndpointError::Extra(text.to_owned()));
        }
        let mut base = url;
        let trimmed = base.path().trim_end_matches('/').to_owned();
        base.set_path(&trimmed);
        Ok(Self { base })
    }

    /// This endpoint with `suffix` (already safe, e.g. `/ex/jira/<cloud id>`)
    /// appended to its base path.
    pub fn join_base(&self, suffix: &str) -> Result<Self, EndpointError> {
        Self::parse(&format!("{}{}", self.as_str(), suffix))
    }

    /// The base URL as text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The base path (`""` for a bare origin).
    fn base_path(&self) -> &str {
        self.base.path().trim_end_matches('/')
    }

    /// The checked base URL, for a caller that adds its own query (the OAuth
    /// authorize URL) or posts to it as it is (the token endpoint).
    pub fn url(&self) -> &Url {
        &self.base
    }

    /// The origin (scheme, host, port) as text.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Why a URL could not be built. Shown to the guest: no origin in the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("more than {MAX_QUERY_PAIRS} query parameters")]
    TooManyQueryPairs,
    #[error("the query string is longer than {MAX_QUERY_BYTES} bytes once encoded")]
    QueryTooLong,
    #[error("a query parameter has an empty name")]
    EmptyQueryName,
    #[error("the built URL left the configured origin (refused)")]
    OriginMismatch,
    #[error("the path's cloud id is not the configured site's (refused)")]
    TenantMismatch,
}

/// Where the validated path goes under the endpoint's base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Verbatim, after the base path.
    AsWritten,
    /// Segment `index` of the path (in `raw().split('/')`, the leading
    /// empty segment counted) is the endpoint base's last segment (the cloud
    /// id in `/ex/jira/{cloudId}`) and is left out; the rest follows the base
    /// verbatim.
    SegmentIntoBase { index: usize },
}

/// Builds the outgoing URL, the path as written. See the module
/// documentation.
pub fn build_url(
    endpoint: &Endpoint,
    path: &ValidatedPath,
    query: &[(String, String)],
) -> Result<Url, UrlError> {
    build_url_placed(endpoint, path, Placement::AsWritten, query)
}

/// Builds the outgoing URL with the path placed as `placement` says.
pub fn build_url_placed(
    endpoint: &Endpoint,
    path: &ValidatedPath,
    placement: Placement,
    query: &[(String, String)],
) -> Result<Url, UrlError> {
    if query.len() > MAX_QUERY_PAIRS {
        return Err(UrlError::TooManyQueryPairs);
    }
    let mut encoded_query = String::new();
    for (name, value) in query {
        if name.is_empty() {
            return Err(UrlError::EmptyQueryName);
        }
        if !encoded_query.is_empty() {
            encoded_query.push('&');
        }
        encoded_query.extend(utf8_percent_encode(name, QUERY_ENCODE));
        encoded_query.push('=');
        encoded_query.extend(utf8_percent_encode(value, QUERY_ENCODE));
        if encoded_query.len() > MAX_QUERY_BYTES {
            return Err(UrlError::QueryTooLong);
        }
    }

    // Not a reparse of the whole text: scheme and host (IDNA included) were
    // parsed when the endpoint was configured, and only the path and query
    // are new. The setters cannot move the origin; `check_built` verifies it.
    let placed = placed_path(endpoint, path.raw(), placement)?;
    let mut full_path = String::with_capacity(endpoint.base_path().len() + placed.len());
    full_path.push_str(endpoint.base_path());
    full_path.push_str(&placed);
    let mut url = endpoint.base.clone();
    url.set_path(&full_path);
    url.set_query((!encoded_query.is_empty()).then_some(encoded_query.as_str()));
    check_built(endpoint, &placed, &url)?;
    Ok(url)
}

/// The path as it follows the base: `raw` itself, or `raw` without the
/// segment the base already ends with.
fn placed_path<'a>(
    endpoint: &Endpoint,
    raw: &'a str,
    placement: Placement,
) -> Result<std::borrow::Cow<'a, str>, UrlError> {
    let Placement::SegmentIntoBase { index } = placement else {
        return Ok(std::borrow::Cow::Borrowed(raw));
    };
    let base_last = endpoint.base_path().rsplit('/').next().unwrap_or_default();
    let mut segments: Vec<&str> = raw.split('/').collect();
    // Index 0 is the empty segment before the leading `/`: never a cloud id.
    if index == 0 || base_last.is_empty() || segments.get(index) != Some(&base_last) {
        return Err(UrlError::TenantMismatch);
    }
    segments.remove(index);
    Ok(std::borrow::Cow::Owned(segments.join("/")))
}

/// The second look: whatever the parser made of the text must still be the
/// configured origin, under the base path, with the placed path intact.
fn check_built(endpoint: &Endpoint, path: &str, url: &Url) -> Result<(), UrlError> {
    // Field by field rather than `Url::origin`, which allocates both sides.
    let same_origin = url.scheme() == endpoint.base.scheme()
        && url.host() == endpoint.base.host()
        && url.port_or_known_default() == endpoint.base.port_or_known_default();
    let expected_path_len = endpoint.base_path().len() + path.len();
    let path_intact = url.path().len() == expected_path_len
        && url.path().starts_with(endpoint.base_path())
        && url.path().ends_with(path);
    if same_origin
        && path_intact
        && url.username().is_empty()
        && url.password().is_none()
        && url.fragment().is_none()
    {
        Ok(())
    } else {
        Err(UrlError::OriginMismatch)
    }
}
