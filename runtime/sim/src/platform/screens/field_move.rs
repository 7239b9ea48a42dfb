//! `moveScreenTabField` (`POST
//! /screens/{screenId}/tabs/{tabId}/fields/{id}/move`): a field's place on its
//! tab, by `MoveFieldBean`.
//!
//! `after` names the field to follow; the spec types it as a URI, as Jira's
//! older move beans take the moved-after item's `self`, so its last path
//! segment is the field id and a bare id reads the same. When `after` is
//! given `position` is ignored, as the spec says. `Earlier` on the first
//! field and `Later` on the last leave the tab as it is.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::tabs::TabFieldPath;
use super::{TabPath, administer, tab_index};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// `MoveFieldBean.position`.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    Earlier,
    Later,
    First,
    Last,
}

/// `MoveFieldBean`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveField {
    after: Option<String>,
    position: Option<Position>,
}

/// Where the field goes, resolved against the tab.
#[derive(Debug, PartialEq, Eq)]
enum Target<'a> {
    /// Right after this field.
    After(&'a str),
    At(Position),
}

impl MoveField {
    /// The move asked for: `after` wins over `position`; neither is Jira's
    /// `400`.
    fn target(&self) -> Result<Target<'_>, JiraError> {
        if let Some(after) = self.after.as_deref() {
            let id = after
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(after);
            return Ok(Target::After(id));
        }
        self.position
            .map(Target::At)
            .ok_or_else(|| JiraError::bad_request("Either 'after' or 'position' must be provided."))
    }
}

/// The fields of a tab with the one at `from` moved to `target`, or `None`
/// when `target` names a field not on the tab.
fn moved(fields: &[String], from: usize, target: &Target<'_>) -> Option<Vec<String>> {
    let mut rest = fields.to_vec();
    let field = rest.remove(from);
    let to = match target {
        Target::After(after) if *after == field => from,
        Target::After(after) => rest.iter().position(|f| f == after)? + 1,
        Target::At(Position::First) => 0,
        Target::At(Position::Last) => rest.len(),
        Target::At(Position::Earlier) => from.saturating_sub(1),
        Target::At(Position::Later) => (from + 1).min(rest.len()),
    };
    rest.insert(to, field);
    Some(rest)
}

/// `POST …/fields/{id}/move`: `204`. A field not on the tab, or an `after`
/// naming one, is the spec's `404`.
pub(crate) async fn move_field(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TabFieldPath>,
    JiraJson(input): JiraJson<MoveField>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let target = input.target()?;
    let tab_path = TabPath {
        screen_id: path.screen_id,
        tab_id: path.tab_id,
    };
    let (screen, tab) = tab_index(&world, &tab_path)?;
    let fields = &mut world.screens[screen].tabs[tab].fields;
    let not_on_tab = |id: &str| {
        JiraError::not_found(format!(
            "The field with id '{id}' is not on the screen tab."
        ))
    };
    let from = fields
        .iter()
        .position(|f| *f == path.id)
        .ok_or_else(|| not_on_tab(&path.id))?;
    *fields = moved(fields, from, &target).ok_or_else(|| match &target {
        Target::After(after) => not_on_tab(after),
        Target::At(_) => not_on_tab(&path.id),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tab() -> Vec<String> {
        ["a", "b", "c", "d"].map(str::to_owned).to_vec()
    }

    fn order(fields: Option<Vec<String>>) -> String {
        fields.unwrap_or_default().concat()
    }

    #[test]
    fn each_position_moves_as_named() {
        use Position::*;
        assert_eq!(order(moved(&tab(), 2, &Target::At(First))), "cabd");
        assert_eq!(order(moved(&tab(), 1, &Target::At(Last))), "acdb");
        assert_eq!(order(moved(&tab(), 2, &Target::At(Earlier))), "acbd");
        assert_eq!(order(moved(&tab(), 1, &Target::At(Later))), "acbd");
        // At the ends, Earlier and Later leave the tab as it is.
        assert_eq!(order(moved(&tab(), 0, &Target::At(Earlier))), "abcd");
        assert_eq!(order(moved(&tab(), 3, &Target::At(Later))), "abcd");
    }

    #[test]
    fn after_follows_the_named_field_or_finds_none() {
        assert_eq!(order(moved(&tab(), 0, &Target::After("c"))), "bcad");
        assert_eq!(order(moved(&tab(), 3, &Target::After("a"))), "adbc");
        assert_eq!(order(moved(&tab(), 1, &Target::After("b"))), "abcd");
        assert_eq!(moved(&tab(), 1, &Target::After("zz")), None);
    }

    #[test]
    fn after_reads_a_uri_or_a_bare_id_and_wins_over_position() {
        let bean = MoveField {
            after: Some("https://x.atlassian.net/rest/api/3/field/summary/".into()),
            position: Some(Position::First),
        };
        assert_eq!(bean.target().ok(), Some(Target::After("summary")));
        let bare = MoveField {
            after: Some("customfield_10000".into()),
            position: None,
        };
        assert_eq!(bare.target().ok(), Some(Target::After("customfield_10000")));
        let neither = MoveField {
            after: None,
            position: None,
        };
        assert!(neither.target().is_err());
    }
}
