//! MySQL's text functions SQLite lacks or runs otherwise: `SUBSTRING` (a position 0 is the
//! empty string), `UPPER` and `LOWER` (every letter, SQLite's map only ASCII), `LOCATE`,
//! `SUBSTRING_INDEX`, `LEFT`, `RIGHT`, `LPAD`,
//! `RPAD`, `REPEAT`, `REVERSE`, `SPACE`, `FIND_IN_SET`, `STRCMP`, `FIELD`, `ELT`, `ASCII`,
//! `BIT_COUNT`, `ISNULL`, `ANY_VALUE`, `UUID_TO_BIN`/`BIN_TO_UUID`,
//! `INET_ATON`/`INET_NTOA`, `REGEXP` and a distinct `GROUP_CONCAT` with a separator.
//!
//! Positions and lengths count characters, not bytes, as MySQL's do on `utf8mb4` text; TiDB's
//! default collation (`utf8mb4_bin`) compares exactly, and so do these.

use std::borrow::Cow;
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
/// `REPEAT`, `LPAD`, `RPAD` and `SPACE` answer NULL past this length, as MySQL does past
/// `max_allowed_packet`: one call must not build an unbounded string in the host.
const MAX_BUILT_BYTES: usize = 16 * 1024 * 1024;
/// A distinct `GROUP_CONCAT` stops here rather than hold an unbounded string in the host; the
/// answer limit would refuse it anyway.
const MAX_GROUP_CONCAT_BYTES: usize = 16 * 1024 * 1024;

use super::arguments::text_or_number as text;

pub(super) fn count(context: &Context<'_>, index: usize) -> Option<i64> {
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

/// `SUBSTRING(text, position[, length])` as MySQL's: `position` counts from 1, or back from
/// the end when negative; 0, or before the start, is the empty string (SQLite's `substr`
/// answers the whole text for 0), and so is a `length` below 1.
fn substring<T: Clone>(items: &[T], position: i64, length: Option<i64>) -> Vec<T> {
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let start = match position {
        0 => return Vec::new(),
        position if position > 0 => position - 1,
        position => total + position,
    };
    if start < 0 || start >= total {
        return Vec::new();
    }
    let take = match length {
        Some(length) if length < 1 => return Vec::new(),
        Some(length) => usize::try_from(length).unwrap_or(usize::MAX),
        None => usize::MAX,
    };
    items[start as usize..].iter().take(take).cloned().collect()
}

/// `text` with each letter mapped to its capital (`upper`) or small letter, one character
/// for one, as TiDB's `UPPER`/`LOWER` (Go's `unicode.ToUpper`): `é` is `É`. A letter whose
/// mapping is several characters (`ß` to `SS`) stays as it is.
fn case_mapped(text: &str, upper: bool) -> String {
    fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
        let first = chars.next()?;
        chars.next().is_none().then_some(first)
    }
    text.chars()
        .map(|c| {
            if upper {
                single(c.to_uppercase())
            } else {
                single(c.to_lowercase())
            }
            .unwrap_or(c)
        })
        .collect()
}

/// The one key `COUNT(DISTINCT a, b, …)` counts (`kiln_distinct_key`): `None` when any value
/// is NULL (MySQL leaves such a row out), else the values as a JSON array, each keeping its
/// kind (`1` and `'1'` are two keys, as two columns of different types compare).
fn distinct_key(context: &Context<'_>) -> Option<String> {
    let mut values = Vec::with_capacity(context.len());
    for index in 0..context.len() {
        values.push(match context.get_raw(index) {
            ValueRef::Null => return None,
            ValueRef::Integer(value) => serde_json::Value::from(value),
            ValueRef::Real(value) => serde_json::Value::from(value),
            ValueRef::Text(text) => serde_json::Value::from(String::from_utf8_lossy(text)),
            ValueRef::Blob(bytes) => serde_json::json!({ "blob": bytes }),
        });
    }
    Some(serde_json::Value::Array(values).to_string())
}

fn left(text: &str, length: i64) -> String {
    text.chars().take(length.max(0) as usize).collect()
}

fn right(text: &str, length: i64) -> String {
    let total = text.chars().count();
    let skip = total.saturating_sub(length.max(0) as usize);
    text.chars().skip(skip).collect()
}

