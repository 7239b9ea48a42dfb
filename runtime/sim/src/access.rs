//! Who may call which route: authentication per surface, the gateway's scope check,
//! and the [`Caller`] handlers act for.
//!
//! Three surfaces share the handlers:
//! - the site, `/rest/...`: HTTP basic with an API token only (a 3LO bearer token is
//!   not accepted on a site URL, as on Jira Cloud);
//! - the gateway, `/ex/jira/{cloudId}/rest/...`: bearer tokens only, each operation
//!   checked against the token's scopes;
//! - JSM Ops for API-token scripts, `/jsm/ops/api/{cloudId}/v1/...`: basic only;
//! - JSM Ops for OAuth 2.0 (3LO) apps, `/ex/jira/{cloudId}/jsm/ops/api/v1/...`:
//!   bearer only, scope-checked. Each Ops URL refuses the other's credential with
//!   the Ops 401, as Atlassian's docs give each authentication its own URL.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::credentials::{Grant, Identity, OAuthApp, Principal};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::{ops, scopes};

const GATEWAY_PREFIX: &str = "/ex/jira/{cloud_id}";

/// The authenticated user a handler acts for, and where its `self` links point.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) account_id: String,
    /// Base of `self` URLs: the site, or the gateway path the call came through.
    pub(crate) links: String,
    /// The OAuth app (its client id) calling through the gateway; `None` for an
    /// API token. Jira lets only apps manage dynamic webhooks, and keys them by app.
    pub(crate) app: Option<String>,
    /// The client id of the app integration that made this call, whichever
    /// credential it used: `app` for an OAuth token, the integration an
    /// app's own API token of the user was given to (`AppClients::user_token`),
    /// `None` for a person's own API token. Only webhooks say it
    /// (`webhooks::acting_app`): the caller is the same person either way.
    pub(crate) acting_app: Option<String>,
}

impl Caller {
    /// The calling app's client id, if the call is the app acting as itself
    /// (Forge's `asApp()`). A client-credentials integration of the site is
    /// such an app (one per app a host runs, [`crate::app_clients`]); its 3LO
    /// integration acts for a user (an impersonated request, `asUser()`), and
    /// an API token is a user.
    pub(crate) fn app_itself(&self, shared: &Shared) -> Option<&str> {
        self.app
            .as_deref()
            .filter(|app| shared.app_clients.contains(app))
    }
}

/// The client id of the app integration `principal` calls through: the site's
/// 3LO integration or a client-credentials one for an OAuth 2.0 token, the
/// integration an app's own API token of its person was given to
/// (`AppClients::user_token`); `None` for a person's own API token.
fn acting_app(shared: &Shared, principal: &Principal) -> Option<String> {
    match principal.grant {
        Grant::OAuth {
            app: OAuthApp::ThreeLegged,
            ..
        } => Some(shared.oauth_client.client_id.clone()),
        Grant::OAuth {
            app: OAuthApp::ClientCredentials(index),
            ..
        } => shared.app_clients.client_id(index),
        Grant::ApiToken => principal
            .for_app
            .and_then(|index| shared.app_clients.client_id(index)),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(site_unauthorized)
    }
}

/// Admits a request to a matched route or answers 401/404 for it.
pub(crate) async fn enforce(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let identity = req
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or(Identity::Anonymous);
    let path = req.uri().path().to_owned();

    let caller = if let Some(surface) = OpsSurface::of(&template) {
        match ops_caller(&shared, &surface, identity, req.method(), &path) {
            Ok(caller) => caller,
            Err(OpsRefusal::Unauthorized(message)) => {
                return ops::unauthorized(message, surface.challenge());
            }
            Err(OpsRefusal::OtherSite) => return ops::not_found_site(),
        }
    } else if let Some(operation) = template.strip_prefix(GATEWAY_PREFIX) {
        let Identity::Verified(
            principal @ Principal {
                grant: Grant::OAuth { .. },
                ..
            },
        ) = identity
        else {
            return gateway_unauthorized("Unauthorized");
        };
        if !cloud_id_matches(&path, 3, &shared.cloud_id) {
            return site_not_found();
        }
        if !scopes_allow(&principal, req.method(), operation) {
            return gateway_unauthorized("Unauthorized; scope does not match");
        }
        let app = acting_app(&shared, &principal);
        Caller {
            account_id: principal.account_id,
            links: format!("{}/ex/jira/{}", shared.base_url, shared.cloud_id),
            acting_app: app.clone(),
            app,
        }
    } else {
        match identity {
            Identity::Verified(
                principal @ Principal {
                    grant: Grant::ApiToken,
                    ..
                },
            ) => Caller {
                acting_app: acting_app(&shared, &principal),
                account_id: principal.account_id,
                links: shared.base_url.clone(),
                app: None,
            },
            _ => return site_unauthorized(),
        }
    };
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Which of the two Ops URLs a route template is under, and the operation's
/// template relative to it (`/v1/...`).
struct OpsSurface<'a> {
    oauth: bool,
    operation: &'a str,
}

