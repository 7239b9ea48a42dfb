//! Escape suite, soak: 10,000 hostile invocations of mixed categories (traps,
//! fuel exhaustion, stack overflow, memory-limit refusals, refused routes,
//! quota floods, malformed ABI values) on one runtime in one process,
//! interleaved with benign calls that must keep succeeding. Host memory must
//! stay flat and no file descriptor may leak: a Store dropped after a trap
//! has to give everything back.

use crate::support;

use std::time::Instant;

use kiln_runtime::{Invocation, InvocationFailure, Invoked, LoadedApp};
use kiln_tests::programs;
use serde_json::json;
use support::{Harness, manifest};

/// Hostile invocations in the measured run.
const HOSTILE_INVOCATIONS: usize = 10_000;
/// Invocations before the baseline is taken: pools, caches and the
/// allocator's arenas reach their working size.
const WARM_UP_INVOCATIONS: usize = 300;
/// A benign call after every this many hostile ones.
const BENIGN_EVERY: usize = 10;
/// Allowed growth of resident memory over the run. A leak of one Store, a
/// 64 KiB page or a trap backtrace per invocation would exceed it many times
/// over (10,000 × 64 KiB = 625 MiB).
const MAX_RSS_GROWTH_BYTES: u64 = 64 * 1024 * 1024;
/// Allowed difference in open file descriptors (the simulator's and the
/// runtime's own sockets and timers may come and go).
const FD_SLACK: usize = 8;

/// One hostile invocation and the failure it must end in.
struct Attack {
    app: usize,
    handler: &'static str,
    payload: serde_json::Value,
    expect: fn(&Result<String, InvocationFailure>) -> bool,
}

fn attacks() -> Vec<Attack> {
    use InvocationFailure as F;
    fn trap(r: &Result<String, InvocationFailure>) -> bool {
        matches!(r, Err(InvocationFailure::Trap { .. }))
    }
    fn fuel(r: &Result<String, InvocationFailure>) -> bool {
        matches!(r, Err(InvocationFailure::FuelExhausted))
    }
    fn stack(r: &Result<String, InvocationFailure>) -> bool {
        matches!(r, Err(F::StackOverflow | F::Trap { .. }))
    }
    fn memory(r: &Result<String, InvocationFailure>) -> bool {
        matches!(r, Err(InvocationFailure::MemoryLimit { limit_mib: 32 }))
    }
    fn refused_in_guest(r: &Result<String, InvocationFailure>) -> bool {
        // The scopes guest reports the host's refusal as its result.
        r.as_ref().is_ok_and(|json| {
            json.contains("\"kind\":\"unknown-route\"") || json.contains("quota-exceeded")
        })
    }
    fn grow_refused(r: &Result<String, InvocationFailure>) -> bool {
        r.as_ref()
            .is_ok_and(|json| json.contains("\"total_pages\":512"))
    }
    fn invalid_result(r: &Result<String, InvocationFailure>) -> bool {
        matches!(r, Err(InvocationFailure::InvalidResult { .. }))
    }
    let denied = json!({ "principal": "user", "method": "GET", "path": "/admin/secrets" });
    vec![
        Attack {
            app: TRAP,
            handler: "panic",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: TRAP,
            handler: "unreachable",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: TRAP,
            handler: "loop_forever",
            payload: json!({}),
            expect: fuel,
        },
        Attack {
            app: TRAP,
            handler: "stack_overflow",
            payload: json!({}),
            expect: stack,
        },
        Attack {
            app: TRAP,
            handler: "huge_alloc",
            payload: json!({ "mib": 512 }),
            expect: memory,
        },
        Attack {
            app: TRAP,
            handler: "memory_grow_raw",
            payload: json!({}),
            expect: grow_refused,
        },
        Attack {
            app: SCOPES,
            handler: "call",
            payload: denied.clone(),
            expect: refused_in_guest,
        },
        Attack {
            app: SCOPES,
            handler: "flood",
            payload: json!({ "times": 8, "call": denied }),
            expect: refused_in_guest,
        },
        Attack {
            app: ABI,
            handler: "principal_out_of_range",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: ABI,
            handler: "utf8_invalid_path",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: ABI,
            handler: "list_length_overflow",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: ABI,
            handler: "result_discriminant_out_of_range",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: ABI,
            handler: "x_reentrancy_from_realloc",
            payload: json!({}),
            expect: trap,
        },
        Attack {
            app: ABI,
            handler: "json_invalid_result",
            payload: json!({}),
            expect: invalid_result,
        },
    ]
}

const TRAP: usize = 0;
const SCOPES: usize = 1;
const ABI: usize = 2;

