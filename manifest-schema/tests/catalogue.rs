//! Route matching and scope decisions, as the runtime uses them.

use std::path::Path;

use kiln_manifest::{
    Access, DeclaredScopes, Manifest, Method, Product, Route, Scope, ScopeDecision, catalogue,
};

fn scope(name: &str) -> Scope {
    name.parse().unwrap_or_else(|error| panic!("{error}"))
}

fn scopes(names: &[&str]) -> DeclaredScopes {
    names.iter().map(|name| scope(name)).collect()
}

fn route(method: Method, template: &str) -> &'static Route {
    catalogue()
        .route(method, template)
        .unwrap_or_else(|| panic!("{method} {template} is catalogued"))
}

#[test]
fn match_route_table() {
    use Method::*;
    let cases: &[(Method, &str, Option<&str>)] = &[
        (
            Get,
            "/rest/api/3/issue/KEY-1",
            Some("/rest/api/3/issue/{issueIdOrKey}"),
        ),
        (
            Get,
            "/rest/api/3/issue/10001/comment",
            Some("/rest/api/3/issue/{issueIdOrKey}/comment"),
        ),
        // A literal segment beats a parameter in the same position.
        (
            Get,
            "/rest/api/3/issue/createmeta",
            Some("/rest/api/3/issue/createmeta"),
        ),
        (
            Post,
            "/rest/api/3/issue/bulk",
            Some("/rest/api/3/issue/bulk"),
        ),
        (
            Put,
            "/rest/api/3/issue/bulk",
            Some("/rest/api/3/issue/{issueIdOrKey}"),
        ),
        // Enhanced JQL search, from the December 2025 spec.
        (
            Get,
            "/rest/api/3/search/jql",
            Some("/rest/api/3/search/jql"),
        ),
        (
            Post,
            "/rest/api/3/search/jql",
            Some("/rest/api/3/search/jql"),
        ),
        (
            Post,
            "/rest/api/3/search/approximate-count",
            Some("/rest/api/3/search/approximate-count"),
        ),
        // Jira Software and JSM Ops.
        (
            Get,
            "/rest/agile/1.0/board/42/sprint",
            Some("/rest/agile/1.0/board/{boardId}/sprint"),
        ),
        (
            Get,
            "/jsm/ops/api/c-1/v1/schedules/s-1",
            Some("/jsm/ops/api/{cloudId}/v1/schedules/{id}"),
        ),
        // A parameter with a literal suffix, and its bare neighbour.
        (
            Get,
            "/jsm/ops/api/c-1/v1/schedules/s-1.ics",
            Some("/jsm/ops/api/{cloudId}/v1/schedules/{scheduleId}.ics"),
        ),
        (
            Get,
            "/jsm/ops/api/c-1/v1/schedules/.ics",
            Some("/jsm/ops/api/{cloudId}/v1/schedules/{id}"),
        ),
        // Newer than the 2024 snapshot: Forge app properties, application roles.
        (
            Get,
            "/rest/forge/1/app/properties/my-key",
            Some("/rest/forge/1/app/properties/{propertyKey}"),
        ),
        (
            Get,
            "/rest/api/3/applicationrole",
            Some("/rest/api/3/applicationrole"),
        ),
        // Dropped by the December 2025 spec.
        (Post, "/rest/api/3/search/id", None),
        // Wrong method for a known path.
        (Delete, "/rest/api/3/search/jql", None),
        (Patch, "/rest/api/3/issue/KEY-1", None),
        // Trailing slash, empty segments, dot-segments, no leading slash.
        (Get, "/rest/api/3/issue/", None),
        (Get, "/rest/api/3/issue/KEY-1/", None),
        (Get, "/rest/api/3//issue/KEY-1", None),
        (Get, "/rest/api/3/issue//comment", None),
        (Get, "/rest/api/3/issue/..", None),
        (Get, "/rest/api/3/issue/./comment", None),
        (Get, "rest/api/3/issue/KEY-1", None),
        (Get, "", None),
        (Get, "/", None),
        // REST API v2: v3's operations, so v3's route and scopes.
        (
            Get,
            "/rest/api/2/issue/KEY-1",
            Some("/rest/api/3/issue/{issueIdOrKey}"),
        ),
        // Catalogued with no scope: every app may read it (`Access::AnonymousRead`).
        (
            Get,
            "/rest/api/3/serverInfo",
            Some("/rest/api/3/serverInfo"),
        ),
        (
            Get,
            "/rest/api/2/serverInfo",
            Some("/rest/api/3/serverInfo"),
        ),
        // Not catalogued: no OAuth scope, other API versions, other case.
        (Get, "/rest/api/3/data-policy", None),
        (Post, "/rest/api/3/serverInfo", None),
        (Get, "/rest/api/1/issue/KEY-1", None),
        (Get, "/rest/api/latest/issue/KEY-1", None),
        (Get, "/rest/api/3/ISSUE/KEY-1", None),
        (
            Get,
            "/rest/api/3/issue/KEY-1/comment/1/extra/segments/here",
            None,
        ),
    ];
    for (method, path, expected) in cases {
        let matched = catalogue()
            .match_route(*method, path)
            .map(|route| route.template);
        assert_eq!(matched, *expected, "{method} {path:?}");
        if let Some(route) = catalogue().match_route(*method, path) {
            assert_eq!(route.method, *method);
        }
    }
}

