//! Jira expressions: the JavaScript-like language Jira evaluates for apps
//! (`POST /rest/api/3/expression/evaluate`, `platform/expression_evaluate.rs`;
//! its syntax alone, `POST /expression/analyse`, `platform/expression_analyse.rs`).
//!
//! A documented subset, in stages of one concept each: [`lexer`] → [`parser`]
//! (a tree, [`ast`]) → [`eval`] (values, [`value`]; [`operators`]; Jira
//! objects' members, [`beans`], and methods, [`bean_methods`]; `Date` and
//! `CalendarDate`, [`dates`] and [`date_methods`]; list and string methods,
//! regular expressions among them ([`regexp`], [`regex_methods`], [`regex_cache`],
//! [`substitution`]);
//! Jira Software's `Board` and `Sprint`, [`agile_beans`]) →
//! [`result`] (the answer's JSON). Jira's
//! complexity limits are enforced and reported ([`complexity`]), and every stage
//! is bounded against hostile input ([`limits`]). What Jira evaluates but the
//! simulator does not model fails as such ([`ExpressionError::NotModelled`]),
//! never with a made-up value. docs/simulator.md lists the subset.

mod agile_beans;
mod ast;
mod bean_methods;
mod beans;
mod complexity;
mod date_methods;
mod dates;
mod error;
mod eval;
mod lexer;
mod limits;
mod list_methods;
mod operators;
mod parser;
mod regex_cache;
mod regex_methods;
mod regexp;
mod result;
mod string_methods;
mod substitution;
mod value;

#[cfg(test)]
mod date_tests;
#[cfg(test)]
mod regex_tests;
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
    /// The id of the board under `board`.
    pub(crate) board: Option<u64>,
    /// The id of the sprint under `sprint`.
    pub(crate) sprint: Option<u64>,
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
    on_own_stack(|| parser::parse(text).map(|_| ()))
}

/// Evaluates `text` on `site` with `context`; `links` is the base of the `self`
/// links of Jira objects in the result.
///
/// Parsing and evaluating recurse, each level bounded
/// ([`limits::MAX_NESTING_DEPTH`], [`limits::MAX_EVALUATION_DEPTH`]), but what
/// a level costs in stack depends on the build (a debug build's frames are many
/// times a release build's) and the caller's thread (an async worker's stack is
/// 2 MiB). So the work runs on a thread of its own whose stack
/// ([`limits::EVALUATION_STACK_BYTES`]) holds the deepest evaluation the
/// bounds allow, whoever calls. The caller waits, as it would for the
/// evaluation itself: the site stays borrowed throughout.
pub(crate) fn evaluate(
    text: &str,
    site: &Site<'_>,
    context: &Context,
    links: &str,
) -> Result<Evaluation, ExpressionError> {
    on_own_stack(|| evaluate_here(text, site, context, links))
}

/// Runs `work` on a thread of its own with [`limits::EVALUATION_STACK_BYTES`]
/// of stack, and waits for it.
fn on_own_stack<T: Send>(
    work: impl FnOnce() -> Result<T, ExpressionError> + Send,
) -> Result<T, ExpressionError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(String::from("kiln-sim-expression"))
            .stack_size(limits::EVALUATION_STACK_BYTES)
            .spawn_scoped(scope, work)
            .map_err(|e| ExpressionError::NoEvaluator(e.to_string()))?
            .join()
            .map_err(|_| ExpressionError::NoEvaluator(String::from("the evaluation panicked")))?
    })
}

/// [`evaluate`], on the calling thread.
fn evaluate_here(
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
    if let Some(id) = context.board {
        bindings.push(("board", Value::bean(Bean::Board(id))));
    }
    if let Some(id) = context.sprint {
        bindings.push(("sprint", Value::bean(Bean::Sprint(id))));
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
