//! The canary scan: does a secret occur anywhere in the guest's linear
//! memory?
//!
//! The secret travels masked (each byte XORed with `mask`) and is compared
//! masked, so the plain secret is never written to memory by the probe
//! itself: finding it means the host put it there.

use kiln_sdk::raw::{self, RawRequest};
use kiln_sdk::{AppError, Method, Principal};
use serde::Deserialize;
use serde_json::{Value, json};

/// The size of a wasm page.
const PAGE_BYTES: usize = 65_536;

/// How many match offsets to report; one proves a leak.
const MAX_REPORTED_OFFSETS: usize = 8;

/// Payload: `{"masked_needle": "<hex of secret bytes XOR mask>", "mask": 165,
/// "request_first": true, "grow_kib": 4096}`. With `request_first`, the probe first sends
/// `GET /rest/api/3/myself` as the user and as the app, so a credential the
/// host let into a response, error or buffer would be in memory.
#[derive(Deserialize)]
pub struct Input {
    masked_needle: String,
    mask: u8,
    #[serde(default)]
    request_first: bool,
    /// Grows the heap by this many KiB first (a zeroed allocation, which
    /// Rust takes from fresh `memory.grow` pages without writing them), so
    /// the scan also covers memory beyond the initial size.
    #[serde(default)]
    grow_kib: usize,
}

pub fn scan(input: &Input) -> Result<Value, AppError> {
    if input.mask == 0 {
        return Err(AppError::invalid_payload(
            "mask must be non-zero, or the secret would be in memory in plain",
        ));
    }
    let masked = decode_hex(&input.masked_needle)
        .ok_or_else(|| AppError::invalid_payload("masked_needle must be non-empty hex"))?;

    let mut requests = Vec::new();
    if input.request_first {
        for principal in [Principal::User, Principal::App] {
            let outcome = raw::request(RawRequest {
                principal,
                method: Method::Get,
                path: "/rest/api/3/myself".to_owned(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
            });
            requests.push(match outcome {
                Ok(response) => json!({ "status": response.status() }),
                Err(error) => json!({ "error": error.to_string() }),
            });
        }
    }

    let grown = vec![0u8; input.grow_kib * 1024];
    let memory_bytes = memory_size();
    let offsets = find_masked(memory_bytes, &masked, input.mask);
    drop(grown);
    Ok(json!({
        "found": !offsets.is_empty(),
        "offsets": offsets,
        "memory_bytes": memory_bytes,
        "requests": requests,
    }))
}

#[cfg(target_arch = "wasm32")]
fn memory_size() -> usize {
    core::arch::wasm32::memory_size(0) * PAGE_BYTES
}

#[cfg(not(target_arch = "wasm32"))]
fn memory_size() -> usize {
    0
}

/// How many times (up to the report limit) `masked` (unmasked) occurs in
/// linear memory now.
pub fn count_masked(masked: &[u8], mask: u8) -> usize {
    find_masked(memory_size(), masked, mask).len()
}

/// Offsets in `[0, memory_bytes)` where `masked` (unmasked) occurs.
fn find_masked(memory_bytes: usize, masked: &[u8], mask: u8) -> Vec<usize> {
    let mut offsets = Vec::new();
    let Some(last_start) = memory_bytes.checked_sub(masked.len()) else {
        return offsets;
    };
    for start in 0..=last_start {
        let matches = masked
            .iter()
            .enumerate()
            .all(|(i, byte)| read_byte(start + i) ^ mask == *byte);
        if matches {
            offsets.push(start);
            if offsets.len() == MAX_REPORTED_OFFSETS {
                break;
            }
        }
    }
    offsets
}

/// Reads one byte of linear memory by address, including address 0.
fn read_byte(address: usize) -> u8 {
    // SAFETY: every address below `memory.size * 64 KiB` is mapped linear
    // memory in a wasm guest (wasm has no unmapped pages below that bound,
    // and `find_masked` never passes an address at or past it); a volatile
    // read keeps the compiler from reasoning about address 0 as null.
    unsafe { std::ptr::read_volatile(std::ptr::with_exposed_provenance::<u8>(address)) }
}

pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}
