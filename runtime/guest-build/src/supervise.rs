//! Running one build (`cargo build` for a Rust app, node with esbuild and
//! componentize-js for a JS app) and reading what it prints on stdout,
//! within the build's [`BuildLimits`] when it has them.
//!
//! With limits, the build's stdout and stderr are read through one byte
//! budget, and the build's end, the deadline and an exhausted budget race on
//! one channel: whichever comes first decides. A build that loses is killed
//! as a whole process group, then reaped, so nothing of it outlives the call.
//! Its stderr is passed on to this process's stderr as it comes, each line
//! escaped ([`kiln_guest_text::copy_lines_escaped`]): what a build prints is
//! the app's text (a build script's output, the app's source quoted by a
//! compiler, its top-level `console.log`), and must not drive the terminal.
//! Without limits (source Kiln trusts), stderr is inherited and the build
//! may take as long as it takes.

use std::io::{BufReader, Read};
use std::path::Path;
use std::process::{ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use kiln_guest_text::copy_lines_escaped;

use crate::build::{BuiltComponent, read_components};
use crate::error::GuestBuildError;
use crate::limits::BuildLimits;

/// How long the output readers may take to finish once the build has ended:
/// only a process that escaped the build's process group could keep a pipe
/// open longer.
const READER_GRACE: Duration = Duration::from_secs(5);

/// What ended the wait for a build.
enum Event {
    Exited(std::io::Result<ExitStatus>),
    OutputTooLarge,
}

/// Bytes the build may still print, shared by its stdout and stderr.
struct Budget {
    used: AtomicU64,
    limit: u64,
}

/// A reader that stops (reads as the end) once the shared budget is spent,
/// and says so once on the event channel.
pub(crate) struct Capped<R> {
    inner: R,
    budget: Arc<Budget>,
    events: Sender<Event>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let limit = self.budget.limit;
        if self.budget.used.load(Ordering::Relaxed) > limit {
            return Ok(0);
        }
        let read = self.inner.read(buf)?;
        let before = self.budget.used.fetch_add(read as u64, Ordering::Relaxed);
        let after = before.saturating_add(read as u64);
        if after > limit {
            if before <= limit {
                let _ = self.events.send(Event::OutputTooLarge);
            }
            // The part within the budget is still passed on.
            let within = usize::try_from(limit.saturating_sub(before)).unwrap_or(usize::MAX);
            return Ok(read.min(within));
        }
        Ok(read)
    }
}

/// Runs `command` (cargo, or bubblewrap around it) to its end, or until a
/// limit of `limits` stops it; returns its exit status and the components
/// it announced.
pub(crate) fn run_cargo(
    command: Command,
    limits: Option<&BuildLimits>,
    cargo: &Path,
) -> Result<(ExitStatus, Vec<BuiltComponent>), GuestBuildError> {
    run(command, limits, cargo, |stdout| {
        read_components(BufReader::new(stdout))
    })
}

