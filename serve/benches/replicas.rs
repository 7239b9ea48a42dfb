//! The event path through real `runtime serve` processes (issue 16's benchmark): Jira
//! webhooks in, the queue, the app's handler (one compare-and-set on app storage), the
//! completion — end to end, for one replica on SQLite, and one, two and three replicas on
//! one PostgreSQL database.
//!
//! ```sh
//! cargo build --release -p kiln-cli
//! eval "$(.ci/postgres-cluster start)"          # sets KILN_TEST_POSTGRES_URL
//! cargo bench -p kiln-serve --bench replicas     # KILN_BENCH_EVENTS=N (default 600)
//! ```
//!
//! Per configuration: the replicas start on a fresh state, 20 events warm them up, then N
//! distinct signed deliveries are sent by 8 client threads round-robin over the replicas.
//! `accepted/s` is N over the time until the last 202; `handled/s` is N over the time from
//! the first send until every replica's `/metrics` together count N more successful runs
//! of the handler. Each configuration runs `KILN_BENCH_ROUNDS` times (default 3),
//! interleaved, and the median is printed. Without `$KILN_TEST_POSTGRES_URL` only SQLite runs.
//! No timing is asserted anywhere.

#[path = "../tests/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::*;

const WARM_UP: usize = 20;
const CLIENTS: usize = 8;

/// Successful runs of the app's event handler, summed over `servers`.
fn handled(servers: &[Serve]) -> u64 {
    servers
        .iter()
        .map(|serve| {
            let text = client()
                .get(format!("{}/metrics", serve.url()))
                .send()
                .and_then(|r| r.text())
                .unwrap_or_default();
            text.lines()
                .filter(|l| {
                    l.starts_with("kiln_invocations_total{")
                        && l.contains("function=\"event\"")
                        && l.contains("outcome=\"ok\"")
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>() as u64
        })
        .sum()
}

/// Sends deliveries `from..to` over the servers; returns when every one was answered 202.
fn send(servers: &Arc<Vec<Serve>>, tag: &str, from: usize, to: usize) {
    let next = Arc::new(AtomicUsize::new(from));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (servers, next, tag) = (servers.clone(), next.clone(), tag.to_owned());
            std::thread::spawn(move || {
                let client = client();
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= to {
                        return;
                    }
                    let body = issue_created(&format!("KILN-{}", 100_000 + n), "", "someone");
                    let serve = &servers[n % servers.len()];
                    let status =
                        webhook_with(&client, serve, &format!("{tag}-{n}"), &body, None).status();
                    assert_eq!(status, 202, "delivery {n}");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

struct Round {
    accepted_per_s: f64,
    handled_per_s: f64,
}

fn round(state: &str, replicas: usize, events: usize) -> Round {
    let dir = tempfile::tempdir().unwrap();
    let starting: Vec<_> = (0..replicas)
        .map(|n| {
            let home = dir.path().join(format!("replica-{n}"));
            std::fs::create_dir_all(&home).unwrap();
            let log = home.join("serve.log");
            Launch {
                app: replica_app(),
                state: state.to_owned(),
                log: Some(&log),
                ..Launch::new(&home)
            }
            .spawn()
        })
        .collect();
    let servers = Arc::new(
        starting
            .into_iter()
            .map(Starting::serving)
            .collect::<Vec<_>>(),
    );
    send(&servers, "warm", 0, WARM_UP);
    wait_up_to(Duration::from_secs(120), "the warm-up", || {
        handled(&servers) >= WARM_UP as u64
    });
    let base = handled(&servers);
    let started = Instant::now();
    send(&servers, "timed", 0, events);
    let accepted = started.elapsed();
    wait_up_to(Duration::from_secs(600), "every event", || {
        handled(&servers) >= base + events as u64
    });
    let all = started.elapsed();
    Round {
        accepted_per_s: events as f64 / accepted.as_secs_f64(),
        handled_per_s: events as f64 / all.as_secs_f64(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let events: usize = std::env::var("KILN_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let rounds: usize = std::env::var("KILN_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let postgres = std::env::var(POSTGRES_URL_VARIABLE).is_ok_and(|v| !v.is_empty());
    let mut configurations: Vec<(&str, usize)> = vec![("sqlite", 1)];
    if postgres {
        configurations.extend([("postgres", 1), ("postgres", 2), ("postgres", 3)]);
    } else {
        eprintln!("{POSTGRES_URL_VARIABLE} is not set: SQLite only");
    }
    let mut results: Vec<Vec<Round>> = configurations.iter().map(|_| Vec::new()).collect();
    for r in 0..rounds {
        for (i, (engine, replicas)) in configurations.iter().enumerate() {
            let state = match *engine {
                "sqlite" => "state.sqlite3".to_owned(),
                _ => fresh_postgres_database().expect("PostgreSQL"),
            };
            let result = round(&state, *replicas, events);
            eprintln!(
                "round {r}: {engine} × {replicas}: accepted {:.0}/s, handled {:.0}/s",
                result.accepted_per_s, result.handled_per_s
            );
            results[i].push(result);
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "SERVE_EVENT_PATH events={events} rounds={rounds} cores={cores} (medians; replicas, database and client share the cores)"
    );
    for ((engine, replicas), rounds) in configurations.iter().zip(&results) {
        let accepted = median(rounds.iter().map(|r| r.accepted_per_s).collect());
        let handled = median(rounds.iter().map(|r| r.handled_per_s).collect());
        println!(
            "SERVE_EVENT_PATH {engine} replicas={replicas} accepted={accepted:.0}/s handled={handled:.0}/s per_replica={:.0}/s per_core={:.0}/s",
            handled / *replicas as f64,
            handled / cores as f64
        );
    }
}
