//! The harness every host test stands on: a fresh simulator (so a fresh,
//! random API token: the canary) and a runtime pointed at it, with an
//! in-memory audit log. `assert_no_canary` checks that the token — in plain,
//! as the basic-auth header value, or base64-encoded — appears in nothing the
//! guest or the operator could see.
//!
//! The escape suite (`tests/escape_*.rs`) ends every case with the same three
//! checks: the canary is absent (every `invoke` and `load_refused` checks it),
//! nothing refused reached the simulator (`assert_jira_untouched`), and the
//! same app or runtime still serves a benign call (`assert_serves`,
//! `assert_runtime_serves`).

#![allow(dead_code)]

pub mod echo_site;
pub mod forge_example;
pub mod queued;
pub mod third_party;

/// Kiln's wizer for the suite's JS builds: the crate's `kiln-tests-wizer`
/// program, the same `kiln_guest_build::wizer` `runtime` runs.
pub fn kiln_wizer() -> std::path::PathBuf {
    env!("CARGO_BIN_EXE_kiln-tests-wizer").into()
}

use std::sync::Arc;

use kiln_manifest::Manifest;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{
    Credential, Credentials, EngineHost, HttpLimits, Invocation, InvokeError, Invoked, JiraClient,
    LoadError, LoadedApp, MemoryAudit, OperatorLimits, Runtime, RuntimeOptions, Site, StorageHost,
};
use kiln_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

pub const ADMIN: &str = "admin@example.com";

pub struct Harness {
    pub sim: Simulator,
    pub runtime: Runtime,
    pub audit: Arc<MemoryAudit>,
    canaries: Vec<String>,
    /// The seeded user's account id, which `runtime run` hands a user's
    /// invocation as `context.accountId` ([`Harness::invoke_by_user`]).
    account_id: String,
}

impl Harness {
    /// A simulator and a runtime acting as the seeded admin.
    pub async fn start() -> Self {
        Self::start_as(ADMIN).await
    }

    pub async fn start_as(email: &str) -> Self {
        Self::start_with(email, shared_cache(), OperatorLimits::default()).await
    }

    /// A harness whose runtime runs under these operator limits.
    pub async fn start_with_operator(operator: OperatorLimits) -> Self {
        Self::start_with(ADMIN, shared_cache(), operator).await
    }

    /// A harness whose runtime compiles every component it loads, for the
    /// cases about compilation itself (module checks, compile bombs).
    pub async fn start_compiling() -> Self {
        Self::start_with(ADMIN, CacheMode::Disabled, OperatorLimits::default()).await
    }

    /// A harness whose runtime sends every request (site and gateway) to
    /// `site_url` instead of the simulator, with the simulator's cloud id
    /// and the seeded admin's credential: for hostile sites.
    pub async fn start_against(site_url: &str) -> Self {
        Self::start_full(
            ADMIN,
            shared_cache(),
            OperatorLimits::default(),
            Some(site_url),
        )
        .await
    }

    async fn start_with(email: &str, cache: CacheMode, operator: OperatorLimits) -> Self {
        Self::start_full(email, cache, operator, None).await
    }

    /// A harness whose runtime keeps app storage in `storage` (shared with
    /// other harnesses when cloned), sites named as `installation_site`.
    pub async fn start_with_storage(storage: StorageHost, installation_site: Option<&str>) -> Self {
        Self::start_options(ADMIN, None, |options| RuntimeOptions {
            storage: Some(storage),
            installation_site: installation_site.map(str::to_owned),
            ..options
        })
        .await
    }

    async fn start_full(
        email: &str,
        cache: CacheMode,
        operator: OperatorLimits,
        site_url: Option<&str>,
    ) -> Self {
        Self::start_options(email, site_url, |options| RuntimeOptions {
            cache,
            operator,
            ..options
        })
        .await
    }

    pub async fn start_options(
        email: &str,
        site_url: Option<&str>,
        options: impl FnOnce(RuntimeOptions) -> RuntimeOptions,
    ) -> Self {
        Self::start_credentials(email, site_url, false, options).await
    }

    /// As [`Harness::start_options`] for the admin, and `as_app()` acts as the
    /// simulator's service account (its OAuth 2.0 client credential, as
    /// `runtime run` gives it); the client secret is a canary too.
    pub async fn start_with_app_client(
        options: impl FnOnce(RuntimeOptions) -> RuntimeOptions,
    ) -> Self {
        Self::start_credentials(ADMIN, None, true, options).await
    }

    /// A simulator of its own (its own canary) and a runtime for it on
    /// `host`, the engine host other harnesses' runtimes may share, as the
    /// sites of one `runtime serve` do.
    pub async fn start_on_host(host: &Arc<EngineHost>) -> Self {
        let settings = host.settings().clone();
        Self::start_runtime(ADMIN, None, false, Some(host.clone()), |options| {
            RuntimeOptions {
                cache: settings.cache,
                allocation: settings.allocation,
                ..options
            }
        })
        .await
    }

