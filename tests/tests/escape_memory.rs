//! Escape suite, memory: guests that try to exhaust host memory through
//! linear memory (allocator bombs, raw `memory.grow`, a huge initial memory
//! or data segment), tables, the stack, or a giant result. The limiter, the
//! stack guard and the result cap stop each with a typed failure; the same
//! app or runtime then serves.

use crate::support;

use kiln_runtime::sandbox::component_check::ComponentError;
use kiln_runtime::sandbox::limiter::MAX_TABLE_ELEMENTS;
use kiln_runtime::{InvocationFailure, LoadError, LoadedApp};
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, manifest, ok_json};

/// The memory limit of these cases, small so the bombs hit it quickly.
const MEMORY_MIB: u64 = 32;
const WASM_PAGE: u64 = 64 * 1024;

const HANDLERS: &[&str] = &[
    "grow_memory",
    "memory_grow_raw",
    "huge_alloc",
    "stack_overflow",
    "big_result",
];

async fn trap_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::TRAP,
        &manifest(
            "memory",
            HANDLERS,
            &[],
            &format!("memoryMiB: {MEMORY_MIB}\ntimeoutSeconds: 2"),
        ),
    )
    .await
}

async fn assert_trap_app_serves(h: &Harness, app: &LoadedApp) {
    h.assert_serves(app, "big_result", json!({ "bytes": 3 }), json!("xxx"))
        .await;
}

fn assert_memory_limit(result: &Result<String, InvocationFailure>) {
    match result {
        Err(failure @ InvocationFailure::MemoryLimit { limit_mib }) => {
            assert_eq!(*limit_mib as u64, MEMORY_MIB);
            assert!(failure.to_string().contains("memory limit"), "{failure}");
        }
        other => panic!("expected the memory limit, got {other:?}"),
    }
}

#[tokio::test]
async fn memory_allocator_growth_bomb() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h.invoke(&app, "grow_memory", json!({})).await;
    match &invoked.result {
        Err(_) => assert_memory_limit(&invoked.result),
        // The guest saw its allocations fail and reports how far it got.
        Ok(_) => {
            let out = ok_json(&invoked);
            let got = out["allocated_bytes"].as_u64().expect("allocated_bytes");
            assert!(got <= MEMORY_MIB * 1024 * 1024, "{out}");
        }
    }
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn memory_raw_memory_grow_refused_at_limit() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let out = ok_json(&h.invoke(&app, "memory_grow_raw", json!({})).await);
    // `memory.grow` returned -1 at the limit: the guest holds exactly the
    // pages the limit allows, not one more.
    let total = out["total_pages"].as_u64().expect("total_pages");
    assert_eq!(total, MEMORY_MIB * 1024 * 1024 / WASM_PAGE, "{out}");
    assert!(
        out["grown_pages"].as_u64().expect("grown_pages") > 0,
        "{out}"
    );
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

