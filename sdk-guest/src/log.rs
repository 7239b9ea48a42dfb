//! The app's log, shown to the developer and capped per invocation by the
//! host.
//!
//! Use the macros, which format like `format!`:
//!
//! ```no_run
//! use kiln_sdk::log;
//!
//! let key = "KILN-1";
//! log::info!("triaging {key}");
//! log::warn!("{} has no assignee", key);
//! ```
//!
//! or the functions, which take a finished message:
//!
//! ```no_run
//! kiln_sdk::log::error("giving up");
//! ```

use std::fmt;

use crate::host;

/// How severe a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Step-by-step detail.
    Trace,
    /// Detail useful while developing.
    Debug,
    /// What the app did.
    Info,
    /// Something looks wrong, but the app went on.
    Warn,
    /// The app could not do what it was asked.
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        })
    }
}

/// Logs `message` at `level`.
pub fn log(level: Level, message: impl AsRef<str>) {
    host::log(level, message.as_ref());
}

/// Logs `message` at trace level.
pub fn trace(message: impl AsRef<str>) {
    log(Level::Trace, message);
}

/// Logs `message` at debug level.
pub fn debug(message: impl AsRef<str>) {
    log(Level::Debug, message);
}

/// Logs `message` at info level.
pub fn info(message: impl AsRef<str>) {
    log(Level::Info, message);
}

/// Logs `message` at warn level.
pub fn warn(message: impl AsRef<str>) {
    log(Level::Warn, message);
}

/// Logs `message` at error level.
pub fn error(message: impl AsRef<str>) {
    log(Level::Error, message);
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kiln_log_trace {
    ($($arg:tt)+) => { $crate::log::trace(::std::format!($($arg)+)) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kiln_log_debug {
    ($($arg:tt)+) => { $crate::log::debug(::std::format!($($arg)+)) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kiln_log_info {
    ($($arg:tt)+) => { $crate::log::info(::std::format!($($arg)+)) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kiln_log_warn {
    ($($arg:tt)+) => { $crate::log::warn(::std::format!($($arg)+)) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kiln_log_error {
    ($($arg:tt)+) => { $crate::log::error(::std::format!($($arg)+)) };
}

/// Logs a `format!`-style message at trace level.
#[doc(inline)]
pub use crate::__kiln_log_trace as trace;

/// Logs a `format!`-style message at debug level.
#[doc(inline)]
pub use crate::__kiln_log_debug as debug;

/// Logs a `format!`-style message at info level.
#[doc(inline)]
pub use crate::__kiln_log_info as info;

/// Logs a `format!`-style message at warn level.
#[doc(inline)]
pub use crate::__kiln_log_warn as warn;

/// Logs a `format!`-style message at error level.
#[doc(inline)]
pub use crate::__kiln_log_error as error;
