//! One invocation's `request-jira`: the policy pipeline in front of the
//! network.
//!
//! Every call goes through the same steps, in an order chosen so that the
//! cheapest refusal comes first and nothing reaches the network before every
//! check has passed:
//! quota → path policy → catalogue route → the operations no app or no shared
//! credential may call ([`host_routes`], [`app_data`]) → declared scopes → tenant (every
//! `{cloudId}` the route names) → headers → body size → principal's credential → URL builder →
//! send (no redirects) → capped, filtered response → credentials redacted
//! from its body, headers and any error text quoting it
//! ([`super::redact`]). Each step's refusal is a typed `request-error` and an
//! audit line.
//!
//! Only "send" belongs to the client's [`Transport`](super::client::Transport)
//! (HTTP, or in process for benchmarks, tests and fuzzers); every other step,
//! the response cap and the byte quota included, is this module's and runs
//! the same whichever transport is in use.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use kiln_manifest::{DeclaredScopes, Method as RouteMethod, Route, ScopeDecision, catalogue};
use tokio::time::Instant as TokioInstant;

use super::audit::{AuditRecord, AuditSink, now_rfc3339};
use super::client::{JiraClient, OutgoingRequest, TransportError};
use super::rate_limit::{self, Admission};
use super::redact::Redactor;
use super::tenant::check_tenant;
use crate::bindings::{Method, Principal, Request, RequestError, Response, ScopeDenied};
use crate::egress::budget::{BudgetExceeded, InvocationBudget};
use crate::policy::headers::{filter_response_headers, validate_request_headers};
pub use crate::policy::host_routes::Door;
use crate::policy::path::validate_path;
use crate::policy::url::build_url_placed;
use crate::policy::{app_data, host_routes};

/// Sent with every request, so Jira's logs can tell Kiln's traffic apart.
const USER_AGENT: &str = concat!("kiln-runtime/", env!("CARGO_PKG_VERSION"));

/// What one invocation's `request-jira` session is for: the app's client,
/// scopes, audit sink and id (shared by its invocations), and this
/// invocation's id, deadline and request budget.
pub struct SessionConfig {
    pub client: Arc<JiraClient>,
    pub scopes: Arc<DeclaredScopes>,
    pub audit: Arc<dyn AuditSink>,
    pub app_id: Arc<str>,
    pub invocation_id: String,
    pub deadline: TokioInstant,
    /// `request-jira` calls this invocation may make.
    pub max_requests: u32,
    /// Egress requests this invocation may make
    /// ([`crate::egress::budget::egress_requests_for`] its timeout).
    pub max_egress_requests: u32,
    /// Whose calls these are: an app's ([`Door::App`]) never reach the
    /// operations of the host's own integration
    /// ([`crate::policy::host_routes`]).
    pub door: Door,
}

/// Per-invocation state of `request-jira`.
pub struct JiraSession {
    client: Arc<JiraClient>,
    scopes: Arc<DeclaredScopes>,
    audit: Arc<dyn AuditSink>,
    app_id: Arc<str>,
    invocation_id: String,
    deadline: TokioInstant,
    /// Requests and bytes, shared with egress ([`JiraSession::budget`]).
    /// Atomic inside, so the calls of one `request-jira-all` in flight at
    /// once are each charged on their own.
    budget: Arc<InvocationBudget>,
    refusals: AtomicU32,
    door: Door,
}

/// Most `request-jira-all` requests one invocation has in flight at once.
///
/// The threat it bounds is an app turning one host call into a burst: every
/// request in flight holds a connection to the site and up to
/// [`HttpLimits::max_response_body`](super::client::HttpLimits) bytes of
/// response in host memory, and counts against the site's rate limit for
/// every other user of that credential. Ten in flight caps one invocation's
/// response buffering at ten bodies and keeps it within the burst a Jira Cloud
/// site tolerates from one client, while a batch of ten (the benchmark's) still
/// costs about one round trip. Further requests wait for a slot; none is
/// refused for it (the per-invocation request quota still applies to each).
pub const MAX_IN_FLIGHT_PER_INVOCATION: usize = 10;

/// What the pipeline learned before the outcome, for the audit line.
#[derive(Default)]
struct Trace {
    route: Option<&'static Route>,
    granted_by: &'static [kiln_manifest::Scope],
    missing: Vec<kiln_manifest::Scope>,
    status: Option<u16>,
    bytes_out: u64,
    bytes_in: u64,
    redactions: u32,
    /// Answered by the host without reaching the site: the site's
    /// `Retry-After` was still running (see [`rate_limit`]).
    rate_limited: bool,
}

