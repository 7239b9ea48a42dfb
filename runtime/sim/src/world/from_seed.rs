//! Building the initial [`World`] from a [`Seed`], checking every reference.

use std::collections::{BTreeMap, BTreeSet};

use super::component::AssigneeType;
use super::custom_field::{
    CustomValue, FIRST_CUSTOM_FIELD_ID, FIRST_OPTION_ID, Kind, TYPE_PREFIX, number_of,
};
use super::project::{AccountType, ComponentRecord};
use super::workflow::{INITIAL_STATUS, issue_type_named, status_named};
use super::{
    CommentRecord, IssueRecord, OverrideRecord, Participant, ProjectRecord, RotationKind,
    RotationRecord, ScheduleRecord, TeamRecord, UserRecord, World,
};
use crate::adf;
use crate::clock::SimClock;
use crate::clock::parse_rfc3339;
use crate::error::SimError;
use crate::platform::custom_field;
use crate::platform::due_date;
use crate::seed::{Seed, SeedCustomField, SeedIssue, SeedOverride, SeedProject, SeedRotation};
use crate::webhooks::registry::Registry;

/// Jira numbers issues site-wide from 10000 up; the first seeded issue gets 10001.
const FIRST_ISSUE_ID: u64 = 10_001;
const FIRST_COMMENT_ID: u64 = 10_000;
/// Attachment ids start where Jira's do.
const FIRST_ATTACHMENT_ID: u64 = 10_000;
/// Jira numbers changelog entries per site, from 10000 like its other ids.
const FIRST_CHANGELOG_ID: u64 = 10_000;
/// Remote issue link ids start where Jira's do.
const FIRST_REMOTE_LINK_ID: u64 = 10_000;
/// Issue link ids start where Jira's do.
const FIRST_ISSUE_LINK_ID: u64 = 10_000;
/// Component ids start where Jira's do.
const FIRST_COMPONENT_ID: u64 = 10_000;

