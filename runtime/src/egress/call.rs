//! One outgoing `wasi:http` request, from the guest's hand to the socket.
//!
//! Every request goes through the same steps, cheapest refusal first, and
//! nothing reaches the network before every check has passed:
//! budget → method → scheme, authority and port → allowlist (and the
//! operator's http override) → the host's own lookup → every address
//! checked (and the operator's address override) → request body, capped →
//! the host's headers (`Host` from the checked name; nothing of the host's
//! own: no credential, no proxy, no environment) → connect to a checked
//! address, TLS with the name as SNI → response (redirects returned, never
//! followed), its body capped and charged as it arrives → one audit line.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Full};
use kiln_manifest::EgressScheme;
use tokio::time::{Instant as TokioInstant, Sleep};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::EgressApp;
use super::address::classify;
use super::audit::EgressRecord;
use super::budget::{BudgetExceeded, InvocationBudget};
use super::connector::{ConnectError, connect};
use crate::jira::audit::{AuditSink, now_rfc3339};

/// What one invocation's egress requests share.
#[derive(Clone)]
pub struct CallContext {
    pub app: Arc<EgressApp>,
    pub budget: Arc<InvocationBudget>,
    pub audit: Arc<dyn AuditSink>,
    pub app_id: Arc<str>,
    pub invocation_id: Arc<str>,
    pub deadline: TokioInstant,
}

/// The audit line being filled in as the call goes.
struct Trace {
    context: CallContext,
    started: Instant,
    method: String,
    host: Option<String>,
    port: Option<u16>,
    status: Option<u16>,
    bytes_out: u64,
    bytes_in: u64,
    decision: &'static str,
}

