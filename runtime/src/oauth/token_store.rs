//! The token file: an [`OAuthSession`] as JSON, created `0600`, replaced
//! atomically.
//!
//! Refresh tokens rotate: every refresh returns a new one and retires the old,
//! and presenting a retired one revokes the whole grant. So the new token must
//! replace the old on disk all at once or not at all — a torn write would lose
//! the only live refresh token. Writes go to a private temporary file in the
//! same directory, are synced, and are renamed over the old file
//! ([`crate::private_file`], the rule every private file of Kiln follows).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

use super::config_dir::kiln_config_dir;
use crate::private_file::{self, PrivateFileError};

/// The token file's format version; a file from a newer Kiln is refused
/// rather than half-understood.
const FORMAT_VERSION: u32 = 1;
/// Largest token file read (a huge file is not ours).
const MAX_TOKEN_FILE: u64 = 64 * 1024;

/// Everything `run` needs to act as the logged-in user: the client that holds
/// the grant (id and secret, needed to refresh), the endpoints, the site, and
/// the current tokens. Kept together, like gcloud's application-default
/// credentials, so one private file is the whole login.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSession {
    pub version: u32,
    pub client_id: String,
    #[serde(serialize_with = "expose")]
    pub client_secret: SecretString,
    /// The token endpoint that issued the tokens (and must refresh them).
    pub token_url: String,
    /// The API gateway the bearer token is sent to.
    pub api_url: String,
    /// The Jira site the grant is for, as `accessible-resources` named it.
    pub site_url: String,
    pub cloud_id: String,
    /// Scopes the authorization server says it granted.
    pub scopes: Vec<String>,
    #[serde(serialize_with = "expose")]
    pub access_token: SecretString,
    #[serde(serialize_with = "expose_option")]
    pub refresh_token: Option<SecretString>,
    /// When the access token expires, in seconds since the Unix epoch.
    pub expires_at: u64,
}

impl OAuthSession {
    pub const FORMAT_VERSION: u32 = FORMAT_VERSION;

    /// When the access token expires.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.expires_at)
    }

    /// `now + expires_in`, as stored.
    pub fn expiry_from_now(expires_in: Duration) -> u64 {
        let at = SystemTime::now() + expires_in;
        at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
}

impl fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSession")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("token_url", &self.token_url)
            .field("api_url", &self.api_url)
            .field("site_url", &self.site_url)
            .field("cloud_id", &self.cloud_id)
            .field("scopes", &self.scopes)
            .field("access_token", &"[REDACTED]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

fn expose_option<S: Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// Why the token file could not be read or written. Never quotes its content.
#[derive(Debug, thiserror::Error)]
pub enum TokenStoreError {
    #[error("no OAuth login found at {path}; run `runtime login` first")]
    Missing { path: PathBuf },
    #[error("cannot read the token file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the token file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the token file {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error(
        "the token file {path} is not a regular file of the current user (a symlink, or another user's); run `runtime login` again"
    )]
    NotYours { path: PathBuf },
    #[error("the token file {path} is not a Kiln OAuth login (run `runtime login` again)")]
    Invalid { path: PathBuf },
    #[error("no place for the token file: set XDG_CONFIG_HOME or HOME, or pass --token-store")]
    NoConfigDir,
    #[error("cannot lock the token file (lock file {path}): {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another runtime process held the token file's lock ({path}) for over {}s; try again",
        waited.as_secs()
    )]
    LockTimeout { path: PathBuf, waited: Duration },
}

/// The token file at one path.
#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

