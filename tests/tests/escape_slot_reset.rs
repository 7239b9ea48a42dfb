//! Escape suite, the pooled slot's reset against the kernel's paging: what a
//! guest wrote must not reach the next instance in its slot even when the
//! kernel moved those pages out of memory before the slot was reset.
//!
//! Wasmtime 48's reset found dirty pages with `PAGEMAP_SCAN` asking for
//! *present* ones; a page swapped out was neither reset nor given back, and
//! the next instance read the previous one's bytes once the page came back
//! (reproduced here before Kiln's patch: all 256 pages of 1 MiB leaked).
//! Kiln builds wasmtime with that function patched
//! (`vendor/wasmtime/KILN-PATCH.md`).
//!
//! The case drives Kiln's engine configuration (the pool, its reset window,
//! `PAGEMAP_SCAN`) directly with a core module, because only the host can
//! page the guest's memory out between the guest's writes and the reset.
//! It needs active swap (`/proc/swaps`); without it the kernel cannot page
//! anonymous memory out, the hole cannot open, and the case says so and
//! passes.

use kiln_runtime::engine::{FuelMetering, InstanceAllocation, engine_config};
use wasmtime::{Engine, Instance, Module, Store};

const PAGE: usize = 4096;
/// The pages the guest writes: 1 MiB, inside the slot's keep-resident window
/// (the part of memory reset in place rather than given back).
const PAGES: usize = 256;
/// Where the written pages start in linear memory.
const BASE: usize = 64 * 1024;
const MARK: u8 = 0xab;

/// A guest that marks one byte on each of [`PAGES`] pages, and counts how many
/// still hold the mark.
fn guest() -> String {
    format!(
        r#"(module
          (memory (export "memory") 32)
          (data (i32.const 0) "image")
          (func (export "mark") (local $i i32)
            (loop $next
              (i32.store8 (i32.add (local.get $i) (i32.const {BASE})) (i32.const {MARK}))
              (local.set $i (i32.add (local.get $i) (i32.const {PAGE})))
              (br_if $next (i32.lt_u (local.get $i) (i32.const {end})))))
          (func (export "count") (result i32) (local $i i32) (local $n i32)
            (loop $next
              (if (i32.eq (i32.load8_u (i32.add (local.get $i) (i32.const {BASE}))) (i32.const {MARK}))
                (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
              (local.set $i (i32.add (local.get $i) (i32.const {PAGE})))
              (br_if $next (i32.lt_u (local.get $i) (i32.const {end}))))
            (local.get $n)))"#,
        end = PAGES * PAGE,
    )
}

#[cfg(target_os = "linux")]
fn swap_is_active() -> bool {
    std::fs::read_to_string("/proc/swaps").is_ok_and(|swaps| swaps.lines().count() > 1)
}

/// How many of the `pages` pages from `start` the kernel has swapped out
/// (bit 62 of each `/proc/self/pagemap` entry).
#[cfg(target_os = "linux")]
fn swapped_pages(start: *const u8, pages: usize) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let pagemap = std::fs::File::open("/proc/self/pagemap")?;
    let mut entries = vec![0u8; pages * 8];
    pagemap.read_exact_at(&mut entries, (start as usize / PAGE * 8) as u64)?;
    Ok(entries
        .chunks_exact(8)
        .filter(|entry| {
            let entry = u64::from_le_bytes((*entry).try_into().unwrap_or_default());
            entry & (1 << 62) != 0
        })
        .count())
}

#[cfg(target_os = "linux")]
#[test]
fn memory_swapped_out_pages_do_not_reach_the_next_instance() {
    if !swap_is_active() {
        eprintln!(
            "skipped: no active swap, so the kernel cannot page a guest's memory out \
             (the case needs `swapon`)"
        );
        return;
    }
    // One slot, so every instance reuses the same memory.
    let allocation = InstanceAllocation::Pooling {
        max_concurrent_instances: 1,
    };
    let config = engine_config(&allocation, 64 << 20, FuelMetering::Off);
    let engine = Engine::new(&config).expect("Kiln's engine");
    let module =
        Module::new(&engine, wat::parse_str(guest()).expect("the guest text")).expect("the guest");

    let mut swapped_any = false;
    for round in 0..3 {
        let mut store = Store::new(&engine, ());
        store.set_epoch_deadline(1 << 20);
        let instance = Instance::new(&mut store, &module, &[]).expect("an instance");
        let count = instance
            .get_typed_func::<(), i32>(&mut store, "count")
            .expect("count");
        assert_eq!(
            count.call(&mut store, ()).expect("count runs"),
            0,
            "round {round}: the previous instance's marks are in this instance's memory"
        );
        instance
            .get_typed_func::<(), ()>(&mut store, "mark")
            .expect("mark")
            .call(&mut store, ())
            .expect("mark runs");
        assert_eq!(
            count.call(&mut store, ()).expect("count runs"),
            PAGES as i32
        );

        // Page the marked pages out, as memory pressure would between the
        // end of an invocation and its slot's reset.
        let memory = instance.get_memory(&mut store, "memory").expect("memory");
        // SAFETY: the range is this instance's own linear memory, live until
        // the Store drops below; MADV_PAGEOUT only asks the kernel to reclaim
        // it and never changes its contents.
        let marked = unsafe { memory.data_ptr(&store).add(BASE) };
        let asked = unsafe { libc::madvise(marked.cast(), PAGES * PAGE, libc::MADV_PAGEOUT) } == 0;
        let swapped = swapped_pages(marked, PAGES).unwrap_or(0);
        eprintln!("round {round}: MADV_PAGEOUT accepted {asked}, {swapped} pages swapped out");
        swapped_any |= swapped > 0;
        drop(store);
    }
    if !swapped_any {
        eprintln!("skipped in effect: the kernel kept every page in memory");
    }
}
