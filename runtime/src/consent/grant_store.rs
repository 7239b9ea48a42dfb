//! Approved scopes, one JSON file per app id under
//! `$XDG_CONFIG_HOME/kiln/grants/`: private files ([`crate::private_file`]),
//! since a grant another user could write would hand an app its scopes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_manifest::Scope;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::oauth::config_dir::kiln_config_dir;
use crate::private_file::{self, PrivateFileError};

/// App ids may hold `/` and `:` (Forge ARIs); everything but lowercase
/// letters, digits, `-`, `_` and `.` is percent-encoded so an id can never
/// name a path outside the grants directory.
const FILE_NAME_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');
/// Largest grant file read (a huge file is not ours).
const MAX_GRANT_FILE: u64 = 256 * 1024;

/// The scopes a user approved for one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub app_id: String,
    pub scopes: Vec<Scope>,
    /// RFC 3339 time of the (latest) approval.
    pub approved_at: String,
}

impl Grant {
    /// A grant approved now; scopes are kept sorted and unique.
    pub fn new(app_id: &str, scopes: impl IntoIterator<Item = Scope>) -> Self {
        let scopes: BTreeSet<Scope> = scopes.into_iter().collect();
        Self {
            app_id: app_id.to_owned(),
            scopes: scopes.into_iter().collect(),
            approved_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string(),
        }
    }

    pub fn covers(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Why a grant could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum GrantStoreError {
    #[error("cannot read the scope grant {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the scope grant {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the scope grant {path} is not valid ({message}); delete it to be asked again")]
    Invalid { path: PathBuf, message: String },
    #[error("no place for scope grants: set XDG_CONFIG_HOME or HOME, or pass --grants-dir")]
    NoConfigDir,
}

/// The grants directory.
#[derive(Debug, Clone)]
pub struct GrantStore {
    dir: PathBuf,
}

impl GrantStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_CONFIG_HOME/kiln/grants`.
    pub fn default_location() -> Result<Self, GrantStoreError> {
        kiln_config_dir()
            .map(|dir| Self::new(dir.join("grants")))
            .ok_or(GrantStoreError::NoConfigDir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `app_id`'s grant.
    pub fn path_for(&self, app_id: &str) -> PathBuf {
        self.dir.join(format!(
            "{}.json",
            utf8_percent_encode(app_id, FILE_NAME_ENCODE)
        ))
    }

    /// The stored grant, if any. A grant for another app id (a renamed or
    /// copied file) is not this app's grant.
    pub fn load(&self, app_id: &str) -> Result<Option<Grant>, GrantStoreError> {
        let path = self.path_for(app_id);
        let invalid = |message: String| GrantStoreError::Invalid {
            path: path.clone(),
            message,
        };
        let bytes = match private_file::read_private(&path, MAX_GRANT_FILE) {
            Ok(bytes) => bytes,
            Err(PrivateFileError::Missing) => return Ok(None),
            Err(PrivateFileError::Io(source)) => {
                return Err(GrantStoreError::Read { path, source });
            }
            Err(refused) => return Err(invalid(refused.to_string())),
        };
        let text = String::from_utf8(bytes).map_err(|e| invalid(e.to_string()))?;
        let grant: Grant = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if grant.app_id != app_id {
            return Err(invalid(format!("it is for app {:?}", grant.app_id)));
        }
        Ok(Some(grant))
    }

    /// Writes `grant` atomically (temporary file + rename).
    pub fn save(&self, grant: &Grant) -> Result<(), GrantStoreError> {
        let path = self.path_for(&grant.app_id);
        let write_error = |source| GrantStoreError::Write {
            path: path.clone(),
            source,
        };
        let private = |error: PrivateFileError| match error {
            PrivateFileError::Io(source) => source,
            other => std::io::Error::other(other.to_string()),
        };
        private_file::ensure_private_dir(&self.dir).map_err(|e| write_error(private(e)))?;
        let json = serde_json::to_vec_pretty(grant).map_err(|e| write_error(e.into()))?;
        private_file::write_private(&path, &json).map_err(|e| write_error(private(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_cannot_escape_the_directory() {
        let store = GrantStore::new("/g");
        assert_eq!(
            store.path_for("hello-jira"),
            PathBuf::from("/g/hello-jira.json")
        );
        let ari = store.path_for("ari:cloud:ecosystem::app/../../etc");
        assert_eq!(ari.parent(), Some(Path::new("/g")));
        assert!(!ari.to_string_lossy().contains('/') || ari.starts_with("/g/"));
        assert_eq!(
            ari.file_name().unwrap().to_string_lossy(),
            "ari%3Acloud%3Aecosystem%3A%3Aapp%2F..%2F..%2Fetc.json"
        );
    }

    #[test]
    fn round_trip_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path().join("grants"));
        assert!(store.load("a").unwrap().is_none());
        let grant = Grant::new(
            "a",
            [
                "read:jira-work".parse().unwrap(),
                "read:jira-work".parse().unwrap(),
            ],
        );
        assert_eq!(grant.scopes.len(), 1);
        store.save(&grant).unwrap();
        assert_eq!(store.load("a").unwrap(), Some(grant.clone()));

        std::fs::copy(store.path_for("a"), store.path_for("b")).unwrap();
        assert!(matches!(
            store.load("b"),
            Err(GrantStoreError::Invalid { .. })
        ));
        crate::private_file::write_private(
            &store.path_for("c"),
            br#"{"app_id":"c","scopes":["read:jira-wrok"],"approved_at":""}"#,
        )
        .unwrap();
        let err = store.load("c").unwrap_err();
        assert!(
            err.to_string().contains("read:jira-work"),
            "typo suggestion is shown: {err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_grant_another_user_could_write_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path().join("grants"));
        store
            .save(&Grant::new("a", ["read:jira-work".parse().unwrap()]))
            .unwrap();
        let path = store.path_for("a");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            store.load("a"),
            Err(GrantStoreError::Invalid { .. })
        ));
    }
}