impl World {
    pub(crate) fn from_seed(seed: &Seed) -> Result<Self, SimError> {
        let mut world = World {
            users: Vec::new(),
            projects: Vec::new(),
            issues: Vec::new(),
            next_issue_id: FIRST_ISSUE_ID,
            next_comment_id: FIRST_COMMENT_ID,
            deleted_worklogs: Default::default(),
            next_attachment_id: FIRST_ATTACHMENT_ID,
            teams: Vec::new(),
            schedules: Vec::new(),
            alerts: Vec::new(),
            next_alert_tiny_id: 1,
            alert_requests: Vec::new(),
            clock: SimClock::system(),
            webhooks: Registry::default(),
            next_changelog_id: FIRST_CHANGELOG_ID,
            next_remote_link_id: FIRST_REMOTE_LINK_ID,
            issue_links: Vec::new(),
            next_issue_link_id: FIRST_ISSUE_LINK_ID,
            app_properties: Default::default(),
            issue_type_properties: Default::default(),
            custom_fields: Vec::new(),
            app_field_types: Vec::new(),
            groups: Vec::new(),
            // After the two built-in groups (`group.rs`).
            next_group_number: 2,
            next_custom_field_number: FIRST_CUSTOM_FIELD_ID,
            next_option_id: FIRST_OPTION_ID,
            filters: Default::default(),
            dashboards: Default::default(),
            recent_projects: Default::default(),
            versions: Vec::new(),
            next_version_id: super::version::FIRST_VERSION_ID,
            next_component_id: FIRST_COMPONENT_ID,
            next_project_id: super::project_lifecycle::FIRST_PROJECT_ID,
            boards: Vec::new(),
            next_board_id: super::board::FIRST_BOARD_ID,
            sprints: Vec::new(),
            next_sprint_id: super::sprint::FIRST_SPRINT_ID,
            notifications: Vec::new(),
            screens: vec![super::screen::ScreenRecord::default_screen()],
            next_screen_id: super::screen::FIRST_SCREEN_ID,
            next_screen_tab_id: super::screen::FIRST_TAB_ID,
            screen_schemes: vec![super::screen_scheme::ScreenSchemeRecord::default_scheme()],
            next_screen_scheme_id: super::screen_scheme::FIRST_SCREEN_SCHEME_ID,
            issue_type_screen_schemes: super::issue_type_screen_scheme::IssueTypeScreenSchemes::new(
            ),
            tasks: Vec::new(),
            next_task_id: super::task::FIRST_TASK_ID,
            workflows: super::site_workflows::SiteWorkflows::new(),
            entity_property_indexes: Vec::new(),
        };
        // Before projects: their issues hold values of these fields.
        for field in &seed.custom_fields {
            world.add_custom_field(field)?;
        }
        for user in &seed.users {
            if world.user_by_email(&user.email).is_some() || world.user(&user.account_id).is_some()
            {
                return Err(invalid(format!("user {} is defined twice", user.email)));
            }
            world.users.push(UserRecord {
                account_id: user.account_id.clone(),
                email: user.email.clone(),
                display_name: user.display_name.clone(),
                site_admin: user.site_admin,
                time_zone: user.time_zone.clone(),
                account_type: AccountType::Atlassian,
                properties: BTreeMap::new(),
                preferences: BTreeMap::new(),
            });
        }
        for group in &seed.groups {
            let members = group
                .members
                .iter()
                .map(|email| world.account_of(email))
                .collect::<Result<Vec<_>, SimError>>()?;
            world
                .add_group(&group.name, members)
                .map_err(|e| invalid(format!("group {}: {e}", group.name)))?;
        }
        let mut component_id = FIRST_COMPONENT_ID;
        for project in &seed.projects {
            world.add_project(project, &mut component_id)?;
        }
        world.next_component_id = component_id;
        world.link_seeded_parents(seed)?;
        world.add_project_boards();
        world.add_seeded_quick_filters(seed)?;
        world.add_seeded_sprints(seed)?;
        for team in &seed.teams {
            if world.team(&team.id).is_some() || world.team_named(&team.name).is_some() {
                return Err(invalid(format!("team {} is defined twice", team.name)));
            }
            let members = team
                .members
                .iter()
                .map(|m| Ok((world.account_of(&m.email)?, m.role)))
                .collect::<Result<_, SimError>>()?;
            world.teams.push(TeamRecord {
                id: team.id.clone(),
                name: team.name.clone(),
                members,
            });
        }
        for schedule in &seed.schedules {
            let team_id = world
                .team_named(&schedule.team)
                .map(|t| t.id.clone())
                .ok_or_else(|| {
                    invalid(format!(
                        "schedule {} names unknown team {}",
                        schedule.name, schedule.team
                    ))
                })?;
            let rotations = schedule
                .rotations
                .iter()
                .map(|r| world.rotation(r))
                .collect::<Result<_, _>>()?;
            if super::zone::Zone::named(&schedule.timezone).is_none() {
                return Err(invalid(format!(
                    "schedule {} has unknown time zone {:?}",
                    schedule.name, schedule.timezone
                )));
            }
            let mut record = ScheduleRecord {
                id: schedule.id.clone(),
                name: schedule.name.clone(),
                description: schedule.description.clone(),
                timezone: schedule.timezone.clone(),
                enabled: true,
                team_id: Some(team_id),
                rotations,
                overrides: Vec::new(),
            };
            for entry in &schedule.overrides {
                let checked = world.schedule_override(&record, entry)?;
                record.overrides.push(checked);
            }
            world.schedules.push(record);
        }
        Ok(world)
    }

    /// A scrum board for each project, as Jira makes one with each software
    /// project it creates: "KEY board", on the project's issues, administered
    /// by the project lead.
    fn add_project_boards(&mut self) {
        let boards: Vec<(String, String)> = self
            .projects
            .iter()
            .map(|p| (p.key.clone(), p.lead.clone()))
            .collect();
        for (key, lead) in boards {
            let id = self.take_board_id();
            self.boards.push(super::board::BoardRecord {
                id,
                name: format!("{key} board"),
                kind: super::board::BoardKind::Scrum,
                query: super::board::BoardQuery::Project(key.clone()),
                location: Some(key),
                admin: lead,
                properties: Default::default(),
                // The seed's, once every board exists (`quick_filter.rs`).
                quick_filters: Vec::new(),
            });
        }
    }

    fn account_of(&self, email: &str) -> Result<String, SimError> {
        self.user_by_email(email)
            .map(|u| u.account_id.clone())
            .ok_or_else(|| invalid(format!("unknown user {email}")))
    }

