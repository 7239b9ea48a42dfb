//! A progress line for slow steps: a spinner with the elapsed time when stderr
//! is a terminal, plain start and end lines otherwise (CI logs, pipes).

use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the spinner redraws.
const TICK: Duration = Duration::from_millis(120);
const FRAMES: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// A running step; [`Progress::finish`] ends it.
pub struct Progress {
    started: Instant,
    stop: Arc<AtomicBool>,
    spinner: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts showing `message`.
    pub fn start(message: String) -> Self {
        let started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let spinner = if std::io::stderr().is_terminal() {
            let stop = stop.clone();
            Some(std::thread::spawn(move || spin(&message, started, &stop)))
        } else {
            eprintln!("{message} …");
            None
        };
        Self {
            started,
            stop,
            spinner,
        }
    }

    /// Whether a spinner is drawn (then tools' own progress output should be
    /// quiet, or the lines fight).
    pub fn is_animated(&self) -> bool {
        self.spinner.is_some()
    }

    /// Stops the spinner and prints `message` with the elapsed time.
    pub fn finish(mut self, message: &str) {
        self.stop_spinner();
        eprintln!("{message} in {:.1}s", self.started.elapsed().as_secs_f64());
    }

    fn stop_spinner(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(spinner) = self.spinner.take() {
            let _ = spinner.join();
        }
    }
}

impl Drop for Progress {
    /// A failed step still leaves a clean line for the error after it.
    fn drop(&mut self) {
        self.stop_spinner();
    }
}

fn spin(message: &str, started: Instant, stop: &AtomicBool) {
    let mut stderr = std::io::stderr();
    let mut frame = 0;
    while !stop.load(Ordering::Relaxed) {
        let elapsed = started.elapsed().as_secs();
        let _ = write!(
            stderr,
            "\r\x1b[2K{} {message} ({elapsed}s)",
            FRAMES[frame % FRAMES.len()]
        );
        let _ = stderr.flush();
        frame += 1;
        std::thread::sleep(TICK);
    }
    let _ = write!(stderr, "\r\x1b[2K");
    let _ = stderr.flush();
}
