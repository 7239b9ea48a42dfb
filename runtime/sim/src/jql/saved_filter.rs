//! The `filter` clause: `filter = 10000`, `filter = "My open bugs"`,
//! `filter in (10000, 10001)`, `filter != 10000`, which match the issues a saved
//! filter's own JQL matches.
//!
//! As in Jira, a filter is named by id or by name (without regard to case; a
//! name several visible filters share reaches all of them), and only filters the
//! searcher may see are reached: any other is "does not exist", so filters
//! cannot be probed through search. The filter's JQL is compiled for the
//! searcher (`currentUser()` is whoever searches), and its `ORDER BY` is
//! ignored. Jira's other names for the clause (`request`, `savedFilter`,
//! `searchRequest`) are accepted too.

use std::cell::RefCell;

use super::JqlError;
use super::parser::{Clause, Expr, Operand, Operator, parse};
use crate::world::World;
use crate::world::filter::FilterRecord;

const CLAUSE_NAMES: [&str; 4] = ["filter", "request", "savedfilter", "searchrequest"];

/// Saved filters one query may reach, counting each time one is reached (a
/// filter named twice counts twice, as it is compiled twice). Filters may name
/// filters, so without a bound a few hostile filters naming each other many
/// times over would make one search compile an exponential number of queries.
const MAX_EXPANSIONS: usize = 50;

/// Whether `name` is the `filter` clause.
pub(super) fn is_clause(name: &str) -> bool {
    CLAUSE_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The saved filters a compilation is inside, to refuse a cycle, and how many it
/// has reached so far.
pub(super) struct Expansion {
    path: Vec<u64>,
    expanded: usize,
}

impl Expansion {
    /// The state of a new compilation; `defining` is the filter whose own JQL it
    /// is, if any, which may therefore not reach itself.
    pub(super) fn new(defining: Option<u64>) -> RefCell<Self> {
        RefCell::new(Self {
            path: defining.into_iter().collect(),
            expanded: 0,
        })
    }
}

/// The `filter` clause `clause`, for `caller`: whether it is negated (`!=`,
/// `NOT IN`), and each filter it reaches, compiled by `compile` from the
/// filter's JQL (`None` for JQL without a restriction, which matches every
/// issue).
pub(super) fn expand<T>(
    clause: &Clause,
    world: &World,
    caller: &str,
    state: &RefCell<Expansion>,
    mut compile: impl FnMut(Option<&Expr>) -> Result<T, JqlError>,
) -> Result<(bool, Vec<T>), JqlError> {
    let unsupported = || {
        JqlError(format!(
            "The operator '{}' is not supported by the '{}' field.",
            clause.operator.as_str(),
            clause.field
        ))
    };
    let (negate, operands): (bool, Vec<&Operand>) = match (clause.operator, &clause.operand) {
        (Operator::Equals | Operator::NotEquals, Operand::List(_)) => return Err(unsupported()),
        (Operator::Equals, single) => (false, vec![single]),
        (Operator::NotEquals, single) => (true, vec![single]),
        (Operator::In, Operand::List(items)) => (false, items.iter().collect()),
        (Operator::NotIn, Operand::List(items)) => (true, items.iter().collect()),
        _ => return Err(unsupported()),
    };
    let mut terms = Vec::new();
    for operand in operands {
        let Operand::Literal(value) = operand else {
            return Err(JqlError(format!(
                "The field '{}' takes a filter's id or name.",
                clause.field
            )));
        };
        let reached = reached(world, caller, value);
        if reached.is_empty() {
            return Err(does_not_exist(&clause.field, value));
        }
        for filter in reached {
            {
                let mut state = state.borrow_mut();
                if state.path.contains(&filter.id) {
                    return Err(JqlError(format!(
                        "Field '{}' with value '{value}' matches filter '{}' and causes a cycle.",
                        clause.field, filter.name
                    )));
                }
                state.expanded += 1;
                if state.expanded > MAX_EXPANSIONS {
                    return Err(JqlError(format!(
                        "The query reaches saved filters more than {MAX_EXPANSIONS} times."
                    )));
                }
                state.path.push(filter.id);
            }
            // No borrow is held here: `compile` may reach further filters.
            let compiled = parse(&filter.jql).and_then(|ast| compile(ast.filter.as_ref()));
            state.borrow_mut().path.pop();
            terms.push(compiled?);
        }
    }
    Ok((negate, terms))
}

/// The filters `caller` may see that `value` names: by id when it is one, else
/// by name.
fn reached<'w>(world: &'w World, caller: &str, value: &str) -> Vec<&'w FilterRecord> {
    let visible = || {
        world
            .filters
            .all
            .iter()
            .filter(|f| f.visible_to(world, caller))
    };
    if let Ok(id) = value.trim().parse::<u64>() {
        let by_id: Vec<_> = visible().filter(|f| f.id == id).collect();
        if !by_id.is_empty() {
            return by_id;
        }
    }
    let name = value.to_lowercase();
    visible()
        .filter(|f| f.name.to_lowercase() == name)
        .collect()
}

