//! The methods of Jira's `List` the simulator models: JavaScript's array methods
//! that apps use most, plus Jira's `flatten`.

use std::cmp::Ordering;
use std::rc::Rc;

use super::ast::Node;
use super::error::ExpressionError;
use super::eval::{Evaluator, position};
use super::value::{Composite, Function, Value};

/// JavaScript array methods Jira's lists have that the simulator does not model:
/// calling one is the simulator's 501, not Jira's "unrecognized method".
const NOT_MODELLED: &[&str] = &["entries", "forEach", "keys", "reverse", "values"];

pub(crate) fn call<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    list: &Composite<Vec<Value<'a>>>,
    method: &str,
    arguments: &[Value<'a>],
) -> Result<Value<'a>, ExpressionError> {
    let items = list.items.as_slice();
    match method {
        "map" => {
            let f = function(ev, node, method, arguments)?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(ev.apply(node, &f, vec![item.clone(), Value::Number(i as f64)])?);
            }
            new_list(ev, node, out)
        }
        "filter" => {
            let f = function(ev, node, method, arguments)?;
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if ev
                    .apply(node, &f, vec![item.clone(), Value::Number(i as f64)])?
                    .truthy()
                {
                    out.push(item.clone());
                }
            }
            new_list(ev, node, out)
        }
        "some" | "every" | "find" | "findIndex" => {
            let f = function(ev, node, method, arguments)?;
            for (i, item) in items.iter().enumerate() {
                let hit = ev
                    .apply(node, &f, vec![item.clone(), Value::Number(i as f64)])?
                    .truthy();
                match (method, hit) {
                    ("some", true) => return Ok(Value::Bool(true)),
                    ("every", false) => return Ok(Value::Bool(false)),
                    ("find", true) => return Ok(item.clone()),
                    ("findIndex", true) => return Ok(Value::Number(i as f64)),
                    _ => {}
                }
            }
            Ok(match method {
                "some" => Value::Bool(false),
                "every" => Value::Bool(true),
                "findIndex" => Value::Number(-1.0),
                _ => Value::Null,
            })
        }
        // From the end: the last item (or its position) the function holds for.
        "findLast" | "findLastIndex" => {
            let f = function(ev, node, method, arguments)?;
            for (i, item) in items.iter().enumerate().rev() {
                if ev
                    .apply(node, &f, vec![item.clone(), Value::Number(i as f64)])?
                    .truthy()
                {
                    return Ok(if method == "findLast" {
                        item.clone()
                    } else {
                        Value::Number(i as f64)
                    });
                }
            }
            Ok(if method == "findLast" {
                Value::Null
            } else {
                Value::Number(-1.0)
            })
        }
        // `map`, then one level of `flatten`.
        "flatMap" => {
            let f = function(ev, node, method, arguments)?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match ev.apply(node, &f, vec![item.clone(), Value::Number(i as f64)])? {
                    Value::List(list) => {
                        ev.work(node, list.items.len())?;
                        ev.build_items(node, list.items.len())?;
                        out.extend(list.items.iter().cloned());
                    }
                    other => {
                        ev.build_items(node, 1)?;
                        out.push(other);
                    }
                }
            }
            // Charged as it grew: a function returning a long list is refused
            // before the next copy.
            Value::list(out).map_err(|e| ev.too_deep(node, e))
        }
        // A negative position counts from the end; outside the list, `null`.
        "at" => {
            let at = match arguments {
                [Value::Number(n)] if n.is_nan() => 0.0,
                [Value::Number(n)] if *n < 0.0 => items.len() as f64 + n.trunc(),
                [Value::Number(n)] => n.trunc(),
                _ => return Err(wrong_arguments(ev, node, method, "one Number position")),
            };
            Ok(position(at)
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::Null))
        }
        "lastIndexOf" => {
            let wanted = one_argument(ev, node, method, arguments)?;
            ev.work(node, list.size)?;
            Ok(Value::Number(
                items
                    .iter()
                    .rposition(|item| item.equals(wanted))
                    .map_or(-1.0, |i| i as f64),
            ))
        }
        "includes" => {
            let wanted = one_argument(ev, node, method, arguments)?;
            // Each comparison walks at most the item: the list's size bounds all.
            ev.work(node, list.size)?;
            Ok(Value::Bool(items.iter().any(|item| item.equals(wanted))))
        }
        "indexOf" => {
            let wanted = one_argument(ev, node, method, arguments)?;
            ev.work(node, list.size)?;
            Ok(Value::Number(
                items
                    .iter()
                    .position(|item| item.equals(wanted))
                    .map_or(-1.0, |i| i as f64),
            ))
        }
        "join" => {
            let separator = match arguments {
                [] => String::from(","),
                [Value::String(s)] => s.to_string(),
                _ => return Err(wrong_arguments(ev, node, method, "a String separator")),
            };
            ev.work(node, items.len())?;
            let mut text = String::new();
            for (i, item) in items.iter().enumerate() {
                // Charged piece by piece, so a long list of one long string is
                // refused before it is all copied.
                if i > 0 {
                    ev.build_chars(node, separator.chars().count())?;
                    text.push_str(&separator);
                }
                // JavaScript joins null as the empty string.
                if !matches!(item, Value::Null) {
                    let piece = ev.text_of(node, item)?;
                    ev.build_chars(node, piece.chars().count())?;
                    text.push_str(&piece);
                }
            }
            Ok(Value::string(text))
        }
        "slice" => {
            let (start, end) = slice_bounds(ev, node, method, arguments, items.len())?;
            ev.work(node, end - start)?;
            new_list(ev, node, items.get(start..end).unwrap_or(&[]).to_vec())
        }
        "concat" => {
            // Counted before anything is copied: `l.concat(l, l, …)` would
            // otherwise allocate its whole result first.
            let total = arguments.iter().fold(items.len(), |sum, argument| {
                sum.saturating_add(match argument {
                    Value::List(list) => list.items.len(),
                    _ => 1,
                })
            });
            ev.work(node, total)?;
            ev.build_items(node, total)?;
            let mut out = items.to_vec();
            for argument in arguments {
                match argument {
                    Value::List(list) => out.extend(list.items.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Value::list(out).map_err(|e| ev.too_deep(node, e))
        }
        "flatten" => {
            if !arguments.is_empty() {
                return Err(wrong_arguments(ev, node, method, "no arguments"));
            }
            ev.work(node, items.len())?;
            let total = items.iter().fold(0usize, |sum, item| {
                sum.saturating_add(match item {
                    Value::List(list) => list.items.len(),
                    _ => 1,
                })
            });
            ev.work(node, total)?;
            ev.build_items(node, total)?;
            let mut out = Vec::with_capacity(total);
            for item in items {
                match item {
                    Value::List(list) => out.extend(list.items.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Value::list(out).map_err(|e| ev.too_deep(node, e))
        }
        "reduce" => {
            let (f, initial) = match arguments {
                [Value::Function(f)] => (Rc::clone(f), None),
                [Value::Function(f), initial] => (Rc::clone(f), Some(initial.clone())),
                _ => {
                    return Err(wrong_arguments(
                        ev,
                        node,
                        method,
                        "a function and an optional initial value",
                    ));
                }
            };
            let mut rest = items.iter().enumerate();
            let mut accumulator = match initial {
                Some(initial) => initial,
                None => match rest.next() {
                    Some((_, first)) => first.clone(),
                    None => {
                        return Err(ev.fail(node, "reduce of an empty list with no initial value."));
                    }
                },
            };
            for (i, item) in rest {
                accumulator = ev.apply(
                    node,
                    &f,
                    vec![accumulator, item.clone(), Value::Number(i as f64)],
                )?;
            }
            Ok(accumulator)
        }
        "sort" => {
            let comparator = match arguments {
                [] => None,
                [Value::Function(f)] => Some(Rc::clone(f)),
                _ => return Err(wrong_arguments(ev, node, method, "an optional function")),
            };
            ev.work(node, items.len())?;
            let sorted = merge_sort(items.to_vec(), &mut |a, b| match &comparator {
                Some(f) => match ev.apply(node, f, vec![a.clone(), b.clone()])? {
                    Value::Number(n) if n < 0.0 => Ok(Ordering::Less),
                    Value::Number(n) if n > 0.0 => Ok(Ordering::Greater),
                    Value::Number(_) => Ok(Ordering::Equal),
                    other => Err(ev.fail(
                        node,
                        format!(
                            "The comparator of sort must return a Number, not a {}.",
                            other.type_name()
                        ),
                    )),
                },
                None => {
                    ev.step(node)?;
                    Ok(ev.compare(node, a, b)?.unwrap_or(Ordering::Equal))
                }
            })?;
            new_list(ev, node, sorted)
        }
        _ if NOT_MODELLED.contains(&method) => Err(ExpressionError::not_modelled(
            format!("the method `{method}` of type 'List'"),
            Some(node.source(ev.text)),
        )),
        _ => Err(ev.fail(
            node,
            format!("Unrecognized method of type 'List': \"{method}\"."),
        )),
    }
}

fn new_list<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    items: Vec<Value<'a>>,
) -> Result<Value<'a>, ExpressionError> {
    ev.build_items(node, items.len())?;
    Value::list(items).map_err(|e| ev.too_deep(node, e))
}

fn function<'a>(
    ev: &Evaluator<'a, '_>,
    node: &Node,
    method: &str,
    arguments: &[Value<'a>],
) -> Result<Rc<Function<'a>>, ExpressionError> {
    match arguments {
        [Value::Function(f)] => Ok(Rc::clone(f)),
        _ => Err(wrong_arguments(ev, node, method, "one function")),
    }
}

fn one_argument<'v, 'a>(
    ev: &Evaluator<'a, '_>,
    node: &Node,
    method: &str,
    arguments: &'v [Value<'a>],
) -> Result<&'v Value<'a>, ExpressionError> {
    match arguments {
        [value] => Ok(value),
        _ => Err(wrong_arguments(ev, node, method, "one argument")),
    }
}