/// One `memory.grow` of 4 GiB, past what a 32-bit memory addresses, then a
/// trap when refused (as a JS engine's allocator traps when it cannot get a
/// chunk): reported as the memory limit, not as a bare trap.
#[tokio::test]
async fn memory_grow_past_the_address_space() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::TRAP,
            &manifest(
                "memory",
                &["memory_grow_past_4gib", "big_result"],
                &[],
                &format!("memoryMiB: {MEMORY_MIB}\ntimeoutSeconds: 2"),
            ),
        )
        .await;
    let invoked = h.invoke(&app, "memory_grow_past_4gib", json!({})).await;
    assert_memory_limit(&invoked.result);
    assert!(invoked.is_sandbox_violation());
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn memory_single_allocation_beyond_limit() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h.invoke(&app, "huge_alloc", json!({ "mib": 512 })).await;
    assert_memory_limit(&invoked.result);
    assert!(invoked.is_sandbox_violation());
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn memory_giant_response_allocation() {
    // A result bigger than the memory limit: the guest cannot even build it.
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h
        .invoke(&app, "big_result", json!({ "bytes": 64 * 1024 * 1024 }))
        .await;
    assert_memory_limit(&invoked.result);
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn memory_unbounded_recursion() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h.invoke(&app, "stack_overflow", json!({})).await;
    // wasmtime's guard on the wasm stack, or the guest's own shadow-stack
    // check (Rust's stack lives in linear memory too): both end the guest
    // alone.
    match &invoked.result {
        Err(failure @ InvocationFailure::StackOverflow) => {
            assert!(failure.to_string().contains("stack"), "{failure}");
        }
        Err(InvocationFailure::Trap { message, .. }) => {
            assert!(
                message.contains("stack") || message.contains("out of bounds"),
                "{message}"
            );
        }
        other => panic!("expected a stack overflow, got {other:?}"),
    }
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn memory_huge_initial_memory() {
    // 4 GiB of initial memory: larger than any pooled memory slot (the
    // operator's 1 GiB cap), so the runtime refuses the component at load,
    // before it can ever be instantiated.
    let h = Harness::start().await;
    let wasm = std::fs::read(programs::WAT_HUGE_MEMORY).expect("built by tests/build.rs");
    let error = h
        .load_refused(
            wasm,
            &manifest(
                "huge-memory",
                &["benign"],
                &[],
                "memoryMiB: 32\ntimeoutSeconds: 2",
            ),
        )
        .await;
    match &error {
        LoadError::Component(ComponentError::Invalid(message)) => {
            assert!(
                message.contains("minimum byte size of 4294967296"),
                "{message}"
            );
            assert!(message.contains("exceeds the limit"), "{message}");
        }
        other => panic!("expected the component to be refused, got {other}"),
    }
    h.assert_jira_untouched();
    h.assert_runtime_serves().await;
}

#[tokio::test]
async fn memory_huge_data_segment() {
    // 1 GiB of initial memory with data at its end: refused before the host
    // commits the gigabyte.
    let h = Harness::start().await;
    let app = h
        .load(
            programs::WAT_BIG_DATA_SEGMENT,
            &manifest(
                "big-data",
                &["benign"],
                &[],
                "memoryMiB: 32\ntimeoutSeconds: 2",
            ),
        )
        .await;
    let invoked = h.invoke(&app, "benign", json!({})).await;
    assert_memory_limit(&invoked.result);
    h.assert_jira_untouched();
    h.assert_runtime_serves().await;
}

#[tokio::test]
async fn memory_table_growth_bomb() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::WAT_TABLE_GROWTH,
            &manifest(
                "table-growth",
                &["grow", "benign"],
                &[],
                "memoryMiB: 32\ntimeoutSeconds: 2",
            ),
        )
        .await;
    let invoked = h.invoke(&app, "grow", json!({})).await;
    match &invoked.result {
        Err(failure @ InvocationFailure::TableLimit { limit }) => {
            assert_eq!(*limit, MAX_TABLE_ELEMENTS);
            assert!(failure.to_string().contains("table limit"), "{failure}");
        }
        // `table.grow` returned -1 and the guest stopped on its own.
        Ok(json) => assert_eq!(json, "null"),
        other => panic!("expected the table limit, got {other:?}"),
    }
    h.assert_jira_untouched();
    let payload: Value = json!({ "tables": "fine" });
    h.assert_serves(&app, "benign", payload.clone(), payload)
        .await;
}

#[tokio::test]
async fn memory_no_residue_between_invocations() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::PROBE,
            &manifest(
                "residue",
                &["plant", "memory_scan"],
                &[],
                "memoryMiB: 32\ntimeoutSeconds: 10",
            ),
        )
        .await;
    // A secret unique to this run, travelling masked: only `plant` ever
    // writes it to memory in plain.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let secret = format!("kiln-residue-{nanos}-{}", std::process::id());
    let mask = 0x5au8;
    let masked: String = secret
        .bytes()
        .map(|b| format!("{:02x}", b ^ mask))
        .collect();

    // Several rounds, so pool slots are reused (the allocator prefers the
    // slot this component used last).
    for round in 0..3 {
        let planted = ok_json(
            &h.invoke(
                &app,
                "plant",
                json!({ "masked_needle": masked, "mask": mask, "large_kib": 4096, "scan": true }),
            )
            .await,
        );
        // The control: within one invocation, the scan sees the copies (a
        // static, the heap, every 64 KiB of 4 MiB).
        assert!(
            planted["found_now"].as_u64().unwrap_or(0) >= 3,
            "round {round}: {planted}"
        );
        let scan = ok_json(
            &h.invoke(
                &app,
                "memory_scan",
                json!({ "masked_needle": masked, "mask": mask, "grow_kib": 4096 }),
            )
            .await,
        );
        assert_eq!(scan["found"], false, "round {round}: {scan}");
        assert!(
            scan["memory_bytes"].as_u64().unwrap_or(0) >= 4 * 1024 * 1024,
            "the scan covered the grown memory: {scan}"
        );
    }
    h.assert_jira_untouched();
}
