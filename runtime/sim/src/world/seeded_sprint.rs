//! Sprints a seed gives a project's board (`SeedBoard::sprints`): made into the
//! same [`SprintRecord`]s the agile API makes, so nothing downstream knows
//! where a sprint came from.
//!
//! A seed may state what the API cannot make directly (a sprint already
//! active or closed, with past dates), so it is held to the rules the API
//! keeps while getting there: an active sprint has a start and an end date, a
//! closed one those and the date it was completed, only a closed one has that;
//! no sprint ends, or is completed, before it starts; an issue is in at most
//! one open (future or active) sprint. Several active sprints on one board are
//! allowed, as the agile API allows them (Jira's parallel sprints; the spec
//! states no rule against them). A sprint's issues must be issues of the
//! board's project. A mistake names the project, the sprint and what is wrong.

use time::OffsetDateTime;

use super::World;
use super::sprint::{
    MAX_SPRINT_GOAL_CHARS, MAX_SPRINT_NAME_CHARS, MAX_SPRINTS, SprintRecord, SprintState,
};
use crate::clock::parse_rfc3339;
use crate::error::SimError;
use crate::seed::{Seed, SeedSprint};

impl World {
    /// Adds every board's seeded sprints and puts their issues in them. Runs
    /// once the projects, their issues and boards exist.
    pub(super) fn add_seeded_sprints(&mut self, seed: &Seed) -> Result<(), SimError> {
        for project in &seed.projects {
            let Some(board) = project.board.as_ref() else {
                continue;
            };
            if board.sprints.is_empty() {
                continue;
            }
            let board_id = self
                .boards
                .iter()
                .find(|b| b.location.as_deref() == Some(project.key.as_str()))
                .map(|b| b.id)
                .ok_or_else(|| {
                    SimError::Seed(format!("project {}'s board: not found", project.key))
                })?;
            for (position, sprint) in board.sprints.iter().enumerate() {
                let context = |what: &str| {
                    SimError::Seed(format!(
                        "project {}'s board: sprint #{} ({:?}): {what}",
                        project.key,
                        position + 1,
                        sprint.name
                    ))
                };
                if self.sprints.len() >= MAX_SPRINTS {
                    return Err(context(&format!(
                        "the simulator keeps at most {MAX_SPRINTS} sprints"
                    )));
                }
                let record = self
                    .seeded_sprint(sprint, board_id)
                    .map_err(|e| context(&e))?;
                self.put_seeded_issues(&project.key, &record, &sprint.issues)
                    .map_err(|e| context(&e))?;
                self.sprints.push(record);
            }
        }
        Ok(())
    }

    /// The record of a seeded sprint on `board_id`, or what is wrong with it.
    fn seeded_sprint(&mut self, seed: &SeedSprint, board_id: u64) -> Result<SprintRecord, String> {
        let name = seed.name.trim();
        if name.is_empty() {
            return Err("the name is required".to_owned());
        }
        if name.chars().count() > MAX_SPRINT_NAME_CHARS {
            return Err(format!(
                "the name is longer than {MAX_SPRINT_NAME_CHARS} characters"
            ));
        }
        if seed
            .goal
            .as_ref()
            .is_some_and(|g| g.chars().count() > MAX_SPRINT_GOAL_CHARS)
        {
            return Err(format!(
                "the goal is longer than {MAX_SPRINT_GOAL_CHARS} characters"
            ));
        }
        let state = SprintState::named(&seed.state)
            .ok_or_else(|| format!("state {:?} is not future, active or closed", seed.state))?;
        let date = |what: &str, text: &Option<String>| -> Result<Option<OffsetDateTime>, String> {
            text.as_deref()
                .map(|t| parse_rfc3339(t).ok_or_else(|| format!("{what} {t:?} is not RFC 3339")))
                .transpose()
        };
        let start_date = date("startDate", &seed.start_date)?;
        let end_date = date("endDate", &seed.end_date)?;
        let complete_date = date("completeDate", &seed.complete_date)?;
        check_dates(state, start_date, end_date, complete_date)?;
        Ok(SprintRecord {
            id: self.take_sprint_id(),
            name: name.to_owned(),
            state,
            origin_board_id: board_id,
            start_date,
            end_date,
            complete_date,
            // A seed states no creation time; a dated sprint was made by its
            // start, an undated one is taken as made at its site's setup,
            // which the seed's fixed dates stand for: deterministic either way.
            created_date: start_date.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            goal: seed.goal.clone(),
            properties: Default::default(),
        })
    }