    fn add_project(&mut self, seed: &SeedProject, component_id: &mut u64) -> Result<(), SimError> {
        if self.project(&seed.key).is_some() || self.project(&seed.id).is_some() {
            return Err(invalid(format!("project {} is defined twice", seed.key)));
        }
        if !super::project::spelled_as_project_key(&seed.key) {
            return Err(invalid(format!(
                "project key {:?} is not uppercase letters and digits",
                seed.key
            )));
        }
        if seed.id.parse::<u64>().is_err() {
            return Err(invalid(format!("project id {:?} is not numeric", seed.id)));
        }
        let mut grants = BTreeMap::new();
        for (email, permissions) in &seed.permissions {
            let set: BTreeSet<_> = permissions.iter().copied().collect();
            grants.insert(self.account_of(email)?, set);
        }
        let components = seed
            .components
            .iter()
            .map(|name| {
                let id = component_id.to_string();
                *component_id += 1;
                ComponentRecord {
                    id,
                    name: name.clone(),
                    description: None,
                    lead: None,
                    assignee_type: AssigneeType::ProjectDefault,
                }
            })
            .collect();
        let mut project = ProjectRecord {
            id: seed.id.clone(),
            key: seed.key.clone(),
            name: seed.name.clone(),
            lead: self.account_of(&seed.lead)?,
            description: None,
            url: None,
            project_type: Default::default(),
            default_assignee: Default::default(),
            components,
            grants,
            next_issue_number: 1,
            properties: BTreeMap::new(),
        };
        for issue in &seed.issues {
            let record = self.issue(&mut project, issue)?;
            self.issues.push(record);
        }
        self.projects.push(project);
        Ok(())
    }

    fn issue(
        &mut self,
        project: &mut ProjectRecord,
        seed: &SeedIssue,
    ) -> Result<IssueRecord, SimError> {
        let status = status_named(&seed.status)
            .ok_or_else(|| invalid(format!("unknown status {:?}", seed.status)))?;
        let issue_type = issue_type_named(&seed.issue_type)
            .ok_or_else(|| invalid(format!("unknown issue type {:?}", seed.issue_type)))?;
        let created = parse_rfc3339(&seed.created)
            .ok_or_else(|| invalid(format!("issue created {:?} is not RFC 3339", seed.created)))?;
        let due_date = seed
            .due_date
            .as_deref()
            .map(|text| {
                due_date::strict_date(text)
                    .ok_or_else(|| invalid(format!("issue due date {text:?} is not yyyy-MM-dd")))
            })
            .transpose()?;
        for component in &seed.components {
            if project.component_named(component).is_none() {
                return Err(invalid(format!(
                    "{} has no component {component}",
                    project.key
                )));
            }
        }
        let assignee = seed
            .assignee
            .as_deref()
            .map(|e| self.account_of(e))
            .transpose()?;
        let reporter = self.account_of(&seed.reporter)?;
        let mut comments = Vec::new();
        for (n, comment) in seed.comments.iter().enumerate() {
            // Saturating: an issue created in the calendar's last hour keeps
            // its comments inside it rather than panicking past it.
            let at = created.saturating_add(time::Duration::hours(
                i64::try_from(n).unwrap_or(0).saturating_add(1),
            ));
            comments.push(CommentRecord {
                id: self.take_comment_id(),
                author: self.account_of(&comment.author)?,
                body: adf::from_text(&comment.body),
                created: at,
                updated: at,
                update_author: None,
                properties: BTreeMap::new(),
            });
        }
        let number = project.next_issue_number;
        project.next_issue_number += 1;
        let updated = comments.last().map_or(created, |c| c.updated);
        // A seeded issue came to its status by its last update, deterministically:
        // one past To Do changed category then (it was created in To Do), and
        // one in Done was resolved then, with the site's Done, as the default
        // workflow resolves.
        let status_category_changed = if status.category == INITIAL_STATUS.category {
            created
        } else {
            updated
        };
        let (resolution, resolution_date) = if status.category.is_done() {
            (Some(super::resolution::DONE), Some(updated))
        } else {
            (None, None)
        };
        let id = self.take_issue_id();
        Ok(IssueRecord {
            id,
            key: format!("{}-{number}", project.key),
            project_key: project.key.clone(),
            summary: seed.summary.clone(),
            description: seed.description.as_deref().map(adf::from_text),
            // Seeds write no environment: it is set through the API.
            environment: None,
            due_date,
            status,
            issue_type,
            labels: seed.labels.clone(),
            assignee,
            reporter: reporter.clone(),
            // Seeds name no creator: the reporter created the issue.
            creator: reporter.clone(),
            resolution,
            resolution_date,
            status_category_changed,
            components: seed.components.clone(),
            // Seeds name no versions: versions are created through the API.
            fix_versions: Vec::new(),
            affected_versions: Vec::new(),
            // Put in their seeded sprints once every board exists
            // (`seeded_sprint.rs`).
            sprints: Vec::new(),
            priority: super::DEFAULT_PRIORITY,
            // Set once every project's issues exist (`World::link_seeded_parents`).
            parent: None,
            rank: super::rank::initial_rank(id),
            epic: Default::default(),
            comments,
            worklogs: Vec::new(),
            // Seeds give no estimates: they are set through the API.
            estimates: Default::default(),
            attachments: Vec::new(),
            voters: Vec::new(),
            // Jira makes the reporter the first watcher.
            watchers: vec![reporter.clone()],
            properties: BTreeMap::new(),
            custom_fields: self.custom_values(&seed.summary, &seed.custom_fields)?,
            history: Vec::new(),
            remote_links: Vec::new(),
            created,
            updated,
        })
    }

