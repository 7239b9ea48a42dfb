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

use crate::oauth::{
    ATLASSIAN_TOKEN_URL, ClientCredentials, ClientCredentialsConfig, ClientCredentialsError,
    RefreshError, TokenSource,
};

/// An `Authorization` value marked sensitive, so HTTP layers do not print
/// it; `None` when the text cannot be a header value.
pub(crate) fn sensitive_header(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Environment variables read for the user's credential, as Atlassian's own
/// tools name them.
/// Largest credentials file read: a few tokens are a few hundred bytes, and a
/// huge file is not one.
const MAX_CREDENTIALS_FILE: u64 = 64 * 1024;

pub const ENV_SITE: &str = "JIRA_SITE";
pub const ENV_EMAIL: &str = "JIRA_EMAIL";
pub const ENV_API_TOKEN: &str = "JIRA_API_TOKEN";

/// Environment variables read for the app's OAuth 2.0 client credential (its
/// service account), used by `as_app()`.
pub const ENV_APP_CLIENT_ID: &str = "KILN_APP_CLIENT_ID";
pub const ENV_APP_CLIENT_SECRET: &str = "KILN_APP_CLIENT_SECRET";
/// The token endpoint for the app's credential; Atlassian's by default.
pub const ENV_APP_TOKEN_URL: &str = "KILN_APP_TOKEN_URL";

/// How a principal authenticates.
pub enum Credential {
    /// Atlassian account email + API token, sent as HTTP basic auth to the site.
    ApiToken { email: String, token: SecretString },
    /// An OAuth 2.0 access token, sent as a bearer token through the gateway.
    Bearer { access_token: SecretString },
    /// An OAuth 2.0 (3LO) login (`runtime login`): a bearer token through the
    /// gateway, refreshed ahead of expiry and once after a 401.
    OAuth(Arc<TokenSource>),
    /// The app's OAuth 2.0 client credential (a service account): a bearer
    /// token from the client-credentials grant, fetched anew before expiry
    /// and once after a 401.
    AppClient(Arc<ClientCredentials>),
}

impl Credential {
    /// The `Authorization` header value, marked sensitive so HTTP layers do not
    /// print it. For an OAuth login this may first refresh the access token.
    pub(crate) async fn authorization(&self) -> Result<HeaderValue, CredentialError> {
        match self {
            Credential::OAuth(source) => source.bearer().await.map_err(CredentialError::Refresh),
            Credential::AppClient(source) => {
                source.bearer().await.map_err(CredentialError::AppClient)
            }
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
            Credential::AppClient(source) => Some(
                source
                    .renew_after_rejection(rejected)
                    .await
                    .map_err(CredentialError::AppClient),
            ),
            _ => None,
        }
    }

    /// Whether [`Credential::renew_after_rejection`] can give a new header,
    /// so a request is worth keeping for one retry.
    pub(crate) fn is_renewable(&self) -> bool {
        matches!(self, Credential::OAuth(_) | Credential::AppClient(_))
    }

    /// The `Authorization` value of a credential that never changes (API
    /// token, fixed bearer token), for the client to compute once; `None`
    /// for a renewable one or one that cannot be a header (whose error
    /// [`Credential::authorization`] then reports on every call).
    pub(crate) fn fixed_authorization(&self) -> Option<HeaderValue> {
        match self {
            Credential::OAuth(_) | Credential::AppClient(_) => None,
            Credential::ApiToken { .. } | Credential::Bearer { .. } => {
                self.static_authorization().ok()
            }
        }
    }

    fn static_authorization(&self) -> Result<HeaderValue, CredentialError> {
        let text = zeroize::Zeroizing::new(match self {
            Credential::OAuth(_) | Credential::AppClient(_) => {
                return Err(CredentialError::Malformed);
            }
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
        matches!(
            self,
            Credential::Bearer { .. } | Credential::OAuth(_) | Credential::AppClient(_)
        )
    }

    /// What this credential is, for telling the operator which one is in use:
    /// the kind and its public identifier (email, client id, token file),
    /// never a secret.
    pub fn describe(&self) -> String {
        match self {
            Credential::ApiToken { email, .. } => format!("API token of {email}"),
            Credential::Bearer { .. } => "OAuth access token".to_owned(),
            Credential::OAuth(source) => format!(
                "OAuth 2.0 (3LO) login in {}",
                source.store().path().display()
            ),
            Credential::AppClient(source) => format!(
                "OAuth 2.0 client credentials (client id {})",
                source.client_id()
            ),
        }
    }

    /// Every secret this credential holds right now, for the response
    /// redactor (`jira::redact`): the API token and the `email:token` pair
    /// it is sent as, or the access token, or for a renewable credential its
    /// current access token, refresh token and client secret.
    pub(crate) fn redaction_secrets(&self) -> Vec<zeroize::Zeroizing<String>> {
        use zeroize::Zeroizing;
        match self {
            Credential::ApiToken { email, token } => {
                use base64::Engine as _;
                let pair = Zeroizing::new(format!("{email}:{}", token.expose_secret()));
                // The header's own value too, so its base64 (a base64 of
                // base64) is searched for like the token's.
                let basic = Zeroizing::new(
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
                );
                vec![
                    Zeroizing::new(token.expose_secret().to_owned()),
                    pair,
                    basic,
                ]
            }
            Credential::Bearer { access_token } => {
                vec![Zeroizing::new(access_token.expose_secret().to_owned())]
            }
            Credential::OAuth(source) => source.redaction_secrets(),
            Credential::AppClient(source) => source.redaction_secrets(),
        }
    }

    /// Whether this credential's secret is exactly `needle` (used by tests and
    /// the canary check, never printed).
    pub fn secret_equals(&self, needle: &str) -> bool {
        match self {
            Credential::ApiToken { token, .. } => token.expose_secret() == needle,
            Credential::Bearer { access_token } => access_token.expose_secret() == needle,
            Credential::OAuth(source) => source.holds_secret(needle),
            Credential::AppClient(source) => source.holds_secret(needle),
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
            Credential::AppClient(source) => f.debug_tuple("AppClient").field(source).finish(),
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
    #[error("the credentials file {path} cannot be used: {source}")]
    NotPrivate {
        path: PathBuf,
        source: crate::private_file::PrivateFileError,
    },
    #[error("the credentials file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{ENV_EMAIL} and {ENV_API_TOKEN} must be set together")]
    PartialEnvironment,
    #[error("a credential contains characters that cannot be sent in an HTTP header")]
    Malformed,
    #[error(
        "{ENV_APP_CLIENT_ID} and {ENV_APP_CLIENT_SECRET} must be set together ({ENV_APP_TOKEN_URL} only with them)"
    )]
    PartialAppEnvironment,
    #[error("the credentials file {path} has an invalid [app] section: {reason}")]
    AppEntry { path: PathBuf, reason: &'static str },
    #[error(transparent)]
    Refresh(RefreshError),
    #[error(transparent)]
    AppClient(ClientCredentialsError),
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
///
/// `[app]` may instead hold the app's OAuth 2.0 client credential, as an
/// Atlassian service account has; the host exchanges it for a short-lived
/// bearer token (`grant_type=client_credentials`), sends that through the API
/// gateway, and fetches a new one before it expires:
///
/// ```toml
/// [app]
/// client_id = "..."
/// client_secret = "..."
/// token_url = "https://auth.atlassian.com/oauth/token"   # optional; the default
/// ```
///
/// Without an `[app]` section, `KILN_APP_CLIENT_ID`, `KILN_APP_CLIENT_SECRET`
/// (and optionally `KILN_APP_TOKEN_URL`) give the same.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    site: Option<String>,
    user: Option<ApiTokenEntry>,
    app: Option<AppEntry>,
}

/// `[app]`: an API token or a client credential, never a mix. One struct
/// rather than an untagged enum, so a mistake gets a message naming it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppEntry {
    email: Option<String>,
    api_token: Option<SecretString>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    token_url: Option<String>,
}

impl AppEntry {
    fn into_credential(self, path: &Path) -> Result<Credential, CredentialError> {
        let invalid = |reason| CredentialError::AppEntry {
            path: path.to_owned(),
            reason,
        };
        match self {
            AppEntry {
                email: Some(email),
                api_token: Some(token),
                client_id: None,
                client_secret: None,
                token_url: None,
            } => Ok(Credential::ApiToken { email, token }),
            AppEntry {
                email: None,
                api_token: None,
                client_id: Some(client_id),
                client_secret: Some(client_secret),
                token_url,
            } => app_client(client_id, client_secret, token_url),
            AppEntry {
                email: Some(_),
                client_id: Some(_),
                ..
            }
            | AppEntry {
                api_token: Some(_),
                client_secret: Some(_),
                ..
            } => Err(invalid(
                "give either email and api_token or client_id and client_secret, not both",
            )),
            AppEntry {
                email: Some(_) | None,
                api_token: Some(_) | None,
                client_id: None,
                client_secret: None,
                token_url: None,
            } => Err(invalid("email and api_token must be given together")),
            _ => Err(invalid(
                "client_id and client_secret must be given together (token_url only with them)",
            )),
        }
    }
}

/// The app's client credential, on Atlassian's token endpoint unless told.
fn app_client(
    client_id: String,
    client_secret: SecretString,
    token_url: Option<String>,
) -> Result<Credential, CredentialError> {
    let source = ClientCredentials::new(ClientCredentialsConfig {
        client_id,
        client_secret,
        token_url: token_url.unwrap_or_else(|| ATLASSIAN_TOKEN_URL.to_owned()),
    })
    .map_err(CredentialError::AppClient)?;
    Ok(Credential::AppClient(Arc::new(source)))
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
        use crate::private_file::{PrivateFileError, read_private};
        let bytes =
            zeroize::Zeroizing::new(read_private(path, MAX_CREDENTIALS_FILE).map_err(|error| {
                match error {
                    PrivateFileError::TooOpen { mode } => CredentialError::TooOpen {
                        path: path.to_owned(),
                        mode,
                    },
                    PrivateFileError::Io(source) => CredentialError::Read {
                        path: path.to_owned(),
                        source,
                    },
                    source => CredentialError::NotPrivate {
                        path: path.to_owned(),
                        source,
                    },
                }
            })?);
        let text = std::str::from_utf8(&bytes).map_err(|_| CredentialError::Parse {
            path: path.to_owned(),
            message: "it is not UTF-8 text".to_owned(),
        })?;
        let file: CredentialsFile = toml::from_str(text).map_err(|e| CredentialError::Parse {
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
        let app = file
            .app
            .map(|entry| entry.into_credential(path))
            .transpose()?;
        Ok(Self {
            site: file.site,
            credentials: Credentials {
                user: file.user.map(Credential::from),
                app,
            },
        })
    }

    /// Reads `JIRA_SITE`, `JIRA_EMAIL` and `JIRA_API_TOKEN`, and the app's
    /// `KILN_APP_CLIENT_*`, through `lookup` (the process environment in
    /// production). `None` when none is set.
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
        let app = app_from_env(&lookup)?;
        if site.is_none() && user.is_none() && app.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            site,
            credentials: Credentials { user, app },
        }))
    }
}