    async fn start_credentials(
        email: &str,
        site_url: Option<&str>,
        with_app_client: bool,
        options: impl FnOnce(RuntimeOptions) -> RuntimeOptions,
    ) -> Self {
        Self::start_runtime(email, site_url, with_app_client, None, options).await
    }

    async fn start_runtime(
        email: &str,
        site_url: Option<&str>,
        with_app_client: bool,
        host: Option<Arc<EngineHost>>,
        options: impl FnOnce(RuntimeOptions) -> RuntimeOptions,
    ) -> Self {
        let sim = Simulator::start(SimConfig::default())
            .await
            .expect("simulator starts");
        let user = sim.user(email).expect("seeded user");
        let account_id = user.account_id.clone();
        let basic = base64_encode(format!("{}:{}", user.email, user.api_token).as_bytes());
        let mut canaries = vec![user.api_token.clone(), basic];
        let app = with_app_client.then(|| {
            let client = sim.app_client();
            canaries.push(client.client_secret.clone());
            let credential = kiln_runtime::oauth::ClientCredentials::new(
                kiln_runtime::oauth::ClientCredentialsConfig {
                    client_id: client.client_id.clone(),
                    client_secret: client.client_secret.clone().into(),
                    token_url: format!("{}/oauth/token", sim.base_url()),
                },
            )
            .expect("the simulator's client credential");
            Credential::AppClient(Arc::new(credential))
        });
        let credentials = Credentials {
            user: Some(Credential::ApiToken {
                email: user.email.clone(),
                token: user.api_token.clone().into(),
            }),
            app,
        };
        let site = {
            let url = site_url.unwrap_or(sim.base_url());
            Site::new(url, url, sim.cloud_id()).expect("site")
        };
        let client = JiraClient::new(site, credentials, HttpLimits::default()).expect("client");
        // On the simulator the harness's one app has the site's integration to
        // itself, as `runtime run` gives it; another site (a hostile one) is a
        // configured site, whose credentials are the host's.
        let client = match site_url {
            None => client.owned_by_the_app(),
            Some(_) => client,
        };
        let audit = Arc::new(MemoryAudit::default());
        let options = options(RuntimeOptions {
            audit: audit.clone(),
            cache: shared_cache(),
            ..RuntimeOptions::default()
        });
        let runtime = match host {
            Some(host) => Runtime::on_host(host, client, options),
            None => Runtime::new(client, options),
        }
        .expect("runtime");
        Self {
            sim,
            runtime,
            audit,
            canaries,
            account_id,
        }
    }

    /// The user's API token: the canary of this run.
    pub fn token(&self) -> &str {
        &self.canaries[0]
    }

    pub async fn load(&self, wasm_path: &str, manifest_yaml: &str) -> LoadedApp {
        let wasm = std::fs::read(wasm_path).expect("component built by tests/build.rs");
        let manifest = Manifest::from_yaml(manifest_yaml).expect("valid test manifest");
        self.runtime.load(wasm, manifest).await.expect("app loads")
    }

    /// Loads `wasm`, expecting a refusal; the error's text holds no canary.
    pub async fn load_refused(&self, wasm: Vec<u8>, manifest_yaml: &str) -> LoadError {
        let manifest = Manifest::from_yaml(manifest_yaml).expect("valid test manifest");
        match self.runtime.load(wasm, manifest).await {
            Ok(_) => panic!("the component was expected to be refused at load"),
            Err(error) => {
                self.assert_absent(&format!("{error} {error:?}"));
                error
            }
        }
    }

    /// Invokes with a raw payload string, for refusals before the guest runs.
    pub async fn invoke_text(
        &self,
        app: &LoadedApp,
        key: &str,
        payload: String,
    ) -> Result<Invoked, InvokeError> {
        let outcome = app
            .invoke(Invocation {
                function_key: Some(key.to_owned()),
                payload,
                account_id: None,
                ..Default::default()
            })
            .await;
        match &outcome {
            Ok(invoked) => self.assert_no_canary(invoked),
            Err(error) => self.assert_absent(&format!("{error} {error:?}")),
        }
        outcome
    }

    /// Invokes function `key` (the test manifests name functions after their
    /// handlers) and checks the canary is in nothing that came back.
    pub async fn invoke(&self, app: &LoadedApp, key: &str, payload: Value) -> Invoked {
        self.invoke_with(app, key, payload, None).await
    }

    /// [`Harness::invoke`] as the seeded user invokes it from a UI (a
    /// resolver call), with the user's account id in the context, as
    /// `runtime run` gives it on the simulator.
    pub async fn invoke_by_user(&self, app: &LoadedApp, key: &str, payload: Value) -> Invoked {
        self.invoke_with(app, key, payload, Some(self.account_id.clone()))
            .await
    }

    async fn invoke_with(
        &self,
        app: &LoadedApp,
        key: &str,
        payload: Value,
        account_id: Option<String>,
    ) -> Invoked {
        let invoked = app
            .invoke(Invocation {
                function_key: Some(key.to_owned()),
                payload: payload.to_string(),
                account_id,
                ..Default::default()
            })
            .await
            .expect("invocation starts");
        self.assert_no_canary(&invoked);
        invoked
    }

