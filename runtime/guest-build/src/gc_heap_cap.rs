//! The JS engine's own cap on its garbage-collected heap, lifted before the
//! snapshot so that the manifest's `memoryMiB` is the one limit of a JS app.
//!
//! StarlingMonkey creates its context with `JS_NewContext(JS::DefaultHeapMaxBytes)`,
//! which sets SpiderMonkey's `JSGC_MAX_BYTES` to 32 MiB and never raises it
//! (SpiderMonkey's own shell raises it to "no limit" right after). Every
//! plain object, string and closure of an app lives in that heap, so a
//! handler that kept more than 32 MiB of them aborted the engine (an
//! `unreachable` trap) at about 90 MiB of instance memory in all, whatever
//! `memoryMiB` the manifest gave it: a limit nobody declared, that `runtime
//! inspect` could not show. Memory the engine takes with `malloc` (typed
//! arrays, big arrays' elements) was never under it.
//!
//! The engine exposes no way to set a GC parameter, and its build is
//! upstream's. But the context is made while the wizer initializes, and its
//! tunables are in the memory the snapshot freezes: this module finds them
//! there and sets `gcMaxBytes` to SpiderMonkey's own default, `u32::MAX` (no
//! cap of its own). What stops the heap then is the host's memory limit, as
//! for everything else the engine allocates: the GC collects first, and
//! when the limit refuses a chunk the engine reports `out of memory` or
//! aborts, which the host reports as the app's failure.
//!
//! The tunables are found by their values, not their address (which moves
//! with whatever the app's top-level code allocated): SpiderMonkey's
//! `GCSchedulingTunables` begins with [`SIGNATURE`]. Only a single match is
//! patched; none (a toolchain whose engine lays them out differently) or
//! several (top-level code that built copies of those numbers on purpose)
//! leave the memory as it was, so the cap stays and nothing else changes.
//! Either way only the app's own instance is concerned: the snapshot is its
//! memory, in its sandbox.

/// SpiderMonkey's default for `JSGC_MAX_BYTES`: no cap of the GC's own.
pub const UNCAPPED: u32 = u32::MAX;

/// `JS::DefaultHeapMaxBytes`, what StarlingMonkey passes to `JS_NewContext`.
const ENGINE_CAP: u32 = 32 << 20;

/// The start of `GCSchedulingTunables` as StarlingMonkey leaves it (wasm32:
/// `size_t` is 4 bytes, doubles 8, little-endian): `gcMaxBytes`, then the
/// defaults that follow it (nursery minimum 256 KiB and maximum 64 MiB, the
/// zone allocation threshold 27 MiB, the small-heap and large-heap sizes
/// 100 MiB and 500 MiB, the heap growth factors 1.7 and 1.1). Eight fields
/// so that no chance run of numbers in a 100 MiB snapshot matches.
fn signature() -> [u8; 40] {
    let mut bytes = [0u8; 40];
    let words: [u32; 6] = [
        ENGINE_CAP,
        256 << 10,
        64 << 20,
        27 << 20,
        100 << 20,
        500 << 20,
    ];
    for (i, word) in words.iter().enumerate() {
        bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    bytes[24..32].copy_from_slice(&1.7f64.to_le_bytes());
    bytes[32..40].copy_from_slice(&1.1f64.to_le_bytes());
    bytes
}

/// What [`lift`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Lifted {
    /// The cap was found once, at this offset, and lifted.
    At(usize),
    /// No tunables: the memory is unchanged.
    NotFound,
    /// More than one match: the memory is unchanged.
    Ambiguous,
}

/// Lifts the engine's GC heap cap in `memory` (the engine's linear memory
/// after initialization): see the module's documentation.
pub fn lift(memory: &mut [u8]) -> Lifted {
    let signature = signature();
    // The struct is at least 4-aligned: only aligned offsets are candidates.
    let mut found = None;
    let mut offset = 0;
    while let Some(window) = memory.get(offset..offset + signature.len()) {
        if window == signature {
            if found.is_some() {
                return Lifted::Ambiguous;
            }
            found = Some(offset);
        }
        offset += 4;
    }
    match found {
        Some(at) => {
            memory[at..at + 4].copy_from_slice(&UNCAPPED.to_le_bytes());
            Lifted::At(at)
        }
        None => Lifted::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_with(at: &[usize], len: usize) -> Vec<u8> {
        let mut memory = vec![0u8; len];
        for &offset in at {
            memory[offset..offset + 40].copy_from_slice(&signature());
        }
        memory
    }

    #[test]
    fn the_one_set_of_tunables_is_uncapped_and_nothing_else_changes() {
        let mut memory = memory_with(&[4096], 1 << 16);
        let before = memory.clone();
        assert_eq!(lift(&mut memory), Lifted::At(4096));
        assert_eq!(&memory[4096..4100], &UNCAPPED.to_le_bytes());
        assert_eq!(memory[..4096], before[..4096]);
        assert_eq!(memory[4100..], before[4100..]);
    }

    #[test]
    fn tunables_at_the_very_end_are_found() {
        let len = 1 << 12;
        let mut memory = memory_with(&[len - 40], len);
        assert_eq!(lift(&mut memory), Lifted::At(len - 40));
    }

    #[test]
    fn two_matches_or_none_leave_the_memory_as_it_was() {
        let mut memory = memory_with(&[64, 8192], 1 << 16);
        let before = memory.clone();
        assert_eq!(lift(&mut memory), Lifted::Ambiguous);
        assert_eq!(memory, before);

        let mut memory = vec![7u8; 1 << 12];
        assert_eq!(lift(&mut memory), Lifted::NotFound);
        assert!(memory.iter().all(|&b| b == 7));
    }

    #[test]
    fn an_unaligned_copy_is_not_the_engines() {
        let mut memory = vec![0u8; 1 << 12];
        memory[66..106].copy_from_slice(&signature());
        assert_eq!(lift(&mut memory), Lifted::NotFound);
    }

    #[test]
    fn a_near_miss_is_not_patched() {
        let mut memory = memory_with(&[128], 1 << 12);
        // A different growth factor: some other structure, not the tunables.
        memory[128 + 32..128 + 40].copy_from_slice(&1.2f64.to_le_bytes());
        assert_eq!(lift(&mut memory), Lifted::NotFound);
    }
}
