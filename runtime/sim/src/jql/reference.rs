//! What `GET`/`POST /rest/api/3/jql/autocompletedata` answer: the clauses this
//! site's JQL searches, with the operators each takes, whether it orders, the
//! type of its values and whether value suggestions exist; the functions; and the
//! reserved words. A query builder reads it to offer only what the site accepts.
//!
//! The table describes the compiler (`compile.rs`), not Jira's full language: an
//! app that builds a query from it gets one the simulator runs. A clause or
//! operator the simulator does not search (`watchers`, `WAS`, `CHANGED`) is not
//! listed, so a builder does not offer it. The test below compiles every listed
//! clause with every operator and checks that the table and the compiler agree.

use serde_json::{Value, json};

use super::parser::RESERVED_WORDS;
use crate::world::World;
use crate::world::custom_field::{CustomFieldRecord, Kind};

const EQUALITY: &[&str] = &["=", "!=", "in", "not in", "is", "is not"];
const EQUALITY_NOT_EMPTY: &[&str] = &["=", "!=", "in", "not in"];
const ORDERED: &[&str] = &[
    "=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not",
];
/// The fields whose history the simulator searches (`history.rs`) list the
/// history operators too.
const EQUALITY_CHANGED: &[&str] = &[
    "=",
    "!=",
    "in",
    "not in",
    "is",
    "is not",
    "changed",
    "was",
    "was in",
    "was not",
    "was not in",
];
const ORDERED_CHANGED: &[&str] = &[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "in",
    "not in",
    "is",
    "is not",
    "changed",
    "was",
    "was in",
    "was not",
    "was not in",
];
const TEXT: &[&str] = &["~", "!~", "is", "is not"];
const TEXT_ONLY: &[&str] = &["~", "!~"];

const USER: &str = "com.atlassian.jira.user.ApplicationUser";
const ISSUE: &str = "com.atlassian.jira.issue.Issue";
const VERSION: &str = "com.atlassian.jira.project.version.Version";
const DATE: &str = "java.util.Date";
const STRING: &str = "java.lang.String";

/// A system clause: `(name, operators, type, orderable, suggestions)`.
type SystemClause = (
    &'static str,
    &'static [&'static str],
    &'static str,
    bool,
    bool,
);

/// The system clauses, each under the names Jira lists it by.
const SYSTEM_CLAUSES: &[SystemClause] = &[
    (
        "project",
        EQUALITY,
        "com.atlassian.jira.project.Project",
        true,
        true,
    ),
    (
        "status",
        EQUALITY_CHANGED,
        "com.atlassian.jira.issue.status.Status",
        true,
        true,
    ),
    (
        "statusCategory",
        EQUALITY,
        "com.atlassian.jira.issue.status.category.StatusCategory",
        false,
        true,
    ),
    ("assignee", EQUALITY_CHANGED, USER, true, true),
    ("reporter", EQUALITY_CHANGED, USER, false, true),
    ("creator", EQUALITY, USER, true, true),
    (
        "labels",
        EQUALITY,
        "com.atlassian.jira.issue.label.Label",
        false,
        true,
    ),
    ("key", ORDERED, ISSUE, true, false),
    ("issuekey", ORDERED, ISSUE, true, false),
    ("id", ORDERED, ISSUE, true, false),
    ("issue", ORDERED, ISSUE, false, false),
    (
        "issuetype",
        EQUALITY,
        "com.atlassian.jira.issue.issuetype.IssueType",
        false,
        true,
    ),
    (
        "type",
        EQUALITY,
        "com.atlassian.jira.issue.issuetype.IssueType",
        false,
        true,
    ),
    (
        "component",
        EQUALITY,
        "com.atlassian.jira.bc.project.component.ProjectComponent",
        false,
        true,
    ),
    ("fixVersion", EQUALITY_CHANGED, VERSION, false, true),
    ("affectedVersion", EQUALITY, VERSION, false, true),
    ("parent", EQUALITY, ISSUE, false, false),
    (
        "sprint",
        EQUALITY,
        "com.atlassian.greenhopper.service.sprint.Sprint",
        false,
        true,
    ),
    (
        "priority",
        ORDERED_CHANGED,
        "com.atlassian.jira.issue.priority.Priority",
        true,
        true,
    ),
    (
        "resolution",
        EQUALITY_CHANGED,
        "com.atlassian.jira.issue.resolution.Resolution",
        true,
        true,
    ),
    ("created", ORDERED, DATE, true, false),
    ("createdDate", ORDERED, DATE, true, false),
    ("updated", ORDERED, DATE, true, false),
    ("updatedDate", ORDERED, DATE, true, false),
    ("resolved", ORDERED, DATE, true, false),
    ("resolutiondate", ORDERED, DATE, true, false),
    ("statusCategoryChangedDate", ORDERED, DATE, true, false),
    ("duedate", ORDERED, DATE, true, false),
    ("due", ORDERED, DATE, true, false),
    ("summary", TEXT_ONLY, STRING, true, false),
    ("description", TEXT_ONLY, STRING, false, false),
    ("environment", TEXT_ONLY, STRING, false, false),
    ("comment", TEXT_ONLY, STRING, false, false),
    ("text", TEXT_ONLY, STRING, false, false),
    (
        "filter",
        EQUALITY_NOT_EMPTY,
        "com.atlassian.jira.issue.search.SearchRequest",
        false,
        false,
    ),
];

