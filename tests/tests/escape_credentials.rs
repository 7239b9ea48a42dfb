//! Escape suite, credentials: a guest hunting for the user's API token (the
//! canary) in its environment, arguments, files, linear memory, responses
//! and error texts, or trying to bring its own credential headers or follow
//! a redirect off the site. It finds nothing, and every refused call stays
//! off the network. A hostile site that echoes the credential it received
//! (`credentials_echoed_*`), in any common encoding, in pieces or in
//! headers, gets it replaced by the redaction marker before the app sees it.

use crate::support;

use std::os::unix::fs::PermissionsExt as _;

use kiln_runtime::LoadedApp;
use kiln_sim::Faults;
use kiln_tests::programs;
use serde_json::{Value, json};
use support::echo_site::{Echo, EchoSite};
use support::{Harness, manifest, ok_json};

const PROBE_HANDLERS: &[&str] = &[
    "env",
    "args",
    "files",
    "read_file",
    "memory_scan",
    "responses",
    "echo",
];

async fn probe_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::PROBE,
        &manifest(
            "credentials",
            PROBE_HANDLERS,
            &["read:jira-user", "read:jira-work"],
            "timeoutSeconds: 10",
        ),
    )
    .await
}

async fn scopes_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::SCOPES,
        &manifest(
            "credentials-calls",
            &["call"],
            &["read:jira-user"],
            "timeoutSeconds: 10",
        ),
    )
    .await
}

async fn assert_probe_serves(h: &Harness, app: &LoadedApp) {
    h.assert_serves(app, "echo", json!({ "n": 1 }), json!({ "n": 1 }))
        .await;
}

async fn assert_scopes_app_serves(h: &Harness, app: &LoadedApp) {
    let out = ok_json(&h.invoke(app, "call", myself(&[])).await);
    assert_eq!(out["ok"]["status"], 200, "{out}");
}

fn myself(headers: &[[&str; 2]]) -> Value {
    json!({
        "principal": "user", "method": "GET", "path": "/rest/api/3/myself",
        "headers": headers
    })
}

