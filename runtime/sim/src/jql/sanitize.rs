//! JQL sanitised for a viewer (`POST /jql/sanitize`): what the query names
//! that the viewer may not see is replaced by its id, so a query shown to them
//! does not reveal it.
//!
//! As Jira's clause sanitisers do, a value is replaced only where it names
//! something that exists and the viewer may not browse: a project (by key,
//! name or id) becomes the project's id, an issue (by key, in `issue`, `key`,
//! `issuekey`, `id` and `parent`) the issue's id. Values of other fields, and
//! function arguments, are left as written: the simulator's other fields
//! (statuses, issue types, custom fields, groups) are visible to everyone.
//! A query with nothing to replace is answered as written; one with a
//! replacement is written anew from its syntax tree, as Jira's JQL string
//! generator writes it: clauses as `field operator value`, operators in Jira's
//! spelling (`=`, `in`, `not in`, `is not` …), `AND`, `OR` and `NOT` in capitals
//! with parentheses only where precedence needs them, names and values encoded
//! as `POST /jql/parse` encodes them (`structure.rs`: quoted with `"` only where
//! they must be), and `ORDER BY` with the directions the query wrote.

use std::fmt::Write;

use super::JqlError;
use super::parser::{Ast, Clause, Expr, Operand, Sort, parse};
use super::structure::{encode_name, encode_operand};
use crate::seed::SeedPermission;
use crate::world::World;

/// `jql` sanitised for `viewer` (`None`: an anonymous user, who may browse
/// nothing), or its syntax error.
pub(crate) fn sanitize(jql: &str, world: &World, viewer: Option<&str>) -> Result<String, JqlError> {
    let mut ast = parse(jql)?;
    let sanitizer = Sanitizer { world, viewer };
    let changed = ast
        .filter
        .as_mut()
        .is_some_and(|filter| sanitizer.expr(filter));
    Ok(if changed { print(&ast) } else { jql.to_owned() })
}

struct Sanitizer<'a> {
    world: &'a World,
    viewer: Option<&'a str>,
}

impl Sanitizer<'_> {
    /// Sanitises `expr` in place; whether anything changed.
    fn expr(&self, expr: &mut Expr) -> bool {
        match expr {
            Expr::And(terms) | Expr::Or(terms) => terms
                .iter_mut()
                .fold(false, |changed, t| self.expr(t) | changed),
            Expr::Not(inner) => self.expr(inner),
            Expr::Clause(clause) => self.clause(clause),
            // Its values are statuses, people and dates: nothing hidden to
            // sanitise.
            Expr::History(_) => false,
        }
    }

    fn clause(&self, clause: &mut Clause) -> bool {
        let field = clause.field.to_ascii_lowercase();
        let replace: &dyn Fn(&str) -> Option<String> = match field.as_str() {
            "project" => &|literal| self.hidden_project(literal),
            "issue" | "key" | "issuekey" | "id" | "parent" => &|literal| self.hidden_issue(literal),
            _ => return false,
        };
        operand(&mut clause.operand, replace)
    }

    fn may_browse(&self, project_key: &str) -> bool {
        self.viewer
            .is_some_and(|viewer| self.world.may(viewer, project_key, SeedPermission::Browse))
    }

    /// The id of the project `literal` names, if the viewer may not browse it.
    fn hidden_project(&self, literal: &str) -> Option<String> {
        self.world
            .projects
            .iter()
            .find(|p| {
                p.key.eq_ignore_ascii_case(literal)
                    || p.id == literal
                    || p.name.eq_ignore_ascii_case(literal)
            })
            .filter(|p| !self.may_browse(&p.key))
            .map(|p| p.id.clone())
    }

    /// The id of the issue `literal` names by key, if the viewer may not
    /// browse it (an id is already an id).
    fn hidden_issue(&self, literal: &str) -> Option<String> {
        self.world
            .issues
            .iter()
            .find(|issue| issue.key.eq_ignore_ascii_case(literal))
            .filter(|issue| !self.may_browse(&issue.project_key))
            .map(|issue| issue.id.to_string())
    }
}

/// Replaces each literal of `operand` that `replace` maps; whether any was.
/// Functions are left as written.
fn operand(operand: &mut Operand, replace: &dyn Fn(&str) -> Option<String>) -> bool {
    match operand {
        Operand::Literal(literal) => match replace(literal) {
            Some(id) if id != *literal => {
                *literal = id;
                true
            }
            _ => false,
        },
        Operand::List(items) => items.iter_mut().fold(false, |changed, item| {
            self::operand(item, replace) | changed
        }),
        Operand::Empty | Operand::Function(..) => false,
    }
}

/// How tightly a part of a query binds, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Not,
    Clause,
}

