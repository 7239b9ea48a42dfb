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

use crate::bindings::kiln::app::log as wit;
use crate::bindings::kiln::app::types::Level;

/// Logs `message` at trace level.
pub fn trace(message: impl AsRef<str>) {
    wit::log(Level::Trace, message.as_ref());
}

/// Logs `message` at debug level.
pub fn debug(message: impl AsRef<str>) {
    wit::log(Level::Debug, message.as_ref());
}

/// Logs `message` at info level.
pub fn info(message: impl AsRef<str>) {
    wit::log(Level::Info, message.as_ref());
}

/// Logs `message` at warn level.
pub fn warn(message: impl AsRef<str>) {
    wit::log(Level::Warn, message.as_ref());
}

/// Logs `message` at error level.
pub fn error(message: impl AsRef<str>) {
    wit::log(Level::Error, message.as_ref());
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