async fn apps(h: &Harness) -> Vec<LoadedApp> {
    let trap = h
        .load(
            programs::TRAP,
            &manifest(
                "soak-trap",
                &[
                    "panic",
                    "unreachable",
                    "loop_forever",
                    "stack_overflow",
                    "huge_alloc",
                    "memory_grow_raw",
                    "big_result",
                ],
                &[],
                // Fuel ends the loop deterministically and fast; the deadline
                // is only a backstop.
                "memoryMiB: 32\ntimeoutSeconds: 10\nfuel: 2000000",
            ),
        )
        .await;
    let scopes = h
        .load(
            programs::SCOPES,
            &manifest(
                "soak-scopes",
                &["call", "flood"],
                &["read:jira-user"],
                "maxRequests: 4\ntimeoutSeconds: 10",
            ),
        )
        .await;
    let abi = h
        .load(
            programs::WAT_ABI,
            &manifest(
                "soak-abi",
                &[
                    "benign",
                    "principal_out_of_range",
                    "utf8_invalid_path",
                    "list_length_overflow",
                    "result_discriminant_out_of_range",
                    "x_reentrancy_from_realloc",
                    "json_invalid_result",
                ],
                &["read:jira-user"],
                "timeoutSeconds: 10",
            ),
        )
        .await;
    vec![trap, scopes, abi]
}

/// Invokes without the harness's audit scan (which re-reads every audit line
/// per call); the canary is checked in the result and logs here, and in the
/// audit once at the end.
async fn invoke(
    h: &Harness,
    app: &LoadedApp,
    handler: &str,
    payload: &serde_json::Value,
) -> Invoked {
    let invoked = app
        .invoke(Invocation {
            function_key: Some(handler.to_owned()),
            payload: payload.to_string(),
            account_id: None,
            ..Default::default()
        })
        .await
        .expect("invocation starts");
    let mut seen = format!("{:?}", invoked.result);
    for line in &invoked.logs {
        seen.push_str(&line.message);
    }
    h.assert_absent(&seen);
    invoked
}

/// Runs `count` hostile invocations (cycling through the attacks) with a
/// benign pair after every `BENIGN_EVERY`.
async fn run(h: &Harness, apps: &[LoadedApp], count: usize) {
    let attacks = attacks();
    for i in 0..count {
        let attack = &attacks[i % attacks.len()];
        let invoked = invoke(h, &apps[attack.app], attack.handler, &attack.payload).await;
        assert!(
            (attack.expect)(&invoked.result),
            "invocation {i}, {}: unexpected {:?}",
            attack.handler,
            invoked.result
        );
        if i % BENIGN_EVERY == BENIGN_EVERY - 1 {
            let out = invoke(h, &apps[TRAP], "big_result", &json!({ "bytes": 3 })).await;
            assert_eq!(
                out.result.as_deref(),
                Ok("\"xxx\""),
                "benign call after {i}"
            );
            let payload = json!({ "i": i });
            let out = invoke(h, &apps[ABI], "benign", &payload).await;
            assert_eq!(out.result, Ok(payload.to_string()), "benign call after {i}");
        }
    }
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("resident pages in statm");
    // Linux x86-64 and aarch64 test hosts use 4 KiB pages unless told
    // otherwise; the bound is far above the difference a 64 KiB page size
    // would make.
    pages * 4096
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_ten_thousand_hostile_invocations() {
    // Resident memory and descriptors are the process's: measured alone.
    if !support::alone_in_process(module_path!(), "soak_ten_thousand_hostile_invocations") {
        return;
    }
    let h = Harness::start().await;
    let apps = apps(&h).await;

    run(&h, &apps, WARM_UP_INVOCATIONS).await;
    let rss_before = resident_bytes();
    let fds_before = open_fds();

    let started = Instant::now();
    run(&h, &apps, HOSTILE_INVOCATIONS).await;
    let elapsed = started.elapsed();

    let rss_after = resident_bytes();
    let fds_after = open_fds();
    eprintln!(
        "soak: {HOSTILE_INVOCATIONS} hostile + {} benign invocations in {elapsed:.1?}; \
         RSS {} MiB -> {} MiB; fds {fds_before} -> {fds_after}",
        2 * HOSTILE_INVOCATIONS / BENIGN_EVERY,
        rss_before / (1024 * 1024),
        rss_after / (1024 * 1024),
    );
    assert!(
        rss_after <= rss_before + MAX_RSS_GROWTH_BYTES,
        "resident memory grew by {} MiB (bound {} MiB)",
        (rss_after - rss_before) / (1024 * 1024),
        MAX_RSS_GROWTH_BYTES / (1024 * 1024)
    );
    assert!(
        fds_after.abs_diff(fds_before) <= FD_SLACK,
        "open file descriptors went from {fds_before} to {fds_after}"
    );
    // Nothing hostile reached Jira, and no audit line holds the canary.
    h.assert_jira_untouched();
    let audit = h.audit.records();
    assert!(!audit.is_empty());
    h.assert_absent(&format!("{audit:?}"));
}
