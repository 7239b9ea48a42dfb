//! Escape suite, URL and routing: every path trick of the policy table sent
//! through the real guest boundary, routes outside the catalogue, scopes the
//! manifest does not declare (classic, granular and across products), and
//! another tenant's cloud id. Each is refused with a typed `request-error`
//! naming the rule, and none reaches Jira.

use crate::support;

use kiln_runtime::LoadedApp;
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, manifest, ok_json};

async fn scopes_app(h: &Harness, scopes: &[&str]) -> LoadedApp {
    h.load(
        programs::SCOPES,
        &manifest("routing", &["call"], scopes, "timeoutSeconds: 10"),
    )
    .await
}

fn get(path: &str) -> Value {
    json!({ "principal": "user", "method": "GET", "path": path })
}

/// Sends `request` with `scopes` declared, expects refusal `kind` whose
/// detail contains `words`, checks nothing reached Jira, and that the app
/// then serves an allowed call.
async fn refused(scopes: &[&str], request: Value, kind: &str, words: &str) -> Value {
    let h = Harness::start().await;
    let app = scopes_app(&h, scopes).await;
    let out = ok_json(&h.invoke(&app, "call", request).await);
    assert_eq!(out["err"]["kind"], kind, "{out}");
    let detail = out["err"]["detail"].to_string();
    assert!(detail.contains(words), "expected {words:?} in {out}");
    h.assert_jira_untouched();
    // The audit line records the refusal.
    let audit = h.audit.records();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].decision, kind);
    let allowed = ok_json(&h.invoke(&app, "call", get("/rest/api/3/myself")).await);
    assert_eq!(allowed["ok"]["status"], 200, "{allowed}");
    out["err"].clone()
}

const USER_AND_WORK: &[&str] = &["read:jira-user", "read:jira-work", "write:jira-work"];

/// One test per hostile path: the path policy refuses it as
/// `invalid-request` with the rule's words.
macro_rules! path_trick {
    ($($name:ident: $path:expr => $words:expr;)+) => {$(
        #[tokio::test]
        async fn $name() {
            refused(USER_AND_WORK, get(&$path), "invalid-request", $words).await;
        }
    )+};
}

path_trick! {
    url_protocol_relative_path: "//evil.com/x" => "single `/`";
    url_absolute_https_url: "https://evil.com" => "single `/`";
    url_absolute_url_upper_case_scheme: "HTTP://evil.com" => "single `/`";
    url_backslash_after_slash: "/\\evil.com" => "forbidden character";
    url_unc_backslashes: "\\\\evil.com" => "single `/`";
    url_userinfo_at_sign: "@evil.com/x" => "single `/`";
    url_port_and_userinfo: ":443@evil.com/" => "single `/`";
    url_host_suffix_dot: ".evil.com/x" => "single `/`";
    url_encoded_dot_dot: "/rest/api/3/%2e%2e/x" => "dot segment";
    url_mixed_case_encoded_dot_dot: "/rest/api/3/.%2E/admin" => "dot segment";
    url_encoded_slash_traversal: "/rest/api/3/..%2f..%2fadmin" => "encodes a forbidden character";
    url_encoded_backslash_traversal: "/rest/api/3/..%5cadmin" => "encodes a forbidden character";
    url_semicolon_path_parameter: "/rest/api/3/..;/admin" => "forbidden character";
    url_fullwidth_dots: "/rest/api/3/\u{ff0e}\u{ff0e}/admin" => "forbidden character";
    url_crlf_header_injection: "/rest/api/3/issue/KILN-1\r\nHost: evil.com" => "forbidden character";
    url_encoded_nul_byte: "/rest/api/3/issue/KILN-1%00" => "encodes a forbidden character";
    url_fragment_in_path: "/rest/api/3/myself#fragment" => "forbidden character";
    url_query_in_path: "/rest/api/3/search?jql=x" => "forbidden character";
    url_double_encoded_dot_dot: "/rest/api/3/%252e%252e/x" => "encodes a forbidden character";
    url_empty_path: "" => "the path is empty";
    url_empty_segment: "/rest//api/3/myself" => "empty segment";
    url_plain_dot_dot_traversal: "/rest/api/3/../../../admin" => "dot segment";
    url_overlong_path: format!("/rest/api/3/issue/{}", "A".repeat(5000)) => "longer than";
}

