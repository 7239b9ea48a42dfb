//! `as_app()` with the app's OAuth 2.0 client credential (a service account)
//! against the simulator's client-credentials grant: the call succeeds through
//! the gateway, a wrong secret is `needs-authentication` naming the app
//! principal, a token about to expire is replaced by a new one, and neither
//! the client secret nor an access token appears in results, errors, guest
//! logs, audit lines or the `runtime` binary's output.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use kiln_manifest::Manifest;
use kiln_runtime::oauth::{ClientCredentials, ClientCredentialsConfig};
use kiln_runtime::{
    Credential, Credentials, HttpLimits, Invocation, Invoked, JiraClient, MemoryAudit, Runtime,
    RuntimeOptions, Site,
};
use kiln_sim::{AppClientConfig, AuthKind, SimConfig, Simulator};
use secrecy::SecretString;
use serde_json::Value;

/// The app client's secret for these tests: easy to search for.
const SECRET: &str = "kiln-canary-app-client-secret-5f0c1d";
/// What a misconfigured app presents instead.
const WRONG_SECRET: &str = "kiln-canary-wrong-app-secret-77a1";
/// Shorter than the host's 60 s renewal margin: every call finds the app's
/// token about to expire and fetches a new one, with no clock passing.
const SHORT_LIFETIME: Duration = Duration::from_secs(30);

fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/as-app")
}

fn manifest_path() -> PathBuf {
    guest_dir().join("manifest.yml")
}

/// The as-app guest, built once for all tests of this file.
fn guest_wasm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("runtime/ is inside the repository");
        kiln_guest_build::ensure_wasm_target(repo).expect("wasm32-wasip2 target");
        let options = kiln_guest_build::GuestBuild::new(guest_dir().join("Cargo.toml"))
            .target_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("as-app-guest"))
            .release(true)
            .quiet(true);
        let mut built = kiln_guest_build::build(&options).expect("the as-app guest builds");
        assert_eq!(built.len(), 1, "one component");
        built.remove(0).path
    })
}

