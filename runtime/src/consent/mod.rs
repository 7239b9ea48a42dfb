//! Scope consent: before an app first runs against a real site with a set of
//! scopes, the user approves them, and an operator policy can forbid some
//! outright.
//!
//! Decisions are made on typed [`Scope`]s. A stored [`Grant`] covers an app
//! until its manifest asks for a scope the grant lacks; then the user is
//! asked again. The embedded simulator needs no consent: it is a throwaway
//! offline site (the caller decides not to ask).

pub mod grant_store;
pub mod policy;

use kiln_manifest::{DeclaredScopes, Scope};

pub use grant_store::{Grant, GrantStore, GrantStoreError};
pub use policy::{OperatorPolicy, PolicyError, PolicyRefusal};

/// What the stored grant and the operator policy say about an app's scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentDecision {
    /// Every declared scope is approved and none is forbidden.
    Approved,
    /// The operator forbids these declared scopes; no approval can help.
    Forbidden { scopes: Vec<Scope> },
    /// These declared scopes have not been approved for this app.
    NeedsApproval { unapproved: Vec<Scope> },
}

/// Decides without asking anyone: the policy first (it overrides the user),
/// then the grant.
pub fn decide(
    declared: &DeclaredScopes,
    grant: Option<&Grant>,
    policy: &OperatorPolicy,
) -> ConsentDecision {
    let forbidden: Vec<Scope> = declared.iter().filter(|s| policy.forbids(*s)).collect();
    if !forbidden.is_empty() {
        return ConsentDecision::Forbidden { scopes: forbidden };
    }
    let unapproved: Vec<Scope> = declared
        .iter()
        .filter(|s| !grant.is_some_and(|g| g.covers(*s)))
        .collect();
    if unapproved.is_empty() {
        ConsentDecision::Approved
    } else {
        ConsentDecision::NeedsApproval { unapproved }
    }
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
        "app {app_id} needs approval of the scopes {}, and there is no terminal to ask on; \
         pass --approve-scopes to approve them",
        names(.unapproved)
    )]
    NotApproved {
        app_id: String,
        unapproved: Vec<Scope>,
    },
    #[error("the scopes of app {app_id} were not approved")]
    Declined { app_id: String },
    #[error(transparent)]
    Store(#[from] GrantStoreError),
    /// The front end could not ask (no terminal, closed input, ...).
    #[error("cannot ask for scope approval: {0}")]
    Prompt(#[source] std::io::Error),
}

/// Makes sure `app_id` may run with `declared`: checks the policy and the
/// stored grant, asks through `ask` when needed and allowed, and stores the
/// widened grant once approved.
pub fn ensure_consent(
    app_id: &str,
    declared: &DeclaredScopes,
    store: &GrantStore,
    policy: &OperatorPolicy,
    mode: ApprovalMode,
    ask: impl FnOnce(&[Scope]) -> std::io::Result<bool>,
) -> Result<(), ConsentError> {
    let grant = store.load(app_id)?;
    let unapproved = match decide(declared, grant.as_ref(), policy) {
        ConsentDecision::Approved => return Ok(()),
        ConsentDecision::Forbidden { scopes } => return Err(ConsentError::Forbidden { scopes }),
        ConsentDecision::NeedsApproval { unapproved } => unapproved,
    };
    let approved = match mode {
        ApprovalMode::Preapproved => true,
        ApprovalMode::Interactive => ask(&unapproved).map_err(ConsentError::Prompt)?,
        ApprovalMode::NonInteractive => {
            return Err(ConsentError::NotApproved {
                app_id: app_id.to_owned(),
                unapproved,
            });
        }
    };
    if !approved {
        return Err(ConsentError::Declined {
            app_id: app_id.to_owned(),
        });
    }
    let mut scopes: Vec<Scope> = grant.map(|g| g.scopes).unwrap_or_default();
    scopes.extend(declared.iter());
    store.save(&Grant::new(app_id, scopes))?;
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
mod tests {
    use super::*;

    fn scopes(names: &[&str]) -> DeclaredScopes {
        names.iter().map(|n| n.parse::<Scope>().unwrap()).collect()
    }

    fn never_ask(_: &[Scope]) -> std::io::Result<bool> {
        panic!("must not prompt")
    }

    #[test]
    fn non_interactive_without_grant_fails_and_names_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path());
        let err = ensure_consent(
            "hello-jira",
            &scopes(&["read:jira-work"]),
            &store,
            &OperatorPolicy::default(),
            ApprovalMode::NonInteractive,
            never_ask,
        )
        .unwrap_err();
        assert!(err.to_string().contains("--approve-scopes"), "{err}");
        assert!(store.load("hello-jira").unwrap().is_none());
    }

    #[test]
    fn approval_is_stored_and_asked_again_only_when_scopes_grow() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path());
        let policy = OperatorPolicy::default();
        let first = scopes(&["read:jira-work"]);
        ensure_consent(
            "app",
            &first,
            &store,
            &policy,
            ApprovalMode::Preapproved,
            never_ask,
        )
        .unwrap();
        // Same scopes: approved without asking, even non-interactively.
        ensure_consent(
            "app",
            &first,
            &store,
            &policy,
            ApprovalMode::NonInteractive,
            never_ask,
        )
        .unwrap();
        // Fewer scopes: still covered.
        ensure_consent(
            "app",
            &DeclaredScopes::default(),
            &store,
            &policy,
            ApprovalMode::NonInteractive,
            never_ask,
        )
        .unwrap();

        let grown = scopes(&["read:jira-work", "write:jira-work"]);
        let mut asked = Vec::new();
        ensure_consent(
            "app",
            &grown,
            &store,
            &policy,
            ApprovalMode::Interactive,
            |s| {
                asked = s.to_vec();
                Ok(true)
            },
        )
        .unwrap();
        assert_eq!(
            asked,
            vec!["write:jira-work".parse::<Scope>().unwrap()],
            "only the new scope is asked"
        );
        let stored = store.load("app").unwrap().unwrap();
        assert!(grown.iter().all(|s| stored.covers(s)));
    }

    #[test]
    fn declining_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path());
        let err = ensure_consent(
            "app",
            &scopes(&["read:jira-work"]),
            &store,
            &OperatorPolicy::default(),
            ApprovalMode::Interactive,
            |_| Ok(false),
        )
        .unwrap_err();
        assert!(matches!(err, ConsentError::Declined { .. }));
        assert!(store.load("app").unwrap().is_none());
    }

    #[test]
    fn policy_overrides_approval() {
        let dir = tempfile::tempdir().unwrap();
        let store = GrantStore::new(dir.path());
        let policy = OperatorPolicy::forbidding(["manage:jira-configuration".parse().unwrap()]);
        let err = ensure_consent(
            "app",
            &scopes(&["read:jira-work", "manage:jira-configuration"]),
            &store,
            &policy,
            ApprovalMode::Preapproved,
            never_ask,
        )
        .unwrap_err();
        match err {
            ConsentError::Forbidden { scopes } => {
                assert_eq!(
                    scopes,
                    vec!["manage:jira-configuration".parse::<Scope>().unwrap()]
                )
            }
            other => panic!("expected Forbidden, got {other}"),
        }
        assert!(store.load("app").unwrap().is_none());
    }
}
