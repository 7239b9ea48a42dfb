//! The one validator of the workflow writes: what `POST /workflows/create` and
//! `/workflows/update` check before they change anything, and what their
//! `…/validation` routes answer (`WorkflowValidationErrorList`). Each check
//! yields a [`Problem`]; a request with none yields the [`Plan`] the write
//! applies, so the validation route and the write can never disagree.
//!
//! What is checked, beyond the body's shape (`request.rs`) and its sizes
//! ([`check_bounds`]): status names present, at most 255 characters, and unique
//! in their scope without regard to case (`NON_UNIQUE_STATUS_NAME`, the spec's
//! example); status references unique in the request and each a status the
//! request lists or the site has; an existing status named by `id` in the
//! workflow's scope; workflow names present, at most 255 characters and unique
//! on the site; at least one status; exactly one `INITIAL` transition;
//! each transition typed, named, into one of the workflow's statuses, a
//! `DIRECTED` one from at least one of them and the others from none, with
//! unique numeric ids; on update, the workflow's existence and its version
//! (`version.id` and `versionNumber` as last read), and a new status for every
//! issue in a status the update removes (`statusMappings`, else
//! `defaultStatusMappings`). The codes are the simulator's, in Jira's style;
//! Jira documents only `NON_UNIQUE_STATUS_NAME`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::plan::Plan;
use super::request::{
    CategoryInput, CreateRequest, Level, ScopeKind, StatusInput, StatusLayoutInput,
    TransitionInput, TransitionKindInput, UpdateRequest, UpdateWorkflow,
};
use crate::jira_error::JiraError;
use crate::world::World;
use crate::world::site_workflows::{
    MAX_SITE_STATUSES, MAX_SITE_WORKFLOWS, Scope, StatusEntry, TransitionKind, TransitionRecord,
    WorkflowRecord,
};
use crate::world::workflow::{DONE, IN_PROGRESS, Status, StatusCategory, StatusText, TO_DO};

/// Workflows one request writes at most.
pub(super) const MAX_WORKFLOWS_PER_REQUEST: usize = 20;
/// Statuses one request lists at most (`statuses`).
pub(super) const MAX_STATUSES_PER_REQUEST: usize = 100;
/// Statuses one workflow holds at most.
pub(super) const MAX_STATUSES_PER_WORKFLOW: usize = 100;
/// Transitions one workflow holds at most.
pub(super) const MAX_TRANSITIONS_PER_WORKFLOW: usize = 200;
/// Links (statuses it starts from) one transition has at most: one per status.
pub(super) const MAX_LINKS_PER_TRANSITION: usize = MAX_STATUSES_PER_WORKFLOW;
/// Status migrations one workflow update carries at most, default and per
/// project and issue type together.
pub(super) const MAX_STATUS_MIGRATIONS: usize = 500;
/// A name's length (workflow, status, transition), in characters, as Jira's
/// editor allows.
pub(super) const MAX_NAME_CHARS: usize = 255;
/// A description's length, in characters.
pub(super) const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// A reference's or an id's length, in characters.
pub(super) const MAX_REFERENCE_CHARS: usize = 255;
/// Digits of a transition id: Jira's are integers.
const MAX_TRANSITION_ID_DIGITS: usize = 9;
/// Where new transition ids start their steps: Jira numbers a workflow's
/// transitions 1, 11, 21, …
const TRANSITION_ID_STEP: u64 = 10;

/// The kind of element a problem is about (`WorkflowValidationError.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ElementType {
    Status,
    Workflow,
    Transition,
    Scope,
    StatusMapping,
}

impl ElementType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Status => "STATUS",
            Self::Workflow => "WORKFLOW",
            Self::Transition => "TRANSITION",
            Self::Scope => "SCOPE",
            Self::StatusMapping => "STATUS_MAPPING",
        }
    }
}

