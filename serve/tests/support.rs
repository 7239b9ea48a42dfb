//! What the serve tests share: starting the real `runtime serve` binary on loopback,
//! reading the endpoints it prints, signing webhooks, calling the admin API, and (for the
//! replica tests) a fresh PostgreSQL database.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";
/// The simulator account every served app's `asUser()` acts as (each app with a token of
/// its own, so what an app writes as it is that app's own, `selfGenerated`:
/// serve/tests/as_user_attribution.rs); a test writing with this person's own token is no
/// app. The app's `asApp()` acts as an app account of its own (serve/tests/app_accounts.rs).
pub const APP_ACCOUNT: &str = "admin@example.com";
/// Another seeded person.
pub const PERSON: &str = "user@example.com";
/// `$KILN_STORAGE_KEY` for servers that share a database (replicas must share it).
pub const STORAGE_KEY: &str = "8f0e2a7c4b1d3e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8091a2b3c4d5e6";

pub fn runtime_binary() -> PathBuf {
    // target/debug/deps/serve-… → target/debug/runtime
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let binary = dir.join("runtime");
    assert!(
        binary.exists(),
        "build the binary first: cargo build -p kiln-cli ({})",
        binary.display()
    );
    binary
}

/// The e2e tests' app (tests/programs/serve-app).
pub fn serve_app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/serve-app")
}

/// The replica tests' app (serve/tests/replica-app): every trace in app storage.
pub fn replica_app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replica-app")
}

/// How to start one server.
pub struct Launch<'a> {
    /// Holds `kiln.toml`, the webhook secret and (by default) the SQLite state.
    pub dir: &'a Path,
    pub app: PathBuf,
    /// `state` in kiln.toml.
    pub state: String,
    /// The `[limits]` table's lines.
    pub limits: &'a str,
    /// `Some`: JSON logs appended to this file (else stderr is inherited).
    pub log: Option<&'a Path>,
    pub extra: &'a [&'a str],
}

impl<'a> Launch<'a> {
    pub fn new(dir: &'a Path) -> Self {
        Launch {
            dir,
            app: serve_app(),
            state: "state.sqlite3".into(),
            limits: "",
            log: None,
            extra: &[],
        }
    }

    /// Spawns the server; [`Starting::serving`] waits until it serves.
    pub fn spawn(&self) -> Starting {
        write_private(&self.dir.join("webhook-secret"), WEBHOOK_SECRET);
        let config = self.dir.join("kiln.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\nstate = {:?}\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n[limits]\n{}\n",
                self.state,
                self.app.display().to_string(),
                self.limits,
            ),
        )
        .unwrap();
        spawn_config(&config, self.extra, self.log)
    }

    pub fn start(&self) -> Serve {
        self.spawn().serving()
    }
}

/// `GET {base}{path}` on the Jira site at `base` with an API token: the JSON of a 2xx answer.
pub fn jira_get(base: &str, email: &str, token: &str, path: &str) -> Value {
    client()
        .get(format!("{base}{path}"))
        .basic_auth(email, Some(token))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap()
}

/// An issue's comments (Jira's comment objects) on the Jira site at `base`, read with an
/// API token.
pub fn comments_on(base: &str, email: &str, token: &str, issue: &str) -> Vec<Value> {
    let path = format!("/rest/api/3/issue/{issue}/comment?maxResults=100");
    let mut page = jira_get(base, email, token, &path);
    match page["comments"].take() {
        Value::Array(comments) => comments,
        _ => Vec::new(),
    }
}

/// The bodies (as JSON text) of an issue's comments on the Jira site at `base`, read with
/// an API token.
pub fn comment_bodies(base: &str, email: &str, token: &str, issue: &str) -> Vec<String> {
    comments_on(base, email, token, issue)
        .iter()
        .map(|c| c["body"].to_string())
        .collect()
}

/// Runs `runtime storage ARGS… --storage DIR/state.sqlite3`, with `--site` and
/// `--environment` when given, under the servers' storage key: an operator's look at a
/// served app's storage, beside the running server.
pub fn runtime_storage(
    dir: &Path,
    args: &[&str],
    site: Option<&str>,
    environment: Option<&str>,
) -> std::process::Output {
    let mut command = Command::new(runtime_binary());
    command
        .arg("storage")
        .args(args)
        .arg("--storage")
        .arg(dir.join("state.sqlite3"));
    if let Some(site) = site {
        command.args(["--site", site]);
    }
    if let Some(environment) = environment {
        command.args(["--environment", environment]);
    }
    command
        .env("KILN_STORAGE_KEY", STORAGE_KEY)
        .output()
        .expect("runtime storage runs")
}

/// Writes a file only its owner may read, as Kiln requires of secret and credentials files.
pub fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Builds serve-app as users build apps (`runtime build`, into the shared component cache)
/// and returns the component's path.
pub fn built_serve_app() -> PathBuf {
    built_app(&serve_app())
}

