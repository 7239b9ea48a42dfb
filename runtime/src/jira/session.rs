//! One invocation's `request-jira`: the policy pipeline in front of the
//! network.
//!
//! Every call goes through the same steps, in an order chosen so that the
//! cheapest refusal comes first and nothing reaches the network before every
//! check has passed:
//! quota → path policy → catalogue route → declared scopes → tenant (JSM Ops
//! cloud id) → headers → body size → principal's credential → URL builder →
//! send (no redirects) → capped, filtered response. Each step's refusal is a
//! typed `request-error` and an audit line.

use std::sync::Arc;
use std::time::Instant;

use kiln_manifest::{
    DeclaredScopes, Method as RouteMethod, Product, Route, ScopeDecision, catalogue,
};
use tokio::time::Instant as TokioInstant;

use super::audit::{AuditRecord, AuditSink, now_rfc3339};
use super::client::JiraClient;
use crate::bindings::{Method, Principal, Request, RequestError, Response, ScopeDenied};
use crate::policy::headers::{filter_response_headers, validate_request_headers};
use crate::policy::path::validate_path;
use crate::policy::url::build_url;

/// Per-invocation state of `request-jira`.
pub struct JiraSession {
    client: Arc<JiraClient>,
    scopes: Arc<DeclaredScopes>,
    audit: Arc<dyn AuditSink>,
    app_id: Arc<str>,
    invocation_id: String,
    deadline: TokioInstant,
    max_requests: u32,
    requests: u32,
    bytes: u64,
    refusals: u32,
}

/// What the pipeline learned before the outcome, for the audit line.
#[derive(Default)]
struct Trace {
    route: Option<&'static Route>,
    granted_by: &'static [kiln_manifest::Scope],
    missing: Vec<kiln_manifest::Scope>,
    status: Option<u16>,
    bytes_out: u64,
    bytes_in: u64,
}