/// The element a problem names (`WorkflowElementReference`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Element {
    Nothing,
    Status(String),
    Transition(String),
    Mapping {
        project_id: String,
        issue_type_id: String,
    },
}

/// One reason a write is refused (`WorkflowValidationError`, level `ERROR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub(super) code: &'static str,
    pub(super) element_type: ElementType,
    pub(super) element: Element,
    pub(super) message: String,
}

/// The code of a stale `version`, which the write answers with `409`.
pub(super) const STALE_VERSION: &str = "WORKFLOW_VERSION_MISMATCH";

impl Problem {
    fn new(
        code: &'static str,
        element_type: ElementType,
        element: Element,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            element_type,
            element,
            message: message.into(),
        }
    }

    fn json(&self) -> Value {
        let element = match &self.element {
            Element::Nothing => json!({}),
            Element::Status(reference) => json!({ "statusReference": reference }),
            Element::Transition(id) => json!({ "transitionId": id }),
            Element::Mapping {
                project_id,
                issue_type_id,
            } => json!({ "statusMappingReference": {
                "projectId": project_id, "issueTypeId": issue_type_id } }),
        };
        json!({
            "code": self.code,
            "elementReference": element,
            "level": "ERROR",
            "message": self.message,
            "type": self.element_type.as_str(),
        })
    }
}

/// The `WorkflowValidationErrorList` of `problems`, at the `levels` asked for
/// (all, when none are named).
pub(super) fn error_list(problems: &[Problem], levels: Option<&[Level]>) -> Value {
    let errors_wanted = levels.is_none_or(|l| l.contains(&Level::Error));
    let errors: Vec<Value> = problems
        .iter()
        .filter(|_| errors_wanted)
        .map(Problem::json)
        .collect();
    json!({ "errors": errors })
}

/// The write's answer to `problems`: `409` for a stale version, as Jira
/// answers one ("Workflow version and version token must match"), else `400`
/// with each problem's message.
pub(super) fn refusal(problems: &[Problem]) -> JiraError {
    if let Some(stale) = problems.iter().find(|p| p.code == STALE_VERSION) {
        return JiraError::new(axum::http::StatusCode::CONFLICT, stale.message.clone());
    }
    JiraError::messages(
        axum::http::StatusCode::BAD_REQUEST,
        problems.iter().map(|p| p.message.clone()).collect(),
    )
}

/// Refuses a request larger than the simulator's bounds, with Jira's `400`:
/// sizes are checked before anything else, so no check walks an unbounded list.
pub(super) fn check_bounds<'a>(
    statuses: &[StatusInput],
    workflows: impl ExactSizeIterator<Item = (&'a [StatusLayoutInput], &'a [TransitionInput])>,
) -> Result<(), JiraError> {
    if workflows.len() > MAX_WORKFLOWS_PER_REQUEST {
        return Err(JiraError::bad_request(format!(
            "At most {MAX_WORKFLOWS_PER_REQUEST} workflows can be written in one request."
        )));
    }
    if statuses.len() > MAX_STATUSES_PER_REQUEST {
        return Err(JiraError::bad_request(format!(
            "At most {MAX_STATUSES_PER_REQUEST} statuses can be written in one request."
        )));
    }
    for (layouts, transitions) in workflows {
        if layouts.len() > MAX_STATUSES_PER_WORKFLOW {
            return Err(JiraError::bad_request(format!(
                "A workflow can have at most {MAX_STATUSES_PER_WORKFLOW} statuses."
            )));
        }
        if transitions.len() > MAX_TRANSITIONS_PER_WORKFLOW {
            return Err(JiraError::bad_request(format!(
                "A workflow can have at most {MAX_TRANSITIONS_PER_WORKFLOW} transitions."
            )));
        }
        for transition in transitions {
            if transition.links.len() > MAX_LINKS_PER_TRANSITION {
                return Err(JiraError::bad_request(format!(
                    "A transition can start from at most {MAX_LINKS_PER_TRANSITION} statuses."
                )));
            }
            transition.rules_not_modelled()?;
        }
    }
    Ok(())
}