#[tokio::test]
async fn url_route_outside_the_catalogue() {
    refused(
        USER_AND_WORK,
        get("/admin/secrets"),
        "unknown-route",
        "matches no Jira route",
    )
    .await;
}

#[tokio::test]
async fn url_connect_only_route_without_oauth_scope() {
    refused(
        USER_AND_WORK,
        get("/rest/api/3/data-policy"),
        "unknown-route",
        "is Jira's getPolicy (GET /rest/api/3/data-policy), but Atlassian's spec names no OAuth 2.0 scope that opens it",
    )
    .await;
}

/// The dynamic webhooks of the credential every app on a site shares are the
/// host's (its registrar delivers every app's product events through them):
/// an app that declares every scope Jira asks for them is still refused each
/// operation, as the app principal and as the user, however the path is
/// spelled, and nothing reaches Jira (runtime/src/policy/host_routes.rs).
#[tokio::test]
async fn url_host_webhooks_refused_whatever_the_scopes() {
    let all_webhook_scopes = [
        "manage:jira-webhook",
        "read:jira-work",
        "read:jira-user",
        "read:webhook:jira",
        "write:webhook:jira",
        "delete:webhook:jira",
        "read:jql:jira",
        "read:field:jira",
        "read:project:jira",
    ];
    let deletion = json!({ "webhookIds": [1, 2, 3] });
    let cases = [
        ("GET", "/rest/api/3/webhook", "getDynamicWebhooksForApp"),
        ("GET", "/rest/api/2/webhook", "getDynamicWebhooksForApp"),
        ("GET", "/rest/api/3/webhook/failed", "getFailedWebhooks"),
        ("POST", "/rest/api/3/webhook", "registerDynamicWebhooks"),
        ("DELETE", "/rest/api/3/webhook", "deleteWebhookById"),
        ("PUT", "/rest/api/3/webhook/refresh", "refreshWebhooks"),
    ];
    for principal in ["app", "user"] {
        for (method, path, operation) in cases {
            let request = json!({
                "principal": principal,
                "method": method,
                "path": path,
                "headers": [["content-type", "application/json"]],
                "body": deletion.to_string(),
            });
            let err = refused(&all_webhook_scopes, request, "unknown-route", operation).await;
            let detail = err["detail"].to_string();
            assert!(
                detail.contains("belong to the Kiln host"),
                "{principal} {method} {path}: {err}"
            );
        }
    }
}

#[tokio::test]
async fn url_undeclared_scope() {
    let err = refused(
        &["read:jira-user"],
        get("/rest/api/3/issue/KILN-1"),
        "scope-denied",
        "read:jira-work",
    )
    .await;
    assert_eq!(
        err["detail"]["route"],
        "GET /rest/api/3/issue/{issueIdOrKey}"
    );
    assert_eq!(err["detail"]["missing"], json!(["read:jira-work"]));
}

#[tokio::test]
async fn url_write_with_only_read_scope() {
    let err = refused(
        READ_ONLY,
        comment("/rest/api/3/issue/KILN-1/comment", "{}"),
        "scope-denied",
        "write:jira-work",
    )
    .await;
    assert_eq!(err["detail"]["missing"], json!(["write:jira-work"]));
}

const READ_ONLY: &[&str] = &["read:jira-user", "read:jira-work"];

/// A JSON POST of `body` to `path`, as the user.
fn comment(path: &str, body: &str) -> Value {
    json!({
        "principal": "user", "method": "POST", "path": path,
        "headers": [["Content-Type", "application/json"]], "body": body
    })
}

