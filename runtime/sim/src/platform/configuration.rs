//! `GET /rest/api/3/configuration`: the site's global settings, which apps read
//! before they offer a feature (time tracking units, whether sub-tasks or voting
//! exist). Each answer is what the simulator models, not a constant copied from a
//! real site: every feature named here is served by its routes, and the working
//! time is the one its durations (`1d`, `1w`) are read with.
//!
//! The administrators' reads of the same time tracking settings, which timesheet
//! apps use to turn seconds into working days: `GET /configuration/timetracking`
//! (`getSelectedTimeTrackingImplementation`, the provider: Jira's own), `…/list`
//! (`getAvailableTimeTrackingImplementations`, Jira's alone: no app provides one) and
//! `…/options` (`getSharedTimeTrackingConfiguration`). They take *Administer Jira*,
//! `403` otherwise, as the spec says. Changing the settings or the provider is not
//! modelled: the durations the simulator reads are fixed.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::duration::{DAY, HOUR, WEEK};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// The site's time tracking settings (`TimeTrackingConfiguration`): Jira Cloud's
/// defaults, which the simulator's durations follow.
fn time_tracking() -> Value {
    json!({
        "workingHoursPerDay": (DAY / HOUR) as f64,
        "workingDaysPerWeek": (WEEK / DAY) as f64,
        "timeFormat": "pretty",
        "defaultUnit": "minute",
    })
}

/// Jira's own time tracking provider (`TimeTrackingProvider`), the selected one.
fn jira_provider() -> Value {
    json!({ "key": "JIRA", "name": "JIRA provided time tracking" })
}

/// *Administer Jira*, which the time tracking reads take.
fn require_site_admin(shared: &Shared, caller: &Caller) -> Result<(), JiraError> {
    if shared.world().is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::forbidden(
            "You do not have the permission to view the time tracking configuration: it takes Administer Jira.",
        ))
    }
}

/// `GET /configuration/timetracking`: the selected provider.
pub(crate) async fn time_tracking_provider(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    require_site_admin(&shared, &caller)?;
    Ok(Json(jira_provider()))
}

/// `GET /configuration/timetracking/list`: the providers to choose from.
pub(crate) async fn time_tracking_providers(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    require_site_admin(&shared, &caller)?;
    Ok(Json(json!([jira_provider()])))
}

/// `GET /configuration/timetracking/options`: the settings `/configuration` names.
pub(crate) async fn time_tracking_options(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    require_site_admin(&shared, &caller)?;
    Ok(Json(time_tracking()))
}

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
        "timeTrackingConfiguration": time_tracking(),
    }))
}