#[test]
fn every_template_matches_itself_and_nothing_shadows_it() {
    for route in catalogue().routes() {
        // Parameter names stand in for values; a literal neighbour can only win
        // where the spec also has a route with that exact literal.
        let matched = catalogue()
            .match_route(route.method, route.template)
            .expect("a template matches itself");
        assert_eq!(matched, route, "{route} is shadowed by {matched}");
    }
}

#[test]
fn route_facts() {
    let issue = route(Method::Get, "/rest/api/3/issue/{issueIdOrKey}");
    assert_eq!(issue.operation_id, "getIssue");
    assert_eq!(issue.product, Product::Platform);
    assert_eq!(issue.to_string(), "GET /rest/api/3/issue/{issueIdOrKey}");
    assert_eq!(
        issue.alternatives[0],
        &[scope("read:jira-work")],
        "classic first"
    );
    assert!(
        issue.alternatives.len() == 2 && issue.alternatives[1].len() > 1,
        "granular second"
    );
    assert_eq!(
        route(Method::Get, "/rest/agile/1.0/board").product,
        Product::Software
    );
    assert_eq!(
        route(Method::Post, "/jsm/ops/api/{cloudId}/v1/schedules").product,
        Product::JsmOps
    );
    for route in catalogue().routes() {
        match route.access {
            Access::Scoped => {
                assert!(!route.alternatives.is_empty(), "{route} has no alternative")
            }
            Access::AnonymousRead => {
                assert!(route.alternatives.is_empty(), "{route} names scopes")
            }
            // The app-data scope the spec names beside "no scope" is kept.
            Access::OwnAppData => {
                assert!(!route.alternatives.is_empty(), "{route} has no alternative")
            }
        }
        assert!(
            route
                .alternatives
                .iter()
                .all(|alternative| !alternative.is_empty()),
            "{route} has an empty set"
        );
    }
}

#[test]
fn method_names() {
    assert_eq!(Method::Patch.to_string(), "PATCH");
    assert_eq!("DELETE".parse::<Method>(), Ok(Method::Delete));
    assert!("get".parse::<Method>().is_err() && "HEAD".parse::<Method>().is_err());
}

#[test]
fn classic_only_manifest_reaches_get_issue() {
    let issue = route(Method::Get, "/rest/api/3/issue/{issueIdOrKey}");
    assert_eq!(
        scopes(&["read:jira-work"]).allows(issue),
        ScopeDecision::Granted {
            alternative: issue.alternatives[0]
        }
    );
}

#[test]
fn granular_only_manifest_reaches_get_issue() {
    let issue = route(Method::Get, "/rest/api/3/issue/{issueIdOrKey}");
    let manifest = Manifest::load(Path::new("tests/golden/valid/granular-scopes.yml"))
        .expect("valid golden case");
    let declared = manifest.declared_scopes();
    assert!(!declared.contains(scope("read:jira-work")));
    assert_eq!(
        declared.allows(issue),
        ScopeDecision::Granted {
            alternative: issue.alternatives[1]
        }
    );
}

#[test]
fn write_route_needs_read_and_write() {
    let create = route(Method::Post, "/jsm/ops/api/{cloudId}/v1/schedules");
    let read = "read:ops-config:jira-service-management";
    let write = "write:ops-config:jira-service-management";
    assert_eq!(
        scopes(&[read]).allows(create),
        ScopeDecision::Denied {
            missing: vec![scope(write)]
        }
    );
    assert_eq!(
        scopes(&[write]).allows(create),
        ScopeDecision::Denied {
            missing: vec![scope(read)]
        }
    );
    assert!(scopes(&[read, write]).allows(create).is_granted());
}