/// Runs `command` (`program`, or bubblewrap around it) to its end, or until
/// a limit of `limits` stops it; returns its exit status and what
/// `read_stdout` made of its stdout (`T::default()` when the reader did not
/// finish, which only a process that escaped the build can cause).
pub(crate) fn run<T: Default + Send + 'static>(
    mut command: Command,
    limits: Option<&BuildLimits>,
    program: &Path,
    read_stdout: fn(Capped<ChildStdout>) -> Result<T, GuestBuildError>,
) -> Result<(ExitStatus, T), GuestBuildError> {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    match limits {
        Some(limits) => {
            command.stderr(Stdio::piped());
            limits.apply(&mut command);
        }
        None => {
            command.stderr(Stdio::inherit());
        }
    }
    let mut child = command
        .spawn()
        .map_err(|source| GuestBuildError::CargoNotStarted {
            cargo: program.to_owned(),
            source,
        })?;
    let started = Instant::now();
    let (events, received) = mpsc::channel();
    let budget = Arc::new(Budget {
        used: AtomicU64::new(0),
        limit: limits.map_or(u64::MAX, |l| l.output_bytes),
    });
    let (stdout_done, stdout_result) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        let reader = Capped {
            inner: stdout,
            budget: Arc::clone(&budget),
            events: events.clone(),
        };
        thread::spawn(move || {
            let _ = stdout_done.send(read_stdout(reader));
        });
    } else {
        let _ = stdout_done.send(Ok(T::default()));
    }
    let stderr_reader = child.stderr.take().map(|stderr| {
        let reader = Capped {
            inner: stderr,
            budget: Arc::clone(&budget),
            events: events.clone(),
        };
        thread::spawn(move || {
            // The terminal going away is no reason to stop the build.
            let _ = copy_lines_escaped(reader, std::io::stderr());
        })
    });
    let pid = child.id();
    let waiter = {
        let events = events.clone();
        thread::spawn(move || {
            let status = child.wait();
            let _ = events.send(Event::Exited(status));
        })
    };
    drop(events);

    let deadline = limits.map(|l| started + l.wall_time);
    let outcome = loop {
        let event = match deadline {
            Some(deadline) => {
                match received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(event) => Some(event),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break Err(waiter_lost()),
                }
            }
            None => match received.recv() {
                Ok(event) => Some(event),
                Err(_) => break Err(waiter_lost()),
            },
        };
        match (event, limits) {
            (Some(Event::Exited(status)), _) => break status.map_err(GuestBuildError::Output),
            (Some(Event::OutputTooLarge), Some(limits)) => {
                break Err(GuestBuildError::OutputTooLarge {
                    limit_bytes: limits.output_bytes,
                });
            }
            (Some(Event::OutputTooLarge), None) => continue,
            (None, Some(limits)) => {
                break Err(GuestBuildError::TimedOut {
                    limit: limits.wall_time,
                });
            }
            (None, None) => continue,
        }
    };
    if limits.is_some() {
        // Lost the race, or won it leaving strays: kill what is left of the
        // build, then reap it.
        kill_group(pid);
    }
    let _ = waiter.join();
    let stdout = stdout_result
        .recv_timeout(READER_GRACE)
        .unwrap_or_else(|_| Ok(T::default()));
    if let Some(stderr) = stderr_reader {
        // Detached if it is still held open: only output is left to lose.
        if stderr.is_finished() {
            let _ = stderr.join();
        }
    }
    let status = outcome?;
    Ok((status, stdout?))
}

fn waiter_lost() -> GuestBuildError {
    GuestBuildError::Output(std::io::Error::other("lost track of the build process"))
}

/// Kills the process group `pid` leads (the build: cargo, or bubblewrap
/// whose death takes the sandbox's PID namespace with it).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, Signal, kill_process_group};
        if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
            // ESRCH: the group is already gone.
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    fn limits(wall_secs: u64, output_bytes: u64) -> BuildLimits {
        BuildLimits {
            wall_time: Duration::from_secs(wall_secs),
            output_bytes,
            ..BuildLimits::default()
        }
    }

    #[test]
    fn a_build_past_its_deadline_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        // A child that would outlive its parent, in the same group.
        let script = format!("(sleep 3; touch {}) & sleep 60", marker.display());
        let started = Instant::now();
        let error = run_cargo(shell(&script), Some(&limits(1, 1024)), "sh".as_ref()).unwrap_err();
        assert!(matches!(error, GuestBuildError::TimedOut { .. }), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
        thread::sleep(Duration::from_secs(4));
        assert!(!marker.exists(), "a process of the build outlived the kill");
    }

    #[test]
    fn output_beyond_the_budget_stops_the_build() {
        let started = Instant::now();
        let error = run_cargo(
            shell("yes 'a line of output' >&2"),
            Some(&limits(60, 1024)),
            "sh".as_ref(),
        )
        .unwrap_err();
        assert!(
            matches!(error, GuestBuildError::OutputTooLarge { limit_bytes: 1024 }),
            "{error}"
        );
        assert!(started.elapsed() < Duration::from_secs(30));
        // One endless line on stdout, where cargo's messages are parsed.
        let error = run_cargo(
            shell("tr '\\0' x < /dev/zero"),
            Some(&limits(60, 64 * 1024)),
            "sh".as_ref(),
        )
        .unwrap_err();
        assert!(
            matches!(error, GuestBuildError::OutputTooLarge { .. }),
            "{error}"
        );
    }

    #[test]
    fn a_build_within_its_limits_ends_as_it_ends() {
        let (status, components) = run_cargo(
            shell("echo not-json; exit 3"),
            Some(&limits(60, 1024)),
            "sh".as_ref(),
        )
        .unwrap();
        assert_eq!(status.code(), Some(3));
        assert!(components.is_empty());
        let (status, _) = run_cargo(shell("exit 0"), None, "sh".as_ref()).unwrap();
        assert!(status.success());
    }

    #[test]
    fn the_cpu_limit_stops_a_busy_loop() {
        let limits = BuildLimits {
            cpu_seconds: 1,
            ..limits(60, 1024)
        };
        let started = Instant::now();
        let (status, _) =
            run_cargo(shell("while :; do :; done"), Some(&limits), "sh".as_ref()).unwrap();
        assert!(!status.success());
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
