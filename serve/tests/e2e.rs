//! `runtime serve` end to end: the real binary, real sockets on loopback, the embedded
//! simulator as the Jira site, and the `serve-app` guest (tests/programs/serve-app), built
//! by the server itself from its folder.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test e2e`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";
/// The simulator account the served app acts as.
const APP_ACCOUNT: &str = "admin@example.com";
/// Another seeded person.
const PERSON: &str = "user@example.com";

fn runtime_binary() -> PathBuf {
    // target/debug/deps/e2e-… → target/debug/runtime
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

fn app_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/serve-app")
}

struct Serve {
    child: Child,
    lines: Vec<Value>,
    _dir: Option<tempfile::TempDir>,
}

impl Serve {
    fn start(limits: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut serve = Self::start_at(dir.path(), limits, None);
        serve._dir = Some(dir);
        serve
    }

    /// A server whose state, configuration and (with `log`) JSON log live in `dir`, so a
    /// second server started there after the first stopped continues its queue.
    fn start_at(dir: &Path, limits: &str, log: Option<&Path>) -> Self {
        Self::start_with(dir, limits, log, &[])
    }

    fn start_with(dir: &Path, limits: &str, log: Option<&Path>, extra: &[&str]) -> Self {
        let secret = dir.join("webhook-secret");
        std::fs::write(&secret, WEBHOOK_SECRET).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let config = dir.join("kiln.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n[limits]\n{limits}\n",
                app_folder().display().to_string()
            ),
        )
        .unwrap();
        let mut command = Command::new(runtime_binary());
        command
            .args(["serve", "--config"])
            .arg(&config)
            .args(extra)
            .env("KILN_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("KILN_CACHE_DIR", cache_dir())
            .env("RUST_LOG", "kiln_serve=info")
            .stdout(Stdio::piped());
        match log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap();
                command.arg("--json-logs").stderr(file);
            }
            None => {
                command.stderr(Stdio::inherit());
            }
        }
        let mut child = command.spawn().expect("runtime serve starts");
        let stdout = child.stdout.take().unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = receive
                .recv_timeout(left)
                .expect("runtime serve printed its endpoints");
            let value: Value = serde_json::from_str(&line).expect("one JSON document per line");
            if value["kind"] == "serving" {
                break;
            }
            lines.push(value);
        }
        Serve {
            child,
            lines,
            _dir: None,
        }
    }

    fn line(&self, kind: &str, key: Option<&str>) -> &Value {
        self.lines
            .iter()
            .find(|l| l["kind"] == kind && key.is_none_or(|k| l["key"] == k))
            .unwrap_or_else(|| panic!("no {kind} line in {:?}", self.lines))
    }

    fn url(&self) -> String {
        self.line("listening", None)["url"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The simulator's base URL and a seeded user's email and API token. The app acts as
    /// `admin@example.com`: what that account does is the app's own (`selfGenerated`).
    fn sim_as(&self, email: &str) -> (String, String, String) {
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

    fn sim(&self) -> (String, String, String) {
        self.sim_as(APP_ACCOUNT)
    }

    fn signal(&self, signal: i32) {
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

/// One compiled-artifact cache for every test's server, so the component compiles once.
fn cache_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("kiln-serve-e2e-cache");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn sign(body: &[u8]) -> String {
    kiln_serve::webhook::signature::sign(WEBHOOK_SECRET.as_bytes(), body)
}

/// Creates an issue in the simulator as `who` and returns its key. The simulator sends
/// its own signed `jira:issue_created` webhook to the server for it.
fn create_issue(serve: &Serve, who: &str, summary: &str) -> String {
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

fn comments(serve: &Serve, key: &str) -> Vec<String> {
    let (base, email, token) = serve.sim();
    let page: Value = client()
        .get(format!(
            "{base}/rest/api/3/issue/{key}/comment?maxResults=100"
        ))
        .basic_auth(email, Some(token))
        .send()
        .unwrap()
        .json()
        .unwrap();
    page["comments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| c["body"].to_string())
        .collect()
}

fn webhook(
    serve: &Serve,
    delivery: &str,
    body: &Value,
    signature: Option<String>,
) -> reqwest::blocking::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut request = client()
        .post(format!("{}/webhooks/jira/simulator", serve.url()))
        .header("content-type", "application/json")
        .header("x-atlassian-webhook-identifier", delivery)
        .body(bytes.clone());
    if let Some(signature) = signature.or_else(|| Some(sign(&bytes))) {
        request = request.header("x-hub-signature", signature);
    }
    request.send().unwrap()
}

fn issue_created(key: &str, summary: &str, actor: &str) -> Value {
    json!({
        "timestamp": 1_700_000_000_000_i64,
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": { "accountId": actor },
        "issue": { "id": "1", "key": key, "fields": { "summary": summary } },
    })
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn web_trigger_round_trip_without_credentials_and_unknown_ids_refused() {
    let serve = Serve::start("");
    let url = serve.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = url.rsplit('/').next().unwrap();
    assert_eq!(id.len(), 64, "256-bit id as 64 hex digits");
    let response = client()
        .post(format!("{url}/alerts/7?severity=high&severity=low"))
        .header("authorization", "Bearer caller-secret")
        .header("cookie", "session=caller-secret")
        .header("x-alert-source", "monitoring")
        .body("{\"alert\":\"disk full\"}")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-served-by"], "serve-app");
    let seen: Value = response.json().unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["userPath"], "/alerts/7");
    assert_eq!(seen["queryParameters"]["severity"], json!(["high", "low"]));
    assert_eq!(seen["headers"]["x-alert-source"], json!(["monitoring"]));
    assert_eq!(seen["body"], "{\"alert\":\"disk full\"}");
    assert!(!seen.to_string().contains("caller-secret"), "{seen}");

    let base = serve.url();
    let mut wrong = id.to_owned();
    wrong.replace_range(0..1, if id.starts_with('0') { "1" } else { "0" });
    for path in [
        format!("/x1/{wrong}"),
        format!("/x1/{}", id.to_uppercase()),
        format!("/x1/{}", &id[..63]),
        "/x1/..%2f..%2fetc".to_owned(),
    ] {
        let status = client()
            .get(format!("{base}{path}"))
            .send()
            .unwrap()
            .status();
        assert_eq!(status, 404, "{path}");
    }
    // Body cap: a declared length over the limit is refused before it is read.
    let big = client()
        .post(&url)
        .body(vec![b'a'; 2 << 20])
        .send()
        .unwrap();
    assert_eq!(big.status(), 413);

    let metrics = client()
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("kiln_invocations_total{app=\"serve-app\",function=\"echo\",trigger=\"webtrigger\",outcome=\"ok\"} 1"),
        "{metrics}"
    );
    assert_eq!(
        client()
            .get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client()
            .get(format!("{base}/readyz"))
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn a_signed_webhook_runs_once_and_a_bad_signature_runs_nothing() {
    let serve = Serve::start("");
    // Created as the app's own account: the simulator's webhook for it is self-generated and
    // dropped by `ignoreSelf`, so only the deliveries below can run the trigger.
    let key = create_issue(&serve, APP_ACCOUNT, "checkout is slow");
    let body = issue_created(&key, "checkout is slow", "someone-else");

    let bad = webhook(
        &serve,
        "delivery-bad",
        &body,
        Some(format!("sha256={}", "0".repeat(64))),
    );
    assert_eq!(bad.status(), 401);
    let unsigned_missing = client()
        .post(format!("{}/webhooks/jira/simulator", serve.url()))
        .header("x-atlassian-webhook-identifier", "delivery-none")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .unwrap();
    assert_eq!(unsigned_missing.status(), 401);

    let first = webhook(&serve, "delivery-1", &body, None);
    assert_eq!(first.status(), 202);
    let again = webhook(&serve, "delivery-1", &body, None);
    assert_eq!(again.status(), 200, "a redelivery is acknowledged");
    wait_for("the trigger's comment", || {
        !comments(&serve, &key).is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    let seen = comments(&serve, &key);
    assert_eq!(seen.len(), 1, "ran once: {seen:?}");
    assert!(seen[0].contains("avi:jira:created:issue"), "{seen:?}");
    assert!(seen[0].contains("selfGenerated=false"), "{seen:?}");
}

#[test]
fn events_the_app_caused_itself_are_ignored_with_ignore_self() {
    let serve = Serve::start("");
    let key = create_issue(&serve, APP_ACCOUNT, "made by the app");
    // The simulator's admin is the account the app acts as: a self-generated event.
    let (base, email, token) = serve.sim();
    let me: Value = client()
        .get(format!("{base}/rest/api/3/myself"))
        .basic_auth(email, Some(token))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let actor = me["accountId"].as_str().unwrap();
    let accepted = webhook(&serve, "self-1", &issue_created(&key, "s", actor), None);
    assert_eq!(accepted.status(), 202);
    assert_eq!(accepted.json::<Value>().unwrap()["queued"], 0);
    std::thread::sleep(Duration::from_secs(1));
    assert!(comments(&serve, &key).is_empty());
}

#[test]
fn a_full_web_trigger_queue_answers_429_with_retry_after() {
    let serve = Serve::start(
        "web_concurrency_per_app = 1\nweb_max_waiting = 1\nclient_timeout_seconds = 1\n",
    );
    let url = serve.line("webtrigger", Some("slow-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let response = client().get(format!("{url}?ms=2500")).send().unwrap();
                (
                    response.status().as_u16(),
                    response
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned()),
                )
            })
        })
        .collect();
    let results: Vec<(u16, Option<String>)> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.iter().any(|(s, _)| *s == 200), "{results:?}");
    let refused: Vec<_> = results.iter().filter(|(s, _)| *s == 429).collect();
    assert!(!refused.is_empty(), "{results:?}");
    assert!(
        refused.iter().all(|(_, retry)| retry.is_some()),
        "{results:?}"
    );
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let mut serve = Serve::start("");
    let url = serve.line("webtrigger", Some("slow-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_flight = std::thread::spawn(move || {
        let response = client().get(format!("{url}?ms=2000")).send().unwrap();
        (response.status().as_u16(), response.text().unwrap())
    });
    std::thread::sleep(Duration::from_millis(700));
    serve.signal(libc::SIGTERM);
    let (status, body) = in_flight.join().unwrap();
    assert_eq!((status, body.as_str()), (200, "slow done"));
    let exit = serve.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn offline_loop_a_new_issue_in_the_simulator_gets_the_apps_comment() {
    let serve = Serve::start("");
    // A person creates an issue; the simulator sends its signed webhook; the trigger runs
    // and comments through request-jira; the comment is in the simulator.
    let key = create_issue(&serve, PERSON, "login page is wrong");
    wait_for("the app's comment", || !comments(&serve, &key).is_empty());
    std::thread::sleep(Duration::from_secs(2));
    let seen = comments(&serve, &key);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].contains(
            "serve-app saw avi:jira:created:issue (login page is wrong) selfGenerated=false"
        ),
        "{seen:?}"
    );
}

/// Product-event ids the JSON log says completed (one entry per completion).
fn completed_events(log: &Path) -> Vec<i64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| entry["fields"]["message"] == "event done")
        // The scheduled trigger's runs are events too; count the product events only.
        .filter(|entry| entry["fields"]["module"] == "on-issue")
        .filter_map(|entry| entry["fields"]["event"].as_i64())
        .collect()
}

/// Sends `count` signed deliveries for distinct issues (by a person, so none is
/// self-generated); each answered 202 is an accepted, persisted event.
fn accept_events(serve: &Serve, count: usize, tag: &str) -> usize {
    (0..count)
        .filter(|n| {
            let body = issue_created(&format!("KILN-{}", 5000 + n), tag, "someone-else");
            webhook(serve, &format!("{tag}-{n}"), &body, None).status() == 202
        })
        .count()
}

#[test]
fn sigterm_under_load_then_restart_runs_every_accepted_event_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let serve = Serve::start_at(
        dir.path(),
        "workers = 1\nshutdown_grace_seconds = 20",
        Some(&log),
    );
    let accepted = accept_events(&serve, 20, "term");
    assert_eq!(accepted, 20);
    serve.signal(libc::SIGTERM);
    let mut serve = serve;
    assert!(serve.child.wait().unwrap().success());
    let before = completed_events(&log).len();

    let _restarted = Serve::start_at(dir.path(), "workers = 1", Some(&log));
    wait_for("every accepted event to complete", || {
        completed_events(&log).len() >= accepted
    });
    std::thread::sleep(Duration::from_secs(2));
    let mut done = completed_events(&log);
    let total = done.len();
    done.sort_unstable();
    done.dedup();
    assert_eq!(
        (done.len(), total),
        (accepted, accepted),
        "{before} done before the restart"
    );
}