/// The functions: `(name, return type, whether it stands for a list)`.
const FUNCTIONS: &[(&str, &str, bool)] = &[
    ("currentUser()", USER, false),
    ("membersOf()", USER, true),
    (
        "standardIssueTypes()",
        "com.atlassian.jira.issue.issuetype.IssueType",
        true,
    ),
    (
        "subTaskIssueTypes()",
        "com.atlassian.jira.issue.issuetype.IssueType",
        true,
    ),
    (
        "openSprints()",
        "com.atlassian.greenhopper.service.sprint.Sprint",
        true,
    ),
    (
        "closedSprints()",
        "com.atlassian.greenhopper.service.sprint.Sprint",
        true,
    ),
    (
        "futureSprints()",
        "com.atlassian.greenhopper.service.sprint.Sprint",
        true,
    ),
    ("now()", DATE, false),
    ("startOfDay()", DATE, false),
    ("endOfDay()", DATE, false),
    ("startOfWeek()", DATE, false),
    ("endOfWeek()", DATE, false),
    ("startOfMonth()", DATE, false),
    ("endOfMonth()", DATE, false),
    ("startOfYear()", DATE, false),
    ("endOfYear()", DATE, false),
];

/// The custom fields a reference lists: the searchable ones, of the projects
/// `project_ids` names when it names any (the simulator's custom fields apply
/// to every project, so any project keeps them all; ids that name no project
/// are ignored, as the spec says, and only those leave nothing to filter by).
pub(crate) fn reference_data(world: &World, project_ids: Option<&[i64]>) -> Value {
    let mut fields: Vec<Value> = SYSTEM_CLAUSES
        .iter()
        .map(|&(name, operators, kind, orderable, auto)| {
            let mut field = json!({
                "value": name,
                "displayName": name,
                "orderable": flag(orderable),
                "searchable": "true",
                "operators": operators,
                "types": [kind],
            });
            if auto {
                field["auto"] = json!("true");
            }
            field
        })
        .collect();
    let any_project = project_ids.is_none_or(|ids| {
        ids.is_empty()
            || ids
                .iter()
                .any(|id| world.project(&id.to_string()).is_some())
    });
    if any_project {
        fields.extend(
            world
                .custom_fields
                .iter()
                .filter(|field| field.searcher_key.is_some())
                .map(|field| custom_field(world, field)),
        );
    }
    let functions: Vec<Value> = FUNCTIONS
        .iter()
        .map(|&(name, kind, list)| {
            let mut function = json!({ "value": name, "displayName": name, "types": [kind] });
            if list {
                function["isList"] = json!("true");
            }
            function
        })
        .collect();
    json!({
        "visibleFieldNames": fields,
        "visibleFunctionNames": functions,
        "jqlReservedWords": RESERVED_WORDS,
    })
}

