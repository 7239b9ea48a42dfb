//! JavaScript's replacement patterns (`GetSubstitution` in ECMA-262), which
//! `replace` and `replaceAll` read in their replacement even when the pattern
//! is a plain String: `$$` is `$`, `$&` the match, `` $` `` the text before it,
//! `$'` the text after it.
//!
//! Their pattern is always a String here: Jira's grammar has no regular
//! expression literal and the simulator has no `RegExp` (`new RegExp(…)` is
//! its 501), and Atlassian's type reference, as far as it could be read
//! (<https://developer.atlassian.com/cloud/jira/platform/jira-expressions-type-reference/>),
//! says only that strings are "based on the JavaScript String object". In
//! JavaScript a String pattern is matched as text and has no capture groups
//! (ECMA-262 `String.prototype.replace`: the captures are an empty list), so
//! `$1` … `$99` and `$<name>` stay as written.

use super::ast::Node;
use super::error::ExpressionError;
use super::eval::Evaluator;

/// `text` with each match in `found` (byte ranges, in order, not
/// overlapping) replaced by `replacement`'s expansion. Every piece is charged
/// to the budget of built text before it is added: `` $` `` repeats the text
/// before each match, so `'aaaa…'.replaceAll('a', '$`')` would otherwise
/// build a string quadratic in the text's length.
pub(crate) fn replace(
    ev: &mut Evaluator<'_, '_>,
    node: &Node,
    text: &str,
    found: impl Iterator<Item = (usize, usize)>,
    replacement: &str,
) -> Result<String, ExpressionError> {
    let mut out = String::new();
    let mut copied = 0;
    for (start, end) in found {
        push(ev, node, &mut out, text.get(copied..start).unwrap_or(""))?;
        for piece in expand(replacement, text, start, end) {
            push(ev, node, &mut out, piece)?;
        }
        copied = end;
    }
    push(ev, node, &mut out, text.get(copied..).unwrap_or(""))?;
    Ok(out)
}

fn push(
    ev: &mut Evaluator<'_, '_>,
    node: &Node,
    out: &mut String,
    piece: &str,
) -> Result<(), ExpressionError> {
    ev.build_chars(node, piece.chars().count())?;
    out.push_str(piece);
    Ok(())
}

/// The pieces `replacement` expands to for the match `start..end` of `text`:
/// slices of the replacement and of the text, in order.
fn expand<'a>(replacement: &'a str, text: &'a str, start: usize, end: usize) -> Vec<&'a str> {
    let mut pieces = Vec::new();
    let mut rest = replacement;
    while let Some(dollar) = rest.find('$') {
        pieces.push(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (piece, used): (&'a str, usize) = match after.as_bytes().first() {
            Some(b'$') => ("$", 1),
            Some(b'&') => (text.get(start..end).unwrap_or(""), 1),
            Some(b'`') => (text.get(..start).unwrap_or(""), 1),
            Some(b'\'') => (text.get(end..).unwrap_or(""), 1),
            _ => ("$", 0),
        };
        pieces.push(piece);
        rest = &after[used..];
    }
    pieces.push(rest);
    pieces.retain(|piece| !piece.is_empty());
    pieces
}
