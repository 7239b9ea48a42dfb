//! The scopes a manifest declares, and whether they open a route.

use std::collections::BTreeSet;

use super::Scope;
use super::route::{Access, Route};

/// The app's `permissions.scopes`, as a set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeclaredScopes(BTreeSet<Scope>);

/// The outcome of checking a route against the declared scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeDecision {
    /// Every scope of `alternative` is declared (empty for a route every app
    /// may call, [`Access::AnonymousRead`] and [`Access::OwnAppData`]).
    Granted { alternative: &'static [Scope] },
    /// No alternative is fully declared. `missing` is what the alternative
    /// needing the fewest additions lacks (the earlier, classic, one on a tie),
    /// in name order.
    Denied { missing: Vec<Scope> },
}

impl ScopeDecision {
    pub fn is_granted(&self) -> bool {
        matches!(self, ScopeDecision::Granted { .. })
    }
}

impl DeclaredScopes {
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        DeclaredScopes(scopes.into_iter().collect())
    }

    /// Whether the declared scopes open `route`. Deny by default: an empty
    /// alternative never grants, so a scoped route without a non-empty
    /// alternative is denied with nothing to add. Only a route whose
    /// [`Access`] says so is granted with no scope, and then by no scope
    /// (`alternative` is empty) even when the app also declares the app-data
    /// scope an [`Access::OwnAppData`] route names: the declaration is not
    /// what opens it, so the scope advisor may call that scope unused.
    pub fn allows(&self, route: &Route) -> ScopeDecision {
        match route.access {
            Access::AnonymousRead | Access::OwnAppData => {
                return ScopeDecision::Granted { alternative: &[] };
            }
            Access::Scoped => {}
        }
        let alternatives = route
            .alternatives
            .iter()
            .copied()
            .filter(|alternative| !alternative.is_empty());
        let mut nearest: Option<(usize, &'static [Scope])> = None;
        for alternative in alternatives {
            let missing = alternative
                .iter()
                .filter(|scope| !self.contains(**scope))
                .count();
            if missing == 0 {
                return ScopeDecision::Granted { alternative };
            }
            if nearest.is_none_or(|(fewest, _)| missing < fewest) {
                nearest = Some((missing, alternative));
            }
        }
        let missing = nearest
            .map(|(_, alternative)| {
                let missing: BTreeSet<Scope> = alternative
                    .iter()
                    .copied()
                    .filter(|scope| !self.contains(*scope))
                    .collect();
                missing.into_iter().collect()
            })
            .unwrap_or_default();
        ScopeDecision::Denied { missing }
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Scope> for DeclaredScopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        DeclaredScopes::new(scopes)
    }
}