impl Trace {
    fn write(&self) {
        if !self.context.audit.egress_enabled() {
            return;
        }
        self.context.audit.record_egress(&EgressRecord {
            time: now_rfc3339(),
            app_id: self.context.app_id.to_string(),
            invocation_id: self.context.invocation_id.to_string(),
            method: self.method.clone(),
            host: self.host.clone(),
            port: self.port,
            decision: self.decision,
            status: self.status,
            bytes_out: self.bytes_out,
            bytes_in: self.bytes_in,
            latency_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }
}

/// A refusal or failure: the audit decision and what the guest gets.
struct Refusal(&'static str, Error);

type Sent = (
    Response<WasiBody>,
    Box<dyn Future<Output = Result<(), Error>> + Send>,
);

/// Runs one request; the audit line is written when the call fails, or
/// when the response body is finished or dropped.
pub async fn send(
    context: CallContext,
    request: Request<WasiBody>,
    options: Option<RequestOptions>,
) -> Result<Sent, Error> {
    let mut trace = Trace {
        context,
        started: Instant::now(),
        method: audit_method(request.method()),
        host: None,
        port: None,
        status: None,
        bytes_out: 0,
        bytes_in: 0,
        decision: "allowed",
    };
    let (parts, body) = request.into_parts();
    let mut body = Some(body);
    match exchange(&mut trace, parts, &mut body, options).await {
        Ok(response) => {
            trace.status = Some(response.status().as_u16());
            let trace = Box::new(trace);
            let response = response.map(|incoming| {
                CappedBody {
                    incoming,
                    trace,
                    limit: 0,
                    timer: None,
                    done: false,
                }
                .boxed_unsync()
            });
            Ok((response, Box::new(async { Ok(()) })))
        }
        Err(Refusal(decision, error)) => {
            trace.decision = decision;
            trace.write();
            if let Some(body) = body {
                drain_unsent(body, &trace.context);
            }
            Err(error)
        }
    }
}

/// Takes in, and throws away, the rest of the body of a request that was
/// refused or failed before the host read all of it.
///
/// The guest writes a request's body through a stream while the host
/// already works on the request; dropping the body closes that stream, and
/// a write to a closed stream is an error the guest's engine may not
/// survive: StarlingMonkey (Kiln's JavaScript engine) aborts the whole
/// instance with "event loop error, but no exception is pending" instead
/// of rejecting the app's `fetch`, depending on whether its write came
/// before or after the host's refusal (a failed lookup is quick). Reading
/// the body to its end makes every write succeed, so the guest only sees
/// the request's error. Bounded as a sent body is: at most the request
/// body cap, and no longer than the invocation's deadline; past either the
/// body is dropped.
fn drain_unsent(mut body: WasiBody, context: &CallContext) {
    let limit = context.app.config.limits.max_request_body;
    let deadline = context.deadline;
    tokio::spawn(async move {
        let _ = tokio::time::timeout_at(deadline, async move {
            let mut taken = 0usize;
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                    taken = taken.saturating_add(data.len());
                    if taken > limit {
                        break;
                    }
                }
            }
        })
        .await;
    });
}

/// `body` is taken (`None`) once it has been read whole; a refusal leaves
/// what is left of it for [`drain_unsent`].
async fn exchange(
    trace: &mut Trace,
    parts: http::request::Parts,
    body: &mut Option<WasiBody>,
    options: Option<RequestOptions>,
) -> Result<Response<hyper::body::Incoming>, Refusal> {
    let context = trace.context.clone();
    let app = &context.app;
    let limits = &app.config.limits;
    context
        .budget
        .charge_egress_request()
        .map_err(|e| Refusal("quota-exceeded", quota_error(e)))?;

    let method = parts.method;
    // CONNECT would turn the request into a tunnel to anywhere; TRACE
    // reflects the request (headers included) back; an extension method is
    // nothing an API client needs.
    if !matches!(
        method,
        Method::GET
            | Method::HEAD
            | Method::POST
            | Method::PUT
            | Method::PATCH
            | Method::DELETE
            | Method::OPTIONS
    ) {
        return Err(denied("method-refused"));
    }

    let uri = &parts.uri;
    let scheme = match uri.scheme_str() {
        Some("https") => EgressScheme::Https,
        Some("http") => EgressScheme::Http,
        _ => return Err(denied("scheme-refused")),
    };
    let authority = uri.authority().ok_or_else(|| denied("not-allowed"))?;
    // `user@host`: the part before `@` is what some parsers take for the
    // host; none is accepted.
    if authority.as_str().contains('@') {
        return Err(denied("not-allowed"));
    }
    let raw_host = authority.host();
    let port = authority.port_u16().unwrap_or(scheme.default_port());
    trace.port = Some(port);
    // An IP literal, in any spelling, is never on the allowlist (no entry
    // can name one); refused before any lookup.
    let host = kiln_manifest::manifest::egress::normalize_host(raw_host)
        .filter(|h| !h.starts_with('[') && h.parse::<IpAddr>().is_err())
        .ok_or_else(|| denied("not-allowed"))?;
    let entry_allows = app.allowlist.allows(scheme, &host, port).is_some();
    // Only a declared host's name goes to the audit line: anything else is
    // the guest's text and could be used to write into the operator's log.
    if entry_allows {
        trace.host = Some(host.clone());
    }
    if !entry_allows {
        return Err(denied("not-allowed"));
    }
    if scheme == EgressScheme::Http && !app.overrides.allows_http(&host) {
        return Err(denied("https-required"));
    }
    let path = match uri.path_and_query() {
        Some(pq) if pq.as_str().starts_with('/') => pq.as_str().to_owned(),
        None => "/".to_owned(),
        Some(_) => return Err(denied("not-allowed")),
    };

    let connect_timeout = shorter(
        limits.connect_timeout,
        options.and_then(|o| o.connect_timeout),
    );
    let first_byte_timeout = shorter(
        limits.first_byte_timeout,
        options.and_then(|o| o.first_byte_timeout),
    );
    let deadline = context
        .deadline
        .min(TokioInstant::now() + limits.total_timeout);

    let addresses = tokio::time::timeout(connect_timeout, app.config.resolver.resolve(&host))
        .await
        .map_err(|_| Refusal("dns-failed", Error::DnsTimeout))?
        .map_err(|_| {
            Refusal(
                "dns-failed",
                Error::DnsError {
                    rcode: Some("no address for the host".to_owned()),
                    info_code: None,
                },
            )
        })?;
    // Every address, not the first: a resolver answer that mixes a public
    // and a private address would otherwise reach the private one on a
    // retry or a second connection.
    for ip in &addresses {
        if classify(*ip).is_some() && !app.overrides.allows_address(&host, *ip) {
            return Err(Refusal("address-refused", Error::DestinationIpProhibited));
        }
    }
    let targets: Vec<SocketAddr> = addresses
        .iter()
        .map(|ip| SocketAddr::new(*ip, port))
        .collect();

    let unsent = body.as_mut().ok_or_else(|| denied("invalid-body"))?;
    let body_bytes =
        tokio::time::timeout_at(deadline, read_capped(unsent, limits.max_request_body))
            .await
            .map_err(|_| Refusal("timeout", Error::ConnectionWriteTimeout))??;
    *body = None;
    let body = body_bytes;
    trace.bytes_out = body.len() as u64;
    context
        .budget
        .charge_bytes(body.len() as u64)
        .map_err(|e| Refusal("quota-exceeded", quota_error(e)))?;

    let mut outgoing = Request::builder()
        .method(method)
        .uri(
            Uri::try_from(path)
                .map_err(|_| Refusal("not-allowed", Error::HttpRequestUriInvalid))?,
        )
        .body(Full::new(body))
        .map_err(|_| Refusal("not-allowed", Error::HttpRequestUriInvalid))?;
    let headers = outgoing.headers_mut();
    for (name, value) in parts.headers.iter() {
        if !is_host_owned(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let host_header = if port == scheme.default_port() {
        host.clone()
    } else {
        format!("{host}:{port}")
    };
    headers.insert(
        http::header::HOST,
        HeaderValue::from_str(&host_header)
            .map_err(|_| Refusal("not-allowed", Error::HttpRequestUriInvalid))?,
    );

    let tls = (scheme == EgressScheme::Https).then_some((&app.config.tls, host.as_str()));
    let stream = connect(&targets, tls, connect_timeout)
        .await
        .map_err(|e| match e {
            ConnectError::Timeout => Refusal("timeout", Error::ConnectionTimeout),
            ConnectError::Refused(error) => {
                tracing::debug!(%error, "egress connection failed");
                Refusal("transport", Error::ConnectionRefused)
            }
            ConnectError::Certificate(error) => {
                tracing::debug!(%error, "egress TLS certificate refused");
                Refusal("tls-certificate", Error::TlsCertificateError)
            }
            ConnectError::Tls(error) => {
                tracing::debug!(%error, "egress TLS handshake failed");
                Refusal("transport", Error::TlsProtocolError)
            }
            ConnectError::BadName => Refusal("not-allowed", Error::HttpRequestUriInvalid),
        })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Refusal("transport", Error::HttpProtocolError))?;
    // The connection's driver lives no longer than the call's deadline.
    tokio::spawn(async move {
        let _ = tokio::time::timeout_at(deadline, connection).await;
    });
    let first_byte = deadline.min(TokioInstant::now() + first_byte_timeout);
    let response = tokio::time::timeout_at(first_byte, sender.send_request(outgoing))
        .await
        .map_err(|_| Refusal("timeout", Error::ConnectionReadTimeout))?
        .map_err(|_| Refusal("transport", Error::HttpProtocolError))?;
    if response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > limits.max_response_body as u64)
    {
        return Err(Refusal(
            "response-too-large",
            Error::HttpResponseBodySize(Some(limits.max_response_body as u64)),
        ));
    }
    Ok(response)
}

/// Headers the host sets or that only make sense hop by hop; the guest's
/// values are dropped (wasi:http refuses most of them already, this is the
/// host's own list so the rule does not depend on a library default).
fn is_host_owned(name: &http::HeaderName) -> bool {
    use http::header::*;
    [
        HOST,
        CONNECTION,
        CONTENT_LENGTH,
        TRANSFER_ENCODING,
        UPGRADE,
        PROXY_AUTHORIZATION,
        PROXY_AUTHENTICATE,
        TE,
        TRAILER,
    ]
    .contains(name)
        || name.as_str().starts_with("proxy-")
        || name.as_str() == "keep-alive"
}

fn shorter(ours: std::time::Duration, guest: Option<std::time::Duration>) -> std::time::Duration {
    guest.map_or(ours, |g| g.min(ours))
}

fn denied(decision: &'static str) -> Refusal {
    Refusal(decision, Error::HttpRequestDenied)
}

fn quota_error(exceeded: BudgetExceeded) -> Error {
    Error::InternalError(Some(match exceeded {
        BudgetExceeded::EgressRequests { limit } => format!(
            "quota exceeded: this invocation may make at most {limit} egress requests (100 per minute of its timeout, as Forge; request-jira calls are counted apart)"
        ),
        // Not charged by egress; named all the same, should that ever change.
        BudgetExceeded::JiraRequests { limit } => {
            format!("quota exceeded: this invocation may make at most {limit} request-jira calls")
        }
        BudgetExceeded::Bytes { limit } => format!(
            "quota exceeded: this invocation may transfer at most {limit} bytes (request-jira and egress together)"
        ),
    }))
}

/// The method as the audit line names it: a standard one, or `other`
/// (an extension method is the guest's text).
fn audit_method(method: &Method) -> String {
    match *method {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::OPTIONS
        | Method::CONNECT
        | Method::TRACE => method.as_str().to_owned(),
        _ => "other".to_owned(),
    }
}

/// Reads the guest's request body, refusing it past `limit` bytes.
async fn read_capped(body: &mut WasiBody, limit: usize) -> Result<Bytes, Refusal> {
    let mut collected = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Refusal("invalid-body", e))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                return Err(Refusal(
                    "request-too-large",
                    Error::HttpRequestBodySize(Some(limit as u64)),
                ));
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(collected))
}