impl JiraSession {
    pub fn new(config: SessionConfig) -> Self {
        let SessionConfig {
            client,
            scopes,
            audit,
            app_id,
            invocation_id,
            deadline,
            max_requests,
            max_egress_requests,
            door,
        } = config;
        Self {
            scopes,
            audit,
            app_id,
            invocation_id,
            deadline,
            budget: Arc::new(InvocationBudget::new(
                max_requests,
                max_egress_requests,
                client.limits.max_bytes_per_invocation,
            )),
            client,
            refusals: AtomicU32::new(0),
            door,
        }
    }

    /// How many calls the host refused on policy grounds (path, route, scope,
    /// header, tenant) in this invocation.
    pub fn policy_refusals(&self) -> u32 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// How many calls the guest made, through request-jira and egress.
    pub fn request_count(&self) -> u32 {
        self.budget.requests()
    }

    /// The invocation's request and byte budget, for the other doors out
    /// (egress) to draw on the same counters.
    pub fn budget(&self) -> Arc<InvocationBudget> {
        self.budget.clone()
    }

    /// `request-jira-all`: every request through [`JiraSession::request`]
    /// (its own checks, quota charge and audit line), at most
    /// [`MAX_IN_FLIGHT_PER_INVOCATION`] at once, outcomes in the order of
    /// `reqs`. Requests start in order, so when the request quota runs out
    /// it is the later ones that are refused.
    pub async fn request_all(&self, reqs: Vec<Request>) -> Vec<Result<Response, RequestError>> {
        use futures_util::stream::{self, StreamExt};
        stream::iter(reqs)
            // `map` runs as `buffered` pulls each request, in order: the
            // quota is charged here, before the request waits for a slot.
            .map(|req| {
                let admitted = self.admit();
                self.carry_out(req, admitted)
            })
            .buffered(MAX_IN_FLIGHT_PER_INVOCATION)
            .collect()
            .await
    }

    /// Runs one call through the pipeline and writes its audit line.
    pub async fn request(&self, req: Request) -> Result<Response, RequestError> {
        let admitted = self.admit();
        self.carry_out(req, admitted).await
    }

    /// The pipeline's first step, the request quota: charged when a call is
    /// made, so that a batch's requests are admitted in order.
    fn admit(&self) -> Result<(), RequestError> {
        self.budget.charge_jira_request().map_err(quota_exceeded)
    }

    /// The rest of the pipeline, and the audit line.
    async fn carry_out(
        &self,
        req: Request,
        admitted: Result<(), RequestError>,
    ) -> Result<Response, RequestError> {
        let audited = self.audit.enabled();
        let started = audited.then(Instant::now);
        let principal = req.principal;
        let method = req.method;
        let mut trace = Trace::default();
        let outcome = match admitted {
            Ok(()) => self.pipeline(req, &mut trace).await,
            Err(refused) => Err(refused),
        };
        if outcome.as_ref().is_err_and(RequestError::is_policy_refusal) {
            self.refusals.fetch_add(1, Ordering::Relaxed);
        }
        let Some(started) = started else {
            return outcome;
        };
        self.audit.record(&AuditRecord {
            time: now_rfc3339(),
            app_id: self.app_id.to_string(),
            invocation_id: self.invocation_id.clone(),
            principal: principal.name(),
            method: route_method(method).as_str(),
            route: trace.route.map(|r| r.template),
            decision: if trace.rate_limited {
                "rate-limited"
            } else {
                decision_name(&outcome)
            },
            granted_by: trace.granted_by.iter().map(|s| s.as_str()).collect(),
            missing: trace.missing.iter().map(|s| s.as_str()).collect(),
            status: trace.status,
            bytes_out: trace.bytes_out,
            bytes_in: trace.bytes_in,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            redactions: trace.redactions,
        });
        outcome
    }

