//! Jira's dynamic webhook API, called by the host for itself: register
//! (`POST /rest/api/3/webhook`), refresh (`PUT /rest/api/3/webhook/refresh`) and delete
//! (`DELETE /rest/api/3/webhook`), with the site's 3LO login.
//!
//! No guest is involved and no URL is built here: every call goes through the runtime's
//! [`JiraSession`] pipeline with the site's own client (path policy, catalogue route, the
//! one URL builder, no redirects, capped and redacted answers, the login's token refresh
//! and its one retry after a 401, the site's `Retry-After` shared with the apps' calls).
//! The session is given the two scopes these routes need (`manage:jira-webhook`,
//! `read:jira-work`), host-only: no app's declared scopes are widened by them.
//!
//! Each failure is a typed [`JiraWebhookError`]; none carries the credential (the session
//! redacts it from anything the site echoes).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kiln_manifest::{DeclaredScopes, Scope};
use kiln_runtime::JiraClient;
use kiln_runtime::bindings::{Method, Principal, Request, RequestError, Response};
use kiln_runtime::guest_text::{GuestText, cap};
use kiln_runtime::jira::rate_limit::parse_retry_after;
use kiln_runtime::jira::session::{Door, JiraSession, SessionConfig};
use serde::Deserialize;
use serde_json::json;

use super::registration::WebhookSpec;

/// How long one call to Jira may take, token refresh included.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest error text kept from Jira's answer.
const MAX_MESSAGE: usize = 300;

/// Why a call to Jira's webhook API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JiraWebhookError {
    /// Jira answered with an error status (`retry_after`: its `Retry-After`, on a 429 or 503).
    #[error("Jira answered {status}: {message}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    /// The login cannot authenticate (revoked, expired refresh token): `runtime login` again.
    #[error("the site's 3LO login cannot authenticate; log in again (`runtime login`)")]
    LoginRejected,
    /// Jira registered none of the webhooks, saying why.
    #[error("Jira refused the webhook: {0}")]
    Refused(String),
    /// The call did not complete (timeout, connection refused, the host refused it).
    #[error("the call to Jira failed: {0}")]
    Call(String),
    /// Jira's answer is not the documented shape.
    #[error("Jira's answer is not what its API documents: {0}")]
    Answer(&'static str),
}

impl JiraWebhookError {
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The host's handle on one site's webhook API.
pub struct JiraWebhooks {
    client: Arc<JiraClient>,
}

impl JiraWebhooks {
    pub fn new(client: Arc<JiraClient>) -> Self {
        Self { client }
    }

    /// Registers `webhooks` to deliver to `url`; their ids, in order. If Jira refuses some
    /// but registers others, the registered ones are deleted again and the call fails: a
    /// half registration would be stored as a whole.
    pub async fn register(
        &self,
        url: &str,
        webhooks: &[WebhookSpec],
    ) -> Result<Vec<i64>, JiraWebhookError> {
        let body = json!({
            "url": url,
            "webhooks": webhooks.iter().map(|w| json!({
                "events": w.events,
                "jqlFilter": w.jql_filter,
            })).collect::<Vec<_>>(),
        });
        let response = self
            .call(Method::Post, "/rest/api/3/webhook", Some(body))
            .await?;
        #[derive(Deserialize)]
        struct Container {
            #[serde(rename = "webhookRegistrationResult")]
            results: Vec<Registered>,
        }
        #[derive(Deserialize)]
        struct Registered {
            #[serde(rename = "createdWebhookId")]
            created: Option<i64>,
            #[serde(default)]
            errors: Vec<String>,
        }
        let container: Container = serde_json::from_slice(&response.body)
            .map_err(|_| JiraWebhookError::Answer("webhookRegistrationResult"))?;
        if container.results.len() != webhooks.len() {
            return Err(JiraWebhookError::Answer(
                "one registration result per webhook",
            ));
        }
        let ids: Vec<i64> = container.results.iter().filter_map(|r| r.created).collect();
        if ids.len() == webhooks.len() {
            return Ok(ids);
        }
        let errors: Vec<String> = container
            .results
            .into_iter()
            .flat_map(|r| r.errors)
            .collect();
        if !ids.is_empty()
            && let Err(error) = self.delete(&ids).await
        {
            tracing::warn!(%error, ids = ?ids, "cannot delete a half registration's webhooks");
        }
        Err(JiraWebhookError::Refused(bounded(&errors.join("; "))))
    }

