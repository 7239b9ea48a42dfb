//! The compile budget: the backstop behind the pre-compile shape limits
//! ([`super::code_limits`]) for code that is within every limit and still
//! costly to compile.
//!
//! A load may spend [`CompileBudget::cpu`] of **CPU time** compiling, summed
//! over the threads that compile it ([`super::compile_clock`]). CPU time,
//! not wall time, because the threat is the CPU a compile bomb costs the
//! host, and wall time is not a measure of it: on a shared machine under
//! load an honest app's compilation takes several times longer by the clock
//! (the 12 MB JavaScript engine: 8.6 s on a quiet 2-core machine, over 30 s
//! beside other builds) while costing exactly the same. A wall-clock limit
//! there refuses honest apps for the neighbours' load and lets a bomb use
//! more CPU on an idle host than on a busy one.
//!
//! [`CompileBudget::wall`] is kept as a **backstop**, far above the CPU
//! budget: a compilation that is starved of CPU, or blocked on something
//! that is not CPU (memory pressure, swap), still ends the load in bounded
//! time; and where the CPU clocks cannot be read (no per-thread clocks, the
//! pool's threads could not start) the CPU budget is applied to the wall
//! clock instead, the stricter rule Kiln had before.
//!
//! A vetted engine's code ([`super::known_engines`]) costs more to compile
//! than any shape the limits admit; the shape check that recognises its
//! code by digest grants its allowance ([`CompileAllowance`]) before the
//! compilation starts. Code that is not that exact engine gets the
//! operator's budget and nothing more.
//!
//! Cranelift cannot be interrupted, so when the budget runs out the load
//! stops waiting: the abandoned compilation keeps its threads until it
//! finishes in the background; its result is dropped and never cached.
//! Repeated uploads of a compile bomb are therefore bounded by the shape
//! limits, which keep any one compilation finite, and by the blocking
//! pool's size.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::compile_clock::{CompilePool, ThreadClocks};
use super::component_check::ComponentError;

/// How often the CPU clocks are read while a compilation runs. A bomb
/// overruns its budget by at most this much per compiling thread before
/// the load gives up on it.
const CPU_CHECK_INTERVAL: Duration = Duration::from_millis(10);

/// What one load may spend compiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileBudget {
    /// CPU time of the compilation, all its threads together, before any
    /// allowance is granted.
    pub cpu: Duration,
    /// Wall-clock backstop.
    pub wall: Duration,
}

/// Which clock ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileClock {
    /// The compilation's CPU time (operator setting `max_compile_time`).
    Cpu,
    /// Elapsed time (operator setting `max_compile_wall_time`).
    Wall,
    /// Elapsed time measured against the CPU budget, because the CPU clocks
    /// could not be read on this host.
    WallForCpu,
}

impl CompileClock {
    /// What ran out, for [`ComponentError::CompileTimeout`]'s message.
    pub(crate) fn overrun(self, limit: Duration) -> String {
        let limit = humantime::format_duration(limit);
        match self {
            CompileClock::Cpu => format!(
                "used more than {limit} of CPU time, the limit (operator setting max_compile_time)"
            ),
            CompileClock::Wall => format!(
                "took longer than {limit} by the wall clock, the limit (operator setting max_compile_wall_time)"
            ),
            CompileClock::WallForCpu => format!(
                "took longer than {limit}, the CPU-time limit applied to the wall clock because this host's CPU clocks cannot be read (operator setting max_compile_time)"
            ),
        }
    }
}

/// Extra CPU time granted to one compilation once its code is known
/// (a vetted engine, [`super::known_engines`]). Granted by the check that
/// runs before the compilation, read by the task waiting for it.
#[derive(Debug, Clone, Default)]
pub struct CompileAllowance(Arc<AtomicU64>);

impl CompileAllowance {
    /// Raises the CPU budget by `extra` (once: a second grant replaces the
    /// first rather than adding to it).
    pub fn grant(&self, extra: Duration) {
        let nanos = u64::try_from(extra.as_nanos()).unwrap_or(u64::MAX);
        self.0.store(nanos, Ordering::Release);
    }

    fn granted(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Acquire))
    }
}

/// What a finished compilation cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileCost {
    /// CPU time, when the clocks could be read.
    pub cpu: Option<Duration>,
    pub wall: Duration,
}

