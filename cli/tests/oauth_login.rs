//! `runtime login` against the simulator's OAuth 2.0 (3LO) server, then
//! `runtime run` with the login: the access token is refreshed ahead of its
//! expiry and once after a 401, the rotating refresh token replaces the old
//! one in the `0600` token file, a retired refresh token is refused, and no
//! token appears in guest-visible bytes, audit lines, logs or errors. Two
//! sources sharing the token file rotate once per expiry (the file lock), and
//! a stored login never moves `runtime run` off the simulator unless its site
//! is named.
//!
//! `runtime login` runs as the real binary; the browser step is driven by the
//! test: it reads the authorize URL the login prints alone on stdout, approves
//! the consent as a seeded user, and follows the redirect to the login's
//! loopback listener.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use kiln_manifest::Manifest;
use kiln_runtime::oauth::{OAuthSession, TokenSource, TokenStore};
use kiln_runtime::{
    Credential, Credentials, HttpLimits, Invocation, Invoked, JiraClient, MemoryAudit, Runtime,
    RuntimeOptions, Site,
};
use kiln_sim::{AuthKind, OAuthClientConfig, SimConfig, Simulator};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use crate::support::repo;

/// The seeded user who approves the consent.
const ADMIN: &str = "admin@example.com";
/// Shorter than the token source's refresh margin (60 s), so every request
/// finds the access token about to expire and refreshes first — no clock
/// needs to pass.
const SHORT_LIFETIME: Duration = Duration::from_secs(30);

fn hello_manifest_path() -> PathBuf {
    repo().join("examples/hello/manifest.yml")
}

fn hello_manifest() -> Manifest {
    Manifest::load(&hello_manifest_path()).expect("the hello manifest loads")
}

/// examples/hello built once for all tests of this file.
fn hello_wasm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        kiln_guest_build::ensure_wasm_target(&repo()).expect("wasm32-wasip2 target");
        let options = kiln_guest_build::GuestBuild::new(repo().join("examples/hello/Cargo.toml"))
            .target_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("oauth-login-guests"))
            .release(true)
            .quiet(true);
        let mut built = kiln_guest_build::build(&options).expect("examples/hello builds");
        assert_eq!(built.len(), 1, "examples/hello is one component");
        built.remove(0).path
    })
}

