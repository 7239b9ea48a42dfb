//! The CPU time one compilation has used, read while it runs.
//!
//! Wasmtime compiles a component's functions in parallel on the current
//! rayon pool. Each load gets its own pool ([`CompilePool`]) whose threads
//! run that compilation and nothing else, so the sum of their CPU clocks is
//! the compilation's CPU time: what it cost the host, whatever else the
//! machine was doing. Wall time is not: on a shared machine under load the
//! same compilation takes several times longer by the clock without
//! costing a cycle more (see [`super::compile_deadline`] for how both are
//! used).
//!
//! Each thread's clock is the kernel's per-thread CPU clock
//! (`pthread_getcpuclockid`), read from the waiting task. A thread that
//! exits records its final CPU time first, under the same lock as the
//! reads, so a clock is never read after its thread is gone (a dead
//! thread's id can be reused by another thread).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A thread pool for one compilation and the CPU clocks of its threads.
pub struct CompilePool {
    pool: rayon::ThreadPool,
    clocks: Arc<ThreadClocks>,
}

impl CompilePool {
    /// A pool of one thread per available core (as wasmtime's global pool
    /// would have). `None` if the threads cannot be started.
    pub fn new() -> Option<Self> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let clocks = Arc::new(ThreadClocks::new(threads));
        let (on_start, on_exit) = (clocks.clone(), clocks.clone());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("kiln-compile-{i}"))
            .start_handler(move |i| on_start.started(i))
            .exit_handler(move |i| on_exit.exited(i))
            .build()
            .ok()?;
        Some(Self { pool, clocks })
    }

    /// Runs `work` on the pool: wasmtime's parallel compilation inside it
    /// uses this pool's threads only.
    pub fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        self.pool.install(work)
    }

    /// The CPU clocks of this pool's threads, readable after the pool is
    /// moved to the compiling thread.
    pub fn clocks(&self) -> Arc<ThreadClocks> {
        self.clocks.clone()
    }
}

/// One pool thread's clock.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// Not started yet: no CPU used.
    NotStarted,
    Running(ThreadCpuClock),
    /// Exited, having used this much.
    Exited(Duration),
    /// The kernel gave no clock for this thread.
    Unavailable,
}

/// The CPU clocks of a pool's threads, by thread index.
#[derive(Debug)]
pub struct ThreadClocks {
    clocks: Mutex<Vec<Clock>>,
}

impl ThreadClocks {
    fn new(threads: usize) -> Self {
        Self {
            clocks: Mutex::new(vec![Clock::NotStarted; threads]),
        }
    }

    fn set(&self, index: usize, clock: Clock) {
        let mut clocks = self.clocks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = clocks.get_mut(index) {
            *slot = clock;
        }
    }

    /// Called on pool thread `index` when it starts.
    fn started(&self, index: usize) {
        let clock = ThreadCpuClock::of_current_thread().map_or(Clock::Unavailable, Clock::Running);
        self.set(index, clock);
    }

    /// Called on pool thread `index` just before it exits.
    fn exited(&self, index: usize) {
        let clock = current_thread_cpu_time().map_or(Clock::Unavailable, Clock::Exited);
        self.set(index, clock);
    }

    /// CPU time used by all the pool's threads so far; `None` when a
    /// thread's clock cannot be read (then the caller must not rely on CPU
    /// time at all).
    pub fn used(&self) -> Option<Duration> {
        let clocks = self.clocks.lock().unwrap_or_else(PoisonError::into_inner);
        clocks.iter().try_fold(Duration::ZERO, |sum, clock| {
            let used = match clock {
                Clock::NotStarted => Duration::ZERO,
                // The thread is alive: it marks itself exited under this
                // lock before it goes.
                Clock::Running(clock) => clock.read()?,
                Clock::Exited(used) => *used,
                Clock::Unavailable => return None,
            };
            Some(sum + used)
        })
    }
}

/// A kernel CPU-time clock of one thread, readable from other threads.
#[derive(Debug, Clone, Copy)]
struct ThreadCpuClock(#[cfg(unix)] libc::clockid_t);

#[cfg(unix)]
impl ThreadCpuClock {
    fn of_current_thread() -> Option<Self> {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: pthread_self() is the calling, live thread; `clock` is a
        // valid place for the result.
        let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
        (status == 0).then_some(Self(clock))
    }

    fn read(self) -> Option<Duration> {
        read_clock(self.0)
    }
}

#[cfg(not(unix))]
impl ThreadCpuClock {
    fn of_current_thread() -> Option<Self> {
        None
    }

    fn read(self) -> Option<Duration> {
        None
    }
}

/// The calling thread's CPU time.
pub fn current_thread_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        read_clock(libc::CLOCK_THREAD_CPUTIME_ID)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(unix)]
fn read_clock(clock: libc::clockid_t) -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write into; an invalid clock id
    // is reported as an error, not undefined behaviour.
    let status = unsafe { libc::clock_gettime(clock, &mut now) };
    if status != 0 {
        return None;
    }
    let secs = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    Some(Duration::new(secs, nanos))
}

/// Spins on the calling thread until it has used `cpu` of CPU time (tests
/// of CPU budgets: the amount of work is exact whatever the machine's load).
#[cfg(test)]
pub(crate) fn burn(cpu: Duration) {
    let start = current_thread_cpu_time().expect("thread CPU clock");
    while current_thread_cpu_time().expect("thread CPU clock") - start < cpu {
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn work_on_the_pool_is_counted_and_nothing_else() {
        let pool = CompilePool::new().expect("pool");
        let clocks = pool.clocks();
        // Spinning outside the pool costs the pool nothing.
        burn(Duration::from_millis(100));
        let before = clocks.used().expect("clocks readable");
        assert!(before < Duration::from_millis(100), "{before:?}");
        pool.install(|| burn(Duration::from_millis(200)));
        let after = clocks.used().expect("clocks readable");
        assert!(after - before >= Duration::from_millis(200), "{after:?}");
    }

    #[cfg(unix)]
    #[test]
    fn parallel_work_counts_every_thread() {
        use rayon::prelude::*;
        let pool = CompilePool::new().expect("pool");
        let clocks = pool.clocks();
        // Four pieces of 50 ms each, on however many threads the pool has:
        // the sum is what counts, not the longest.
        pool.install(|| {
            (0..4)
                .into_par_iter()
                .for_each(|_| burn(Duration::from_millis(50)))
        });
        let used = clocks.used().expect("clocks readable");
        assert!(used >= Duration::from_millis(200), "{used:?}");
    }

    #[cfg(unix)]
    #[test]
    fn the_clocks_outlive_the_pool() {
        let pool = CompilePool::new().expect("pool");
        let clocks = pool.clocks();
        pool.install(|| burn(Duration::from_millis(50)));
        drop(pool);
        // Whether or not the threads have exited yet, what they used stays
        // counted, and a gone thread's clock is never read.
        for _ in 0..100 {
            let used = clocks.used().expect("clocks readable");
            assert!(used >= Duration::from_millis(50), "{used:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