/// Runs `compile` on a blocking thread, its parallel work on a pool of its
/// own, and waits for it within `budget` (raised by what `compile` grants
/// through its [`CompileAllowance`]).
///
/// `compile`'s own refusal is returned as it is (wasmtime's errors become
/// [`ComponentError::Invalid`] through [`ComponentError::compile_failed`]);
/// running out of budget becomes [`ComponentError::CompileTimeout`], and a
/// compiler that panicked [`ComponentError::Invalid`].
pub async fn compile_within<T, F>(
    budget: CompileBudget,
    compile: F,
) -> Result<(T, CompileCost), ComponentError>
where
    T: Send + 'static,
    F: FnOnce(&CompileAllowance) -> Result<T, ComponentError> + Send + 'static,
{
    let started = Instant::now();
    let allowance = CompileAllowance::default();
    let pool = CompilePool::new();
    let clocks = pool.as_ref().map(CompilePool::clocks);
    let granted = allowance.clone();
    let mut task = tokio::task::spawn_blocking(move || match pool {
        Some(pool) => pool.install(|| compile(&granted)),
        None => compile(&granted),
    });
    let cpu_used = || clocks.as_deref().and_then(ThreadClocks::used);

    let mut tick = tokio::time::interval(CPU_CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let outcome = loop {
        tokio::select! {
            biased;
            finished = &mut task => break finished,
            _ = tick.tick() => {
                let cpu_limit = budget.cpu.saturating_add(allowance.granted());
                let elapsed = started.elapsed();
                let over = match cpu_used() {
                    Some(cpu) if cpu > cpu_limit => Some((cpu_limit, CompileClock::Cpu)),
                    Some(_) => None,
                    None if elapsed > cpu_limit => Some((cpu_limit, CompileClock::WallForCpu)),
                    None => None,
                };
                let over = over.or((elapsed > budget.wall).then_some((budget.wall, CompileClock::Wall)));
                if let Some((limit, clock)) = over {
                    return Err(ComponentError::CompileTimeout { limit, clock });
                }
            }
        }
    };
    match outcome {
        Err(join) => Err(ComponentError::Invalid(format!(
            "compilation did not finish: {join}"
        ))),
        Ok(compiled) => compiled.map(|value| {
            let cost = CompileCost {
                cpu: cpu_used(),
                wall: started.elapsed(),
            };
            (value, cost)
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::sandbox::compile_clock::burn;

    const GENEROUS: CompileBudget = CompileBudget {
        cpu: Duration::from_secs(3600),
        wall: Duration::from_secs(3600),
    };

    #[tokio::test]
    async fn a_compilation_over_its_cpu_budget_fails_the_load() {
        let budget = CompileBudget {
            cpu: Duration::from_millis(50),
            wall: Duration::from_secs(3600),
        };
        let result = compile_within(budget, |_| {
            burn(Duration::from_millis(400));
            Ok(())
        })
        .await;
        let error = result.unwrap_err();
        assert_eq!(
            error,
            ComponentError::CompileTimeout {
                limit: Duration::from_millis(50),
                clock: CompileClock::Cpu
            }
        );
        assert!(
            error.to_string().contains(
                "used more than 50ms of CPU time, the limit (operator setting max_compile_time)"
            ),
            "{error}"
        );
    }

    #[tokio::test]
    async fn waiting_is_not_cpu_time() {
        // A compilation that uses little CPU but takes long by the clock (a
        // loaded machine) is within a CPU budget shorter than its duration.
        let budget = CompileBudget {
            cpu: Duration::from_millis(100),
            wall: Duration::from_secs(3600),
        };
        let (result, cost) = compile_within(budget, |_| {
            std::thread::sleep(Duration::from_millis(300));
            Ok(7)
        })
        .await
        .unwrap();
        assert_eq!(result, 7);
        assert!(cost.wall >= Duration::from_millis(300));
        assert!(cost.cpu.unwrap() < Duration::from_millis(100), "{cost:?}");
    }

    #[tokio::test]
    async fn the_wall_clock_is_a_backstop() {
        // The "compiler" blocks until the test releases it, after the
        // backstop has fired: the outcome does not depend on machine speed.
        let (release, wait) = mpsc::channel::<()>();
        let (finished, done) = mpsc::channel::<()>();
        let budget = CompileBudget {
            cpu: Duration::from_secs(3600),
            wall: Duration::from_millis(20),
        };
        let result = compile_within(budget, move |_| {
            let _ = wait.recv();
            let _ = finished.send(());
            Ok(())
        })
        .await;
        let error = result.unwrap_err();
        assert_eq!(
            error,
            ComponentError::CompileTimeout {
                limit: Duration::from_millis(20),
                clock: CompileClock::Wall
            }
        );
        assert!(
            error.to_string().contains("took longer than 20ms"),
            "{error}"
        );
        // The abandoned compilation still runs to its end in the background.
        release.send(()).unwrap();
        done.recv().unwrap();
    }

    #[tokio::test]
    async fn a_granted_allowance_raises_the_cpu_budget_and_only_then() {
        let budget = CompileBudget {
            cpu: Duration::from_millis(50),
            wall: Duration::from_secs(3600),
        };
        let known = compile_within(budget, |allowance| {
            allowance.grant(Duration::from_secs(60));
            burn(Duration::from_millis(300));
            Ok(())
        })
        .await;
        assert!(known.is_ok(), "{known:?}");
        let unknown = compile_within(budget, |_| {
            burn(Duration::from_millis(300));
            Ok(())
        })
        .await;
        assert!(
            matches!(
                unknown,
                Err(ComponentError::CompileTimeout {
                    clock: CompileClock::Cpu,
                    ..
                })
            ),
            "{unknown:?}"
        );
    }

    #[test]
    fn a_second_grant_replaces_the_first() {
        let allowance = CompileAllowance::default();
        allowance.grant(Duration::from_secs(5));
        allowance.grant(Duration::from_secs(5));
        assert_eq!(allowance.granted(), Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_compilation_within_budget_returns_its_result() {
        let (result, _) = compile_within(GENEROUS, |_| Ok(7)).await.unwrap();
        assert_eq!(result, 7);
    }

    #[tokio::test]
    async fn a_compile_error_is_an_invalid_component() {
        let result: Result<((), _), _> = compile_within(GENEROUS, |_| {
            Err(ComponentError::compile_failed(&wasmtime::Error::msg(
                "type mismatch in function 3",
            )))
        })
        .await;
        assert_eq!(
            result,
            Err(ComponentError::Invalid(
                "type mismatch in function 3".into()
            ))
        );
    }

    #[tokio::test]
    async fn a_panicking_compiler_is_reported_not_propagated() {
        let result: Result<((), _), _> = compile_within(GENEROUS, |_| {
            panic!("compiler bug");
        })
        .await;
        assert!(
            matches!(result, Err(ComponentError::Invalid(text)) if text.contains("did not finish"))
        );
    }
}
