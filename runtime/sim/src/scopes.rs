//! Which OAuth scopes an operation needs behind the gateway.
//!
//! Read from Kiln's route → scope catalogue (`kiln-manifest`), which is generated
//! from the `x-atlassian-oauth2-scopes` of Atlassian's platform and Software specs
//! and the JSM Ops route → scope table: the simulator's gateway and Kiln's host
//! grant an operation on one rule, so an app that passes Kiln's check is not
//! refused by the simulated site for a scope, nor the other way round. An
//! operation the catalogue does not list (one no OAuth 2.0 scope opens, such as
//! `searchPriorities`) is refused to every bearer token: deny by default; one it
//! opens to every app (`serverInfo`, an anonymous read, or an operation on the
//! calling app's own data such as `putForgeAppProperty`) is served to every
//! token. The handlers of the latter confine it to the calling app
//! (`platform/app_property.rs`, `platform/app_field_value.rs`), as Jira does,
//! so the gateway need not. API tokens carry the user's whole authority and are
//! not scope-checked (`access.rs`).

use axum::http::Method;
use kiln_manifest::catalogue::{self, Scope};

/// Scope sets any one of which grants the operation (classic first, then
/// granular, as the catalogue lists them).
pub(crate) type Alternatives = &'static [&'static [Scope]];

/// The scope alternatives for `method` on the route `template`: an axum route
/// template without the gateway's `/ex/jira/{cloud_id}` prefix, such as
/// `/rest/api/2/issue/{issue_id_or_key}` or `/jsm/ops/api/{cloud_id}/v1/alerts`.
///
/// The template is matched against the catalogue as a path: a `{name}` segment is
/// a segment no literal of Atlassian's templates spells, so it only meets the
/// catalogue's own `{param}` there, while the simulator's literal segments meet
/// literals first (`issue/bulkfetch` before `issue/{issueIdOrKey}`), as a
/// request's path would. REST API v2 reads as v3 (the catalogue's rule).
pub(crate) fn required(method: &Method, template: &str) -> Option<Alternatives> {
    /// The one alternative of a route every app may call: no scope.
    const ANYONE: Alternatives = &[&[]];
    let route = route(method, template)?;
    Some(match route.access {
        catalogue::Access::AnonymousRead | catalogue::Access::OwnAppData => ANYONE,
        catalogue::Access::Scoped => route.alternatives,
    })
}

/// The catalogue's route for `method` on the simulator's route `template`.
fn route(method: &Method, template: &str) -> Option<&'static catalogue::Route> {
    let method = method.as_str().parse::<catalogue::Method>().ok()?;
    catalogue::catalogue().match_route(method, template)
}

/// Whether the operation `method` on `template` only reads: a `GET`, `HEAD` or
/// `OPTIONS`, or an operation whose every scope alternative holds read scopes only
/// (`read:…`), as Atlassian opens the reads sent with `POST`
/// (`searchAndReconsileIssuesUsingJqlPost`, `bulkFetchIssues`). An operation the catalogue does not know is not a read: the
/// write budget (`write_budget.rs`) counts it, as deny by default would.
///
/// The catalogue's alternatives are read, not [`required`]'s: an operation
/// on the app's own data needs no scope, yet the app-data scope the spec
/// names for it (`write:app-data:jira` for `putForgeAppProperty`) still says
/// whether it writes. An anonymous read names none and reads.
pub(crate) fn only_reads(method: &Method, template: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    route(method, template).is_some_and(|route| {
        route.alternatives.iter().all(|scopes| {
            scopes
                .iter()
                .all(|scope| scope.as_str().starts_with("read:"))
        })
    })
}