/// Refuses an update whose status migrations exceed [`MAX_STATUS_MIGRATIONS`].
pub(super) fn check_migration_bounds(workflow: &UpdateWorkflow) -> Result<(), JiraError> {
    let count = workflow.default_status_mappings.len()
        + workflow
            .status_mappings
            .iter()
            .map(|m| m.status_migrations.len() + 1)
            .sum::<usize>();
    if count > MAX_STATUS_MIGRATIONS {
        return Err(JiraError::bad_request(format!(
            "A workflow update can carry at most {MAX_STATUS_MIGRATIONS} status mappings."
        )));
    }
    Ok(())
}

/// The statuses a request lists, resolved against the site.
struct Statuses<'w> {
    world: &'w World,
    /// Each request reference's status id.
    by_reference: BTreeMap<String, StatusText>,
    /// New statuses, with the ids they will have.
    new: Vec<StatusEntry>,
    /// Existing statuses as the request leaves them.
    changed: Vec<StatusEntry>,
    /// The references of the request's statuses that have a problem of their
    /// own: a workflow that uses one is not told about it again.
    refused: BTreeSet<String>,
}

impl Statuses<'_> {
    /// The status id a workflow's reference names: a status the request lists,
    /// else one of the site's by id (as the reads answer references).
    fn resolve(&self, reference: &str) -> Option<&str> {
        self.by_reference
            .get(reference)
            .or_else(|| {
                self.world
                    .workflows
                    .status(reference)
                    .map(|entry| &entry.status.id)
            })
            .map(StatusText::as_str)
    }

    /// Whether `reference` names a request status already reported.
    fn is_refused(&self, reference: &str) -> bool {
        self.refused.contains(reference)
    }

    /// The status `id` as it will be.
    fn entry(&self, id: &str) -> Option<&StatusEntry> {
        self.new
            .iter()
            .chain(&self.changed)
            .find(|e| e.status.id == id)
            .or_else(|| self.world.workflows.status(id))
    }
}

/// The category a request names.
fn category(input: CategoryInput) -> StatusCategory {
    match input {
        CategoryInput::ToDo => TO_DO,
        CategoryInput::InProgress => IN_PROGRESS,
        CategoryInput::Done => DONE,
    }
}

/// Whether `text` is a name: not blank, at most [`MAX_NAME_CHARS`].
fn is_name(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_NAME_CHARS
}

