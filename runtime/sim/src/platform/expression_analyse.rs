//! `POST /rest/api/3/expression/analyse` (`analyseExpression`): checks Jira
//! expressions without evaluating them, answering `JiraExpressionsAnalysis`, one
//! `JiraExpressionAnalysis` per expression in the request's order.
//!
//! Only the default check, `syntax`, is modelled: each expression is parsed by
//! the evaluator's own parser (`crate::expression`), so an expression this says
//! is valid is one `POST /expression/evaluate` will run. Its errors are
//! `syntax` errors with their line and column, or `other` for Jira's length
//! limit. The experimental `type` and `complexity` checks, and an expression
//! using syntax Jira reads but the simulator does not (template literals,
//! `new`, …), are the simulator's marked `501`: it cannot say whether Jira
//! would call them valid.

use std::collections::BTreeMap;

use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::expression::{self, ExpressionError};
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;

/// Most expressions one request analyses. The spec sets none; each is bounded
/// (1,000 characters) and parsing is linear, but without a count one request
/// could still ask for millions of parses.
const MAX_EXPRESSIONS: usize = 100;

#[derive(Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Check {
    #[default]
    Syntax,
    Type,
    Complexity,
}

#[derive(Deserialize)]
pub(crate) struct AnalyseQuery {
    #[serde(default)]
    check: Check,
}

/// `JiraExpressionForAnalysis`. The context variables' types matter to the type
/// check only, which is not modelled.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ForAnalysis {
    expressions: Vec<String>,
    #[serde(default, rename = "contextVariables")]
    _context_variables: BTreeMap<String, String>,
}

pub(crate) async fn analyse(
    _caller: Caller,
    JiraQuery(query): JiraQuery<AnalyseQuery>,
    JiraJson(body): JiraJson<Value>,
) -> Result<Json<Value>, JiraError> {
    if query.check != Check::Syntax {
        return Err(JiraError::not_modelled(
            "Kiln's Jira simulator does not model the experimental `type` and `complexity` \
             checks of POST /expression/analyse; a real site runs them. It checks syntax only.",
        ));
    }
    let body: ForAnalysis =
        serde_json::from_value(body).map_err(|_| JiraError::invalid_payload())?;
    if body.expressions.len() > MAX_EXPRESSIONS {
        return Err(JiraError::bad_request(format!(
            "At most {MAX_EXPRESSIONS} Jira expressions can be analysed in one request."
        )));
    }
    let mut results = Vec::with_capacity(body.expressions.len());
    for text in &body.expressions {
        let error = match expression::check_syntax(text) {
            Ok(()) => None,
            Err(error) if error.is_not_modelled() => {
                return Err(JiraError::not_modelled(error.to_string()));
            }
            Err(ExpressionError::Syntax {
                line,
                column,
                message,
            }) => Some(json!({
                "line": line,
                "column": column,
                "message": message,
                "type": "syntax",
            })),
            Err(other) => Some(json!({ "message": other.to_string(), "type": "other" })),
        };
        let mut result = json!({ "expression": text, "valid": error.is_none() });
        if let Some(error) = error {
            result["errors"] = json!([error]);
        }
        results.push(result);
    }
    Ok(Json(json!({ "results": results })))
}
