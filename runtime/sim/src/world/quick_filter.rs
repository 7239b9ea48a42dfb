//! A board's quick filters (`/rest/agile/1.0/board/{id}/quickfilter`): named
//! JQL clauses a board's users toggle to narrow what it shows.
//!
//! Jira's REST API has no way to create, change or delete one: they are made in
//! the board's configuration screen. So in the simulator they are board data
//! from the seed (a project's `board.quickFilters`), checked at load, and read
//! through the agile API only (`software/quick_filter.rs`). Ids are numbered
//! per site from 1 in seed order, as Jira numbers them; a filter's position is
//! its place in its board's list, from 0.

use crate::error::SimError;
use crate::jql;
use crate::seed::{Seed, SeedQuickFilter};

use super::World;

/// Jira numbers quick filters per site from 1.
const FIRST_QUICK_FILTER_ID: u64 = 1;

/// Quick filters one board keeps. Jira documents no limit; the simulator needs
/// one so a seed cannot make a board's list (read whole on every request)
/// unbounded. Far more than a board's toolbar shows.
pub(crate) const MAX_QUICK_FILTERS_PER_BOARD: usize = 100;

/// Characters of a quick filter's name, as of a board's (`board.rs`): the
/// board configuration screen's field, which bounds what a name costs to keep.
pub(crate) const MAX_QUICK_FILTER_NAME_CHARS: usize = 255;

/// Characters of a quick filter's description: the simulator's bound on what a
/// seed may store, the limit Jira puts on other descriptions (a sprint goal's).
pub(crate) const MAX_QUICK_FILTER_DESCRIPTION_CHARS: usize = 4_000;

/// One quick filter of a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuickFilterRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    /// The JQL clause it adds to the board's query; it parses (checked at load).
    pub(crate) jql: String,
    /// Empty when the seed gives none.
    pub(crate) description: String,
    /// Its place in the board's list, from 0.
    pub(crate) position: u32,
}

impl World {
    /// Puts each seeded project's quick filters on the project's board, checking
    /// each: a name, a JQL clause the simulator's JQL parser reads, and the
    /// bounds above. Runs once the project boards exist.
    pub(super) fn add_seeded_quick_filters(&mut self, seed: &Seed) -> Result<(), SimError> {
        let mut next_id = FIRST_QUICK_FILTER_ID;
        for project in &seed.projects {
            let Some(board) = project.board.as_ref() else {
                continue;
            };
            let context = |what: &str| format!("project {}'s board: {what}", project.key);
            if board.quick_filters.len() > MAX_QUICK_FILTERS_PER_BOARD {
                return Err(SimError::Seed(context(&format!(
                    "{} quick filters; a board keeps at most {MAX_QUICK_FILTERS_PER_BOARD}",
                    board.quick_filters.len()
                ))));
            }
            let mut records = Vec::with_capacity(board.quick_filters.len());
            for (position, filter) in board.quick_filters.iter().enumerate() {
                let checked = checked(filter, next_id, position)
                    .map_err(|e| SimError::Seed(context(&format!("quick filter {e}"))))?;
                next_id += 1;
                records.push(checked);
            }
            let record = self
                .boards
                .iter_mut()
                .find(|b| b.location.as_deref() == Some(project.key.as_str()))
                .ok_or_else(|| SimError::Seed(context("the project has no board")))?;
            record.quick_filters = records;
        }
        Ok(())
    }
}

/// The record of a seeded quick filter, or what is wrong with it (prefixed by
/// its name).
fn checked(
    filter: &SeedQuickFilter,
    id: u64,
    position: usize,
) -> Result<QuickFilterRecord, String> {
    let name = filter.name.trim();
    if name.is_empty() {
        return Err(format!("#{}: the name is required", position + 1));
    }
    if name.chars().count() > MAX_QUICK_FILTER_NAME_CHARS {
        return Err(format!(
            "{name:?}: the name is longer than {MAX_QUICK_FILTER_NAME_CHARS} characters"
        ));
    }
    let jql_text = filter.jql.trim();
    if jql_text.is_empty() {
        return Err(format!("{name:?}: the JQL is required"));
    }
    jql::structure(jql_text).map_err(|e| format!("{name:?}: invalid JQL: {}", e.0))?;
    let description = filter.description.as_deref().unwrap_or_default().trim();
    if description.chars().count() > MAX_QUICK_FILTER_DESCRIPTION_CHARS {
        return Err(format!(
            "{name:?}: the description is longer than {MAX_QUICK_FILTER_DESCRIPTION_CHARS} \
             characters"
        ));
    }
    let position = u32::try_from(position).map_err(|_| format!("{name:?}: too many filters"))?;
    Ok(QuickFilterRecord {
        id,
        name: name.to_owned(),
        jql: jql_text.to_owned(),
        description: description.to_owned(),
        position,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedBoard;

    fn filter(name: &str, jql: &str) -> SeedQuickFilter {
        SeedQuickFilter {
            name: name.to_owned(),
            jql: jql.to_owned(),
            description: None,
        }
    }

    fn seed_with(filters: Vec<SeedQuickFilter>) -> Seed {
        let mut seed = Seed::default();
        seed.projects[1].board = Some(SeedBoard {
            quick_filters: filters,
            sprints: Vec::new(),
        });
        seed
    }

    #[test]
    fn seeded_filters_go_on_their_projects_board_numbered_on_from_the_last() {
        let seed = seed_with(vec![
            filter(" Mine ", "assignee = currentUser()"),
            filter("Incidents", "labels = incident"),
        ]);
        let world = World::from_seed(&seed).expect("a valid seed");
        let kiln = world.boards.first().map(|b| b.quick_filters.len());
        let sec = &world.boards[1].quick_filters;
        assert_eq!(sec[0].name, "Mine");
        assert_eq!(sec[1].position, 1);
        // After the default seed's own filters on the KILN board.
        let first = u64::try_from(kiln.unwrap_or_default()).unwrap_or_default() + 1;
        assert_eq!(sec[0].id, first);
        assert_eq!(sec[1].id, first + 1);
    }

    #[test]
    fn a_bad_filter_is_refused_naming_it() {
        for (bad, expected) in [
            (filter("Broken", "project = "), "\"Broken\": invalid JQL"),
            (filter("Empty", "  "), "\"Empty\": the JQL is required"),
            (filter(" ", "labels = x"), "#1: the name is required"),
            (filter(&"n".repeat(256), "labels = x"), "longer than 255"),
        ] {
            let err = World::from_seed(&seed_with(vec![bad]))
                .expect_err("refused")
                .to_string();
            assert!(err.contains("project SEC's board"), "{err}");
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn a_board_keeps_a_bounded_number() {
        let many = (0..=MAX_QUICK_FILTERS_PER_BOARD)
            .map(|n| filter(&format!("F{n}"), "labels = x"))
            .collect();
        let err = World::from_seed(&seed_with(many))
            .expect_err("too many")
            .to_string();
        assert!(err.contains("at most 100"), "{err}");
    }
}
