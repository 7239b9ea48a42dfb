//! Where a token sqlparser's tokenizer found sits in the text it read: the passes that edit a
//! statement before it is parsed (`tidb_guards`, `word_operators`) cut and replace the text by
//! these places, never by re-printing tokens (which would change how a string's escapes read).

use std::cell::Cell;

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// `query`'s tokens as MySQL reads them, with their places, without whitespace and comments;
/// `None` when the tokenizer cannot read it (the parser then reports why).
pub(super) fn significant_tokens(query: &str) -> Option<Vec<TokenWithSpan>> {
    let mut tokens = Tokenizer::new(&MySqlDialect {}, query)
        .tokenize_with_location()
        .ok()?;
    tokens.retain(|token| !matches!(token.token, Token::Whitespace(_)));
    Some(tokens)
}

/// Whether `text` holds any of `words` (lowercase ASCII) in any case: one pass over its bytes,
/// without copying it. The edits' cheap first refusal, asked of every statement.
pub(super) fn mentions_any(text: &str, words: &[&str]) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|at| {
        words.iter().any(|word| {
            bytes
                .get(at..at + word.len())
                .is_some_and(|found| found.eq_ignore_ascii_case(word.as_bytes()))
        })
    })
}

/// `query` with each `(start, end, replacement)` edit made, the edits in the text's order
/// and apart; `None` when a place is not one of the text's (which the callers' places,
/// found by [`LineStarts`], never are).
pub(super) fn splice(query: &str, edits: &[(usize, usize, &str)]) -> Option<String> {
    let added: usize = edits
        .iter()
        .map(|(_, _, replacement)| replacement.len())
        .sum();
    let mut text = String::with_capacity(query.len() + added);
    let mut from = 0;
    for &(start, end, replacement) in edits {
        text.push_str(query.get(from..start)?);
        text.push_str(replacement);
        from = end;
    }
    text.push_str(query.get(from..)?);
    Some(text)
}

/// Byte offsets of a text's lines, to turn the tokenizer's (line, column) into a place in it.
///
/// Places asked for in the text's order cost one walk of the text in all: the last place
/// found is kept, and a later place on the same line walks on from it. (Walking each line
/// from its start would make a one-line statement of many edited tokens quadratic.)
pub(super) struct LineStarts<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last place found: its line (from 0), column (from 0) and byte offset.
    last: Cell<(usize, usize, usize)>,
}

impl<'a> LineStarts<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        LineStarts {
            text,
            starts,
            last: Cell::new((0, 0, 0)),
        }
    }

    /// The byte offset of `location` (both counted from 1, the column in characters).
    pub(super) fn byte(&self, location: Location) -> Option<usize> {
        let line = usize::try_from(location.line).ok()?.checked_sub(1)?;
        let column = usize::try_from(location.column).ok()?.checked_sub(1)?;
        let line_start = *self.starts.get(line)?;
        let (last_line, last_column, last_byte) = self.last.get();
        let (from_column, from_byte) = if last_line == line && last_column <= column {
            (last_column, last_byte)
        } else {
            (0, line_start)
        };
        let rest = self.text.get(from_byte..)?;
        let within = rest
            .char_indices()
            .nth(column - from_column)
            .map_or(rest.len(), |(at, _)| at);
        let byte = from_byte + within;
        self.last.set((line, column, byte));
        Some(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, column: u64) -> Location {
        Location { line, column }
    }

    #[test]
    fn mentions_are_found_in_any_case() {
        assert!(mentions_any("select 7 MoD 3", &["mod", "interval"]));
        assert!(mentions_any("ALTER table t", &["alter"]));
        assert!(!mentions_any("select m, inter", &["mod", "interval"]));
        assert!(!mentions_any("", &["alter"]));
    }

    #[test]
    fn places_are_found_in_order_and_out_of_order() {
        let text = "ab\u{e9}c\nxy\u{1F600}z";
        let places = LineStarts::new(text);
        assert_eq!(places.byte(at(1, 4)), Some(4));
        assert_eq!(places.byte(at(2, 4)), Some(12));
        assert_eq!(places.byte(at(2, 1)), Some(6));
        assert_eq!(places.byte(at(1, 2)), Some(1));
        assert_eq!(places.byte(at(2, 3)), Some(8));
        assert_eq!(places.byte(at(3, 1)), None);
        assert_eq!(places.byte(at(0, 1)), None);
    }
}
