//! How deeply a JSON payload or result may nest, checked without recursion.
//!
//! serde_json limits recursion to 128 levels when it builds a `Value`, but
//! checking a document against `IgnoredAny` (as Kiln does for every payload
//! and result) walks it iteratively with no limit: a result of 100,000
//! nested arrays passed, and the first consumer that built a `Value` from it
//! (the command line's pretty printer, a caller's parser with its recursion
//! limit off, a guest's own deserializer) either failed late or overflowed
//! its stack, which is a process abort, not an error. Kiln refuses deeper
//! documents up front with a typed error, by counting brackets in one pass
//! over the bytes: no recursion, no allocation.

/// Deepest nesting of arrays and objects accepted in a payload or a result.
/// Below serde_json's own limit (128), so every document Kiln accepts can be
/// turned into a `serde_json::Value` by anyone downstream; far above what
/// Jira's own documents use (an issue with rich-text fields nests about 12
/// levels).
pub const MAX_JSON_DEPTH: usize = 64;

/// The nesting depth of `json` exceeds `max`: returns the depth first reached
/// beyond it. Strings are skipped (brackets inside them do not count).
/// Assumes nothing about validity; run it before the parser.
///
/// Every web trigger request and answer goes through here, so the common case
/// is made cheap first: nesting needs an opening bracket per level, so a
/// document with at most `max` of them anywhere (strings included) cannot be
/// too deep, and one `memchr2` pass that stops at the `max + 1`th says so.
/// Only a document with more opening brackets is walked: a string is skipped
/// to its next `"` or `\` at a time (`memchr2`, many bytes per step), as most
/// of a payload or result is string text.
pub fn exceeds_depth(json: &str, max: usize) -> Option<usize> {
    let bytes = json.as_bytes();
    let openers = memchr::memchr2_iter(b'[', b'{', bytes)
        .take(max.saturating_add(1))
        .count();
    if openers <= max {
        return None;
    }
    let mut depth = 0usize;
    let mut at = 0usize;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' => {
                // To the closing quote; an escape's second byte is never one.
                at += 1;
                loop {
                    let rest = bytes.get(at..)?;
                    let found = memchr::memchr2(b'"', b'\\', rest)?;
                    at += found;
                    if bytes[at] == b'\\' {
                        at += 2;
                    } else {
                        break;
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(depth);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_arrays_and_objects_but_not_brackets_in_strings() {
        assert_eq!(exceeds_depth("{}", 1), None);
        assert_eq!(exceeds_depth("[[1]]", 1), Some(2));
        assert_eq!(exceeds_depth(r#"{"a":[{"b":"[[[[\"[["}]}"#, 3), None);
        assert_eq!(exceeds_depth(r#"{"a":[{"b":"[[[[\"[["}]}"#, 2), Some(3));
        let siblings = "[".to_owned() + &"[],".repeat(1000) + "[]]";
        assert_eq!(exceeds_depth(&siblings, 2), None);
    }

    #[test]
    fn a_hundred_thousand_levels_are_refused_at_the_first_level_too_deep() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            exceeds_depth(&deep, MAX_JSON_DEPTH),
            Some(MAX_JSON_DEPTH + 1)
        );
        // What the limit is for: serde_json's iterative check lets it pass.
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(&deep).is_ok());
    }

    /// The byte-at-a-time scan this module had before strings were skipped by `memchr2`.
    fn exceeds_depth_bytewise(json: &str, max: usize) -> Option<usize> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &b in json.as_bytes() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > max {
                        return Some(depth);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        None
    }

    #[test]
    fn skipping_strings_whole_answers_as_the_bytewise_scan() {
        // Every string of up to 6 bytes over the characters that matter (and one that
        // does not), against every limit from 0 to 3: hostile shapes included, such as an
        // escape at the very end, unterminated strings and unbalanced brackets; both the
        // opening-bracket count's shortcut and the walk are reached.
        let alphabet = [b'"', b'\\', b'[', b']', b'{', b'}', b'a'];
        let mut checked = 0;
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut text = Vec::new();
                for _ in 0..len {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let text = String::from_utf8(text).unwrap();
                for max in 0..=3 {
                    assert_eq!(
                        exceeds_depth(&text, max),
                        exceeds_depth_bytewise(&text, max),
                        "{text:?} at {max}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 400_000);
        let long = format!(r#"{{"a":"{}","b":[["x\\"]]}}"#, "é\\\"[".repeat(500));
        for max in 0..4 {
            assert_eq!(
                exceeds_depth(&long, max),
                exceeds_depth_bytewise(&long, max)
            );
        }
    }

    #[test]
    fn everything_within_the_limit_builds_a_serde_json_value() {
        let deepest = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert_eq!(exceeds_depth(&deepest, MAX_JSON_DEPTH), None);
        assert!(serde_json::from_str::<serde_json::Value>(&deepest).is_ok());
    }
}