/// The response body as the guest reads it: capped, charged to the budget
/// as it arrives, bounded by the call's deadline; the audit line is
/// written when it ends or is dropped.
struct CappedBody {
    incoming: hyper::body::Incoming,
    trace: Box<Trace>,
    /// Set on the first poll (the limits live in the trace's context).
    limit: u64,
    timer: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl CappedBody {
    fn fail(
        &mut self,
        decision: &'static str,
        error: Error,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        self.trace.decision = decision;
        self.done = true;
        Poll::Ready(Some(Err(error)))
    }
}

impl Body for CappedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if this.timer.is_none() {
            let limits = &this.trace.context.app.config.limits;
            this.limit = limits.max_response_body as u64;
            let deadline = this
                .trace
                .context
                .deadline
                .min(TokioInstant::now() + limits.total_timeout);
            this.timer = Some(Box::pin(tokio::time::sleep_until(deadline)));
        }
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(_))) => this.fail("transport", Error::HttpResponseIncomplete),
            Poll::Ready(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else {
                    // Trailers are not passed on.
                    return Poll::Ready(None);
                };
                let n = data.len() as u64;
                this.trace.bytes_in = this.trace.bytes_in.saturating_add(n);
                if this.trace.bytes_in > this.limit {
                    return this.fail(
                        "response-too-large",
                        Error::HttpResponseBodySize(Some(this.limit)),
                    );
                }
                if let Err(exceeded) = this.trace.context.budget.charge_bytes(n) {
                    return this.fail("quota-exceeded", quota_error(exceeded));
                }
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Poll::Pending => match this.timer.as_mut().map(|t| t.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => this.fail("timeout", Error::ConnectionReadTimeout),
                _ => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

impl Drop for CappedBody {
    fn drop(&mut self) {
        self.trace.write();
    }
}