    /// Extends the webhooks' life; Jira's new expiry (Unix ms), when it says.
    pub async fn refresh(&self, ids: &[i64]) -> Result<Option<i64>, JiraWebhookError> {
        let response = self
            .call(
                Method::Put,
                "/rest/api/3/webhook/refresh",
                Some(json!({ "webhookIds": ids })),
            )
            .await?;
        #[derive(Deserialize)]
        struct Refreshed {
            #[serde(rename = "expirationDate")]
            expiration: Option<i64>,
        }
        Ok(serde_json::from_slice::<Refreshed>(&response.body)
            .ok()
            .and_then(|r| r.expiration))
    }

    /// Deletes the webhooks (ids Jira no longer knows are ignored, as it documents).
    pub async fn delete(&self, ids: &[i64]) -> Result<(), JiraWebhookError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.call(
            Method::Delete,
            "/rest/api/3/webhook",
            Some(json!({ "webhookIds": ids })),
        )
        .await
        .map(drop)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Response, JiraWebhookError> {
        let session = JiraSession::new(SessionConfig {
            client: self.client.clone(),
            // The host's own calls, not an app's: the scopes these routes need.
            scopes: Arc::new(DeclaredScopes::new([
                Scope::ManageJiraWebhook,
                Scope::ReadJiraWork,
            ])),
            audit: Arc::new(kiln_runtime::NoAudit),
            app_id: Arc::from("kiln-host"),
            invocation_id: String::from("webhook-registration"),
            deadline: tokio::time::Instant::now() + CALL_TIMEOUT,
            max_requests: 1,
            max_egress_requests: 0,
            door: Door::Host,
        });
        let request = Request {
            principal: Principal::User,
            method,
            path: path.to_owned(),
            query: Vec::new(),
            headers: vec![
                ("accept".to_owned(), "application/json".to_owned()),
                ("content-type".to_owned(), "application/json".to_owned()),
            ],
            body: body.map(|b| b.to_string().into_bytes()),
        };
        let response = session.request(request).await.map_err(call_error)?;
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        if response.status == 401 {
            return Err(JiraWebhookError::LoginRejected);
        }
        Err(JiraWebhookError::Status {
            status: response.status,
            retry_after: retry_after(&response),
            message: jira_message(&response.body),
        })
    }
}

fn call_error(error: RequestError) -> JiraWebhookError {
    match error {
        RequestError::NeedsAuthentication(_) => JiraWebhookError::LoginRejected,
        RequestError::Timeout => JiraWebhookError::Call("timed out".into()),
        RequestError::Transport(text)
        | RequestError::InvalidRequest(text)
        | RequestError::UnknownRoute(text)
        | RequestError::QuotaExceeded(text) => JiraWebhookError::Call(bounded(&text)),
        RequestError::ScopeDenied(denied) => {
            JiraWebhookError::Call(format!("scope denied for {}", bounded(&denied.route)))
        }
    }
}

/// `Retry-After`, read by the same parser as the invocations' rate-limit gate (seconds or
/// an HTTP date); the registration's backoff caps what it asks for.
fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
        .and_then(|(_, value)| parse_retry_after(value, SystemTime::now()))
}

/// Jira's `errorMessages` and `errors`, or nothing (never the raw body, which may be HTML).
fn jira_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct JiraErrors {
        #[serde(default, rename = "errorMessages")]
        messages: Vec<String>,
        #[serde(default)]
        errors: std::collections::BTreeMap<String, String>,
    }
    match serde_json::from_slice::<JiraErrors>(body) {
        Ok(e) => bounded(
            &e.messages
                .into_iter()
                .chain(e.errors.into_iter().map(|(k, v)| format!("{k}: {v}")))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Err(_) => String::new(),
    }
}

/// Jira's text as Kiln shows any text it does not control: cut to [`MAX_MESSAGE`] bytes,
/// then escaped, by the runtime's rules (`guest_text`). It is logged and listed.
fn bounded(text: &str) -> String {
    GuestText(&cap(text, MAX_MESSAGE)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_errors_are_bounded_and_clean() {
        assert_eq!(
            jira_message(br#"{"errorMessages":["a\nb"],"errors":{"url":"bad"}}"#),
            r"a\nb; url: bad"
        );
        assert_eq!(jira_message(b"<html>"), "");
        let long = bounded(&"é".repeat(1000));
        assert!(long.starts_with(&"é".repeat(MAX_MESSAGE / 2)));
        assert!(long.ends_with("bytes cut by Kiln]"));
        let response = Response {
            status: 429,
            headers: vec![("Retry-After".into(), " 7 ".into())],
            body: Vec::new(),
        };
        assert_eq!(retry_after(&response), Some(Duration::from_secs(7)));
    }
}