impl JiraSession {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: Arc<JiraClient>,
        scopes: Arc<DeclaredScopes>,
        audit: Arc<dyn AuditSink>,
        app_id: Arc<str>,
        invocation_id: String,
        deadline: TokioInstant,
        max_requests: u32,
    ) -> Self {
        Self {
            client,
            scopes,
            audit,
            app_id,
            invocation_id,
            deadline,
            max_requests,
            requests: 0,
            bytes: 0,
            refusals: 0,
        }
    }

    /// How many calls the host refused on policy grounds (path, route, scope,
    /// header, tenant) in this invocation.
    pub fn policy_refusals(&self) -> u32 {
        self.refusals
    }

    /// How many calls the guest made.
    pub fn request_count(&self) -> u32 {
        self.requests
    }

    /// Runs one call through the pipeline and writes its audit line.
    pub async fn request(&mut self, req: Request) -> Result<Response, RequestError> {
        let started = Instant::now();
        let principal = req.principal;
        let method = req.method;
        let mut trace = Trace::default();
        let outcome = self.pipeline(req, &mut trace).await;
        if matches!(
            outcome,
            Err(RequestError::InvalidRequest(_)
                | RequestError::UnknownRoute(_)
                | RequestError::ScopeDenied(_))
        ) {
            self.refusals += 1;
        }
        self.audit.record(&AuditRecord {
            time: now_rfc3339(),
            app_id: self.app_id.to_string(),
            invocation_id: self.invocation_id.clone(),
            principal: principal_name(principal),
            method: route_method(method).as_str(),
            route: trace.route.map(|r| r.template),
            decision: decision_name(&outcome),
            granted_by: trace.granted_by.iter().map(|s| s.as_str()).collect(),
            missing: trace.missing.iter().map(|s| s.as_str()).collect(),
            status: trace.status,
            bytes_out: trace.bytes_out,
            bytes_in: trace.bytes_in,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
        outcome
    }

    async fn pipeline(
        &mut self,
        req: Request,
        trace: &mut Trace,
    ) -> Result<Response, RequestError> {
        self.requests = self.requests.saturating_add(1);
        if self.requests > self.max_requests {
            return Err(RequestError::QuotaExceeded(format!(
                "this invocation may make at most {} request-jira calls (manifest app.runtime.maxRequests)",
                self.max_requests
            )));
        }

        let path =
            validate_path(&req.path).map_err(|e| RequestError::InvalidRequest(e.to_string()))?;
        let method = route_method(req.method);
        let route = catalogue()
            .match_route(method, path.decoded())
            .ok_or_else(|| {
                RequestError::UnknownRoute(format!(
                    "{method} {} matches no Jira route in Kiln's catalogue",
                    shorten(path.decoded())
                ))
            })?;
        trace.route = Some(route);

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

        if route.product == Product::JsmOps {
            self.check_tenant(path.decoded())?;
        }

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
        // `send` (which borrows the session mutably) for a renewal.
        let client = self.client.clone();
        let credential = client
            .credential(is_app)
            .ok_or(RequestError::NeedsAuthentication(req.principal))?;
        let endpoint = self
            .client
            .site
            .endpoint_for(route.product, credential.is_bearer());
        let url = build_url(endpoint, &path, &req.query)
            .map_err(|e| RequestError::InvalidRequest(e.to_string()))?;
        // A refresh talks to the authorization server: bounded by the
        // invocation's deadline like every other wait of the guest.
        let authorization = tokio::time::timeout_at(self.deadline, credential.authorization())
            .await
            .map_err(|_| RequestError::Timeout)?
            .map_err(|error| {
                tracing::warn!(
                    "no usable credential for the {} principal: {error}",
                    principal_name(req.principal)
                );
                RequestError::NeedsAuthentication(req.principal)
            })?;

        let mut builder = self.client.http.request(reqwest_method(method), url);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if method != RouteMethod::Get {
            // Jira's XSRF check wants this on state-changing calls; the host
            // sets it so the guest never needs to.
            builder = builder.header("x-atlassian-token", "no-check");
            builder = builder.body(body);
        }

        // A refreshable credential may retry once after a 401 (its access
        // token was revoked or expired early); the body is bytes, so it clones.
        let retry = if credential.is_renewable() {
            builder.try_clone()
        } else {
            None
        };
        let mut response = self
            .send(builder.header(http::header::AUTHORIZATION, authorization.clone()))
            .await?;
        if response.status == http::StatusCode::UNAUTHORIZED.as_u16()
            && let Some(retry) = retry
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
                    principal_name(req.principal)
                );
                RequestError::NeedsAuthentication(req.principal)
            })?;
            response = self
                .send(retry.header(http::header::AUTHORIZATION, renewed))
                .await?;
        }
        trace.status = Some(response.status);
        trace.bytes_in = response.body.len() as u64;
        Ok(response)
    }

    /// Sends and reads the response within the request timeout and the
    /// invocation's deadline, capping the body as it arrives.
    async fn send(&mut self, builder: reqwest::RequestBuilder) -> Result<Response, RequestError> {
        let limit = self.client.limits.max_response_body;
        let deadline = self
            .deadline
            .min(TokioInstant::now() + self.client.limits.request_timeout);
        let exchange = async {
            let mut response = builder.send().await.map_err(transport_error)?;
            let status = response.status().as_u16();
            let headers = filter_response_headers(response.headers());
            if response
                .content_length()
                .is_some_and(|len| len > limit as u64)
            {
                return Err(RequestError::Transport(format!(
                    "the response body is larger than {limit} bytes"
                )));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
                if body.len() + chunk.len() > limit {
                    return Err(RequestError::Transport(format!(
                        "the response body is larger than {limit} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Response {
                status,
                headers,
                body,
            })
        };
        let response = tokio::time::timeout_at(deadline, exchange)
            .await
            .map_err(|_| RequestError::Timeout)??;
        self.charge_bytes(response.body.len() as u64)?;
        Ok(response)
    }

    fn charge_bytes(&mut self, n: u64) -> Result<(), RequestError> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.client.limits.max_bytes_per_invocation {
            return Err(RequestError::QuotaExceeded(format!(
                "this invocation may transfer at most {} bytes through request-jira",
                self.client.limits.max_bytes_per_invocation
            )));
        }
        Ok(())
    }

    /// A JSM Ops path names a cloud id; it must be this installation's, or the
    /// app would act on another tenant with this user's credential.
    fn check_tenant(&self, decoded: &str) -> Result<(), RequestError> {
        let named = decoded
            .strip_prefix("/jsm/ops/api/")
            .and_then(|rest| rest.split('/').next());
        if named == Some(self.client.site.cloud_id()) {
            Ok(())
        } else {
            Err(RequestError::InvalidRequest(
                "the JSM Ops path names another site's cloud id; use the cloud id from the invocation context"
                    .to_owned(),
            ))
        }
    }
}

/// A transport failure, described without URL or headers.
fn transport_error(error: reqwest::Error) -> RequestError {
    if error.is_timeout() {
        return RequestError::Timeout;
    }
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    RequestError::Transport(shorten(&text))
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

fn reqwest_method(method: RouteMethod) -> reqwest::Method {
    match method {
        RouteMethod::Get => reqwest::Method::GET,
        RouteMethod::Post => reqwest::Method::POST,
        RouteMethod::Put => reqwest::Method::PUT,
        RouteMethod::Patch => reqwest::Method::PATCH,
        RouteMethod::Delete => reqwest::Method::DELETE,
    }
}

fn principal_name(principal: Principal) -> &'static str {
    match principal {
        Principal::User => "user",
        Principal::App => "app",
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
