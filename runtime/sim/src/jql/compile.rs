//! Resolves a parsed query against the site as the caller sees it.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::JqlError;
use super::dates::{self, DateTest, Resolution};
use super::due_date::{self, DueDateTest};
use super::entity_property::{self, PropertySort, PropertyTest};
use super::parser::{Ast, Clause, Expr, Operand, Operator, ordering_holds, parse};
use super::saved_filter::{self, Expansion};
use super::text_search::TextQuery;
use crate::adf;
use crate::clock::SimClock;
use crate::seed::SeedPermission;
use crate::world::PRIORITIES;
use crate::world::cascading;
use crate::world::custom_field::{
    CustomFieldRecord, CustomValue, Kind, format_date, format_number, minute_of, parse_date,
};
use crate::world::resolution::RESOLUTIONS;
use crate::world::sprint::SprintState;
use crate::world::workflow::{ISSUE_TYPES, IssueType, STATUSES};
use crate::world::{IssueRecord, World};

/// A query ready to run: every name resolved, so matching cannot fail.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    filter: Option<Predicate>,
    order: Vec<(SortKey, bool)>,
    /// What each [`SortKey::Property`] orders by.
    property_sorts: Vec<PropertySort>,
    /// The site's clock, read when a relative date (`"-1d"`, `now()`) is
    /// matched: a query compiled once (an admin webhook's) must not freeze
    /// "now" at its compilation.
    clock: SimClock,
}

#[derive(Debug, Clone)]
enum Predicate {
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
    Not(Box<Predicate>),
    /// The issue's values of `field` meet `wanted` (`None` = EMPTY).
    Values {
        field: ValueField,
        wanted: Vec<Option<String>>,
        negate: bool,
    },
    /// Jira's word search in the text of `field` (`text_search.rs`).
    Text {
        field: TextField,
        query: TextQuery,
        negate: bool,
    },
    /// `<`, `>`, `<=`, `>=` on a custom number, date or date-time field with a
    /// range searcher; an issue without a value never matches.
    Range {
        number: u64,
        operator: &'static str,
        bound: Bound,
    },
    /// A `duedate` clause (`due_date.rs`).
    DueDate(DueDateTest),
    /// A clause on a date-time field (`dates.rs`).
    Date {
        field: DateField,
        test: DateTest,
    },
    /// `<`, `>`, `<=`, `>=` on `priority`: by the priorities' order, highest
    /// first, so `priority > Medium` is High and Highest, as in Jira.
    PriorityRank {
        operator: &'static str,
        /// The bound's position in [`PRIORITIES`].
        rank: usize,
    },
    /// `<`, `>`, `<=`, `>=` on `key` (`issuekey`, `id`, `issue`): issues of
    /// the bound's project whose key's number is above or below the bound's,
    /// so `key > KILN-10` is KILN-11 on, as in Jira.
    KeyRange {
        project: String,
        operator: &'static str,
        number: u64,
    },
    /// A clause on an issue property path an app indexes
    /// (`entity_property.rs`).
    Property(PropertyTest),
    /// `field CHANGED …` or `field WAS …`, searched in the issue's history
    /// (`history.rs`).
    History(super::history::HistoryTest),
}

/// A system date-time field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateField {
    Created,
    Updated,
    /// `resolved` (`resolutiondate`): when the issue was resolved; empty while
    /// it is unresolved.
    Resolved,
    /// `statusCategoryChangedDate`: when the issue last moved into a status of
    /// another category (its creation until then).
    StatusCategoryChanged,
}

