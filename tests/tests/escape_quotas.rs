//! Escape suite, quotas: floods of calls, bytes, headers, log lines and
//! oversized payloads or results. Each is cut at its documented limit with a
//! typed refusal (or truncated and counted, for logs); nothing over a limit
//! reaches Jira; the same app then serves.

use crate::support;

use kiln_runtime::{InvocationFailure, InvokeError, LoadedApp};
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, manifest, ok_json};

/// The request quota of these cases.
const MAX_REQUESTS: u64 = 5;

async fn scopes_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::SCOPES,
        &manifest(
            "quotas",
            &["call", "flood"],
            &["read:jira-user", "write:jira-work"],
            &format!("maxRequests: {MAX_REQUESTS}\ntimeoutSeconds: 30"),
        ),
    )
    .await
}

async fn trap_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::TRAP,
        &manifest(
            "quotas-trap",
            &["log_flood", "stdout_flood", "big_result"],
            &[],
            "memoryMiB: 64\ntimeoutSeconds: 10",
        ),
    )
    .await
}

fn myself() -> Value {
    json!({ "principal": "user", "method": "GET", "path": "/rest/api/3/myself" })
}

/// One call through the scopes guest; returns the refusal after checking
/// its kind, and that nothing reached Jira.
async fn refused_call(h: &Harness, app: &LoadedApp, request: Value, kind: &str) -> Value {
    let out = ok_json(&h.invoke(app, "call", request).await);
    assert_eq!(out["err"]["kind"], kind, "{out}");
    h.assert_jira_untouched();
    out["err"].clone()
}

async fn assert_scopes_app_serves(h: &Harness, app: &LoadedApp) {
    let out = ok_json(&h.invoke(app, "call", myself()).await);
    assert_eq!(out["ok"]["status"], 200, "{out}");
}

async fn assert_trap_app_serves(h: &Harness, app: &LoadedApp) {
    h.assert_serves(app, "big_result", json!({ "bytes": 3 }), json!("xxx"))
        .await;
}

#[tokio::test]
async fn quota_ten_thousand_request_jira_calls() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let out = ok_json(
        &h.invoke(&app, "flood", json!({ "times": 10_000, "call": myself() }))
            .await,
    );
    assert_eq!(out["ok"], MAX_REQUESTS, "{out}");
    assert_eq!(
        out["errors"]["quota-exceeded"],
        10_000 - MAX_REQUESTS,
        "{out}"
    );
    let detail = out["last_error"]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&format!("at most {MAX_REQUESTS} request-jira calls")),
        "{out}"
    );
    // Only the calls within the quota reached Jira.
    assert_eq!(h.paths_seen().len() as u64, MAX_REQUESTS);
    // The next invocation has a fresh quota.
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_huge_request_body() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let err = refused_call(
        &h,
        &app,
        json!({
            "principal": "user", "method": "POST", "path": "/rest/api/3/issue/KILN-1/comment",
            "headers": [["Content-Type", "application/json"]],
            "body_len": 1024 * 1024 + 1
        }),
        "invalid-request",
    )
    .await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("larger than 1048576 bytes"),
        "{err}"
    );
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_byte_budget_of_one_invocation() {
    let h = Harness::start().await;
    // Enough calls that the byte budget, not the call quota, is what stops
    // the flood.
    let app = h
        .load(
            programs::SCOPES,
            &manifest(
                "byte-budget",
                &["flood"],
                &["write:jira-work"],
                "maxRequests: 100\ntimeoutSeconds: 60",
            ),
        )
        .await;
    let mib: u64 = 1024 * 1024;
    let budget = kiln_runtime::HttpLimits::default().max_bytes_per_invocation;
    // Each call sends the largest body allowed (1 MiB, not valid JSON: the
    // site answers 400, and nothing is stored).
    let call = json!({
        "principal": "user", "method": "POST", "path": "/rest/api/3/issue/KILN-1/comment",
        "headers": [["Content-Type", "application/json"]],
        "body_len": mib
    });
    let out = ok_json(
        &h.invoke(&app, "flood", json!({ "times": 100, "call": call }))
            .await,
    );
    // Bytes are charged before sending: the call that would cross the
    // budget (sent bytes plus the small answers so far) is refused.
    let sent = budget / mib - 1;
    assert_eq!(out["ok"], sent, "{out}");
    assert_eq!(out["errors"]["quota-exceeded"], 100 - sent, "{out}");
    let detail = out["last_error"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&format!("at most {budget} bytes")), "{out}");
    // Only the calls within the budget reached Jira.
    assert_eq!(h.paths_seen().len() as u64, sent);
    // The next invocation has a fresh budget.
    let out = ok_json(
        &h.invoke(
            &app,
            "flood",
            json!({ "times": 1, "call": { "principal": "user", "method": "POST",
                "path": "/rest/api/3/issue/KILN-1/comment",
                "headers": [["Content-Type", "application/json"]], "body_len": 16 } }),
        )
        .await,
    );
    assert_eq!(out["ok"], 1, "{out}");
}