    fn add_custom_field(&mut self, seed: &SeedCustomField) -> Result<(), SimError> {
        let context = || format!("custom field {:?}", seed.name);
        let kind = Kind::from_type(&seed.kind)
            .ok_or_else(|| invalid(format!("{}: unknown type {:?}", context(), seed.kind)))?;
        let searcher = seed.searcher_key.clone().or_else(|| {
            kind.searchers()
                .first()
                .map(|s| format!("{TYPE_PREFIX}{s}"))
        });
        let checked = custom_field::check_definition(
            Some(&seed.name),
            seed.description.as_deref(),
            Some(&kind.type_key()),
            searcher.as_deref(),
        )
        .map_err(|e| invalid(format!("{}: {}", context(), e.describe())))?;
        let number = match &seed.id {
            None => None,
            Some(id) => Some(number_of(id).ok_or_else(|| {
                invalid(format!("{}: id {id:?} is not customfield_N", context()))
            })?),
        };
        if self.custom_fields.iter().any(|f| f.name == seed.name) {
            return Err(invalid(format!("{} is defined twice", context())));
        }
        let index = custom_field::add_field(self, checked, number)
            .map_err(|e| invalid(format!("{}: {}", context(), e.describe())))?;
        if !seed.options.is_empty() && !kind.has_options() {
            return Err(invalid(format!(
                "{}: only select and multiselect fields have options",
                context()
            )));
        }
        let options: Vec<(&str, bool)> = seed.options.iter().map(|o| (o.as_str(), false)).collect();
        // A seed's field has the one global context a new field has.
        custom_field::add_options(self, (index, 0), &options)
            .map_err(|e| invalid(format!("{}: {}", context(), e.describe())))?;
        // A seed describes a site already set up: its fields are on the screen
        // issues are created and edited with (`screen.rs`).
        if let Some(id) = self.custom_fields.get(index).map(|f| f.id()) {
            self.add_to_default_screen(&id);
        }
        Ok(())
    }

    /// A seeded issue's custom field values, keyed by field id or name.
    fn custom_values(
        &self,
        summary: &str,
        values: &BTreeMap<String, serde_json::Value>,
    ) -> Result<BTreeMap<u64, CustomValue>, SimError> {
        let mut out = BTreeMap::new();
        for (key, value) in values {
            let field = self
                .custom_field(key)
                .or_else(|| self.custom_fields.iter().find(|f| f.name == *key))
                .ok_or_else(|| {
                    invalid(format!(
                        "issue {summary:?} sets unknown custom field {key:?}"
                    ))
                })?;
            let value = custom_field::from_seed_shorthand(self, field, value);
            let global = field.contexts.iter().find(|c| c.is_global());
            let parsed = custom_field::parse_value(self, field, global, &value).map_err(|e| {
                invalid(format!(
                    "issue {summary:?}, field {key:?}: {}",
                    e.describe()
                ))
            })?;
            if let Some(parsed) = parsed {
                out.insert(field.number, parsed);
            }
        }
        Ok(out)
    }

    /// An override of `schedule`, checked as the Ops API checks one.
    fn schedule_override(
        &self,
        schedule: &ScheduleRecord,
        seed: &SeedOverride,
    ) -> Result<OverrideRecord, SimError> {
        let context = || format!("override {} of schedule {}", seed.alias, schedule.name);
        if schedule.override_index(&seed.alias).is_some() {
            return Err(invalid(format!("{} is defined twice", context())));
        }
        let date = |text: &str| {
            parse_rfc3339(text)
                .ok_or_else(|| invalid(format!("{}: {text:?} is not RFC 3339", context())))
        };
        let (start, end) = (date(&seed.start_date)?, date(&seed.end_date)?);
        if end <= start {
            return Err(invalid(format!("{} ends before it starts", context())));
        }
        if let Some(unknown) = seed
            .rotations
            .iter()
            .find(|id| schedule.rotation_index(id).is_none())
        {
            return Err(invalid(format!(
                "{} names unknown rotation {unknown}",
                context()
            )));
        }
        Ok(OverrideRecord {
            alias: seed.alias.clone(),
            responder: Some(self.account_of(&seed.user)?),
            start,
            end,
            rotation_ids: seed.rotations.clone(),
        })
    }

