//! Credentials the host attaches to requests. They live only here, in the
//! host: never in the guest's environment, arguments, files, memory, responses,
//! errors or logs. Secrets are `secrecy` boxes: `Debug` prints a redaction,
//! there is no `Display`, and the memory is zeroed on drop.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::oauth::{RefreshError, TokenSource};

/// An `Authorization` value marked sensitive, so HTTP layers do not print
/// it; `None` when the text cannot be a header value.
pub(crate) fn sensitive_header(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Environment variables read for the user's credential, as Atlassian's own
/// tools name them.
pub const ENV_SITE: &str = "JIRA_SITE";
pub const ENV_EMAIL: &str = "JIRA_EMAIL";
pub const ENV_API_TOKEN: &str = "JIRA_API_TOKEN";

/// How a principal authenticates.
pub enum Credential {
    /// Atlassian account email + API token, sent as HTTP basic auth to the site.
    ApiToken { email: String, token: SecretString },
    /// An OAuth 2.0 access token, sent as a bearer token through the gateway.
    Bearer { access_token: SecretString },
    /// An OAuth 2.0 (3LO) login (`runtime login`): a bearer token through the
    /// gateway, refreshed ahead of expiry and once after a 401.
    OAuth(Arc<TokenSource>),
}

impl Credential {
    /// The `Authorization` header value, marked sensitive so HTTP layers do not
    /// print it. For an OAuth login this may first refresh the access token.
    pub(crate) async fn authorization(&self) -> Result<HeaderValue, CredentialError> {
        match self {
            Credential::OAuth(source) => source.bearer().await.map_err(CredentialError::Refresh),
            _ => self.static_authorization(),
        }
    }

    /// After Jira answered 401 to `rejected`: a renewed header for one retry,
    /// or `None` when this credential cannot be renewed (an API token or a
    /// fixed bearer token is what it is).
    pub(crate) async fn renew_after_rejection(
        &self,
        rejected: &HeaderValue,
    ) -> Option<Result<HeaderValue, CredentialError>> {
        match self {
            Credential::OAuth(source) => Some(
                source
                    .renew_after_rejection(rejected)
                    .await
                    .map_err(CredentialError::Refresh),
            ),
            _ => None,
        }
    }

    /// Whether [`Credential::renew_after_rejection`] can give a new header,
    /// so a request is worth keeping for one retry.
    pub(crate) fn is_renewable(&self) -> bool {
        matches!(self, Credential::OAuth(_))
    }

    fn static_authorization(&self) -> Result<HeaderValue, CredentialError> {
        let text = zeroize::Zeroizing::new(match self {
            Credential::OAuth(_) => return Err(CredentialError::Malformed),
            Credential::ApiToken { email, token } => {
                use base64::Engine as _;
                let pair = zeroize::Zeroizing::new(format!("{email}:{}", token.expose_secret()));
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
                )
            }
            Credential::Bearer { access_token } => {
                format!("Bearer {}", access_token.expose_secret())
            }
        });
        sensitive_header(&text).ok_or(CredentialError::Malformed)
    }

    /// Whether requests go through the OAuth gateway rather than to the site.
    pub fn is_bearer(&self) -> bool {
        matches!(self, Credential::Bearer { .. } | Credential::OAuth(_))
    }

    /// Whether this credential's secret is exactly `needle` (used by tests and
    /// the canary check, never printed).
    pub fn secret_equals(&self, needle: &str) -> bool {
        match self {
            Credential::ApiToken { token, .. } => token.expose_secret() == needle,
            Credential::Bearer { access_token } => access_token.expose_secret() == needle,
            Credential::OAuth(source) => source.holds_secret(needle),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ApiToken { email, .. } => f
                .debug_struct("ApiToken")
                .field("email", email)
                .field("token", &"[REDACTED]")
                .finish(),
            Credential::Bearer { .. } => f
                .debug_struct("Bearer")
                .field("access_token", &"[REDACTED]")
                .finish(),
            Credential::OAuth(source) => f.debug_tuple("OAuth").field(source).finish(),
        }
    }
}

/// The credentials of both principals. Either may be absent: a request for a
/// principal without one gets `needs-authentication`.
#[derive(Debug, Default)]
pub struct Credentials {
    pub user: Option<Credential>,
    pub app: Option<Credential>,
}

/// What a credentials source gives: the site and the principals' credentials.
#[derive(Debug, Default)]
pub struct SiteCredentials {
    pub site: Option<String>,
    pub credentials: Credentials,
}

/// Why credentials could not be loaded. Never quotes a secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read the credentials file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the credentials file {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("the credentials file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{ENV_EMAIL} and {ENV_API_TOKEN} must be set together")]
    PartialEnvironment,
    #[error("a credential contains characters that cannot be sent in an HTTP header")]
    Malformed,
    #[error(transparent)]
    Refresh(RefreshError),
}