/// The app's client credential from `KILN_APP_CLIENT_ID`,
/// `KILN_APP_CLIENT_SECRET` and `KILN_APP_TOKEN_URL`; `None` when none is set.
pub fn app_from_env(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<Credential>, CredentialError> {
    let id = lookup(ENV_APP_CLIENT_ID).filter(|s| !s.is_empty());
    let secret = lookup(ENV_APP_CLIENT_SECRET).filter(|s| !s.is_empty());
    let token_url = lookup(ENV_APP_TOKEN_URL).filter(|s| !s.is_empty());
    match (id, secret, token_url) {
        (None, None, None) => Ok(None),
        (Some(id), Some(secret), token_url) => {
            app_client(id, SecretString::from(secret), token_url).map(Some)
        }
        _ => Err(CredentialError::PartialAppEnvironment),
    }
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
    fn fixed_authorization_is_the_static_header_only_for_unchanging_credentials() {
        let token = Credential::ApiToken {
            email: "a@example.com".into(),
            token: SecretString::from("t"),
        };
        let fixed = token.fixed_authorization().unwrap();
        assert!(fixed.is_sensitive());
        assert_eq!(fixed, token.static_authorization().unwrap());
        let bearer = Credential::Bearer {
            access_token: SecretString::from("at"),
        };
        assert_eq!(bearer.fixed_authorization().unwrap(), "Bearer at");
        let unencodable = Credential::Bearer {
            access_token: SecretString::from("line\nbreak"),
        };
        assert!(unencodable.fixed_authorization().is_none());
        assert!(matches!(
            unencodable.static_authorization(),
            Err(CredentialError::Malformed)
        ));
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
    fn private_file(dir: &Path, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("credentials.toml");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    #[cfg(unix)]
    #[test]
    fn the_app_section_takes_a_client_credential_or_an_api_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = private_file(
            dir.path(),
            &format!("[app]\nclient_id = \"app-id\"\nclient_secret = \"{TOKEN}\"\n"),
        );
        let app = SiteCredentials::from_file(&path)
            .unwrap()
            .credentials
            .app
            .unwrap();
        assert!(matches!(&app, Credential::AppClient(_)));
        assert!(app.is_bearer() && app.is_renewable() && app.secret_equals(TOKEN));
        let shown = format!("{app:?} {}", app.describe());
        assert!(
            shown.contains("app-id") && !shown.contains(TOKEN),
            "{shown}"
        );

        let path = private_file(
            dir.path(),
            &format!("[app]\nemail = \"bot@b.c\"\napi_token = \"{TOKEN}\"\n"),
        );
        let app = SiteCredentials::from_file(&path).unwrap().credentials.app;
        assert!(matches!(app, Some(Credential::ApiToken { .. })));

        for bad in [
            format!(
                "[app]\nemail = \"bot@b.c\"\nclient_secret = \"{TOKEN}\"\napi_token = \"{TOKEN}\"\nclient_id = \"x\"\n"
            ),
            format!("[app]\nclient_secret = \"{TOKEN}\"\n"),
            format!("[app]\napi_token = \"{TOKEN}\"\n"),
            format!(
                "[app]\nclient_id = \"x\"\nclient_secret = \"{TOKEN}\"\ntoken_url = \"http://auth.example.com/t\"\n"
            ),
        ] {
            let path = private_file(dir.path(), &bad);
            let err = SiteCredentials::from_file(&path).unwrap_err();
            assert!(
                matches!(
                    err,
                    CredentialError::AppEntry { .. } | CredentialError::AppClient(_)
                ),
                "{bad}: {err:?}"
            );
            assert!(!err.to_string().contains(TOKEN), "{err}");
        }
    }

    #[test]
    fn the_app_client_credential_can_come_from_the_environment() {
        let env = |pairs: Vec<(&'static str, &'static str)>| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(app_from_env(env(vec![])).unwrap().is_none());
        assert!(matches!(
            app_from_env(env(vec![(ENV_APP_CLIENT_ID, "id")])),
            Err(CredentialError::PartialAppEnvironment)
        ));
        assert!(matches!(
            app_from_env(env(vec![(ENV_APP_TOKEN_URL, "https://a.example/t")])),
            Err(CredentialError::PartialAppEnvironment)
        ));
        let app = app_from_env(env(vec![
            (ENV_APP_CLIENT_ID, "id"),
            (ENV_APP_CLIENT_SECRET, TOKEN),
            (ENV_APP_TOKEN_URL, "http://127.0.0.1:9/oauth/token"),
        ]))
        .unwrap()
        .unwrap();
        assert!(app.secret_equals(TOKEN));
        let only_app = SiteCredentials::from_env(env(vec![
            (ENV_APP_CLIENT_ID, "id"),
            (ENV_APP_CLIENT_SECRET, TOKEN),
        ]))
        .unwrap()
        .unwrap();
        assert!(only_app.site.is_none() && only_app.credentials.user.is_none());
        assert!(matches!(
            only_app.credentials.app,
            Some(Credential::AppClient(_))
        ));
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