#[tokio::test]
async fn quota_too_many_request_headers() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let headers: Vec<[&str; 2]> = (0..17).map(|_| ["Accept", "application/json"]).collect();
    let mut request = myself();
    request["headers"] = json!(headers);
    let err = refused_call(&h, &app, request, "invalid-request").await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("more than 16 headers"),
        "{err}"
    );
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_oversized_header_value() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let mut request = myself();
    request["headers"] = json!([["Accept-Language", "x".repeat(2048)]]);
    let err = refused_call(&h, &app, request, "invalid-request").await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("longer than 1024 bytes"),
        "{err}"
    );
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_too_many_query_pairs() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let pairs: Vec<[String; 2]> = (0..65).map(|i| [format!("k{i}"), "v".into()]).collect();
    let mut request = myself();
    request["query"] = json!(pairs);
    let err = refused_call(&h, &app, request, "invalid-request").await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("more than 64 query parameters"),
        "{err}"
    );
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_oversized_query_string() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let mut request = myself();
    request["query"] = json!([["expand", "x".repeat(9000)]]);
    let err = refused_call(&h, &app, request, "invalid-request").await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("longer than 8192 bytes"),
        "{err}"
    );
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_log_flood_of_lines() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h
        .invoke(&app, "log_flood", json!({ "lines": 10_000 }))
        .await;
    assert_eq!(ok_json(&invoked), json!({ "logged": 10_000 }));
    // Forge's cap: 100 lines kept, the rest dropped and counted.
    assert_eq!(invoked.logs.len(), 100);
    assert_eq!(invoked.dropped.lines, 9_900);
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_log_flood_of_bytes() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h
        .invoke(
            &app,
            "log_flood",
            json!({ "lines": 90, "bytes_per_line": 16 * 1024 }),
        )
        .await;
    ok_json(&invoked);
    // 200 KiB kept at most: 12 lines of 16 KiB, the other 78 dropped.
    let kept: usize = invoked.logs.iter().map(|l| l.message.len()).sum();
    assert!(kept <= 200 * 1024, "{kept} bytes kept");
    assert_eq!(invoked.logs.len(), 12);
    assert_eq!(invoked.dropped.lines, 78);
    assert_eq!(invoked.dropped.bytes, 78 * 16 * 1024);
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_stdout_flood_without_newline() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    // 4 MiB on stdout, never a newline: the host cuts it into bounded lines
    // and keeps at most the byte cap.
    let invoked = h
        .invoke(
            &app,
            "stdout_flood",
            json!({ "lines": 64, "bytes_per_line": 64 * 1024 }),
        )
        .await;
    ok_json(&invoked);
    let kept: usize = invoked.logs.iter().map(|l| l.message.len()).sum();
    assert!(kept <= 200 * 1024, "{kept} bytes kept");
    assert!(invoked.logs.iter().all(|l| l.message.len() <= 8 * 1024));
    assert_eq!(kept as u64 + invoked.dropped.bytes, 4 * 1024 * 1024);
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_oversized_result_json() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h
        .invoke(&app, "big_result", json!({ "bytes": 6 * 1024 * 1024 }))
        .await;
    match &invoked.result {
        Err(failure @ InvocationFailure::ResultTooLarge { size, limit }) => {
            assert_eq!(*size, 6 * 1024 * 1024 + 2);
            assert_eq!(*limit, 5 * 1024 * 1024);
            assert!(failure.to_string().contains("the limit is"), "{failure}");
        }
        other => panic!(
            "expected the result limit, got {:?}",
            other.as_ref().map(String::len)
        ),
    }
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn quota_oversized_payload() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let payload = Value::String("p".repeat(1024 * 1024)).to_string();
    let size = payload.len();
    let refused = h.invoke_text(&app, "big_result", payload).await;
    assert_eq!(
        refused.err(),
        Some(InvokeError::PayloadTooLarge {
            size,
            limit: 1024 * 1024
        })
    );
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

/// `text.wat`, for the cases about the size of what an app hands back.
async fn text_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::WAT_TEXT,
        &manifest(
            "quotas-text",
            &[
                "benign",
                "k_one_mib_error",
                "m_sixteen_mib_error",
                "h_hundred_mib_error",
                "a_amplified_list",
                "d_deep_result",
            ],
            &[],
            "memoryMiB: 128\ntimeoutSeconds: 20",
        ),
    )
    .await
}

/// The copy limit as documented: 8 MiB by default.
const COPY_LIMIT: usize = 8 * 1024 * 1024;

