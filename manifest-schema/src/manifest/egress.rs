//! `permissions.external.fetch.backend`: the third-party hosts an app may
//! call through `wasi:http` (Forge's runtime egress permissions,
//! <https://developer.atlassian.com/platform/forge/runtime-egress-permissions/>
//! and <https://developer.atlassian.com/platform/forge/manifest-reference/permissions/>).
//!
//! # Grammar
//!
//! ```text
//! entry    = [ scheme "://" ] host-pattern [ ":" port ] [ path ]
//!          | { address: entry, category?, inScopeEUD? }   (Forge CLI 13.3+'s form)
//! scheme   = "https" | "http"                  (case-insensitive)
//! host-pattern = "*." name | name
//! name     = label *( "." label ) [ "." ]      (at most 253 characters)
//! label    = 1-63 of a-z 0-9 "-", not starting or ending with "-"
//! port     = 1-65535, decimal, no leading zero
//! ```
//!
//! As in Forge, an entry names a host; `*.example.com` covers every
//! subdomain of `example.com` at any depth but **not** `example.com`
//! itself; an entry without a scheme means `https`. Kiln is stricter than
//! Forge where Forge's looseness widens an app's reach without the reader of
//! the manifest noticing:
//!
//! | refused | why |
//! |---|---|
//! | `*` alone, `*.com` (a wildcard over one label) | reaches every host, or a whole top-level domain |
//! | IP literals (`127.0.0.1`, `[::1]`, `0x7f.1`) | addresses are the operator's business ([`crate`] docs: operator overrides) |
//! | userinfo, query, fragment, `*` inside a label | not a host; only confuse the matcher |
//! | non-ASCII names | write the IDNA (`xn--`) form, so what is declared is what is resolved |
//!
//! A path (`https://api.x.com/v1`) is accepted and dropped, as Forge
//! ignores it: the entry grants the whole host, and it is shown that way
//! wherever Kiln shows a grant (`runtime inspect`, the approval prompt), so
//! what is approved is what is reachable. The object form's `category` and
//! `inScopeEUD` (Forge's data-residency labels) grant nothing and are not
//! kept.
//!
//! Entries naming the same grant (`api.x.com`, `https://API.x.com/v2`)
//! are one entry: Forge's schema does not ask for unique entries, and an app
//! listing a host once per API path it calls is common.
//!
//! Names are compared lowercased, without a final dot. Without a port an
//! entry allows only the scheme's default port (443, or 80 for `http`).
//! An `http://` entry is only honoured when the operator allows plain HTTP
//! for the host: the manifest asks, the operator decides.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most backend entries one manifest may declare. Threat: a manifest that
/// turns every outgoing request into a scan of thousands of patterns, and a
/// consent prompt nobody can read.
pub const MAX_BACKENDS: usize = 100;

/// Longest entry accepted, in bytes (a 253-character name, a scheme and a port).
const MAX_ENTRY_LEN: usize = 300;

/// Longest DNS name (RFC 1035, without the final dot).
const MAX_NAME_LEN: usize = 253;

/// Longest DNS label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// `permissions.external`. Only `fetch.backend` grants anything. Forge's
/// permissions for a UI in the browser (`images`, `media`, `scripts`,
/// `styles`, `frames`, `fonts`, `fetch.client`) are kept as written so a
/// Forge manifest loads, and grant nothing: Kiln serves no UI
/// ([`super::not_acted_on`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct External {
    #[serde(default, skip_serializing_if = "Fetch::is_empty")]
    pub fetch: Fetch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scripts: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub styles: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fonts: Option<serde_json::Value>,
    /// Forge's `navigation` (where a UI may send the browser): kept, grants
    /// nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navigation: Option<serde_json::Value>,
    /// Forge's `configurable` (egress an administrator of the site may add,
    /// EAP): kept, grants nothing; Kiln's egress is the manifest's
    /// `fetch.backend`, approved with the installation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configurable: Option<serde_json::Value>,
}

impl External {
    /// Whether nothing is declared (the section is then left out when the
    /// manifest is printed).
    pub fn is_empty(&self) -> bool {
        self.fetch.is_empty()
            && [
                &self.images,
                &self.media,
                &self.scripts,
                &self.styles,
                &self.frames,
                &self.fonts,
                &self.navigation,
                &self.configurable,
            ]
            .iter()
            .all(|field| field.is_none())
    }
}