/// The credentials file format (TOML):
///
/// ```toml
/// site = "https://your-domain.atlassian.net"
/// [user]
/// email = "you@example.com"
/// api_token = "..."
/// [app]            # optional: the app's own credential, for as_app()
/// email = "bot@example.com"
/// api_token = "..."
/// ```
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    site: Option<String>,
    user: Option<ApiTokenEntry>,
    app: Option<ApiTokenEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiTokenEntry {
    email: String,
    api_token: SecretString,
}

impl From<ApiTokenEntry> for Credential {
    fn from(entry: ApiTokenEntry) -> Self {
        Credential::ApiToken {
            email: entry.email,
            token: entry.api_token,
        }
    }
}

impl SiteCredentials {
    /// Reads a credentials file, refusing one that group or others can read:
    /// a token in a world-readable file is already leaked.
    pub fn from_file(path: &Path) -> Result<Self, CredentialError> {
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(|source| CredentialError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file: CredentialsFile = toml::from_str(&text).map_err(|e| CredentialError::Parse {
            path: path.to_owned(),
            // toml's message quotes the offending line; keep only its first
            // line so a malformed token line is not echoed in full.
            message: e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_owned(),
        })?;
        Ok(Self {
            site: file.site,
            credentials: Credentials {
                user: file.user.map(Credential::from),
                app: file.app.map(Credential::from),
            },
        })
    }

    /// Reads `JIRA_SITE`, `JIRA_EMAIL` and `JIRA_API_TOKEN` through `lookup`
    /// (the process environment in production). `None` when none is set.
    pub fn from_env(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, CredentialError> {
        let site = lookup(ENV_SITE).filter(|s| !s.is_empty());
        let email = lookup(ENV_EMAIL).filter(|s| !s.is_empty());
        let token = lookup(ENV_API_TOKEN).filter(|s| !s.is_empty());
        let user = match (email, token) {
            (Some(email), Some(token)) => Some(Credential::ApiToken {
                email,
                token: SecretString::from(token),
            }),
            (None, None) => None,
            _ => return Err(CredentialError::PartialEnvironment),
        };
        if site.is_none() && user.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            site,
            credentials: Credentials { user, app: None },
        }))
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CredentialError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| CredentialError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CredentialError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), CredentialError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ATATT-canary-0123456789";

    #[test]
    fn debug_never_prints_the_secret() {
        let c = Credential::ApiToken {
            email: "a@example.com".into(),
            token: SecretString::from(TOKEN),
        };
        let alone = format!("{c:?}");
        let text = format!(
            "{alone} {:?}",
            Credentials {
                user: Some(c),
                app: None
            }
        );
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("REDACTED"));
        let b = Credential::Bearer {
            access_token: SecretString::from(TOKEN),
        };
        assert!(!format!("{b:?}").contains(TOKEN));
    }

    #[test]
    fn authorization_header_is_sensitive_basic() {
        let c = Credential::ApiToken {
            email: "a@example.com".into(),
            token: SecretString::from("t"),
        };
        let h = c.static_authorization().unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Basic YUBleGFtcGxlLmNvbTp0");
    }

    #[test]
    fn environment_needs_email_and_token_together() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(SiteCredentials::from_env(env(&[])).unwrap().is_none());
        assert!(matches!(
            SiteCredentials::from_env(env(&[(ENV_EMAIL, "a@b.c")])),
            Err(CredentialError::PartialEnvironment)
        ));
        let full = SiteCredentials::from_env(env(&[
            (ENV_SITE, "https://x.atlassian.net"),
            (ENV_EMAIL, "a@b.c"),
            (ENV_API_TOKEN, TOKEN),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(full.site.as_deref(), Some("https://x.atlassian.net"));
        assert!(full.credentials.user.unwrap().secret_equals(TOKEN));
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_file_is_refused_and_private_file_loads() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        std::fs::write(
            &path,
            format!("site = \"https://x.atlassian.net\"\n[user]\nemail = \"a@b.c\"\napi_token = \"{TOKEN}\"\n"),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = SiteCredentials::from_file(&path).unwrap_err();
        assert!(matches!(err, CredentialError::TooOpen { .. }));
        assert!(!err.to_string().contains(TOKEN));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let loaded = SiteCredentials::from_file(&path).unwrap();
        assert!(loaded.credentials.user.unwrap().secret_equals(TOKEN));
        assert!(loaded.credentials.app.is_none());
    }

    #[cfg(unix)]
    #[test]
    fn parse_errors_do_not_echo_the_token() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.toml");
        std::fs::write(
            &path,
            format!("[user]\nemail = \"a@b.c\"\napi_token = \"{TOKEN}\"\nextra = 1\n"),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = SiteCredentials::from_file(&path).unwrap_err();
        assert!(!err.to_string().contains(TOKEN), "{err}");
    }
}