/// `LPAD`/`RPAD`: `text` cut or filled with `fill` to `length` characters; NULL when it must
/// grow and `fill` is empty, or past [`MAX_BUILT_BYTES`].
fn pad(text: &str, length: i64, fill: &str, left: bool) -> Option<String> {
    let length = usize::try_from(length).ok()?;
    let have = text.chars().count();
    if length <= have {
        return Some(text.chars().take(length).collect());
    }
    if fill.is_empty() || length.saturating_mul(4) > MAX_BUILT_BYTES {
        return None;
    }
    let padding: String = fill.chars().cycle().take(length - have).collect();
    Some(if left {
        padding + text
    } else {
        format!("{text}{padding}")
    })
}

/// Argument `index` as a compiled pattern, compiled once per statement (not once per row);
/// a pattern that does not compile fails the statement, as MySQL's error 3692 does.
fn pattern(context: &Context<'_>, index: i32) -> rusqlite::Result<Arc<Regex>> {
    let compiled: Arc<Result<Arc<Regex>, String>> = context.get_or_create_aux(index, |value| {
        Ok::<_, rusqlite::Error>(match value {
            ValueRef::Text(text) => compile(&String::from_utf8_lossy(text)).map(Arc::new),
            _ => Err("the REGEXP pattern is not text".to_owned()),
        })
    })?;
    match compiled.as_ref() {
        Ok(pattern) => Ok(Arc::clone(pattern)),
        Err(message) => Err(rusqlite::Error::UserFunctionError(message.clone().into())),
    }
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
        let separator = text(context, 1).unwrap_or(Cow::Borrowed(","));
        if state.any {
            state.out.push_str(&separator);
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
    let flags = super::functions::PURE;
    for arity in [2, 3] {
        connection.create_scalar_function("locate", arity, flags, move |context| {
            Ok((|| {
                let from = if arity == 3 { count(context, 2)? } else { 1 };
                Some(locate(&text(context, 0)?, &text(context, 1)?, from))
            })())
        })?;
    }
    connection.create_scalar_function("substring_index", 3, flags, |context| {
        Ok((|| {
            Some(substring_index(
                &text(context, 0)?,
                &text(context, 1)?,
                count(context, 2)?,
            ))
        })())
    })?;
    for arity in [2, 3] {
        connection.create_scalar_function("kiln_substring", arity, flags, move |context| {
            let (Some(position), length) =
                (count(context, 1), (arity == 3).then(|| count(context, 2)))
            else {
                return Ok(None);
            };
            let Some(length) = length.map_or(Some(None), |length| length.map(Some)) else {
                return Ok(None);
            };
            // A binary string counts bytes, as MySQL's does; text counts characters.
            Ok(match context.get_raw(0) {
                ValueRef::Blob(bytes) => Some(rusqlite::types::Value::Blob(substring(
                    bytes, position, length,
                ))),
                _ => text(context, 0).map(|text| {
                    let chars: Vec<char> = text.chars().collect();
                    rusqlite::types::Value::Text(
                        substring(&chars, position, length).into_iter().collect(),
                    )
                }),
            })
        })?;
    }
    for (name, upper) in [("upper", true), ("lower", false)] {
        connection.create_scalar_function(name, 1, flags, move |context| {
            Ok(match context.get_raw(0) {
                ValueRef::Null => None,
                // A binary string has no letters to MySQL.
                ValueRef::Blob(bytes) => Some(rusqlite::types::Value::Blob(bytes.to_vec())),
                ValueRef::Text(bytes) => Some(rusqlite::types::Value::Text(case_mapped(
                    &String::from_utf8_lossy(bytes),
                    upper,
                ))),
                _ => text(context, 0).map(|text| rusqlite::types::Value::Text(text.into_owned())),
            })
        })?;
    }
    connection.create_scalar_function("kiln_distinct_key", -1, flags, |context| {
        Ok(distinct_key(context))
    })?;
    connection.create_scalar_function("mysql_left", 2, flags, |context| {
        Ok((|| Some(left(&text(context, 0)?, count(context, 1)?)))())
    })?;
    connection.create_scalar_function("mysql_right", 2, flags, |context| {
        Ok((|| Some(right(&text(context, 0)?, count(context, 1)?)))())
    })?;
    // SQLite runs `text REGEXP pattern` as regexp(pattern, text).
    connection.create_scalar_function("regexp", 2, flags, |context| {
        let Some(subject) = text(context, 1) else {
            return Ok(None);
        };
        Ok(Some(pattern(context, 0)?.is_match(&subject)))
    })?;
    // MySQL 8's (and TiDB's) REGEXP_ functions, over the same linear-time patterns.
    connection.create_scalar_function("regexp_like", 2, flags, |context| {
        let Some(subject) = text(context, 0) else {
            return Ok(None);
        };
        Ok(Some(pattern(context, 1)?.is_match(&subject)))
    })?;
    connection.create_scalar_function("regexp_substr", 2, flags, |context| {
        let Some(subject) = text(context, 0) else {
            return Ok(None);
        };
        Ok(pattern(context, 1)?
            .find(&subject)
            .map(|found| found.as_str().to_owned()))
    })?;
    // The 1-based character position of the first match, 0 when none.
    connection.create_scalar_function("regexp_instr", 2, flags, |context| {
        let Some(subject) = text(context, 0) else {
            return Ok(None);
        };
        Ok(Some(
            pattern(context, 1)?.find(&subject).map_or(0, |found| {
                i64::try_from(subject[..found.start()].chars().count() + 1).unwrap_or(i64::MAX)
            }),
        ))
    })?;
    // Every match replaced; the replacement is literal text, as MySQL's (`$` is not special).
    connection.create_scalar_function("regexp_replace", 3, flags, |context| {
        let (Some(subject), Some(replacement)) = (text(context, 0), text(context, 2)) else {
            return Ok(None);
        };
        let replaced = pattern(context, 1)?.replace_all(&subject, regex::NoExpand(&replacement));
        if replaced.len() > MAX_BUILT_BYTES {
            return Ok(None);
        }
        Ok(Some(replaced.into_owned()))
    })?;
    for (name, left) in [("lpad", true), ("rpad", false)] {
        connection.create_scalar_function(name, 3, flags, move |context| {
            Ok((|| {
                pad(
                    &text(context, 0)?,
                    count(context, 1)?,
                    &text(context, 2)?,
                    left,
                )
            })())
        })?;
    }
    connection.create_scalar_function("repeat", 2, flags, |context| {
        Ok((|| {
            let piece = &text(context, 0)?;
            let times = usize::try_from(count(context, 1)?.max(0)).ok()?;
            (piece.len().saturating_mul(times) <= MAX_BUILT_BYTES).then(|| piece.repeat(times))
        })())
    })?;
    connection.create_scalar_function("space", 1, flags, |context| {
        Ok((|| {
            let times = usize::try_from(count(context, 0)?.max(0)).ok()?;
            (times <= MAX_BUILT_BYTES).then(|| " ".repeat(times))
        })())
    })?;
    connection.create_scalar_function("reverse", 1, flags, |context| {
        Ok(text(context, 0).map(|text| text.chars().rev().collect::<String>()))
    })?;
    // FIND_IN_SET(needle, 'a,b,c'): the 1-based position in the list, 0 when absent.
    connection.create_scalar_function("find_in_set", 2, flags, |context| {
        Ok((|| {
            let needle = &text(context, 0)?;
            let list = &text(context, 1)?;
            if list.is_empty() {
                return Some(0);
            }
            Some(
                list.split(',')
                    .position(|item| item == needle)
                    .map_or(0, |index| index as i64 + 1),
            )
        })())
    })?;
    connection.create_scalar_function("strcmp", 2, flags, |context| {
        Ok((|| {
            Some(match &text(context, 0)?.cmp(&text(context, 1)?) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })
        })())
    })?;
    // FIELD(x, a, b, …): the 1-based position of x among the rest, 0 when absent.
    connection.create_scalar_function("field", -1, flags, |context| {
        let wanted = context.get_raw(0);
        if matches!(wanted, ValueRef::Null) {
            return Ok(0);
        }
        Ok((1..context.len())
            .find(|&index| context.get_raw(index) == wanted)
            .map_or(0, |index| index as i64))
    })?;
    // TRIM(BOTH|LEADING|TRAILING what FROM s), rewritten by `expressions`: `what` is removed
    // as a whole string, as many times as it repeats.
    connection.create_scalar_function("kiln_trim", 3, flags, |context| {
        Ok((|| {
            let side = text(context, 0)?;
            let what = text(context, 1)?;
            let what = what.as_ref();
            let whole = text(context, 2)?;
            let mut out = whole.as_ref();
            if what.is_empty() {
                return Some(out.to_owned());
            }
            if side != "TRAILING" {
                while let Some(rest) = out.strip_prefix(what) {
                    out = rest;
                }
            }
            if side != "LEADING" {
                while let Some(rest) = out.strip_suffix(what) {
                    out = rest;
                }
            }
            Some(out.to_owned())
        })())
    })?;
    // ELT(n, a, b, …): the nth of the rest.
    connection.create_scalar_function("elt", -1, flags, |context| {
        let Some(index) = count(context, 0) else {
            return Ok(None);
        };
        Ok(usize::try_from(index)
            .ok()
            .filter(|index| *index >= 1 && *index < context.len())
            .and_then(|index| text(context, index).map(Cow::into_owned)))
    })?;
    connection.create_scalar_function("ascii", 1, flags, |context| {
        Ok(text(context, 0).map(|text| text.bytes().next().map_or(0, i64::from)))
    })?;
    connection.create_scalar_function("bit_count", 1, flags, |context| {
        Ok(count(context, 0).map(|value| i64::from(value.count_ones())))
    })?;
    // ANY_VALUE(x) is x: SQLite lets a grouped query name any row's column.
    connection.create_scalar_function("any_value", 1, flags, |context| {
        context.get::<rusqlite::types::Value>(0)
    })?;
    // UUID_TO_BIN(uuid[, swap]) and BIN_TO_UUID(bytes[, swap]): the 16 bytes, with MySQL's
    // time-low/time-high swap when asked.
    for arity in [1, 2] {
        connection.create_scalar_function("uuid_to_bin", arity, flags, move |context| {
            Ok((|| {
                let swap = arity == 2 && count(context, 1)? != 0;
                let hex_digits: String = text(context, 0)?.chars().filter(|c| *c != '-').collect();
                let mut bytes = hex::decode(hex_digits).ok().filter(|b| b.len() == 16)?;
                if swap {
                    bytes = [&bytes[6..8], &bytes[4..6], &bytes[0..4], &bytes[8..16]].concat();
                }
                Some(bytes)
            })())
        })?;
        connection.create_scalar_function("bin_to_uuid", arity, flags, move |context| {
            Ok((|| {
                let swap = arity == 2 && count(context, 1)? != 0;
                let ValueRef::Blob(bytes) = context.get_raw(0) else {
                    return None;
                };
                if bytes.len() != 16 {
                    return None;
                }
                let bytes = if swap {
                    [&bytes[4..8], &bytes[2..4], &bytes[0..2], &bytes[8..16]].concat()
                } else {
                    bytes.to_vec()
                };
                Some(crate::uuid::uuid_text(bytes.try_into().ok()?))
            })())
        })?;
    }
    connection.create_scalar_function("inet_aton", 1, flags, |context| {
        Ok(text(context, 0)
            .and_then(|text| text.trim().parse::<std::net::Ipv4Addr>().ok())
            .map(|address| i64::from(u32::from(address))))
    })?;
    connection.create_scalar_function("inet_ntoa", 1, flags, |context| {
        Ok(count(context, 0)
            .and_then(|value| u32::try_from(value).ok())
            .map(|value| std::net::Ipv4Addr::from(value).to_string()))
    })?;
    // ORD(s): the first character's code, its UTF-8 bytes read as one number (MySQL's, for
    // a multibyte character).
    connection.create_scalar_function("ord", 1, flags, |context| {
        Ok(text(context, 0).map(|text| {
            let mut buffer = [0u8; 4];
            text.chars().next().map_or(0, |first| {
                first
                    .encode_utf8(&mut buffer)
                    .bytes()
                    .fold(0i64, |code, byte| code * 256 + i64::from(byte))
            })
        }))
    })?;
    // BIN(n), OCT(n): a number's digits in base 2 or 8 (a negative one as its 64-bit two's
    // complement, as MySQL writes it).
    for (name, radix) in [("bin", 2u32), ("oct", 8)] {
        connection.create_scalar_function(name, 1, flags, move |context| {
            Ok(count(context, 0).map(|value| {
                let value = value as u64;
                match radix {
                    2 => format!("{value:b}"),
                    _ => format!("{value:o}"),
                }
            }))
        })?;
    }
    // CONV(n, from_base, to_base): n's digits read in one base and written in another, as
    // MySQL's: bases 2 to 36 (otherwise NULL); the digits read stop at the first that is
    // not one of the base's, and an overflow stops at 2^64 - 1; a negative `to_base` writes
    // the value as signed, a positive one as its unsigned 64 bits.
    connection.create_scalar_function("conv", 3, flags, |context| {
        let (Some(digits), Some(from), Some(to)) = (
            super::arguments::text_or_number(context, 0),
            count(context, 1),
            count(context, 2),
        ) else {
            return Ok(None);
        };
        Ok(convert_base(&digits, from, to))
    })?;
    // MySQL's ISNULL(x) function (SQLite's ISNULL is a postfix operator).
    connection.create_scalar_function("kiln_isnull", 1, flags, |context| {
        Ok(matches!(context.get_raw(0), ValueRef::Null))
    })?;
    connection.create_aggregate_function(
        "kiln_group_concat_distinct",
        2,
        FunctionFlags::SQLITE_UTF8,
        DistinctConcat,
    )?;
    Ok(())
}

