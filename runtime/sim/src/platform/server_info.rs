//! `GET /rest/api/3/serverInfo`: what client libraries ask first.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::clock::jira_timestamp;
use crate::shared::Shared;

/// The version Jira Cloud reports (its REST v3 is unversioned; clients only
/// check that the major version is recent enough).
const VERSION: [u64; 3] = [1001, 0, 0];

/// Authenticated like every site route (`Caller`), though the answer names no one.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, _caller: Caller) -> Json<Value> {
    let now = shared.world().now();
    Json(json!({
        "baseUrl": shared.base_url,
        "displayUrl": shared.base_url,
        "version": VERSION.map(|n| n.to_string()).join("."),
        "versionNumbers": VERSION,
        "deploymentType": "Cloud",
        "buildNumber": 100_000,
        "buildDate": jira_timestamp(now),
        "serverTime": jira_timestamp(now),
        "scmInfo": "kiln-sim",
        "serverTitle": "Kiln simulator",
        "serverTimeZone": "Etc/UTC",
    }))
}
