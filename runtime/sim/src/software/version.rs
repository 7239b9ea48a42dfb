//! A board's versions (`getAllVersions`, `GET /board/{boardId}/version`): the
//! versions of the board's projects, from the platform's versions
//! (`world/version.rs`).
//!
//! As the spec says: only versions the caller may see (those of projects they
//! may browse), none at all for a board they may not view (its 404), ordered by
//! the name of their project and then by the project's own order of versions
//! (Jira's `sequence`, the simulator's creation order). The board's projects
//! are those `getProjects` lists (`board::project_keys`). `released=true` or
//! `false` keeps the released or unreleased ones; another value is the spec's
//! 400. Archived versions are listed, with `archived: true`, as Jira lists
//! them.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::board::project_keys;
use super::shape::{self, agile_timestamp};
use super::{BoardPath, visible_board};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::platform::page::Window;
use crate::platform::version::shape::common;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::version::VersionRecord;

/// The page's default size and cap: the spec's default, and Jira Software's
/// cap on its lists (as the board's other lists).
const PAGE: usize = 50;
const CAP: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionsQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    released: Option<String>,
}

/// The `released` filter: `None` keeps every version.
fn released_filter(released: Option<&str>) -> Result<Option<bool>, JiraError> {
    match released.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(JiraError::field(
            "released",
            "The released parameter must be true or false.",
        )),
    }
}

/// `getAllVersions`.
pub(crate) async fn of_board(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraQuery(query): JiraQuery<VersionsQuery>,
) -> Result<Json<Value>, JiraError> {
    let released = released_filter(query.released.as_deref())?;
    let world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    let mut projects: Vec<_> = project_keys(&world, &caller, board)?
        .into_iter()
        .filter_map(|key| world.project(key))
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .collect();
    projects.sort_by_key(|p| p.name.to_lowercase());
    let found: Vec<&VersionRecord> = projects
        .iter()
        .flat_map(|p| world.versions_of(&p.key))
        .filter(|v| released.is_none_or(|released| v.released == released))
        .collect();
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    let values = window
        .of(&found)
        .map(|v| version(&caller.links, &world, v))
        .collect();
    Ok(Json(shape::page(window, found.len(), values)))
}

/// A version as the agile API answers it, as the spec's example shows one:
/// the platform's fields (`platform::version::shape::common`: `name`,
/// `description` when set, `archived`, `released`, `projectId`), with the
/// agile API's own `self`, `id` as a number, and `releaseDate` (when set) as
/// an agile timestamp, the start of the release day in UTC.
fn version(links: &str, world: &World, version: &VersionRecord) -> Value {
    let mut value = common(links, world, version);
    value.insert(
        "self".into(),
        json!(format!("{links}/rest/agile/1.0/version/{}", version.id)),
    );
    value.insert("id".into(), json!(version.id));
    if let Some(date) = version.release_date {
        value.insert(
            "releaseDate".into(),
            json!(agile_timestamp(date.midnight().assume_utc())),
        );
    }
    Value::Object(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_is_true_false_or_absent() {
        assert_eq!(released_filter(None).ok(), Some(None));
        assert_eq!(released_filter(Some("")).ok(), Some(None));
        assert_eq!(released_filter(Some("TRUE")).ok(), Some(Some(true)));
        assert_eq!(released_filter(Some("false")).ok(), Some(Some(false)));
        assert!(released_filter(Some("yes")).is_err());
    }
}
