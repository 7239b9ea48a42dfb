//! Operations on the calling app's own data, opened only where the site knows
//! the app as itself.
//!
//! Jira keeps some data per calling app and lets only that app change it: a
//! Forge app's properties (`PUT`/`DELETE /rest/forge/1/app/properties/{key}`,
//! which Jira expressions read as `app.properties`), the values of the app's
//! own custom fields (`/rest/api/3/app/field/…/value`), its JQL functions'
//! precomputations, its UI modifications. Atlassian's spec opens them to any
//! OAuth 2.0 token with no scope (the catalogue's
//! [`Access::OwnAppData`]), because Jira confines each call to the caller's
//! own data.
//!
//! That confinement is only as good as the caller's identity:
//!
//! - **on a configured site** every app a Kiln host serves calls Jira with the
//!   host's credential (an API token, a 3LO login, a service account's client
//!   credential), so to Jira they are one caller. Were these operations open,
//!   app A could set, overwrite or delete what Jira keeps for app B: the
//!   properties B's display conditions and validators read, the values of B's
//!   fields, B's precomputed JQL answers. And Jira documents them for Forge
//!   and Connect apps only ("This API can only be accessed using asApp()
//!   requests from Forge"), which such a credential is not, so there they
//!   could at best fail at the site;
//! - **on Kiln's simulator** each app has an integration of its own (its
//!   `asApp()` client, its own account), as each Forge app has on Jira, and
//!   the site confines these operations to it, as Jira does.
//!
//! So [`refusal`] opens them only to a client whose credentials the site
//! knows as this one app's ([`CredentialOwner::App`]); only the code that gave
//! the app its own integration says so
//! ([`JiraClient::owned_by_the_app`](crate::jira::client::JiraClient::owned_by_the_app)).
//! Every other client is the host's ([`CredentialOwner::Host`], the default),
//! and the app is told why, before anything is sent.

use kiln_manifest::Route;
use kiln_manifest::catalogue::Access;

/// Whom the site takes a client's credentials for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CredentialOwner {
    /// The Kiln host: every app it serves on the site calls with them, so the
    /// site cannot tell its apps apart. The default: a client is the host's
    /// unless its maker gave the app an identity of its own.
    #[default]
    Host,
    /// This app alone: the site knows the app principal as this app (the
    /// simulator's per-app integration), and confines its own data to it.
    App,
}

/// Why `route` is not open to a client whose credentials `owner` holds, if
/// it is not: the text the guest reads, naming the operation and why.
pub fn refusal(route: &Route, owner: CredentialOwner) -> Option<String> {
    if route.access != Access::OwnAppData || owner == CredentialOwner::App {
        return None;
    }
    Some(format!(
        "{} {} is Jira's {}: Jira keeps this data per calling app and answers it only to Forge and Connect apps, and on this site every app this host serves calls Jira with the host's one credential, so no app may call it (the data would be every app's); it is open on Kiln's embedded simulator, where each app has an identity of its own",
        route.method, route.template, route.operation_id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_manifest::{Method, catalogue};

    /// Each of the catalogue's own-app-data operations, by a path an app
    /// would write.
    const OWN_APP_DATA: [(Method, &str); 8] = [
        (Method::Put, "/rest/forge/1/app/properties/my-key"),
        (Method::Delete, "/rest/forge/1/app/properties/my-key"),
        (Method::Put, "/rest/api/3/app/field/customfield_10050/value"),
        (Method::Post, "/rest/api/3/app/field/value"),
        (Method::Get, "/rest/api/3/jql/function/computation"),
        (Method::Post, "/rest/api/3/jql/function/computation"),
        (Method::Post, "/rest/api/3/jql/function/computation/search"),
        (Method::Delete, "/rest/api/3/uiModifications/7"),
    ];

    #[test]
    fn the_list_is_every_own_app_data_route() {
        // A regenerated catalogue with another such operation fails here, so
        // the list of what this rule guards is read again.
        let catalogued = catalogue()
            .routes()
            .iter()
            .filter(|r| r.access == Access::OwnAppData)
            .count();
        assert_eq!(catalogued, OWN_APP_DATA.len());
        for (method, path) in OWN_APP_DATA {
            let route = catalogue().match_route(method, path).expect("catalogued");
            assert_eq!(route.access, Access::OwnAppData, "{method} {path}");
        }
    }

    #[test]
    fn the_hosts_credentials_are_refused_them_and_the_apps_own_are_not() {
        for (method, path) in OWN_APP_DATA {
            let route = catalogue().match_route(method, path).expect("catalogued");
            let text = refusal(route, CredentialOwner::Host).expect("refused on the host's");
            assert!(text.contains(route.operation_id), "{text}");
            assert!(text.contains("simulator"), "{text}");
            assert_eq!(refusal(route, CredentialOwner::App), None, "{path}");
        }
    }

    #[test]
    fn other_routes_are_left_to_the_scopes() {
        for (method, path) in [
            (Method::Get, "/rest/api/3/myself"),
            (Method::Get, "/rest/forge/1/app/properties/my-key"),
            (Method::Put, "/rest/api/3/issue/KILN-1/properties/my-key"),
            (Method::Get, "/rest/api/3/serverInfo"),
        ] {
            let route = catalogue().match_route(method, path).expect("catalogued");
            assert_eq!(refusal(route, CredentialOwner::Host), None, "{path}");
        }
    }
}