/// Jira's answer for a filter that does not exist or that the searcher may not
/// see: the same, so filter ids and names cannot be probed.
fn does_not_exist(field: &str, value: &str) -> JqlError {
    if value.trim().parse::<u64>().is_ok() {
        JqlError(format!(
            "A value with ID '{value}' does not exist for the field '{field}'."
        ))
    } else {
        JqlError(format!(
            "The value '{value}' does not exist for the field '{field}'."
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::jql::{compile, compile_saved};
    use crate::seed::Seed;
    use crate::world::World;
    use crate::world::filter::{FilterRecord, SharePermission, ShareTarget};

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";

    /// The default site with Alice's filters: 10000 "Docs" (shared with
    /// everyone signed in), 10001 "Private" (not shared), 10002 "Via docs"
    /// (names 10000).
    fn world() -> World {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        for (id, name, jql, shared) in [
            (10_000, "Docs", "labels = docs", true),
            (10_001, "Private", "project = KILN", false),
            (10_002, "Via docs", "filter = 10000 ORDER BY key", false),
        ] {
            world.filters.all.push(FilterRecord {
                id,
                name: name.to_owned(),
                description: None,
                owner: ALICE.to_owned(),
                jql: jql.to_owned(),
                shares: shared
                    .then_some(SharePermission {
                        id,
                        target: ShareTarget::Authenticated,
                    })
                    .into_iter()
                    .collect(),
                favourited_by: Vec::new(),
            });
        }
        world
    }

    fn keys(world: &World, jql: &str, caller: &str) -> Result<Vec<String>, String> {
        let query = compile(jql, world, caller).map_err(|e| e.0)?;
        Ok(world
            .issues
            .iter()
            .filter(|i| query.matches(i))
            .map(|i| i.key.clone())
            .collect())
    }

    #[test]
    fn a_filter_by_id_or_name_matches_what_its_jql_matches() {
        let world = world();
        let docs = keys(&world, "labels = docs", ALICE).expect("valid");
        assert!(!docs.is_empty());
        assert_eq!(keys(&world, "filter = 10000", ALICE), Ok(docs.clone()));
        assert_eq!(keys(&world, "filter = \"DOCS\"", CAROL), Ok(docs.clone()));
        assert_eq!(
            keys(&world, "savedFilter = \"Via docs\"", ALICE),
            Ok(docs.clone())
        );
        let not_docs = keys(&world, "filter != 10000", ALICE).expect("valid");
        assert_eq!(not_docs.len() + docs.len(), world.issues.len());
        assert!(keys(&world, "filter in (Docs, 10001)", ALICE).is_ok());
        assert!(keys(&world, "filter is EMPTY", ALICE).is_err());
    }

    #[test]
    fn a_filter_the_searcher_may_not_see_does_not_exist() {
        let world = world();
        assert_eq!(
            keys(&world, "filter = 10001", CAROL),
            Err(String::from(
                "A value with ID '10001' does not exist for the field 'filter'."
            ))
        );
        assert_eq!(
            keys(&world, "filter = Private", CAROL),
            Err(String::from(
                "The value 'Private' does not exist for the field 'filter'."
            ))
        );
    }

    #[test]
    fn a_filter_may_not_reach_itself() {
        let world = world();
        let err = compile_saved("filter = \"Via docs\"", &world, ALICE, Some(10_000))
            .expect_err("10002 reaches 10000");
        assert!(err.0.contains("causes a cycle"), "{}", err.0);
        assert!(compile_saved("filter = 10000", &world, ALICE, Some(10_002)).is_ok());
    }

    #[test]
    fn a_query_reaches_filters_a_bounded_number_of_times() {
        let mut world = world();
        // Each level names the one below twice: 2^n reaches without a bound.
        for level in 0..10_u64 {
            world.filters.all.push(FilterRecord {
                id: 20_000 + level,
                name: format!("Level {level}"),
                description: None,
                owner: ALICE.to_owned(),
                jql: if level == 0 {
                    String::from("project = KILN")
                } else {
                    format!("filter in ({0}, {0})", 20_000 + level - 1)
                },
                shares: Vec::new(),
                favourited_by: Vec::new(),
            });
        }
        assert!(keys(&world, "filter = 20003", ALICE).is_ok());
        let err = keys(&world, "filter = 20009", ALICE).expect_err("too many");
        assert!(err.contains("more than"), "{err}");
    }
}