    async fn pipeline(&self, req: Request, trace: &mut Trace) -> Result<Response, RequestError> {
        let path =
            validate_path(&req.path).map_err(|e| RequestError::InvalidRequest(e.to_string()))?;
        let method = route_method(req.method);
        let route = catalogue()
            .match_route(method, path.decoded())
            .ok_or_else(|| unknown_route(method, path.decoded()))?;
        trace.route = Some(route);
        if let Some(refused) = host_routes::refusal(self.door, route) {
            return Err(RequestError::UnknownRoute(refused));
        }
        if let Some(refused) = app_data::refusal(route, self.client.credential_owner()) {
            return Err(RequestError::UnknownRoute(refused));
        }

        match self.scopes.allows(route) {
            ScopeDecision::Granted { alternative } => trace.granted_by = alternative,
            ScopeDecision::Denied { missing } => {
                trace.missing = missing.clone();
                return Err(RequestError::ScopeDenied(ScopeDenied {
                    route: format!("{} {}", route.method, route.template),
                    missing: missing.iter().map(|s| s.as_str().to_owned()).collect(),
                }));
            }
        }

        check_tenant(route, &path, self.client.site.cloud_id())
            .map_err(|e| RequestError::InvalidRequest(e.to_string()))?;

        let headers = validate_request_headers(&req.headers)
            .map_err(|e| RequestError::InvalidRequest(e.to_string()))?;
        let body = req.body.unwrap_or_default();
        if body.len() > self.client.limits.max_request_body {
            return Err(RequestError::InvalidRequest(format!(
                "the request body is larger than {} bytes",
                self.client.limits.max_request_body
            )));
        }
        self.charge_bytes(body.len() as u64)?;
        trace.bytes_out = body.len() as u64;

        let is_app = matches!(req.principal, Principal::App);
        // Its own handle on the client: the credential is used again after
        // `send` for a renewal.
        let client = self.client.clone();
        let credential = client
            .credential(is_app)
            .ok_or(RequestError::NeedsAuthentication(req.principal))?;
        let (endpoint, placement) = self.client.site.destination(route, credential.is_bearer());
        let url = build_url_placed(endpoint, &path, placement, &req.query)
            .map_err(|e| RequestError::InvalidRequest(e.to_string()))?;
        // The site's Retry-After, from any invocation of this installation,
        // before the credential is used: a held request costs no token
        // refresh, and one sent after a wait carries a fresh token.
        match client.rate_limit.admit(is_app, self.deadline) {
            Admission::Now => {}
            Admission::After(at) => tokio::time::sleep_until(at).await,
            Admission::Held { retry_after_secs } => {
                trace.rate_limited = true;
                trace.status = Some(429);
                return Ok(rate_limit::held_response(retry_after_secs));
            }
        }
        let authorization = match client.fixed_authorization(is_app) {
            Some(fixed) => fixed.clone(),
            // A refresh talks to the authorization server: bounded by the
            // invocation's deadline like every other wait of the guest.
            None => tokio::time::timeout_at(self.deadline, credential.authorization())
                .await
                .map_err(|_| RequestError::Timeout)?
                .map_err(|error| {
                    tracing::warn!(
                        "no usable credential for the {} principal: {error}",
                        req.principal.name()
                    );
                    RequestError::NeedsAuthentication(req.principal)
                })?,
        };

        let mut request = OutgoingRequest {
            method: http_method(method),
            url,
            headers: HeaderMap::with_capacity(headers.len() + 3),
            body: None,
        };
        for (name, value) in headers {
            request.headers.append(name, value);
        }
        // Set here rather than as a client default so that every transport
        // sees the same headers.
        request.headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
        if method != RouteMethod::Get {
            // Jira's XSRF check wants this on state-changing calls; the host
            // sets it so the guest never needs to.
            request.headers.insert(
                HeaderName::from_static("x-atlassian-token"),
                HeaderValue::from_static("no-check"),
            );
            request.body = Some(Bytes::from(body));
        }

        // A refreshable credential may retry once after a 401 (its access
        // token was revoked or expired early); the body is `Bytes`, so the
        // copy is cheap.
        let retry = credential.is_renewable().then(|| request.clone());
        request
            .headers
            .insert(http::header::AUTHORIZATION, authorization.clone());
        let redactor = client.redactor(&[&authorization]);
        let mut response = self.send(request, &redactor, trace).await?;
        if response.status == http::StatusCode::UNAUTHORIZED.as_u16()
            && let Some(mut retry) = retry
            && let Some(renewed) = tokio::time::timeout_at(
                self.deadline,
                credential.renew_after_rejection(&authorization),
            )
            .await
            .map_err(|_| RequestError::Timeout)?
        {
            let renewed = renewed.map_err(|error| {
                tracing::warn!(
                    "the {} principal's credential could not be renewed: {error}",
                    req.principal.name()
                );
                RequestError::NeedsAuthentication(req.principal)
            })?;
            // The site may echo either token; both are searched for.
            let redactor = client.redactor(&[&authorization, &renewed]);
            retry.headers.insert(http::header::AUTHORIZATION, renewed);
            response = self.send(retry, &redactor, trace).await?;
        }
        client
            .rate_limit
            .observe(is_app, response.status, &response.headers);
        trace.status = Some(response.status);
        trace.bytes_in = response.body.len() as u64;
        Ok(response)
    }