/// The other side of a range clause, in the canonical form of the field's values.
#[derive(Debug, Clone)]
enum Bound {
    Number(f64),
    /// `yyyy-MM-dd` or `yyyy-MM-dd HH:mm`: ordered as text.
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueField {
    Project,
    Status,
    Assignee,
    Reporter,
    /// `creator`: the account that created the issue.
    Creator,
    Labels,
    Key,
    IssueType,
    Component,
    /// `fixVersion`: the ids of the issue's fix versions.
    FixVersion,
    /// `affectedVersion`: the ids of the issue's affects versions.
    AffectedVersion,
    /// `parent`: the id of the issue's parent (its epic, a sub-task's issue).
    Parent,
    /// `sprint`: the ids of the sprints the issue is or was in.
    Sprint,
    /// `statusCategory`: the id of the category of the issue's status.
    StatusCategory,
    /// `priority`: the id of the issue's priority.
    Priority,
    /// `resolution`: the id of the issue's resolution, none while it is
    /// unresolved (`Unresolved` is EMPTY).
    Resolution,
    /// A custom field, by number: its canonical values
    /// ([`crate::world::custom_field::CustomValue::canonical`]).
    Custom(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    /// Summary, description, environment and comments, as Jira's `text`
    /// searches them (and its free-text custom fields, which it leaves out).
    Any,
    Summary,
    Description,
    Environment,
    Comment,
    /// A text custom field, by number.
    Custom(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Key,
    Created,
    Updated,
    Summary,
    Status,
    Assignee,
    Project,
    DueDate,
    /// Highest first descending, as Jira orders priorities.
    Priority,
    /// `resolved` (`resolutiondate`): unresolved issues last ascending.
    Resolved,
    /// `resolution`: in the site's order of resolutions, unresolved last
    /// ascending.
    Resolution,
    /// `creator`: by display name, as `assignee`.
    Creator,
    StatusCategoryChanged,
    /// Jira Software's Rank (`world::rank`): `ORDER BY Rank`, as a board's
    /// filter orders.
    Rank,
    /// A custom field, by number.
    Custom(u64),
    /// An indexed issue property value: the position of its
    /// [`PropertySort`] in [`Query::property_sorts`].
    Property(usize),
}

enum Field {
    Value(ValueField),
    Text(TextField),
    /// A searchable custom field: `cf[N]` or its name.
    Custom(u64, Kind),
    /// `duedate` or `due`.
    DueDate,
    Date(DateField),
}

fn field_named(name: &str) -> Option<Field> {
    let field = match name.to_ascii_lowercase().as_str() {
        "project" => Field::Value(ValueField::Project),
        "status" => Field::Value(ValueField::Status),
        "assignee" => Field::Value(ValueField::Assignee),
        "reporter" => Field::Value(ValueField::Reporter),
        "creator" => Field::Value(ValueField::Creator),
        "labels" => Field::Value(ValueField::Labels),
        "key" | "issuekey" | "id" | "issue" => Field::Value(ValueField::Key),
        "issuetype" | "type" => Field::Value(ValueField::IssueType),
        "component" => Field::Value(ValueField::Component),
        "fixversion" => Field::Value(ValueField::FixVersion),
        "affectedversion" => Field::Value(ValueField::AffectedVersion),
        "parent" => Field::Value(ValueField::Parent),
        "sprint" | "cf[10020]" => Field::Value(ValueField::Sprint),
        "statuscategory" => Field::Value(ValueField::StatusCategory),
        "priority" => Field::Value(ValueField::Priority),
        "resolution" => Field::Value(ValueField::Resolution),
        "created" | "createddate" => Field::Date(DateField::Created),
        "updated" | "updateddate" => Field::Date(DateField::Updated),
        "resolved" | "resolutiondate" => Field::Date(DateField::Resolved),
        "statuscategorychangeddate" => Field::Date(DateField::StatusCategoryChanged),
        "text" => Field::Text(TextField::Any),
        "summary" => Field::Text(TextField::Summary),
        "description" => Field::Text(TextField::Description),
        "environment" => Field::Text(TextField::Environment),
        "comment" => Field::Text(TextField::Comment),
        name if due_date::is_clause(name) => Field::DueDate,
        _ => return None,
    };
    Some(field)
}

/// Jira's system clause names the simulator does not search (and some it
/// does): a custom field with one of these names is still not reached by it,
/// as on a real site.
fn is_system_clause(name: &str) -> bool {
    const NAMES: [&str; 10] = [
        "sprint",
        "parent",
        "votes",
        "watchers",
        "creator",
        "level",
        "filter",
        "category",
        "attachments",
        "subtasks",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Whether a custom field called `name` is reached by its name: no system
/// clause, searched or not, and no saved-filter clause has it
/// (`Resolver::custom_field`).
pub(super) fn is_clause_name_free(name: &str) -> bool {
    field_named(name).is_none() && !is_system_clause(name) && !saved_filter::is_clause(name)
}

/// Parses and resolves `jql` for `caller`.
pub(crate) fn compile(jql: &str, world: &World, caller: &str) -> Result<Query, JqlError> {
    compile_saved(jql, world, caller, None)
}

/// As [`compile`], for the JQL of the saved filter with id `defining` (if it has
/// one yet), which the JQL may then not reach through the `filter` clause: a
/// filter that matches itself is a cycle, as in Jira.
pub(crate) fn compile_saved(
    jql: &str,
    world: &World,
    caller: &str,
    defining: Option<u64>,
) -> Result<Query, JqlError> {
    let Ast { filter, order } = parse(jql)?;
    let resolver = Resolver {
        world,
        caller,
        saved: Expansion::new(defining),
    };
    let filter = filter.map(|expr| resolver.expr(&expr)).transpose()?;
    let mut property_sorts = Vec::new();
    let order = order
        .iter()
        .map(|sort| {
            let custom = (!is_system_clause(&sort.field))
                .then(|| resolver.custom_field(&sort.field))
                .flatten()
                .map(|f| SortKey::Custom(f.number));
            custom
                .or_else(|| sort_key(&sort.field))
                .or_else(|| {
                    let index = entity_property::index_named(world, &sort.field)?;
                    property_sorts.push(PropertySort::new(index));
                    Some(SortKey::Property(property_sorts.len() - 1))
                })
                .map(|key| (key, sort.descending))
                .ok_or_else(|| JqlError(format!("Not able to sort using field '{}'.", sort.field)))
        })
        .collect::<Result<_, _>>()?;
    Ok(Query {
        filter,
        order,
        property_sorts,
        clock: world.clock.clone(),
    })
}

fn sort_key(name: &str) -> Option<SortKey> {
    let key = match name.to_ascii_lowercase().as_str() {
        "key" | "issuekey" | "id" => SortKey::Key,
        "created" | "createddate" => SortKey::Created,
        "updated" | "updateddate" => SortKey::Updated,
        "summary" => SortKey::Summary,
        "status" => SortKey::Status,
        "assignee" => SortKey::Assignee,
        "project" => SortKey::Project,
        name if due_date::is_clause(name) => SortKey::DueDate,
        "priority" => SortKey::Priority,
        "resolved" | "resolutiondate" => SortKey::Resolved,
        "resolution" => SortKey::Resolution,
        "creator" => SortKey::Creator,
        "statuscategorychangeddate" => SortKey::StatusCategoryChanged,
        // By name or as the custom field it is on Jira Cloud; a site custom
        // field of either name is found first (`compile_saved`).
        "rank" | "cf[10019]" => SortKey::Rank,
        _ => return None,
    };
    Some(key)
}

struct Resolver<'a> {
    world: &'a World,
    caller: &'a str,
    /// The saved filters the `filter` clause has reached.
    saved: std::cell::RefCell<Expansion>,
}

impl<'a> Resolver<'a> {
    fn expr(&self, expr: &Expr) -> Result<Predicate, JqlError> {
        Ok(match expr {
            Expr::And(terms) => Predicate::And(
                terms
                    .iter()
                    .map(|t| self.expr(t))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(terms) => Predicate::Or(
                terms
                    .iter()
                    .map(|t| self.expr(t))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => Predicate::Not(Box::new(self.expr(inner)?)),
            Expr::Clause(clause) => self.clause(clause)?,
            Expr::History(clause) => Predicate::History(super::history::HistoryTest::compile(
                clause,
                self.world,
                self.caller,
            )?),
        })
    }

    /// The searchable custom field a clause names: `cf[N]`, or a name no system
    /// field has (the first field of that name, without regard to case), or
    /// that name with its type's display name in square brackets (`"Story
    /// Points[Number]"`, Jira's way to tell apart fields that share a name).
    /// The first two are the field's `clauseNames`; `customfield_N` is not one,
    /// and Jira answers it as an unknown field. A field without a searcher
    /// cannot be searched, as in Jira.
    fn custom_field(&self, name: &str) -> Option<&'a CustomFieldRecord> {
        let number = name
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("cf["))
            .and_then(|_| name.get(3..)?.strip_suffix(']')?.parse::<u64>().ok());
        let found = match number {
            Some(number) => self.world.custom_field_numbered(number),
            None if field_named(name).is_none() && !is_system_clause(name) => {
                let fields = &self.world.custom_fields;
                fields
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(name))
                    .or_else(|| {
                        let (base, kind) = name.strip_suffix(']')?.rsplit_once('[')?;
                        fields.iter().find(|f| {
                            f.name.eq_ignore_ascii_case(base)
                                && f.kind.display_name().eq_ignore_ascii_case(kind)
                        })
                    })
            }
            None => None,
        };
        found.filter(|f| f.searcher_key.is_some())
    }

    fn clause(&self, clause: &Clause) -> Result<Predicate, JqlError> {
        if saved_filter::is_clause(&clause.field) {
            // A filter whose JQL has no restriction matches every issue.
            let (negate, terms) =
                saved_filter::expand(clause, self.world, self.caller, &self.saved, |expr| {
                    expr.map_or(Ok(Predicate::And(Vec::new())), |e| self.expr(e))
                })?;
            let any = Predicate::Or(terms);
            return Ok(if negate {
                Predicate::Not(Box::new(any))
            } else {
                any
            });
        }
        let custom = self
            .custom_field(&clause.field)
            .map(|f| Field::Custom(f.number, f.kind));
        // An indexed issue property, by path or alias: a site field of the
        // alias's name comes first.
        if custom.is_none()
            && field_named(&clause.field).is_none()
            && let Some(index) = entity_property::index_named(self.world, &clause.field)
        {
            return PropertyTest::compile(clause, index, self.world, self.caller)
                .map(Predicate::Property);
        }
        let field = custom
            .or_else(|| field_named(&clause.field))
            .ok_or_else(|| {
                JqlError(format!(
                    "Field '{}' does not exist or you do not have permission to view it.",
                    clause.field
                ))
            })?;
        let unsupported = || {
            JqlError(format!(
                "The operator '{}' is not supported by the '{}' field.",
                clause.operator.as_str(),
                clause.field
            ))
        };
        if let Field::DueDate = field {
            return DueDateTest::compile(clause).map(Predicate::DueDate);
        }
        if let Field::Date(field) = field {
            let test = DateTest::compile(clause, Resolution::Instant, &dates::all_functions())?;
            return Ok(Predicate::Date { field, test });
        }
        if let (Field::Value(ValueField::Priority), Operator::Ordering(operator)) =
            (&field, clause.operator)
        {
            return priority_rank(&clause.field, operator, &clause.operand);
        }
        if let (Field::Value(ValueField::Key), Operator::Ordering(operator)) =
            (&field, clause.operator)
        {
            return self.key_range(&clause.field, operator, &clause.operand);
        }
        if let (Field::Custom(number, kind), Operator::Ordering(operator)) =
            (&field, clause.operator)
        {
            return self.range(*number, *kind, &clause.field, operator, &clause.operand);
        }
        let field = match field {
            Field::Custom(number, kind) if kind.is_text() => match clause.operator {
                Operator::Is | Operator::IsNot => Field::Value(ValueField::Custom(number)),
                _ => Field::Text(TextField::Custom(number)),
            },
            Field::Custom(number, _) => Field::Value(ValueField::Custom(number)),
            other => other,
        };
        match field {
            // Date clauses were compiled above; this arm is never reached.
            Field::Custom(..) | Field::DueDate | Field::Date(_) => Err(unsupported()),
            Field::Text(field) => {
                let negate = match clause.operator {
                    Operator::Contains => false,
                    Operator::NotContains => true,
                    _ => return Err(unsupported()),
                };
                let Operand::Literal(text) = &clause.operand else {
                    return Err(JqlError(format!(
                        "The field '{}' requires a text value for the '{}' operator.",
                        clause.field,
                        clause.operator.as_str()
                    )));
                };
                Ok(Predicate::Text {
                    field,
                    query: TextQuery::parse(text),
                    negate,
                })
            }
            Field::Value(field) => {
                let (negate, operands) = match (clause.operator, &clause.operand) {
                    (Operator::Equals, Operand::List(_))
                    | (Operator::NotEquals, Operand::List(_)) => {
                        return Err(unsupported());
                    }
                    // A function that stands for a list takes `IN` and `NOT IN`
                    // only, as in Jira.
                    (Operator::Equals | Operator::NotEquals, Operand::Function(function, _))
                        if issue_type_function(function).is_some()
                            || sprint_function(function).is_some()
                            || is_members_of(function)
                            || cascading::is_cascade_option(function) =>
                    {
                        return Err(JqlError(format!(
                            "The operator '{}' is not supported by the function '{function}'; \
                             use 'in' or 'not in'.",
                            clause.operator.as_str()
                        )));
                    }
                    (Operator::Equals, single) => (false, vec![single.clone()]),
                    (Operator::NotEquals, single) => (true, vec![single.clone()]),
                    (Operator::In, Operand::List(items)) => (false, items.clone()),
                    (Operator::NotIn, Operand::List(items)) => (true, items.clone()),
                    (Operator::In, function @ Operand::Function(..)) => {
                        (false, vec![function.clone()])
                    }
                    (Operator::NotIn, function @ Operand::Function(..)) => {
                        (true, vec![function.clone()])
                    }
                    (Operator::Is, Operand::Empty) => (false, vec![Operand::Empty]),
                    (Operator::IsNot, Operand::Empty) => (true, vec![Operand::Empty]),
                    (Operator::Is | Operator::IsNot, _) => {
                        return Err(JqlError(format!(
                            "The operator '{}' only supports the EMPTY value for the field '{}'.",
                            clause.operator.as_str(),
                            clause.field
                        )));
                    }
                    _ => return Err(unsupported()),
                };
                let wanted = operands
                    .iter()
                    .map(|operand| self.values(field, &clause.field, operand))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .collect();
                Ok(Predicate::Values {
                    field,
                    wanted,
                    negate,
                })
            }
        }
    }

    /// Resolves one operand to the canonical value stored on issues.
    fn value(
        &self,
        field: ValueField,
        name: &str,
        operand: &Operand,
    ) -> Result<Option<String>, JqlError> {
        let literal = match operand {
            Operand::Empty => return Ok(None),
            Operand::List(_) => {
                return Err(JqlError(format!(
                    "A list is not valid here for the field '{name}'."
                )));
            }
            Operand::Function(function, args) => {
                if is_members_of(function) {
                    return Err(JqlError(format!(
                        "Function '{function}' is not supported by the field '{name}'."
                    )));
                }
                no_arguments(function, args)?;
                if issue_type_function(function).is_some() || sprint_function(function).is_some() {
                    return Err(JqlError(format!(
                        "Function '{function}' is not supported by the field '{name}'."
                    )));
                }
                if !function.eq_ignore_ascii_case("currentUser") {
                    return Err(JqlError(format!(
                        "Unable to find JQL function '{function}()'."
                    )));
                }
                if !self.is_user_field(field) {
                    return Err(JqlError(format!(
                        "Function 'currentUser' is not supported by the field '{name}'."
                    )));
                }
                return Ok(Some(self.caller.to_owned()));
            }
            Operand::Literal(literal) => literal,
        };
        let missing = || {
            JqlError(format!(
                "The value '{literal}' does not exist for the field '{name}'."
            ))
        };
        let resolved = match field {
            ValueField::Project => self
                .world
                .projects
                .iter()
                .find(|p| {
                    (p.key.eq_ignore_ascii_case(literal)
                        || p.id == *literal
                        || p.name.eq_ignore_ascii_case(literal))
                        && p.grants(self.caller, SeedPermission::Browse)
                })
                .map(|p| p.key.clone())
                .ok_or_else(missing)?,
            // The site's statuses as they are now: those a workflow write
            // created included (`world/site_workflows.rs`).
            ValueField::Status => self
                .world
                .workflows
                .statuses
                .iter()
                .map(|e| &e.status)
                .find(|s| s.name.eq_ignore_ascii_case(literal) || s.id == *literal)
                .map(|s| s.id.to_string())
                .ok_or_else(missing)?,
            ValueField::Assignee | ValueField::Reporter | ValueField::Creator => self
                .world
                .users
                .iter()
                .find(|u| u.account_id == *literal || u.email.eq_ignore_ascii_case(literal))
                .map(|u| u.account_id.clone())
                .ok_or_else(missing)?,
            ValueField::IssueType => ISSUE_TYPES
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(literal) || t.id == literal)
                .map(|t| t.id.to_owned())
                .ok_or_else(missing)?,
            // A parent is named by key or id, as `issue` is, and must be one
            // the caller may browse: a hidden one does not exist for them.
            ValueField::Key | ValueField::Parent => self
                .world
                .visible_issue(self.caller, literal)
                .and_then(|index| self.world.issues.get(index))
                .map(|issue| match field {
                    ValueField::Parent => issue.id.to_string(),
                    _ => issue.key.clone(),
                })
                .ok_or_else(|| {
                    JqlError(format!(
                        "An issue with key '{literal}' does not exist for field '{name}'."
                    ))
                })?,
            ValueField::Labels | ValueField::Component => literal.clone(),
            // `values` takes every version a literal names and does not come
            // here with one; alone, the first version of the name stands for it.
            ValueField::FixVersion | ValueField::AffectedVersion => self
                .version_ids(literal)
                .into_iter()
                .next()
                .ok_or_else(missing)?,
            ValueField::Custom(number) => {
                let field = self
                    .world
                    .custom_field_numbered(number)
                    .ok_or_else(missing)?;
                self.custom_literal(field, name, literal)?
            }
            // As for versions, `values` takes every sprint a literal names.
            ValueField::Sprint => self
                .sprint_ids(literal)
                .into_iter()
                .next()
                .ok_or_else(missing)?,
            // By name ("To Do"), key ("new") or id ("2"), as Jira takes them.
            ValueField::StatusCategory => STATUSES
                .iter()
                .map(|s| s.category)
                .find(|c| {
                    c.name.eq_ignore_ascii_case(literal)
                        || c.key.eq_ignore_ascii_case(literal)
                        || c.id.to_string() == *literal
                })
                .map(|c| c.id.to_string())
                .ok_or_else(missing)?,
            ValueField::Priority => priority_named(literal)
                .and_then(|rank| PRIORITIES.get(rank))
                .map(|p| p.id.to_owned())
                .ok_or_else(missing)?,
            // `Unresolved` is Jira's word for no resolution: EMPTY.
            ValueField::Resolution if literal.eq_ignore_ascii_case("unresolved") => {
                return Ok(None);
            }
            ValueField::Resolution => RESOLUTIONS
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(literal) || r.id == literal)
                .map(|r| r.id.to_owned())
                .ok_or_else(missing)?,
        };
        Ok(Some(resolved))
    }

    /// Resolves one operand to every canonical value it stands for: a version
    /// name may be used in several projects, a select option's value in
    /// several contexts of its field, and the clause means any of those
    /// versions or options, as in Jira. Other fields' operands stand for one
    /// value.
    fn values(
        &self,
        field: ValueField,
        name: &str,
        operand: &Operand,
    ) -> Result<Vec<Option<String>>, JqlError> {
        if let (ValueField::IssueType, Operand::Function(function, args)) = (field, operand)
            && let Some(level) = issue_type_function(function)
        {
            no_arguments(function, args)?;
            return Ok(ISSUE_TYPES
                .iter()
                .filter(|t| level(t))
                .map(|t| Some(t.id.to_owned()))
                .collect());
        }
        if let (ValueField::Sprint, Operand::Function(function, args)) = (field, operand)
            && let Some(state) = sprint_function(function)
        {
            no_arguments(function, args)?;
            return Ok(self
                .world
                .sprints
                .iter()
                .filter(|s| state(s.state))
                .map(|s| Some(s.id.to_string()))
                .collect());
        }
        if let (ValueField::Custom(number), Operand::Function(function, args)) = (field, operand)
            && cascading::is_cascade_option(function)
        {
            let field = self.world.custom_field_numbered(number);
            return cascading::cascade_option(field, name, args).map_err(JqlError);
        }
        if let Operand::Function(function, args) = operand
            && is_members_of(function)
        {
            return self.members_of(field, name, function, args);
        }
        if let (ValueField::Sprint, Operand::Literal(literal)) = (field, operand) {
            let ids = self.sprint_ids(literal);
            if ids.is_empty() {
                return Err(JqlError(format!(
                    "The value '{literal}' does not exist for the field '{name}'."
                )));
            }
            return Ok(ids.into_iter().map(Some).collect());
        }
        if let (ValueField::FixVersion | ValueField::AffectedVersion, Operand::Literal(literal)) =
            (field, operand)
        {
            let ids = self.version_ids(literal);
            if ids.is_empty() {
                return Err(JqlError(format!(
                    "The value '{literal}' does not exist for the field '{name}'."
                )));
            }
            return Ok(ids.into_iter().map(Some).collect());
        }
        if let (ValueField::Custom(number), Operand::Literal(literal)) = (field, operand)
            && let Some(field) = self.world.custom_field_numbered(number)
            && field.kind.has_options()
        {
            // Each context holds its own options, and several may have one
            // of the same value: the clause means any of them, as in Jira.
            let ids: Vec<Option<String>> = field
                .all_options()
                .filter(|o| o.value.eq_ignore_ascii_case(literal))
                .map(|o| Some(o.id.clone()))
                .collect();
            if !ids.is_empty() {
                return Ok(ids);
            }
        }
        Ok(vec![self.value(field, name, operand)?])
    }

    /// Whether `field` holds people: the ones `currentUser()` and `membersOf()`
    /// stand in for.
    fn is_user_field(&self, field: ValueField) -> bool {
        match field {
            ValueField::Assignee | ValueField::Reporter | ValueField::Creator => true,
            ValueField::Custom(number) => self
                .world
                .custom_field_numbered(number)
                .is_some_and(|f| f.kind == Kind::UserPicker),
            _ => false,
        }
    }

    /// `membersOf("group")`: the account ids of the group's members (the group
    /// named without regard to case, as Jira's group names are), for a field
    /// that holds people.
    fn members_of(
        &self,
        field: ValueField,
        name: &str,
        function: &str,
        args: &[String],
    ) -> Result<Vec<Option<String>>, JqlError> {
        if !self.is_user_field(field) {
            return Err(JqlError(format!(
                "Function '{function}' is not supported by the field '{name}'."
            )));
        }
        let [group] = args else {
            return Err(JqlError(format!(
                "Function '{function}' expected '1' arguments but received '{}'.",
                args.len()
            )));
        };
        let found = self.world.group_named(group).ok_or_else(|| {
            JqlError(format!(
                "Function '{function}' can not be generated for the group '{group}': it does not exist."
            ))
        })?;
        Ok(found.members.into_iter().map(Some).collect())
    }

    /// The ids of the sprints `literal` names, by id or by name without regard
    /// to case, among those the caller may see.
    fn sprint_ids(&self, literal: &str) -> Vec<String> {
        self.world
            .sprints
            .iter()
            .filter(|s| {
                (s.id.to_string() == literal || s.name.eq_ignore_ascii_case(literal))
                    && self.world.may_view_sprint(self.caller, s)
            })
            .map(|s| s.id.to_string())
            .collect()
    }

    /// The ids of the versions `literal` names, by id or by name without regard
    /// to case, among the projects the caller may browse (a hidden project's
    /// versions do not exist for it).
    fn version_ids(&self, literal: &str) -> Vec<String> {
        self.world
            .versions
            .iter()
            .filter(|v| {
                (v.id.to_string() == literal || v.name.eq_ignore_ascii_case(literal))
                    && self
                        .world
                        .may(self.caller, &v.project_key, SeedPermission::Browse)
            })
            .map(|v| v.id.to_string())
            .collect()
    }

    /// A range clause on `key`: the bound names an issue the caller may
    /// browse, by key or id, as `=` does; the range is that issue's project's
    /// keys above or below its number (Jira orders keys within a project by
    /// number, so `KILN-9 < KILN-10`).
    fn key_range(
        &self,
        name: &str,
        operator: &'static str,
        operand: &Operand,
    ) -> Result<Predicate, JqlError> {
        let literal = single_literal(operand, operator, name)?;
        let bound = self
            .world
            .visible_issue(self.caller, literal)
            .and_then(|index| self.world.issues.get(index))
            .ok_or_else(|| {
                JqlError(format!(
                    "An issue with key '{literal}' does not exist for field '{name}'."
                ))
            })?;
        Ok(Predicate::KeyRange {
            project: bound.project_key.clone(),
            operator,
            number: key_number(bound),
        })
    }

    /// A range clause on a custom field: numbers with the `numberrange` searcher,
    /// dates and date-times (whose searchers are ranges); others refuse the
    /// operator, as Jira does.
    fn range(
        &self,
        number: u64,
        kind: Kind,
        name: &str,
        operator: &'static str,
        operand: &Operand,
    ) -> Result<Predicate, JqlError> {
        let field = self.world.custom_field_numbered(number);
        let ranged = match kind {
            Kind::Float => field
                .and_then(|f| f.searcher_key.as_deref())
                .is_some_and(|s| s.ends_with(":numberrange")),
            Kind::DatePicker | Kind::DateTime => true,
            _ => false,
        };
        let (Some(field), true) = (field, ranged) else {
            return Err(JqlError(format!(
                "The operator '{operator}' is not supported by the '{name}' field."
            )));
        };
        let literal = single_literal(operand, operator, name)?;
        let canonical = self.custom_literal(field, name, literal)?;
        let bound = match kind {
            Kind::Float => Bound::Number(canonical.parse().unwrap_or(0.0)),
            _ => Bound::Text(canonical),
        };
        Ok(Predicate::Range {
            number,
            operator,
            bound,
        })
    }

    /// A literal for a custom field, in the canonical form its values take.
    fn custom_literal(
        &self,
        field: &CustomFieldRecord,
        name: &str,
        literal: &str,
    ) -> Result<String, JqlError> {
        let missing = || {
            JqlError(format!(
                "The value '{literal}' does not exist for the field '{name}'."
            ))
        };
        let bad_date = || dates::invalid_date(name, literal, Resolution::Instant);
        Ok(match field.kind {
            Kind::Float => literal
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(format_number)
                .ok_or_else(missing)?,
            Kind::Select | Kind::MultiSelect | Kind::Cascading => field
                .option_by_value(literal)
                .or_else(|| field.option_by_id(literal))
                .map(|o| o.id.clone())
                .ok_or_else(|| {
                    JqlError(format!(
                        "The option '{literal}' for field '{name}' does not exist."
                    ))
                })?,
            Kind::DatePicker => parse_date(literal).map(format_date).ok_or_else(bad_date)?,
            Kind::DateTime => dates::parse_date_time(literal)
                .map(|(at, _)| minute_of(at))
                .ok_or_else(bad_date)?,
            Kind::UserPicker => self
                .world
                .users
                .iter()
                .find(|u| u.account_id == literal || u.email.eq_ignore_ascii_case(literal))
                .map(|u| u.account_id.clone())
                .ok_or_else(missing)?,
            Kind::Labels | Kind::TextField | Kind::TextArea => literal.to_owned(),
            // Unsearchable (no searcher), so never reached by `custom_field`.
            Kind::App => return Err(missing()),
        })
    }
}

/// Jira's issue type functions, which stand for every type of a kind:
/// `subTaskIssueTypes()` the sub-task types, `standardIssueTypes()` all others
/// (epics included: Jira's "standard" is "not a sub-task"). Names are matched
/// without regard to case, as JQL's function names are.
/// The sprint functions (`openSprints()`, `closedSprints()`,
/// `futureSprints()`): which sprint states each stands for. Resolved when the
/// query is compiled.
fn sprint_function(function: &str) -> Option<fn(SprintState) -> bool> {
    match function.to_ascii_lowercase().as_str() {
        "opensprints" => Some(SprintState::is_open),
        "closedsprints" => Some(|state| state == SprintState::Closed),
        "futuresprints" => Some(|state| state == SprintState::Future),
        _ => None,
    }
}

/// `membersOf(group)`: the people of a group, a list like the sprint functions.
fn is_members_of(function: &str) -> bool {
    function.eq_ignore_ascii_case("membersOf")
}

/// A function other than a date function takes no arguments: Jira's words for
/// one given some (`currentUser(x)`).
fn no_arguments(function: &str, args: &[String]) -> Result<(), JqlError> {
    if args.is_empty() {
        return Ok(());
    }
    Err(JqlError(format!(
        "Function '{function}' expected '0' arguments but received '{}'.",
        args.len()
    )))
}

/// The position in [`PRIORITIES`] (highest first) of the priority `literal`
/// names, by name without regard to case or by id.
fn priority_named(literal: &str) -> Option<usize> {
    PRIORITIES
        .iter()
        .position(|p| p.name.eq_ignore_ascii_case(literal) || p.id == literal)
}

/// The one value a `<`, `<=`, `>` or `>=` clause on `name` compares with: a literal, as the
/// key, priority and custom range clauses take it.
fn single_literal<'o>(
    operand: &'o Operand,
    operator: &str,
    name: &str,
) -> Result<&'o String, JqlError> {
    match operand {
        Operand::Literal(literal) => Ok(literal),
        _ => Err(JqlError::single_value_required(operator, name)),
    }
}

