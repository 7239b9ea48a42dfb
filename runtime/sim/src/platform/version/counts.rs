//! How many issues a version has: `getVersionRelatedIssues`
//! (`relatedIssueCounts`) and `getVersionUnresolvedIssues`
//! (`unresolvedIssueCount`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::shape::self_link;
use super::{VersionPath, visible_version};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::version::VersionField;

/// How many issues have version `id` in `field`.
fn count(world: &World, field: VersionField, id: u64) -> usize {
    world
        .issues
        .iter()
        .filter(|issue| field.of(issue).contains(&id))
        .count()
}

/// `getVersionRelatedIssues`: a `VersionIssueCounts`. The site has no version
/// picker custom fields, so none shows the version.
pub(crate) async fn related(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<VersionPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let version = &world.versions[visible_version(&world, &caller, &path.id)?];
    Ok(Json(json!({
        "self": self_link(&caller.links, version),
        "issuesFixedCount": count(&world, VersionField::Fix, version.id),
        "issuesAffectedCount": count(&world, VersionField::Affects, version.id),
        "issueCountWithCustomFieldsShowingVersion": 0,
        "customFieldUsage": [],
    })))
}

/// `getVersionUnresolvedIssues`: a `VersionUnresolvedIssuesCount` of the issues
/// with the version as a fix version, and of those the ones without a
/// resolution.
pub(crate) async fn unresolved(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<VersionPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let version = &world.versions[visible_version(&world, &caller, &path.id)?];
    let fixed = count(&world, VersionField::Fix, version.id);
    let unresolved = world
        .issues
        .iter()
        .filter(|issue| {
            issue.resolution.is_none() && VersionField::Fix.of(issue).contains(&version.id)
        })
        .count();
    Ok(Json(json!({
        "self": self_link(&caller.links, version),
        "issuesCount": fixed,
        "issuesUnresolvedCount": unresolved,
    })))
}
