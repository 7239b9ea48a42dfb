//! Why an expression could not be evaluated, in words Jira uses for it.

use thiserror::Error;

use super::limits::MAX_EXPRESSION_CHARS;

/// A failure of one of the evaluator's stages. The handler turns each into Jira's
/// `ErrorCollection`: a 400 for what Jira refuses too, and the simulator's marked
/// `501` for what Jira evaluates but the simulator does not model.
#[derive(Debug, Error, Clone, PartialEq)]
pub(crate) enum ExpressionError {
    /// Longer than Jira allows (the wording of Jira's own analysis).
    #[error("Jira expression is too long ({0}), limit: {MAX_EXPRESSION_CHARS} characters")]
    TooLong(usize),
    /// Not a well-formed expression; `line` and `column` count from 1, in
    /// characters.
    #[error("Jira expression is invalid: line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// Well formed, but failed while running: `expression` is the part that failed,
    /// as the caller wrote it.
    #[error("Evaluation failed: \"{expression}\" - {message}")]
    Evaluation { expression: String, message: String },
    /// The simulator could not run the evaluation (no thread to run it on): the
    /// machine's trouble, not the expression's.
    #[error("Kiln's Jira simulator could not evaluate the expression: {0}")]
    NoEvaluator(String),
    /// Valid in Jira, but outside the subset the simulator models.
    #[error(
        "Kiln's Jira simulator does not model {what} in Jira expressions{at}; a real site \
         evaluates it. docs/simulator.md lists the subset the simulator models."
    )]
    NotModelled { what: String, at: String },
    /// An optional link (`?.`) met `null`: the evaluator's signal to the
    /// enclosing [`super::ast::Kind::OptionalChain`], which turns it into the
    /// chain's `null`. The parser wraps every chain with an optional link, so it
    /// never leaves the evaluator.
    #[error("Kiln's Jira simulator lost track of an optional chain (?.)")]
    ShortCircuit,
}

impl ExpressionError {
    pub(crate) fn syntax(line: usize, column: usize, message: impl Into<String>) -> Self {
        Self::Syntax {
            line,
            column,
            message: message.into(),
        }
    }

    pub(crate) fn evaluation(expression: &str, message: impl Into<String>) -> Self {
        Self::Evaluation {
            expression: expression.to_owned(),
            message: message.into(),
        }
    }

    /// `what` is not modelled; `expression` is where it was met, if anywhere.
    pub(crate) fn not_modelled(what: impl Into<String>, expression: Option<&str>) -> Self {
        Self::NotModelled {
            what: what.into(),
            at: expression.map_or_else(String::new, |e| format!(" (in \"{e}\")")),
        }
    }

    pub(crate) fn is_not_modelled(&self) -> bool {
        matches!(self, Self::NotModelled { .. })
    }
}
