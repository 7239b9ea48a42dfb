//! MySQL's text functions SQLite lacks: `LOCATE`, `SUBSTRING_INDEX`, `LEFT`, `RIGHT`,
//! `REGEXP` and a distinct `GROUP_CONCAT` with a separator.
//!
//! Positions and lengths count characters, not bytes, as MySQL's do on `utf8mb4` text; TiDB's
//! default collation (`utf8mb4_bin`) compares exactly, and so do these.

use std::collections::HashSet;
use std::sync::Arc;

use regex::Regex;
use rusqlite::Connection;
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::ValueRef;

/// A `REGEXP` pattern longer than this is refused: patterns come from the app (or from a
/// stored value), and compiling one costs time and memory in its size. Rust's `regex` matches
/// in linear time, so no pattern can stall a statement past its time limit.
const MAX_PATTERN_BYTES: usize = 4 * 1024;
/// The compiled program of one pattern may not pass this (regex's own guard against patterns
/// that expand, such as `(a{1000}){1000}`).
const MAX_COMPILED_BYTES: usize = 1024 * 1024;
/// A distinct `GROUP_CONCAT` stops here rather than hold an unbounded string in the host; the
/// answer limit would refuse it anyway.
const MAX_GROUP_CONCAT_BYTES: usize = 16 * 1024 * 1024;

fn text<'a>(context: &'a Context<'_>, index: usize) -> Option<&'a str> {
    match context.get_raw(index) {
        ValueRef::Text(text) => std::str::from_utf8(text).ok(),
        _ => None,
    }
}