/// `priority < X` and the like: one priority, by name or id, as the bound.
fn priority_rank(
    name: &str,
    operator: &'static str,
    operand: &Operand,
) -> Result<Predicate, JqlError> {
    let literal = single_literal(operand, operator, name)?;
    let rank = priority_named(literal).ok_or_else(|| {
        JqlError(format!(
            "The value '{literal}' does not exist for the field '{name}'."
        ))
    })?;
    Ok(Predicate::PriorityRank { operator, rank })
}

fn issue_type_function(function: &str) -> Option<fn(&IssueType) -> bool> {
    if function.eq_ignore_ascii_case("subTaskIssueTypes") {
        Some(IssueType::is_subtask)
    } else if function.eq_ignore_ascii_case("standardIssueTypes") {
        Some(|t: &IssueType| !t.is_subtask())
    } else {
        None
    }
}

impl Query {
    /// Whether the query has a restriction at all (the enhanced search refuses
    /// unbounded queries).
    pub(crate) fn is_bounded(&self) -> bool {
        self.filter.is_some()
    }

    /// Whether the query has an `ORDER BY`.
    pub(crate) fn has_order(&self) -> bool {
        !self.order.is_empty()
    }

    pub(crate) fn matches(&self, issue: &IssueRecord) -> bool {
        // Read once per issue, and only if a relative date needs it.
        let now = std::cell::OnceCell::new();
        let now = || *now.get_or_init(|| self.clock.now_utc());
        self.filter.as_ref().is_none_or(|p| p.matches(issue, &now))
    }