#[test]
fn kill_9_loses_nothing_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let serve = Serve::start_at(dir.path(), "workers = 1", Some(&log));
    let accepted = accept_events(&serve, 10, "kill");
    serve.signal(libc::SIGKILL);
    let mut serve = serve;
    let _ = serve.child.wait();

    // An event leased when the process died runs again once its 60 s lease expires: at
    // least once, never lost.
    let _restarted = Serve::start_at(dir.path(), "workers = 2", Some(&log));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut done = completed_events(&log);
        done.sort_unstable();
        done.dedup();
        if done.len() >= accepted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {accepted} done",
            done.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn admin(serve: &Serve, path: &str, body: &Value) -> Value {
    let url = serve.line("admin", None)["url"]
        .as_str()
        .unwrap()
        .to_owned();
    client()
        .post(format!("{url}{path}"))
        .bearer_auth(ADMIN_TOKEN)
        .json(body)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap()
}

fn ticks(serve: &Serve) -> usize {
    comments(serve, "KILN-1")
        .iter()
        .filter(|c| c.contains("serve-app tick"))
        .count()
}

#[test]
fn scheduled_trigger_under_a_manual_clock_runs_once_per_interval_and_once_for_missed_time() {
    const HOUR: i64 = 3_600_000;
    let dir = tempfile::tempdir().unwrap();
    // Half past some hour, frozen.
    let start = (1_900_000_000_000 / HOUR) * HOUR + HOUR / 2;
    let serve = Serve::start_with(
        dir.path(),
        "",
        None,
        &["--manual-clock", &start.to_string()],
    );
    // A trigger that never ran runs once at start.
    wait_for("the first tick", || ticks(&serve) == 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(ticks(&serve), 1, "no second run within the same time");

    // The next hour, past the jitter (at most 60 s): one run.
    admin(
        &serve,
        "/v1/clock",
        &json!({ "advanceMs": HOUR / 2 + 61_000 }),
    );
    wait_for("the next hour's tick", || ticks(&serve) == 2);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(ticks(&serve), 2);

    // Ten hours pass at once: one run for all of it, never one per missed hour.
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 10 * HOUR }));
    wait_for("the catch-up tick", || ticks(&serve) >= 3);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(ticks(&serve), 3);
}

