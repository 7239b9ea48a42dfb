//! How Kiln's MySQL functions read their SQL arguments, in one place: each function module
//! (`date_functions`, `text_functions`, `json_functions`, …) reads through these rather than
//! matching SQLite's value kinds itself, so "what counts as text" is decided once.
//!
//! A value of the wrong kind reads as `None`, which the functions answer as MySQL does for
//! a value that is not of their kind: NULL, never an error.

use std::borrow::Cow;

use rusqlite::functions::Context;
use rusqlite::types::ValueRef;

/// Argument `index` when it is text (valid UTF-8); `None` for anything else.
pub(super) fn text<'a>(context: &'a Context<'_>, index: usize) -> Option<&'a str> {
    match context.get_raw(index) {
        ValueRef::Text(text) => std::str::from_utf8(text).ok(),
        _ => None,
    }
}

/// Argument `index` as text, a number as its digits, as MySQL's string functions read one.
pub(super) fn text_or_number<'a>(context: &'a Context<'_>, index: usize) -> Option<Cow<'a, str>> {
    match context.get_raw(index) {
        ValueRef::Text(text) => std::str::from_utf8(text).ok().map(Cow::Borrowed),
        ValueRef::Integer(value) => Some(Cow::Owned(value.to_string())),
        ValueRef::Real(value) => Some(Cow::Owned(value.to_string())),
        _ => None,
    }
}