/// `permissions.external.fetch`: `backend` is what the app's code may
/// reach. Forge's `client` (hosts a UI may fetch from in the browser) is
/// kept and grants the backend nothing; so is a backend entry naming a Forge
/// Remote (`{ remote: key }`), since Kiln calls no remote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FetchAsWritten", into = "FetchAsWritten")]
pub struct Fetch {
    /// The hosts, in manifest order.
    pub backend: Vec<Backend>,
    /// The keys of `{ remote: key }` entries, in manifest order: they grant
    /// nothing.
    pub backend_remotes: Vec<String>,
    pub client: Option<serde_json::Value>,
}

impl Fetch {
    fn is_empty(&self) -> bool {
        self.backend.is_empty() && self.backend_remotes.is_empty() && self.client.is_none()
    }
}

/// `fetch` as a manifest writes it.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FetchAsWritten {
    #[serde(default)]
    backend: Vec<BackendEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client: Option<serde_json::Value>,
}

/// One `backend` entry: a host (a string or `{ address, … }`), or Forge's
/// reference to a remote.
#[derive(Serialize)]
#[serde(untagged)]
enum BackendEntry {
    Host(Backend),
    Remote { remote: String },
}

impl<'de> Deserialize<'de> for BackendEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        if let Some(entry) = value
            .as_object()
            .filter(|entry| entry.contains_key("remote"))
        {
            return match (entry.len(), entry.get("remote")) {
                (1, Some(serde_json::Value::String(remote))) => Ok(BackendEntry::Remote {
                    remote: remote.clone(),
                }),
                _ => Err(D::Error::custom(
                    "a backend entry naming a remote is `{ remote: key }`, and nothing else",
                )),
            };
        }
        Backend::deserialize(value)
            .map(BackendEntry::Host)
            .map_err(D::Error::custom)
    }
}

impl From<FetchAsWritten> for Fetch {
    fn from(written: FetchAsWritten) -> Self {
        let mut fetch = Fetch {
            client: written.client,
            ..Fetch::default()
        };
        // Forge's schema allows an entry twice, and two entries naming one
        // host (`https://api.x.com` and `https://api.x.com/graphql`, a path
        // being dropped) are common: one grant, kept where it first appears.
        // Found with a set, not by searching the list: the list's bound
        // (`MAX_BACKENDS`) is checked after merging, and a manifest's size
        // alone admits tens of thousands of entries.
        let mut seen = HashSet::new();
        for entry in written.backend {
            match entry {
                BackendEntry::Host(backend) => {
                    if seen.insert(backend.clone()) {
                        fetch.backend.push(backend);
                    }
                }
                BackendEntry::Remote { remote } => fetch.backend_remotes.push(remote),
            }
        }
        fetch
    }
}

impl From<Fetch> for FetchAsWritten {
    fn from(fetch: Fetch) -> Self {
        let hosts = fetch.backend.into_iter().map(BackendEntry::Host);
        let remotes = fetch
            .backend_remotes
            .into_iter()
            .map(|remote| BackendEntry::Remote { remote });
        FetchAsWritten {
            backend: hosts.chain(remotes).collect(),
            client: fetch.client,
        }
    }
}

/// The scheme an entry allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EgressScheme {
    Https,
    /// Only honoured when the operator allows plain HTTP for the host.
    Http,
}

impl EgressScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            EgressScheme::Https => "https",
            EgressScheme::Http => "http",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            EgressScheme::Https => 443,
            EgressScheme::Http => 80,
        }
    }
}

/// Which names an entry covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostPattern {
    /// Exactly this name (lowercase, no final dot).
    Exact(String),
    /// Any name ending in `.` + this suffix, at any depth; not the suffix
    /// itself.
    Subdomains(String),
}

impl HostPattern {
    /// Whether `host` (already normalised by [`normalize_host`]) is covered.
    pub fn covers(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(name) => host == name,
            HostPattern::Subdomains(suffix) => host
                .strip_suffix(suffix.as_str())
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|head| !head.is_empty()),
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(name) => f.write_str(name),
            HostPattern::Subdomains(suffix) => write!(f, "*.{suffix}"),
        }
    }
}

/// One validated `backend` entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Backend {
    pub scheme: EgressScheme,
    pub host: HostPattern,
    /// `None`: the scheme's default port only.
    pub port: Option<u16>,
}

impl Backend {
    /// The port this entry allows.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// Whether a request to `scheme://host:port` (host normalised by
    /// [`normalize_host`]) is covered by this entry.
    pub fn allows(&self, scheme: EgressScheme, host: &str, port: u16) -> bool {
        self.scheme == scheme && self.effective_port() == port && self.host.covers(host)
    }
}