/// `$KILN_STATE` picks the state (over kiln.toml's), and a placeholder `$KILN_STORAGE_KEY`
/// stops the start with a clear error that does not repeat the key, before anything listens.
#[test]
fn kiln_state_is_used_and_a_placeholder_storage_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[[app]]\npath = {:?}\n",
            app_folder().display().to_string()
        ),
    )
    .unwrap();
    let placeholder = "0".repeat(64);
    let mut child = Command::new(runtime_binary())
        .args(["serve", "--config"])
        .arg(&config)
        .env(
            "KILN_STATE",
            format!("sqlite://{}", dir.path().join("chosen.sqlite3").display()),
        )
        .env("KILN_STORAGE_KEY", &placeholder)
        .env("KILN_CACHE_DIR", cache_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runtime serve starts");
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("runtime serve accepted a placeholder storage key");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("KILN_STORAGE_KEY is a placeholder"),
        "{stderr}"
    );
    assert!(!stderr.contains(&placeholder), "{stderr}");
    // The key is checked before the database is opened: neither file was created.
    assert!(!dir.path().join("state.sqlite3").exists());
    assert!(!dir.path().join("chosen.sqlite3").exists());

    // With a real key the same start serves, with its state where $KILN_STATE says.
    let mut child = Command::new(runtime_binary())
        .args(["serve", "--config"])
        .arg(&config)
        .env(
            "KILN_STATE",
            format!("sqlite://{}", dir.path().join("chosen.sqlite3").display()),
        )
        .env("KILN_STORAGE_KEY", "0123456789abcdef".repeat(4))
        .env("KILN_CACHE_DIR", cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("runtime serve starts");
    let serving = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("\"serving\""));
    let _ = child.kill();
    let _ = child.wait();
    assert!(serving, "runtime serve did not start");
    assert!(dir.path().join("chosen.sqlite3").exists());
    assert!(!dir.path().join("state.sqlite3").exists());
}
