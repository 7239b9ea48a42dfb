//! `GET /_edge/tenant_info`: the site's cloud id, as Jira Cloud answers it to
//! anyone (`{"cloudId": "…"}`, no credential). Clients that are given only a
//! site's URL learn its gateway path (`/ex/jira/{cloudId}`) and JSM Ops path
//! here: `runtime run --site URL` asks it when no `--cloud-id` is given, so the
//! simulator served by `runtime sim` is found as a real site is.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::shared::Shared;

/// Public, as on Jira Cloud: the cloud id is no secret (it is in every
/// gateway URL), and a client asks for it before it holds a token.
pub(crate) async fn get(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "cloudId": shared.cloud_id }))
}
