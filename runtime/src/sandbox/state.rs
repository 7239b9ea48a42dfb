//! What a Store holds for one invocation, and the host side of the world's
//! imports. A fresh one is built per invocation and dropped with the Store.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::guest_log::{GuestLog, LogLevel};
use super::limiter::GuestLimiter;
use super::wasi::sandboxed_wasi;
use crate::bindings::kiln::app::{jira, log, types};
use crate::bindings::{Level, Request, RequestError, Response};
use crate::guest_text::cap;
use crate::jira::session::JiraSession;

/// Longest single message kept from the `log` import; the rest is cut with
/// a marker. (What the guest can copy into the host in the first place is
/// bounded by the per-call copy limit, `OperatorLimits::max_copy_bytes`.)
const MAX_LOG_MESSAGE: usize = 16 * 1024;

/// The Store's data.
pub struct InvocationState {
    /// Built on the guest's first WASI call ([`sandboxed_wasi`], the same
    /// deny-by-default context either way): many invocations make none, and
    /// building one (its random generators seeded, its streams wired to the
    /// log) is a fifth of Kiln's own cost of an invocation.
    pub(crate) wasi: Option<WasiCtx>,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: GuestLimiter,
    pub(crate) jira: JiraSession,
    pub(crate) log: GuestLog,
    /// `wasi:http` (egress); only reachable when the app declares a backend
    /// (see crate::egress, which implements `WasiHttpView` on this state).
    pub(crate) egress: crate::egress::EgressState,
}

impl WasiView for InvocationState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let log = &self.log;
        WasiCtxView {
            ctx: self.wasi.get_or_insert_with(|| sandboxed_wasi(log)),
            table: &mut self.table,
        }
    }
}

impl types::Host for InvocationState {}

impl jira::Host for InvocationState {
    async fn request_jira(&mut self, req: Request) -> Result<Response, RequestError> {
        self.jira.request(req).await
    }
}

impl log::Host for InvocationState {
    fn log(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        self.log.push(level, &cap(&message, MAX_LOG_MESSAGE));
    }
}
