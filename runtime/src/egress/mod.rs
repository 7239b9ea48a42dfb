//! Egress: an app's calls to the third-party hosts its manifest declares
//! (`permissions.external.fetch.backend`), through the standard
//! `wasi:http/outgoing-handler`.
//!
//! `wasi:http` is linked only for an app that declares a backend (a
//! component importing it without one is refused at load, see
//! [`crate::sandbox::component_check`]). Every request is intercepted in
//! wasmtime-wasi-http's `send_request` hook and goes through
//! [`call::send`]: allowlist, https unless the operator allows http, the
//! host's own lookup ([`resolver`]), every address checked ([`address`]),
//! a connection to the checked address ([`connector`]), size caps,
//! timeouts, the invocation's budget shared with request-jira ([`budget`])
//! and one audit line ([`audit`]). Operator overrides live in the operator
//! policy ([`overrides`]), never in the manifest.

pub mod address;
pub mod audit;
pub mod budget;
pub mod call;
pub mod connector;
pub mod overrides;
pub mod resolver;

use std::sync::Arc;
use std::time::Duration;

use kiln_manifest::EgressAllowlist;
use tokio::time::Instant as TokioInstant;
use wasmtime_wasi_http::{
    Error, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use crate::jira::audit::AuditSink;
use crate::sandbox::state::InvocationState;
use budget::InvocationBudget;
use call::CallContext;
pub use overrides::{EgressOverride, EgressOverrides};
pub use resolver::{Resolver, StaticResolver, SystemResolver};

/// Egress limits, per request. The request count and byte total per
/// invocation are the shared budget's ([`budget`]).
#[derive(Debug, Clone)]
pub struct EgressLimits {
    /// Lookup, TCP and TLS together (a black-holed address).
    pub connect_timeout: Duration,
    /// From the request sent to the response's head (a server that accepts
    /// and never answers).
    pub first_byte_timeout: Duration,
    /// The whole exchange, body included (a body that trickles); never past
    /// the invocation's deadline either.
    pub total_timeout: Duration,
    /// Largest request body the guest may send.
    pub max_request_body: usize,
    /// Largest response body the guest may read.
    pub max_response_body: usize,
}

impl Default for EgressLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(20),
            total_timeout: Duration::from_secs(25),
            max_request_body: 5 * 1024 * 1024,
            max_response_body: 5 * 1024 * 1024,
        }
    }
}

/// How the host reaches third parties: one per runtime.
#[derive(Clone)]
pub struct EgressConfig {
    pub resolver: Arc<dyn Resolver>,
    pub tls: Arc<rustls::ClientConfig>,
    pub limits: EgressLimits,
}

impl Default for EgressConfig {
    fn default() -> Self {
        Self {
            resolver: Arc::new(SystemResolver),
            tls: connector::default_tls(),
            limits: EgressLimits::default(),
        }
    }
}

/// What one loaded app may reach.
pub struct EgressApp {
    pub allowlist: EgressAllowlist,
    pub overrides: EgressOverrides,
    pub config: EgressConfig,
}

/// The `wasi:http` part of one invocation's Store.
pub struct EgressState {
    ctx: WasiHttpCtx,
    hooks: EgressHooks,
}

impl EgressState {
    pub fn new(
        app: Arc<EgressApp>,
        budget: Arc<InvocationBudget>,
        audit: Arc<dyn AuditSink>,
        app_id: Arc<str>,
        invocation_id: &str,
        deadline: TokioInstant,
    ) -> Self {
        Self {
            ctx: WasiHttpCtx::new(),
            hooks: EgressHooks {
                context: CallContext {
                    app,
                    budget,
                    audit,
                    app_id,
                    invocation_id: Arc::from(invocation_id),
                    deadline,
                },
            },
        }
    }
}

/// Kiln's `send_request`: every request goes through [`call::send`].
struct EgressHooks {
    context: CallContext,
}

impl WasiHttpHooks for EgressHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), Error>> + Send>,
                    ),
                    Error,
                >,
            > + Send,
    > {
        Box::new(call::send(self.context.clone(), request, options))
    }
}

impl WasiHttpView for InvocationState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.egress.ctx,
            hooks: &mut self.egress.hooks,
            table: &mut self.table,
        }
    }
}