    /// Sends through the client's transport and reads the response within
    /// the request timeout and the invocation's deadline, capping the body as
    /// it arrives. Shared by every transport.
    ///
    /// Every byte of the answer the guest can see leaves through here, and
    /// through `redactor` first: the whole body once it has arrived (so a
    /// secret split across chunks is whole again), each allowed header value,
    /// and the text of a transport error. The count goes to the audit line.
    async fn send(
        &self,
        request: OutgoingRequest,
        redactor: &Redactor,
        trace: &mut Trace,
    ) -> Result<Response, RequestError> {
        let limit = self.client.limits.max_response_body;
        let deadline = self
            .deadline
            .min(TokioInstant::now() + self.client.limits.request_timeout);
        let too_large =
            || RequestError::Transport(format!("the response body is larger than {limit} bytes"));
        let exchange = async {
            let mut incoming = self
                .client
                .transport
                .send(request)
                .await
                .map_err(|e| transport_error(e, redactor))?;
            let status = incoming.status.as_u16();
            let mut headers = filter_response_headers(&incoming.headers);
            if incoming
                .content_length
                .is_some_and(|len| len > limit as u64)
            {
                return Err(too_large());
            }
            let mut body = Vec::new();
            while let Some(chunk) = incoming
                .chunk()
                .await
                .map_err(|e| transport_error(e, redactor))?
            {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            let received = body.len() as u64;
            let mut redactions = redactor.redact(&mut body);
            for (_, value) in &mut headers {
                redactions = redactions.saturating_add(redactor.redact_str(value));
            }
            Ok((
                Response {
                    status,
                    headers,
                    body,
                },
                received,
                redactions,
            ))
        };
        let (response, received, redactions) = tokio::time::timeout_at(deadline, exchange)
            .await
            .map_err(|_| RequestError::Timeout)??;
        trace.redactions = trace.redactions.saturating_add(redactions);
        if redactions > 0 {
            tracing::warn!(
                redactions,
                "the site's answer held the credential; it was redacted before the app saw it"
            );
        }
        // Charged as received: redaction only ever shortens the body.
        self.charge_bytes(received)?;
        Ok(response)
    }

    fn charge_bytes(&self, n: u64) -> Result<(), RequestError> {
        self.budget.charge_bytes(n).map_err(quota_exceeded)
    }
}

/// The shared budget's refusal, in request-jira's words.
fn quota_exceeded(exceeded: BudgetExceeded) -> RequestError {
    RequestError::QuotaExceeded(match exceeded {
        BudgetExceeded::JiraRequests { limit } => format!(
            "this invocation may make at most {limit} request-jira calls (manifest app.runtime.maxRequests)"
        ),
        // Not charged by request-jira; named all the same, should that ever change.
        BudgetExceeded::EgressRequests { limit } => format!(
            "this invocation may make at most {limit} egress requests (100 per minute of its timeout, as Forge)"
        ),
        BudgetExceeded::Bytes { limit } => format!(
            "this invocation may transfer at most {limit} bytes, request-jira and egress together"
        ),
    })
}

/// A transport failure as the guest sees it: bounded, and (by
/// [`TransportError`]'s contract) without URL or headers. Redacted before it
/// is shortened, so no cut can leave a secret's remains unrecognised.
fn transport_error(error: TransportError, redactor: &Redactor) -> RequestError {
    match error {
        TransportError::Timeout => RequestError::Timeout,
        TransportError::Failed(mut text) => {
            redactor.redact_str(&mut text);
            RequestError::Transport(shorten(&text))
        }
    }
}
/// Why `method path` is refused when no catalogued route matches it: an
/// operation of Atlassian's specs that no OAuth 2.0 scope opens is named as
/// such (a developer reading "no such route" for `GET /rest/api/3/data-policy`
/// would look for a typo that is not there); anything else matches nothing.
fn unknown_route(method: RouteMethod, path: &str) -> RequestError {
    let shown = shorten(path);
    RequestError::UnknownRoute(match catalogue().unscoped_operation(method, path) {
        Some(operation) => format!(
            "{method} {shown} is Jira's {} ({} {}), but Atlassian's spec names no OAuth 2.0 scope that opens it (anonymous or Connect-only access), and Kiln opens no route without one",
            operation.operation_id, operation.method, operation.template
        ),
        None => format!("{method} {shown} matches no Jira route in Kiln's catalogue"),
    })
}

/// Bounds text echoed to the guest.
fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn route_method(method: Method) -> RouteMethod {
    match method {
        Method::Get => RouteMethod::Get,
        Method::Post => RouteMethod::Post,
        Method::Put => RouteMethod::Put,
        Method::Patch => RouteMethod::Patch,
        Method::Delete => RouteMethod::Delete,
    }
}

fn http_method(method: RouteMethod) -> http::Method {
    match method {
        RouteMethod::Get => http::Method::GET,
        RouteMethod::Post => http::Method::POST,
        RouteMethod::Put => http::Method::PUT,
        RouteMethod::Patch => http::Method::PATCH,
        RouteMethod::Delete => http::Method::DELETE,
    }
}

fn decision_name(outcome: &Result<Response, RequestError>) -> &'static str {
    match outcome {
        Ok(_) => "allowed",
        Err(RequestError::InvalidRequest(_)) => "invalid-request",
        Err(RequestError::UnknownRoute(_)) => "unknown-route",
        Err(RequestError::ScopeDenied(_)) => "scope-denied",
        Err(RequestError::NeedsAuthentication(_)) => "needs-authentication",
        Err(RequestError::QuotaExceeded(_)) => "quota-exceeded",
        Err(RequestError::Timeout) => "timeout",
        Err(RequestError::Transport(_)) => "transport",
    }
}