impl fmt::Display for Backend {
    /// The canonical spelling, which parses back to the same entry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("the entry is empty")]
    Empty,
    #[error("the entry is longer than {MAX_ENTRY_LEN} bytes")]
    TooLong,
    #[error("scheme {0:?} is not allowed: use https:// (or http:// with an operator override)")]
    Scheme(String),
    #[error(
        "a bare `*` would allow every host on the internet; name the hosts (or `*.example.com`)"
    )]
    Everything,
    #[error("a wildcard must cover a domain of at least two labels (`*.example.com`, not `*.com`)")]
    WildcardTooWide,
    #[error("`*` is only allowed as the whole first label (`*.example.com`)")]
    WildcardPlacement,
    #[error("a query or fragment is not part of a host; remove {0:?}")]
    QueryOrFragment(String),
    #[error("user information (`user@`) is not allowed in an entry")]
    UserInfo,
    #[error(
        "IP addresses are not allowed: declare a host name (loopback or private addresses are an operator override)"
    )]
    IpLiteral,
    #[error("invalid port {0:?}: use 1-65535")]
    Port(String),
    #[error("invalid host name {name:?}: {reason}")]
    Name { name: String, reason: &'static str },
}

impl FromStr for Backend {
    type Err = BackendError;

    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        if entry.is_empty() {
            return Err(BackendError::Empty);
        }
        if entry.len() > MAX_ENTRY_LEN {
            return Err(BackendError::TooLong);
        }
        let (scheme, rest) = match entry.split_once("://") {
            Some((scheme, rest)) => {
                let scheme = match scheme.to_ascii_lowercase().as_str() {
                    "https" => EgressScheme::Https,
                    "http" => EgressScheme::Http,
                    _ => return Err(BackendError::Scheme(scheme.to_owned())),
                };
                (scheme, rest)
            }
            None => (EgressScheme::Https, entry),
        };
        if let Some(at) = rest.find(['?', '#']) {
            return Err(BackendError::QueryOrFragment(rest[at..].to_owned()));
        }
        // A path grants nothing more or less than its host (module docs).
        let rest = rest.split_once('/').map_or(rest, |(host, _path)| host);
        if rest.contains('@') {
            return Err(BackendError::UserInfo);
        }
        if rest.starts_with('[') {
            return Err(BackendError::IpLiteral);
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(parse_port(port)?)),
            None => (rest, None),
        };
        if host == "*" {
            return Err(BackendError::Everything);
        }
        let host = match host.strip_prefix("*.") {
            Some(suffix) => {
                let suffix = normalize_name(suffix)?;
                if !suffix.contains('.') {
                    return Err(BackendError::WildcardTooWide);
                }
                HostPattern::Subdomains(suffix)
            }
            None => HostPattern::Exact(normalize_name(host)?),
        };
        Ok(Backend { scheme, host, port })
    }
}

fn parse_port(port: &str) -> Result<u16, BackendError> {
    let invalid = || BackendError::Port(port.to_owned());
    if port.is_empty() || port.starts_with('0') || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    port.parse::<u16>().map_err(|_| invalid())
}

/// A manifest name: checked against the grammar, lowercased, final dot
/// removed. IP literals, in any of the spellings resolvers accept
/// (`127.1`, `0x7f000001`, `2130706433`, `017700000001`), are refused: a
/// name whose last label is all digits or hex is not a DNS host name.
fn normalize_name(name: &str) -> Result<String, BackendError> {
    let bad = |reason| BackendError::Name {
        name: name.to_owned(),
        reason,
    };
    if name.contains('*') {
        return Err(BackendError::WildcardPlacement);
    }
    if name.parse::<std::net::IpAddr>().is_ok() {
        return Err(BackendError::IpLiteral);
    }
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(bad("empty"));
    }
    if trimmed.len() > MAX_NAME_LEN {
        return Err(bad("longer than 253 characters"));
    }
    if !trimmed.is_ascii() {
        return Err(bad("write non-ASCII names in their IDNA (xn--) form"));
    }
    let lower = trimmed.to_ascii_lowercase();
    for label in lower.split('.') {
        if label.is_empty() {
            return Err(bad("empty label"));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(bad("a label is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(bad("use a-z, 0-9 and - in labels"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label may not start or end with -"));
        }
    }
    if looks_numeric(lower.rsplit('.').next().unwrap_or_default()) {
        return Err(BackendError::IpLiteral);
    }
    Ok(lower)
}

/// Whether a final label reads as a number to an IPv4 parser (`1`, `0x7f`,
/// `017`): such a name is an address in disguise (WHATWG URL's "ends in a
/// number" rule).
fn looks_numeric(label: &str) -> bool {
    let hex = label
        .strip_prefix("0x")
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || label.bytes().all(|b| b.is_ascii_digit())
}

