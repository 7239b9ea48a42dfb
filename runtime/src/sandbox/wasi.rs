//! The WASI context every guest gets: everything denied but what an app
//! needs to run Rust's standard library.
//!
//! | capability | Kiln's setting | threat |
//! |---|---|---|
//! | environment variables | the app's own config variables and the host's `KILN_` entries only ([`crate::guest_env`]), never the host's environment | credential or host data in env: nothing is inherited; the list is built from the state database, and the operator cannot name a `KILN_` variable |
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
use crate::guest_env::GuestEnvironment;

/// Builds the deny-by-default WASI context for one invocation, whose
/// environment is exactly `env`.
pub fn sandboxed_wasi(log: &GuestLog, env: &GuestEnvironment) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    // `WasiCtxBuilder` starts with an empty environment and never inherits
    // the host's (that needs `inherit_env`, which Kiln never calls).
    for (name, value) in env.pairs() {
        builder.env(name, value);
    }
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