#[cfg(test)]
mod tests {
    //! The pipeline driven through the in-process transport: what the stub
    //! sees is exactly what HTTP would have put on the wire.

    use std::sync::Mutex;
    use std::time::Duration;

    use base64::Engine as _;
    use bytes::Bytes;
    use kiln_manifest::Manifest;

    use super::*;
    use crate::credentials::{Credential, Credentials};
    use crate::jira::audit::MemoryAudit;
    use crate::jira::client::{HttpLimits, Transport};
    use crate::site::{ATLASSIAN_GATEWAY, Site};

    const EMAIL: &str = "dev@example.com";
    const TOKEN: &str = "canary-token-7f3a";

    /// Every request the stub was handed.
    type Seen = Arc<Mutex<Vec<OutgoingRequest>>>;

    fn stub(answer: http::Response<Bytes>) -> (Transport, Seen) {
        let seen = Seen::default();
        let log = seen.clone();
        let transport = Transport::in_process(move |request| {
            log.lock().unwrap().push(request.clone());
            Ok(answer.clone())
        });
        (transport, seen)
    }

    fn json(status: u16, body: &'static str) -> http::Response<Bytes> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("set-cookie", "session=host-only")
            .body(Bytes::from_static(body.as_bytes()))
            .unwrap()
    }

    fn api_token() -> Credential {
        Credential::ApiToken {
            email: EMAIL.to_owned(),
            token: TOKEN.into(),
        }
    }

    fn new_session(transport: Transport, user: Credential, limits: HttpLimits) -> JiraSession {
        let site = Site::new("https://kiln.atlassian.net", ATLASSIAN_GATEWAY, "c0ffee-1").unwrap();
        let credentials = Credentials {
            user: Some(user),
            app: None,
        };
        session_for(JiraClient::with_transport(
            site,
            credentials,
            limits,
            transport,
        ))
    }

    /// A session of `client` with read and write scopes, a 30 s deadline
    /// and 10 calls.
    fn session_for(client: JiraClient) -> JiraSession {
        let manifest = Manifest::from_yaml(
            "app:\n  id: kiln-test\n  name: Kiln test\nmodules:\n  function:\n    - key: main\n      handler: main\npermissions:\n  scopes:\n    - read:jira-user\n    - read:jira-work\n    - write:jira-work\n",
        )
        .unwrap();
        JiraSession::new(SessionConfig {
            client: Arc::new(client),
            scopes: Arc::new(manifest.declared_scopes()),
            audit: Arc::new(MemoryAudit::default()),
            app_id: Arc::from("kiln-test"),
            invocation_id: "inv-1".to_owned(),
            deadline: TokioInstant::now() + Duration::from_secs(30),
            max_requests: 10,
            max_egress_requests: 10,
            door: Door::App,
        })
    }

