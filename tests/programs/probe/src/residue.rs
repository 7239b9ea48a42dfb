//! Leaves a secret behind in every kind of linear memory a guest writes, so
//! the host test can check that the next invocation, on a reused pool slot,
//! finds none of it (cross-invocation leaks through the slot reset).

use std::sync::atomic::{AtomicU8, Ordering};

use kiln_sdk::AppError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::memory_scan;

/// A static: lives in the module's data/bss (the copy-on-write image).
static IN_STATIC: [AtomicU8; 256] = [const { AtomicU8::new(0) }; 256];

/// Spacing of the copies in the large allocation: one per wasm page.
const PAGE_BYTES: usize = 64 * 1024;

/// Payload: `{"masked_needle": "<hex>", "mask": 165, "large_kib": 4096,
/// "scan": true}`. Plants the unmasked secret in a static, in a small heap
/// allocation and once per 64 KiB of a `large_kib` allocation (larger than
/// the host's keep-resident reset, so both of its reset paths are
/// exercised), leaks them all, and with `scan` checks in the same
/// invocation that the scan finds them (the control for the host test).
#[derive(Deserialize)]
pub struct Input {
    masked_needle: String,
    mask: u8,
    #[serde(default = "default_large_kib")]
    large_kib: usize,
    #[serde(default)]
    scan: bool,
}

fn default_large_kib() -> usize {
    4096
}

pub fn plant(input: &Input) -> Result<Value, AppError> {
    if input.mask == 0 {
        return Err(AppError::invalid_payload("mask must be non-zero"));
    }
    let masked = memory_scan::decode_hex(&input.masked_needle)
        .ok_or_else(|| AppError::invalid_payload("masked_needle must be non-empty hex"))?;
    if masked.len() > IN_STATIC.len() {
        return Err(AppError::invalid_payload("the needle is too long"));
    }
    let secret: Vec<u8> = masked.iter().map(|byte| byte ^ input.mask).collect();

    for (slot, byte) in IN_STATIC.iter().zip(&secret) {
        slot.store(*byte, Ordering::Relaxed);
    }
    let mut copies = 1;
    std::mem::forget(secret.clone());
    copies += 1;
    let mut large = vec![0u8; input.large_kib * 1024];
    for chunk in large.chunks_mut(PAGE_BYTES) {
        if let Some(dest) = chunk.get_mut(..secret.len()) {
            dest.copy_from_slice(&secret);
            copies += 1;
        }
    }
    std::mem::forget(large);

    let found = input
        .scan
        .then(|| memory_scan::count_masked(&masked, input.mask));
    Ok(json!({ "planted": copies, "found_now": found }))
}
