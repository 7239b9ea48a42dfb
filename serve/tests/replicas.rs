//! Three `runtime serve` replicas on one PostgreSQL database (issue 16): the real binary
//! three times, started together, each with its own listener, embedded simulator and JSON
//! log, sharing installations, web trigger ids, delivery dedup, schedule state, the event
//! queue, app storage and Forge SQL databases through the database. The app (serve/tests/replica-app) leaves every
//! trace in app storage, so what ran is counted across replicas through one web trigger.
//!
//! Needs `$KILN_TEST_POSTGRES_URL` (`.ci/run` sets it; by hand: `eval "$(.ci/postgres-cluster
//! start)"`). Unset, each test says why it does nothing and returns, as kiln-state's
//! PostgreSQL cases do; set but unreachable, each fails.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

const HOUR: i64 = 3_600_000;

struct Replicas {
    servers: Vec<Serve>,
    logs: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

impl Replicas {
    /// Three replicas of the replica app on `database`, started at once (as a Deployment
    /// starts them: migrations and first installation race, and must not matter).
    fn start(database: &str, limits: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut logs = Vec::new();
        let mut starting = Vec::new();
        for n in 0..3 {
            let home = dir.path().join(format!("replica-{n}"));
            std::fs::create_dir_all(&home).unwrap();
            let log = home.join("serve.log");
            starting.push(
                Launch {
                    app: replica_app(),
                    state: database.to_owned(),
                    limits,
                    log: Some(&log),
                    extra,
                    ..Launch::new(&home)
                }
                .spawn(),
            );
            logs.push(log);
        }
        let servers = starting.into_iter().map(Starting::serving).collect();
        Replicas {
            servers,
            logs,
            _dir: dir,
        }
    }

    /// The web trigger's id. Exactly one replica issued it (the first to install); the
    /// others serve the same installation and print no URL, as only the id's hash is stored.
    fn web_trigger_id(&self, key: &str) -> String {
        let urls: Vec<&str> = self
            .servers
            .iter()
            .filter_map(|s| s.find_line("webtrigger", Some(key)))
            .filter_map(|line| line["url"].as_str())
            .collect();
        assert_eq!(urls.len(), 1, "one replica issues the id: {urls:?}");
        urls[0].rsplit('/').next().unwrap().to_owned()
    }

    /// The web trigger's URL on replica `n`.
    fn web_trigger_url(&self, n: usize, id: &str) -> String {
        format!("{}/x1/{id}", self.servers[n].url())
    }

