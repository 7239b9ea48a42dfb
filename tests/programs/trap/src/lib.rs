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

kiln_sdk::export_app!(
    panic,
    unreachable,
    loop_forever,
    grow_memory,
    stack_overflow,
    big_result
);