/// A request's host as the allowlist compares it: lowercased, without one
/// final dot. `None` when it is empty or not ASCII (never allowed).
pub fn normalize_host(host: &str) -> Option<String> {
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    (!trimmed.is_empty() && trimmed.is_ascii()).then(|| trimmed.to_ascii_lowercase())
}

impl Serialize for Backend {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Backend {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let text = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => text,
            // Forge CLI 13.3+'s `{ address, category, inScopeEUD }`.
            serde_json::Value::Object(mut entry) => {
                if let Some(other) = entry
                    .keys()
                    .find(|key| !["address", "category", "inScopeEUD"].contains(&key.as_str()))
                {
                    return Err(D::Error::custom(format!(
                        "unknown field `{other}` in a backend entry, expected `address`, `category` or `inScopeEUD`"
                    )));
                }
                match entry.remove("address") {
                    Some(serde_json::Value::String(text)) => text,
                    _ => {
                        return Err(D::Error::custom(
                            "a backend entry written as an object needs `address`, a host",
                        ));
                    }
                }
            }
            _ => {
                return Err(D::Error::custom(
                    "a backend entry is a host (`api.example.com`) or `{ address: host }`",
                ));
            }
        };
        text.parse().map_err(|error: BackendError| {
            D::Error::custom(format!("invalid backend {text:?}: {error}"))
        })
    }
}

/// The app's declared backends, as the host checks requests against them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressAllowlist {
    entries: Vec<Backend>,
}