#[tokio::test]
async fn url_rest_api_v2_is_held_to_v3_scopes() {
    // v2 has v3's operations, so v3's scopes: a read scope reads through v2
    // (rich text as a string) and does not write through it.
    let err = refused(
        READ_ONLY,
        comment("/rest/api/2/issue/KILN-1/comment", r#"{"body":"hi"}"#),
        "scope-denied",
        "write:jira-work",
    )
    .await;
    assert_eq!(err["detail"]["missing"], json!(["write:jira-work"]));
    let h = Harness::start().await;
    let app = scopes_app(&h, READ_ONLY).await;
    let read = ok_json(
        &h.invoke(&app, "call", get("/rest/api/2/issue/KILN-1"))
            .await,
    );
    assert_eq!(read["ok"]["status"], 200, "{read}");
    let issue: Value =
        serde_json::from_str(read["ok"]["body"].as_str().expect("a body")).expect("an issue");
    assert!(issue["fields"]["description"].is_string(), "{issue}");
}

#[tokio::test]
async fn url_granular_scope_subset() {
    // One granular scope of the set the route needs does not open it; the
    // refusal names the rest.
    let err = refused(
        &["read:jira-user", "read:issue:jira"],
        get("/rest/api/3/issue/KILN-1"),
        "scope-denied",
        "GET /rest/api/3/issue/{issueIdOrKey}",
    )
    .await;
    let missing = err["detail"]["missing"].as_array().expect("missing");
    assert!(!missing.is_empty(), "{err}");
    assert!(!missing.contains(&json!("read:issue:jira")), "{err}");
}

#[tokio::test]
async fn url_classic_scope_of_another_product() {
    // Jira platform's classic scopes do not open JSM Ops.
    let h = Harness::start().await;
    let path = format!("/jsm/ops/api/{}/v1/schedules", h.sim.cloud_id());
    drop(h);
    refused(USER_AND_WORK, get(&path), "scope-denied", "ops-config").await;
}

#[tokio::test]
async fn url_another_tenants_cloud_id() {
    refused(
        &["read:jira-user", "read:ops-config:jira-service-management"],
        get("/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules"),
        "invalid-request",
        "another site's cloud id",
    )
    .await;
}

#[tokio::test]
async fn url_stakeholder_comms_another_tenants_cloud_id() {
    // Where the cloud id sits comes from the route (`…/cloudId/{cloudId}/…`
    // here), so another tenant's is refused on these routes too.
    refused(
        &[
            "read:jira-user",
            "read:stakeholder-comms.page:jira-service-management",
        ],
        get(
            "/jsm/ops/stakeholder-comms/cloudId/00000000-0000-0000-0000-000000000000/api/pages/p-1",
        ),
        "invalid-request",
        "another site's cloud id",
    )
    .await;
}

#[tokio::test]
async fn url_empty_query_parameter_name() {
    let mut request = get("/rest/api/3/myself");
    request["query"] = json!([["", "x"]]);
    refused(USER_AND_WORK, request, "invalid-request", "empty name").await;
}

#[tokio::test]
async fn url_query_value_smuggles_parameters() {
    // A permitted call: the value is encoded by the host, so it cannot add
    // parameters, a fragment or a second request line.
    let h = Harness::start().await;
    let app = scopes_app(&h, USER_AND_WORK).await;
    let mut request = get("/rest/api/3/myself");
    request["query"] = json!([["expand", "groups&admin=true#x\r\nHost: evil.com"]]);
    let out = ok_json(&h.invoke(&app, "call", request).await);
    assert_eq!(out["ok"]["status"], 200, "{out}");
    let seen = h.sim.requests();
    assert_eq!(seen.len(), 1);
    let query = seen[0].query.clone().unwrap_or_default();
    assert!(query.starts_with("expand="), "{query}");
    for raw in ["&admin", "#", "\r", "\n", " "] {
        assert!(!query.contains(raw), "{raw:?} arrived raw in {query}");
    }
}