async fn start_sim(lifetime: Duration) -> Simulator {
    Simulator::start(SimConfig {
        app_client: AppClientConfig {
            client_secret: SECRET.to_owned(),
            access_token_lifetime: lifetime,
            ..AppClientConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

fn app_credential(sim: &Simulator, secret: &str) -> Arc<ClientCredentials> {
    Arc::new(
        ClientCredentials::new(ClientCredentialsConfig {
            client_id: sim.app_client().client_id.clone(),
            client_secret: SecretString::from(secret),
            token_url: format!("{}/oauth/token", sim.base_url()),
        })
        .expect("a valid client credential"),
    )
}

/// Runs the guest with only an app credential (no user one).
async fn invoke(
    sim: &Simulator,
    app: Arc<ClientCredentials>,
    payload: &str,
) -> (Invoked, Arc<MemoryAudit>) {
    let site = Site::new(sim.base_url(), sim.base_url(), sim.cloud_id()).expect("site");
    let client = JiraClient::new(
        site,
        Credentials {
            user: None,
            app: Some(Credential::AppClient(app)),
        },
        HttpLimits::default(),
    )
    .expect("client");
    let audit = Arc::new(MemoryAudit::default());
    let runtime = Runtime::new(
        client,
        RuntimeOptions {
            audit: audit.clone(),
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime");
    let wasm = std::fs::read(guest_wasm()).expect("guest component");
    let manifest = Manifest::load(&manifest_path()).expect("manifest");
    let app = runtime.load(wasm, manifest).await.expect("guest loads");
    let invoked = app
        .invoke(Invocation {
            payload: payload.to_owned(),
            ..Invocation::default()
        })
        .await
        .expect("invocation runs");
    (invoked, audit)
}

fn token_calls(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path == "/oauth/token")
        .count()
}

/// Everything the guest saw and the host wrote about the invocation.
fn visible(invoked: &Invoked, audit: &MemoryAudit) -> String {
    let mut text = match &invoked.result {
        Ok(json) => json.clone(),
        Err(failure) => format!("{failure} {failure:?}"),
    };
    for line in &invoked.logs {
        text.push('\n');
        text.push_str(&line.message);
    }
    for record in audit.records() {
        text.push('\n');
        text.push_str(&serde_json::to_string(&record).expect("audit JSON"));
    }
    text
}

/// No secret in `text`: neither a canary secret nor any word of it that is
/// the access token the host holds (the tokens are random, so the test
/// cannot know them; the credential can recognise them).
fn assert_no_secret(text: &str, app: &ClientCredentials) {
    for canary in [SECRET, WRONG_SECRET] {
        assert!(!text.contains(canary), "a client secret leaked: {text}");
    }
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        assert!(
            word.is_empty() || !app.holds_secret(word),
            "an access token leaked: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_app_with_a_client_credential_reaches_the_simulator_through_the_gateway() {
    guest_wasm();
    let sim = start_sim(Duration::from_secs(3600)).await;
    let app = app_credential(&sim, SECRET);
    let (invoked, audit) = invoke(&sim, app.clone(), r#"{"times": 2}"#).await;
    let result: Value =
        serde_json::from_str(invoked.result.as_ref().expect("the app's calls succeed"))
            .expect("JSON result");
    let admin = sim.user("admin@example.com").expect("seeded admin");
    assert_eq!(
        result["accountIds"],
        serde_json::json!([admin.account_id, admin.account_id]),
        "the service account acts as its configured account"
    );
    assert_eq!(result["issue"], "KILN-1");

    assert_eq!(
        token_calls(&sim),
        1,
        "one token serves every call while fresh"
    );
    let gateway: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/ex/jira/"))
        .collect();
    assert_eq!(gateway.len(), 3, "{gateway:?}");
    assert!(
        gateway
            .iter()
            .all(|r| r.auth == AuthKind::Bearer && r.status == 200)
    );
    let records = audit.records();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.principal == "app"), "{records:?}");
    assert_no_secret(&visible(&invoked, &audit), &app);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_needs_authentication_naming_the_app() {
    guest_wasm();
    let sim = start_sim(Duration::from_secs(3600)).await;
    let app = app_credential(&sim, WRONG_SECRET);
    let (invoked, audit) = invoke(&sim, app.clone(), "{}").await;
    let failure = invoked.result.as_ref().expect_err("no token, no call");
    let message = failure.to_string();
    assert!(
        message.contains("needs authentication") && message.contains("app principal"),
        "{message}"
    );
    assert_eq!(token_calls(&sim), 1);
    assert!(
        !sim.requests().iter().any(|r| r.path.contains("/ex/jira/")),
        "nothing reached Jira without a token"
    );
    let records = audit.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].decision, "needs-authentication");
    assert_no_secret(&visible(&invoked, &audit), &app);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_about_to_expire_is_replaced_before_the_next_call() {
    guest_wasm();
    let sim = start_sim(SHORT_LIFETIME).await;
    let app = app_credential(&sim, SECRET);
    let (invoked, audit) = invoke(&sim, app.clone(), r#"{"times": 2}"#).await;
    assert!(invoked.result.is_ok(), "{:?}", invoked.result);
    assert_eq!(
        token_calls(&sim),
        3,
        "each of the three calls found the token inside the margin"
    );
    assert_no_secret(&visible(&invoked, &audit), &app);
    sim.shutdown().await;
}

/// Runs the `runtime` binary with a clean environment rooted in `home`.
async fn runtime(home: &Path, args: Vec<String>) -> Output {
    let home = home.to_owned();
    tokio::task::spawn_blocking(move || {
        crate::support::runtime()
            .args(&args)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("HOME", &home)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .output()
            .expect("runtime runs")
    })
    .await
    .expect("runtime finished")
}

#[cfg(unix)]
fn private_file(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("written");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_run_uses_the_app_section_of_the_credentials_file() {
    let wasm = guest_wasm().to_str().expect("utf-8").to_owned();
    let sim = start_sim(Duration::from_secs(3600)).await;
    let home = tempfile::tempdir().expect("tempdir");
    let admin = sim.user("admin@example.com").expect("admin");
    let credentials = home.path().join("credentials.toml");
    let file = |secret: &str| {
        format!(
            "site = \"{site}\"\n[user]\nemail = \"{email}\"\napi_token = \"{token}\"\n[app]\nclient_id = \"{id}\"\nclient_secret = \"{secret}\"\ntoken_url = \"{site}/oauth/token\"\n",
            site = sim.base_url(),
            email = admin.email,
            token = admin.api_token,
            id = sim.app_client().client_id,
        )
    };
    let args = |path: &Path| -> Vec<String> {
        [
            "run",
            &wasm,
            "--manifest",
            manifest_path().to_str().expect("utf-8"),
            "--credentials",
            path.to_str().expect("utf-8"),
            // No --cloud-id: looked up at the site's /_edge/tenant_info.
            "--gateway",
            sim.base_url(),
            "--approve-scopes",
            "--grants-dir",
            home.path().join("grants").to_str().expect("utf-8"),
        ]
        .map(str::to_owned)
        .to_vec()
    };

    private_file(&credentials, &file(SECRET));
    let ok = runtime(home.path(), args(&credentials)).await;
    let stderr = String::from_utf8_lossy(&ok.stderr).into_owned();
    assert_eq!(ok.status.code(), Some(0), "{stderr}");
    let result: Value = serde_json::from_slice(&ok.stdout).expect("JSON result");
    assert_eq!(result["issue"], "KILN-1");
    assert!(
        stderr.contains(&format!(
            "site: {} (named by the credentials file)",
            sim.base_url()
        )) && stderr.contains(&format!(
            "as_app:  OAuth 2.0 client credentials (client id {})",
            sim.app_client().client_id
        )) && stderr.contains(&format!("as_user: API token of {}", admin.email)),
        "{stderr}"
    );
    let printed = format!("{}{stderr}", String::from_utf8_lossy(&ok.stdout));
    assert!(!printed.contains(SECRET) && !printed.contains(&admin.api_token));

    private_file(&credentials, &file(WRONG_SECRET));
    let refused = runtime(home.path(), args(&credentials)).await;
    let stderr = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        matches!(refused.status.code(), Some(1 | 3)),
        "the app failed on a refused call: {stderr}"
    );
    assert!(
        stderr.contains("no credential is configured for the app principal"),
        "{stderr}"
    );
    let printed = format!("{}{stderr}", String::from_utf8_lossy(&refused.stdout));
    assert!(
        !printed.contains(WRONG_SECRET) && !printed.contains(SECRET),
        "a secret was printed: {printed}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_simulator_gives_the_app_its_service_account() {
    let wasm = guest_wasm().to_str().expect("utf-8").to_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let args = [
        "run",
        &wasm,
        "--manifest",
        manifest_path().to_str().expect("utf-8"),
    ]
    .map(str::to_owned)
    .to_vec();
    let out = runtime(home.path(), args).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    assert_eq!(result["issue"], "KILN-1");
    assert!(
        stderr.contains("site: the embedded Jira simulator")
            && stderr.contains("as_user: admin@example.com")
            && stderr.contains("as_app:  the simulator's service account"),
        "{stderr}"
    );
}