/// `serverInfo` and the bulk permission check (`authorize()`'s request) are
/// granted to an app that declares no scope; besides them only the operations
/// on the app's own data are ([`own_app_data_routes_are_exactly_these`]):
/// nothing else is granted to an empty declaration.
#[test]
fn an_anonymous_read_is_granted_with_no_scope_and_nothing_else_is() {
    let server_info = route(Method::Get, "/rest/api/3/serverInfo");
    assert_eq!(server_info.access, Access::AnonymousRead);
    assert_eq!(
        DeclaredScopes::default().allows(server_info),
        ScopeDecision::Granted { alternative: &[] }
    );
    let open: Vec<String> = catalogue()
        .routes()
        .iter()
        .filter(|route| route.access != Access::OwnAppData)
        .filter(|route| DeclaredScopes::default().allows(route).is_granted())
        .map(|route| route.to_string())
        .collect();
    assert_eq!(
        open,
        [
            "POST /rest/api/3/permissions/check",
            "GET /rest/api/3/serverInfo"
        ]
    );
}

/// Golden list: the routes the generator's own-app-data rule catches in the
/// December 2025 spec. Each one Jira confines to the calling app's own data
/// (its fields' values, JQL function precomputations, UI modifications, Forge
/// app properties); a route added here must be checked to be one of those.
const OWN_APP_DATA: [&str; 8] = [
    "POST /rest/api/3/app/field/value",
    "PUT /rest/api/3/app/field/{fieldIdOrKey}/value",
    "GET /rest/api/3/jql/function/computation",
    "POST /rest/api/3/jql/function/computation",
    "POST /rest/api/3/jql/function/computation/search",
    "DELETE /rest/api/3/uiModifications/{uiModificationId}",
    "PUT /rest/forge/1/app/properties/{propertyKey}",
    "DELETE /rest/forge/1/app/properties/{propertyKey}",
];

#[test]
fn own_app_data_routes_are_exactly_these() {
    let own: Vec<String> = catalogue()
        .routes()
        .iter()
        .filter(|route| route.access == Access::OwnAppData)
        .map(|route| route.to_string())
        .collect();
    assert_eq!(own, OWN_APP_DATA);
    // The same routes, and no other, are what an empty declaration opens
    // beyond the two anonymous reads.
    let open = catalogue()
        .routes()
        .iter()
        .filter(|route| DeclaredScopes::default().allows(route).is_granted())
        .count();
    assert_eq!(open, OWN_APP_DATA.len() + 2);
}

/// An app with no scope sets its own field's value and property, as on
/// Forge; declaring the app-data scope the spec also names is accepted too,
/// and grants by no scope either way. Through REST API v2 as through v3.
#[test]
fn own_app_data_is_granted_with_or_without_the_app_data_scope() {
    let cases = [
        (Method::Put, "/rest/forge/1/app/properties/my-key"),
        (Method::Delete, "/rest/forge/1/app/properties/my-key"),
        (Method::Put, "/rest/api/3/app/field/customfield_10050/value"),
        (Method::Put, "/rest/api/2/app/field/customfield_10050/value"),
        (Method::Post, "/rest/api/3/app/field/value"),
        (Method::Post, "/rest/api/3/jql/function/computation/search"),
        (Method::Delete, "/rest/api/3/uiModifications/d7a2d3e0"),
    ];
    for (method, path) in cases {
        let route = catalogue()
            .match_route(method, path)
            .unwrap_or_else(|| panic!("{method} {path} is catalogued"));
        assert_eq!(route.access, Access::OwnAppData, "{route}");
        for declared in [
            DeclaredScopes::default(),
            scopes(&["write:app-data:jira"]),
            scopes(&["read:app-data:jira", "write:app-data:jira"]),
            scopes(&["read:jira-work"]),
        ] {
            assert_eq!(
                declared.allows(route),
                ScopeDecision::Granted { alternative: &[] },
                "{route} with {declared:?}"
            );
        }
    }
}

/// Writes next to the own-app-data routes that touch more than the app's own
/// data stay shut to an app with no scope: another field's value or context,
/// a UI modification's creation or edit (which names projects and issue
/// types), reading app properties (which the spec opens by
/// `read:app-data:jira` only), and Connect's add-on properties, which name
/// any app in the path.
#[test]
fn writes_beside_own_app_data_stay_shut() {
    let cases = [
        (Method::Put, "/rest/api/3/issue/KEY-1/properties/p"),
        (Method::Put, "/rest/api/3/field/customfield_10050/context/1"),
        (
            Method::Put,
            "/rest/api/3/app/field/customfield_10050/context/configuration",
        ),
        (Method::Post, "/rest/api/3/uiModifications"),
        (Method::Put, "/rest/api/3/uiModifications/d7a2d3e0"),
        (Method::Get, "/rest/forge/1/app/properties/my-key"),
    ];
    for (method, path) in cases {
        let route = catalogue()
            .match_route(method, path)
            .unwrap_or_else(|| panic!("{method} {path} is catalogued"));
        assert_eq!(route.access, Access::Scoped, "{route}");
        assert!(
            !DeclaredScopes::default().allows(route).is_granted(),
            "{route}"
        );
    }
    for path in [
        "/rest/atlassian-connect/1/addons/other-app/properties/p",
        "/rest/api/3/app/properties/p",
    ] {
        assert_eq!(catalogue().match_route(Method::Put, path), None, "{path}");
    }
}