    /// Every stored counter under `prefix`, read through replica 0.
    fn counters(&self, report_id: &str, prefix: &str) -> BTreeMap<String, u64> {
        let mut all = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = client()
                .get(self.web_trigger_url(0, report_id))
                .query(&[("prefix", prefix)]);
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let page: Value = request
                .send()
                .unwrap()
                .error_for_status()
                .unwrap()
                .json()
                .unwrap();
            for (key, value) in page["entries"].as_object().unwrap() {
                all.insert(key.clone(), value.as_u64().unwrap());
            }
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return all,
            }
        }
    }

    /// Product events completed, per replica, as (event id, attempt).
    fn completed(&self) -> Vec<Vec<(i64, i64)>> {
        self.logs
            .iter()
            .map(|log| {
                log_entries(log, "event done")
                    .iter()
                    .filter(|entry| entry["fields"]["module"] == "on-issue")
                    .map(|entry| {
                        (
                            entry["fields"]["event"].as_i64().unwrap(),
                            entry["fields"]["attempt"].as_i64().unwrap(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    fn advance_clocks(&self, by_ms: i64, only: &[usize]) {
        for n in only {
            admin(
                &self.servers[*n],
                "/v1/clock",
                &json!({ "advanceMs": by_ms }),
            );
        }
    }
}

/// A gauge or counter's value in a replica's `/metrics` (0 when absent).
fn metric(serve: &Serve, name: &str) -> f64 {
    let text = metrics(serve);
    text.lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .and_then(|value| value.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// (a) 1,000 distinct deliveries, a quarter of them also sent to a second replica at the
/// same moment: every delivery is accepted (202) exactly once across replicas and its
/// handler runs exactly once.
#[test]
fn a_thousand_deliveries_with_duplicates_over_three_replicas_each_run_once() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    let replicas = Replicas::start(&database, "workers = 4", &[]);
    let report = replicas.web_trigger_id("report-in");

    const DISTINCT: usize = 1_000;
    // (replica, delivery): every delivery once, every fourth one again on the next replica,
    // right after it, so two client threads send the pair at the same time.
    let mut sends = Vec::new();
    for n in 0..DISTINCT {
        sends.push((n % 3, n));
        if n % 4 == 0 {
            sends.push(((n + 1) % 3, n));
        }
    }
    let sends = Arc::new(sends);
    let next = Arc::new(AtomicUsize::new(0));
    let replicas = Arc::new(replicas);
    let started = Instant::now();
    let threads: Vec<_> = (0..12)
        .map(|_| {
            let (sends, next, replicas) = (sends.clone(), next.clone(), replicas.clone());
            std::thread::spawn(move || {
                let client = client();
                let mut statuses = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(replica, n)) = sends.get(i) else {
                        return statuses;
                    };
                    let body = issue_created(&format!("KILN-{}", 10_000 + n), "", "someone-else");
                    let status = webhook_with(
                        &client,
                        &replicas.servers[replica],
                        &format!("delivery-{n}"),
                        &body,
                        None,
                    )
                    .status()
                    .as_u16();
                    statuses.push((n, status));
                }
            })
        })
        .collect();
    let mut accepted = BTreeMap::<usize, usize>::new();
    for thread in threads {
        for (n, status) in thread.join().unwrap() {
            assert!(status == 202 || status == 200, "delivery {n}: {status}");
            if status == 202 {
                *accepted.entry(n).or_default() += 1;
            }
        }
    }
    assert_eq!(accepted.len(), DISTINCT, "every delivery accepted");
    assert!(
        accepted.values().all(|&times| times == 1),
        "a duplicate was accepted twice"
    );
    eprintln!("{} deliveries sent in {:?}", sends.len(), started.elapsed());

    wait_up_to(Duration::from_secs(50), "every handler to finish", || {
        replicas.counters(&report, "done:").len() == DISTINCT
    });
    // Give a duplicate run, if there were one, the time to show.
    std::thread::sleep(Duration::from_secs(1));
    let done = replicas.counters(&report, "done:");
    assert_eq!(done.len(), DISTINCT);
    let twice: Vec<_> = done.iter().filter(|(_, runs)| **runs != 1).collect();
    assert!(
        twice.is_empty(),
        "handlers that ran more than once: {twice:?}"
    );

    // The queue completed each event once, and the work was spread over the replicas.
    let completed = replicas.completed();
    let mut ids: Vec<i64> = completed.iter().flatten().map(|(id, _)| *id).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((ids.len(), total), (DISTINCT, DISTINCT));
    assert!(
        completed.iter().all(|per_replica| !per_replica.is_empty()),
        "every replica ran some: {:?}",
        completed.iter().map(Vec::len).collect::<Vec<_>>()
    );
    eprintln!("all handled {:?} after the first send", started.elapsed());
}

/// (b) A replica is SIGKILLed while it runs a handler that is slow on purpose. The events it
/// held stay leased until their lease runs out, one lease (`lease_seconds`) after the dead
/// replica's last renewal: the survivors' manual clocks are moved to a millisecond before
/// that (nothing is retried) and then to it (everything is), not waited for.
///
/// Guaranteed: every accepted event completes (is deleted from the queue) exactly once, by a
/// live replica: the dead replica's lease is fenced by its attempt number. Its handler ran
/// at least once to completion; a handler cut off by the kill ran again from the start, so
/// what it did before the kill (here, `started:`) happened twice. That is at-least-once
/// delivery: dedup stops a redelivered *webhook* from becoming a second event, but nothing
/// can undo half an invocation on a machine that died.
#[test]
fn a_replica_killed_mid_invocation_has_its_events_finished_elsewhere() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    // Half past some hour, frozen (the scheduled trigger's first run is out of the way).
    let start = (1_900_000_000_000 / HOUR) * HOUR + HOUR / 2;
    const LEASE_MS: i64 = 5_000;
    let replicas = Replicas::start(
        &database,
        &format!("workers = 2\nlease_seconds = {}", LEASE_MS / 1000),
        &["--manual-clock", &start.to_string()],
    );
    let report = replicas.web_trigger_id("report-in");

    const EVENTS: usize = 8;
    for n in 0..EVENTS {
        let body = issue_created(&format!("KILN-{}", 20_000 + n), "slow:2000", "someone-else");
        let status = webhook(&replicas.servers[n % 3], &format!("slow-{n}"), &body, None).status();
        assert_eq!(status, 202);
    }
    // Kill a replica while one of its slots runs a handler that is under way: a slot is
    // counted from the start of the invocation, a moment before the handler's first write
    // (`started:`), so the replica must still be running one a little later (a handler
    // takes 2 s; a new one starts only when the first ones end).
    let mut victim = None;
    let running = |n: usize| metric(&replicas.servers[n], "kiln_slots_in_use") >= 1.0;
    wait_for("a replica running a handler", || {
        victim = (0..3).find(|n| running(*n));
        victim.is_some_and(|n| {
            std::thread::sleep(Duration::from_millis(300));
            running(n)
        })
    });
    let victim = victim.unwrap();
    let survivors: Vec<usize> = (0..3).filter(|n| *n != victim).collect();
    replicas.servers[victim].signal(libc::SIGKILL);
    let reporter = survivors[0];

    // The survivors finish everything not leased by the dead replica, then sit idle.
    let idle = || {
        survivors
            .iter()
            .all(|n| metric(&replicas.servers[*n], "kiln_slots_in_use") == 0.0)
    };
    wait_for("the survivors to run out of claimable events", || {
        idle() && {
            std::thread::sleep(Duration::from_millis(1500));
            idle()
        }
    });
    let counters = |prefix: &str| -> BTreeMap<String, u64> {
        let mut all = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = client()
                .get(replicas.web_trigger_url(reporter, &report))
                .query(&[("prefix", prefix)]);
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let page: Value = request.send().unwrap().json().unwrap();
            for (key, value) in page["entries"].as_object().unwrap() {
                all.insert(key.clone(), value.as_u64().unwrap());
            }
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return all,
            }
        }
    };
    let cut_off = EVENTS - counters("done:").len();
    assert!(
        cut_off >= 1,
        "the killed replica was running a handler, so its event cannot be done yet"
    );

    // The dead replica's clock stood still, so its last heartbeat left its leases ending
    // exactly one lease after `start`, whatever the app's timeout (60 s here). A millisecond
    // before that they still hold...
    replicas.advance_clocks(LEASE_MS - 1, &survivors);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        EVENTS - counters("done:").len(),
        cut_off,
        "a dead replica's lease ran out early"
    );
    // ... and at the lease's end they are retried.
    replicas.advance_clocks(1, &survivors);
    wait_for("the dead replica's events to finish elsewhere", || {
        counters("done:").len() == EVENTS
    });
    std::thread::sleep(Duration::from_secs(1));
    let done = counters("done:");
    let started_runs = counters("started:");
    // At least once: a handler the kill cut off after its effect ("done") but before the
    // queue recorded its completion runs again, so that effect happens twice. Only the
    // dead replica's events can do so.
    assert!(
        done.values().all(|&runs| runs == 1 || runs == 2),
        "{done:?}"
    );
    let done_twice = done.values().filter(|&&runs| runs == 2).count();
    let restarted = started_runs.values().filter(|&&runs| runs == 2).count();
    assert!(
        started_runs.values().all(|&runs| runs == 1 || runs == 2),
        "{started_runs:?}"
    );
    assert!(
        restarted >= 1 && restarted <= cut_off + done_twice,
        "handlers run again: {restarted}, cut off by the kill: {cut_off} + {done_twice}"
    );
    let completed = replicas.completed();
    let mut ids: Vec<i64> = completed.iter().flatten().map(|(id, _)| *id).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((ids.len(), total), (EVENTS, EVENTS), "each completed once");
    let retried_elsewhere = survivors
        .iter()
        .flat_map(|n| &completed[*n])
        .filter(|(_, attempt)| *attempt >= 2)
        .count();
    // Every event the dead replica held is retried elsewhere: those it had not finished
    // and those whose completion it never recorded.
    assert_eq!(retried_elsewhere, cut_off + done_twice, "{completed:?}");
    eprintln!(
        "replica {victim} killed holding {cut_off} event(s); {restarted} handler(s) had \
         started there and ran again from the start"
    );
}

/// (e) Handlers that run two and a half lease periods (a 2 s lease, renewed by each worker's
/// heartbeat, against 5 s handlers: replica-app's longest), one delivered to each replica, on
/// the system clock: each completes once, at its first attempt, on the replica that claimed
/// it; no other replica takes a live run over, and no worker loses a lease. Without renewal
/// every one of them would be claimed again after two seconds and run again elsewhere.
///
/// One handler spins, so a lease is renewed while its guest computes (the heartbeat shares
/// the invocation's task, which the epoch deadline makes yield); the other two sleep in a
/// host poll. Three spinning handlers on two cores, beside PostgreSQL and the suite, starved
/// a heartbeat past its lease once in a clean-clone run: a lapse this test cannot tell apart
/// from a bug, caused by the test's own load.
#[test]
fn invocations_longer_than_several_leases_run_once() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    // Not the 1 s minimum: on two cores shared with the rest of the suite (JS engines
    // compiling beside it) and the spinning handler, a 333 ms heartbeat was seen to come
    // late enough for a live lease to lapse.
    let replicas = Replicas::start(&database, "workers = 2\nlease_seconds = 2", &[]);
    let report = replicas.web_trigger_id("report-in");
    const EVENTS: usize = 3;
    let started = Instant::now();
    for n in 0..EVENTS {
        let how = if n == 0 { "slow:5000" } else { "wait:5000" };
        let body = issue_created(&format!("KILN-{}", 30_000 + n), how, "someone-else");
        let status = webhook(&replicas.servers[n], &format!("long-{n}"), &body, None).status();
        assert_eq!(status, 202);
    }
    wait_for("every long handler to finish", || {
        replicas.counters(&report, "done:").len() == EVENTS
    });
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the handlers did not run their five seconds"
    );
    // A retry, if a live lease had been taken, would show within a lease or two.
    std::thread::sleep(Duration::from_secs(3));
    let once = |prefix: &str| {
        let counted = replicas.counters(&report, prefix);
        assert_eq!(counted.len(), EVENTS, "{prefix} {counted:?}");
        assert!(
            counted.values().all(|&runs| runs == 1),
            "{prefix} {counted:?}"
        );
    };
    once("started:");
    once("done:");
    let completed: Vec<(i64, i64)> = replicas.completed().into_iter().flatten().collect();
    assert_eq!(completed.len(), EVENTS, "{completed:?}");
    assert!(
        completed.iter().all(|(_, attempt)| *attempt == 1),
        "a live run was claimed again: {completed:?}"
    );
    for log in &replicas.logs {
        let lost = log_entries(
            log,
            "lease lost while the event ran: invocation cancelled, nothing recorded",
        );
        assert!(lost.is_empty(), "{lost:?}");
    }
}

