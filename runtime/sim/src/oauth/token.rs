//! `POST /oauth/token`: the authorization-code and refresh-token grants of the 3LO
//! app, and the client-credentials grant of the app's own service account.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq as _;

use super::error::OAuthError;
use super::store::{GrantError, OFFLINE_ACCESS, TokenSet};
use crate::shared::Shared;

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
}

pub(crate) async fn grant(
    State(shared): State<Arc<Shared>>,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let request: TokenRequest = serde_json::from_slice(&body)
        .map_err(|_| OAuthError::invalid_request("Body must be a JSON object"))?;
    if request.grant_type.as_deref() == Some("client_credentials") {
        return client_credentials(&shared, &request).map(token_response);
    }
    authenticate_client(&shared, &request)?;
    let lifetime = shared.oauth_client.access_token_lifetime;
    let issued = match request.grant_type.as_deref() {
        Some("authorization_code") => {
            let code = request
                .code
                .as_deref()
                .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
            let redirect_uri = request
                .redirect_uri
                .as_deref()
                .ok_or_else(|| OAuthError::invalid_request("redirect_uri is required"))?;
            shared.oauth().exchange_code(code, redirect_uri, lifetime)
        }
        Some("refresh_token") => {
            let token = request
                .refresh_token
                .as_deref()
                .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
            shared.oauth().refresh(token, lifetime)
        }
        _ => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            ));
        }
    };
    issued.map(token_response).map_err(grant_error)
}

/// The client-credentials grant: the app's service account authenticates as
/// itself and gets an access token for its configured scopes, acting as its
/// account. No refresh token: renewing is asking again with the secret.
fn client_credentials(shared: &Shared, request: &TokenRequest) -> Result<TokenSet, OAuthError> {
    // The client id is public; the secret, compared in constant time, is what
    // authenticates. An unknown id fails as a wrong secret does.
    let (index, app) = request
        .client_id
        .as_deref()
        .and_then(|id| shared.app_clients.find(id))
        .ok_or_else(unauthorized)?;
    authenticate(request, &app.client_id, &app.client_secret)?;
    let account_id = shared.acting_account(index, &app).ok_or_else(|| {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "The service account has no user on this site: the simulator's app acts as \
                 admin@example.com or, when the seed has no such user, its first site admin; \
                 seed one",
        )
    })?;
    // Only a user's offline grant earns a refresh token; a client acting as
    // itself never holds one.
    let scopes = app
        .scopes
        .iter()
        .filter(|s| s.as_str() != OFFLINE_ACCESS)
        .cloned()
        .collect();
    Ok(shared
        .oauth()
        .issue_client_token(index, account_id, scopes, app.access_token_lifetime))
}

/// The 3LO app authenticates every code exchange and refresh.
fn authenticate_client(shared: &Shared, request: &TokenRequest) -> Result<(), OAuthError> {
    let expected = &shared.oauth_client;
    authenticate(request, &expected.client_id, &expected.client_secret)
}

/// Client credentials are compared in constant time: the secret is the one thing
/// standing between a stolen code (or a guessed client id) and a token.
fn authenticate(request: &TokenRequest, client_id: &str, secret: &str) -> Result<(), OAuthError> {
    let id_ok = request.client_id.as_deref() == Some(client_id);
    let secret_ok = request
        .client_secret
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(secret.as_bytes())));
    if id_ok && secret_ok {
        Ok(())
    } else {
        Err(unauthorized())
    }
}

/// What a client that did not authenticate is answered.
fn unauthorized() -> OAuthError {
    OAuthError::new(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized")
}

/// Atlassian answers 403 `invalid_grant` for a bad code or refresh token.
fn grant_error(error: GrantError) -> OAuthError {
    let description = match error {
        GrantError::UnknownCode => "Invalid authorization code",
        GrantError::RedirectMismatch => "redirect_uri does not match the authorization request",
        GrantError::UnknownRefreshToken => "Unknown or invalid refresh token.",
    };
    OAuthError::new(StatusCode::FORBIDDEN, "invalid_grant", description)
}

fn token_response(tokens: TokenSet) -> Response {
    let scope = tokens.scopes.iter().cloned().collect::<Vec<_>>().join(" ");
    let mut body = json!({
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in.as_secs(),
        "token_type": "Bearer",
        "scope": scope,
    });
    if let Some(refresh) = tokens.refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    let mut response = Json(body).into_response();
    // RFC 6749 §5.1: token responses must not be cached.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
