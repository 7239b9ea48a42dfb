//! The methods of Jira's `String` that take a regular expression: `match`,
//! `search` and `matchAll`. Jira's strings "are based on the JavaScript String
//! object", and Jira's grammar has no regular expression literal, so the
//! pattern is a String, which JavaScript reads as `new RegExp(pattern)` (with
//! the `g` flag for `matchAll`): no flags can be given. Positions count
//! characters, as the other string methods do ([`super::string_methods`]).

use std::rc::Rc;

use regex::Captures;

use super::ast::Node;
use super::error::ExpressionError;
use super::eval::Evaluator;
use super::list_methods::wrong_arguments;
use super::regexp::{self, Flags, JsRegex, RegexError};
use super::string_methods;
use super::value::Value;

pub(crate) fn call<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    text: &str,
    method: &str,
    arguments: &[Value<'a>],
) -> Result<Value<'a>, ExpressionError> {
    // JavaScript's `RegExp(undefined)` is the empty pattern, which matches at 0.
    let pattern = match arguments {
        [] => "",
        [Value::String(pattern)] => pattern,
        _ => return Err(wrong_arguments(ev, node, method, "one String pattern")),
    };
    let flags = Flags {
        global: method == "matchAll",
        ..Flags::default()
    };
    let regex = compiled(ev, node, pattern, flags)?;
    match method {
        "search" => {
            scan(ev, node, text, 0, &regex)?;
            let found = regex.regex.find(text).map(|found| found.start());
            Ok(Value::Number(string_methods::found_at(text, found)))
        }
        "matchAll" => match_all(ev, node, text, &regex),
        _ => {
            scan(ev, node, text, 0, &regex)?;
            match regex.regex.captures(text) {
                Some(captures) => groups(ev, node, &regex, &captures),
                None => Ok(Value::Null),
            }
        }
    }
}

/// `pattern` compiled with `flags`, from the evaluation's cache if it was
/// compiled before; compiling is charged to the work budget by the program's
/// size.
fn compiled(
    ev: &mut Evaluator<'_, '_>,
    node: &Node,
    pattern: &str,
    flags: Flags,
) -> Result<Rc<JsRegex>, ExpressionError> {
    if let Some(regex) = ev.regexes.get(pattern, flags) {
        return Ok(regex);
    }
    ev.work(node, pattern.len())?;
    let regex = regexp::compile(pattern, flags).map_err(|error| match error {
        RegexError::Invalid(reason) => {
            ev.fail(node, regexp::invalid_message(pattern, flags, &reason))
        }
        RegexError::NotModelled(what) => not_modelled(ev, node, what),
        RegexError::TooLarge => ev.fail(
            node,
            format!(
                "The regular expression is larger than the simulator's bounds (at most {} \
                 characters, {} groups deep, {} states with counted repetitions multiplied \
                 out, and a compiled program of {} bytes).",
                super::limits::MAX_REGEX_PATTERN_CHARS,
                super::limits::MAX_REGEX_GROUP_DEPTH,
                super::limits::MAX_REGEX_WEIGHT,
                super::limits::REGEX_PROGRAM_BYTES
            ),
        ),
    })?;
    ev.work(node, regex.weight.saturating_mul(16))?;
    let regex = Rc::new(regex);
    ev.regexes.insert(pattern, flags, Rc::clone(&regex));
    Ok(regex)
}

/// The simulator's 501 for what JavaScript runs and the simulator cannot.
fn not_modelled(ev: &Evaluator<'_, '_>, node: &Node, what: &str) -> ExpressionError {
    ExpressionError::not_modelled(
        format!("{what} in regular expressions"),
        Some(node.source(ev.text)),
    )
}

/// Charges one search from byte `start` to the end of `text`: the matcher may
/// read all of it, more slowly the larger its program. Charged before the
/// search runs, so a search the budget cannot pay for never starts.
fn scan(
    ev: &mut Evaluator<'_, '_>,
    node: &Node,
    text: &str,
    start: usize,
    regex: &JsRegex,
) -> Result<(), ExpressionError> {
    let bytes = text.len().saturating_sub(start).max(1);
    ev.work(node, bytes.saturating_mul(regex.cost_per_byte))
}

/// JavaScript's match array as a Jira list: the match, then each capture
/// group, `null` for one that took no part (JavaScript's `undefined`). Its
/// `index`, `input` and `groups` properties have no place in a list.
fn groups<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    regex: &JsRegex,
    captures: &Captures<'_>,
) -> Result<Value<'a>, ExpressionError> {
    let groups = regex.groups(captures).map_err(|error| match error {
        RegexError::NotModelled(what) => not_modelled(ev, node, what),
        other => ev.fail(node, other.to_string()),
    })?;
    ev.build_items(node, groups.len())?;
    let mut items = Vec::with_capacity(groups.len());
    for group in groups {
        items.push(match group {
            Some(found) => {
                ev.build_chars(node, found.as_str().chars().count())?;
                Value::string(found.as_str())
            }
            None => Value::Null,
        });
    }
    Value::list(items).map_err(|e| ev.too_deep(node, e))
}

/// JavaScript's `matchAll`: every match, left to right, each as [`groups`]
/// makes it; JavaScript's iterator is a list here. After an empty match the
/// search moves on one character, as JavaScript's does (by one UTF-16 code
/// unit there); after any other it resumes where the match ended, where an
/// empty match may follow (`'abc'.matchAll('b*')` finds four).
fn match_all<'a>(
    ev: &mut Evaluator<'a, '_>,
    node: &Node,
    text: &str,
    regex: &JsRegex,
) -> Result<Value<'a>, ExpressionError> {
    let mut all = Vec::new();
    let mut start = 0;
    loop {
        // Each search is charged the text after where it starts: a search
        // may read to the end before it settles on a match, so many matches
        // in a long text cost more than the text's length.
        scan(ev, node, text, start, regex)?;
        let Some(captures) = regex.regex.captures_at(text, start) else {
            break;
        };
        let Some(whole) = captures.get(0) else {
            break;
        };
        ev.build_items(node, 1)?;
        all.push(groups(ev, node, regex, &captures)?);
        start = if whole.is_empty() {
            match text.get(whole.end()..).and_then(|rest| rest.chars().next()) {
                Some(next) => whole.end() + next.len_utf8(),
                None => break,
            }
        } else {
            whole.end()
        };
    }
    Value::list(all).map_err(|e| ev.too_deep(node, e))
}
