//! Approved scopes, one JSON file per app id under
//! `$XDG_CONFIG_HOME/kiln/grants/`, holding one grant per installation
//! (site × principal) of that id, each bound to a component digest.
//!
//! The file is versioned. A file without a version (Kiln's first format,
//! keyed by the app id alone) is treated as absent: it bound consent to a
//! self-declared name, which is exactly what must no longer count. A file of
//! a newer version is refused rather than overwritten, so nothing a newer
//! Kiln recorded is lost.
//!
//! All file I/O is in [`GrantStore::read_file`] and [`GrantStore::write_file`].
//!
//! Grant files are private files ([`crate::private_file`]), since a grant
//! another user could write would hand an app its scopes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_manifest::Scope;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use super::identity::{ComponentDigest, GrantKey, PrincipalIdentity, SiteIdentity};
use crate::oauth::config_dir::kiln_config_dir;
use crate::private_file::{self, PrivateFileError};

/// App ids may hold `/` and `:` (Forge ARIs); everything but lowercase
/// letters, digits, `-`, `_` and `.` is percent-encoded so an id can never
/// name a path outside the grants directory.
const FILE_NAME_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');
/// Largest grant file read (a huge file is not ours).
const MAX_GRANT_FILE: u64 = 256 * 1024;
/// The format written; see the module comment for older and newer ones.
pub const GRANT_FORMAT_VERSION: u32 = 2;

/// The scopes a user approved for one component of an app, on one site, as
/// one principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub key: GrantKey,
    /// Sorted and unique.
    pub scopes: Vec<Scope>,
    /// Egress backends approved (canonical spelling, sorted and unique):
    /// an app that widens its backends is asked again.
    pub egress: Vec<String>,
    /// RFC 3339 time of the approval.
    pub approved_at: String,
}

impl Grant {
    /// A grant approved now; scopes are kept sorted and unique.
    pub fn new(key: GrantKey, scopes: impl IntoIterator<Item = Scope>) -> Self {
        let scopes: BTreeSet<Scope> = scopes.into_iter().collect();
        Self {
            key,
            scopes: scopes.into_iter().collect(),
            egress: Vec::new(),
            approved_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string(),
        }
    }

    /// The same grant, also covering these egress backends.
    pub fn with_egress(mut self, egress: impl IntoIterator<Item = String>) -> Self {
        let egress: BTreeSet<String> = egress.into_iter().chain(self.egress).collect();
        self.egress = egress.into_iter().collect();
        self
    }