pub(crate) fn wrong_arguments(
    ev: &Evaluator<'_, '_>,
    node: &Node,
    method: &str,
    expected: &str,
) -> ExpressionError {
    ev.fail(node, format!("The method \"{method}\" takes {expected}."))
}

/// `slice(start?, end?)` over `length` items: negative positions count from the
/// end, and both are clamped into `0..=length`, as in JavaScript.
pub(crate) fn slice_bounds(
    ev: &Evaluator<'_, '_>,
    node: &Node,
    method: &str,
    arguments: &[Value<'_>],
    length: usize,
) -> Result<(usize, usize), ExpressionError> {
    let bound = |value: Option<&Value<'_>>, default: usize| -> Result<usize, ExpressionError> {
        match value {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) if n.is_nan() => Ok(0),
            Some(Value::Number(n)) => {
                let n = n.trunc();
                let len = length as f64;
                let at = if n < 0.0 {
                    (len + n).max(0.0)
                } else {
                    n.min(len)
                };
                Ok(position(at).unwrap_or(0))
            }
            Some(_) => Err(wrong_arguments(ev, node, method, "Number positions")),
        }
    };
    if arguments.len() > 2 {
        return Err(wrong_arguments(ev, node, method, "at most two positions"));
    }
    let start = bound(arguments.first(), 0)?;
    let end = bound(arguments.get(1), length)?;
    Ok((start, end.max(start)))
}

