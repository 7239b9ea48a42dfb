//! JavaScript's replacement patterns (`GetSubstitution` in ECMA-262), which
//! `replace` and `replaceAll` read in their replacement even when the pattern
//! is a plain String: `$$` is `$`, `$&` the match, `` $` `` the text before it,
//! `$'` the text after it, `$1` … `$99` a capture group. A String pattern has no
//! groups, so there `$1` stays as written, as does `$<name>` (JavaScript reads
//! it only for a regular expression with named groups).

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
        for piece in expand(replacement, text, start, end, &[]) {
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

/// The pieces `replacement` expands to for the match `start..end` of `text`
/// whose capture groups (1, 2, …) are `groups`: slices of the replacement and
/// of the text, in order.
pub(crate) fn expand<'a>(
    replacement: &'a str,
    text: &'a str,
    start: usize,
    end: usize,
    groups: &[Option<&'a str>],
) -> Vec<&'a str> {
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
            Some(d) if d.is_ascii_digit() => match group_reference(after, groups.len()) {
                Some((index, used)) => {
                    (groups.get(index - 1).copied().flatten().unwrap_or(""), used)
                }
                None => ("$", 0),
            },
            _ => ("$", 0),
        };
        pieces.push(piece);
        rest = &after[used..];
    }
    pieces.push(rest);
    pieces.retain(|piece| !piece.is_empty());
    pieces
}

/// The group `$nn` or `$n` names at the start of `after` (what follows the
/// `$`) and the digits it uses: two digits when they name one of `count`
/// groups, else one; `None` when neither does (then it stays as written).
fn group_reference(after: &str, count: usize) -> Option<(usize, usize)> {
    let digit = |i: usize| {
        after
            .as_bytes()
            .get(i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| usize::from(b - b'0'))
    };
    let first = digit(0)?;
    if let Some(second) = digit(1) {
        let two = first * 10 + second;
        if (1..=count).contains(&two) {
            return Some((two, 2));
        }
    }
    (1..=count).contains(&first).then_some((first, 1))
}