    /// Orders issues as `ORDER BY` says; without one, newest first as Jira does.
    pub(crate) fn sort(&self, issues: &mut [&IssueRecord], world: &World) {
        let status_ranks = StatusRanks::of(world, &self.order);
        issues.sort_by(|a, b| {
            for (key, descending) in &self.order {
                let ordering = match key {
                    SortKey::Property(at) => self.property_sorts[*at].compare(a, b, world),
                    SortKey::Status => status_ranks.of_issue(a).cmp(&status_ranks.of_issue(b)),
                    key => compare(*key, a, b, world),
                };
                let ordering = if *descending {
                    ordering.reverse()
                } else {
                    ordering
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            b.created.cmp(&a.created).then(b.id.cmp(&a.id))
        });
    }
}

fn compare(key: SortKey, a: &IssueRecord, b: &IssueRecord, world: &World) -> Ordering {
    match key {
        SortKey::Key => (&a.project_key, key_number(a)).cmp(&(&b.project_key, key_number(b))),
        SortKey::Created => a.created.cmp(&b.created),
        SortKey::Updated => a.updated.cmp(&b.updated),
        SortKey::Summary => a.summary.to_lowercase().cmp(&b.summary.to_lowercase()),
        SortKey::Project => a.project_key.cmp(&b.project_key),
        // Ascending is lowest first: `ORDER BY priority DESC` puts Highest on top.
        SortKey::Priority => priority_rank_of(b).cmp(&priority_rank_of(a)),
        SortKey::Resolved => empty_last(a.resolution_date, b.resolution_date),
        SortKey::Resolution => empty_last(resolution_rank(a), resolution_rank(b)),
        SortKey::StatusCategoryChanged => a.status_category_changed.cmp(&b.status_category_changed),
        SortKey::Rank => a.rank.cmp(&b.rank),
        // Ordered by `Query::sort`, which holds what it orders by.
        SortKey::Property(_) | SortKey::Status => Ordering::Equal,
        SortKey::Creator => {
            let name = |issue: &IssueRecord| {
                world
                    .user(&issue.creator)
                    .map(|u| u.display_name.to_lowercase())
            };
            empty_last(name(a), name(b))
        }
        // Issues without a due date sort last ascending, as empty values do.
        SortKey::DueDate => match (a.due_date, b.due_date) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortKey::Custom(number) => {
            let (x, y) = (a.custom_fields.get(&number), b.custom_fields.get(&number));
            match (x, y) {
                (Some(x), Some(y)) => compare_custom(world, number, x, y),
                // Empty values sort last ascending, as in Jira.
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        SortKey::Assignee => {
            let name = |issue: &IssueRecord| {
                issue
                    .assignee
                    .as_deref()
                    .and_then(|id| world.user(id))
                    .map(|u| u.display_name.to_lowercase())
            };
            // Unassigned sorts last ascending, as in Jira.
            match (name(a), name(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
    }
}

/// Two values of one custom field, in Jira's order for its type: numbers and
/// dates by value, options by their order in the field, users by display name,
/// text without regard to case.
fn compare_custom(world: &World, number: u64, a: &CustomValue, b: &CustomValue) -> Ordering {
    let field = world.custom_field_numbered(number);
    let rank = |id: &str| {
        field
            .and_then(|f| f.all_options().position(|o| o.id == id))
            .unwrap_or(usize::MAX)
    };
    let name = |id: &str| {
        world
            .user(id)
            .map(|u| u.display_name.to_lowercase())
            .unwrap_or_default()
    };
    match (a, b) {
        (CustomValue::Number(x), CustomValue::Number(y)) => x.total_cmp(y),
        (CustomValue::Date(x), CustomValue::Date(y)) => x.cmp(y),
        (CustomValue::DateTime(x), CustomValue::DateTime(y)) => x.cmp(y),
        (CustomValue::Option(x), CustomValue::Option(y)) => rank(x).cmp(&rank(y)),
        (
            CustomValue::Cascade {
                parent: x,
                child: xc,
            },
            CustomValue::Cascade {
                parent: y,
                child: yc,
            },
        ) => (rank(x), xc.as_deref().map(rank)).cmp(&(rank(y), yc.as_deref().map(rank))),
        (CustomValue::Options(x), CustomValue::Options(y)) => {
            let ranks = |ids: &[String]| ids.iter().map(|id| rank(id)).collect::<Vec<_>>();
            ranks(x).cmp(&ranks(y))
        }
        (CustomValue::User(x), CustomValue::User(y)) => name(x).cmp(&name(y)),
        _ => a.text().to_lowercase().cmp(&b.text().to_lowercase()),
    }
}

/// Two values that may be empty, empty last ascending, as Jira sorts them.
fn empty_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The issue's resolution's position in [`RESOLUTIONS`], none while unresolved.
fn resolution_rank(issue: &IssueRecord) -> Option<usize> {
    let resolution = issue.resolution?;
    RESOLUTIONS.iter().position(|r| r.id == resolution.id)
}

fn key_number(issue: &IssueRecord) -> u64 {
    issue
        .key
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// The issue's priority's position in [`PRIORITIES`], highest first.
fn priority_rank_of(issue: &IssueRecord) -> usize {
    PRIORITIES
        .iter()
        .position(|p| p.id == issue.priority.id)
        .unwrap_or(usize::MAX)
}

/// Each status's place in the site's status order (the site's own first, then
/// those workflow writes made, as they were made), looked up once per sort: a
/// site holds up to [`MAX_SITE_STATUSES`](crate::world::site_workflows::MAX_SITE_STATUSES)
/// statuses, and a comparison that searched them would make a sort of every
/// issue cost that many times more.
struct StatusRanks<'w>(HashMap<&'w str, usize>);

impl<'w> StatusRanks<'w> {
    /// The ranks, if the order has a `status` key (else none are looked up).
    fn of(world: &'w World, order: &[(SortKey, bool)]) -> Self {
        let mut ranks = HashMap::new();
        if order.iter().any(|(key, _)| matches!(key, SortKey::Status)) {
            for (rank, entry) in world.workflows.statuses.iter().enumerate() {
                ranks.entry(&*entry.status.id).or_insert(rank);
            }
        }
        Self(ranks)
    }

    /// The issue's status's rank; a status the site does not list sorts last.
    fn of_issue(&self, issue: &IssueRecord) -> usize {
        self.0.get(&*issue.status.id).copied().unwrap_or(usize::MAX)
    }
}

impl Predicate {
    /// `now` is the site's time, for relative dates.
    fn matches(&self, issue: &IssueRecord, now: &dyn Fn() -> time::OffsetDateTime) -> bool {
        match self {
            Self::And(terms) => terms.iter().all(|t| t.matches(issue, now)),
            Self::Or(terms) => terms.iter().any(|t| t.matches(issue, now)),
            Self::Not(inner) => !inner.matches(issue, now),
            Self::DueDate(test) => test.matches(issue.due_date, now),
            Self::Property(test) => test.matches(issue, now),
            Self::History(test) => test.matches(issue, now),
            Self::Date { field, test } => {
                let value = match field {
                    DateField::Created => Some(issue.created),
                    DateField::Updated => Some(issue.updated),
                    DateField::Resolved => issue.resolution_date,
                    DateField::StatusCategoryChanged => Some(issue.status_category_changed),
                };
                test.matches(value, now)
            }
            Self::PriorityRank { operator, rank } => {
                // A lower position is a higher priority.
                ordering_holds(operator, rank.cmp(&priority_rank_of(issue)))
            }
            Self::KeyRange {
                project,
                operator,
                number,
            } => {
                issue.project_key == *project
                    && ordering_holds(operator, key_number(issue).cmp(number))
            }
            Self::Values {
                field,
                wanted,
                negate,
            } => {
                let values = values_of(*field, issue);
                let hit = wanted.iter().any(|w| match w {
                    None => values.is_empty(),
                    Some(v) => values.iter().any(|have| equal(*field, have, v)),
                });
                // Jira's `!=` and `NOT IN` never match an issue with no value.
                if *negate {
                    !hit && !values.is_empty()
                } else {
                    hit
                }
            }
            Self::Text {
                field,
                query,
                negate,
            } => query.matches(&text_of(*field, issue)) != *negate,
            Self::Range {
                number,
                operator,
                bound,
            } => {
                let ordering = match (issue.custom_fields.get(number), bound) {
                    (Some(CustomValue::Number(n)), Bound::Number(b)) => n.partial_cmp(b),
                    (
                        Some(value @ (CustomValue::Date(_) | CustomValue::DateTime(_))),
                        Bound::Text(b),
                    ) => value
                        .canonical()
                        .first()
                        .map(|v| v.as_str().cmp(b.as_str())),
                    _ => None,
                };
                ordering.is_some_and(|o| ordering_holds(operator, o))
            }
        }
    }
}

fn equal(field: ValueField, have: &str, wanted: &str) -> bool {
    match field {
        ValueField::Labels => have == wanted,
        ValueField::Key | ValueField::Component => have.eq_ignore_ascii_case(wanted),
        _ => have == wanted,
    }
}

fn values_of(field: ValueField, issue: &IssueRecord) -> Vec<String> {
    match field {
        ValueField::Project => vec![issue.project_key.clone()],
        ValueField::Status => vec![issue.status.id.to_string()],
        ValueField::Assignee => issue.assignee.iter().cloned().collect(),
        ValueField::Reporter => vec![issue.reporter.clone()],
        ValueField::Creator => vec![issue.creator.clone()],
        ValueField::Labels => issue.labels.clone(),
        ValueField::Key => vec![issue.key.clone()],
        ValueField::IssueType => vec![issue.issue_type.id.to_owned()],
        ValueField::Component => issue.components.clone(),
        ValueField::FixVersion => issue.fix_versions.iter().map(u64::to_string).collect(),
        ValueField::AffectedVersion => issue.affected_versions.iter().map(u64::to_string).collect(),
        ValueField::Parent => issue.parent.iter().map(u64::to_string).collect(),
        ValueField::Sprint => issue.sprints.iter().map(u64::to_string).collect(),
        ValueField::StatusCategory => vec![issue.status.category.id.to_string()],
        ValueField::Priority => vec![issue.priority.id.to_owned()],
        ValueField::Resolution => issue.resolution.iter().map(|r| r.id.to_owned()).collect(),
        ValueField::Custom(number) => issue
            .custom_fields
            .get(&number)
            .map(CustomValue::canonical)
            .unwrap_or_default(),
    }
}

fn text_of(field: TextField, issue: &IssueRecord) -> String {
    let description = || {
        issue
            .description
            .as_ref()
            .map(adf::plain_text)
            .unwrap_or_default()
    };
    let environment = || {
        issue
            .environment
            .as_ref()
            .map(adf::plain_text)
            .unwrap_or_default()
    };
    let comments = || {
        issue
            .comments
            .iter()
            .map(|c| adf::plain_text(&c.body))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match field {
        TextField::Summary => issue.summary.clone(),
        TextField::Description => description(),
        TextField::Environment => environment(),
        TextField::Comment => comments(),
        TextField::Any => format!(
            "{} {} {} {}",
            issue.summary,
            description(),
            environment(),
            comments()
        ),
        TextField::Custom(number) => issue
            .custom_fields
            .get(&number)
            .map(CustomValue::text)
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";

    fn keys(jql: &str, caller: &str) -> Result<Vec<String>, JqlError> {
        let world = World::from_seed(&Seed::default()).expect("seed");
        let query = compile(jql, &world, caller)?;
        let mut hits: Vec<&IssueRecord> = world
            .issues
            .iter()
            .filter(|i| {
                world.may(caller, &i.project_key, SeedPermission::Browse) && query.matches(i)
            })
            .collect();
        query.sort(&mut hits, &world);
        Ok(hits.into_iter().map(|i| i.key.clone()).collect())
    }

    #[test]
    fn filters_and_orders() {
        assert_eq!(
            keys(
                "project = KILN AND status = 'In Progress' ORDER BY key ASC",
                ALICE
            )
            .expect("valid"),
            ["KILN-2", "KILN-5"]
        );
        assert_eq!(
            keys("labels in (docs, release) ORDER BY key DESC", ALICE).expect("valid"),
            ["KILN-6", "KILN-3"]
        );
        assert_eq!(
            keys(
                "text ~ \"hand-over\" OR summary ~ ROTATE order by key",
                ALICE
            )
            .expect("valid"),
            ["KILN-5", "SEC-1"]
        );
    }

    #[test]
    fn empty_and_not_equals_follow_jira() {
        assert_eq!(keys("assignee IS EMPTY", ALICE).expect("valid"), ["KILN-3"]);
        let not_alice = keys(
            "project = KILN AND assignee != currentUser() ORDER BY key",
            ALICE,
        )
        .expect("valid");
        assert_eq!(
            not_alice,
            ["KILN-2", "KILN-4"],
            "unassigned KILN-3 is not matched by !="
        );
    }

    #[test]
    fn a_hidden_project_does_not_exist() {
        let err = keys("project = SEC", CAROL).expect_err("Carol cannot see SEC");
        assert_eq!(
            err.0,
            "The value 'SEC' does not exist for the field 'project'."
        );
    }

    #[test]
    fn a_custom_field_named_like_a_system_clause_is_reached_by_number_only() {
        let seed = Seed {
            custom_fields: vec![crate::seed::SeedCustomField {
                id: None,
                name: String::from("Priority"),
                description: None,
                kind: String::from("select"),
                searcher_key: None,
                options: vec![String::from("Urgent")],
            }],
            ..Seed::default()
        };
        let world = World::from_seed(&seed).expect("seed");
        assert!(compile("cf[10000] = Urgent", &world, ALICE).is_ok());
        assert_eq!(
            compile("Priority = Urgent", &world, ALICE)
                .expect_err("the system clause")
                .0,
            "The value 'Urgent' does not exist for the field 'Priority'."
        );
        assert!(compile("Priority = High", &world, ALICE).is_ok());
    }

    #[test]
    fn unknown_fields_operators_and_sorts_are_refused() {
        assert_eq!(
            keys("colour = red", ALICE).expect_err("unknown field").0,
            "Field 'colour' does not exist or you do not have permission to view it."
        );
        assert_eq!(
            keys("project ~ KILN", ALICE).expect_err("bad operator").0,
            "The operator '~' is not supported by the 'project' field."
        );
        assert_eq!(
            keys("project = KILN ORDER BY colour", ALICE)
                .expect_err("bad sort")
                .0,
            "Not able to sort using field 'colour'."
        );
    }

    #[test]
    fn members_of_stands_for_a_groups_people() {
        let world = World::from_seed(&Seed::default()).expect("seed");
        let developers = world.group_named("kiln-developers").expect("seeded");
        let assigned: Vec<String> = world
            .issues
            .iter()
            .filter(|i| {
                i.assignee
                    .as_ref()
                    .is_some_and(|a| developers.members.contains(a))
            })
            .map(|i| i.key.clone())
            .collect();
        let mut found = keys(
            "assignee in membersOf(\"KILN-Developers\") ORDER BY key",
            ALICE,
        )
        .expect("runs");
        let mut wanted = assigned;
        found.sort();
        wanted.sort();
        assert!(!wanted.is_empty());
        assert_eq!(found, wanted);
        let outside = keys("assignee not in membersOf(\"site-admins\")", ALICE).expect("runs");
        assert!(!outside.is_empty());
        for (jql, error) in [
            (
                "assignee = membersOf(\"site-admins\")",
                "use 'in' or 'not in'",
            ),
            (
                "status in membersOf(\"site-admins\")",
                "not supported by the field 'status'",
            ),
            (
                "assignee in membersOf()",
                "expected '1' arguments but received '0'",
            ),
            (
                "assignee in membersOf(\"nobody\")",
                "'nobody': it does not exist",
            ),
        ] {
            let message = keys(jql, ALICE).expect_err(jql).0;
            assert!(message.contains(error), "{jql}: {message}");
        }
    }
}