/// A stable merge sort whose comparison may fail. Not the standard library's
/// sort: that one may panic when a comparison is not a total order, and an
/// expression's comparator (`(a, b) => 1`) need not be one.
fn merge_sort<'a, E>(
    items: Vec<Value<'a>>,
    compare: &mut impl FnMut(&Value<'a>, &Value<'a>) -> Result<Ordering, E>,
) -> Result<Vec<Value<'a>>, E> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut items = items;
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, compare)?;
    let right = merge_sort(right, compare)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
        let next = if compare(a, b)? == Ordering::Greater {
            right.next()
        } else {
            left.next()
        };
        out.extend(next);
    }
    out.extend(left);
    out.extend(right);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merge_sort_is_stable_and_survives_an_inconsistent_comparator() {
        let values: Vec<Value<'static>> = [3.0, 1.0, 2.0, 1.0]
            .into_iter()
            .map(Value::Number)
            .collect();
        let sorted = merge_sort(values.clone(), &mut |a, b| match (a, b) {
            (Value::Number(a), Value::Number(b)) => Ok::<_, ()>(a.total_cmp(b)),
            _ => Err(()),
        })
        .expect("sorts");
        let numbers: Vec<f64> = sorted
            .iter()
            .map(|v| match v {
                Value::Number(n) => *n,
                _ => f64::NAN,
            })
            .collect();
        assert_eq!(numbers, vec![1.0, 1.0, 2.0, 3.0]);
        let inconsistent = merge_sort(values, &mut |_, _| Ok::<_, ()>(Ordering::Greater));
        assert_eq!(inconsistent.map(|v| v.len()), Ok(4));
    }
}
