//! The app's log for one invocation: lines from the `log` import and from the
//! guest's stdout/stderr, capped in lines and bytes (Forge: 100 lines and
//! 200 KB per invocation). A flood is truncated, not trapped: the app keeps
//! running and the operator sees how much was dropped.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::guest_text::GuestText;

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    /// Written to the guest's stdout.
    Stdout,
    /// Written to the guest's stderr.
    Stderr,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Stdout => "STDOUT",
            LogLevel::Stderr => "STDERR",
        }
    }
}

/// One line of the app's log. `message` is the app's text as written;
/// `Display` (`LEVEL  message`) escapes it ([`GuestText`]), so a printed log
/// line stays one line and cannot drive the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<6} {}", self.level.as_str(), GuestText(&self.message))
    }
}

/// The capped log, shared by the `log` import and the stdio streams.
#[derive(Clone)]
pub struct GuestLog {
    inner: Arc<Mutex<LogBuffer>>,
}

struct LogBuffer {
    lines: Vec<LogLine>,
    bytes: usize,
    max_lines: usize,
    max_bytes: usize,
    dropped_lines: u64,
    dropped_bytes: u64,
    /// Partial stdout/stderr lines waiting for their newline.
    pending_stdout: Vec<u8>,
    pending_stderr: Vec<u8>,
}

/// Longest single pending stdio line kept before it is forced out, so a guest
/// writing without newlines cannot grow host memory.
const MAX_PENDING_LINE: usize = 8 * 1024;

impl GuestLog {
    pub fn new(max_lines: usize, max_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(LogBuffer {
                lines: Vec::new(),
                bytes: 0,
                max_lines,
                max_bytes,
                dropped_lines: 0,
                dropped_bytes: 0,
                pending_stdout: Vec::new(),
                pending_stderr: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogBuffer> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a line from the `log` import.
    pub fn push(&self, level: LogLevel, message: &str) {
        self.lock().push(level, message.as_bytes());
    }

    /// Adds raw bytes written to stdout or stderr; complete lines become log
    /// lines.
    pub fn write_stdio(&self, level: LogLevel, bytes: &[u8]) {
        let mut buf = self.lock();
        let mut pending = std::mem::take(buf.pending_for(level));
        for &b in bytes {
            if b == b'\n' || pending.len() >= MAX_PENDING_LINE {
                buf.push(level, &pending);
                pending.clear();
                if b == b'\n' {
                    continue;
                }
            }
            pending.push(b);
        }
        *buf.pending_for(level) = pending;
    }

    /// Ends the invocation: flushes partial stdio lines and returns the lines
    /// with a count of what was dropped.
    pub fn finish(&self) -> (Vec<LogLine>, Dropped) {
        let mut buf = self.lock();
        for level in [LogLevel::Stdout, LogLevel::Stderr] {
            let pending = std::mem::take(buf.pending_for(level));
            if !pending.is_empty() {
                buf.push(level, &pending);
            }
        }
        let dropped = Dropped {
            lines: buf.dropped_lines,
            bytes: buf.dropped_bytes,
        };
        (std::mem::take(&mut buf.lines), dropped)
    }
}

/// What the caps dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dropped {
    pub lines: u64,
    pub bytes: u64,
}

impl LogBuffer {
    fn pending_for(&mut self, level: LogLevel) -> &mut Vec<u8> {
        if level == LogLevel::Stderr {
            &mut self.pending_stderr
        } else {
            &mut self.pending_stdout
        }
    }

    fn push(&mut self, level: LogLevel, message: &[u8]) {
        if self.lines.len() >= self.max_lines || self.bytes + message.len() > self.max_bytes {
            self.dropped_lines += 1;
            self.dropped_bytes += message.len() as u64;
            return;
        }
        self.bytes += message.len();
        self.lines.push(LogLine {
            level,
            message: String::from_utf8_lossy(message).into_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_lines_and_bytes_and_counts_drops() {
        let log = GuestLog::new(3, 10);
        log.push(LogLevel::Info, "12345");
        log.push(LogLevel::Info, "123456"); // would exceed 10 bytes
        log.push(LogLevel::Warn, "1234");
        log.push(LogLevel::Info, "1");
        log.push(LogLevel::Info, "2"); // fourth line
        let (lines, dropped) = log.finish();
        assert_eq!(lines.len(), 3);
        assert_eq!(dropped, Dropped { lines: 2, bytes: 7 });
    }

    #[test]
    fn stdio_is_split_into_lines_and_flushed_at_the_end() {
        let log = GuestLog::new(10, 1000);
        log.write_stdio(LogLevel::Stdout, b"hello\nwor");
        log.write_stdio(LogLevel::Stderr, b"oops\n");
        log.write_stdio(LogLevel::Stdout, b"ld");
        let (lines, _) = log.finish();
        let text: Vec<(LogLevel, &str)> = lines
            .iter()
            .map(|l| (l.level, l.message.as_str()))
            .collect();
        assert_eq!(
            text,
            vec![
                (LogLevel::Stdout, "hello"),
                (LogLevel::Stderr, "oops"),
                (LogLevel::Stdout, "world")
            ]
        );
    }

    #[test]
    fn a_line_displays_escaped_behind_its_level() {
        let line = LogLine {
            level: LogLevel::Warn,
            message: "a\r\nerror: forged\u{1b}[2J".to_owned(),
        };
        assert_eq!(line.to_string(), "WARN   a\\r\\nerror: forged\\u{1b}[2J");
    }

    #[test]
    fn a_line_without_newline_cannot_grow_without_bound() {
        let log = GuestLog::new(1000, 1 << 20);
        log.write_stdio(LogLevel::Stdout, &vec![b'x'; MAX_PENDING_LINE * 3]);
        let (lines, _) = log.finish();
        assert!(lines.iter().all(|l| l.message.len() <= MAX_PENDING_LINE));
        assert_eq!(
            lines.iter().map(|l| l.message.len()).sum::<usize>(),
            MAX_PENDING_LINE * 3
        );
    }
}