/// `CONV`'s conversion: `None` for a base outside 2..=36 (either sign).
fn convert_base(digits: &str, from: i64, to: i64) -> Option<String> {
    let radix = |base: i64| {
        u32::try_from(base.unsigned_abs())
            .ok()
            .filter(|radix| (2..=36).contains(radix))
    };
    let (from_radix, to_radix) = (radix(from)?, radix(to)?);
    let digits = digits.trim_start();
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits.strip_prefix('+').unwrap_or(digits)),
    };
    let mut value: u64 = 0;
    for digit in digits.chars().map_while(|c| c.to_digit(from_radix)) {
        value = value
            .checked_mul(u64::from(from_radix))
            .and_then(|value| value.checked_add(u64::from(digit)))
            .unwrap_or(u64::MAX);
    }
    // A negative number is its 64-bit two's complement, as MySQL keeps it.
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    let (negative, mut magnitude) = if to < 0 && (value as i64) < 0 {
        (true, (value as i64).unsigned_abs())
    } else {
        (false, value)
    };
    let mut written = Vec::new();
    loop {
        let digit = u32::try_from(magnitude % u64::from(to_radix)).unwrap_or(0);
        written.push(
            char::from_digit(digit, to_radix)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
        magnitude /= u64::from(to_radix);
        if magnitude == 0 {
            break;
        }
    }
    if negative {
        written.push('-');
    }
    Some(written.into_iter().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_answers_as_mysql() {
        // MySQL 8.0's answers.
        assert_eq!(convert_base("a", 16, 2).as_deref(), Some("1010"));
        assert_eq!(convert_base("6E", 18, 8).as_deref(), Some("172"));
        assert_eq!(convert_base("-17", 10, -18).as_deref(), Some("-H"));
        assert_eq!(
            convert_base("-1", 10, 16).as_deref(),
            Some("FFFFFFFFFFFFFFFF")
        );
        assert_eq!(convert_base("10.5", 10, 2).as_deref(), Some("1010"));
        assert_eq!(convert_base("zz", 10, 10).as_deref(), Some("0"));
        assert_eq!(
            convert_base("ffffffffffffffffffff", 16, 10).as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(convert_base("1", 1, 10), None);
        assert_eq!(convert_base("1", 10, 37), None);
    }

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
        assert_eq!(pad("7", 3, "0", true).as_deref(), Some("007"));
        assert_eq!(pad("ab", 5, "xy", false).as_deref(), Some("abxyx"));
        assert_eq!(pad("abcdef", 3, "0", true).as_deref(), Some("abc"));
        assert_eq!(pad("a", 3, "", true), None);
        assert_eq!(pad("a", i64::MAX, "0", true), None);
    }

    #[test]
    fn patterns_that_expand_are_refused() {
        assert!(compile("^b.*").is_ok());
        assert!(compile("(a{1000}){1000}").is_err());
        assert!(compile(&"a".repeat(MAX_PATTERN_BYTES + 1)).is_err());
    }
}
