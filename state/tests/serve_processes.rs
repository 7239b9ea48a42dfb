//! Serve state across real processes: several processes on one SQLite file, or several
//! "replicas" on one PostgreSQL database, claim each interval and each event exactly once —
//! including when a claimer is killed with SIGKILL mid-claim; and (SQLite) everything
//! accepted survives reopening the file.

use crate::support;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use kiln_state::serve::{
    ApprovedScopes, GrantIdentity, InstallRecord, IntervalClaim, LeaseOutcome, ModuleKey, NewEvent,
    Scope, UnixMillis,
};
use kiln_state::{Installation, ServeLimits, ServeState, StateLocation};

const CHILD_DB: &str = "KILN_SERVE_TEST_CHILD_DB";
const CHILD_ROLE: &str = "KILN_SERVE_TEST_CHILD_ROLE";
const EVENTS: usize = 150;
const INTERVALS: i64 = 30;

async fn open(path: &Path) -> ServeState {
    open_location(&format!("sqlite://{}", path.display())).await
}

/// Serve state at a `StateLocation` (`sqlite://…` or `postgres://…`), as a replica opens it.
async fn open_location(location: &str) -> ServeState {
    let backends = StateLocation::from_str(location)
        .unwrap()
        .open()
        .await
        .unwrap();
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    limits.lease = Duration::from_secs(2);
    ServeState::new(backends.serve, limits)
}

/// Where the multi-process tests run: a fresh SQLite file, or a fresh PostgreSQL database
/// (`None` when no test server is configured; the reason is printed).
async fn location(engine: &str, dir: &tempfile::TempDir) -> Option<String> {
    match engine {
        "sqlite" => Some(format!(
            "sqlite://{}",
            dir.path().join("state.sqlite3").display()
        )),
        _ => support::postgres::fresh_database_url().await,
    }
}

fn inst() -> Installation {
    Installation::new("app", "https://kiln-test.atlassian.net", "production").unwrap()
}

fn key() -> ModuleKey {
    ModuleKey::new("job").unwrap()
}

async fn install(state: &ServeState) {
    state
        .install(&InstallRecord {
            installation: inst(),
            scopes: ApprovedScopes::new([Scope::new("read:jira-work").unwrap()]).unwrap(),
            grant: GrantIdentity::Simulator,
            approval: Some(kiln_state::serve::ApprovalBinding {
                site: kiln_state::serve::SiteBinding::new(
                    "https://kiln-test.atlassian.net",
                    "cloud-1",
                )
                .unwrap(),
                component: kiln_state::serve::ComponentSha256::new("ab".repeat(32)).unwrap(),
            }),
            hold: None,
            paused: false,
            installed_at: UnixMillis(0),
        })
        .await
        .unwrap();
}

/// Drains the queue, printing each completed event id on stdout; claims each interval in
/// turn, printing `interval N` for those it won. Run in child processes.
async fn work(state: &ServeState) {
    for n in 0..INTERVALS {
        if state
            .claim_interval(&inst(), &key(), UnixMillis(n))
            .await
            .unwrap()
            == IntervalClaim::Claimed
        {
            println!("interval {n}");
        }
    }
    while let Some(claimed) = state.claim(UnixMillis::now()).await.unwrap() {
        assert_eq!(
            state.complete(claimed.lease).await.unwrap(),
            LeaseOutcome::Completed
        );
        println!("event {}", claimed.lease.event.get());
    }
}

/// The child processes' entry point; does nothing when run directly.
#[tokio::test]
#[ignore = "child process of the multi-process tests"]
async fn child_process() {
    let (Some(path), Some(role)) = (std::env::var_os(CHILD_DB), std::env::var(CHILD_ROLE).ok())
    else {
        return;
    };
    let state = open_location(&path.to_string_lossy()).await;
    match role.as_str() {
        "work" => work(&state).await,
        // Claims one event, says so, and waits to be killed holding the lease.
        "claim-and-hang" => {
            let claimed = state.claim(UnixMillis::now()).await.unwrap().unwrap();
            println!("claimed {}", claimed.lease.event.get());
            std::thread::sleep(Duration::from_secs(600));
        }
        _ => panic!("unknown role"),
    }
}