impl TokenStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `$XDG_CONFIG_HOME/kiln/tokens.json`.
    pub fn default_location() -> Result<Self, TokenStoreError> {
        kiln_config_dir()
            .map(|dir| Self::new(dir.join("tokens.json")))
            .ok_or(TokenStoreError::NoConfigDir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn exists(&self) -> bool {
        self.path.is_file()
    }

    /// Reads the session, refusing a file that is not private to the user.
    pub fn load(&self) -> Result<OAuthSession, TokenStoreError> {
        let path = self.path.clone();
        let bytes = zeroize::Zeroizing::new(
            private_file::read_private(&path, MAX_TOKEN_FILE).map_err(|error| match error {
                PrivateFileError::Missing => TokenStoreError::Missing { path: path.clone() },
                PrivateFileError::TooOpen { mode } => TokenStoreError::TooOpen {
                    path: path.clone(),
                    mode,
                },
                PrivateFileError::NotYours => TokenStoreError::NotYours { path: path.clone() },
                PrivateFileError::TooLarge { .. } => {
                    TokenStoreError::Invalid { path: path.clone() }
                }
                PrivateFileError::Io(source) => TokenStoreError::Read {
                    path: path.clone(),
                    source,
                },
            })?,
        );
        let session: OAuthSession = serde_json::from_slice(&bytes)
            .map_err(|_| TokenStoreError::Invalid { path: path.clone() })?;
        if session.version != FORMAT_VERSION {
            return Err(TokenStoreError::Invalid { path });
        }
        Ok(session)
    }

    /// Creates the file's directory (private) if it is missing, so the store
    /// and its lock file have a place; a directory the user chose and that
    /// already exists is left as it is.
    pub fn ensure_dir(&self) -> Result<(), TokenStoreError> {
        let dir = private_file::parent_dir(&self.path);
        if dir.is_dir() {
            return Ok(());
        }
        private_file::ensure_private_dir(&dir).map_err(|error| self.write_error(error))
    }

    fn write_error(&self, error: PrivateFileError) -> TokenStoreError {
        TokenStoreError::Write {
            path: self.path.clone(),
            source: match error {
                PrivateFileError::Io(source) => source,
                other => std::io::Error::other(other.to_string()),
            },
        }
    }

    /// Replaces the file with `session` atomically: a reader sees the old
    /// session or the new one, never a mix, and a crash leaves one of them.
    pub fn save(&self, session: &OAuthSession) -> Result<(), TokenStoreError> {
        self.ensure_dir()?;
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(session)
                .map_err(|e| self.write_error(PrivateFileError::Io(e.into())))?,
        );
        private_file::write_private(&self.path, &json).map_err(|e| self.write_error(e))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const CANARY: &str = "kiln-canary-refresh-7f3a";

    pub(crate) fn session(refresh: &str) -> OAuthSession {
        OAuthSession {
            version: FORMAT_VERSION,
            client_id: "client".into(),
            client_secret: SecretString::from("client-secret-canary"),
            token_url: "http://127.0.0.1:9/oauth/token".into(),
            api_url: "http://127.0.0.1:9".into(),
            site_url: "http://127.0.0.1:9".into(),
            cloud_id: "c1".into(),
            scopes: vec!["read:jira-work".into(), "offline_access".into()],
            access_token: SecretString::from("access-canary"),
            refresh_token: Some(SecretString::from(refresh)),
            expires_at: 4_000_000_000,
        }
    }

    #[test]
    fn saves_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("nested/tokens.json"));
        assert!(matches!(store.load(), Err(TokenStoreError::Missing { .. })));
        store.save(&session(CANARY)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
            let dir_mode = std::fs::metadata(dir.path().join("nested"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dir_mode, 0o700);
        }
        let loaded = store.load().unwrap();
        assert_eq!(
            loaded.refresh_token.as_ref().unwrap().expose_secret(),
            CANARY
        );
        assert_eq!(loaded.cloud_id, "c1");
    }

    #[test]
    fn rotation_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("tokens.json"));
        store.save(&session("old-refresh")).unwrap();
        store.save(&session("new-refresh")).unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("new-refresh") && !text.contains("old-refresh"));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["tokens.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_open_or_foreign_files_without_quoting_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("tokens.json"));
        store.save(&session(CANARY)).unwrap();
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, TokenStoreError::TooOpen { .. }));
        std::fs::write(store.path(), format!("{{\"refresh_token\": \"{CANARY}\"}}")).unwrap();
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, TokenStoreError::Invalid { .. }));
        assert!(!err.to_string().contains(CANARY));
    }

    #[test]
    fn debug_redacts_every_secret() {
        let text = format!("{:?}", session(CANARY));
        assert!(
            !text.contains(CANARY)
                && !text.contains("access-canary")
                && !text.contains("client-secret-canary")
        );
    }
}