    fn rotation(&self, seed: &SeedRotation) -> Result<RotationRecord, SimError> {
        let kind = RotationKind::parse(&seed.kind).ok_or_else(|| {
            invalid(format!(
                "rotation type {:?} is not hourly, daily or weekly",
                seed.kind
            ))
        })?;
        if seed.length == 0 {
            return Err(invalid(format!("rotation {} has length 0", seed.name)));
        }
        let start = parse_rfc3339(&seed.start_date).ok_or_else(|| {
            invalid(format!(
                "rotation start {:?} is not RFC 3339",
                seed.start_date
            ))
        })?;
        let participants = seed
            .participants
            .iter()
            .map(|e| self.account_of(e).map(Participant::User))
            .collect::<Result<_, _>>()?;
        Ok(RotationRecord {
            id: seed.id.clone(),
            name: seed.name.clone(),
            kind,
            length: seed.length,
            start,
            end: None,
            participants,
            restriction: None,
        })
    }
}

fn invalid(message: String) -> SimError {
    SimError::Seed(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_seed_builds() {
        let world = World::from_seed(&Seed::default()).expect("default seed is valid");
        assert_eq!(world.issues.len(), 8);
        assert_eq!(world.issues[0].key, "KILN-1");
        assert_eq!(world.issues[6].key, "SEC-1");
        assert_eq!(world.issues[0].id, FIRST_ISSUE_ID);
        // One active sprint on the KILN board, holding KILN-2 and KILN-4.
        assert_eq!(world.sprints.len(), 1);
        assert_eq!(
            world.sprints[0].state,
            super::super::sprint::SprintState::Active
        );
        let in_sprint: Vec<&str> = world
            .issues
            .iter()
            .filter(|i| i.sprints == [world.sprints[0].id])
            .map(|i| i.key.as_str())
            .collect();
        assert_eq!(in_sprint, ["KILN-2", "KILN-4"]);
    }

    fn holiday_cover() -> SeedOverride {
        SeedOverride {
            alias: String::from("holiday"),
            user: String::from("outsider@example.com"),
            start_date: String::from("2024-01-08T00:00:00Z"),
            end_date: String::from("2024-01-15T00:00:00Z"),
            rotations: vec![String::from("f3e2d1c0-b9a8-4765-8432-10fedcba9876")],
        }
    }

    #[test]
    fn a_seeded_override_puts_its_user_on_call() {
        let mut seed = Seed::default();
        seed.schedules[0].overrides.push(holiday_cover());
        let world = World::from_seed(&seed).expect("valid seed");
        let at = time::macros::datetime!(2024-01-10 12:00 UTC);
        assert_eq!(
            crate::world::on_call::on_call_at(&world.schedules[0], at),
            [Participant::User(String::from("5b10ac8d82e05b22cc7d4ca1"))]
        );
    }

    #[test]
    fn seeded_overrides_are_checked() {
        type Spoil = fn(&mut SeedOverride);
        let cases: [(Spoil, &str); 4] = [
            (
                |o| o.user = String::from("ghost@example.com"),
                "ghost@example.com",
            ),
            (
                |o| o.end_date = o.start_date.clone(),
                "ends before it starts",
            ),
            (|o| o.start_date = String::from("monday"), "not RFC 3339"),
            (
                |o| o.rotations = vec![String::from("nope")],
                "unknown rotation nope",
            ),
        ];
        for (spoil, expected) in cases {
            let mut entry = holiday_cover();
            spoil(&mut entry);
            let mut seed = Seed::default();
            seed.schedules[0].overrides.push(entry);
            let err = World::from_seed(&seed).expect_err("invalid override");
            assert!(err.to_string().contains(expected), "{err}");
        }
        let mut seed = Seed::default();
        seed.schedules[0].overrides = vec![holiday_cover(), holiday_cover()];
        let err = World::from_seed(&seed).expect_err("a repeated alias");
        assert!(err.to_string().contains("defined twice"), "{err}");
    }

    #[test]
    fn a_dangling_email_is_refused() {
        let mut seed = Seed::default();
        seed.projects[0].issues[0].reporter = String::from("ghost@example.com");
        let err = World::from_seed(&seed).expect_err("unknown reporter");
        assert!(err.to_string().contains("ghost@example.com"), "{err}");
    }
}
