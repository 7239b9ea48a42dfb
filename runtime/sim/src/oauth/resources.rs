//! `GET /oauth/token/accessible-resources`: the sites a bearer token reaches.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::access::gateway_unauthorized;
use crate::credentials::{Grant, Identity, Principal};
use crate::shared::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(identity): Extension<Identity>,
) -> Response {
    let Identity::Verified(Principal {
        grant: Grant::OAuth { scopes, .. },
        ..
    }) = identity
    else {
        return gateway_unauthorized("Unauthorized");
    };
    Json(json!([{
        "id": shared.cloud_id,
        "url": shared.base_url,
        "name": "kiln-sim",
        "scopes": scopes,
        "avatarUrl": format!("{}/images/site-avatar.png", shared.base_url),
    }]))
    .into_response()
}
