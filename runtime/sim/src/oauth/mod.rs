//! Atlassian's OAuth 2.0 (3LO) authorization server: `/authorize` with a consent
//! step, `/oauth/token` (authorization code and rotating refresh tokens) and
//! `/oauth/token/accessible-resources`.

mod authorize;
mod error;
mod resources;
mod store;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

pub(crate) use store::OAuthStore;

use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/authorize", get(authorize::show))
        .route("/authorize/consent", post(authorize::decide))
        .route("/oauth/token", post(token::grant))
        .route("/oauth/token/accessible-resources", get(resources::list))
}
