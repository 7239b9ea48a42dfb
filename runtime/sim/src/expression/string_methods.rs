//! The methods of Jira's `String` the simulator models. Positions and lengths
//! count Unicode characters (JavaScript counts UTF-16 code units: the two differ
//! only beyond the Basic Multilingual Plane, such as for emoji), and text is only
//! ever cut between characters.

use super::ast::Node;
use super::error::ExpressionError;
use super::eval::Evaluator;
use super::list_methods::{slice_bounds, wrong_arguments};
use super::value::Value;

/// JavaScript string methods Jira's strings have that the simulator does not
/// model: calling one is the simulator's 501, not Jira's "unrecognized method".
const NOT_MODELLED: &[&str] = &[
    "at",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "lastIndexOf",
    "localeCompare",
    "match",
    "matchAll",
    "normalize",
    "padEnd",
    "padStart",
    "repeat",
    "replaceAll",
    "search",
    "substr",
    "substring",
    "trimEnd",
    "trimStart",
];

pub(crate) fn call<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    text: &str,
    method: &str,
    arguments: &[Value<'a>],
) -> Result<Value<'a>, ExpressionError> {
    // Every method walks the text (and its arguments) a bounded number of times.
    let argument_bytes = arguments
        .iter()
        .fold(0usize, |sum, argument| sum.saturating_add(argument.size()));
    ev.work(node, text.len().saturating_add(argument_bytes))?;
    match method {
        "includes" | "startsWith" | "endsWith" | "indexOf" => {
            let needle = one_string(ev, node, method, arguments)?;
            Ok(match method {
                "includes" => Value::Bool(text.contains(needle)),
                "startsWith" => Value::Bool(text.starts_with(needle)),
                "endsWith" => Value::Bool(text.ends_with(needle)),
                _ => Value::Number(text.find(needle).map_or(-1.0, |byte| {
                    text.get(..byte).map_or(0, |before| before.chars().count()) as f64
                })),
            })
        }
        "toLowerCase" | "toUpperCase" | "trim" => {
            if !arguments.is_empty() {
                return Err(wrong_arguments(ev, node, method, "no arguments"));
            }
            let out = match method {
                "toLowerCase" => text.to_lowercase(),
                "toUpperCase" => text.to_uppercase(),
                _ => text.trim().to_owned(),
            };
            built(ev, node, out)
        }
        "slice" => {
            let length = text.chars().count();
            let (start, end) = slice_bounds(ev, node, method, arguments, length)?;
            built(
                ev,
                node,
                text.chars().skip(start).take(end - start).collect(),
            )
        }
        "split" => {
            // Counted before the pieces are made.
            let pieces = match arguments {
                [Value::String(separator)] if separator.is_empty() => text.chars().count(),
                [Value::String(separator)] => text.matches(&**separator).count() + 1,
                _ => 1,
            };
            ev.build_items(node, pieces)?;
            let parts: Vec<String> = match arguments {
                [] | [Value::Null] => vec![text.to_owned()],
                [Value::String(separator)] if separator.is_empty() => {
                    text.chars().map(String::from).collect()
                }
                [Value::String(separator)] => text.split(&**separator).map(str::to_owned).collect(),
                _ => return Err(wrong_arguments(ev, node, method, "a String separator")),
            };
            let values = parts.into_iter().map(Value::string).collect();
            Value::list(values).map_err(|e| ev.too_deep(node, e))
        }
        "replace" => match arguments {
            // A string pattern replaces its first occurrence, as in JavaScript.
            [Value::String(pattern), Value::String(replacement)] => {
                built(ev, node, text.replacen(&**pattern, replacement, 1))
            }
            [_, Value::Function(_)] => Err(ExpressionError::not_modelled(
                "a function as the replacement of `replace`",
                Some(node.source(ev.text)),
            )),
            _ => Err(wrong_arguments(
                ev,
                node,
                method,
                "a String pattern and a String",
            )),
        },
        "concat" => {
            ev.build_chars(node, text.chars().count())?;
            let mut out = text.to_owned();
            for argument in arguments {
                let piece = ev.text_of(node, argument)?;
                ev.build_chars(node, piece.chars().count())?;
                out.push_str(&piece);
            }
            Ok(Value::string(out))
        }
        _ if NOT_MODELLED.contains(&method) => Err(ExpressionError::not_modelled(
            format!("the method `{method}` of type 'String'"),
            Some(node.source(ev.text)),
        )),
        _ => Err(ev.fail(
            node,
            format!("Unrecognized method of type 'String': \"{method}\"."),
        )),
    }
}

/// A string built by a method, charged to the budget of built text.
fn built<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    text: String,
) -> Result<Value<'a>, ExpressionError> {
    ev.build_chars(node, text.chars().count())?;
    Ok(Value::string(text))
}

fn one_string<'v>(
    ev: &Evaluator<'_, '_>,
    node: &Node,
    method: &str,
    arguments: &'v [Value<'_>],
) -> Result<&'v str, ExpressionError> {
    match arguments {
        [Value::String(s)] => Ok(s),
        _ => Err(wrong_arguments(ev, node, method, "one String")),
    }
}