/// Resolves the request's `statuses`. `scope_of_new` gives a new status the
/// scope of the workflows that use it.
fn resolve_statuses<'w>(
    world: &'w World,
    inputs: &[StatusInput],
    scope_of_new: impl Fn(&str) -> Scope,
    problems: &mut Vec<Problem>,
) -> Statuses<'w> {
    let site = &world.workflows;
    let mut resolved = Statuses {
        world,
        by_reference: BTreeMap::new(),
        new: Vec::new(),
        changed: Vec::new(),
        refused: BTreeSet::new(),
    };
    // Each request status's reference, for the uniqueness check below.
    let mut references: Vec<(String, StatusText)> = Vec::new();
    for input in inputs {
        let reference = input.status_reference.as_str();
        let problem = |code, message: String| {
            Problem::new(
                code,
                ElementType::Status,
                Element::Status(reference.to_owned()),
                message,
            )
        };
        if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_CHARS {
            problems.push(problem(
                "INVALID_STATUS_REFERENCE",
                format!("A status reference must have 1 to {MAX_REFERENCE_CHARS} characters."),
            ));
            continue;
        }
        let known = resolved.by_reference.contains_key(reference);
        // Whatever else is wrong with it, the reference is the request's.
        resolved.refused.insert(reference.to_owned());
        if known {
            problems.push(problem(
                "DUPLICATE_STATUS_REFERENCE",
                format!("The status reference '{reference}' is used more than once."),
            ));
            continue;
        }
        let description = input.description.clone().unwrap_or_default();
        if !is_name(&input.name) || description.chars().count() > MAX_DESCRIPTION_CHARS {
            problems.push(problem(
                "INVALID_STATUS_NAME",
                format!(
                    "A status needs a name of at most {MAX_NAME_CHARS} characters, and a \
                     description of at most {MAX_DESCRIPTION_CHARS}."
                ),
            ));
            continue;
        }
        let existing = match input.id.as_deref() {
            Some(id) => match site.status(id) {
                Some(entry) => Some(entry),
                None => {
                    problems.push(problem(
                        "STATUS_NOT_FOUND",
                        format!("The status with ID '{id}' does not exist."),
                    ));
                    continue;
                }
            },
            None => None,
        };
        // The texts are owned by the plan, so by the request until a write
        // applies it: a validation keeps nothing once it has answered.
        let (id, scope) = match existing {
            Some(entry) => (entry.status.id.clone(), entry.scope.clone()),
            None if site.statuses.len() + resolved.new.len() >= MAX_SITE_STATUSES => {
                problems.push(problem(
                    "STATUS_LIMIT",
                    format!("The site cannot hold more statuses (at most {MAX_SITE_STATUSES})."),
                ));
                continue;
            }
            None => (
                StatusText::owned(&(site.next_status_id + resolved.new.len() as u64).to_string()),
                scope_of_new(reference),
            ),
        };
        let entry = StatusEntry {
            status: Status {
                id: id.clone(),
                // A status relisted under its name keeps the text it has.
                name: existing
                    .map(|e| &e.status.name)
                    .filter(|name| **name == input.name)
                    .map_or_else(|| StatusText::owned(&input.name), Clone::clone),
                category: category(input.status_category),
            },
            description,
            scope,
        };
        resolved.refused.remove(reference);
        resolved
            .by_reference
            .insert(reference.to_owned(), id.clone());
        references.push((reference.to_owned(), id));
        if existing.is_some() {
            resolved.changed.push(entry);
        } else {
            resolved.new.push(entry);
        }
    }
    // Names unique per scope, among the statuses as they will be.
    let after: Vec<&StatusEntry> = site
        .statuses
        .iter()
        .filter(|e| !resolved.changed.iter().any(|c| c.status.id == e.status.id))
        .chain(&resolved.changed)
        .chain(&resolved.new)
        .collect();
    for (reference, id) in &references {
        let Some(mine) = after.iter().find(|e| e.status.id == *id) else {
            continue;
        };
        let clash = after.iter().any(|other| {
            other.status.id != *id
                && other.scope == mine.scope
                && other.status.name.to_lowercase() == mine.status.name.to_lowercase()
        });
        if clash {
            problems.push(Problem::new(
                "NON_UNIQUE_STATUS_NAME",
                ElementType::Status,
                Element::Status(reference.clone()),
                "You must use a unique status name.",
            ));
        }
    }
    resolved
}

/// A workflow as a request gives it, before checking.
struct Draft<'r> {
    name: &'r str,
    description: Option<&'r str>,
    scope: &'r Scope,
    statuses: &'r [StatusLayoutInput],
    transitions: &'r [TransitionInput],
    /// The workflow an update changes.
    existing: Option<&'r WorkflowRecord>,
}