fn flag(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A custom field's entry. Jira names it by its name where that is unique and
/// not a system clause, else by `cf[N]`; the display name always carries the id.
fn custom_field(world: &World, field: &CustomFieldRecord) -> Value {
    let cfid = format!("cf[{}]", field.number);
    let unique = world
        .custom_fields
        .iter()
        .filter(|other| other.name.eq_ignore_ascii_case(&field.name))
        .count()
        == 1;
    let by_name =
        unique && super::compile::is_clause_name_free(&field.name) && !field.name.is_empty();
    let value = if by_name {
        quoted(&field.name)
    } else {
        cfid.clone()
    };
    let (operators, kind, auto) = custom_kind(field.kind, field.searcher_key.as_deref());
    let mut entry = json!({
        "value": value,
        "displayName": format!("{} - {cfid}", field.name),
        "cfid": cfid,
        "orderable": "true",
        "searchable": "true",
        "operators": operators,
        "types": [kind],
    });
    if auto {
        entry["auto"] = json!("true");
    }
    entry
}

/// `name` as a JQL field reference: bare when it is one word of letters and
/// digits, else in double quotes with quotes and backslashes escaped.
fn quoted(name: &str) -> String {
    let bare = name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !RESERVED_WORDS.iter().any(|r| r.eq_ignore_ascii_case(name));
    if bare {
        return name.to_owned();
    }
    let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// `(operators, value type, suggestions)` of a custom field of `kind`; a number
/// field searched by range takes the ordering operators, by exact number not.
fn custom_kind(
    kind: Kind,
    searcher: Option<&str>,
) -> (&'static [&'static str], &'static str, bool) {
    match kind {
        Kind::TextField | Kind::TextArea => (TEXT, STRING, false),
        Kind::Float if searcher.is_some_and(|s| s.ends_with("numberrange")) => {
            (ORDERED, "java.lang.Number", false)
        }
        Kind::Float => (EQUALITY, "java.lang.Number", false),
        Kind::Select | Kind::MultiSelect | Kind::Cascading => (
            EQUALITY,
            "com.atlassian.jira.issue.customfields.option.Option",
            true,
        ),
        // Suggestions for a labels custom field's values are not modelled.
        Kind::Labels => (EQUALITY, "com.atlassian.jira.issue.label.Label", false),
        Kind::DatePicker | Kind::DateTime => (ORDERED, DATE, false),
        Kind::UserPicker => (EQUALITY, USER, true),
        // An app's group, object or list field has no searcher, so JQL's
        // reference never lists it; were one given, it would compare as text.
        Kind::App => (EQUALITY, STRING, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jql::compile;
    use crate::seed::Seed;

    const ALL_OPERATORS: &[&str] = &[
        "=",
        "!=",
        "~",
        "!~",
        ">",
        ">=",
        "<",
        "<=",
        "in",
        "not in",
        "is",
        "is not",
        "changed",
        "was",
        "was in",
        "was not",
        "was not in",
    ];

    /// A right-hand side the operator takes, for a probe that fails only when the
    /// clause refuses the operator (an unknown value is a different error).
    fn operand(operator: &str) -> &'static str {
        match operator {
            "in" | "not in" | "was in" | "was not in" => "(\"x\")",
            "is" | "is not" => "EMPTY",
            "changed" => "",
            _ => "\"x\"",
        }
    }

    fn refuses_operator(message: &str) -> bool {
        message.contains("is not supported by the")
            || message.contains("only supports the EMPTY")
            || (message.starts_with("Field '") && message.contains("does not exist"))
    }

    fn world() -> World {
        World::from_seed(&Seed::default()).expect("the default seed")
    }

    #[test]
    fn every_listed_clause_takes_exactly_its_listed_operators() {
        let world = world();
        let caller = &world.users[0].account_id.clone();
        for &(name, operators, _, orderable, _) in SYSTEM_CLAUSES {
            for operator in ALL_OPERATORS {
                let jql = format!("{name} {operator} {}", operand(operator));
                let refused = match compile(&jql, &world, caller) {
                    Ok(_) => false,
                    Err(error) => refuses_operator(&error.0),
                };
                assert_eq!(
                    !refused,
                    operators.contains(operator),
                    "{jql}: the table says {operators:?}"
                );
            }
            let ordered = compile(&format!("ORDER BY {name}"), &world, caller).is_ok();
            assert_eq!(ordered, orderable, "ORDER BY {name}");
        }
    }

    #[test]
    fn functions_listed_are_the_ones_the_compiler_knows() {
        let world = world();
        let caller = &world.users[0].account_id.clone();
        for &(name, kind, list) in FUNCTIONS {
            let jql = match (kind, list) {
                (DATE, _) => format!("created > {name}"),
                (USER, true) => format!("assignee in {}", name.replace("()", "(\"site-admins\")")),
                (USER, false) => format!("assignee = {name}"),
                (_, true) if name.contains("Sprint") => format!("sprint in {name}"),
                _ => format!("issuetype in {name}"),
            };
            assert!(compile(&jql, &world, caller).is_ok(), "{jql}");
        }
        assert!(compile("created > noSuchFunction()", &world, caller).is_err());
    }

    #[test]
    fn custom_fields_take_exactly_their_listed_operators() {
        let mut seed = Seed::default();
        let field = |name: &str, kind: &str, searcher: Option<&str>| crate::seed::SeedCustomField {
            id: None,
            name: name.to_owned(),
            description: None,
            kind: kind.to_owned(),
            searcher_key: searcher
                .map(|s| format!("com.atlassian.jira.plugin.system.customfieldtypes:{s}")),
            options: if kind.ends_with("select") {
                vec![String::from("x")]
            } else {
                Vec::new()
            },
        };
        seed.custom_fields = vec![
            field("Notes", "textfield", None),
            field("Long notes", "textarea", None),
            field("Points", "float", None),
            field("Estimate", "float", Some("numberrange")),
            field("Severity", "select", None),
            field("Areas", "multiselect", None),
            field("Tags", "labels", None),
            field("Deadline", "datepicker", None),
            field("Landed", "datetime", None),
            field("Owner", "userpicker", None),
            field("Twin", "textfield", None),
            field("twin", "float", None),
            field("Status", "textfield", None),
        ];
        let world = World::from_seed(&seed).expect("seed");
        let caller = &world.users[0].account_id.clone();
        let reference = reference_data(&world, None);
        let custom: Vec<&Value> = reference["visibleFieldNames"]
            .as_array()
            .expect("fields")
            .iter()
            .filter(|f| f.get("cfid").is_some())
            .collect();
        assert_eq!(custom.len(), seed.custom_fields.len());
        for entry in custom {
            let name = entry["value"].as_str().expect("value");
            let listed: Vec<&str> = entry["operators"]
                .as_array()
                .expect("operators")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for operator in ALL_OPERATORS {
                let jql = format!("{name} {operator} {}", operand(operator));
                let refused = match compile(&jql, &world, caller) {
                    Ok(_) => false,
                    Err(error) => refuses_operator(&error.0),
                };
                assert_eq!(!refused, listed.contains(operator), "{jql}: {listed:?}");
            }
            assert!(
                compile(&format!("ORDER BY {name}"), &world, caller).is_ok(),
                "ORDER BY {name}"
            );
        }
        let names: Vec<&str> = reference["visibleFieldNames"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["value"].as_str())
            .collect();
        assert!(names.contains(&"\"Long notes\""), "{names:?}");
        // Two fields of one name, and one named like a system clause, by number.
        assert!(
            !names.contains(&"Twin") && !names.contains(&"twin"),
            "{names:?}"
        );
        assert_eq!(
            names.iter().filter(|n| n.starts_with("cf[")).count(),
            3,
            "{names:?}"
        );
        // Ids that name no project leave no custom field to list.
        let none = reference_data(&world, Some(&[999]));
        assert!(
            none["visibleFieldNames"]
                .as_array()
                .expect("fields")
                .iter()
                .all(|f| f.get("cfid").is_none())
        );
    }

    #[test]
    fn custom_fields_are_named_as_a_query_reaches_them() {
        assert_eq!(quoted("Severity"), "Severity");
        assert_eq!(quoted("Story points"), "\"Story points\"");
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quoted("order"), "\"order\"");
    }
}
