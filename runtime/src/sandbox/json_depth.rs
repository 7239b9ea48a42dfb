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
pub fn exceeds_depth(json: &str, max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
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

    #[test]
    fn everything_within_the_limit_builds_a_serde_json_value() {
        let deepest = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert_eq!(exceeds_depth(&deepest, MAX_JSON_DEPTH), None);
        assert!(serde_json::from_str::<serde_json::Value>(&deepest).is_ok());
    }
}
