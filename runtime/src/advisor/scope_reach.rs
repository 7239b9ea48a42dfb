//! What a set of scopes lets an app do: the catalogue routes it opens. Used by
//! `inspect` (per declared scope) and `lint` (to compare candidate sets).

use kiln_manifest::{Access, DeclaredScopes, Route, Scope, ScopeDecision, catalogue};

/// The catalogue routes `scopes` open: those a scope grants, not the ones
/// every app may call whatever it declares ([`Access::AnonymousRead`], and
/// [`Access::OwnAppData`] on the app's own data).
pub fn routes_opened(scopes: &DeclaredScopes) -> Vec<&'static Route> {
    catalogue()
        .routes()
        .iter()
        .filter(|route| route.access == Access::Scoped && scopes.allows(route).is_granted())
        .collect()
}

/// The routes `declared` opens through an alternative that needs `scope`:
/// what declaring `scope` contributes, given the other declared scopes.
pub fn routes_opened_by(scope: Scope, declared: &DeclaredScopes) -> Vec<&'static Route> {
    catalogue()
        .routes()
        .iter()
        .filter(|route| matches!(declared.allows(route), ScopeDecision::Granted { alternative } if alternative.contains(&scope)))
        .collect()
}

/// Whether `scope` is a classic scope (`read:jira-work`), as opposed to a
/// granular one (`read:issue:jira`), which names a resource and a product.
pub fn is_classic(scope: Scope) -> bool {
    scope.as_str().split(':').count() == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str) -> Scope {
        name.parse().unwrap()
    }

    #[test]
    fn read_jira_work_opens_reading_an_issue_but_not_editing_it() {
        let declared = DeclaredScopes::new([scope("read:jira-work")]);
        let opened = routes_opened_by(scope("read:jira-work"), &declared);
        let names: Vec<String> = opened.iter().map(|r| r.to_string()).collect();
        assert!(
            names.contains(&String::from("GET /rest/api/3/issue/{issueIdOrKey}")),
            "{names:?}"
        );
        assert!(!names.contains(&String::from("PUT /rest/api/3/issue/{issueIdOrKey}")));
        assert_eq!(routes_opened(&declared).len(), opened.len());
        // serverInfo is read with no scope: no scope opens it.
        assert!(routes_opened(&DeclaredScopes::default()).is_empty());
    }

    /// The app-data scopes open the routes only they open (reading app
    /// properties), not the ones on the app's own data that every app may call
    /// without them: declaring one is not what lets an app set its property.
    #[test]
    fn the_app_data_scopes_do_not_claim_the_own_app_data_routes() {
        let read = scope("read:app-data:jira");
        let write = scope("write:app-data:jira");
        let declared = DeclaredScopes::new([read, write]);
        let by_read: Vec<String> = routes_opened_by(read, &declared)
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert!(
            by_read.contains(&String::from(
                "GET /rest/forge/1/app/properties/{propertyKey}"
            )),
            "{by_read:?}"
        );
        let opened = routes_opened_by(read, &declared)
            .into_iter()
            .chain(routes_opened_by(write, &declared))
            .chain(routes_opened(&declared));
        for route in opened {
            assert_eq!(route.access, Access::Scoped, "{route}");
        }
    }

    #[test]
    fn scopes_are_sorted_into_classic_and_granular() {
        assert!(is_classic(scope("read:jira-work")));
        assert!(!is_classic(scope("read:issue:jira")));
        assert!(!is_classic(scope(
            "read:ops-config:jira-service-management"
        )));
    }
}