    /// The canary appears in no result, error, log line or audit line.
    pub fn assert_no_canary(&self, invoked: &Invoked) {
        let mut seen = format!("{:?}", invoked.result);
        for line in &invoked.logs {
            seen.push_str(&line.message);
        }
        for record in self.audit.records() {
            seen.push_str(&format!("{record:?}"));
        }
        self.assert_absent(&seen);
    }

    pub fn assert_absent(&self, text: &str) {
        for canary in &self.canaries {
            assert!(
                !text.contains(canary.as_str()),
                "a credential leaked into: {text}"
            );
        }
    }

    /// Paths the simulator received, in order.
    pub fn paths_seen(&self) -> Vec<String> {
        self.sim.requests().into_iter().map(|r| r.path).collect()
    }

    /// Nothing reached "Jira".
    pub fn assert_jira_untouched(&self) {
        let seen = self.paths_seen();
        assert!(seen.is_empty(), "refused requests reached Jira: {seen:?}");
    }

    /// The same loaded app answers a benign call: `key` with `payload`
    /// returns exactly `expected`.
    pub async fn assert_serves(&self, app: &LoadedApp, key: &str, payload: Value, expected: Value) {
        let invoked = self.invoke(app, key, payload).await;
        assert_eq!(ok_json(&invoked), expected, "the app no longer serves");
    }

    /// The runtime still loads and serves an app (after a component it
    /// refused, or one that cannot even be instantiated).
    pub async fn assert_runtime_serves(&self) {
        let control = self
            .load(
                kiln_tests::programs::WAT_VALID_MINIMAL,
                &manifest("control", &["benign"], &[], "timeoutSeconds: 2"),
            )
            .await;
        let payload = json!({ "still": "serving" });
        self.assert_serves(&control, "benign", payload.clone(), payload)
            .await;
    }
}

/// An artifact cache shared by the test processes (`CARGO_TARGET_TMPDIR`), so
/// each guest compiles once per change rather than once per test. Entries are
/// keyed by the engine's settings and the component's SHA-256, so a cached
/// artifact runs exactly what a fresh compile would.
fn shared_cache() -> CacheMode {
    CacheMode::Directory(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiln-artifacts"))
}

/// A secret cipher under a fresh random key, for a test's own app storage.
pub fn cipher() -> kiln_state::SecretCipher {
    kiln_state::SecretCipher::new(kiln_state::EncryptionKey::generate().expect("randomness"))
}

/// App storage in memory under `limits`, for [`Harness::start_with_storage`].
pub fn memory_storage(limits: kiln_state::StorageLimits) -> StorageHost {
    StorageHost::new(kiln_state::AppStorage::in_memory(limits, cipher()))
}

/// The JSON result of a successful invocation.
pub fn ok_json(invoked: &Invoked) -> Value {
    match &invoked.result {
        Ok(json) => serde_json::from_str(json).expect("result is JSON"),
        Err(e) => panic!("expected success, got {e:?}; logs: {:?}", invoked.logs),
    }
}

/// A test manifest: one function per handler, keyed by the handler's name.
pub fn manifest(id: &str, handlers: &[&str], scopes: &[&str], runtime_yaml: &str) -> String {
    let mut yaml = format!("app:\n  id: {id}\n");
    if !runtime_yaml.is_empty() {
        yaml.push_str("  runtime:\n");
        for line in runtime_yaml.lines() {
            yaml.push_str(&format!("    {line}\n"));
        }
    }
    yaml.push_str("modules:\n  function:\n");
    for h in handlers {
        yaml.push_str(&format!("    - key: {}\n      handler: {h}\n", h));
    }
    yaml.push_str("permissions:\n  scopes:\n");
    if scopes.is_empty() {
        yaml = yaml.replace("permissions:\n  scopes:\n", "permissions:\n  scopes: []\n");
    }
    for s in scopes {
        yaml.push_str(&format!("    - {s}\n"));
    }
    yaml
}

fn base64_encode(input: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(input)
}

/// Marks a child test process that runs one test alone (see [`alone_in_process`]).
const ALONE_ENV: &str = "KILN_TEST_ALONE";

/// For tests that measure the process itself (resident memory, open file
/// descriptors): this crate's tests are one binary, so other tests run in the
/// same process beside them. Called first in such a test with
/// `module_path!()` and the test's name, it reruns that test alone in a
/// process of its own and checks it passed (returning `false`: the caller
/// returns); in that child it returns `true` and the test body runs.
pub fn alone_in_process(module: &str, test: &str) -> bool {
    let module = module
        .split_once("::")
        .map_or(module, |(_crate, rest)| rest);
    let name = format!("{module}::{test}");
    if std::env::var(ALONE_ENV).is_ok_and(|alone| alone == name) {
        return true;
    }
    let output = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", &name, "--nocapture", "--test-threads=1"])
        .env(ALONE_ENV, &name)
        .output()
        .expect("the test binary starts again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name}, run alone, failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    eprint!("{stderr}");
    false
}
