//! Jira expressions: the JavaScript-like language Jira evaluates for apps
//! (`POST /rest/api/3/expression/evaluate`, `platform/expression_evaluate.rs`;
//! its syntax alone, `POST /expression/analyse`, `platform/expression_analyse.rs`).
//!
//! A documented subset, in stages of one concept each: [`lexer`] → [`parser`]
//! (a tree, [`ast`]) → [`eval`] (values, [`value`]; [`operators`]; Jira
//! objects' members, [`beans`], and methods, [`bean_methods`]; list and string
//! methods) → [`result`] (the answer's JSON). Jira's
//! complexity limits are enforced and reported ([`complexity`]), and every stage
//! is bounded against hostile input ([`limits`]). What Jira evaluates but the
//! simulator does not model fails as such ([`ExpressionError::NotModelled`]),
//! never with a made-up value. docs/simulator.md lists the subset.

mod ast;
mod bean_methods;
mod beans;
mod complexity;
mod error;
mod eval;
mod lexer;
mod limits;
mod list_methods;
mod operators;
mod parser;
mod result;
mod string_methods;
mod value;

#[cfg(test)]
mod tests;

use std::rc::Rc;

pub(crate) use beans::Site;
pub(crate) use complexity::Complexity;
pub(crate) use error::ExpressionError;

use value::{Bean, Scope, Value};

/// The context variables a request provides, already resolved and checked
/// against the caller's permissions: `user` is always the caller.
#[derive(Debug, Default)]
pub(crate) struct Context {
    /// The id of the issue under `issue`.
    pub(crate) issue: Option<u64>,
    /// The ids of the issues under `issues`, in order.
    pub(crate) issues: Option<Vec<u64>>,
    /// The key of the project under `project`.
    pub(crate) project: Option<String>,
}

/// What an evaluation gives: the value as the answer's JSON, and the complexity
/// it took.
#[derive(Debug)]
pub(crate) struct Evaluation {
    pub(crate) value: serde_json::Value,
    pub(crate) complexity: Complexity,
}

/// Whether `text` is a well-formed expression the simulator can evaluate: what
/// `POST /expression/analyse` checks with `check=syntax`.
pub(crate) fn check_syntax(text: &str) -> Result<(), ExpressionError> {
    parser::parse(text).map(|_| ())
}

/// Evaluates `text` on `site` with `context`; `links` is the base of the `self`
/// links of Jira objects in the result.
pub(crate) fn evaluate(
    text: &str,
    site: &Site<'_>,
    context: &Context,
    links: &str,
) -> Result<Evaluation, ExpressionError> {
    let tree = parser::parse(text)?;
    let mut evaluator = eval::Evaluator::new(text, site);
    let mut bindings: Vec<(&str, Value<'_>)> =
        vec![("user", Value::bean(Bean::User(site.account_id.to_owned())))];
    if let Some(id) = context.issue {
        bindings.push(("issue", Value::bean(Bean::Issue(id))));
    }
    if let Some(ids) = &context.issues {
        let issues = ids.iter().map(|id| Value::bean(Bean::Issue(*id))).collect();
        let list = Value::list(issues).map_err(|e| evaluator.too_deep(&tree, e))?;
        bindings.push(("issues", list));
    }
    if let Some(key) = &context.project {
        bindings.push(("project", Value::bean(Bean::Project(key.clone()))));
    }
    let scope = Rc::new(Scope {
        bindings,
        parent: None,
    });
    let value = evaluator.evaluate(&tree, &scope)?;
    let json = result::to_json(&mut evaluator, &tree, links, &value)?;
    Ok(Evaluation {
        value: json,
        complexity: evaluator.complexity,
    })
}
