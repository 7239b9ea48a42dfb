//! Two MySQL spellings sqlparser's MySQL grammar does not read, respelt before parsing:
//!
//! - the `MOD` operator, `a MOD b`, which is `a % b` (sqlparser reads `7 MOD 3` as `7 AS MOD`
//!   followed by a stray `3`). `MOD` is reserved in MySQL and TiDB, so an unquoted `MOD` not
//!   followed by `(` can only be the operator; `MOD(a, b)`, the function, is left as it is.
//! - the `INTERVAL(n, n1, n2, …)` function (the index of the last `nᵢ ≤ n`), which sqlparser
//!   takes for the start of an interval, `INTERVAL (expr) unit`. An interval's parentheses
//!   hold one expression, so `INTERVAL` followed by parentheses that hold a comma at their
//!   own depth is the function, and is spelt `kiln_interval_index(…)`.
//!
//! As in `tidb_guards`, only those words are replaced, by their place in the text as the
//! tokenizer found them ([`LineStarts`]); nothing else in the text is touched.

use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::token_places::{LineStarts, mentions_any, significant_tokens, splice};

/// The name `INTERVAL(n, …)` is called by (`number_functions.rs` registers it).
pub(super) const INTERVAL_INDEX: &str = "kiln_interval_index";

/// `query` with its `MOD` operators and `INTERVAL(…)` calls respelt; `None` when it has
/// neither (or the tokenizer cannot read it, which the parser then reports).
pub(super) fn respell_word_operators(query: &str) -> Option<String> {
    // Cheap refusal first: most statements hold neither word.
    if !mentions_any(query, &["mod", "interval"]) {
        return None;
    }
    let words = significant_tokens(query)?;
    let is_word = |token: &TokenWithSpan, wanted: &str| {
        matches!(&token.token, Token::Word(word)
            if word.quote_style.is_none() && word.value.eq_ignore_ascii_case(wanted))
    };
    let lists = lists(&words);
    let places = LineStarts::new(query);
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for (at, token) in words.iter().enumerate() {
        let next = words.get(at + 1).map(|next| &next.token);
        let replacement = if is_word(token, "MOD") && next != Some(&Token::LParen) {
            "%"
        } else if is_word(token, "INTERVAL")
            && next == Some(&Token::LParen)
            && lists.get(at + 1).copied().unwrap_or(false)
        {
            INTERVAL_INDEX
        } else {
            continue;
        };
        let start = places.byte(token.span.start)?;
        let end = places.byte(token.span.end)?;
        edits.push((start, end, replacement));
    }
    if edits.is_empty() {
        return None;
    }
    splice(query, &edits)
}

/// For each of `tokens`, whether it is an opening parenthesis whose parentheses hold a comma
/// at their own depth: one pass, with a stack of the parentheses open (an `INTERVAL` nested in
/// another's list costs nothing more).
fn lists(tokens: &[TokenWithSpan]) -> Vec<bool> {
    let mut holds_comma = vec![false; tokens.len()];
    let mut open: Vec<usize> = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        match token.token {
            Token::LParen => open.push(at),
            Token::RParen => {
                open.pop();
            }
            Token::Comma => {
                if let Some(&paren) = open.last() {
                    holds_comma[paren] = true;
                }
            }
            _ => {}
        }
    }
    holds_comma
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mod_operator_is_respelt_and_the_mod_function_is_not() {
        assert_eq!(
            respell_word_operators("SELECT 7 mod 3, MOD(7, 3), `mod` FROM t WHERE n MOD 2 = 0")
                .as_deref(),
            Some("SELECT 7 % 3, MOD(7, 3), `mod` FROM t WHERE n % 2 = 0")
        );
        assert_eq!(respell_word_operators("SELECT MOD(7, 3)"), None);
        assert_eq!(respell_word_operators("SELECT 'a mod b'"), None);
    }

    #[test]
    fn the_interval_function_is_respelt_and_intervals_are_not() {
        assert_eq!(
            respell_word_operators("SELECT INTERVAL(23, 1, (15), 17) AS i").as_deref(),
            Some("SELECT kiln_interval_index(23, 1, (15), 17) AS i")
        );
        for kept in [
            "SELECT NOW() + INTERVAL 1 DAY",
            "SELECT NOW() - INTERVAL (1 + 1) DAY",
            "SELECT DATE_ADD(d, INTERVAL (SELECT MAX(n) FROM t) DAY) FROM t",
        ] {
            assert_eq!(respell_word_operators(kept), None, "{kept}");
        }
    }

    #[test]
    fn places_after_multibyte_text_are_kept() {
        assert_eq!(
            respell_word_operators("SELECT 'é😀' AS s, n MOD 2\nFROM t WHERE m mod 3 = 1")
                .as_deref(),
            Some("SELECT 'é😀' AS s, n % 2\nFROM t WHERE m % 3 = 1")
        );
    }
}