#[tokio::test]
async fn quota_one_mib_error_message() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "k_one_mib_error", json!({})).await;
    let Err(InvocationFailure::App { message, .. }) = &invoked.result else {
        panic!("expected the app's error, got {:?}", invoked.result);
    };
    let cap = kiln_runtime::guest_text::MAX_GUEST_ERROR_BYTES;
    assert!(message.len() < cap + 64, "{} bytes kept", message.len());
    assert!(message.starts_with("xxxx"), "{message:.40}");
    assert!(
        message.ends_with(&format!("… [{} more bytes cut by Kiln]", 1024 * 1024 - cap)),
        "{}",
        &message[cap - 8..]
    );
    h.assert_serves(&app, "benign", json!(1), json!(1)).await;
}

#[tokio::test]
async fn quota_error_message_over_the_copy_limit() {
    // 16 MiB: over Kiln's 8 MiB per call, under wasmtime's own 128 MiB.
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "m_sixteen_mib_error", json!({})).await;
    assert_eq!(
        invoked.result,
        Err(InvocationFailure::CopyLimit { limit: COPY_LIMIT })
    );
    assert!(invoked.is_sandbox_violation());
    h.assert_serves(&app, "benign", json!(2), json!(2)).await;

    // The operator's setting is the one in force: raised to 32 MiB, the same
    // message crosses and is capped instead.
    let raised = Harness::start_with_operator(kiln_runtime::OperatorLimits {
        max_copy_bytes: 32 * 1024 * 1024,
        ..Default::default()
    })
    .await;
    let app = text_app(&raised).await;
    let invoked = raised.invoke(&app, "m_sixteen_mib_error", json!({})).await;
    let Err(InvocationFailure::App { message, .. }) = &invoked.result else {
        panic!("expected the app's error, got {:?}", invoked.result);
    };
    assert!(
        message.ends_with("more bytes cut by Kiln]"),
        "{}",
        message.len()
    );
}

#[tokio::test]
async fn quota_hundred_mib_error_message() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "h_hundred_mib_error", json!({})).await;
    assert_eq!(
        invoked.result,
        Err(InvocationFailure::CopyLimit { limit: COPY_LIMIT })
    );
    assert!(invoked.result.unwrap_err().to_string().len() < 200);
    h.assert_serves(&app, "benign", json!(3), json!(3)).await;
}

#[tokio::test]
async fn quota_list_of_one_string_a_million_times() {
    // 8 MB of guest memory that would lift into 1 TB of host strings.
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "a_amplified_list", json!({})).await;
    assert_eq!(
        invoked.result,
        Err(InvocationFailure::CopyLimit { limit: COPY_LIMIT })
    );
    h.assert_serves(&app, "benign", json!(4), json!(4)).await;
}

#[tokio::test]
async fn quota_deeply_nested_result() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "d_deep_result", json!({})).await;
    assert_eq!(
        invoked.result,
        Err(InvocationFailure::ResultTooDeep {
            limit: kiln_runtime::sandbox::json_depth::MAX_JSON_DEPTH
        })
    );
    h.assert_serves(&app, "benign", json!(5), json!(5)).await;
}

/// A caller that parses the result itself (a web trigger's response) skips only the
/// runtime's syntax check: the result's depth is still bounded before anyone parses it.
#[tokio::test]
async fn quota_deeply_nested_result_left_to_its_caller() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("d_deep_result".to_owned()),
            payload: "{}".to_owned(),
            result_check: kiln_runtime::ResultCheck::ParsedByCaller,
            ..Default::default()
        })
        .await
        .expect("the invocation runs");
    assert_eq!(
        invoked.result,
        Err(InvocationFailure::ResultTooDeep {
            limit: kiln_runtime::sandbox::json_depth::MAX_JSON_DEPTH
        })
    );
    h.assert_serves(&app, "benign", json!(5), json!(5)).await;
}

#[tokio::test]
async fn quota_deeply_nested_payload() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let refused = h.invoke_text(&app, "benign", deep).await;
    assert_eq!(
        refused.err(),
        Some(InvokeError::PayloadTooDeep {
            limit: kiln_runtime::sandbox::json_depth::MAX_JSON_DEPTH
        })
    );
    h.assert_serves(&app, "benign", json!([[[6]]]), json!([[[6]]]))
        .await;
}

/// A payload the host says it serialized itself skips only the syntax check: its depth is
/// still the caller's to bound (a web trigger's body sits inside it).
#[tokio::test]
async fn quota_deeply_nested_host_serialized_payload() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let refused = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("benign".to_owned()),
            payload: "[".repeat(100_000) + &"]".repeat(100_000),
            payload_source: kiln_runtime::PayloadSource::HostSerialized,
            ..Default::default()
        })
        .await;
    assert_eq!(
        refused.err(),
        Some(InvokeError::PayloadTooDeep {
            limit: kiln_runtime::sandbox::json_depth::MAX_JSON_DEPTH
        })
    );
}