fn child(location: &str, role: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            &support::libtest_name(module_path!(), "child_process"),
            "--ignored",
            "--quiet",
            "--nocapture",
        ])
        .env(CHILD_DB, location)
        .env(CHILD_ROLE, role)
        .stdout(std::process::Stdio::piped());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_claim_each_interval_and_event_once_sqlite() {
    three_processes_claim_each_interval_and_event_once("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_claim_each_interval_and_event_once_postgres() {
    three_processes_claim_each_interval_and_event_once("postgres").await;
}

async fn three_processes_claim_each_interval_and_event_once(engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = location(engine, &dir).await else {
        return;
    };
    let state = open_location(&path).await;
    install(&state).await;
    let events: Vec<_> = (0..EVENTS)
        .map(|n| NewEvent::new(inst(), key(), n.to_string().into_bytes()))
        .collect();
    let ids: HashSet<i64> = state
        .enqueue(&events, UnixMillis::now())
        .await
        .unwrap()
        .into_iter()
        .map(|id| id.get())
        .collect();
    let children: Vec<_> = (0..3)
        .map(|_| child(&path, "work").spawn().unwrap())
        .collect();
    let mut intervals = Vec::new();
    let mut completed = Vec::new();
    for c in children {
        let output = tokio::task::spawn_blocking(move || c.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(output.status.success(), "child failed: {}", output.status);
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            if let Some(n) = line.strip_prefix("interval ") {
                intervals.push(n.parse::<i64>().unwrap());
            } else if let Some(id) = line.strip_prefix("event ") {
                completed.push(id.parse::<i64>().unwrap());
            }
        }
    }
    intervals.sort();
    assert_eq!(
        intervals,
        (0..INTERVALS).collect::<Vec<_>>(),
        "each interval once across processes"
    );
    assert_eq!(completed.len(), EVENTS, "each event once across processes");
    assert_eq!(completed.into_iter().collect::<HashSet<_>>(), ids);
    assert_eq!(state.queue_depth().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimer_killed_mid_claim_loses_its_lease_to_another_sqlite() {
    a_claimer_killed_mid_claim_loses_its_lease_to_another("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimer_killed_mid_claim_loses_its_lease_to_another_postgres() {
    a_claimer_killed_mid_claim_loses_its_lease_to_another("postgres").await;
}

async fn a_claimer_killed_mid_claim_loses_its_lease_to_another(engine: &str) {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = location(engine, &dir).await else {
        return;
    };
    let state = open_location(&path).await;
    install(&state).await;
    let payload = b"{\"issue\":\"KAN-1\"}".to_vec();
    let id = state
        .enqueue(
            &[NewEvent::new(inst(), key(), payload.clone())],
            UnixMillis::now(),
        )
        .await
        .unwrap()[0];
    let mut victim = child(&path, "claim-and-hang").spawn().unwrap();
    let stdout = victim.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        // The test harness prints its own lines first; ours is the one that says "claimed".
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && !line.starts_with("claimed ") {
            line.clear();
        }
        line
    })
    .await
    .unwrap();
    assert_eq!(line.trim(), format!("claimed {}", id.get()));
    // SIGKILL: no destructor, no rollback, no goodbye.
    victim.kill().unwrap();
    victim.wait().unwrap();
    assert!(
        state.claim(UnixMillis::now()).await.unwrap().is_none(),
        "the lease still holds"
    );
    tokio::time::sleep(state.limits().lease + Duration::from_millis(100)).await;
    let retried = state
        .claim(UnixMillis::now())
        .await
        .unwrap()
        .expect("the lease expired");
    assert_eq!(
        (retried.lease.event, retried.lease.attempt, retried.payload),
        (id, 2, payload)
    );
    assert_eq!(
        state.complete(retried.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
}

#[tokio::test]
async fn everything_accepted_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    let now = UnixMillis(1_764_000_000_000);
    let (trigger, leased) = {
        let state = open(&path).await;
        install(&state).await;
        state.pause(&inst()).await.unwrap();
        let trigger = state.issue_web_trigger(&inst(), &key(), now).await.unwrap();
        state.claim_interval(&inst(), &key(), now).await.unwrap();
        let delivery = kiln_state::serve::DeliveryKey::new(
            "https://kiln-test.atlassian.net",
            kiln_state::serve::DeliveryId::new("d-1").unwrap(),
        )
        .unwrap();
        let events: Vec<_> = (0..3)
            .map(|n| NewEvent::new(inst(), key(), vec![n]))
            .collect();
        state
            .accept_delivery(&delivery, &events, now)
            .await
            .unwrap();
        state.resume(&inst()).await.unwrap();
        let leased = state.claim(now).await.unwrap().unwrap();
        drop(state);
        (trigger, leased)
    };
    // The file (and its WAL) holds the id's hash, never the id, in text or in bytes.
    // The hash being found shows the scan reads what the database wrote.
    let raw = hex::decode(trigger.expose()).unwrap();
    let hash = <sha2::Sha256 as sha2::Digest>::digest(&raw);
    let mut hash_seen = false;
    for file in [path.clone(), path.with_extension("sqlite3-wal")] {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        assert!(
            !contains(&bytes, trigger.expose().as_bytes()),
            "{file:?} holds the id as text"
        );
        assert!(!contains(&bytes, &raw), "{file:?} holds the id's bytes");
        hash_seen |= contains(&bytes, &hash);
    }
    assert!(
        hash_seen,
        "the id's hash was not found in the file or its WAL"
    );
    let state = open(&path).await;
    let record = state.installation(&inst()).await.unwrap().unwrap();
    assert_eq!(record.grant, GrantIdentity::Simulator);
    assert_eq!(
        state
            .resolve_web_trigger(&trigger.expose())
            .await
            .unwrap()
            .unwrap()
            .module_key,
        key()
    );
    assert_eq!(
        state.claim_interval(&inst(), &key(), now).await.unwrap(),
        IntervalClaim::AlreadyClaimed { last: now }
    );
    let delivery = kiln_state::serve::DeliveryKey::new(
        "https://kiln-test.atlassian.net",
        kiln_state::serve::DeliveryId::new("d-1").unwrap(),
    )
    .unwrap();
    assert_eq!(
        state.accept_delivery(&delivery, &[], now).await.unwrap(),
        kiln_state::serve::EnqueueOutcome::Duplicate
    );
    assert_eq!(state.queue_depth().await.unwrap(), 3);
    // The lease taken before the restart still fences; the other two are claimable now.
    let mut payloads = Vec::new();
    while let Some(c) = state.claim(now).await.unwrap() {
        payloads.push(c.payload.clone());
        state.complete(c.lease).await.unwrap();
    }
    assert_eq!(payloads.len(), 2);
    assert_eq!(
        state.complete(leased.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    assert_eq!(state.queue_depth().await.unwrap(), 0);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