/// Builds the app folder `app` as users build apps (`runtime build`, into the shared
/// component cache) and returns the component's path.
pub fn built_app(app: &Path) -> PathBuf {
    let output = Command::new(runtime_binary())
        .arg("build")
        .arg(app)
        .env("KILN_CACHE_DIR", cache_dir())
        .output()
        .expect("runtime build runs");
    assert!(
        output.status.success(),
        "runtime build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8(output.stdout).expect("a path").trim())
}

/// Spawns `runtime serve --config CONFIG` (a `kiln.toml` the caller wrote) with the admin
/// token, the shared storage key and component cache; with `log`, JSON logs go there.
pub fn spawn_config(config: &Path, extra: &[&str], log: Option<&Path>) -> Starting {
    spawn_config_logging(config, extra, log, Some("kiln_serve=info"))
}

/// As [`spawn_config`], with `RUST_LOG` set to `rust_log` (`None`: unset, the CLI's
/// default filter).
pub fn spawn_config_logging(
    config: &Path,
    extra: &[&str],
    log: Option<&Path>,
    rust_log: Option<&str>,
) -> Starting {
    spawn_config_with(config, extra, log.map(LogTo::Json), rust_log)
}

/// Where a server's stderr goes, besides the terminal.
pub enum LogTo<'a> {
    /// `--json-logs`, appended to this file.
    Json(&'a Path),
    /// The human-readable log, appended to this file (as a service manager keeps it).
    Text(&'a Path),
}

/// As [`spawn_config_logging`], with the log kept as `log` says.
pub fn spawn_config_with(
    config: &Path,
    extra: &[&str],
    log: Option<LogTo<'_>>,
    rust_log: Option<&str>,
) -> Starting {
    let mut command = Command::new(runtime_binary());
    command
        .args(["serve", "--config"])
        .arg(config)
        .args(extra)
        .env("KILN_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("KILN_STORAGE_KEY", STORAGE_KEY)
        .env("KILN_CACHE_DIR", cache_dir())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped());
    if let Some(filter) = rust_log {
        command.env("RUST_LOG", filter);
    }
    let append = |path: &Path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap()
    };
    match log {
        Some(LogTo::Json(path)) => {
            command.arg("--json-logs").stderr(append(path));
        }
        Some(LogTo::Text(path)) => {
            command.stderr(append(path));
        }
        None => {
            command.stderr(Stdio::inherit());
        }
    }
    let mut child = command.spawn().expect("runtime serve starts");
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    Starting { child, lines }
}

/// A server started but maybe not serving yet.
pub struct Starting {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Starting {
    /// Waits for the `serving` line (the first start builds the app: minutes).
    pub fn serving(self) -> Serve {
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        let mut serve = Serve {
            child: self.child,
            lines: Vec::new(),
            _dir: None,
        };
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("runtime serve printed its endpoints");
            let value: Value = serde_json::from_str(&line).expect("one JSON document per line");
            if value["kind"] == "serving" {
                break;
            }
            lines.push(value);
        }
        serve.lines = lines;
        serve
    }
}

pub struct Serve {
    pub child: Child,
    pub lines: Vec<Value>,
    pub _dir: Option<tempfile::TempDir>,
}

impl Serve {
    pub fn start(limits: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut serve = Launch {
            limits,
            ..Launch::new(dir.path())
        }
        .start();
        serve._dir = Some(dir);
        serve
    }

    /// A server whose state, configuration and (with `log`) JSON log live in `dir`, so a
    /// second server started there after the first stopped continues its queue.
    pub fn start_at(dir: &Path, limits: &str, log: Option<&Path>) -> Self {
        Self::start_with(dir, limits, log, &[])
    }

    pub fn start_with(dir: &Path, limits: &str, log: Option<&Path>, extra: &[&str]) -> Self {
        Launch {
            limits,
            log,
            extra,
            ..Launch::new(dir)
        }
        .start()
    }

    pub fn find_line(&self, kind: &str, key: Option<&str>) -> Option<&Value> {
        self.lines
            .iter()
            .find(|l| l["kind"] == kind && key.is_none_or(|k| l["key"] == k))
    }

    pub fn line(&self, kind: &str, key: Option<&str>) -> &Value {
        self.find_line(kind, key)
            .unwrap_or_else(|| panic!("no {kind} line in {:?}", self.lines))
    }

    pub fn url(&self) -> String {
        self.line("listening", None)["url"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn admin_url(&self) -> String {
        self.line("admin", None)["url"].as_str().unwrap().to_owned()
    }

    /// The simulator's base URL and a seeded user's email and API token (the person's own:
    /// what a test writes with it is no app's, `selfGenerated: false`).
    pub fn sim_as(&self, email: &str) -> (String, String, String) {
        let sim = self.line("simulator", None);
        let user = sim["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap();
        (
            sim["baseUrl"].as_str().unwrap().to_owned(),
            email.to_owned(),
            user["apiToken"].as_str().unwrap().to_owned(),
        )
    }

    pub fn sim(&self) -> (String, String, String) {
        self.sim_as(APP_ACCOUNT)
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, signal);
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One compiled-artifact cache for every test's server, so each component compiles once.
pub fn cache_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("kiln-serve-e2e-cache");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

pub fn client() -> reqwest::blocking::Client {
    client_waiting(Duration::from_secs(30))
}

/// A client that waits up to `timeout` for each answer.
pub fn client_waiting(timeout: Duration) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .unwrap()
}

pub fn sign(body: &[u8]) -> String {
    kiln_serve::webhook::signature::sign(WEBHOOK_SECRET.as_bytes(), body)
}

/// Posts a signed (or, with `signature`, specially signed) delivery to the simulator site's
/// webhook endpoint.
pub fn webhook(
    serve: &Serve,
    delivery: &str,
    body: &Value,
    signature: Option<String>,
) -> reqwest::blocking::Response {
    webhook_with(&client(), serve, delivery, body, signature)
}

pub fn webhook_with(
    client: &reqwest::blocking::Client,
    serve: &Serve,
    delivery: &str,
    body: &Value,
    signature: Option<String>,
) -> reqwest::blocking::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut request = client
        .post(format!("{}/webhooks/jira/simulator", serve.url()))
        .header("content-type", "application/json")
        .header("x-atlassian-webhook-identifier", delivery)
        .body(bytes.clone());
    if let Some(signature) = signature.or_else(|| Some(sign(&bytes))) {
        request = request.header("x-hub-signature", signature);
    }
    request.send().unwrap()
}

pub fn issue_created(key: &str, summary: &str, actor: &str) -> Value {
    json!({
        "timestamp": 1_700_000_000_000_i64,
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": { "accountId": actor },
        "issue": { "id": "1", "key": key, "fields": { "summary": summary } },
    })
}

pub fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_up_to(Duration::from_secs(60), what, done)
}

pub fn wait_up_to(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The installations `GET /v1/installations` lists.
pub fn installations(serve: &Serve) -> Vec<Value> {
    admin_list(serve, "/v1/installations", "installations")
}

/// The array in field `field` of the admin API's answer to `GET path`.
pub fn admin_list(serve: &Serve, path: &str, field: &str) -> Vec<Value> {
    let mut listed: Value = client()
        .get(format!("{}{path}", serve.admin_url()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    match listed[field].take() {
        Value::Array(all) => all,
        other => panic!("no {field} list at {path}: {other}"),
    }
}

/// The server's `/metrics` page, as Prometheus scrapes it.
pub fn metrics(serve: &Serve) -> String {
    client()
        .get(format!("{}/metrics", serve.url()))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

pub fn admin(serve: &Serve, path: &str, body: &Value) -> Value {
    client()
        .post(format!("{}{path}", serve.admin_url()))
        .bearer_auth(ADMIN_TOKEN)
        .json(body)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap()
}

/// The JSON log's entries with this message.
pub fn log_entries(log: &Path, message: &str) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| entry["fields"]["message"] == message)
        .collect()
}

/// Where the PostgreSQL the tests may use is named (`.ci/run` and `.ci/postgres-cluster
/// start` set it), as in kiln-state's tests (state/tests/support/postgres.rs).
pub const POSTGRES_URL_VARIABLE: &str = "KILN_TEST_POSTGRES_URL";

/// The URL of a new, empty database on the test server, or `None` when none is configured
/// (a plain `cargo test` on a laptop: the test says so and does nothing). With the variable
/// set, an unreachable server **fails** the test; it never passes by skipping.
pub fn fresh_postgres_database() -> Option<String> {
    use sqlx::{Connection as _, Executor as _};
    let Some(url) = std::env::var(POSTGRES_URL_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!(
            "SKIPPED (PostgreSQL case): {POSTGRES_URL_VARIABLE} is not set; .ci/run starts a \
             cluster and sets it (or: eval \"$(.ci/postgres-cluster start)\")"
        );
        return None;
    };
    let name = format!("kiln_serve_test_{}", hex::encode(rand::random::<[u8; 8]>()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut connection = sqlx::PgConnection::connect(&url).await.unwrap_or_else(|e| {
            panic!(
                "{POSTGRES_URL_VARIABLE} is set, so PostgreSQL is expected, but it is unreachable: {e}"
            )
        });
        connection
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
        connection.close().await.ok();
    });
    let (server, _) = url
        .split('?')
        .next()
        .and_then(|u| u.rsplit_once('/'))
        .unwrap_or_else(|| panic!("{POSTGRES_URL_VARIABLE} has no database part"));
    Some(format!("{server}/{name}"))
}

/// Creates an issue in the simulator as `who` and returns its key. The simulator sends
/// its own signed `jira:issue_created` webhook to the server for it.
pub fn create_issue(serve: &Serve, who: &str, summary: &str) -> String {
    let (base, email, token) = serve.sim_as(who);
    let created: Value = client()
        .post(format!("{base}/rest/api/3/issue"))
        .basic_auth(email, Some(token))
        .json(&json!({ "fields": {
            "project": { "key": "KILN" },
            "issuetype": { "name": "Task" },
            "summary": summary,
        }}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    created["key"].as_str().unwrap().to_owned()
}