fn count(context: &Context<'_>, index: usize) -> Option<i64> {
    match context.get_raw(index) {
        ValueRef::Integer(value) => Some(value),
        ValueRef::Real(value) if value.is_finite() => Some(value.round() as i64),
        ValueRef::Text(text) => std::str::from_utf8(text).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// `LOCATE(needle, haystack[, from])`: the 1-based character position of `needle`, 0 when
/// absent.
fn locate(needle: &str, haystack: &str, from: i64) -> i64 {
    if from < 1 {
        return 0;
    }
    let Some((start, _)) = haystack
        .char_indices()
        .nth((from - 1) as usize)
        .or((haystack.chars().count() as i64 == from - 1).then_some((haystack.len(), ' ')))
    else {
        return 0;
    };
    match haystack[start..].find(needle) {
        Some(byte) => from + haystack[start..start + byte].chars().count() as i64,
        None => 0,
    }
}

/// `SUBSTRING_INDEX(text, delimiter, count)`: the text before the `count`th delimiter, or
/// after the `-count`th from the end.
fn substring_index(text: &str, delimiter: &str, count: i64) -> String {
    if delimiter.is_empty() || count == 0 {
        return String::new();
    }
    if count > 0 {
        let mut end = 0;
        for _ in 0..count {
            match text[end..].find(delimiter) {
                Some(found) => end += found + delimiter.len(),
                None => return text.to_owned(),
            }
        }
        text[..end - delimiter.len()].to_owned()
    } else {
        let mut start = text.len();
        for _ in 0..count.unsigned_abs() {
            match text[..start].rfind(delimiter) {
                Some(found) => start = found,
                None => return text.to_owned(),
            }
        }
        text[start + delimiter.len()..].to_owned()
    }
}

fn left(text: &str, length: i64) -> String {
    text.chars().take(length.max(0) as usize).collect()
}

fn right(text: &str, length: i64) -> String {
    let total = text.chars().count();
    let skip = total.saturating_sub(length.max(0) as usize);
    text.chars().skip(skip).collect()
}

fn compile(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!(
            "the REGEXP pattern is {} bytes; Kiln's limit is {MAX_PATTERN_BYTES}",
            pattern.len()
        ));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(MAX_COMPILED_BYTES)
        .build()
        .map_err(|error| format!("the REGEXP pattern is not valid: {error}"))
}

/// `GROUP_CONCAT(DISTINCT x SEPARATOR s)`, each value once, in the order met (which an
/// `ORDER BY` inside the call decides).
struct DistinctConcat;

#[derive(Default)]
struct Concatenated {
    seen: HashSet<String>,
    out: String,
    any: bool,
}

impl Aggregate<Concatenated, Option<String>> for DistinctConcat {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Concatenated> {
        Ok(Concatenated::default())
    }

    fn step(&self, context: &mut Context<'_>, state: &mut Concatenated) -> rusqlite::Result<()> {
        let value = match context.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned(),
            ValueRef::Integer(value) => value.to_string(),
            ValueRef::Real(value) => value.to_string(),
            ValueRef::Blob(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        };
        if state.seen.contains(&value) {
            return Ok(());
        }
        let separator = text(context, 1).unwrap_or(",");
        if state.any {
            state.out.push_str(separator);
        }
        state.out.push_str(&value);
        state.any = true;
        if state.out.len() > MAX_GROUP_CONCAT_BYTES {
            return Err(rusqlite::Error::UserFunctionError(
                format!("GROUP_CONCAT passed Kiln's limit of {MAX_GROUP_CONCAT_BYTES} bytes")
                    .into(),
            ));
        }
        state.seen.insert(value);
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        state: Option<Concatenated>,
    ) -> rusqlite::Result<Option<String>> {
        Ok(state.filter(|state| state.any).map(|state| state.out))
    }
}

/// Registers the text functions on `connection`.
pub fn register_text_functions(connection: &Connection) -> rusqlite::Result<()> {
    // INNOCUOUS: no side effects, so a schema's DEFAULT or CHECK may call them.
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    for arity in [2, 3] {
        connection.create_scalar_function("locate", arity, flags, move |context| {
            Ok((|| {
                let from = if arity == 3 { count(context, 2)? } else { 1 };
                Some(locate(text(context, 0)?, text(context, 1)?, from))
            })())
        })?;
    }
    connection.create_scalar_function("substring_index", 3, flags, |context| {
        Ok((|| {
            Some(substring_index(
                text(context, 0)?,
                text(context, 1)?,
                count(context, 2)?,
            ))
        })())
    })?;
    connection.create_scalar_function("mysql_left", 2, flags, |context| {
        Ok((|| Some(left(text(context, 0)?, count(context, 1)?)))())
    })?;
    connection.create_scalar_function("mysql_right", 2, flags, |context| {
        Ok((|| Some(right(text(context, 0)?, count(context, 1)?)))())
    })?;
    // SQLite runs `text REGEXP pattern` as regexp(pattern, text).
    connection.create_scalar_function("regexp", 2, flags, |context| {
        let Some(subject) = text(context, 1) else {
            return Ok(None);
        };
        // The pattern compiles once per statement, not once per row.
        let pattern: Arc<Result<Regex, String>> = context.get_or_create_aux(0, |value| {
            Ok::<_, rusqlite::Error>(match value {
                ValueRef::Text(text) => compile(&String::from_utf8_lossy(text)),
                _ => Err("the REGEXP pattern is not text".to_owned()),
            })
        })?;
        match pattern.as_ref() {
            Ok(pattern) => Ok(Some(pattern.is_match(subject))),
            Err(message) => Err(rusqlite::Error::UserFunctionError(message.clone().into())),
        }
    })?;
    connection.create_aggregate_function(
        "kiln_group_concat_distinct",
        2,
        FunctionFlags::SQLITE_UTF8,
        DistinctConcat,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_pieces_count_characters() {
        assert_eq!(locate("b", "abcb", 1), 2);
        assert_eq!(locate("b", "abcb", 3), 4);
        assert_eq!(locate("z", "abc", 1), 0);
        assert_eq!(locate("é", "café", 1), 4);
        assert_eq!(locate("", "abc", 4), 4);
        assert_eq!(substring_index("www.mysql.com", ".", 2), "www.mysql");
        assert_eq!(substring_index("www.mysql.com", ".", -2), "mysql.com");
        assert_eq!(substring_index("a.b", ".", 5), "a.b");
        assert_eq!(left("héllo", 2), "hé");
        assert_eq!(right("héllo", 3), "llo");
        assert_eq!(right("hi", 5), "hi");
    }

    #[test]
    fn patterns_that_expand_are_refused() {
        assert!(compile("^b.*").is_ok());
        assert!(compile("(a{1000}){1000}").is_err());
        assert!(compile(&"a".repeat(MAX_PATTERN_BYTES + 1)).is_err());
    }
}
