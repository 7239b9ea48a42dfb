//! The operator's scope policy: scopes no app may be granted on this machine,
//! whatever the user approves.
//!
//! ```toml
//! # kiln-policy.toml
//! forbidden_scopes = ["manage:jira-configuration"]
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_manifest::{DeclaredScopes, Scope};
use serde::Deserialize;

/// Largest policy file read.
const MAX_POLICY_FILE: u64 = 256 * 1024;

/// Scopes forbidden outright.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorPolicy {
    forbidden: BTreeSet<Scope>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    forbidden_scopes: Vec<Scope>,
}

/// Why a policy file was refused. A policy that cannot be read is an error,
/// never an empty policy: failing open would grant what the operator forbade.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the policy file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the policy file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl OperatorPolicy {
    pub fn forbidding(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self {
            forbidden: scopes.into_iter().collect(),
        }
    }

    /// Reads a TOML policy file; unknown scope names are errors (with the
    /// nearest known scope suggested), so a typo cannot silently allow one.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let read_error = |source| PolicyError::Read {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_error)?;
        if meta.len() > MAX_POLICY_FILE {
            return Err(PolicyError::Invalid {
                path: path.to_owned(),
                message: "the file is too large".to_owned(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        Self::from_toml(&text).map_err(|message| PolicyError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    fn from_toml(text: &str) -> Result<Self, String> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        Ok(Self::forbidding(file.forbidden_scopes))
    }

    pub fn forbids(&self, scope: Scope) -> bool {
        self.forbidden.contains(&scope)
    }

    /// Refuses an app that declares any forbidden scope. The library runs
    /// this when it loads an app (`Runtime::load`, `Runtime::prepare`), so
    /// every front end (`run`, `lint`, `serve`) enforces the policy; a front
    /// end may call it earlier, e.g. before asking for consent.
    pub fn check(&self, app_id: &str, declared: &DeclaredScopes) -> Result<(), PolicyRefusal> {
        let scopes: Vec<Scope> = declared.iter().filter(|s| self.forbids(*s)).collect();
        if scopes.is_empty() {
            return Ok(());
        }
        Err(PolicyRefusal {
            app_id: app_id.to_owned(),
            scopes,
        })
    }
}

/// An app the operator policy refuses: it declares scopes forbidden on this
/// machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the operator policy forbids the scopes {} that app {app_id} declares",
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
)]
pub struct PolicyRefusal {
    pub app_id: String,
    pub scopes: Vec<Scope>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forbidden_scopes_and_refuses_typos() {
        let policy =
            OperatorPolicy::from_toml("forbidden_scopes = [\"manage:jira-configuration\"]\n")
                .unwrap();
        assert!(policy.forbids("manage:jira-configuration".parse().unwrap()));
        assert!(!policy.forbids("read:jira-work".parse().unwrap()));
        let typo = OperatorPolicy::from_toml("forbidden_scopes = [\"manage:jira-configuraton\"]\n")
            .unwrap_err();
        assert!(typo.contains("manage:jira-configuration"), "{typo}");
        assert!(OperatorPolicy::from_toml("allowed = []\n").is_err());
        assert_eq!(
            OperatorPolicy::from_toml("").unwrap(),
            OperatorPolicy::default()
        );
    }

    #[test]
    fn a_missing_file_is_an_error_not_an_empty_policy() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            OperatorPolicy::load(&dir.path().join("absent.toml")),
            Err(PolicyError::Read { .. })
        ));
    }
}