    /// Puts the issues `keys` names, each one of project `project_key`'s, in
    /// `sprint`.
    fn put_seeded_issues(
        &mut self,
        project_key: &str,
        sprint: &SprintRecord,
        keys: &[String],
    ) -> Result<(), String> {
        let mut indexes: Vec<usize> = Vec::with_capacity(keys.len());
        for key in keys {
            let index = self
                .issues
                .iter()
                .position(|i| i.key.eq_ignore_ascii_case(key))
                .ok_or_else(|| format!("issue {key} does not exist"))?;
            let issue = &self.issues[index];
            if issue.project_key != project_key {
                return Err(format!(
                    "issue {} is not on the board: it is in project {}",
                    issue.key, issue.project_key
                ));
            }
            if indexes.contains(&index) {
                return Err(format!("issue {} is named twice", issue.key));
            }
            if sprint.state.is_open()
                && let Some(other) = self.open_sprint_of(issue)
            {
                return Err(format!(
                    "issue {} is already in the open sprint {:?}; an issue is in at most one \
                     future or active sprint",
                    issue.key, other.name
                ));
            }
            indexes.push(index);
        }
        for index in indexes {
            self.issues[index].sprints.push(sprint.id);
        }
        Ok(())
    }
}

/// The API's date rules for a sprint in `state` (see the module documentation).
fn check_dates(
    state: SprintState,
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
    complete: Option<OffsetDateTime>,
) -> Result<(), String> {
    if state != SprintState::Future && (start.is_none() || end.is_none()) {
        return Err("an active or closed sprint needs a startDate and an endDate".to_owned());
    }
    match (state, complete) {
        (SprintState::Closed, None) => {
            return Err("a closed sprint needs its completeDate".to_owned());
        }
        (SprintState::Future | SprintState::Active, Some(_)) => {
            return Err(format!(
                "only a closed sprint has a completeDate, not a {} one",
                state.as_str()
            ));
        }
        _ => {}
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err("the endDate is before the startDate".to_owned());
    }
    if let (Some(start), Some(complete)) = (start, complete)
        && complete < start
    {
        return Err("the completeDate is before the startDate".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedBoard;

    fn sprint(name: &str, state: &str, issues: &[&str]) -> SeedSprint {
        SeedSprint {
            name: name.to_owned(),
            state: state.to_owned(),
            start_date: Some("2025-01-13T09:00:00Z".to_owned()),
            end_date: Some("2025-01-27T09:00:00Z".to_owned()),
            complete_date: (state == "closed").then(|| "2025-01-27T10:00:00Z".to_owned()),
            goal: None,
            issues: issues.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    /// The default site with `sprints` on the SEC board (board 2).
    fn seed_with(sprints: Vec<SeedSprint>) -> Seed {
        let mut seed = Seed::default();
        seed.projects[1].board = Some(SeedBoard {
            quick_filters: Vec::new(),
            sprints,
        });
        seed
    }

    #[test]
    fn seeded_sprints_are_the_worlds_sprints() {
        let world = World::from_seed(&seed_with(vec![
            sprint("Old", "closed", &["SEC-1", "SEC-2"]),
            sprint("Now", "active", &["SEC-1"]),
            SeedSprint {
                start_date: None,
                end_date: None,
                ..sprint("Next", "future", &["SEC-2"])
            },
        ]))
        .expect("a valid seed");
        let of_sec: Vec<&SprintRecord> = world
            .sprints
            .iter()
            .filter(|s| s.origin_board_id == 2)
            .collect();
        let names: Vec<(&str, SprintState)> =
            of_sec.iter().map(|s| (s.name.as_str(), s.state)).collect();
        assert_eq!(
            names,
            [
                ("Old", SprintState::Closed),
                ("Now", SprintState::Active),
                ("Next", SprintState::Future)
            ]
        );
        let sec1 = world
            .issues
            .iter()
            .find(|i| i.key == "SEC-1")
            .expect("SEC-1");
        assert_eq!(sec1.sprints, [of_sec[0].id, of_sec[1].id]);
        assert_eq!(
            world.open_sprint_of(sec1).map(|s| s.name.as_str()),
            Some("Now")
        );
        // Ids go on from the seeded ones.
        let last = world.sprints.iter().map(|s| s.id).max().expect("sprints");
        assert_eq!(world.next_sprint_id, last + 1);
    }

    #[test]
    fn a_bad_seeded_sprint_is_refused_naming_it() {
        type Spoil = fn(&mut SeedSprint);
        let cases: [(Spoil, &str); 12] = [
            (|s| s.name = "  ".to_owned(), "the name is required"),
            (|s| s.name = "n".repeat(256), "longer than 255"),
            (|s| s.goal = Some("g".repeat(4_001)), "goal is longer"),
            (
                |s| s.state = "started".to_owned(),
                "not future, active or closed",
            ),
            (|s| s.end_date = None, "needs a startDate and an endDate"),
            (
                |s| s.start_date = Some("monday".to_owned()),
                "is not RFC 3339",
            ),
            (
                |s| s.end_date = Some("2025-01-01T00:00:00Z".to_owned()),
                "endDate is before the startDate",
            ),
            (
                |s| s.complete_date = Some("2025-01-20T00:00:00Z".to_owned()),
                "only a closed sprint has a completeDate",
            ),
            (
                |s| s.issues = vec!["SEC-99".to_owned()],
                "issue SEC-99 does not exist",
            ),
            (
                |s| s.issues = vec!["KILN-1".to_owned()],
                "issue KILN-1 is not on the board",
            ),
            (
                |s| s.issues = vec!["SEC-1".to_owned(), "sec-1".to_owned()],
                "named twice",
            ),
            (
                |s| {
                    s.state = "closed".to_owned();
                    s.complete_date = None;
                },
                "needs its completeDate",
            ),
        ];
        for (spoil, expected) in cases {
            let mut entry = sprint("Bad", "active", &["SEC-1"]);
            spoil(&mut entry);
            let err = World::from_seed(&seed_with(vec![entry]))
                .expect_err(expected)
                .to_string();
            assert!(err.contains("project SEC's board: sprint #1"), "{err}");
            assert!(err.contains(expected), "{expected}: {err}");
        }
        // An issue in two open sprints.
        let err = World::from_seed(&seed_with(vec![
            sprint("One", "active", &["SEC-1"]),
            sprint("Two", "future", &["SEC-1"]),
        ]))
        .expect_err("two open sprints")
        .to_string();
        assert!(err.contains("sprint #2"), "{err}");
        assert!(err.contains("already in the open sprint \"One\""), "{err}");
    }

    #[test]
    fn parallel_active_sprints_are_allowed_as_the_api_allows_them() {
        let world = World::from_seed(&seed_with(vec![
            sprint("A", "active", &["SEC-1"]),
            sprint("B", "active", &["SEC-2"]),
        ]))
        .expect("parallel sprints");
        let active = world
            .sprints
            .iter()
            .filter(|s| s.origin_board_id == 2 && s.state == SprintState::Active)
            .count();
        assert_eq!(active, 2);
    }
}
