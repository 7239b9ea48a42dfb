//! `GET /rest/api/3/configuration`: the site's global settings, which apps read
//! before they offer a feature (time tracking units, whether sub-tasks or voting
//! exist). Each answer is what the simulator models, not a constant copied from a
//! real site: every feature named here is served by its routes, and the working
//! time is the one its durations (`1d`, `1w`) are read with.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::duration::{DAY, HOUR, WEEK};
use crate::access::Caller;
use crate::shared::Shared;

/// Authenticated like every site route; the spec asks `read:jira-user` of OAuth.
pub(crate) async fn get(State(_shared): State<Arc<Shared>>, _caller: Caller) -> Json<Value> {
    Json(json!({
        // Attachments, links, sub-tasks (a parent), votes and watchers each have their routes.
        "attachmentsEnabled": true,
        "issueLinkingEnabled": true,
        "subTasksEnabled": true,
        "votingEnabled": true,
        "watchingEnabled": true,
        // An issue may be created without an assignee.
        "unassignedIssuesAllowed": true,
        "timeTrackingEnabled": true,
        "timeTrackingConfiguration": {
            // Jira Cloud's defaults, which the simulator's durations follow.
            "workingHoursPerDay": (DAY / HOUR) as f64,
            "workingDaysPerWeek": (WEEK / DAY) as f64,
            "timeFormat": "pretty",
            "defaultUnit": "minute",
        },
    }))
}
