//! The WASI context every guest gets: everything denied but what an app
//! needs to run Rust's standard library.
//!
//! | capability | Kiln's setting | threat |
//! |---|---|---|
//! | environment variables | none | credential or host data in env |
//! | arguments | none | host paths or flags in argv |
//! | filesystem | no preopened directory | reading credentials files, host data |
//! | stdin | closed | reading the operator's terminal |
//! | stdout / stderr | captured into the capped app log | log floods, terminal escapes |
//! | TCP / UDP | disabled, every address refused | exfiltration, SSRF around request-jira |
//! | name lookup | disabled | DNS exfiltration |
//! | clocks, random | allowed | (needed by std; timing side channels are out of scope) |
//!
//! `wasi:http` is not linked at all; `request-jira` is the only way out.

use wasmtime_wasi::p2::pipe::ClosedInputStream;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use super::guest_log::{GuestLog, LogLevel};
use super::stdio::LogOutput;

/// Builds the deny-by-default WASI context for one invocation.
pub fn sandboxed_wasi(log: &GuestLog) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdin(ClosedInputStream)
        .stdout(LogOutput::new(log.clone(), LogLevel::Stdout))
        .stderr(LogOutput::new(log.clone(), LogLevel::Stderr))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_addr, _use| Box::pin(async { false }))
        // Bounds what one `get-random-bytes` call makes the host allocate.
        .max_random_size(64 * 1024);
    builder.build()
}
