//! One call to the token endpoint and its answer (RFC 6749 §5).

use std::time::Duration;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::http::describe;

/// Largest token response read; a hostile or broken server must not make the
/// host buffer without bound.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// Longest OAuth error code echoed in an error message; anything else the
/// server says is dropped, since it could quote what was sent to it.
const MAX_ERROR_CODE: usize = 40;

/// What the client sends: a code exchange or a refresh, always with the
/// client's own id and secret (Atlassian takes them in the JSON body).
#[derive(Serialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub(crate) enum Grant<'a> {
    AuthorizationCode {
        client_id: &'a str,
        client_secret: &'a str,
        code: &'a str,
        redirect_uri: &'a str,
    },
    RefreshToken {
        client_id: &'a str,
        client_secret: &'a str,
        refresh_token: &'a str,
    },
    /// The app acting as itself (a service account): no user, no code.
    ClientCredentials {
        client_id: &'a str,
        client_secret: &'a str,
    },
}

/// Tokens from a successful grant.
pub(crate) struct IssuedTokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_in: Duration,
    pub scope: String,
}

#[derive(Deserialize)]
struct RawTokens {
    access_token: SecretString,
    refresh_token: Option<SecretString>,
    expires_in: u64,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct RawError {
    error: Option<String>,
}

/// Why the token endpoint gave no tokens. Never quotes a token, a code or the
/// client secret, nor the server's free text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenEndpointError {
    #[error("the authorization server refused the request (HTTP {status}, {code})")]
    Refused { status: u16, code: String },
    #[error("cannot reach the authorization server: {0}")]
    Transport(String),
    #[error("the authorization server's answer is not a bearer token response")]
    Malformed,
}

impl TokenEndpointError {
    /// Whether the grant itself is dead (a rotated-away refresh token, a used
    /// code): only a new login helps.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, TokenEndpointError::Refused { code, .. } if code == "invalid_grant")
    }
}

/// Posts `grant` to `token_url` and reads the tokens.
pub(crate) async fn request_tokens(
    http: &reqwest::Client,
    token_url: &Url,
    grant: &Grant<'_>,
) -> Result<IssuedTokens, TokenEndpointError> {
    let mut response = http
        .post(token_url.clone())
        .json(grant)
        .send()
        .await
        .map_err(|e| TokenEndpointError::Transport(describe(e)))?;
    let status = response.status();
    let mut body = zeroize::Zeroizing::new(Vec::new());
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TokenEndpointError::Transport(describe(e)))?
    {
        if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
            return Err(TokenEndpointError::Malformed);
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        let code = serde_json::from_slice::<RawError>(&body)
            .ok()
            .and_then(|e| e.error)
            .filter(|code| {
                code.len() <= MAX_ERROR_CODE
                    && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
            .unwrap_or_else(|| "no OAuth error code".to_owned());
        return Err(TokenEndpointError::Refused {
            status: status.as_u16(),
            code,
        });
    }
    let raw: RawTokens =
        serde_json::from_slice(&body).map_err(|_| TokenEndpointError::Malformed)?;
    let bearer = raw
        .token_type
        .as_deref()
        .is_none_or(|t| t.eq_ignore_ascii_case("bearer"));
    if !bearer || raw.access_token.expose_secret().is_empty() {
        return Err(TokenEndpointError::Malformed);
    }
    Ok(IssuedTokens {
        access_token: raw.access_token,
        refresh_token: raw.refresh_token.filter(|t| !t.expose_secret().is_empty()),
        expires_in: Duration::from_secs(raw.expires_in),
        scope: raw.scope,
    })
}

/// `Bearer <token>` for an issued access token, marked sensitive so HTTP
/// layers do not print it; `None` if the token cannot be a header value (a
/// hostile server's control bytes), which each caller reports as malformed.
pub(crate) fn bearer_header(token: &SecretString) -> Option<HeaderValue> {
    let text = zeroize::Zeroizing::new(format!("Bearer {}", token.expose_secret()));
    crate::credentials::sensitive_header(&text)
}

/// A token endpoint on loopback for the grant tests: `answer` gets the call
/// counter (it counts as its grant needs) and each JSON request body.
#[cfg(test)]
pub(crate) async fn serve_test_endpoint<F>(
    answer: F,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>)
where
    F: Fn(
            &std::sync::atomic::AtomicUsize,
            serde_json::Value,
        ) -> (http::StatusCode, serde_json::Value)
        + Clone
        + Send
        + Sync
        + 'static,
{
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use axum::Json;
    use axum::extract::State;

    let calls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/oauth/token",
            axum::routing::post(
                move |State(calls): State<Arc<AtomicUsize>>,
                      Json(body): Json<serde_json::Value>| {
                    let answer = answer.clone();
                    async move {
                        let (status, reply) = answer(&calls, body);
                        (status, Json(reply))
                    }
                },
            ),
        )
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, calls)
}

/// Runs `tasks` bearer lookups at once, each as its own task, and checks that
/// each got the header `expected`, marked sensitive.
#[cfg(test)]
pub(crate) async fn assert_concurrent_bearers<F, Fut>(tasks: usize, lookup: F, expected: &str)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = HeaderValue> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(lookup())).collect();
    for handle in handles {
        let header = handle.await.unwrap();
        assert_eq!(header.to_str().unwrap(), expected);
        assert!(header.is_sensitive());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_serialize_as_atlassian_expects() {
        let grant = Grant::RefreshToken {
            client_id: "id",
            client_secret: "secret",
            refresh_token: "rt",
        };
        let json = serde_json::to_value(&grant).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"grant_type": "refresh_token", "client_id": "id", "client_secret": "secret", "refresh_token": "rt"})
        );
        let code = serde_json::to_value(Grant::AuthorizationCode {
            client_id: "id",
            client_secret: "s",
            code: "c",
            redirect_uri: "http://127.0.0.1:1/callback",
        })
        .unwrap();
        assert_eq!(code["grant_type"], "authorization_code");
        let app = serde_json::to_value(Grant::ClientCredentials {
            client_id: "id",
            client_secret: "s",
        })
        .unwrap();
        assert_eq!(
            app,
            serde_json::json!({"grant_type": "client_credentials", "client_id": "id", "client_secret": "s"})
        );
        assert_eq!(code["redirect_uri"], "http://127.0.0.1:1/callback");
    }

    #[test]
    fn invalid_grant_is_recognised() {
        let dead = TokenEndpointError::Refused {
            status: 403,
            code: "invalid_grant".into(),
        };
        assert!(dead.is_invalid_grant());
        assert!(!TokenEndpointError::Malformed.is_invalid_grant());
    }
}
