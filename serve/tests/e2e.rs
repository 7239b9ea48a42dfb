//! `runtime serve` end to end: the real binary, real sockets on loopback, the embedded
//! simulator as the Jira site, and the `serve-app` guest (tests/programs/serve-app), built
//! by the server itself from its folder.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve e2e::`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

fn comments(serve: &Serve, key: &str) -> Vec<String> {
    let (base, email, token) = serve.sim();
    comment_bodies(&base, &email, &token, key)
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
        .header("authorization", "Bearer for-the-app")
        .header("proxy-authorization", "Basic caller-secret")
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
    // The bare URL, with or without a closing slash: no user path, as on Forge.
    for bare in [url.clone(), format!("{url}/")] {
        let seen: Value = client().get(&bare).send().unwrap().json().unwrap();
        assert_eq!(seen["userPath"], "", "{bare}");
    }
    // The caller's token is the app's to check, as on Forge.
    assert_eq!(
        seen["headers"]["authorization"],
        json!(["Bearer for-the-app"])
    );

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
    // Body cap: a declared length over the limit is refused before it is read. Sent by
    // hand, headers only: the answer must come without a byte of the body (a client that
    // kept writing 2 MiB could meet the closed connection before reading the 413).
    {
        use std::io::{Read as _, Write as _};
        let target = url::Url::parse(&url).unwrap();
        let mut stream =
            std::net::TcpStream::connect((target.host_str().unwrap(), target.port().unwrap()))
                .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
            target.path(),
            2 << 20
        )
        .unwrap();
        let mut answer = [0u8; 12];
        stream.read_exact(&mut answer).unwrap();
        assert_eq!(
            &answer,
            b"HTTP/1.1 413",
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }

    let metrics = client()
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        // The round trip and the two bare URLs.
        metrics.contains("kiln_invocations_total{app=\"serve-app\",function=\"echo\",trigger=\"webtrigger\",outcome=\"ok\"} 3"),
        "{metrics}"
    );
    // Metrics are on the main listener, for a scraper without the admin token; the admin
    // listener does not serve them (docs/operations.md, deploy/tests/manifests.rs).
    let on_admin = client()
        .get(format!("{}/metrics", serve.admin_url()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .unwrap()
        .status();
    assert_eq!(on_admin, 404);
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
    // Created by a person (the user the app's `asUser()` acts as, with that person's own
    // token: no app's write): the simulator's webhook for it runs the trigger once, before
    // the deliveries below, each of which may run it once more.
    let key = create_issue(&serve, APP_ACCOUNT, "checkout is slow");
    wait_for("the trigger's comment on the simulator's delivery", || {
        !comments(&serve, &key).is_empty()
    });
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
        comments(&serve, &key).len() >= 2
    });
    std::thread::sleep(Duration::from_secs(2));
    let seen = comments(&serve, &key);
    assert_eq!(seen.len(), 2, "ran once for each delivery: {seen:?}");
    for comment in &seen {
        assert!(comment.contains("avi:jira:created:issue"), "{seen:?}");
        assert!(comment.contains("selfGenerated=false"), "{seen:?}");
    }
}

/// An event is the app's own when the simulator says the app's integration made the write
/// (`kilnActingApp`, which serve-app's `asUser()` comments carry: serve/tests/comment_loop.rs,
/// as_user_attribution.rs), not because it names the user the app's `asUser()` acts as: that
/// person writing with their own token is no app, and nor is a delivery naming another
/// integration.
#[test]
fn a_delivery_naming_the_apps_user_but_not_the_app_is_not_its_own() {
    let serve = Serve::start("");
    let key = create_issue(&serve, APP_ACCOUNT, "made by a person");
    wait_for("the trigger's comment on the simulator's delivery", || {
        comments(&serve, &key).len() == 1
    });
    let (base, email, token) = serve.sim();
    let me = jira_get(&base, &email, &token, "/rest/api/3/myself");
    let actor = me["accountId"].as_str().unwrap();
    let accepted = webhook(&serve, "user-1", &issue_created(&key, "s", actor), None);
    assert_eq!(accepted.status(), 202);
    assert_eq!(accepted.json::<Value>().unwrap()["queued"], 1);
    let mut other_app = issue_created(&key, "s", actor);
    other_app["kilnActingApp"] = json!("another-integration");
    let accepted = webhook(&serve, "user-2", &other_app, None);
    assert_eq!(accepted.json::<Value>().unwrap()["queued"], 1);
    wait_for("both deliveries' comments", || {
        comments(&serve, &key).len() == 3
    });
    let seen = comments(&serve, &key);
    assert!(
        seen.iter().all(|c| c.contains("selfGenerated=false")),
        "{seen:?}"
    );
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

    // An event leased when the process died runs again once its lease expires: at
    // least once, never lost. The proof is the queue: a completed event is deleted, a
    // dead one stays (state dead), so an empty queue of product events means every
    // accepted one completed. The log alone cannot say it: the kill may land after an
    // event's completion was committed and before its "event done" line was written.
    let _restarted = Serve::start_at(dir.path(), "workers = 2", Some(&log));
    // The lease is the app's longest timeout + 30 s (at least 60 s), on the real clock,
    // and a loaded 2-core CI machine needs room beside it.
    let deadline = Instant::now() + Duration::from_secs(300);
    let state = dir.path().join("state.sqlite3");
    loop {
        let left = product_events_in_queue(&state);
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} of {accepted} accepted events never completed ({} logged done)",
            completed_events(&log).len()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut done = completed_events(&log);
    done.sort_unstable();
    done.dedup();
    assert!(done.len() <= accepted, "{done:?}");
}

/// Product events (`on-issue`) still in the queue of the SQLite state file `state`:
/// ready, leased, or dead.
fn product_events_in_queue(state: &Path) -> i64 {
    use sqlx::Connection as _;
    let url = format!("sqlite://{}?mode=ro", state.display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM event_queue WHERE module_key = 'on-issue'",
            )
            .fetch_one(&mut connection)
            .await
            .unwrap()
        })
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
            serve_app().display().to_string()
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

/// App storage outlives `runtime serve` on SQLite: a value an app stored is there after the
/// process stops and a new one starts on the same state, and the web trigger's URL (issued
/// once, its hash kept) still reaches it.
#[test]
fn an_apps_stored_value_survives_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let launch = Launch {
        app: replica_app(),
        ..Launch::new(dir.path())
    };
    let increment = |url: &str| -> u64 {
        let body: Value = client()
            .post(url)
            .send()
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .unwrap();
        body["value"].as_u64().unwrap()
    };
    let first = launch.start();
    let url = first.line("webtrigger", Some("count-in"))["url"]
        .as_str()
        .expect("the first start issues the URL")
        .to_owned();
    assert_eq!((increment(&url), increment(&url)), (1, 2));
    first.signal(libc::SIGTERM);
    let mut first = first;
    assert!(first.child.wait().unwrap().success());

    let second = launch.start();
    assert!(
        second.line("webtrigger", Some("count-in"))["url"].is_null(),
        "the id was kept, so no new one is printed"
    );
    let id = url.rsplit('/').next().unwrap();
    assert_eq!(increment(&format!("{}/x1/{id}", second.url())), 3);
}
