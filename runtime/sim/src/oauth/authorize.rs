//! The authorization endpoint and its consent step.
//!
//! `GET /authorize` validates the request and opens a consent: it answers JSON
//! describing what is asked (or an HTML form for a browser). `POST
//! /authorize/consent`, authenticated as the user with basic auth, approves or
//! denies it and redirects to the app's callback with `code` and `state`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form, Json};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::error::OAuthError;
use crate::access::site_unauthorized;
use crate::credentials::{Grant, Identity, Principal};
use crate::platform::html::escape;
use crate::shared::Shared;

/// The only audience Atlassian's authorization server issues Jira tokens for.
const AUDIENCE: &str = "api.atlassian.com";
/// A scope list longer than this is refused outright (hostile input).
const MAX_SCOPES: usize = 100;
/// Longest `state` accepted; it is echoed into a URL.
const MAX_STATE_CHARS: usize = 2048;

pub(crate) async fn show(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, OAuthError> {
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    if param("client_id") != shared.oauth_client.client_id {
        return Err(OAuthError::invalid_request("Unknown client_id"));
    }
    // Checked before any other error so a bad request is never redirected to an
    // unregistered URL (RFC 6749 §4.1.2.1).
    let redirect_uri = registered_redirect(&shared, param("redirect_uri"))?;
    if param("audience") != AUDIENCE {
        return Err(OAuthError::invalid_request(
            "audience must be api.atlassian.com",
        ));
    }
    if param("response_type") != "code" {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let state = param("state");
    if state.is_empty() || state.chars().count() > MAX_STATE_CHARS {
        return Err(OAuthError::invalid_request("state is required"));
    }
    let scopes: BTreeSet<String> = param("scope")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() || scopes.len() > MAX_SCOPES {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "scope is required",
        ));
    }
    let listed: Vec<String> = scopes.iter().cloned().collect();
    let consent_id =
        shared
            .oauth()
            .begin_consent(scopes, redirect_uri.to_string(), state.to_owned());
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        return Ok(Html(consent_page(&consent_id, &listed)).into_response());
    }
    Ok(Json(json!({
        "consent": {
            "consent_id": consent_id,
            "client_id": shared.oauth_client.client_id,
            "scopes": listed,
            "redirect_uri": redirect_uri.as_str(),
            "action": "/authorize/consent",
            "method": "POST",
            "fields": { "consent_id": consent_id, "decision": "approve | deny" },
        }
    }))
    .into_response())
}

/// The redirect URI, if the client registered it (or, with none registered, if it
/// is an `http` loopback URL).
fn registered_redirect(shared: &Shared, raw: &str) -> Result<Url, OAuthError> {
    let invalid = || OAuthError::invalid_request("redirect_uri is not registered for this client");
    let url = Url::parse(raw).map_err(|_| invalid())?;
    if url.fragment().is_some() {
        return Err(invalid());
    }
    let allowed = if shared.oauth_client.callback_urls.is_empty() {
        url.scheme() == "http"
            && matches!(
                url.host(),
                Some(url::Host::Domain("localhost"))
                    | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                    | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
            )
    } else {
        shared
            .oauth_client
            .callback_urls
            .iter()
            .any(|registered| registered == raw)
    };
    if allowed { Ok(url) } else { Err(invalid()) }
}

fn consent_page(consent_id: &str, scopes: &[String]) -> String {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    format!(
        "<!doctype html><html><head><title>Authorize app</title></head><body>\
         <h1>An app wants to access your Jira site</h1><ul>{items}</ul>\
         <form method=\"post\" action=\"/authorize/consent\">\
         <input type=\"hidden\" name=\"consent_id\" value=\"{id}\">\
         <button name=\"decision\" value=\"approve\">Accept</button>\
         <button name=\"decision\" value=\"deny\">Cancel</button></form></body></html>",
        id = escape(consent_id)
    )
}

#[derive(Deserialize)]
pub(crate) struct Decision {
    consent_id: String,
    decision: String,
}

pub(crate) async fn decide(
    State(shared): State<Arc<Shared>>,
    Extension(identity): Extension<Identity>,
    Form(decision): Form<Decision>,
) -> Result<Response, OAuthError> {
    // The consent is given by a signed-in user: here, basic auth with an API token.
    // A person's own token: an app's token of the user (`AppClients::user_token`)
    // is for its calls, as Forge's `asUser()` token signs no one in.
    let Identity::Verified(Principal {
        account_id,
        grant: Grant::ApiToken,
        for_app: None,
    }) = identity
    else {
        return Ok(site_unauthorized());
    };
    let mut oauth = shared.oauth();
    let consent = oauth
        .take_consent(&decision.consent_id)
        .ok_or_else(|| OAuthError::invalid_request("Unknown or expired consent"))?;
    let mut target = Url::parse(&consent.redirect_uri)
        .map_err(|_| OAuthError::invalid_request("redirect_uri is not a URL"))?;
    match decision.decision.as_str() {
        "approve" => {
            let code = oauth.issue_code(account_id, &consent);
            target
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &consent.state);
        }
        "deny" => {
            target
                .query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("error_description", "User did not authorize the request")
                .append_pair("state", &consent.state);
        }
        _ => {
            return Err(OAuthError::invalid_request(
                "decision must be approve or deny",
            ));
        }
    }
    drop(oauth);
    let location = HeaderValue::from_str(target.as_str())
        .map_err(|_| OAuthError::invalid_request("redirect_uri is not a valid header value"))?;
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}