    fn get(path: &str, query: &[(&str, &str)]) -> Request {
        Request {
            principal: Principal::User,
            method: Method::Get,
            path: path.to_owned(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            headers: vec![("accept".to_owned(), "application/json".to_owned())],
            body: None,
        }
    }

    /// A loopback "Jira" that accepts connections and reads the request,
    /// then answers with `answer` (maybe nothing) and stalls for good.
    async fn stalling_site(answer: &'static [u8]) -> (u16, tokio::task::JoinHandle<()>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(answer).await;
                open.push(socket);
            }
        });
        (port, server)
    }

    /// The request timeout bounds the whole exchange over HTTP (the session's
    /// own timer; the reqwest client has none), whether the site never
    /// answers or stops in the middle of the body, well before the
    /// invocation's deadline.
    #[tokio::test]
    async fn a_stalled_site_times_out_at_the_request_timeout() {
        for answer in [
            &b""[..],
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"partial\":",
        ] {
            let (port, server) = stalling_site(answer).await;
            let site = Site::new(
                &format!("http://127.0.0.1:{port}"),
                ATLASSIAN_GATEWAY,
                "c0ffee-1",
            )
            .unwrap();
            let credentials = Credentials {
                user: Some(api_token()),
                app: None,
            };
            let limits = HttpLimits {
                request_timeout: Duration::from_millis(200),
                ..HttpLimits::default()
            };
            let session = session_for(JiraClient::new(site, credentials, limits).unwrap());
            let started = std::time::Instant::now();
            let outcome = session.request(get("/rest/api/3/myself", &[])).await;
            assert!(
                matches!(outcome, Err(RequestError::Timeout)),
                "{answer:?}: {outcome:?}"
            );
            // Far below the session's 30 s deadline: the request timeout fired.
            assert!(started.elapsed() < Duration::from_secs(20));
            server.abort();
        }
    }

    #[tokio::test]
    async fn the_stub_sees_the_built_url_and_the_host_attached_authorization() {
        let (transport, seen) = stub(json(200, r#"{"issues":[]}"#));
        let session = new_session(transport, api_token(), HttpLimits::default());
        let response = session
            .request(get(
                "/rest/api/3/search/jql",
                &[("jql", "project = KILN & x=#1"), ("maxResults", "5")],
            ))
            .await
            .unwrap();

        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let sent = &seen[0];
        assert_eq!(sent.method, http::Method::GET);
        assert_eq!(
            sent.url.as_str(),
            "https://kiln.atlassian.net/rest/api/3/search/jql?jql=project%20%3D%20KILN%20%26%20x%3D%231&maxResults=5"
        );
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{TOKEN}"))
        );
        let authorization = &sent.headers[http::header::AUTHORIZATION];
        assert_eq!(authorization, expected.as_str());
        assert!(
            authorization.is_sensitive(),
            "marked so HTTP layers hide it"
        );
        assert!(
            !format!("{sent:?}").contains(TOKEN) && !format!("{sent:?}").contains(&expected),
            "Debug of the outgoing request hides the credential"
        );
        assert_eq!(sent.headers["accept"], "application/json");
        assert_eq!(sent.headers[http::header::USER_AGENT], USER_AGENT);
        assert!(sent.headers.get("x-atlassian-token").is_none());
        assert_eq!(sent.body, None);

        assert_eq!(response.status, 200);
        assert_eq!(response.body, br#"{"issues":[]}"#);
        assert_eq!(
            response.headers,
            vec![("content-type".to_owned(), "application/json".to_owned())],
            "the allowlist drops set-cookie whatever the transport"
        );
    }

    #[tokio::test]
    async fn a_bearer_credential_goes_through_the_gateway() {
        let (transport, seen) = stub(json(200, "{}"));
        let bearer = Credential::Bearer {
            access_token: TOKEN.into(),
        };
        let session = new_session(transport, bearer, HttpLimits::default());
        session
            .request(get("/rest/api/3/myself", &[]))
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].url.as_str(),
            "https://api.atlassian.com/ex/jira/c0ffee-1/rest/api/3/myself"
        );
        assert_eq!(
            seen[0].headers[http::header::AUTHORIZATION],
            format!("Bearer {TOKEN}").as_str()
        );
    }

    #[tokio::test]
    async fn a_write_carries_the_body_and_the_xsrf_header() {
        let (transport, seen) = stub(json(201, r#"{"id":"10001"}"#));
        let session = new_session(transport, api_token(), HttpLimits::default());
        let mut request = get("/rest/api/3/issue", &[]);
        request.method = Method::Post;
        request.body = Some(br#"{"fields":{}}"#.to_vec());
        let response = session.request(request).await.unwrap();
        assert_eq!(response.status, 201);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].method, http::Method::POST);
        assert_eq!(seen[0].headers["x-atlassian-token"], "no-check");
        assert_eq!(seen[0].body.as_deref(), Some(&br#"{"fields":{}}"#[..]));
    }

    #[tokio::test]
    async fn refusals_never_reach_the_transport() {
        let (transport, seen) = stub(json(200, "{}"));
        let session = new_session(transport, api_token(), HttpLimits::default());
        let refused = [
            get("/rest/api/3/../../admin", &[]),
            get("/rest/api/3/not-a-route", &[]),
            get("/rest/api/3/auditing/record", &[]),
            get("//evil.example/rest/api/3/myself", &[]),
        ];
        for request in refused {
            let path = request.path.clone();
            let error = session.request(request).await.unwrap_err();
            assert!(
                matches!(
                    error,
                    RequestError::InvalidRequest(_)
                        | RequestError::UnknownRoute(_)
                        | RequestError::ScopeDenied(_)
                ),
                "{path}: {error:?}"
            );
        }
        assert!(seen.lock().unwrap().is_empty());
        assert_eq!(session.policy_refusals(), 4);
    }

    #[tokio::test]
    async fn a_redirect_is_returned_not_followed() {
        let redirect = http::Response::builder()
            .status(302)
            .header("location", "https://evil.example/steal")
            .body(Bytes::new())
            .unwrap();
        let (transport, seen) = stub(redirect);
        let session = new_session(transport, api_token(), HttpLimits::default());
        let response = session
            .request(get("/rest/api/3/myself", &[]))
            .await
            .unwrap();
        assert_eq!(response.status, 302);
        assert!(response.headers.is_empty(), "location is not passed on");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn the_response_cap_and_byte_quota_apply_to_every_transport() {
        let (transport, _) = stub(json(200, r#"{"padding":"0123456789"}"#));
        let limits = HttpLimits {
            max_response_body: 8,
            ..HttpLimits::default()
        };
        let session = new_session(transport, api_token(), limits);
        let error = session
            .request(get("/rest/api/3/myself", &[]))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, RequestError::Transport(text) if text == "the response body is larger than 8 bytes"),
            "{error:?}"
        );

        let (transport, _) = stub(json(200, r#"{"padding":"0123456789"}"#));
        let limits = HttpLimits {
            max_bytes_per_invocation: 40,
            ..HttpLimits::default()
        };
        let session = new_session(transport, api_token(), limits);
        session
            .request(get("/rest/api/3/myself", &[]))
            .await
            .unwrap();
        assert!(matches!(
            session.request(get("/rest/api/3/myself", &[])).await,
            Err(RequestError::QuotaExceeded(_))
        ));
    }

    #[tokio::test]
    async fn transport_failures_are_typed_and_bounded() {
        let transport = Transport::in_process(|_| Err(TransportError::Timeout));
        let session = new_session(transport, api_token(), HttpLimits::default());
        assert!(matches!(
            session.request(get("/rest/api/3/myself", &[])).await,
            Err(RequestError::Timeout)
        ));

        let transport = Transport::in_process(|_| Err(TransportError::Failed("x".repeat(10_000))));
        let session = new_session(transport, api_token(), HttpLimits::default());
        match session.request(get("/rest/api/3/myself", &[])).await {
            Err(RequestError::Transport(text)) => assert!(text.len() < 400, "{}", text.len()),
            other => panic!("{other:?}"),
        }
    }

    /// A session like [`session_for`]'s with JSM Ops scopes too, and its
    /// audit log.
    fn audited_session(client: JiraClient) -> (JiraSession, Arc<MemoryAudit>) {
        let manifest = Manifest::from_yaml(
            "app:\n  id: kiln-test\n  name: Kiln test\nmodules:\n  function:\n    - key: main\n      handler: main\npermissions:\n  scopes:\n    - read:jira-user\n    - read:ops-config:jira-service-management\n    - read:stakeholder-comms.page:jira-service-management\n",
        )
        .unwrap();
        let audit = Arc::new(MemoryAudit::default());
        let session = JiraSession::new(SessionConfig {
            client: Arc::new(client),
            scopes: Arc::new(manifest.declared_scopes()),
            audit: audit.clone(),
            app_id: Arc::from("kiln-test"),
            invocation_id: "inv-1".to_owned(),
            deadline: TokioInstant::now() + Duration::from_secs(30),
            max_requests: 10,
            max_egress_requests: 10,
            door: Door::App,
        });
        (session, audit)
    }

    fn client_with(transport: Transport, user: Credential) -> JiraClient {
        let site = Site::new("https://kiln.atlassian.net", ATLASSIAN_GATEWAY, "c0ffee-1").unwrap();
        let credentials = Credentials {
            user: Some(user),
            app: None,
        };
        JiraClient::with_transport(site, credentials, HttpLimits::default(), transport)
    }

    /// A "site" that echoes the `Authorization` it received, as sent and
    /// re-encoded, in its body and in an allowed header.
    fn echoing() -> Transport {
        Transport::in_process(|request| {
            let sent = request.headers[http::header::AUTHORIZATION]
                .to_str()
                .unwrap()
                .to_owned();
            let credential = sent.split_once(' ').unwrap().1.to_owned();
            let percent: String = sent.bytes().map(|b| format!("%{b:02x}")).collect();
            let body = serde_json::json!({
                "authorization": sent,
                "percent": percent,
                "base64": base64::engine::general_purpose::URL_SAFE.encode(&credential),
                "escaped": credential.replace('/', "\\/").replace('+', "\\u002B"),
            });
            Ok(http::Response::builder()
                .status(200)
                .header(
                    "content-type",
                    format!("application/json; echo={credential}"),
                )
                .header("x-arequestid", percent)
                .body(Bytes::from(body.to_string()))
                .unwrap())
        })
    }

    #[tokio::test]
    async fn an_echoed_credential_is_redacted_in_body_and_headers() {
        let bearer = Credential::Bearer {
            access_token: "bearer/canary+token=0123".into(),
        };
        for (user, secrets) in [
            (
                api_token(),
                vec![
                    TOKEN.to_owned(),
                    base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{TOKEN}")),
                ],
            ),
            (bearer, vec!["bearer/canary+token=0123".to_owned()]),
        ] {
            let (session, audit) = audited_session(client_with(echoing(), user));
            let response = session
                .request(get("/rest/api/3/myself", &[]))
                .await
                .unwrap();
            let body = String::from_utf8(response.body).unwrap();
            let headers = format!("{:?}", response.headers);
            for secret in &secrets {
                assert!(!body.contains(secret.as_str()), "{body}");
                assert!(!headers.contains(secret.as_str()), "{headers}");
            }
            let echoed: serde_json::Value = serde_json::from_str(&body).unwrap();
            for field in ["authorization", "percent", "base64", "escaped"] {
                assert!(
                    echoed[field]
                        .as_str()
                        .unwrap()
                        .contains(super::super::redact::MARKER),
                    "{field}: {body}"
                );
            }
            assert_eq!(response.headers.len(), 2, "{headers}");
            assert!(
                response
                    .headers
                    .iter()
                    .all(|(_, v)| v.contains("[REDACTED]")),
                "{headers}"
            );
            // Four body fields and two headers.
            assert_eq!(audit.records()[0].redactions, 6);
        }
    }

    #[tokio::test]
    async fn a_transport_error_quoting_the_credential_is_redacted() {
        let transport = Transport::in_process(|request| {
            let sent = request.headers[http::header::AUTHORIZATION]
                .to_str()
                .unwrap()
                .to_owned();
            // Long enough that shortening alone would cut the echo apart.
            Err(TransportError::Failed(format!(
                "{}bad header value {sent}",
                "x".repeat(250)
            )))
        });
        let (session, _) = audited_session(client_with(transport, api_token()));
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{TOKEN}"));
        match session.request(get("/rest/api/3/myself", &[])).await {
            Err(RequestError::Transport(text)) => {
                assert!(!text.contains(&basic[..16]), "{text}");
                assert!(text.contains("[REDACTED]"), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A renewable credential's access token, attached at run time, is
    /// searched for too; the redactor is built once per token, not per call.
    #[tokio::test]
    async fn a_renewable_credentials_access_token_is_redacted() {
        use crate::oauth::{TokenSource, TokenStore};
        let dir = tempfile::tempdir().unwrap();
        let mut login = crate::oauth::token_store::tests::session("refresh-canary-0123456789");
        login.access_token = "access-canary-0123456789".into();
        let source = TokenSource::new(TokenStore::new(dir.path().join("t.json")), login).unwrap();
        let client = client_with(echoing(), Credential::OAuth(Arc::new(source)));
        let header = http::HeaderValue::from_static("Bearer access-canary-0123456789");
        let first = client.redactor(&[&header]);
        assert!(Arc::ptr_eq(&first, &client.redactor(&[&header])));
        for secret in [
            "access-canary-0123456789",
            "refresh-canary-0123456789",
            "client-secret-canary",
        ] {
            assert!(first.finds_in(secret.as_bytes()), "{secret}");
        }
        let renewed = http::HeaderValue::from_static("Bearer renewed-canary-0123456789");
        let second = client.redactor(&[&header, &renewed]);
        assert!(second.finds_in(b"renewed-canary-0123456789"));
        assert!(second.finds_in(b"access-canary-0123456789"));

        let (session, audit) = audited_session(client);
        let response = session
            .request(get("/rest/api/3/myself", &[]))
            .await
            .unwrap();
        let body = String::from_utf8(response.body).unwrap();
        assert!(!body.contains("access-canary"), "{body}");
        assert!(audit.records()[0].redactions >= 4, "{body}");
    }

    /// JSM Ops with an OAuth bearer token: the guest writes the API-token
    /// form, the host sends Atlassian's 3LO form; stakeholder comms pass the
    /// tenant check with the site's own cloud id.
    #[tokio::test]
    async fn ops_paths_take_the_form_of_the_credential() {
        let bearer = || Credential::Bearer {
            access_token: TOKEN.into(),
        };
        let cases = [
            (
                bearer(),
                "/jsm/ops/api/c0ffee-1/v1/schedules",
                "https://api.atlassian.com/ex/jira/c0ffee-1/jsm/ops/api/v1/schedules",
            ),
            (
                api_token(),
                "/jsm/ops/api/c0ffee-1/v1/schedules",
                "https://api.atlassian.com/jsm/ops/api/c0ffee-1/v1/schedules",
            ),
            (
                api_token(),
                "/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p-1",
                "https://api.atlassian.com/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p-1",
            ),
            (
                bearer(),
                "/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p-1",
                "https://api.atlassian.com/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p-1",
            ),
        ];
        for (user, path, expected) in cases {
            let (transport, seen) = stub(json(200, "{}"));
            let (session, _) = audited_session(client_with(transport, user));
            session.request(get(path, &[])).await.unwrap();
            assert_eq!(seen.lock().unwrap()[0].url.as_str(), expected, "{path}");
            for other in [
                path.replace("c0ffee-1", "other-site"),
                path.replace("c0ffee-1", "c0ffee%2D1"),
            ] {
                let error = session.request(get(&other, &[])).await.unwrap_err();
                assert!(
                    matches!(&error, RequestError::InvalidRequest(t) if t.contains("another site's cloud id")),
                    "{other}: {error:?}"
                );
            }
            assert_eq!(seen.lock().unwrap().len(), 1, "refusals were sent");
        }
    }
}