/// Reads `path` from inside the guest and asserts every attempt failed.
async fn unreadable(path: &str) {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let out = ok_json(&h.invoke(&app, "read_file", json!({ "path": path })).await);
    for attempt in ["read", "read_dir", "metadata"] {
        assert!(
            out[attempt].get("err").is_some(),
            "{attempt} of {path}: {out}"
        );
    }
    assert_eq!(out["preopens"], json!([]), "{out}");
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_environment_variables() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let out = ok_json(&h.invoke(&app, "env", json!({})).await);
    assert_eq!(out["vars"], json!([]), "{out}");
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_command_line_arguments() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let out = ok_json(&h.invoke(&app, "args", json!({})).await);
    let args = out["args"].as_array().expect("args");
    assert!(args.len() <= 1, "{out}");
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_proc_self_environ() {
    unreadable("/proc/self/environ").await;
}

#[tokio::test]
async fn credentials_home_config_directory() {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    unreadable(&format!("{home}/.config")).await;
}

#[tokio::test]
async fn credentials_credentials_file() {
    // The operator's credentials file, with the real token in it, at a path
    // the attacker knows.
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("creds.toml");
    std::fs::write(
        &path,
        format!(
            "[user]\nemail = \"admin@example.com\"\napi_token = \"{}\"\n",
            h.token()
        ),
    )
    .expect("write credentials");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let app = probe_app(&h).await;
    let path = path.to_str().expect("UTF-8 temp path");
    let out = ok_json(&h.invoke(&app, "read_file", json!({ "path": path })).await);
    assert!(out["read"].get("err").is_some(), "{out}");
    assert!(out["read_dir"].get("err").is_some(), "{out}");
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_filesystem_root_and_preopens() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let out = ok_json(&h.invoke(&app, "files", json!({})).await);
    assert_eq!(out["preopens"], json!([]), "{out}");
    for result in out["results"].as_array().expect("results") {
        assert!(result["read"].get("err").is_some(), "readable: {result}");
        assert!(
            result["read_dir"].get("err").is_some(),
            "listable: {result}"
        );
    }
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_linear_memory_scan() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    // The token travels masked, so the probe never holds it itself: finding
    // it means the host put it in guest memory.
    let mask = 0xa5u8;
    let masked: String = h
        .token()
        .bytes()
        .map(|b| format!("{:02x}", b ^ mask))
        .collect();
    let out = ok_json(
        &h.invoke(
            &app,
            "memory_scan",
            json!({ "masked_needle": masked, "mask": mask, "request_first": true }),
        )
        .await,
    );
    assert_eq!(out["found"], false, "{out}");
    assert!(out["memory_bytes"].as_u64().unwrap_or(0) > 0, "{out}");
    // The scan ran after a real authenticated call, and an attempt as the
    // app (which has no credential).
    assert_eq!(out["requests"][0]["status"], 200, "{out}");
    let app_error = out["requests"][1]["error"].as_str().unwrap_or_default();
    assert!(app_error.contains("no credential"), "{out}");
    assert_eq!(h.paths_seen(), vec!["/rest/api/3/myself"]);
    assert_probe_serves(&h, &app).await;
}

/// Two sites served from one engine host (`kiln_runtime::engine_host`), as
/// `runtime serve` serves its sites: one compiled copy of the app, and one
/// pool slot (a pool of one) that site A's invocation used right before site
/// B's. B's instance does not find A's token in its memory, each site's
/// request carries that site's own credential (each simulator accepts only
/// its own token, and saw only its own request), and neither canary is in
/// anything the other site's app got back.
#[tokio::test]
async fn credentials_two_sites_on_one_engine_host() {
    let host = kiln_runtime::EngineHost::new(kiln_runtime::EngineSettings {
        allocation: kiln_runtime::engine::InstanceAllocation::sequential(),
        cache: kiln_runtime::runtime::CacheMode::Disabled,
        ..kiln_runtime::EngineSettings::default()
    })
    .expect("engine host");
    let a = Harness::start_on_host(&host).await;
    let b = Harness::start_on_host(&host).await;
    assert_ne!(a.token(), b.token());
    let app_a = probe_app(&a).await;
    let app_b = probe_app(&b).await;
    assert!(!app_a.from_cache(), "site A's load compiles");
    assert!(
        app_b.from_cache(),
        "site B's load reuses site A's compiled copy"
    );
    let mask = 0xa5u8;
    let masked = |token: &str| -> String {
        token
            .bytes()
            .map(|byte| format!("{:02x}", byte ^ mask))
            .collect()
    };
    for (site, other, app) in [(&a, &b, &app_a), (&b, &a, &app_b)] {
        for needle in [site.token(), other.token()] {
            let invoked = site
                .invoke(
                    app,
                    "memory_scan",
                    json!({ "masked_needle": masked(needle), "mask": mask, "request_first": true }),
                )
                .await;
            other.assert_no_canary(&invoked);
            let out = ok_json(&invoked);
            assert_eq!(out["found"], false, "{out}");
            assert_eq!(out["requests"][0]["status"], 200, "{out}");
        }
    }
    for site in [&a, &b] {
        assert_eq!(
            site.paths_seen(),
            vec!["/rest/api/3/myself", "/rest/api/3/myself"],
            "each site saw its own two requests and no other"
        );
    }
    assert_probe_serves(&a, &app_a).await;
    assert_probe_serves(&b, &app_b).await;
}

#[tokio::test]
async fn credentials_every_response_scanned() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    // `invoke` checks the canary in the result, which holds every status,
    // header and body the guest received.
    let out = ok_json(&h.invoke(&app, "responses", json!({})).await);
    let responses = out["responses"].as_array().expect("responses");
    assert_eq!(responses.len(), 3, "{out}");
    for response in responses {
        assert_eq!(response["status"], 200, "{response}");
        let headers = response["headers"].to_string().to_ascii_lowercase();
        assert!(!headers.contains("authorization"), "{response}");
        assert!(!headers.contains("set-cookie"), "{response}");
    }
    assert_probe_serves(&h, &app).await;
}

