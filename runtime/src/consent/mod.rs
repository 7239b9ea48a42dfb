//! Scope consent: before an app runs against a real site with a set of
//! scopes, the user approves them, and an operator policy can forbid some
//! outright or pre-approve a component by digest.
//!
//! A grant belongs to an app's *code on a site*, not to its name: it is
//! bound to a [`GrantKey`] — the site (origin and cloud id), the principals'
//! credential identities, the app id and the component's SHA-256 — and
//! covers the scopes approved. Any other component under the same id is an
//! update (asked again, showing that the code changed and the scope
//! difference); another site or another account is asked again too. The
//! embedded simulator needs no consent: it is a throwaway offline site (the
//! caller decides not to ask).

pub mod grant_store;
pub mod identity;
pub mod policy;

use std::collections::BTreeSet;

use kiln_manifest::{DeclaredScopes, Scope};

pub use grant_store::{Grant, GrantStore, GrantStoreError};
pub use identity::{ComponentDigest, DigestError, GrantKey, PrincipalIdentity, SiteIdentity};
pub use policy::{OperatorPolicy, PolicyError, PolicyRefusal, PreApproval};

/// What the stored grants and the operator policy say about a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentDecision {
    /// Every declared scope is approved for this key and none is forbidden.
    Approved,
    /// The operator forbids these declared scopes; no approval can help.
    Forbidden { scopes: Vec<Scope> },
    /// The user must approve; the request says why and what changed.
    /// Boxed: the request is large beside the other outcomes.
    NeedsApproval(Box<ApprovalRequest>),
}

/// What the user is asked to approve, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    pub app_id: String,
    pub site: SiteIdentity,
    pub component: ComponentDigest,
    pub reason: ApprovalReason,
    /// Declared scopes neither the grant nor the operator policy covers.
    pub unapproved: Vec<Scope>,
    /// The declared scopes against the scopes approved before (for this
    /// installation; empty when there was no grant).
    pub diff: ScopeDiff,
    /// Every egress backend the app declares (canonical spelling).
    pub egress: Vec<String>,
    /// Declared egress backends neither the grant nor the policy covers.
    pub unapproved_egress: Vec<String>,
}

/// Why approval is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalReason {
    /// No grant for this app id anywhere.
    FirstUse,
    /// Approved on other sites, never on this one.
    SiteChanged { approved_on: Vec<SiteIdentity> },
    /// Approved on this site for other accounts, never for this one.
    PrincipalChanged {
        approved_for: Vec<PrincipalIdentity>,
    },
    /// Approved for other code under the same app id: this is an update.
    CodeChanged { previous: ComponentDigest },
    /// The same code, asking for scopes it was not granted.
    ScopesAdded,
}

/// The declared scopes compared with the previously approved ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeDiff {
    /// Declared now, not approved before.
    pub added: Vec<Scope>,
    /// Approved before, no longer declared.
    pub removed: Vec<Scope>,
    /// Declared now and approved before.
    pub kept: Vec<Scope>,
}

impl ScopeDiff {
    fn between(previous: &[Scope], declared: &DeclaredScopes) -> Self {
        let previous: BTreeSet<Scope> = previous.iter().copied().collect();
        let declared: BTreeSet<Scope> = declared.iter().collect();
        Self {
            added: declared.difference(&previous).copied().collect(),
            removed: previous.difference(&declared).copied().collect(),
            kept: declared.intersection(&previous).copied().collect(),
        }
    }
}

/// Decides without asking anyone: the policy's prohibitions first (they
/// override the user), then the exact grant and the policy's pre-approvals.
pub fn decide(
    key: &GrantKey,
    declared: &DeclaredScopes,
    grants: &[Grant],
    policy: &OperatorPolicy,
) -> ConsentDecision {
    decide_with_egress(key, declared, &[], grants, policy)
}

/// [`decide`] for an app that also declares egress backends: a backend
/// the grant (or the policy's pre-approval) does not name needs approval,
/// like a scope.
pub fn decide_with_egress(
    key: &GrantKey,
    declared: &DeclaredScopes,
    egress: &[String],
    grants: &[Grant],
    policy: &OperatorPolicy,
) -> ConsentDecision {
    let forbidden: Vec<Scope> = declared.iter().filter(|s| policy.forbids(*s)).collect();
    if !forbidden.is_empty() {
        return ConsentDecision::Forbidden { scopes: forbidden };
    }
    let exact = grants.iter().find(|g| &g.key == key);
    let unapproved: Vec<Scope> = declared
        .iter()
        .filter(|s| {
            !exact.is_some_and(|g| g.covers(*s))
                && !policy.preapproves(&key.component, &key.site, *s)
        })
        .collect();
    let unapproved_egress: Vec<String> = egress
        .iter()
        .filter(|b| {
            !exact.is_some_and(|g| g.covers_egress(b))
                && !policy.preapproves_egress(&key.component, &key.site, b)
        })
        .cloned()
        .collect();
    if unapproved.is_empty() && unapproved_egress.is_empty() {
        return ConsentDecision::Approved;
    }
    let installation = grants.iter().find(|g| g.key.same_installation(key));
    let reason = match (exact, installation) {
        (Some(_), _) => ApprovalReason::ScopesAdded,
        (None, Some(previous)) => ApprovalReason::CodeChanged {
            previous: previous.key.component.clone(),
        },
        (None, None) => {
            let on_this_site: Vec<PrincipalIdentity> = grants
                .iter()
                .filter(|g| g.key.site == key.site)
                .map(|g| g.key.principal.clone())
                .collect();
            if !on_this_site.is_empty() {
                ApprovalReason::PrincipalChanged {
                    approved_for: on_this_site,
                }
            } else if grants.is_empty() {
                ApprovalReason::FirstUse
            } else {
                ApprovalReason::SiteChanged {
                    approved_on: grants.iter().map(|g| g.key.site.clone()).collect(),
                }
            }
        }
    };
    let previous_scopes = installation.map(|g| g.scopes.as_slice()).unwrap_or(&[]);
    ConsentDecision::NeedsApproval(Box::new(ApprovalRequest {
        app_id: key.app_id.clone(),
        site: key.site.clone(),
        component: key.component.clone(),
        reason,
        unapproved,
        diff: ScopeDiff::between(previous_scopes, declared),
        egress: egress.to_vec(),
        unapproved_egress,
    }))
}