impl<'a> OpsSurface<'a> {
    fn of(template: &'a str) -> Option<Self> {
        if let Some(operation) = template.strip_prefix(ops::OAUTH_PREFIX) {
            Some(Self {
                oauth: true,
                operation,
            })
        } else {
            template
                .strip_prefix(ops::API_TOKEN_PREFIX)
                .map(|operation| Self {
                    oauth: false,
                    operation,
                })
        }
    }

    /// The operation as the route → scope catalogue spells it: under the API-token
    /// URL, whichever URL it was called on.
    fn catalogue_template(&self) -> String {
        format!("{}{}", ops::API_TOKEN_PREFIX, self.operation)
    }

    /// The `WWW-Authenticate` challenge for this URL's credential kind.
    fn challenge(&self) -> &'static str {
        if self.oauth {
            BEARER_CHALLENGE
        } else {
            BASIC_CHALLENGE
        }
    }
}

/// A matched route template as the route → scope catalogue spells its operation:
/// without the gateway's prefix, and an Ops operation under the API-token URL.
pub(crate) fn catalogue_template(template: &str) -> Cow<'_, str> {
    if let Some(surface) = OpsSurface::of(template) {
        Cow::Owned(surface.catalogue_template())
    } else {
        Cow::Borrowed(template.strip_prefix(GATEWAY_PREFIX).unwrap_or(template))
    }
}

/// Whether a matched route template is one of the JSM Ops API's, which answer
/// errors in their own shape.
pub(crate) fn is_ops(template: &str) -> bool {
    OpsSurface::of(template).is_some()
}

/// Why an Ops call is refused before its operation runs.
enum OpsRefusal {
    /// The Ops 401, with this message.
    Unauthorized(&'static str),
    /// Another site's cloud id: the Ops 404.
    OtherSite,
}

/// Admits an Ops call: the surface's own credential kind (else the Ops 401),
/// this site's cloud id (else an Ops 404), and for OAuth the operation's scopes
/// (else the Ops 401). Unknown operations skip the scope check: they answer 404.
fn ops_caller(
    shared: &Shared,
    surface: &OpsSurface<'_>,
    identity: Identity,
    method: &axum::http::Method,
    path: &str,
) -> Result<Caller, OpsRefusal> {
    let principal = match identity {
        Identity::Verified(p) if matches!(p.grant, Grant::OAuth { .. }) == surface.oauth => p,
        Identity::Verified(_) if surface.oauth => {
            return Err(OpsRefusal::Unauthorized(
                "OAuth 2.0 apps call the Ops API here with a bearer token; API tokens use https://api.atlassian.com/jsm/ops/api/{cloudId}/v1.",
            ));
        }
        Identity::Verified(_) => {
            return Err(OpsRefusal::Unauthorized(
                "API-token scripts call the Ops API here with basic auth; OAuth 2.0 apps use https://api.atlassian.com/ex/jira/{cloudId}/jsm/ops/api/v1.",
            ));
        }
        _ => return Err(OpsRefusal::Unauthorized("Unauthorized")),
    };
    let cloud_id_at = if surface.oauth { 3 } else { 4 };
    if !cloud_id_matches(path, cloud_id_at, &shared.cloud_id) {
        return Err(OpsRefusal::OtherSite);
    }
    let known = surface.operation != ops::UNKNOWN_ROUTE;
    let scope_template = surface.catalogue_template();
    if known && !scopes_allow(&principal, method, &scope_template) {
        return Err(OpsRefusal::Unauthorized(
            "Unauthorized; scope does not match",
        ));
    }
    Ok(Caller {
        acting_app: acting_app(shared, &principal),
        account_id: principal.account_id,
        links: shared.base_url.clone(),
        app: None,
    })
}

/// API tokens carry the user's whole authority; OAuth tokens only their scopes.
fn scopes_allow(principal: &Principal, method: &axum::http::Method, operation: &str) -> bool {
    match &principal.grant {
        Grant::ApiToken => true,
        Grant::OAuth {
            scopes: granted, ..
        } => {
            scopes::required(method, operation).is_some_and(|alts| scopes::satisfied(alts, granted))
        }
    }
}

/// The `WWW-Authenticate` challenge of the site and the Ops API-token URL
/// (basic auth with an API token).
pub(crate) const BASIC_CHALLENGE: &str = "Basic realm=\"protected-area\"";
/// The challenge of the OAuth gateway (a bearer token).
const BEARER_CHALLENGE: &str = "Bearer realm=\"api.atlassian.com\"";

/// Whether path segment `index` (after the leading `/`) is this site's cloud id.
fn cloud_id_matches(path: &str, index: usize, cloud_id: &str) -> bool {
    path.split('/').nth(index) == Some(cloud_id)
}

/// Jira's 401 for a missing or wrong credential on the site.
pub(crate) fn site_unauthorized() -> Response {
    let mut response = JiraError::new(
        StatusCode::UNAUTHORIZED,
        "You are not authenticated. Authentication required to perform this operation.",
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(BASIC_CHALLENGE),
    );
    response
}

/// The gateway's 401: the same `{"code": 401, "message"}` body as the Ops
/// API's, with the bearer challenge.
pub(crate) fn gateway_unauthorized(message: &'static str) -> Response {
    ops::unauthorized(message, BEARER_CHALLENGE)
}

fn site_not_found() -> Response {
    JiraError::not_found("Site not found").into_response()
}