async fn start_sim(lifetime: Duration) -> Simulator {
    Simulator::start(SimConfig {
        oauth: OAuthClientConfig {
            access_token_lifetime: lifetime,
            ..OAuthClientConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

/// Plays the user's browser: opens the consent, approves it as ADMIN, and
/// follows the redirect to the login's listener — after a forged callback
/// with another `state`, which must be refused without ending the login.
async fn approve_in_browser(sim: &Simulator, authorize_url: &Url) {
    let http = browser();
    let consent: Value = http
        .get(authorize_url.clone())
        .send()
        .await
        .expect("authorize answers")
        .json()
        .await
        .expect("consent JSON");
    let requested = consent["consent"]["scopes"].as_array().expect("scopes");
    for scope in ["read:jira-user", "read:jira-work", "offline_access"] {
        assert!(
            requested.iter().any(|s| s == scope),
            "{scope} requested: {consent}"
        );
    }
    let admin = sim.user(ADMIN).expect("seeded admin");
    let approved = http
        .post(format!("{}/authorize/consent", sim.base_url()))
        .basic_auth(&admin.email, Some(&admin.api_token))
        .form(&[
            (
                "consent_id",
                consent["consent"]["consent_id"]
                    .as_str()
                    .expect("consent id"),
            ),
            ("decision", "approve"),
        ])
        .send()
        .await
        .expect("consent answers");
    assert_eq!(approved.status(), reqwest::StatusCode::FOUND);
    let callback =
        Url::parse(approved.headers()["location"].to_str().expect("ascii")).expect("redirect URL");

    let mut forged = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "state" {
                "forged".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = http.get(forged).send().await.expect("listener answers");
    assert_eq!(refused.status(), reqwest::StatusCode::BAD_REQUEST);

    let landed = http.get(callback).send().await.expect("listener answers");
    assert_eq!(landed.status(), reqwest::StatusCode::OK);
}

/// `runtime login` through the real binary, with the browser step played by
/// the test; returns the session it saved.
async fn login(sim: &Simulator, store: &TokenStore) -> OAuthSession {
    let base = sim.base_url().trim_end_matches('/').to_owned();
    let mut child = crate::support::runtime()
        .arg("login")
        .arg(hello_manifest_path())
        // `=`: the simulator's random client id may start with `-`, which
        // clap would otherwise read as a flag.
        .arg(format!("--client-id={}", sim.oauth_client().client_id))
        .arg("--token-store")
        .arg(store.path())
        .args(["--auth-url", &format!("{base}/authorize")])
        .args(["--token-url", &format!("{base}/oauth/token")])
        .args(["--api-url", &base])
        .env(
            "KILN_OAUTH_CLIENT_SECRET",
            &sim.oauth_client().client_secret,
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runtime login starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .expect("reader finished")
    .expect("the authorize URL is printed");
    let authorize_url = match Url::parse(line.trim()) {
        Ok(url) => url,
        Err(error) => {
            // Say why `runtime login` printed no URL: its stderr has the reason.
            let output = child.wait_with_output().expect("runtime login exits");
            panic!(
                "stdout is the authorize URL alone ({error}); stdout {line:?}, status {}, stderr: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    };
    approve_in_browser(sim, &authorize_url).await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("waiter finished")
        .expect("runtime login exits");
    assert!(
        output.status.success(),
        "runtime login failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    store.load().expect("runtime login saved the session")
}

fn refresh_token(session: &OAuthSession) -> String {
    session
        .refresh_token
        .as_ref()
        .expect("offline_access gives a refresh token")
        .expose_secret()
        .to_owned()
}

/// How many times the token endpoint was called.
fn token_calls(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path == "/oauth/token")
        .count()
}

async fn invoke_hello(source: Arc<TokenSource>, audit: Arc<MemoryAudit>) -> Invoked {
    let session = source.session();
    let site = Site::new(&session.site_url, &session.api_url, &session.cloud_id).expect("site");
    let client = JiraClient::new(
        site,
        Credentials {
            user: Some(Credential::OAuth(source)),
            app: None,
        },
        HttpLimits::default(),
    )
    .expect("client");
    let runtime = Runtime::new(
        client,
        RuntimeOptions {
            audit,
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime");
    let wasm = std::fs::read(hello_wasm()).expect("hello component");
    let app = runtime
        .load(wasm, hello_manifest())
        .await
        .expect("hello loads");
    app.invoke(Invocation {
        payload: "{}".into(),
        ..Invocation::default()
    })
    .await
    .expect("invocation runs")
}

/// Asserts that none of `secrets` occurs in anything the guest saw or the
/// host wrote about the invocation.
fn assert_no_secret_leaked(invoked: &Invoked, audit: &MemoryAudit, secrets: &[String]) {
    let mut visible = match &invoked.result {
        Ok(json) => json.clone(),
        Err(failure) => format!("{failure} {failure:?}"),
    };
    for line in &invoked.logs {
        visible.push_str(&line.message);
    }
    for record in audit.records() {
        visible.push_str(&serde_json::to_string(&record).expect("audit JSON"));
    }
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(
            !visible.contains(secret.as_str()),
            "a token leaked into: {visible}"
        );
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_run_refreshes_ahead_of_expiry_and_rotates_the_refresh_token() {
    hello_wasm();
    let sim = start_sim(SHORT_LIFETIME).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = TokenStore::new(dir.path().join("kiln/tokens.json"));

    let logged_in = login(&sim, &store).await;
    assert_eq!(logged_in.cloud_id, sim.cloud_id());
    assert_eq!(logged_in.site_url, sim.base_url());
    assert!(logged_in.scopes.iter().any(|s| s == "offline_access"));
    #[cfg(unix)]
    assert_eq!(mode(store.path()), 0o600);
    let first_refresh = refresh_token(&logged_in);
    assert_eq!(token_calls(&sim), 1, "the code was exchanged once");

    let source = Arc::new(TokenSource::load(store.clone()).expect("token file loads"));
    let audit = Arc::new(MemoryAudit::default());
    let invoked = invoke_hello(source.clone(), audit.clone()).await;
    let result: Value =
        serde_json::from_str(invoked.result.as_ref().expect("hello succeeds")).expect("JSON");
    let admin = sim.user(ADMIN).expect("admin");
    let greeting = format!("Hello {}, KILN-1 is ", admin.display_name);
    assert!(
        result["greeting"]
            .as_str()
            .is_some_and(|g| g.starts_with(&greeting)),
        "{result}"
    );
    assert_eq!(result["issue"]["key"], "KILN-1");

    // Both of hello's calls found the token about to expire and refreshed first.
    assert_eq!(token_calls(&sim), 3);
    let bearer: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.auth == AuthKind::Bearer)
        .collect();
    assert!(
        bearer
            .iter()
            .any(|r| r.path.ends_with("/rest/api/3/myself") && r.status == 200)
    );
    assert!(
        bearer
            .iter()
            .any(|r| r.path.ends_with("/rest/api/3/issue/KILN-1") && r.status == 200)
    );

    // The rotated refresh token replaced the old one in the file.
    let rotated = store.load().expect("token file");
    #[cfg(unix)]
    assert_eq!(mode(store.path()), 0o600);
    assert_ne!(refresh_token(&rotated), first_refresh);
    assert_eq!(refresh_token(&rotated), refresh_token(&source.session()));
    let on_disk = std::fs::read_to_string(store.path()).expect("token file");
    assert!(!on_disk.contains(&first_refresh));

    let secrets = vec![
        first_refresh.clone(),
        refresh_token(&rotated),
        logged_in.access_token.expose_secret().to_owned(),
        rotated.access_token.expose_secret().to_owned(),
        sim.oauth_client().client_secret.clone(),
    ];
    assert_no_secret_leaked(&invoked, &audit, &secrets);

    // Reusing the retired refresh token fails (and, as at Atlassian, revokes
    // the whole grant)...
    let reuse = browser()
        .post(format!("{}/oauth/token", sim.base_url()))
        .json(&serde_json::json!({
            "grant_type": "refresh_token",
            "client_id": sim.oauth_client().client_id,
            "client_secret": sim.oauth_client().client_secret,
            "refresh_token": first_refresh,
        }))
        .send()
        .await
        .expect("token endpoint answers");
    assert_eq!(reuse.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(
        reuse.json::<Value>().await.expect("JSON")["error"],
        "invalid_grant"
    );

    // ...so the next invocation's refresh is refused: the app gets
    // needs-authentication, with no token in what it or the audit sees.
    let audit = Arc::new(MemoryAudit::default());
    let revoked = invoke_hello(source, audit.clone()).await;
    assert!(revoked.result.is_err(), "{:?}", revoked.result);
    assert!(
        audit
            .records()
            .iter()
            .any(|r| r.decision == "needs-authentication")
    );
    assert_no_secret_leaked(&revoked, &audit, &secrets);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_access_token_is_refreshed_once_and_the_request_resent() {
    hello_wasm();
    let sim = start_sim(Duration::from_secs(3600)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = TokenStore::new(dir.path().join("tokens.json"));
    let mut session = login(&sim, &store).await;
    let first_refresh = refresh_token(&session);

    // An access token the server no longer accepts, though it looks valid for
    // hours: only a 401 can tell.
    session.access_token = SecretString::from("kiln-canary-revoked-access-token");
    store.save(&session).expect("saved");
    sim.clear_requests();

    let source = Arc::new(TokenSource::load(store.clone()).expect("loads"));
    let audit = Arc::new(MemoryAudit::default());
    let invoked = invoke_hello(source, audit.clone()).await;
    assert!(invoked.result.is_ok(), "{:?}", invoked.result);

    let requests = sim.requests();
    assert_eq!(token_calls(&sim), 1, "one refresh for both calls");
    let gateway: Vec<_> = requests
        .iter()
        .filter(|r| r.path.contains("/ex/jira/"))
        .collect();
    assert_eq!(
        gateway.len(),
        3,
        "myself (401, resent) and the issue: {gateway:?}"
    );
    assert_eq!(gateway[0].status, 401);
    assert!(gateway[1..].iter().all(|r| r.status == 200));
    assert_eq!(
        audit.records().len(),
        2,
        "one audit line per guest call, retries included"
    );
    assert_ne!(refresh_token(&store.load().expect("file")), first_refresh);
    assert_no_secret_leaked(
        &invoked,
        &audit,
        &["kiln-canary-revoked-access-token".to_owned(), first_refresh],
    );
    sim.shutdown().await;
}

/// Runs the `runtime` binary with a clean environment rooted in `home`.
fn runtime(home: &Path, args: &[&str]) -> Output {
    crate::support::runtime()
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .expect("runtime runs")
}

async fn runtime_async(home: &Path, args: &[&str]) -> Output {
    let home = home.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        runtime(&home, &args)
    })
    .await
    .expect("runtime finished")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_asks_consent_for_a_real_site_but_not_for_the_simulator() {
    let wasm = hello_wasm().to_str().expect("utf-8 path").to_owned();
    let manifest = hello_manifest_path()
        .to_str()
        .expect("utf-8 path")
        .to_owned();
    let home = tempfile::tempdir().expect("tempdir");

    // The embedded simulator: no flags, no terminal, no consent.
    let offline = runtime_async(home.path(), &["run", &wasm, "--manifest", &manifest]).await;
    assert_eq!(
        offline.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );

    let sim = start_sim(SHORT_LIFETIME).await;
    let store = TokenStore::new(home.path().join("tokens.json"));
    let logged_in = login(&sim, &store).await;
    let store_arg = store.path().to_str().expect("utf-8").to_owned();
    let grants = home.path().join("grants");
    let grants_arg = grants.to_str().expect("utf-8").to_owned();
    let real = [
        "run",
        &wasm,
        "--manifest",
        &manifest,
        "--token-store",
        &store_arg,
        "--grants-dir",
        &grants_arg,
    ];

    let refused = runtime_async(home.path(), &real).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--approve-scopes"), "{stderr}");
    assert!(!grants.join("hello-jira.json").exists());

    let policy = home.path().join("policy.toml");
    std::fs::write(&policy, "forbidden_scopes = [\"read:jira-work\"]\n").expect("policy written");
    let policy_arg = policy.to_str().expect("utf-8").to_owned();
    let mut forbidden_args = real.to_vec();
    forbidden_args.extend(["--approve-scopes", "--policy", &policy_arg]);
    let forbidden = runtime_async(home.path(), &forbidden_args).await;
    let stderr = String::from_utf8_lossy(&forbidden.stderr);
    assert_eq!(forbidden.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("forbids") && stderr.contains("read:jira-work"),
        "{stderr}"
    );

    let mut approved_args = real.to_vec();
    approved_args.push("--approve-scopes");
    let approved = runtime_async(home.path(), &approved_args).await;
    let stderr = String::from_utf8_lossy(&approved.stderr);
    assert_eq!(approved.status.code(), Some(0), "{stderr}");
    let result: Value = serde_json::from_slice(&approved.stdout).expect("JSON result");
    assert_eq!(result["issue"]["key"], "KILN-1");
    let grant: Value = serde_json::from_str(
        &std::fs::read_to_string(grants.join("hello-jira.json")).expect("grant stored"),
    )
    .expect("grant JSON");
    // The grant is bound to this code, this site and this login.
    assert_eq!(grant["version"], 2);
    let stored = &grant["grants"][0];
    assert_eq!(
        stored["scopes"],
        serde_json::json!(["read:jira-user", "read:jira-work"])
    );
    assert_eq!(
        stored["component_sha256"],
        kiln_runtime::consent::ComponentDigest::of(&std::fs::read(&wasm).expect("wasm"))
            .to_string()
    );
    assert_eq!(stored["site"]["cloud_id"], sim.cloud_id());
    assert!(
        stored["principal"]["user"]
            .as_str()
            .is_some_and(|user| user.starts_with("oauth-login:")),
        "{stored}"
    );

    // Other code under the same id inherits nothing: a custom section
    // appended (a valid component, another SHA-256) is asked again.
    let mut changed = std::fs::read(&wasm).expect("wasm");
    changed.extend([0x00, 12, 9]);
    changed.extend(b"kiln-testv2");
    let changed_path = home.path().join("hello-changed.wasm");
    std::fs::write(&changed_path, &changed).expect("written");
    let changed_arg = changed_path.to_str().expect("utf-8").to_owned();
    let mut update_args = real.to_vec();
    update_args[1] = &changed_arg;
    let update = runtime_async(home.path(), &update_args).await;
    let update_stderr = String::from_utf8_lossy(&update.stderr);
    assert_eq!(update.status.code(), Some(2), "{update_stderr}");
    assert!(
        update_stderr.contains("the code changed since sha256"),
        "{update_stderr}"
    );

    // The binary refreshed (the token lifetime is inside the margin) and
    // rotated the file; nothing it printed holds a token.
    let rotated = store.load().expect("token file");
    assert_ne!(refresh_token(&rotated), refresh_token(&logged_in));
    let printed = format!("{}{}", String::from_utf8_lossy(&approved.stdout), stderr);
    for secret in [
        refresh_token(&logged_in),
        refresh_token(&rotated),
        rotated.access_token.expose_secret().to_owned(),
        sim.oauth_client().client_secret.clone(),
    ] {
        assert!(!printed.contains(&secret), "a token was printed: {printed}");
    }

    // Approved once: the next non-interactive run needs no flag.
    let again = runtime_async(home.path(), &real).await;
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    sim.shutdown().await;
}

/// Two `runtime` processes sharing one token file, modelled as two
/// independent token sources (each with its own file handle and lock): when
/// the access token has expired and both refresh at once, the refresh token
/// is spent exactly once per expiry, the waiter adopts the rotated tokens,
/// and the simulator never sees a retired refresh token (which would revoke
/// the grant and fail the gateway call and the next refresh).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sources_on_one_token_file_rotate_once_per_expiry_without_reuse() {
    let sim = start_sim(Duration::from_secs(3600)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = TokenStore::new(dir.path().join("tokens.json"));
    login(&sim, &store).await;
    let gateway_myself = format!(
        "{}/ex/jira/{}/rest/api/3/myself",
        sim.base_url(),
        sim.cloud_id()
    );
    for expiry in 1..=3 {
        let mut expired = store.load().expect("token file");
        expired.expires_at = 0;
        store.save(&expired).expect("saved");
        let first = Arc::new(TokenSource::load(store.clone()).expect("loads"));
        let second = Arc::new(TokenSource::load(store.clone()).expect("loads"));
        let (a, b) = tokio::join!(
            tokio::spawn({
                let first = first.clone();
                async move { first.bearer().await }
            }),
            tokio::spawn({
                let second = second.clone();
                async move { second.bearer().await }
            }),
        );
        let a = a.expect("task").expect("the first source refreshes");
        let b = b.expect("task").expect("the second source refreshes");
        assert_eq!(a, b, "both use the one rotated access token");
        assert_eq!(
            token_calls(&sim),
            1 + expiry,
            "the code exchange, then one rotation per expiry"
        );
        assert_eq!(
            refresh_token(&first.session()),
            refresh_token(&second.session())
        );
        assert_eq!(
            refresh_token(&store.load().expect("file")),
            refresh_token(&first.session())
        );
        let me = browser()
            .get(&gateway_myself)
            .header(reqwest::header::AUTHORIZATION, a.to_str().expect("ascii"))
            .send()
            .await
            .expect("gateway answers");
        assert_eq!(me.status(), reqwest::StatusCode::OK, "the grant is alive");
    }
    sim.shutdown().await;
}

/// The simulator is the default: a login saved where `runtime login` puts
/// it does not move `runtime run` to a real site, and the run says so; the
/// same login is used once `--site` names its site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_login_is_used_only_when_its_site_is_named() {
    let wasm = hello_wasm().to_str().expect("utf-8 path").to_owned();
    let manifest = hello_manifest_path()
        .to_str()
        .expect("utf-8 path")
        .to_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let sim = start_sim(Duration::from_secs(3600)).await;
    // Where `runtime login` saves by default, given the helper's XDG_CONFIG_HOME.
    let store = TokenStore::new(home.path().join("config/kiln/tokens.json"));
    login(&sim, &store).await;
    sim.clear_requests();

    let offline = runtime_async(home.path(), &["run", &wasm, "--manifest", &manifest]).await;
    let stderr = String::from_utf8_lossy(&offline.stderr).into_owned();
    assert_eq!(offline.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("site: the embedded Jira simulator")
            && stderr.contains("as_user: admin@example.com")
            && stderr.contains(&format!(
                "note: the OAuth login in {} is not used; pass --site {}",
                store.path().display(),
                sim.base_url()
            )),
        "{stderr}"
    );
    assert!(
        sim.requests().is_empty(),
        "nothing reached the logged-in site: {:?}",
        sim.requests()
    );

    let grants = home.path().join("grants");
    let named = runtime_async(
        home.path(),
        &[
            "run",
            &wasm,
            "--manifest",
            &manifest,
            "--site",
            sim.base_url(),
            "--approve-scopes",
            "--grants-dir",
            grants.to_str().expect("utf-8"),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&named.stderr).into_owned();
    assert_eq!(named.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("site: {} (named by --site)", sim.base_url()))
            && stderr.contains(&format!(
                "as_user: OAuth 2.0 (3LO) login in {}",
                store.path().display()
            )),
        "{stderr}"
    );
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.auth == AuthKind::Bearer && r.path.ends_with("/rest/api/3/myself")),
        "the run went to the named site with the login"
    );
    sim.shutdown().await;
}
