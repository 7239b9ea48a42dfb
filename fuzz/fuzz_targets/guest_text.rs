//! The one escaping function for guest text, on arbitrary text: what Kiln
//! prints of a guest string is one line with no character that drives a
//! terminal or reorders text, it maps back to exactly the guest's string,
//! caps cut at character boundaries, and JSON output is as clean and means
//! the same.
//!
//! Input: any bytes, read as UTF-8 (lossily, so every input is a string);
//! the first byte also picks the cap tried.

#![no_main]

use std::borrow::Cow;

use kiln_runtime::guest_text::{
    GuestText, cap, escape, needs_escape, to_json_line, to_json_pretty, unescape,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    // Escaped: clean, one line, and injective.
    let escaped = escape(text);
    assert!(!escaped.chars().any(needs_escape), "a raw control survived");
    assert!(!escaped.contains('\n') && !escaped.contains('\r'));
    assert_eq!(
        unescape(&escaped).as_deref(),
        Some(text),
        "escaping lost text"
    );
    assert_eq!(
        matches!(escaped, Cow::Borrowed(_)),
        !text.chars().any(|c| c == '\\' || needs_escape(c))
    );
    assert_eq!(GuestText(text).to_string(), escaped);

    // Text that reads as escaped output comes from exactly one string.
    if let Some(original) = unescape(text) {
        assert_eq!(escape(&original), text, "two strings escape alike");
    }

    // Caps keep a prefix, cut at a character boundary.
    let max = usize::from(data.first().copied().unwrap_or(0));
    let capped = cap(text, max);
    if text.len() <= max {
        assert_eq!(capped, text);
    } else {
        let kept = capped
            .split_once("… [")
            .map(|(kept, _)| kept)
            .expect("a cap marker");
        assert!(kept.len() <= max && text.starts_with(kept));
        assert!(capped.ends_with(" more bytes cut by Kiln]"));
    }

    // JSON: no such character in the bytes, the same string when parsed.
    for json in [to_json_line(text).unwrap(), to_json_pretty(text).unwrap()] {
        assert!(!json.chars().any(needs_escape), "raw control in JSON");
        let back: String = serde_json::from_str(&json).expect("Kiln's JSON parses");
        assert_eq!(back, text);
    }
});