/// (c) An hourly trigger on three replicas over 20 simulated hours runs once per hour:
/// 20 runs (plus the first, at start), not 60.
#[test]
fn a_scheduled_trigger_fires_once_per_interval_across_three_replicas() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    let start = (1_900_000_000_000 / HOUR) * HOUR + HOUR / 2;
    let first = start - HOUR / 2;
    let replicas = Replicas::start(
        &database,
        "workers = 2",
        &["--manual-clock", &start.to_string()],
    );
    let report = replicas.web_trigger_id("report-in");
    let ticks = || replicas.counters(&report, "tick:");
    wait_for("the run at start", || ticks().len() == 1);

    const INTERVALS: i64 = 20;
    for hour in 1..=INTERVALS {
        // Every replica's clock moves to the next hour (half past: beyond the jitter).
        replicas.advance_clocks(HOUR, &[0, 1, 2]);
        let key = format!("tick:{}", first + hour * HOUR);
        wait_for(&format!("hour {hour}'s run"), || ticks().contains_key(&key));
    }
    std::thread::sleep(Duration::from_secs(2));
    let ticks = ticks();
    let expected: BTreeMap<String, u64> = (0..=INTERVALS)
        .map(|hour| (format!("tick:{}", first + hour * HOUR), 1))
        .collect();
    assert_eq!(ticks, expected);
}

