//! Installations bound to consent (issue 12 §2 for `runtime serve`): on a real site, new code
//! under the same app id, or the site's credentials acting as another principal, is an
//! update that runs under no approval. The installation is held (admin list, log line,
//! metric); events accepted meanwhile are kept and run once the code is approved, through
//! the admin API or the operator policy's `[[preapproved]]` digest. The embedded simulator
//! re-approves by itself.
//!
//! The "real site" is `runtime sim` started as a separate process and configured as a
//! `[[site]]` with an API token credentials file, as an operator would configure Jira Cloud.
//! The code is the guest `tests/programs/serve-app`; its second version is the same
//! component with a custom section appended: the same app id and manifest, another SHA-256.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    self, PERSON, Serve, WEBHOOK_SECRET, built_serve_app, client, issue_created, metrics,
    runtime_binary, wait_for,
};

/// `runtime sim` in its own process: the site `runtime serve` treats as a real Jira.
pub(crate) struct Site {
    child: Child,
    pub(crate) info: Value,
}

impl Site {
    pub(crate) fn start() -> Self {
        let mut child = Command::new(runtime_binary())
            .args(["sim", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("runtime sim starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("runtime sim prints where it listens");
        Self {
            child,
            info: serde_json::from_str(&line).expect("one JSON line"),
        }
    }

    pub(crate) fn base_url(&self) -> &str {
        self.info["baseUrl"].as_str().unwrap()
    }

    pub(crate) fn user(&self, email: &str) -> &Value {
        self.info["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()
    }

    /// The comments on an issue, as `email` sees them.
    fn comments(&self, issue: &str) -> Vec<String> {
        let user = self.user(support::APP_ACCOUNT);
        support::comment_bodies(
            self.base_url(),
            user["email"].as_str().unwrap(),
            user["apiToken"].as_str().unwrap(),
            issue,
        )
    }

    pub(crate) fn has_comment(&self, issue: &str, marker: &str) -> bool {
        self.comments(issue).iter().any(|c| c.contains(marker))
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// serve-app's manifest without its hourly trigger, whose first run would join the queue at
/// a moment the test does not choose: the queue then holds exactly the deliveries sent.
pub(crate) fn manifest_without_schedule() -> String {
    let manifest = std::fs::read_to_string(support::serve_app().join("manifest.yml")).unwrap();
    let (modules, permissions) = manifest.split_once("  scheduledTrigger:").unwrap();
    let permissions = &permissions[permissions.find("permissions:").unwrap()..];
    format!("{modules}{permissions}")
}

/// [`manifest_without_schedule`] with serve-app's product event trigger on `events` (the
/// items of its YAML list, e.g. `avi:jira:commented:issue`); `ignore_self` keeps or removes
/// the trigger's `filter: { ignoreSelf: true }`.
pub(crate) fn manifest_with_trigger(events: &str, ignore_self: bool) -> String {
    let manifest = manifest_without_schedule();
    let shipped = "      events: [avi:jira:created:issue]\n";
    let filter = "      filter: { ignoreSelf: true }\n";
    assert!(
        manifest.contains(shipped) && manifest.contains(filter),
        "serve-app's trigger moved"
    );
    let manifest = manifest.replace(shipped, &format!("      events: [{events}]\n"));
    if ignore_self {
        manifest
    } else {
        manifest.replace(filter, "")
    }
}

/// serve-app's component, built once per test run (`runtime build`, in the same private
/// build directory the other serve tests use, so usually no compile at all).
pub(crate) fn serve_app_component() -> &'static [u8] {
    static BUILT: OnceLock<Vec<u8>> = OnceLock::new();
    BUILT.get_or_init(|| std::fs::read(support::built_serve_app()).expect("the built component"))
}

/// The same component with a custom section appended: another SHA-256, the same behaviour.
fn changed_component(tag: &str) -> Vec<u8> {
    let name = b"kiln-test";
    let payload = tag.as_bytes();
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(payload);
    assert!(section.len() < 128, "one LEB128 byte of size");
    let mut wasm = serve_app_component().to_vec();
    wasm.push(0); // custom section id
    wasm.push(section.len() as u8);
    wasm.extend_from_slice(&section);
    wasm
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// One host directory: the component file (`app.wasm`, swapped between starts), its
/// manifest, the credentials, the webhook secret and the SQLite state.
struct Host<'a> {
    dir: &'a Path,
    site: &'a Site,
    log: PathBuf,
}

impl<'a> Host<'a> {
    fn new(dir: &'a Path, site: &'a Site) -> Self {
        std::fs::write(dir.join("manifest.yml"), manifest_without_schedule()).unwrap();
        support::write_private(&dir.join("webhook-secret"), WEBHOOK_SECRET);
        Self {
            dir,
            site,
            log: dir.join("serve.log"),
        }
    }

    fn use_component(&self, wasm: &[u8]) {
        std::fs::write(self.dir.join("app.wasm"), wasm).unwrap();
    }

    /// The site's credentials act as `email` (an API token).
    fn act_as(&self, email: &str) {
        let user = self.site.user(email);
        support::write_private(
            &self.dir.join("credentials.toml"),
            &format!(
                "[user]\nemail = {:?}\napi_token = {:?}\n",
                email,
                user["apiToken"].as_str().unwrap()
            ),
        );
    }

    /// Starts `runtime serve` on the site; `extra` lines go at the top of kiln.toml.
    fn start(&self, extra: &str) -> Serve {
        let app_account = self.site.user(support::APP_ACCOUNT)["accountId"]
            .as_str()
            .unwrap()
            .to_owned();
        let config = self.dir.join("kiln.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n{extra}\n\
                 [[app]]\npath = \"app.wasm\"\nmanifest = \"manifest.yml\"\n\
                 [[site]]\nname = \"real\"\nurl = {url:?}\ngateway = {url:?}\ncloud_id = {cloud:?}\n\
                 credentials = \"credentials.toml\"\nwebhook_secret_file = \"webhook-secret\"\n\
                 account_id = {app_account:?}\n\
                 [[installation]]\napp = \"serve-app\"\nsite = \"real\"\nenvironment = \"production\"\n",
                url = self.site.base_url(),
                cloud = self.site.info["cloudId"].as_str().unwrap(),
            ),
        )
        .unwrap();
        support::spawn_config(&config, &[], Some(&self.log)).serving()
    }
}

/// A signed delivery of "a person created an issue" to the real site's webhook endpoint.
fn deliver(serve: &Serve, delivery: &str, marker: &str) -> u16 {
    deliver_to(serve, "real", delivery, marker)
}

/// [`deliver`] to the webhook endpoint of the configured site named `site`.
pub(crate) fn deliver_to(serve: &Serve, site: &str, delivery: &str, marker: &str) -> u16 {
    let person = json!(format!("person-{delivery}"));
    let mut body = issue_created("KILN-1", marker, person.as_str().unwrap());
    body["issue"]["id"] = json!("10001");
    let bytes = serde_json::to_vec(&body).unwrap();
    client()
        .post(format!("{}/webhooks/jira/{site}", serve.url()))
        .header("content-type", "application/json")
        .header("x-atlassian-webhook-identifier", delivery)
        .header("x-hub-signature", support::sign(&bytes))
        .body(bytes)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn installation(serve: &Serve) -> Value {
    support::installations(serve)
        .into_iter()
        .find(|i| i["app"] == "serve-app")
        .expect("serve-app is listed")
}

/// `kiln_queue_depth`: everything stored in the queue. Besides the test's deliveries it may
/// hold the app's hourly scheduled run (serve-app has one), queued whenever the scheduler's
/// jittered tick comes round, so the tests count at least their own events.
fn queue_depth(serve: &Serve) -> u64 {
    metrics(serve)
        .lines()
        .find_map(|line| line.strip_prefix("kiln_queue_depth "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

fn held_gauge(serve: &Serve, reason: &str) -> Option<String> {
    metrics(serve)
        .lines()
        .find(|l| {
            l.starts_with("kiln_installations_held{")
                && l.contains("app=\"serve-app\"")
                && l.contains(&format!("reason=\"{reason}\""))
        })
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
}

fn held_log_lines(log: &Path, reason: &str) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|e| {
            e["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("installation held"))
                && e["fields"]["reason"] == reason
        })
        .count()
}

/// How long a held installation is watched to show it runs nothing: far longer than the
/// event takes to run when approved (well under a second on loopback).
const QUIET: Duration = Duration::from_secs(3);

#[test]
fn new_code_on_a_real_site_is_held_until_approved_and_its_events_wait() {
    let site = Site::start();
    let dir = tempfile::tempdir().unwrap();
    let host = Host::new(dir.path(), &site);
    let first = serve_app_component().to_vec();
    let second = changed_component("v2");
    host.use_component(&first);
    host.act_as(support::APP_ACCOUNT);

    // First start: kiln.toml's installation approves the code it finds.
    let serve = host.start("");
    let listed = installation(&serve);
    assert_eq!(listed["approvedSha256"], sha256(&first));
    assert!(listed["held"].is_null(), "{listed}");
    // Serve's state names a real site by its URL, app storage by its cloud id: the list
    // gives both, the second for `runtime storage --site`.
    assert_eq!(listed["site"], site.base_url());
    assert_eq!(listed["storageSite"], site.info["cloudId"], "{listed}");
    // The URL's path: each start listens on a new port.
    let echo_url = serve.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let echo_path = &echo_url[echo_url.find("/x1/").unwrap()..];
    let echo = |serve: &Serve| format!("{}{echo_path}", serve.url());
    assert_eq!(
        client()
            .post(echo(&serve))
            .body("{}")
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(deliver(&serve, "d-1", "approved-run"), 202);
    wait_for("the approved code's comment", || {
        site.has_comment("KILN-1", "approved-run")
    });
    drop(serve);

    // New code under the same app id: held, with the reason listed, logged and exported.
    host.use_component(&second);
    let serve = host.start("");
    let listed = installation(&serve);
    assert_eq!(listed["held"]["reason"], "component-changed", "{listed}");
    assert_eq!(listed["held"]["pendingSha256"], sha256(&second));
    assert_eq!(
        listed["approvedSha256"],
        sha256(&first),
        "the approval is kept"
    );
    assert_eq!(listed["runningSha256"], sha256(&second));
    assert_eq!(
        held_gauge(&serve, "component-changed").as_deref(),
        Some("1")
    );
    assert_eq!(held_log_lines(&host.log, "component-changed"), 1);

    // Events are accepted and kept, and nothing runs; the web trigger answers 503.
    assert_eq!(deliver(&serve, "d-2", "held-run-1"), 202);
    assert_eq!(deliver(&serve, "d-3", "held-run-2"), 202);
    let answer = client().post(echo(&serve)).body("{}").send().unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    assert!(answer.headers().contains_key("retry-after"));
    wait_for("both events in the queue depth gauge", || {
        queue_depth(&serve) >= 2
    });
    std::thread::sleep(QUIET);
    assert!(!site.has_comment("KILN-1", "held-run"), "held code ran");
    assert!(queue_depth(&serve) >= 2, "both events kept");

    // Kept across a restart, still held.
    drop(serve);
    let serve = host.start("");
    assert_eq!(installation(&serve)["held"]["reason"], "component-changed");
    std::thread::sleep(QUIET);
    assert!(!site.has_comment("KILN-1", "held-run"));

    // Approved through the admin API: the kept events run, once each.
    let approved = support::admin(
        &serve,
        "/v1/installations",
        &json!({"app": "serve-app", "site": "real", "environment": "production"}),
    );
    assert!(approved["endpoints"].is_array(), "{approved}");
    wait_for("the kept events' comments", || {
        site.has_comment("KILN-1", "held-run-1") && site.has_comment("KILN-1", "held-run-2")
    });
    let listed = installation(&serve);
    assert!(listed["held"].is_null(), "{listed}");
    assert_eq!(listed["approvedSha256"], sha256(&second));
    assert_eq!(
        held_gauge(&serve, "component-changed").as_deref(),
        Some("0")
    );
    assert_eq!(
        client()
            .post(echo(&serve))
            .body("{}")
            .send()
            .unwrap()
            .status(),
        200
    );
    std::thread::sleep(Duration::from_millis(500));
    let comments = site.comments("KILN-1");
    for marker in ["held-run-1", "held-run-2"] {
        assert_eq!(
            comments.iter().filter(|c| c.contains(marker)).count(),
            1,
            "{marker} ran once"
        );
    }
    drop(serve);

    // A restart with the approved code: nothing held.
    let serve = host.start("");
    assert!(installation(&serve)["held"].is_null());
}

#[test]
fn another_principal_is_held_and_the_operator_policy_approves_an_exact_digest() {
    let site = Site::start();
    let dir = tempfile::tempdir().unwrap();
    let host = Host::new(dir.path(), &site);
    let code = changed_component("policy-a");
    host.use_component(&code);
    host.act_as(support::APP_ACCOUNT);
    drop(host.start(""));

    // The same code, but the site's credentials now act as another account: held.
    host.act_as(PERSON);
    let serve = host.start("");
    let listed = installation(&serve);
    assert_eq!(listed["held"]["reason"], "principal-changed", "{listed}");
    assert_eq!(held_log_lines(&host.log, "principal-changed"), 1);
    assert_eq!(deliver(&serve, "p-1", "principal-held"), 202);
    std::thread::sleep(QUIET);
    assert!(!site.has_comment("KILN-1", "principal-held"));
    drop(serve);

    // The operator policy pre-approves another digest: still held.
    let policy = dir.path().join("kiln-policy.toml");
    let preapprove = |digest: &str| {
        std::fs::write(
            &policy,
            format!(
                "[[preapproved]]\nsha256 = {digest:?}\nscopes = [\"read:jira-work\", \"write:jira-work\"]\nsites = [{:?}]\n",
                site.base_url()
            ),
        )
        .unwrap();
    };
    preapprove(&sha256(&changed_component("something-else")));
    let serve = host.start("policy = \"kiln-policy.toml\"");
    assert_eq!(installation(&serve)["held"]["reason"], "principal-changed");
    std::thread::sleep(QUIET);
    assert!(!site.has_comment("KILN-1", "principal-held"));
    drop(serve);

    // It pre-approves exactly this digest: approved at start, the kept event runs.
    preapprove(&sha256(&code));
    let serve = host.start("policy = \"kiln-policy.toml\"");
    let listed = installation(&serve);
    assert!(listed["held"].is_null(), "{listed}");
    wait_for("the kept event's comment", || {
        site.has_comment("KILN-1", "principal-held")
    });
}

#[test]
fn the_embedded_simulator_approves_new_code_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    std::fs::create_dir(&first).unwrap();
    std::fs::write(first.join("serve-app.wasm"), serve_app_component()).unwrap();
    std::fs::copy(
        support::serve_app().join("manifest.yml"),
        first.join("manifest.yml"),
    )
    .unwrap();
    let launch = |app: &Path| {
        support::Launch {
            app: app.join("serve-app.wasm"),
            ..support::Launch::new(dir.path())
        }
        .start()
    };
    let serve = launch(&first);
    assert_eq!(
        installation(&serve)["approvedSha256"],
        sha256(serve_app_component())
    );
    drop(serve);
    let changed = changed_component("sim");
    std::fs::write(first.join("serve-app.wasm"), &changed).unwrap();
    let serve = launch(&first);
    let listed = installation(&serve);
    assert!(listed["held"].is_null(), "{listed}");
    assert_eq!(listed["approvedSha256"], sha256(&changed));
}

/// `--policy` and `$KILN_POLICY` give `runtime serve` the operator policy as they give
/// `runtime run` theirs: an app declaring a scope the policy forbids is not served.
#[test]
fn the_policy_flag_and_variable_reach_serve_as_they_reach_run() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("kiln-policy.toml");
    std::fs::write(&policy, "forbidden_scopes = [\"write:jira-work\"]\n").unwrap();
    let serve = |how: &str| {
        let mut command = Command::new(runtime_binary());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--state", "memory"])
            .arg(built_serve_app())
            .env("KILN_DATA_DIR", dir.path())
            .env_remove("KILN_POLICY")
            .stdout(Stdio::null());
        match how {
            "flag" => command.arg("--policy").arg(&policy),
            _ => command.env("KILN_POLICY", &policy),
        };
        command.output().expect("runtime serve runs")
    };
    for how in ["flag", "variable"] {
        let output = serve(how);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{how}: {stderr}");
        assert!(
            stderr.contains("the operator policy forbids the scopes write:jira-work"),
            "{how}: {stderr}"
        );
    }
}
