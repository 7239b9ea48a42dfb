//! The methods of Jira's `String` the simulator models. Positions and lengths
//! count Unicode characters (JavaScript counts UTF-16 code units: the two differ
//! only beyond the Basic Multilingual Plane, such as for emoji), and text is only
//! ever cut between characters.

use super::ast::Node;
use super::error::ExpressionError;
use super::eval::{Evaluator, position};
use super::list_methods::{slice_bounds, wrong_arguments};
use super::value::Value;
use super::{regex_methods, substitution};

/// JavaScript string methods Jira's strings have that the simulator does not
/// model: calling one is the simulator's 501, not Jira's "unrecognized method".
/// (`charCodeAt` and `codePointAt` answer UTF-16 code units, which the
/// simulator's characters are not; the rest depend on a locale or Unicode
/// tables the simulator does not carry.)
const NOT_MODELLED: &[&str] = &[
    "charCodeAt",
    "codePointAt",
    "localeCompare",
    "normalize",
    "substr",
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
        "match" | "matchAll" | "search" => regex_methods::call(ev, node, text, method, arguments),
        "includes" | "startsWith" | "endsWith" | "indexOf" => {
            let needle = one_string(ev, node, method, arguments)?;
            Ok(match method {
                "includes" => Value::Bool(text.contains(needle)),
                "startsWith" => Value::Bool(text.starts_with(needle)),
                "endsWith" => Value::Bool(text.ends_with(needle)),
                _ => Value::Number(found_at(text, text.find(needle))),
            })
        }
        "lastIndexOf" => {
            let needle = one_string(ev, node, method, arguments)?;
            Ok(Value::Number(found_at(text, text.rfind(needle))))
        }
        "toLowerCase" | "toUpperCase" | "trim" | "trimStart" | "trimEnd" => {
            if !arguments.is_empty() {
                return Err(wrong_arguments(ev, node, method, "no arguments"));
            }
            let out = match method {
                "toLowerCase" => text.to_lowercase(),
                "toUpperCase" => text.to_uppercase(),
                "trimStart" => text.trim_start().to_owned(),
                "trimEnd" => text.trim_end().to_owned(),
                _ => text.trim().to_owned(),
            };
            built(ev, node, out)
        }
        // `at` counts a negative position from the end and is `null` outside
        // the text; `charAt` is `''` there, and never counts from the end.
        "at" | "charAt" => {
            let length = text.chars().count() as f64;
            let at = match arguments {
                [] if method == "charAt" => 0.0,
                [Value::Number(n)] if n.is_nan() => 0.0,
                [Value::Number(n)] => n.trunc(),
                _ => return Err(wrong_arguments(ev, node, method, "one Number position")),
            };
            let at = if method == "at" && at < 0.0 {
                length + at
            } else {
                at
            };
            match position(at).and_then(|i| text.chars().nth(i)) {
                Some(c) => Ok(Value::string(c.to_string())),
                None if method == "at" => Ok(Value::Null),
                None => Ok(Value::string("")),
            }
        }
        // JavaScript's `substring`: positions clamped into the text (a
        // negative one is 0), and swapped when the start is after the end.
        "substring" => {
            let length = text.chars().count();
            let clamp = |value: Option<&Value<'_>>, default: usize| match value {
                None | Some(Value::Null) => Some(default),
                Some(Value::Number(n)) if n.is_nan() => Some(0),
                Some(Value::Number(n)) => {
                    Some(position(n.trunc().clamp(0.0, length as f64)).unwrap_or(0))
                }
                Some(_) => None,
            };
            let (Some(a), Some(b), true) = (
                clamp(arguments.first(), 0),
                clamp(arguments.get(1), length),
                arguments.len() <= 2,
            ) else {
                return Err(wrong_arguments(
                    ev,
                    node,
                    method,
                    "at most two Number positions",
                ));
            };
            let (start, end) = (a.min(b), a.max(b));
            built(
                ev,
                node,
                text.chars().skip(start).take(end - start).collect(),
            )
        }
        "padStart" | "padEnd" => {
            let (target, filler) = match arguments {
                [Value::Number(n)] => (*n, " "),
                [Value::Number(n), Value::String(filler)] => (*n, &**filler),
                _ => {
                    return Err(wrong_arguments(
                        ev,
                        node,
                        method,
                        "a Number length and an optional String",
                    ));
                }
            };
            let length = text.chars().count();
            let target = if target.is_nan() { 0.0 } else { target.trunc() };
            let missing = if target > length as f64 {
                // Charged before anything is built: `padStart(1e9)` fails on the
                // budget rather than allocating.
                (target - length as f64).min(usize::MAX as f64) as usize
            } else {
                0
            };
            if missing == 0 || filler.is_empty() {
                return built(ev, node, text.to_owned());
            }
            ev.build_chars(node, length.saturating_add(missing))?;
            let pad: String = filler.chars().cycle().take(missing).collect();
            Ok(Value::string(if method == "padStart" {
                pad + text
            } else {
                format!("{text}{pad}")
            }))
        }
        "repeat" => {
            let count = match arguments {
                [Value::Number(n)] if n.is_nan() => 0.0,
                [Value::Number(n)] if *n >= 0.0 && n.is_finite() => n.trunc(),
                [Value::Number(_)] => {
                    return Err(ev.fail(
                        node,
                        "The count of \"repeat\" must be a finite Number, not negative.",
                    ));
                }
                _ => return Err(wrong_arguments(ev, node, method, "one Number count")),
            };
            // Charged before the text is built, so `repeat(1e15)` is refused
            // on the budget rather than allocated.
            let chars = (text.chars().count() as f64 * count).min(usize::MAX as f64) as usize;
            ev.build_chars(node, chars)?;
            Ok(Value::string(text.repeat(count as usize)))
        }
        "replaceAll" => match arguments {
            // An empty pattern matches between every two characters and at
            // both ends, as in JavaScript. The replacement's `$` patterns are
            // JavaScript's (`substitution`).
            [Value::String(pattern), Value::String(replacement)] => {
                let found = text
                    .match_indices(&**pattern)
                    .map(|(at, found)| (at, at + found.len()));
                let out = substitution::replace(ev, node, text, found, replacement)?;
                Ok(Value::string(out))
            }
            [_, Value::Function(_)] => Err(ExpressionError::not_modelled(
                "a function as the replacement of `replaceAll`",
                Some(node.source(ev.text)),
            )),
            _ => Err(wrong_arguments(
                ev,
                node,
                method,
                "a String pattern and a String",
            )),
        },
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
            // A string pattern replaces its first occurrence, as in JavaScript,
            // with JavaScript's `$` patterns in the replacement.
            [Value::String(pattern), Value::String(replacement)] => {
                let found = text.find(&**pattern).map(|at| (at, at + pattern.len()));
                let out = substitution::replace(ev, node, text, found.into_iter(), replacement)?;
                Ok(Value::string(out))
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
/// JavaScript's answer to a search of `text` that found its match at byte
/// `byte`: the position in characters, or -1 when nothing was found.
pub(crate) fn found_at(text: &str, byte: Option<usize>) -> f64 {
    byte.map_or(-1.0, |byte| {
        text.get(..byte).map_or(0, |before| before.chars().count()) as f64
    })
}

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
