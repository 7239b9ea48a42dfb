//! The request log: what reached the simulated site, refused requests included.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::credentials::Identity;
use crate::shared::Shared;

/// How a request tried to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// HTTP basic with a valid email and API token.
    Basic,
    /// A bearer token the authorization server issued and still honours.
    Bearer,
    /// An `Authorization` header that was malformed, of another scheme, or whose
    /// credential was wrong, expired or revoked.
    Invalid,
}

/// One request as the site saw it. Never holds a credential: only the header
/// *names* are kept, and the account the credential belonged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path as sent, still percent-encoded.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// The user whose valid credential the request carried (even when the request
    /// was then refused, e.g. for missing scopes), or `None`.
    pub account_id: Option<String>,
    pub auth: AuthKind,
    /// Status answered; `0` when the connection was reset without an answer.
    pub status: u16,
    /// Header names in the order received, lowercase.
    pub header_names: Vec<String>,
    /// Whether the answer was the simulator's "route not modelled" 501
    /// ([`crate::SIMULATOR_HEADER`] = [`crate::NOT_MODELLED`]), so tools can tell
    /// the developer the simulator, not their app, is missing something.
    pub not_modelled: bool,
}

/// Records every request with the status it was answered with, and hands the
/// credential check's result to the layers inside.
pub(crate) async fn record(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let identity = shared.identify(req.headers());
    let mut entry = RecordedRequest {
        method: req.method().as_str().to_owned(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        account_id: identity.account_id().map(str::to_owned),
        auth: identity.kind(),
        status: 0,
        header_names: req
            .headers()
            .keys()
            .map(|name| name.as_str().to_owned())
            .collect(),
        not_modelled: false,
    };
    tracing::debug!(method = %entry.method, path = %entry.path, auth = ?entry.auth, "kiln-sim request");
    req.extensions_mut().insert::<Identity>(identity);
    let response = next.run(req).await;
    entry.status = response.status().as_u16();
    entry.not_modelled = response
        .headers()
        .get(crate::SIMULATOR_HEADER)
        .is_some_and(|v| v.as_bytes() == crate::NOT_MODELLED.as_bytes());
    shared.log(entry);
    response
}