/// Jira Software's DevOps APIs, which the spec leaves to Connect apps, are
/// granted by the Forge scopes Atlassian's own Forge app (jenkins-for-jira)
/// declares for them: the verb by the method. Security information has no
/// Forge scope and stays shut.
#[test]
fn devops_routes_are_granted_by_forge_devops_scopes() {
    let cases = [
        (
            Method::Post,
            "/rest/builds/0.1/bulk",
            "write:build-info:jira",
        ),
        (
            Method::Delete,
            "/rest/builds/0.1/bulkByProperties",
            "delete:build-info:jira",
        ),
        (
            Method::Get,
            "/rest/deployments/0.1/pipelines/p/environments/e/deployments/1/gating-status",
            "read:deployment-info:jira",
        ),
        (
            Method::Post,
            "/rest/devinfo/0.10/bulk",
            "write:dev-info:jira",
        ),
        (
            Method::Get,
            "/rest/featureflags/0.1/flag/f-1",
            "read:feature-flag-info:jira",
        ),
        (
            Method::Delete,
            "/rest/remotelinks/1.0/remotelink/r-1",
            "delete:remote-link-info:jira",
        ),
    ];
    for (method, path, needed) in cases {
        let route = catalogue()
            .match_route(method, path)
            .unwrap_or_else(|| panic!("{method} {path} is catalogued"));
        assert_eq!(route.product, Product::Software, "{route}");
        assert!(scopes(&[needed]).allows(route).is_granted(), "{route}");
        // Writing does not open reading, nor the other way round.
        assert!(
            !scopes(&["read:jira-work", "write:jira-work"])
                .allows(route)
                .is_granted()
        );
    }
    assert_eq!(
        catalogue().match_route(Method::Post, "/rest/security/1.0/bulk"),
        None
    );
    assert!(
        catalogue()
            .unscoped_operation(Method::Post, "/rest/security/1.0/bulk")
            .is_some()
    );
}

#[test]
fn denial_reports_the_alternative_needing_fewest_additions() {
    let issue = route(Method::Get, "/rest/api/3/issue/{issueIdOrKey}");
    let granular = issue.alternatives[1];

    // Nothing declared: the one-scope classic set is nearest.
    assert_eq!(
        DeclaredScopes::default().allows(issue),
        ScopeDecision::Denied {
            missing: vec![scope("read:jira-work")]
        }
    );

    // All granular scopes but one: one missing either way; the tie goes to classic.
    let almost: DeclaredScopes = granular[1..].iter().copied().collect();
    assert_eq!(
        almost.allows(issue),
        ScopeDecision::Denied {
            missing: vec![scope("read:jira-work")]
        }
    );

    // Write-scoped manifest on a read route: not granted by unrelated scopes.
    assert_eq!(
        scopes(&["write:jira-work", "manage:jira-configuration"]).allows(issue),
        ScopeDecision::Denied {
            missing: vec![scope("read:jira-work")]
        }
    );

    // A comment write via granular scopes, lacking two of them.
    let add_comment = route(Method::Post, "/rest/api/3/issue/{issueIdOrKey}/comment");
    let granular = add_comment.alternatives[1];
    let partial: DeclaredScopes = granular[2..].iter().copied().collect();
    let ScopeDecision::Denied { missing } = partial.allows(add_comment) else {
        panic!("should be denied")
    };
    assert_eq!(
        missing,
        vec![scope("write:jira-work")],
        "one classic scope beats two granular ones"
    );
    let mostly: DeclaredScopes = granular[1..].iter().copied().collect();
    assert_eq!(
        mostly.allows(add_comment),
        ScopeDecision::Denied {
            missing: vec![scope("write:jira-work")]
        }
    );
}

#[test]
fn declared_scopes_api() {
    let declared = scopes(&["write:jira-work", "read:jira-work", "read:jira-work"]);
    assert_eq!(declared.len(), 2);
    assert_eq!(
        declared.iter().map(Scope::as_str).collect::<Vec<_>>(),
        ["read:jira-work", "write:jira-work"]
    );
    assert!(
        declared.contains(scope("read:jira-work")) && !declared.contains(scope("read:jira-user"))
    );
}
