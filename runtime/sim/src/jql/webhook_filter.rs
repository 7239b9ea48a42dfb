//! The JQL subset a dynamic webhook's `jqlFilter` may use. The platform spec
//! (`WebhookDetails.jqlFilter`) allows the fields `issueKey`, `project`,
//! `issuetype`, `status`, `assignee`, `reporter`, `issue.property` (an indexed
//! path of an app's `jira:entityProperty`; plus the epic label `cf[id]`, which the
//! simulator does not model) and the operators `=`, `!=`,
//! `IN` and `NOT IN`; anything else is refused in Jira's words ("The clause
//! watchCount is unsupported"), so a filter that works here works on a real site.

use super::JqlError;
use super::compile::{Query, compile};
use super::parser::{Expr, Operator, parse};
use crate::world::World;

const FIELDS: [&str; 7] = [
    "issuekey",
    "key",
    "project",
    "issuetype",
    "status",
    "assignee",
    "reporter",
];

/// Checks `jql` against the webhook subset, then resolves it for `owner`.
pub(crate) fn compile_webhook_filter(
    jql: &str,
    world: &World,
    owner: &str,
) -> Result<Query, JqlError> {
    let ast = parse(jql)?;
    if !ast.order.is_empty() {
        return Err(JqlError(String::from(
            "The ORDER BY clause is unsupported in a webhook filter",
        )));
    }
    let Some(filter) = ast.filter else {
        return Err(JqlError(String::from("The JQL filter must not be empty")));
    };
    check(&filter)?;
    compile(jql, world, owner)
}

fn check(expr: &Expr) -> Result<(), JqlError> {
    match expr {
        Expr::And(items) | Expr::Or(items) => items.iter().try_for_each(check),
        Expr::Not(inner) => check(inner),
        Expr::History(history) => Err(JqlError(format!(
            "The operator '{}' is unsupported",
            history.operator.as_str()
        ))),
        Expr::Clause(clause) => {
            if !FIELDS.contains(&clause.field.to_ascii_lowercase().as_str())
                && super::entity_property::split_name(&clause.field).is_none()
            {
                return Err(JqlError(format!(
                    "The clause {} is unsupported",
                    clause.field
                )));
            }
            match clause.operator {
                Operator::Equals | Operator::NotEquals | Operator::In | Operator::NotIn => Ok(()),
                other => Err(JqlError(format!(
                    "The operator '{}' is unsupported",
                    other.as_str()
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";

    #[test]
    fn a_dynamic_filter_keeps_to_the_specs_subset() {
        let world = World::from_seed(&Seed::default()).expect("seed");
        assert!(compile_webhook_filter("project = KILN AND status != Done", &world, ALICE).is_ok());
        // The system fields outside the subset are refused as clauses, even
        // though a search (and an admin webhook's filter) takes them.
        for (jql, clause) in [
            ("project = KILN AND statusCategory = Done", "statusCategory"),
            ("priority = High", "priority"),
            ("resolution = Unresolved", "resolution"),
            ("updated >= -1d", "updated"),
        ] {
            assert_eq!(
                compile_webhook_filter(jql, &world, ALICE)
                    .expect_err("outside the subset")
                    .0,
                format!("The clause {clause} is unsupported"),
                "{jql}"
            );
            assert!(compile(jql, &world, ALICE).is_ok(), "{jql}");
        }
        // A search takes `CHANGED`; the spec's subset has no history operator.
        assert_eq!(
            compile_webhook_filter("project = KILN AND status CHANGED", &world, ALICE)
                .expect_err("a history operator")
                .0,
            "The operator 'changed' is unsupported"
        );
    }

    #[test]
    fn a_dynamic_filter_may_name_an_indexed_issue_property() {
        let mut world = World::from_seed(&Seed::default()).expect("seed");
        let module: kiln_manifest::EntityPropertyModule =
            serde_json::from_value(serde_json::json!({
                "key": "stats", "propertyKey": "stats",
                "values": [{ "path": "team", "type": "string", "searchAlias": "statsTeam" }],
            }))
            .expect("module");
        world
            .register_entity_property_indexes("app", &[module])
            .expect("registered");
        let jql = "project = KILN AND issue.property[stats].team in (core, ops)";
        assert!(compile_webhook_filter(jql, &world, ALICE).is_ok());
        // The spec's subset names `issue.property`, not aliases or ranges.
        assert_eq!(
            compile_webhook_filter("statsTeam = core", &world, ALICE)
                .expect_err("an alias")
                .0,
            "The clause statsTeam is unsupported"
        );
        assert!(compile_webhook_filter("issue.property[stats].other = 1", &world, ALICE).is_err());
    }
}