/// How approval may be obtained when it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalMode {
    /// `--approve-scopes`: the caller approved in advance.
    Preapproved,
    /// A person at a terminal can be asked.
    Interactive,
    /// Nobody to ask (stdin is not a terminal) and nothing approved in advance.
    NonInteractive,
}

/// Why an app may not run with its scopes.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("the operator policy forbids the scopes {}", names(.scopes))]
    Forbidden { scopes: Vec<Scope> },
    #[error(
        "app {} needs approval of the scopes {} on {} ({}), and there is no terminal to ask on; \
         pass --approve-scopes to approve them, or pre-approve sha256 {} in the operator policy",
        .request.app_id,
        names(&.request.unapproved),
        .request.site,
        .request.reason,
        .request.component
    )]
    NotApproved { request: Box<ApprovalRequest> },
    #[error("the scopes of app {app_id} were not approved")]
    Declined { app_id: String },
    #[error(transparent)]
    Store(#[from] GrantStoreError),
    /// The front end could not ask (no terminal, closed input, ...).
    #[error("cannot ask for scope approval: {0}")]
    Prompt(#[source] std::io::Error),
}

impl std::fmt::Display for ApprovalReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApprovalReason::FirstUse => f.write_str("never approved"),
            ApprovalReason::SiteChanged { .. } => f.write_str("approved only on other sites"),
            ApprovalReason::PrincipalChanged { .. } => {
                f.write_str("approved only for other accounts")
            }
            ApprovalReason::CodeChanged { previous } => {
                write!(f, "the code changed since sha256 {previous} was approved")
            }
            ApprovalReason::ScopesAdded => f.write_str("it asks for more scopes"),
        }
    }
}

/// Makes sure the component of `key` may run with `declared`: checks the
/// policy and the stored grants, asks through `ask` when needed and allowed,
/// and stores the grant for `key` once approved.
pub fn ensure_consent(
    key: &GrantKey,
    declared: &DeclaredScopes,
    store: &GrantStore,
    policy: &OperatorPolicy,
    mode: ApprovalMode,
    ask: impl FnOnce(&ApprovalRequest) -> std::io::Result<bool>,
) -> Result<(), ConsentError> {
    ensure_consent_with_egress(key, declared, &[], store, policy, mode, ask)
}

/// [`ensure_consent`] for an app that also declares egress backends: the
/// grant binds them too.
pub fn ensure_consent_with_egress(
    key: &GrantKey,
    declared: &DeclaredScopes,
    egress: &[String],
    store: &GrantStore,
    policy: &OperatorPolicy,
    mode: ApprovalMode,
    ask: impl FnOnce(&ApprovalRequest) -> std::io::Result<bool>,
) -> Result<(), ConsentError> {
    let grants = store.load(&key.app_id)?;
    let request = match decide_with_egress(key, declared, egress, &grants, policy) {
        ConsentDecision::Approved => return Ok(()),
        ConsentDecision::Forbidden { scopes } => return Err(ConsentError::Forbidden { scopes }),
        ConsentDecision::NeedsApproval(request) => request,
    };
    let approved = match mode {
        ApprovalMode::Preapproved => true,
        ApprovalMode::Interactive => ask(&request).map_err(ConsentError::Prompt)?,
        ApprovalMode::NonInteractive => {
            return Err(ConsentError::NotApproved { request });
        }
    };
    if !approved {
        return Err(ConsentError::Declined {
            app_id: key.app_id.clone(),
        });
    }
    // The same code keeps what it was granted; new code gets what it asks.
    let (mut scopes, mut approved_egress) = grants
        .into_iter()
        .find(|g| &g.key == key)
        .map(|g| (g.scopes, g.egress))
        .unwrap_or_default();
    scopes.extend(declared.iter());
    approved_egress.extend(egress.iter().cloned());
    store.save(&Grant::new(key.clone(), scopes).with_egress(approved_egress))?;
    Ok(())
}

fn names(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