/// `count` POSTs to the web trigger `id`, spread over the three replicas and sent at once,
/// each on a thread that answers the `value` its 200 reply carried.
fn increments_at_once(
    replicas: &Arc<Replicas>,
    id: &str,
    count: usize,
) -> Vec<std::thread::JoinHandle<u64>> {
    let barrier = Arc::new(std::sync::Barrier::new(count));
    (0..count)
        .map(|n| {
            let barrier = barrier.clone();
            let url = replicas.web_trigger_url(n % 3, id);
            std::thread::spawn(move || {
                // Longer than admission's wait plus the run: a request the client gave up on
                // might still increment, and the count would be unexplained.
                let client = client_waiting(Duration::from_secs(180));
                barrier.wait();
                // A 429 ran nothing (refused before the app): try again after Retry-After.
                loop {
                    let response = client.post(&url).send().unwrap();
                    match response.status().as_u16() {
                        200 => {
                            let body: Value = response.json().unwrap();
                            return body["value"].as_u64().unwrap();
                        }
                        429 => std::thread::sleep(Duration::from_millis(200)),
                        // Anything else may or may not have incremented: not retried, failed.
                        other => panic!("increment {n}: {other} {}", response.text().unwrap()),
                    }
                }
            })
        })
        .collect()
}

/// (d) 200 compare-and-set increments of one key at once, through web triggers on all three
/// replicas: the final value is exactly 200 (no increment lost, none doubled).
#[test]
fn concurrent_compare_and_set_from_three_replicas_loses_no_increment() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    // Two increments at a time per replica: six writers contend at once, the others wait in
    // admission (up to a minute here, on a machine that may be loaded). More concurrent
    // writers only means more compare-and-set conflicts for each to retry.
    let replicas = Arc::new(Replicas::start(
        &database,
        "web_concurrency_per_app = 2\nclient_timeout_seconds = 60",
        &[],
    ));
    let count = replicas.web_trigger_id("count-in");
    const INCREMENTS: usize = 200;
    let threads = increments_at_once(&replicas, &count, INCREMENTS);
    let mut written: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    written.sort_unstable();
    // Each increment wrote a different value: 1..=200, each once.
    assert_eq!(written, (1..=INCREMENTS as u64).collect::<Vec<_>>());
    let report = replicas.web_trigger_id("report-in");
    assert_eq!(
        replicas.counters(&report, "counter").get("counter"),
        Some(&(INCREMENTS as u64))
    );
}

/// Forge SQL on PostgreSQL state: increments of one row sent to three replicas at once all
/// land (an installation's writes run one at a time across replicas, each stored
/// before it answers), and every replica reads the same database.
#[test]
fn forge_sql_increments_from_three_replicas_all_land() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    let replicas = Arc::new(Replicas::start(
        &database,
        "web_concurrency_per_app = 2\nclient_timeout_seconds = 60",
        &[],
    ));
    let sql = replicas.web_trigger_id("sql-in");
    const INCREMENTS: usize = 45;
    let threads = increments_at_once(&replicas, &sql, INCREMENTS);
    for thread in threads {
        let value = thread.join().unwrap();
        assert!((1..=INCREMENTS as u64).contains(&value), "{value}");
    }
    let client = client_waiting(Duration::from_secs(60));
    for n in 0..3 {
        let url = format!("{}?read=1", replicas.web_trigger_url(n, &sql));
        let body: Value = client.post(&url).send().unwrap().json().unwrap();
        assert_eq!(body["value"], INCREMENTS as u64, "replica {n}");
    }
}
