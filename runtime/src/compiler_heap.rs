//! Giving the compiler's heap back to the system once a compile is done.
//!
//! Cranelift compiles a component's functions in parallel, and each compile
//! thread allocates from a glibc malloc arena of its own. A JavaScript app's
//! engine (≈ 12,700 functions) takes its compile to a peak of ≈ 470 MiB of
//! heap; when the compile ends that memory is free, but glibc keeps free
//! memory in its arenas for their next allocations, and those threads make
//! none until the next compile. So a `runtime serve` that compiled its apps
//! on a cold cache stayed at 370–430 MiB resident where the same apps loaded
//! from the cache take ≈ 90 MiB (BENCHMARKS.md, issue 18, session 19), until
//! it restarted.
//!
//! `malloc_trim(0)` returns the free pages of every arena (the top of each
//! heap and, since glibc 2.8, whole free pages inside them) with
//! `madvise(MADV_DONTNEED)`. It takes milliseconds; a compile it follows
//! takes seconds. Nothing else is touched: allocations still live stay
//! where they are. Where the allocator is not glibc's (musl, other systems),
//! there is nothing to call and nothing is done.

/// Returns the heap memory freed by a compile that just ended to the system.
pub(crate) fn release_after_compile() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointer and only releases memory glibc
    // holds as free; it is thread-safe (it locks each arena in turn).
    unsafe {
        libc::malloc_trim(0);
    }
}
