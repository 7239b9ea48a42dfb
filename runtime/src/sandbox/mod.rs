//! The sandbox: what a guest is allowed to be, to import, to use and to
//! consume, and the Store state each invocation gets.

pub mod code_limits;
pub mod compile_clock;
pub mod compile_deadline;
pub mod component_check;
pub mod guest_log;
pub mod import_precheck;
pub mod json_depth;
pub mod known_engines;
pub mod limiter;
pub mod state;
pub mod stdio;
pub mod wasi;