/// The query written as Jira's JQL string generator writes one.
pub(crate) fn print(ast: &Ast) -> String {
    let mut out = ast.filter.as_ref().map(|f| expr(f).0).unwrap_or_default();
    if !ast.order.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str("ORDER BY ");
        let sorts: Vec<String> = ast.order.iter().map(sort).collect();
        out.push_str(&sorts.join(", "));
    }
    out
}

fn sort(sort: &Sort) -> String {
    let mut text = encode_name(&sort.field);
    if sort.direction_written {
        text.push_str(if sort.descending { " DESC" } else { " ASC" });
    }
    text
}

fn expr(expr: &Expr) -> (String, Precedence) {
    match expr {
        Expr::And(terms) => (joined(terms, "AND", Precedence::And), Precedence::And),
        Expr::Or(terms) => (joined(terms, "OR", Precedence::Or), Precedence::Or),
        Expr::Not(inner) => {
            let (text, precedence) = self::expr(inner);
            let text = if precedence < Precedence::Not {
                format!("NOT ({text})")
            } else {
                format!("NOT {text}")
            };
            (text, Precedence::Not)
        }
        Expr::Clause(clause) => (
            format!(
                "{} {} {}",
                encode_name(&clause.field),
                clause.operator.as_str(),
                encode_operand(&clause.operand)
            ),
            Precedence::Clause,
        ),
        Expr::History(history) => {
            let mut text = format!(
                "{} {}",
                encode_name(&history.field),
                history.operator.as_str().to_ascii_uppercase()
            );
            if let Some(value) = &history.operand {
                let _ = write!(text, " {}", encode_operand(value));
            }
            for predicate in &history.predicates {
                let _ = write!(
                    text,
                    " {} {}",
                    predicate.kind.as_str().to_ascii_uppercase(),
                    encode_operand(&predicate.operand)
                );
            }
            (text, Precedence::Clause)
        }
    }
}

fn joined(terms: &[Expr], keyword: &str, precedence: Precedence) -> String {
    let mut out = String::new();
    for (n, term) in terms.iter().enumerate() {
        if n > 0 {
            let _ = write!(out, " {keyword} ");
        }
        let (text, inner) = expr(term);
        if inner < precedence {
            let _ = write!(out, "({text})");
        } else {
            out.push_str(&text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    fn world() -> World {
        World::from_seed(&Seed::default()).expect("the default seed")
    }

    /// Carol may browse KILN but not SEC (the default seed).
    const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";

    #[test]
    fn a_query_with_nothing_hidden_is_answered_as_written() {
        let world = world();
        for jql in [
            "project = 'Kiln'",
            "project in (KILN, nope)  ORDER BY key",
            "status = Done",
        ] {
            assert_eq!(sanitize(jql, &world, Some(CAROL)).as_deref(), Ok(jql));
        }
    }

    #[test]
    fn a_hidden_project_or_issue_becomes_its_id_and_the_query_is_written_anew() {
        let world = world();
        let sec = world.project("SEC").expect("seeded").id.clone();
        let sec_issue = world
            .issues
            .iter()
            .find(|i| i.project_key == "SEC")
            .expect("SEC has issues");
        assert_eq!(
            sanitize("project = 'Security'", &world, Some(CAROL)),
            Ok(format!("project = {sec}"))
        );
        let jql = format!(
            "(project in (kiln, \"Security\") or key = {}) and not status = \"In Progress\" order by key desc, created",
            sec_issue.key.to_lowercase()
        );
        assert_eq!(
            sanitize(&jql, &world, Some(CAROL)),
            Ok(format!(
                "(project in (kiln, {sec}) OR key = {}) AND NOT status = \"In Progress\" ORDER BY key DESC, created",
                sec_issue.id
            ))
        );
        // Anonymous may browse nothing.
        assert_eq!(
            sanitize("project = KILN", &world, None),
            Ok(format!("project = {}", world.project("KILN").unwrap().id))
        );
        assert!(sanitize("project = ", &world, None).is_err());
    }

    #[test]
    fn what_is_written_anew_reads_back_the_same() {
        for jql in [
            r#"a = "x y" AND (b in ("EMPTY", c) OR NOT (d is not EMPTY OR e ~ "q\"\\")) AND f in fn("1 2", x)"#,
            r#""Story Points" > 3 AND cf[10010] = x AND NOT NOT g = h ORDER BY "Story Points" ASC"#,
            "ORDER BY key",
            r#"status CHANGED FROM "To Do" TO EMPTY BY (currentUser(), x) DURING ("2025/01/01", now()) AND assignee changed"#,
            r#"status WAS NOT IN (Done, "To Do") BEFORE -1w AND assignee was EMPTY BY x"#,
        ] {
            let ast = parse(jql).expect("parses");
            let printed = print(&ast);
            assert_eq!(parse(&printed).expect("reparses"), ast, "{printed}");
        }
    }
}
