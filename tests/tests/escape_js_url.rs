//! Escape suite, URL and routing, as a JavaScript (Forge) app: path tricks in
//! `route` values (Forge's own escaping rules refuse them in the layer), the
//! same tricks past the layer (`assumeTrustedRoute`, values the layer lets
//! through) and past it entirely (the raw `kiln:app/jira` import), another
//! site's cloud id, absolute URLs and query smuggling. Whatever the layer
//! does, the host decides: each refusal is Kiln's typed `request-error` with
//! its rule, recorded in the audit, and nothing refused reaches Jira.

use crate::escape_js_app::{self as js, caught};
use crate::support::Harness;

use serde_json::{Value, json};

const FORGE_PATH_RULE: &str = "Disallowing path manipulation attempt";
const FORGE_ROUTE_RULE: &str = "You must create your route using the 'route' export";

async fn path_trick(h: &Harness, app: &kiln_runtime::LoadedApp, case: &str) -> Value {
    js::report(h, app, "paths", json!({ "case": case })).await
}

#[tokio::test]
async fn js_url_route_values_refused_by_forges_rules() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    for (case, rule) in [
        ("route_dot_dot", FORGE_PATH_RULE),
        ("route_encoded_dot_dot", FORGE_PATH_RULE),
        ("route_question_mark", FORGE_PATH_RULE),
        ("route_hash", FORGE_PATH_RULE),
        ("route_backslash", FORGE_PATH_RULE),
        ("plain_string", FORGE_ROUTE_RULE),
        ("absolute_string", FORGE_ROUTE_RULE),
    ] {
        let report = path_trick(&h, &app, case).await;
        let caught = caught(&report);
        assert_eq!(caught.class, "Error", "{case}: {report}");
        assert!(caught.message.contains(rule), "{case}: {report}");
        assert_eq!(caught.tag, None, "{case}: the layer refused, not the host");
    }
    // Refused before any host call: nothing sent, nothing to audit.
    h.assert_jira_untouched();
    assert!(h.audit.records().is_empty(), "{:?}", h.audit.records());
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_url_host_refuses_what_the_layer_lets_through() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let cases = [
        (
            "route_encoded_slash",
            "invalid-request",
            "encodes a forbidden character '/'",
        ),
        (
            "route_another_cloud_id",
            "invalid-request",
            "another site's cloud id",
        ),
        ("trusted_dot_dot", "invalid-request", "dot segment"),
        ("trusted_encoded_dot_dot", "invalid-request", "dot segment"),
        ("trusted_absolute", "invalid-request", "single `/`"),
        ("trusted_protocol_relative", "invalid-request", "single `/`"),
        (
            "trusted_outside_catalogue",
            "unknown-route",
            "matches no Jira route",
        ),
    ];
    for (case, tag, words) in cases {
        let report = path_trick(&h, &app, case).await;
        js::assert_host_refused(&report, tag, words);
    }
    h.assert_jira_untouched();
    let decisions: Vec<&str> = h.audit.records().iter().map(|r| r.decision).collect();
    let expected: Vec<&str> = cases.iter().map(|(_, tag, _)| *tag).collect();
    assert_eq!(decisions, expected);
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_url_a_scope_the_manifest_lacks_is_forges_401() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    // The host refuses it (scope-denied, audited, Jira untouched); the layer
    // answers what Forge's proxy answers such a request, a 401 response the
    // app reads, and logs the scopes to add.
    let invoked = h
        .invoke(&app, "paths", json!({ "case": "scope_lacking" }))
        .await;
    let report = crate::support::ok_json(&invoked);
    let answer = &report["ok"];
    assert_eq!(answer["status"], 401, "{report}");
    assert_eq!(answer["ok"], false, "{report}");
    assert_eq!(
        answer["body"], r#"{"code":401,"message":"Unauthorized; scope does not match"}"#,
        "{report}"
    );
    let logged: Vec<&str> = invoked.logs.iter().map(|l| l.message.as_str()).collect();
    assert!(
        logged.iter().any(
            |line| line.contains("GET /rest/api/3/workflowscheme answered 401")
                && line.contains("add manage:jira-configuration")
        ),
        "{logged:?}"
    );
    h.assert_jira_untouched();
    let decisions: Vec<&str> = h.audit.records().iter().map(|r| r.decision).collect();
    assert_eq!(decisions, ["scope-denied"]);
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_url_raw_calls_past_the_layer() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let another_cloud = "/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules";
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({ "path": "/rest/api/3/../../admin" }),
            "invalid-request",
            "dot segment",
        ),
        (
            json!({ "path": "/rest/api/3/.%2E/admin" }),
            "invalid-request",
            "dot segment",
        ),
        (
            json!({ "path": "/rest/api/3/issue/KILN-1%2f..%2fadmin" }),
            "invalid-request",
            "encodes a forbidden character",
        ),
        (
            json!({ "path": "/rest/api/3/myself?accountId=someone-else" }),
            "invalid-request",
            "forbidden character",
        ),
        (
            json!({ "path": "/rest/api/3/myself#/../admin" }),
            "invalid-request",
            "forbidden character",
        ),
        (
            json!({ "path": "/rest/api/3/issue/KILN-1\r\nHost: evil.example" }),
            "invalid-request",
            "forbidden character",
        ),
        (
            json!({ "path": "https://evil.example/rest/api/3/myself" }),
            "invalid-request",
            "single `/`",
        ),
        (
            json!({ "path": "//evil.example/rest/api/3/myself" }),
            "invalid-request",
            "single `/`",
        ),
        (
            json!({ "path": another_cloud }),
            "invalid-request",
            "another site's cloud id",
        ),
        (
            json!({ "path": "/rest/api/3/myself", "headers": [["Host", "evil.example"]] }),
            "invalid-request",
            "set by the host only",
        ),
        (
            json!({ "path": "/admin/secrets" }),
            "unknown-route",
            "matches no Jira route",
        ),
    ];
    for (request, tag, words) in cases {
        let report = js::report(&h, &app, "raw", request.clone()).await;
        let caught = caught(&report);
        assert_eq!(caught.tag.as_deref(), Some(*tag), "{request}: {report}");
        assert!(
            caught.detail.to_string().contains(words),
            "{request}: {report}"
        );
    }
    h.assert_jira_untouched();
    let decisions: Vec<&str> = h.audit.records().iter().map(|r| r.decision).collect();
    let expected: Vec<&str> = cases.iter().map(|(_, tag, _)| *tag).collect();
    assert_eq!(decisions, expected);
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_url_absolute_url_keeps_the_sites_origin() {
    // Forge's `routeFromAbsolute` keeps the path and query of the URL it is
    // given; the origin is always the host's.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = path_trick(&h, &app, "from_absolute_url").await;
    assert_eq!(report["ok"]["status"], 200, "{report}");
    let seen = h.sim.requests();
    assert_eq!(seen.len(), 1, "{:?}", h.paths_seen());
    assert_eq!(seen[0].path, "/rest/api/3/myself");
    assert_eq!(seen[0].query.as_deref(), Some("expand=groups"));
    let audit = h.audit.records();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].decision, "allowed");
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_url_query_value_smuggling() {
    // `route` encodes a query value; the layer splits the query into pairs
    // and the host encodes each again: the value cannot add a parameter, a
    // fragment or a header line.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = path_trick(&h, &app, "query_smuggling").await;
    assert_eq!(report["ok"]["status"], 200, "{report}");
    let seen = h.sim.requests();
    assert_eq!(seen.len(), 1, "{:?}", h.paths_seen());
    let query = seen[0].query.clone().unwrap_or_default();
    assert!(query.starts_with("expand=groups"), "{query}");
    for raw in ["&accountId", "#", "\r", "\n", " "] {
        assert!(!query.contains(raw), "{raw:?} arrived raw in {query}");
    }
    js::assert_serves(&h, &app).await;
}