impl EgressAllowlist {
    pub fn new(entries: impl IntoIterator<Item = Backend>) -> Self {
        let mut entries: Vec<Backend> = entries.into_iter().collect();
        entries.sort();
        entries.dedup();
        Self { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[Backend] {
        &self.entries
    }

    /// The entry that allows `scheme://host:port`, if any. `host` is the
    /// request's authority host; it is normalised here, and IP literals are
    /// never allowed (no entry can name one).
    pub fn allows(&self, scheme: EgressScheme, host: &str, port: u16) -> Option<&Backend> {
        let host = normalize_host(host)?;
        self.entries
            .iter()
            .find(|entry| entry.allows(scheme, &host, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(entry: &str) -> Result<Backend, BackendError> {
        entry.parse()
    }

    #[test]
    fn forge_spellings_parse_to_canonical_entries() {
        let cases = [
            ("api.example.com", "https://api.example.com"),
            ("https://api.example.com", "https://api.example.com"),
            ("https://api.example.com/", "https://api.example.com"),
            ("HTTPS://API.Example.COM.", "https://api.example.com"),
            ("*.ingest.sentry.io", "https://*.ingest.sentry.io"),
            (
                "http://legacy.example.com:8080",
                "http://legacy.example.com:8080",
            ),
            ("api.example.com:8443", "https://api.example.com:8443"),
            ("xn--bcher-kva.example", "https://xn--bcher-kva.example"),
            // A path is dropped: the grant is the host (module docs).
            ("https://api.monday.com/v2", "https://api.monday.com"),
            ("api.example.com:8443/a/b/", "https://api.example.com:8443"),
        ];
        for (entry, canonical) in cases {
            let parsed = parse(entry).unwrap_or_else(|e| panic!("{entry}: {e}"));
            assert_eq!(parsed.to_string(), canonical, "{entry}");
            assert_eq!(parse(canonical), Ok(parsed), "{canonical} round-trips");
        }
    }

    /// Forge CLI 13.3+ writes entries as objects; the address is the entry,
    /// the data-residency labels grant nothing.
    #[test]
    fn the_object_form_is_its_address() {
        let parse_json = |json: serde_json::Value| serde_json::from_value::<Backend>(json);
        let object = parse_json(serde_json::json!({
            "address": "https://cvefeed.io", "category": "analytics", "inScopeEUD": false
        }))
        .unwrap();
        assert_eq!(object, parse("cvefeed.io").unwrap());
        for bad in [
            serde_json::json!({ "category": "analytics" }),
            serde_json::json!({ "address": 7 }),
            serde_json::json!({ "address": "x.example.com", "adress": "y.example.com" }),
            serde_json::json!({ "address": "*" }),
            serde_json::json!(7),
        ] {
            assert!(parse_json(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn entries_that_widen_or_mislead_are_refused() {
        type Expected = fn(&BackendError) -> bool;
        let cases: &[(&str, Expected)] = &[
            ("", |e| matches!(e, BackendError::Empty)),
            ("*", |e| matches!(e, BackendError::Everything)),
            ("https://*", |e| matches!(e, BackendError::Everything)),
            ("*.com", |e| matches!(e, BackendError::WildcardTooWide)),
            ("api.*.example.com", |e| {
                matches!(e, BackendError::WildcardPlacement)
            }),
            ("*example.com", |e| {
                matches!(e, BackendError::WildcardPlacement)
            }),
            ("**.example.com", |e| {
                matches!(e, BackendError::WildcardPlacement)
            }),
            ("ftp://example.com", |e| {
                matches!(e, BackendError::Scheme(_))
            }),
            ("api.example.com?x=1", |e| {
                matches!(e, BackendError::QueryOrFragment(_))
            }),
            ("https://api.example.com/v1#top", |e| {
                matches!(e, BackendError::QueryOrFragment(_))
            }),
            ("user@api.example.com", |e| {
                matches!(e, BackendError::UserInfo)
            }),
            ("127.0.0.1", |e| matches!(e, BackendError::IpLiteral)),
            ("127.1", |e| matches!(e, BackendError::IpLiteral)),
            ("0x7f000001", |e| matches!(e, BackendError::IpLiteral)),
            ("2130706433", |e| matches!(e, BackendError::IpLiteral)),
            ("[::1]", |e| matches!(e, BackendError::IpLiteral)),
            ("https://[::ffff:127.0.0.1]:443", |e| {
                matches!(e, BackendError::IpLiteral)
            }),
            ("api.example.com:0", |e| matches!(e, BackendError::Port(_))),
            ("api.example.com:65536", |e| {
                matches!(e, BackendError::Port(_))
            }),
            ("api.example.com:080", |e| {
                matches!(e, BackendError::Port(_))
            }),
            ("api.example.com:", |e| matches!(e, BackendError::Port(_))),
            ("api..example.com", |e| {
                matches!(e, BackendError::Name { .. })
            }),
            ("-api.example.com", |e| {
                matches!(e, BackendError::Name { .. })
            }),
            ("api_x.example.com", |e| {
                matches!(e, BackendError::Name { .. })
            }),
            ("bücher.example", |e| {
                matches!(e, BackendError::Name { .. })
            }),
            ("api example.com", |e| {
                matches!(e, BackendError::Name { .. })
            }),
        ];
        for (entry, expected) in cases {
            match parse(entry) {
                Err(error) => assert!(expected(&error), "{entry:?}: unexpected {error:?}"),
                Ok(parsed) => panic!("{entry:?} should be refused, parsed as {parsed}"),
            }
        }
        let long = format!("{}.example.com", "a".repeat(64));
        assert!(matches!(parse(&long), Err(BackendError::Name { .. })));
        assert_eq!(parse(&"a".repeat(301)), Err(BackendError::TooLong));
    }

    #[test]
    fn wildcards_cover_subdomains_only() {
        let list = EgressAllowlist::new([parse("*.example.com").unwrap()]);
        let https = EgressScheme::Https;
        assert!(list.allows(https, "api.example.com", 443).is_some());
        assert!(list.allows(https, "a.b.example.com", 443).is_some());
        assert!(list.allows(https, "API.EXAMPLE.COM.", 443).is_some());
        assert!(list.allows(https, "example.com", 443).is_none());
        assert!(list.allows(https, "evil-example.com", 443).is_none());
        assert!(list.allows(https, "example.com.evil.net", 443).is_none());
        assert!(list.allows(https, ".example.com", 443).is_none());
        assert!(list.allows(https, "api.example.com", 8443).is_none());
        assert!(
            list.allows(EgressScheme::Http, "api.example.com", 80)
                .is_none()
        );
    }

    #[test]
    fn exact_entries_match_scheme_host_and_port() {
        let list = EgressAllowlist::new([
            parse("api.example.com").unwrap(),
            parse("http://plain.example.com:8080").unwrap(),
        ]);
        assert!(
            list.allows(EgressScheme::Https, "api.example.com", 443)
                .is_some()
        );
        assert!(
            list.allows(EgressScheme::Https, "x.api.example.com", 443)
                .is_none()
        );
        assert!(
            list.allows(EgressScheme::Http, "api.example.com", 80)
                .is_none()
        );
        assert!(
            list.allows(EgressScheme::Http, "plain.example.com", 8080)
                .is_some()
        );
        assert!(
            list.allows(EgressScheme::Https, "plain.example.com", 8080)
                .is_none()
        );
        assert!(list.allows(EgressScheme::Https, "", 443).is_none());
    }
}