/// Checks one workflow; its statuses' ids and its transitions when it passes.
fn check_workflow(
    draft: &Draft<'_>,
    statuses: &Statuses<'_>,
    problems: &mut Vec<Problem>,
) -> Option<(Vec<String>, Vec<TransitionRecord>)> {
    let before = problems.len();
    let workflow_problem = |code, message: String| {
        Problem::new(code, ElementType::Workflow, Element::Nothing, message)
    };
    if draft
        .description
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        problems.push(workflow_problem(
            "INVALID_DESCRIPTION",
            format!("A workflow description can have at most {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    if draft.statuses.is_empty() {
        problems.push(workflow_problem(
            "NO_STATUSES",
            format!(
                "The workflow '{}' must have at least one status.",
                draft.name
            ),
        ));
    }
    let mut ids: Vec<String> = Vec::new();
    for layout in draft.statuses {
        let reference = &layout.status_reference;
        let status_problem = |code, message: String| {
            Problem::new(
                code,
                ElementType::Status,
                Element::Status(reference.clone()),
                message,
            )
        };
        let Some(id) = statuses.resolve(reference) else {
            if statuses.is_refused(reference) {
                continue;
            }
            problems.push(status_problem(
                "UNKNOWN_STATUS_REFERENCE",
                format!(
                    "The status reference '{reference}' names no status of the request or the site."
                ),
            ));
            continue;
        };
        if ids.iter().any(|known| known == id) {
            problems.push(status_problem(
                "DUPLICATE_WORKFLOW_STATUS",
                format!(
                    "The workflow '{}' lists a status more than once.",
                    draft.name
                ),
            ));
            continue;
        }
        let in_scope = statuses
            .entry(id)
            .is_some_and(|e| e.scope == Scope::Global || e.scope == *draft.scope);
        if !in_scope {
            problems.push(status_problem(
                "STATUS_SCOPE_MISMATCH",
                format!(
                    "The status '{reference}' belongs to another project: a workflow can only \
                     use global statuses and its own project's."
                ),
            ));
            continue;
        }
        ids.push(id.to_owned());
    }
    let transitions = check_transitions(draft, statuses, &ids, problems);
    (problems.len() == before).then_some((ids, transitions))
}

/// Checks a workflow's transitions against its statuses (`ids`), numbering
/// those without an id past the largest the workflow has or is given.
fn check_transitions(
    draft: &Draft<'_>,
    statuses: &Statuses<'_>,
    ids: &[String],
    problems: &mut Vec<Problem>,
) -> Vec<TransitionRecord> {
    let in_workflow = |reference: &str| {
        statuses
            .resolve(reference)
            .filter(|id| ids.iter().any(|known| known == id))
    };
    let given: Vec<u64> = draft
        .transitions
        .iter()
        .filter_map(|t| t.id.as_deref()?.parse().ok())
        .chain(
            draft
                .existing
                .iter()
                .flat_map(|w| &w.transitions)
                .filter_map(|t| t.id.parse().ok()),
        )
        .collect();
    let mut next_id = given.iter().max().map_or(1, |largest| {
        (largest / TRANSITION_ID_STEP + 1) * TRANSITION_ID_STEP + 1
    });
    let mut seen_ids = BTreeSet::new();
    let mut initial = 0usize;
    let mut records = Vec::new();
    for input in draft.transitions {
        let label = input
            .id
            .clone()
            .or_else(|| input.name.clone())
            .unwrap_or_default();
        let problem = |code, message: String| {
            Problem::new(
                code,
                ElementType::Transition,
                Element::Transition(label.clone()),
                message,
            )
        };
        let id = match input.id.as_deref() {
            Some(id)
                if id.is_empty()
                    || id.len() > MAX_TRANSITION_ID_DIGITS
                    || !id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                problems.push(problem(
                    "INVALID_TRANSITION_ID",
                    format!("The transition ID '{id}' is not a number."),
                ));
                continue;
            }
            Some(id) => id.to_owned(),
            None => {
                let id = next_id.to_string();
                next_id += TRANSITION_ID_STEP;
                id
            }
        };
        if !seen_ids.insert(id.clone()) {
            problems.push(problem(
                "DUPLICATE_TRANSITION_ID",
                format!("The transition ID '{id}' is used more than once."),
            ));
            continue;
        }
        let Some(kind) = input.kind else {
            problems.push(problem(
                "MISSING_TRANSITION_TYPE",
                "A transition needs a type: INITIAL, GLOBAL or DIRECTED.".to_owned(),
            ));
            continue;
        };
        let kind = match kind {
            TransitionKindInput::Initial => TransitionKind::Initial,
            TransitionKindInput::Global => TransitionKind::Global,
            TransitionKindInput::Directed => TransitionKind::Directed,
        };
        // Counted before anything else about it is checked, so that a
        // transition with another problem is not also a missing initial one.
        if kind == TransitionKind::Initial {
            initial += 1;
        }
        let name = input.name.as_deref().unwrap_or_default();
        let description = input.description.clone().unwrap_or_default();
        if !is_name(name) || description.chars().count() > MAX_DESCRIPTION_CHARS {
            problems.push(problem(
                "INVALID_TRANSITION_NAME",
                format!(
                    "A transition needs a name of at most {MAX_NAME_CHARS} characters, and a \
                     description of at most {MAX_DESCRIPTION_CHARS}."
                ),
            ));
            continue;
        }
        let to_reference = input.to_status_reference.as_deref();
        let Some(to) = to_reference.and_then(in_workflow) else {
            if to_reference.is_some_and(|r| statuses.is_refused(r)) {
                continue;
            }
            problems.push(problem(
                "INVALID_TO_STATUS",
                format!("The transition '{name}' must lead to a status of the workflow."),
            ));
            continue;
        };
        let mut from = Vec::new();
        // Whether a link names a request status already reported.
        let mut from_refused = false;
        for link in &input.links {
            let Some(reference) = link.from_status_reference.as_deref() else {
                continue;
            };
            match in_workflow(reference) {
                Some(id) if !from.iter().any(|known| known == id) => from.push(id.to_owned()),
                Some(_) => {}
                None if statuses.is_refused(reference) => from_refused = true,
                None => {
                    problems.push(problem(
                        "INVALID_FROM_STATUS",
                        format!(
                            "The transition '{name}' starts from '{reference}', which is not a \
                             status of the workflow."
                        ),
                    ));
                }
            }
        }
        match (kind, from.is_empty()) {
            (TransitionKind::Directed, true) if !from_refused => problems.push(problem(
                "MISSING_FROM_STATUS",
                format!("The directed transition '{name}' must start from a status."),
            )),
            (TransitionKind::Initial | TransitionKind::Global, false) => problems.push(problem(
                "UNEXPECTED_FROM_STATUS",
                format!(
                    "The {} transition '{name}' starts from no status: only a directed one does.",
                    kind.as_str()
                ),
            )),
            _ => {}
        }
        records.push(TransitionRecord {
            id,
            name: name.to_owned(),
            description,
            kind,
            to: to.to_owned(),
            from,
        });
    }
    if initial != 1 {
        problems.push(Problem::new(
            "INITIAL_TRANSITION",
            ElementType::Workflow,
            Element::Nothing,
            format!(
                "The workflow '{}' must have exactly one initial transition; it has {initial}.",
                draft.name
            ),
        ));
    }
    records
}

/// The scope a create request gives its workflows, or the problem with it.
pub(super) fn create_scope(world: &World, request: &CreateRequest) -> Result<Scope, Problem> {
    let problem =
        |code, message: &str| Problem::new(code, ElementType::Scope, Element::Nothing, message);
    match request.scope.as_ref().map(|s| (s.kind, s.project.as_ref())) {
        Some((Some(ScopeKind::Global), _)) => Ok(Scope::Global),
        Some((Some(ScopeKind::Project), Some(project))) => world
            .projects
            .iter()
            .find(|p| p.id == project.id)
            .map(|p| Scope::Project(p.id.clone()))
            .ok_or_else(|| problem("PROJECT_NOT_FOUND", "The scope's project does not exist.")),
        Some((Some(ScopeKind::Project), None)) => Err(problem(
            "MISSING_SCOPE_PROJECT",
            "A PROJECT scope must name its project.",
        )),
        Some((None, _)) | None => Err(problem(
            "MISSING_SCOPE",
            "The workflows need a scope: GLOBAL or PROJECT.",
        )),
    }
}

/// Checks a create request made with the (checked) `scope`.
pub(super) fn check_create(
    world: &World,
    scope: &Scope,
    request: &CreateRequest,
    now: OffsetDateTime,
) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let statuses = resolve_statuses(world, &request.statuses, |_| scope.clone(), &mut problems);
    let mut names: Vec<String> = Vec::new();
    let mut workflows = Vec::new();
    if world.workflows.workflows.len() + request.workflows.len() > MAX_SITE_WORKFLOWS {
        problems.push(Problem::new(
            "WORKFLOW_LIMIT",
            ElementType::Workflow,
            Element::Nothing,
            format!("The site cannot hold more workflows (at most {MAX_SITE_WORKFLOWS})."),
        ));
    }
    for input in &request.workflows {
        let lower = input.name.to_lowercase();
        let taken = world
            .workflows
            .workflows
            .iter()
            .any(|w| w.name.to_lowercase() == lower)
            || names.contains(&lower);
        if !is_name(&input.name) || taken {
            problems.push(Problem::new(
                if taken {
                    "NON_UNIQUE_WORKFLOW_NAME"
                } else {
                    "INVALID_WORKFLOW_NAME"
                },
                ElementType::Workflow,
                Element::Nothing,
                if taken {
                    format!("A workflow named '{}' already exists.", input.name)
                } else {
                    format!("A workflow needs a name of at most {MAX_NAME_CHARS} characters.")
                },
            ));
        }
        names.push(lower);
        let draft = Draft {
            name: &input.name,
            description: input.description.as_deref(),
            scope,
            statuses: &input.statuses,
            transitions: &input.transitions,
            existing: None,
        };
        if let Some((status_ids, transitions)) = check_workflow(&draft, &statuses, &mut problems) {
            workflows.push(WorkflowRecord {
                id: uuid::Uuid::new_v4().to_string(),
                name: input.name.clone(),
                description: input.description.clone().unwrap_or_default(),
                scope: scope.clone(),
                statuses: status_ids,
                transitions,
                version_number: 0,
                version_id: uuid::Uuid::new_v4().to_string(),
                created: Some(now),
                updated: Some(now),
                default_for_projects: false,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan {
        new_statuses: statuses.new,
        changed_statuses: statuses.changed,
        workflows,
        migrations: Vec::new(),
    })
}

/// Checks an update request; `existing` is each of its workflows as the site
/// has it (`None`: no such workflow).
pub(super) fn check_update(
    world: &World,
    request: &UpdateRequest,
    existing: &[Option<&WorkflowRecord>],
    now: OffsetDateTime,
) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    // A new status takes the scope of the first workflow that lists it.
    let scope_of_new = |reference: &str| {
        request
            .workflows
            .iter()
            .zip(existing)
            .find(|(input, _)| {
                input
                    .statuses
                    .iter()
                    .any(|s| s.status_reference == reference)
            })
            .and_then(|(_, found)| found.map(|w| w.scope.clone()))
            .unwrap_or(Scope::Global)
    };
    let statuses = resolve_statuses(world, &request.statuses, scope_of_new, &mut problems);
    let mut workflows = Vec::new();
    let mut migrations = Vec::new();
    let mut seen = BTreeSet::new();
    for (input, found) in request.workflows.iter().zip(existing) {
        let workflow_problem = |code, message: String| {
            Problem::new(code, ElementType::Workflow, Element::Nothing, message)
        };
        let Some(current) = found else {
            problems.push(workflow_problem(
                "WORKFLOW_NOT_FOUND",
                format!("The workflow with ID '{}' was not found.", input.id),
            ));
            continue;
        };
        if !seen.insert(current.id.as_str()) {
            problems.push(workflow_problem(
                "DUPLICATE_WORKFLOW",
                format!("The workflow '{}' is updated more than once.", current.name),
            ));
            continue;
        }
        // The version the caller read must be the one the site has: an update
        // made from an older copy would undo what happened since.
        let fresh = input.version.id.as_deref() == Some(current.version_id.as_str())
            && input.version.version_number == Some(current.version_number);
        if !fresh {
            problems.push(workflow_problem(
                STALE_VERSION,
                "Workflow version and version token must match: read the workflow again and \
                 update its latest version."
                    .to_owned(),
            ));
            continue;
        }
        let draft = Draft {
            name: &current.name,
            description: input.description.as_deref(),
            scope: &current.scope,
            statuses: &input.statuses,
            transitions: &input.transitions,
            existing: Some(current),
        };
        let Some((status_ids, transitions)) = check_workflow(&draft, &statuses, &mut problems)
        else {
            continue;
        };
        // Whatever workflow it is: the issues following it (by their project's
        // workflow scheme) need somewhere to go; an inactive one has none.
        migrations.extend(check_migrations(
            world,
            &current.id,
            input,
            &statuses,
            &status_ids,
            &mut problems,
        ));
        workflows.push(WorkflowRecord {
            description: input
                .description
                .clone()
                .unwrap_or_else(|| current.description.clone()),
            statuses: status_ids,
            transitions,
            version_number: current.version_number + 1,
            version_id: uuid::Uuid::new_v4().to_string(),
            updated: Some(now),
            ..(*current).clone()
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan {
        new_statuses: statuses.new,
        changed_statuses: statuses.changed,
        workflows,
        migrations,
    })
}

/// Where each issue in a status the update removes goes: the migration for its
/// project and issue type (`statusMappings`), else the default one
/// (`defaultStatusMappings`), into a status the workflow keeps. Only the
/// issues following the workflow `workflow_id` (`World::workflow_of`) count.
fn check_migrations(
    world: &World,
    workflow_id: &str,
    input: &UpdateWorkflow,
    statuses: &Statuses<'_>,
    kept: &[String],
    problems: &mut Vec<Problem>,
) -> Vec<(usize, String)> {
    let mut moves = Vec::new();
    let mut reported = BTreeSet::new();
    for (index, issue) in world.issues.iter().enumerate() {
        let from = issue.status.id.as_str();
        if kept.iter().any(|id| id == from)
            || world.workflow_of(issue).is_none_or(|w| w.id != workflow_id)
        {
            continue;
        }
        let Some(project) = world.project(&issue.project_key) else {
            continue;
        };
        let matches = |old: &str| statuses.resolve(old) == Some(from);
        let specific = input
            .status_mappings
            .iter()
            .filter(|m| m.project_id == project.id && m.issue_type_id == issue.issue_type.id)
            .flat_map(|m| &m.status_migrations)
            .find(|m| matches(&m.old_status_reference));
        let chosen = specific.or_else(|| {
            input
                .default_status_mappings
                .iter()
                .find(|m| matches(&m.old_status_reference))
        });
        let element = Element::Mapping {
            project_id: project.id.clone(),
            issue_type_id: issue.issue_type.id.to_owned(),
        };
        let target = chosen
            .and_then(|m| statuses.resolve(&m.new_status_reference))
            .filter(|id| kept.iter().any(|k| k == id));
        match target {
            Some(target) => moves.push((index, target.to_owned())),
            None => {
                // Once per project, issue type and status, however many issues.
                if reported.insert((project.id.clone(), issue.issue_type.id, from)) {
                    problems.push(Problem::new(
                        "MISSING_STATUS_MAPPING",
                        ElementType::StatusMapping,
                        element,
                        format!(
                            "Issues of project {} and issue type {} are in the status '{}', \
                             which the update removes: map it to a status the workflow keeps \
                             (statusMappings or defaultStatusMappings).",
                            project.key, issue.issue_type.name, issue.status.name
                        ),
                    ));
                }
            }
        }
    }
    moves
}