    pub fn covers(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    pub fn covers_egress(&self, backend: &str) -> bool {
        self.egress.iter().any(|approved| approved == backend)
    }
}

/// The file as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantFile {
    version: u32,
    app_id: String,
    grants: Vec<StoredGrant>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredGrant {
    site: SiteIdentity,
    principal: PrincipalIdentity,
    component_sha256: ComponentDigest,
    scopes: Vec<Scope>,
    /// Absent in grants stored before egress existed (they cover none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    egress: Vec<String>,
    approved_at: String,
}

/// Only the version, read first so an old or newer file is recognized
/// whatever else it holds.
#[derive(Deserialize)]
struct VersionOnly {
    version: Option<u32>,
}

/// Why a grant could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum GrantStoreError {
    #[error("cannot read the scope grants {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the scope grants {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the scope grants {path} are not valid ({message}); delete the file to be asked again")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "the scope grants {path} are in format {version}, newer than this Kiln's ({GRANT_FORMAT_VERSION}); \
         upgrade Kiln or pass another --grants-dir"
    )]
    NewerFormat { path: PathBuf, version: u32 },
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

    /// The file of `app_id`'s grants.
    pub fn path_for(&self, app_id: &str) -> PathBuf {
        self.dir.join(format!(
            "{}.json",
            utf8_percent_encode(app_id, FILE_NAME_ENCODE)
        ))
    }

    /// Every stored grant of `app_id` (on any site, as any principal, for
    /// any component); none when the file is absent or in the old format.
    pub fn load(&self, app_id: &str) -> Result<Vec<Grant>, GrantStoreError> {
        let path = self.path_for(app_id);
        let Some(text) = self.read_file(&path)? else {
            return Ok(Vec::new());
        };
        let invalid = |message: String| GrantStoreError::Invalid {
            path: path.clone(),
            message,
        };
        let version = serde_json::from_str::<VersionOnly>(&text)
            .map_err(|e| invalid(e.to_string()))?
            .version;
        match version {
            // Kiln's first format: bound to the app id alone. Absent.
            None | Some(1) => return Ok(Vec::new()),
            Some(GRANT_FORMAT_VERSION) => {}
            Some(version) if version > GRANT_FORMAT_VERSION => {
                return Err(GrantStoreError::NewerFormat { path, version });
            }
            Some(version) => return Err(invalid(format!("unknown format version {version}"))),
        }
        let file: GrantFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if file.app_id != app_id {
            // A renamed or copied file is not this app's.
            return Err(invalid(format!("it is for app {:?}", file.app_id)));
        }
        Ok(file
            .grants
            .into_iter()
            .map(|stored| Grant {
                key: GrantKey {
                    site: stored.site,
                    principal: stored.principal,
                    app_id: file.app_id.clone(),
                    component: stored.component_sha256,
                },
                scopes: stored
                    .scopes
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                egress: stored
                    .egress
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                approved_at: stored.approved_at,
            })
            .collect())
    }

    /// Stores `grant`, replacing the grant of the same installation (same
    /// site and principal): approving new code replaces the approval of the
    /// old. Grants of other installations are kept.
    pub fn save(&self, grant: &Grant) -> Result<(), GrantStoreError> {
        let app_id = &grant.key.app_id;
        let mut grants = self.load(app_id)?;
        grants.retain(|kept| !kept.key.same_installation(&grant.key));
        grants.push(grant.clone());
        let file = GrantFile {
            version: GRANT_FORMAT_VERSION,
            app_id: app_id.clone(),
            grants: grants
                .into_iter()
                .map(|g| StoredGrant {
                    site: g.key.site,
                    principal: g.key.principal,
                    component_sha256: g.key.component,
                    scopes: g.scopes,
                    egress: g.egress,
                    approved_at: g.approved_at,
                })
                .collect(),
        };
        let path = self.path_for(app_id);
        let json = serde_json::to_vec_pretty(&file).map_err(|e| GrantStoreError::Write {
            path: path.clone(),
            source: e.into(),
        })?;
        self.write_file(&path, &json)
    }

    /// The file's text, `None` when it does not exist; refused when it is not
    /// a private file of this user.
    fn read_file(&self, path: &Path) -> Result<Option<String>, GrantStoreError> {
        let invalid = |message: String| GrantStoreError::Invalid {
            path: path.to_owned(),
            message,
        };
        let bytes = match private_file::read_private(path, MAX_GRANT_FILE) {
            Ok(bytes) => bytes,
            Err(PrivateFileError::Missing) => return Ok(None),
            Err(PrivateFileError::Io(source)) => {
                return Err(GrantStoreError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
            Err(refused) => return Err(invalid(refused.to_string())),
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| invalid(e.to_string()))
    }

    /// Writes `bytes` to `path` atomically (temporary file + rename).
    fn write_file(&self, path: &Path, bytes: &[u8]) -> Result<(), GrantStoreError> {
        let write_error = |source| GrantStoreError::Write {
            path: path.to_owned(),
            source,
        };
        let private = |error: PrivateFileError| match error {
            PrivateFileError::Io(source) => source,
            other => std::io::Error::other(other.to_string()),
        };
        private_file::ensure_private_dir(&self.dir).map_err(|e| write_error(private(e)))?;
        private_file::write_private(path, bytes).map_err(|e| write_error(private(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(app_id: &str, origin: &str, user: &str, code: &[u8]) -> GrantKey {
        GrantKey {
            site: SiteIdentity {
                origin: origin.to_owned(),
                cloud_id: "c1".to_owned(),
            },
            principal: PrincipalIdentity {
                user: Some(user.to_owned()),
                app: None,
            },
            app_id: app_id.to_owned(),
            component: ComponentDigest::of(code),
        }
    }

    fn scope(name: &str) -> Scope {
        name.parse().unwrap()
    }

    #[test]
    fn app_ids_cannot_escape_the_directory() {
        let store = GrantStore::new("/g");
        assert_eq!(
            store.path_for("hello-jira"),
            PathBuf::from("/g/hello-jira.json")
        );
        let ari = store.path_for("ari:cloud:ecosystem::app/../../etc");
        assert_eq!(ari.parent(), Some(Path::new("/g")));
        assert_eq!(
            ari.file_name().unwrap().to_string_lossy(),
            "ari%3Acloud%3Aecosystem%3A%3Aapp%2F..%2F..%2Fetc.json"
        );
    }

    #[test]
    fn round_trip_one_grant_per_installation() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path().join("grants"));
        assert!(store.load("a").unwrap().is_empty());
        let first = Grant::new(
            key("a", "https://x.atlassian.net", "api-token:a@b.c", b"v1"),
            [scope("read:jira-work"), scope("read:jira-work")],
        );
        assert_eq!(first.scopes.len(), 1);
        store.save(&first).unwrap();
        assert_eq!(store.load("a").unwrap(), vec![first.clone()]);

        // Another site: kept beside the first.
        let other_site = Grant::new(
            key("a", "https://y.atlassian.net", "api-token:a@b.c", b"v1"),
            [scope("read:jira-work")],
        );
        store.save(&other_site).unwrap();
        // New code on the first site: replaces the first grant only.
        let update = Grant::new(
            key("a", "https://x.atlassian.net", "api-token:a@b.c", b"v2"),
            [scope("write:jira-work")],
        );
        store.save(&update).unwrap();
        let stored = store.load("a").unwrap();
        assert_eq!(stored.len(), 2, "{stored:?}");
        assert!(stored.contains(&other_site) && stored.contains(&update));
    }

    #[test]
    fn old_format_grants_are_absent_and_newer_ones_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path());
        crate::private_file::write_private(
            &store.path_for("a"),
            br#"{"app_id":"a","scopes":["read:jira-work"],"approved_at":"2025-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(store.load("a").unwrap().is_empty());
        // Saving replaces the old file with the versioned format.
        let grant = Grant::new(
            key("a", "https://x.atlassian.net", "u", b"v1"),
            [scope("read:jira-work")],
        );
        store.save(&grant).unwrap();
        assert_eq!(store.load("a").unwrap(), vec![grant.clone()]);

        crate::private_file::write_private(
            &store.path_for("n"),
            br#"{"version":3,"whatever":true}"#,
        )
        .unwrap();
        assert!(matches!(
            store.load("n"),
            Err(GrantStoreError::NewerFormat { version: 3, .. })
        ));
        let mut newer = grant;
        newer.key.app_id = "n".to_owned();
        assert!(
            store.save(&newer).is_err(),
            "a newer file is not overwritten"
        );
        assert!(
            std::fs::read_to_string(store.path_for("n"))
                .unwrap()
                .contains("whatever")
        );
    }

    #[test]
    fn foreign_and_malformed_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path());
        let grant = Grant::new(key("a", "https://x.atlassian.net", "u", b"v1"), []);
        store.save(&grant).unwrap();
        std::fs::copy(store.path_for("a"), store.path_for("b")).unwrap();
        assert!(matches!(
            store.load("b"),
            Err(GrantStoreError::Invalid { .. })
        ));
        let digest = ComponentDigest::of(b"x");
        crate::private_file::write_private(
            &store.path_for("c"),
            format!(
                r#"{{"version":2,"app_id":"c","grants":[{{"site":{{"origin":"o","cloud_id":"c"}},"principal":{{"user":null,"app":null}},"component_sha256":"{digest}","scopes":["read:jira-wrok"],"approved_at":""}}]}}"#
            )
            .as_bytes(),
        )
        .unwrap();
        let err = store.load("c").unwrap_err();
        assert!(
            err.to_string().contains("read:jira-work"),
            "typo suggestion is shown: {err}"
        );
        crate::private_file::write_private(&store.path_for("d"), b"[1,2]").unwrap();
        assert!(matches!(
            store.load("d"),
            Err(GrantStoreError::Invalid { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_grant_another_user_could_write_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path().join("grants"));
        store
            .save(&Grant::new(
                key("a", "https://x.atlassian.net", "u", b"v1"),
                [scope("read:jira-work")],
            ))
            .unwrap();
        let path = store.path_for("a");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            store.load("a"),
            Err(GrantStoreError::Invalid { .. })
        ));
    }
}
