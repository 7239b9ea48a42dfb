//! Escape suite, credentials, as a JavaScript (Forge) app: the app hunts for
//! the credential the host attaches in `process.env`, in every string it can
//! reach from `globalThis` and its `context`, in the responses, headers and
//! errors of allowed and refused calls (through the Forge layer and through
//! the raw `kiln:app/jira` import), in the host's files through the layer's
//! `fs` (every read must be ENOENT), and writes all of it to its log. The
//! simulator's token (the canary) must be in none of it, nor in the audit.

use crate::escape_js_app::{self as js, caught};
use crate::support::Harness;
use crate::support::echo_site::{Echo, EchoSite};

use serde_json::{Value, json};

/// Header names a response must never carry to the app.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "www-authenticate",
];

fn assert_no_credential_headers(response: &Value) {
    let headers = response["headers"].as_array().expect("header pairs");
    for pair in headers {
        let name = pair[0].as_str().unwrap_or_default().to_ascii_lowercase();
        assert!(
            !CREDENTIAL_HEADERS.contains(&name.as_str()),
            "{name} reached the app: {response}"
        );
    }
}

#[tokio::test]
async fn js_credentials_hunted_in_globals_responses_errors_and_logs() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 20").await else {
        return;
    };
    let invoked = h.invoke(&app, "hunt", json!({})).await;
    // `invoke` already checked result, log lines and audit for the canary.
    let out = crate::support::ok_json(&invoked);

    // Nothing in the environment; no global or context field that could
    // hold a credential.
    assert_eq!(out["envKeys"], json!([]), "{}", out["envKeys"]);
    for list in [&out["globals"], &out["contextKeys"]] {
        for name in list.as_array().expect("names") {
            let name = name.as_str().unwrap_or_default().to_ascii_lowercase();
            for word in ["token", "secret", "password", "credential", "authorization"] {
                assert!(!name.contains(word), "{name} in {list}");
            }
        }
    }
    // The layer's `fs` reaches no file of the host, by any spelling: the
    // volume holds only files of the app's own folder.
    for read in out["files"]["reads"].as_array().expect("reads") {
        assert_eq!(read["code"], "ENOENT", "{read}");
    }
    let app_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/hostile");
    for (file, _) in out["files"]["held"].as_object().expect("held files") {
        assert!(app_dir.join(file).is_file(), "{file} is not the app's own");
    }
    // The hunt really walked the engine's object graph.
    let seen = out["stringsSeen"].as_u64().unwrap_or_default();
    assert!(seen > 1_000, "only {seen} strings reached");

    // Allowed calls: answered, with no credential header.
    for case in ["myself", "issue", "missing", "raw"] {
        assert_no_credential_headers(&out["allowed"][case]);
    }
    assert_eq!(out["allowed"]["myself"]["status"], 200);
    assert_eq!(out["allowed"]["issue"]["status"], 200);
    assert_eq!(out["allowed"]["missing"]["status"], 404);
    assert_eq!(out["allowed"]["missing"]["ok"], false);

    // The app's own credential headers: refused by the host, named.
    for (case, header) in [
        ("authorization", "authorization"),
        ("cookie", "cookie"),
        ("proxyAuthorization", "proxy-authorization"),
    ] {
        let report = &out["refused"][case];
        js::assert_host_refused(report, "invalid-request", "set by the host only");
        assert!(
            caught(report).detail.to_string().contains(header),
            "{report}"
        );
    }
    // Borrowing the app principal, which has no credential here.
    let as_app = caught(&out["refused"]["asApp"]);
    assert_eq!(as_app.class, "NeedsAuthenticationError");
    assert_eq!(as_app.name, "NEEDS_AUTHENTICATION_ERR");
    assert_eq!(as_app.status, Some(401));
    assert_eq!(as_app.tag.as_deref(), Some("needs-authentication"));
    assert_eq!(as_app.detail, "app");
    let raw_app = caught(&out["refused"]["rawApp"]);
    assert_eq!(raw_app.tag.as_deref(), Some("needs-authentication"));
    assert_eq!(raw_app.detail, "app");

    // The log holds everything the app saw, and no canary (checked above).
    assert!(
        invoked
            .logs
            .iter()
            .any(|line| line.message.contains("set by the host only")),
        "{:?}",
        invoked.logs
    );
    // Four calls reached the simulator; the audit has each decision.
    assert_eq!(h.sim.requests().len(), 4, "{:?}", h.paths_seen());
    let decisions: Vec<&str> = h.audit.records().iter().map(|r| r.decision).collect();
    assert_eq!(
        decisions,
        [
            "allowed",
            "allowed",
            "allowed",
            "allowed",
            "invalid-request",
            "invalid-request",
            "invalid-request",
            "needs-authentication",
            "needs-authentication",
        ]
    );
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_credentials_as_user_of_another_account() {
    // Forge's `asUser(accountId)` impersonates. Kiln holds one user
    // credential, so naming the invoking user is `asUser()`, and naming
    // anyone else (or anyone, when no user invoked) is refused with Forge's
    // `NeedsAuthenticationError` before anything is sent.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let admin = h.sim.user(crate::support::ADMIN).expect("seeded admin");
    let admin_id = admin.account_id.clone();
    let other = h
        .sim
        .user("user@example.com")
        .expect("seeded user")
        .account_id
        .clone();
    let invoked = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("impersonate".to_owned()),
            payload: json!({ "accountId": other }).to_string(),
            account_id: Some(admin_id.clone()),
            ..Default::default()
        })
        .await
        .expect("invocation starts");
    h.assert_no_canary(&invoked);
    let out = crate::support::ok_json(&invoked);
    assert_eq!(out["invoking"], admin_id.as_str());
    assert_eq!(out["self"]["ok"]["status"], 200, "{out}");
    assert_eq!(out["self"]["ok"]["accountId"], admin_id.as_str(), "{out}");
    let refused = caught(&out["other"]);
    assert_eq!(refused.class, "NeedsAuthenticationError", "{out}");
    assert_eq!(refused.name, "NEEDS_AUTHENTICATION_ERR");
    assert_eq!(refused.status, Some(401));
    assert_eq!(refused.tag, None, "refused by the layer: nothing to send");
    assert!(refused.message.contains("not the invoking user"), "{out}");
    // Only the invoking user's own request reached Jira, as that user.
    let seen = h.sim.requests();
    assert_eq!(seen.len(), 1, "{:?}", h.paths_seen());
    assert_eq!(seen[0].account_id.as_deref(), Some(admin_id.as_str()));

    // No invoking user (a trigger): no account can be named.
    let unattended = js::report(&h, &app, "impersonate", json!({ "accountId": admin_id })).await;
    assert!(
        caught(&unattended["other"])
            .message
            .contains("no user invoked this function"),
        "{unattended}"
    );
    // Its `asUser(undefined)` is `asUser()`: that one request went out.
    assert_eq!(h.sim.requests().len(), 2);
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_credentials_echoed_by_a_hostile_site() {
    // A site that echoes the `Authorization` it received, raw and base64, in
    // its body and in allowed response headers. Through Forge's Response
    // (`text()`, `headers`) and through the raw import, the app reads only
    // the redaction marker, and so does its log.
    use base64::Engine as _;
    let site = EchoSite::start(|authorization| {
        let credential = authorization
            .split_once(' ')
            .map(|(_, credential)| credential.to_owned())
            .unwrap_or_default();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&credential)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        Echo {
            headers: vec![
                ("x-arequestid".to_owned(), authorization.to_owned()),
                ("etag".to_owned(), format!("\"{decoded}\"")),
            ],
            chunks: vec![
                json!({ "Authorization": authorization, "decoded": decoded })
                    .to_string()
                    .into_bytes(),
            ],
        }
    })
    .await;
    let h = Harness::start_against(&site.base_url).await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    // `invoke` checks result, log and audit for the token and its base64.
    let forge = js::report(&h, &app, "paths", json!({ "case": "from_absolute_url" })).await;
    let raw = js::report(&h, &app, "raw", json!({ "path": "/rest/api/3/myself" })).await;
    for answer in [&forge["ok"], &raw["ok"]] {
        assert_eq!(answer["status"], 200, "{answer}");
        assert_no_credential_headers(answer);
        let body = answer["body"].as_str().expect("body");
        assert!(body.contains("[REDACTED]"), "{answer}");
        assert!(!body.contains(crate::support::ADMIN), "{answer}");
        assert!(
            answer["headers"].to_string().contains("[REDACTED]"),
            "{answer}"
        );
    }
    assert_eq!(site.requests(), 2);
    let audit = h.audit.records();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|r| r.redactions >= 2), "{audit:?}");
    assert!(
        h.sim.requests().is_empty(),
        "the echo site stands in for Jira"
    );
}