/// Whether `granted` covers every scope of at least one alternative.
pub(crate) fn satisfied(
    alternatives: Alternatives,
    granted: &std::collections::BTreeSet<String>,
) -> bool {
    alternatives
        .iter()
        .any(|needed| needed.iter().all(|scope| granted.contains(scope.as_str())))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| String::from(*s)).collect()
    }

    /// The catalogue's alternatives for the spec's own template.
    fn spec(method: catalogue::Method, template: &str) -> Alternatives {
        catalogue::catalogue()
            .route(method, template)
            .expect("catalogued")
            .alternatives
    }

    #[test]
    fn reads_sent_with_post_are_reads_and_writes_are_not() {
        assert!(only_reads(&Method::POST, "/rest/api/3/search/jql"));
        assert!(only_reads(&Method::POST, "/rest/api/3/issue/bulkfetch"));
        assert!(only_reads(
            &Method::GET,
            "/rest/api/3/issue/{issue_id_or_key}"
        ));
        assert!(!only_reads(&Method::POST, "/rest/api/3/issue"));
        assert!(!only_reads(
            &Method::PUT,
            "/rest/api/3/issue/{issue_id_or_key}"
        ));
        assert!(!only_reads(
            &Method::PUT,
            "/rest/api/3/issue/{issue_id_or_key}/properties/{property_key}"
        ));
        assert!(!only_reads(&Method::POST, "/rest/api/3/no/such/route"));
    }

    #[test]
    fn classic_or_granular_grants_an_operation() {
        let alts = required(&Method::PUT, "/rest/api/3/issue/{issue_id_or_key}").expect("mapped");
        assert!(satisfied(alts, &set(&["write:jira-work"])));
        assert!(satisfied(alts, &set(&["write:issue:jira"])));
        assert!(!satisfied(alts, &set(&["read:jira-work"])));
        assert!(!satisfied(alts, &set(&[])));
    }

    #[test]
    fn a_simulator_template_meets_the_spec_template_of_its_operation() {
        use catalogue::Method as M;
        let cases: &[(Method, &str, M, &str)] = &[
            (
                Method::GET,
                "/rest/api/2/issue/{issue_id_or_key}/comment/{id}",
                M::Get,
                "/rest/api/3/issue/{issueIdOrKey}/comment/{id}",
            ),
            // A literal segment meets the spec's literal, not its parameter.
            (
                Method::POST,
                "/rest/api/3/issue/bulkfetch",
                M::Post,
                "/rest/api/3/issue/bulkfetch",
            ),
            (
                Method::GET,
                "/rest/forge/1/app/properties/{property_key}",
                M::Get,
                "/rest/forge/1/app/properties/{propertyKey}",
            ),
            (
                Method::PATCH,
                "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}",
                M::Patch,
                "/jsm/ops/api/{cloudId}/v1/schedules/{id}",
            ),
        ];
        for (method, template, spec_method, spec_template) in cases {
            assert_eq!(
                required(method, template),
                Some(spec(*spec_method, spec_template)),
                "{method} {template}"
            );
        }
        // `searchAndReconsileIssuesUsingJqlPost` lists granular scopes of its
        // own, not the GET's (a hand-kept table once gave it the GET's).
        assert_ne!(
            required(&Method::POST, "/rest/api/3/search/jql"),
            required(&Method::GET, "/rest/api/3/search/jql")
        );
    }

    #[test]
    fn ops_writes_need_the_read_scope_too() {
        let alts = required(&Method::POST, "/jsm/ops/api/{cloud_id}/v1/schedules").expect("mapped");
        assert!(!satisfied(
            alts,
            &set(&["write:ops-config:jira-service-management"])
        ));
        assert!(satisfied(
            alts,
            &set(&[
                "read:ops-config:jira-service-management",
                "write:ops-config:jira-service-management"
            ])
        ));
    }

    /// What no OAuth 2.0 scope opens, or no spec serves, no token is granted.
    #[test]
    fn operations_without_a_scope_are_refused() {
        for (method, template) in [
            (Method::GET, "/rest/api/3/data-policy"),
            (Method::POST, "/rest/api/3/serverInfo"),
            (Method::GET, "/rest/api/2/priority/search"),
            (Method::PUT, "/rest/api/3/issue/{issue_id_or_key}/votes"),
            (
                Method::PUT,
                "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}",
            ),
            (Method::OPTIONS, "/rest/api/3/issue/{issue_id_or_key}"),
            (
                Method::GET,
                "/rest/api/3/issue/{issue_id_or_key}/../../serverInfo",
            ),
        ] {
            assert_eq!(required(&method, template), None, "{method} {template}");
        }
    }

    /// The operations on the calling app's own data are served to a token with
    /// no scope (their handlers confine them to the app), and to one with the
    /// app-data scope; the writes among them still count as writes.
    #[test]
    fn own_app_data_is_served_to_every_token_and_writes_stay_writes() {
        let writes = [
            (Method::PUT, "/rest/forge/1/app/properties/{property_key}"),
            (
                Method::DELETE,
                "/rest/forge/1/app/properties/{property_key}",
            ),
            (Method::PUT, "/rest/api/3/app/field/{field_id_or_key}/value"),
            (Method::PUT, "/rest/api/2/app/field/{field_id_or_key}/value"),
            (Method::POST, "/rest/api/3/app/field/value"),
            (Method::POST, "/rest/api/3/jql/function/computation"),
            (Method::DELETE, "/rest/api/3/uiModifications/{id}"),
        ];
        for (method, template) in writes {
            let alts = required(&method, template).expect("mapped");
            assert!(satisfied(alts, &set(&[])), "{method} {template}");
            assert!(
                satisfied(alts, &set(&["write:app-data:jira"])),
                "{method} {template}"
            );
            assert!(!only_reads(&method, template), "{method} {template}");
        }
        assert!(only_reads(
            &Method::POST,
            "/rest/api/3/jql/function/computation/search"
        ));
        // Reading app properties is not one: the spec opens it by scope only.
        let read =
            required(&Method::GET, "/rest/forge/1/app/properties/{property_key}").expect("mapped");
        assert!(!satisfied(read, &set(&[])));
        assert!(satisfied(read, &set(&["read:app-data:jira"])));
    }

    /// `serverInfo`, which the spec opens to anonymous callers and to any OAuth
    /// 2.0 token, is served to a token with no scope at all, as Kiln's host
    /// sends it for an app that declares none.
    #[test]
    fn an_anonymous_read_is_served_to_every_token() {
        for template in ["/rest/api/3/serverInfo", "/rest/api/2/serverInfo"] {
            let alts = required(&Method::GET, template).expect("mapped");
            assert!(satisfied(alts, &set(&[])), "{template}");
            assert!(satisfied(alts, &set(&["read:jira-work"])), "{template}");
        }
    }
}