async fn own_header_refused(name: &str, value: &str) {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let out = ok_json(&h.invoke(&app, "call", myself(&[[name, value]])).await);
    assert_eq!(out["err"]["kind"], "invalid-request", "{out}");
    let detail = out["err"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("set by the host only"), "{out}");
    h.assert_jira_untouched();
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_own_authorization_header() {
    own_header_refused("Authorization", "Basic ZXZpbEBleGFtcGxlLmNvbTp4").await;
}

#[tokio::test]
async fn credentials_own_cookie_header() {
    own_header_refused("Cookie", "cloud.session.token=stolen").await;
}

#[tokio::test]
async fn credentials_own_proxy_authorization_header() {
    own_header_refused("Proxy-Authorization", "Basic eDp4").await;
}

#[tokio::test]
async fn credentials_redirect_to_another_origin() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let thief = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    thief.set_nonblocking(true).expect("non-blocking");
    let thief_origin = format!("http://{}", thief.local_addr().expect("address"));
    h.sim.set_faults(Faults {
        redirect_to: Some(format!("{thief_origin}/steal")),
        ..Faults::default()
    });
    let out = ok_json(&h.invoke(&app, "call", myself(&[])).await);
    let status = out["ok"]["status"].as_u64().unwrap_or(0);
    assert!((300..400).contains(&status), "{out}");
    // The Location header is not passed back, and nothing reached the thief.
    assert!(!out.to_string().contains("/steal"), "{out}");
    assert!(thief.accept().is_err(), "the redirect was followed");
    assert_eq!(h.paths_seen(), vec!["/rest/api/3/myself"]);
    h.sim.set_faults(Faults::default());
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_borrow_the_app_principal() {
    // No app credential is configured: asking for one gets a typed refusal,
    // never someone else's credential.
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    let mut request = myself(&[]);
    request["principal"] = json!("app");
    let out = ok_json(&h.invoke(&app, "call", request).await);
    assert_eq!(out["err"]["kind"], "needs-authentication", "{out}");
    assert_eq!(out["err"]["detail"], "app", "{out}");
    h.assert_jira_untouched();
    assert_scopes_app_serves(&h, &app).await;
}

#[tokio::test]
async fn credentials_transport_error_text() {
    // A connection reset mid-request: the error the guest gets names neither
    // the URL nor any header.
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    h.sim.set_faults(Faults {
        reset_connection: true,
        ..Faults::default()
    });
    let out = ok_json(&h.invoke(&app, "call", myself(&[])).await);
    assert_eq!(out["err"]["kind"], "transport", "{out}");
    let text = out.to_string();
    assert!(!text.contains("127.0.0.1"), "the URL leaked: {out}");
    assert!(
        !text.to_ascii_lowercase().contains("authorization"),
        "{out}"
    );
    h.sim.set_faults(Faults::default());
    assert_scopes_app_serves(&h, &app).await;
}

/// The `Authorization` value an echoing site received, split into the scheme
/// and the credential (base64 of `email:token`).
fn credential_part(authorization: &str) -> String {
    authorization
        .split_once(' ')
        .map(|(_, credential)| credential.to_owned())
        .unwrap_or_default()
}

fn b64(engine: &base64::engine::GeneralPurpose, bytes: impl AsRef<[u8]>) -> String {
    use base64::Engine as _;
    engine.encode(bytes)
}

fn percent(text: &str, upper: bool) -> String {
    text.bytes()
        .map(|b| match (b.is_ascii_alphanumeric(), upper) {
            (true, _) => (b as char).to_string(),
            (false, true) => format!("%{b:02X}"),
            (false, false) => format!("%{b:02x}"),
        })
        .collect()
}

/// A call from the app to a site answering with `respond`: the credential
/// it echoed is in none of `forms` of the body and headers the app got; the
/// marker is; the audit line counts at least `redactions`; the app serves on.
async fn echoed(
    respond: impl Fn(&str) -> Echo + Send + Sync + 'static,
    forms: impl Fn(&Harness) -> Vec<String>,
    redactions: u32,
) {
    let site = EchoSite::start(respond).await;
    let h = Harness::start_against(&site.base_url).await;
    let app = scopes_app(&h).await;
    let out = ok_json(&h.invoke(&app, "call", myself(&[])).await);
    assert_eq!(out["ok"]["status"], 200, "{out}");
    let body = out["ok"]["body"].as_str().expect("body");
    let headers = out["ok"]["headers"].to_string();
    for form in forms(&h) {
        assert!(!body.contains(&form), "{form} in {body}");
        assert!(!headers.contains(&form), "{form} in {headers}");
    }
    assert!(
        body.contains("[REDACTED]") || headers.contains("[REDACTED]"),
        "{out}"
    );
    let audited = h.audit.records();
    let last = audited.last().expect("an audit line");
    assert!(last.redactions >= redactions, "{last:?}");
    assert_eq!(site.requests(), 1);
    assert_scopes_app_serves(&h, &app).await;
    assert!(
        h.sim.requests().is_empty(),
        "the echo site stands in for Jira"
    );
}

/// The user's credential in every form these tests look for.
fn basic_forms(h: &Harness) -> Vec<String> {
    let basic = b64(
        &base64::engine::general_purpose::STANDARD,
        format!("{}:{}", support::ADMIN, h.token()),
    );
    vec![h.token().to_owned(), basic.clone(), basic[..24].to_owned()]
}

#[tokio::test]
async fn credentials_echoed_in_response_body() {
    echoed(
        |authorization| Echo {
            headers: vec![],
            chunks: vec![
                serde_json::json!({ "headers": { "Authorization": authorization } })
                    .to_string()
                    .into_bytes(),
            ],
        },
        basic_forms,
        1,
    )
    .await;
}

#[tokio::test]
async fn credentials_echoed_percent_encoded() {
    echoed(
        |authorization| Echo {
            headers: vec![],
            chunks: vec![
                format!(
                    r#"{{"upper":"{}","lower":"{}","double":"{}"}}"#,
                    percent(authorization, true),
                    percent(authorization, false),
                    percent(authorization, true).replace('%', "%25"),
                )
                .into_bytes(),
            ],
        },
        |h| {
            let mut forms = basic_forms(h);
            let basic = forms[1].clone();
            forms.extend([percent(&basic, true), percent(&basic, false)]);
            forms
        },
        3,
    )
    .await;
}

#[tokio::test]
async fn credentials_echoed_json_escaped() {
    echoed(
        |authorization| {
            let escaped = |upper: bool| -> String {
                authorization
                    .bytes()
                    .map(|b| match (b, upper) {
                        (b'+' | b'/' | b'=' | b' ', true) => format!("\\u{b:04X}"),
                        (b'+' | b'/' | b'=' | b' ', false) => format!("\\u{b:04x}"),
                        (b, _) => (b as char).to_string(),
                    })
                    .collect()
            };
            Echo {
                headers: vec![],
                chunks: vec![
                    format!(
                        r#"{{"unicode":"{}","lower":"{}","solidus":"{}"}}"#,
                        escaped(true),
                        escaped(false),
                        authorization.replace('/', "\\/"),
                    )
                    .into_bytes(),
                ],
            }
        },
        basic_forms,
        2,
    )
    .await;
}

#[tokio::test]
async fn credentials_echoed_token_base64() {
    echoed(
        |authorization| {
            use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
            let credential = credential_part(authorization);
            // What the site can derive from what it got: the token alone
            // (the pair decoded), and a base64 dump of all the headers.
            let pair = String::from_utf8(
                base64::Engine::decode(&STANDARD, &credential).expect("basic"),
            )
            .expect("UTF-8 pair");
            let token = pair.split_once(':').expect("email:token").1.to_owned();
            Echo {
                headers: vec![],
                chunks: vec![
                    serde_json::json!({
                        "token": b64(&STANDARD, &token),
                        "token_url_safe": b64(&URL_SAFE_NO_PAD, &token),
                        "dump": b64(&STANDARD, format!("Host: x\r\nAuthorization: {authorization}\r\n")),
                        "header_base64": b64(&URL_SAFE_NO_PAD, &credential),
                    })
                    .to_string()
                    .into_bytes(),
                ],
            }
        },
        |h| {
            use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
            let mut forms = basic_forms(h);
            forms.extend([
                b64(&STANDARD, h.token())[..20].to_owned(),
                b64(&URL_SAFE_NO_PAD, h.token())[..20].to_owned(),
            ]);
            forms
        },
        4,
    )
    .await;
}

#[tokio::test]
async fn credentials_echoed_across_chunk_boundaries() {
    echoed(
        |authorization| {
            let body = format!(r#"{{"echo":"{authorization}","again":"{authorization}"}}"#);
            // Cut inside the scheme, twice inside the credential, and right
            // at its end.
            let cuts = [11, 20, 31, 11 + authorization.len()];
            let mut chunks = Vec::new();
            let mut at = 0;
            for cut in cuts {
                chunks.push(body.as_bytes()[at..cut].to_vec());
                at = cut;
            }
            chunks.push(body.as_bytes()[at..].to_vec());
            Echo {
                headers: vec![],
                chunks,
            }
        },
        basic_forms,
        2,
    )
    .await;
}

#[tokio::test]
async fn credentials_echoed_in_response_headers() {
    echoed(
        |authorization| {
            let credential = credential_part(authorization);
            Echo {
                headers: vec![
                    ("x-arequestid".to_owned(), authorization.to_owned()),
                    (
                        "etag".to_owned(),
                        format!("\"{}\"", percent(&credential, false)),
                    ),
                    (
                        "content-language".to_owned(),
                        b64(&base64::engine::general_purpose::STANDARD, &credential),
                    ),
                ],
                chunks: vec![b"{}".to_vec()],
            }
        },
        basic_forms,
        3,
    )
    .await;
}
