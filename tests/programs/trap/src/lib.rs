//! Handlers that fail the hard way, so the host tests can check each becomes
//! a clean, typed invocation error and the next invocation is unaffected.

use std::hint::black_box;

use kiln_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

/// How much `grow_memory` allocates per step: large enough to reach any
/// limit quickly, small enough to report close to it.
const GROWTH_STEP_BYTES: usize = 1024 * 1024;

/// Panics (a trap, as wasm32-wasip2 aborts on panic).
#[kiln_sdk::handler]
fn panic(_payload: Value) -> Result<Value, AppError> {
    std::panic!("kiln trap program: deliberate panic");
}

/// Executes the `unreachable` instruction.
#[kiln_sdk::handler]
fn unreachable(_payload: Value) -> Result<Value, AppError> {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

/// Spins until the host interrupts it (fuel or epoch deadline).
#[kiln_sdk::handler]
fn loop_forever(_payload: Value) -> Result<Value, AppError> {
    let mut counter: u64 = 0;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

/// Allocates and touches memory until an allocation fails, then reports how
/// much it got (if the host refuses growth rather than trapping).
#[kiln_sdk::handler]
fn grow_memory(_payload: Value) -> Result<Value, AppError> {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut block = Vec::new();
        if block.try_reserve_exact(GROWTH_STEP_BYTES).is_err() || blocks.try_reserve(1).is_err() {
            break;
        }
        block.resize(GROWTH_STEP_BYTES, 0xA5);
        blocks.push(black_box(block));
    }
    Ok(json!({ "allocated_bytes": blocks.len() * GROWTH_STEP_BYTES }))
}

/// Recurses without bound.
#[kiln_sdk::handler]
fn stack_overflow(_payload: Value) -> Result<Value, AppError> {
    Ok(json!({ "depth": recurse(black_box(0)) }))
}

/// Each frame keeps a buffer live across the call, so the recursion can be
/// neither turned into a loop nor folded away.
#[inline(never)]
#[allow(unconditional_recursion, reason = "overflowing the stack is the point")]
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 16]);
    let deeper = recurse(black_box(depth + 1));
    deeper.wrapping_add(frame[(depth % 16) as usize])
}

#[derive(Deserialize)]
struct Size {
    bytes: usize,
}

/// Returns a JSON string of `bytes` characters (plus its two quotes).
#[kiln_sdk::handler]
fn big_result(size: Size) -> Result<Value, AppError> {
    Ok(Value::String("x".repeat(size.bytes)))
}

/// Grows linear memory with the `memory.grow` instruction, a page at a time,
/// until the host refuses; reports how many pages it got. (No allocator in
/// between: the raw instruction against the limiter.)
#[kiln_sdk::handler]
fn memory_grow_raw(_payload: Value) -> Result<Value, AppError> {
    let mut pages = 0usize;
    loop {
        #[cfg(target_arch = "wasm32")]
        let grown = core::arch::wasm32::memory_grow(0, 1);
        #[cfg(not(target_arch = "wasm32"))]
        let grown = usize::MAX;
        if grown == usize::MAX {
            break;
        }
        pages += 1;
    }
    #[cfg(target_arch = "wasm32")]
    let total = core::arch::wasm32::memory_size(0);
    #[cfg(not(target_arch = "wasm32"))]
    let total = 0;
    Ok(json!({ "grown_pages": pages, "total_pages": total }))
}

/// Asks `memory.grow` for 4 GiB at once, past what a 32-bit memory addresses,
/// and traps when refused, as a JS engine's allocator does when it cannot get
/// a chunk.
#[kiln_sdk::handler]
fn memory_grow_past_4gib(_payload: Value) -> Result<Value, AppError> {
    #[cfg(target_arch = "wasm32")]
    if core::arch::wasm32::memory_grow(0, 65_536) == usize::MAX {
        core::arch::wasm32::unreachable();
    }
    Ok(json!({ "grown": true }))
}

#[derive(Deserialize)]
struct Allocation {
    mib: usize,
}

/// Allocates one block of `mib` MiB and touches it: beyond the memory limit
/// the allocator's failure aborts the guest.
#[kiln_sdk::handler]
fn huge_alloc(size: Allocation) -> Result<Value, AppError> {
    let bytes = size.mib.saturating_mul(1024 * 1024);
    let block = black_box(vec![0x5Au8; bytes]);
    Ok(json!({ "allocated_bytes": block.len() }))
}

#[derive(Deserialize)]
struct Flood {
    lines: usize,
    #[serde(default = "one")]
    bytes_per_line: usize,
}

fn one() -> usize {
    1
}

/// Logs `lines` lines of `bytes_per_line` bytes each through the `log` import.
#[kiln_sdk::handler]
fn log_flood(flood: Flood) -> Result<Value, AppError> {
    let line = "L".repeat(flood.bytes_per_line);
    for _ in 0..flood.lines {
        log::info(&line);
    }
    Ok(json!({ "logged": flood.lines }))
}

/// Writes `lines` × `bytes_per_line` bytes to stdout without a single
/// newline.
#[kiln_sdk::handler]
fn stdout_flood(flood: Flood) -> Result<Value, AppError> {
    use std::io::Write as _;
    let chunk = vec![b'S'; flood.bytes_per_line];
    let mut stdout = std::io::stdout();
    for _ in 0..flood.lines {
        let _ = stdout.write_all(&chunk);
    }
    let _ = stdout.flush();
    Ok(json!({ "written": flood.lines * flood.bytes_per_line }))
}

kiln_sdk::export_app!(
    memory_grow_raw,
    memory_grow_past_4gib,
    huge_alloc,
    log_flood,
    stdout_flood,
    panic,
    unreachable,
    loop_forever,
    grow_memory,
    stack_overflow,
    big_result
);
