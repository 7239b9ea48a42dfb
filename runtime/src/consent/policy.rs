//! The operator's scope policy: scopes no app may be granted on this machine,
//! whatever the user approves, and components pre-approved by digest for
//! automation (CI, a server) where nobody is at a terminal.
//!
//! ```toml
//! # kiln-policy.toml
//! forbidden_scopes = ["manage:jira-configuration"]
//!
//! # `runtime inspect` prints the line to paste.
//! [[preapproved]]
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! scopes = ["read:jira-work"]
//! sites = ["https://your-domain.atlassian.net"]   # optional: any site when absent
//! ```
//!
//! Egress overrides (`[[egress]]`: plain HTTP or private address ranges for
//! a named host) are described in [`crate::egress::overrides`].
//!
//! A pre-approval names the code (its SHA-256), not an app id: an id is
//! self-declared and another component could claim it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_manifest::{DeclaredScopes, Scope};
use serde::Deserialize;

use super::identity::{ComponentDigest, SiteIdentity};
use crate::egress::{EgressOverride, EgressOverrides};

/// Largest policy file read.
const MAX_POLICY_FILE: u64 = 256 * 1024;

/// Scopes forbidden outright, and components approved in advance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorPolicy {
    forbidden: BTreeSet<Scope>,
    preapproved: Vec<PreApproval>,
    egress: EgressOverrides,
}

/// One component the operator approved for some scopes, on some sites or
/// on every site.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreApproval {
    pub sha256: ComponentDigest,
    pub scopes: BTreeSet<Scope>,
    /// Site origins (`https://x.atlassian.net`); absent means every site.
    #[serde(default)]
    pub sites: Option<Vec<String>>,
    /// Egress backends approved for this component, in the manifest's
    /// canonical spelling (`runtime inspect` prints them).
    #[serde(default)]
    pub egress: BTreeSet<String>,
}

impl PreApproval {
    fn applies_to(&self, component: &ComponentDigest, site: &SiteIdentity) -> bool {
        &self.sha256 == component
            && self.sites.as_ref().is_none_or(|sites| {
                sites
                    .iter()
                    .any(|s| s.trim_end_matches('/').eq_ignore_ascii_case(&site.origin))
            })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    forbidden_scopes: Vec<Scope>,
    #[serde(default)]
    preapproved: Vec<PreApproval>,
    #[serde(default)]
    egress: Vec<EgressOverride>,
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
            preapproved: Vec::new(),
            egress: EgressOverrides::default(),
        }
    }

    /// Sets the egress overrides (for callers building a policy in code).
    pub fn with_egress(mut self, overrides: EgressOverrides) -> Self {
        self.egress = overrides;
        self
    }

    /// What the operator allows egress beyond the defaults, per host.
    pub fn egress(&self) -> &EgressOverrides {
        &self.egress
    }

    /// Adds a pre-approval (for callers building a policy in code).
    pub fn preapproving(mut self, approval: PreApproval) -> Self {
        self.preapproved.push(approval);
        self
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
        Ok(Self {
            forbidden: file.forbidden_scopes.into_iter().collect(),
            preapproved: file.preapproved,
            egress: EgressOverrides::new(file.egress),
        })
    }

    /// Whether the operator approved egress to `backend` for this exact
    /// component on `site`.
    pub fn preapproves_egress(
        &self,
        component: &ComponentDigest,
        site: &SiteIdentity,
        backend: &str,
    ) -> bool {
        self.preapproved
            .iter()
            .any(|a| a.applies_to(component, site) && a.egress.contains(backend))
    }

    pub fn forbids(&self, scope: Scope) -> bool {
        self.forbidden.contains(&scope)
    }

    /// Whether the operator approved `scope` for this exact component on
    /// `site`.
    pub fn preapproves(
        &self,
        component: &ComponentDigest,
        site: &SiteIdentity,
        scope: Scope,
    ) -> bool {
        self.preapproved
            .iter()
            .any(|a| a.applies_to(component, site) && a.scopes.contains(&scope))
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
    fn preapproval_is_by_digest_scope_and_site() {
        let code = ComponentDigest::of(b"app v1");
        let policy = OperatorPolicy::from_toml(&format!(
            "[[preapproved]]\nsha256 = \"{code}\"\nscopes = [\"read:jira-work\"]\nsites = [\"https://X.atlassian.net/\"]\n"
        ))
        .unwrap();
        let site = |origin: &str| SiteIdentity {
            origin: origin.to_owned(),
            cloud_id: "c1".to_owned(),
        };
        let read = "read:jira-work".parse().unwrap();
        let write = "write:jira-work".parse().unwrap();
        let x = site("https://x.atlassian.net");
        assert!(policy.preapproves(&code, &x, read));
        assert!(!policy.preapproves(&code, &x, write), "scope not listed");
        assert!(
            !policy.preapproves(&ComponentDigest::of(b"app v2"), &x, read),
            "other code"
        );
        assert!(
            !policy.preapproves(&code, &site("https://y.atlassian.net"), read),
            "other site"
        );
        let anywhere = OperatorPolicy::from_toml(&format!(
            "[[preapproved]]\nsha256 = \"{code}\"\nscopes = [\"read:jira-work\"]\n"
        ))
        .unwrap();
        assert!(anywhere.preapproves(&code, &site("https://y.atlassian.net"), read));
        let bad_digest =
            OperatorPolicy::from_toml("[[preapproved]]\nsha256 = \"ABC\"\nscopes = []\n")
                .unwrap_err();
        assert!(bad_digest.contains("runtime inspect"), "{bad_digest}");
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
