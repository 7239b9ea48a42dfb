//! Text the guest controls, made safe to print and bounded in size: the one
//! rule for every guest string Kiln writes to a terminal, a log or a report.
//!
//! An app chooses its error texts, its log lines, the strings inside the
//! `request-error` it gives up with, the function names of its name section
//! (which wasmtime quotes in trap backtraces), the names of its imports and
//! exports (quoted by load errors) and, through the manifest, its id and
//! function keys. Printed raw, any of them can drive the operator's terminal
//! (ANSI escape sequences), rewrite a line Kiln already printed (carriage
//! return), forge a line of Kiln's own (`\nerror: …`, an audit line), or make
//! text read differently from what it is (bidi overrides). So:
//!
//! - [`GuestText`] wraps a guest string; its `Display` escapes, so a guest
//!   string cannot be printed raw by accident: code that formats a
//!   `GuestText` gets the escaped form.
//! - [`escape_into`] is the escaping itself. It rewrites every character
//!   [`needs_escape`] names (C0 controls, DEL, C1 controls, bidi overrides and
//!   isolates, line and paragraph separators) as `\n`, `\r`, `\t` or
//!   `\u{…}`, and the backslash as `\\`, so the escaped text is one line,
//!   contains no control, and maps back to exactly one original
//!   ([`unescape`] inverts it; the fuzz target `guest_text` checks both).
//! - [`copy_lines_escaped`] passes a stream on (a build's output), each
//!   line escaped and its line break kept.
//! - [`cap`] bounds a guest string the host keeps: it is truncated at a
//!   character boundary with a visible marker saying how much was cut.
//!
//! JSON output needs no escaping of its own for structure (serde_json
//! escapes quotes, backslashes and C0 controls), but it lets DEL, C1,
//! bidi and line separators through as raw characters, which a terminal
//! showing the JSON would still obey. [`to_json_pretty`] writes those as
//! `\uXXXX` escapes too: the document parses to exactly the guest's text, and
//! its bytes contain none of the characters above.

use std::borrow::Cow;
use std::fmt;

mod stream;

pub use stream::copy_lines_escaped;

/// Whether a character is escaped when guest text is printed.
///
/// - C0 controls (U+0000–U+001F) and DEL (U+007F): terminal control (ESC
///   starts ANSI sequences), line breaks (`\n`, `\r`, vertical tab, form
///   feed) and the backspace that overprints what Kiln wrote.
/// - C1 controls (U+0080–U+009F): CSI (U+009B) and OSC (U+009D) are escape
///   sequences of their own on terminals that honour 8-bit controls; NEL
///   (U+0085) is a line break.
/// - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
///   and the invisible marks that steer them (U+200E, U+200F, U+061C): they
///   make a line display in an order other than its bytes' ("Trojan Source").
/// - Line and paragraph separators (U+2028, U+2029): line breaks for many
///   viewers and log tools.
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// Writes `text` escaped (see the module documentation).
pub fn escape_into(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let mut clean_from = 0;
    for (at, c) in text.char_indices() {
        if c != '\\' && !needs_escape(c) {
            continue;
        }
        out.write_str(&text[clean_from..at])?;
        clean_from = at + c.len_utf8();
        match c {
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c => write!(out, "\\u{{{:x}}}", u32::from(c))?,
        }
    }
    out.write_str(&text[clean_from..])
}

/// `text` escaped; borrowed when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    // Writing to a String cannot fail.
    let _ = escape_into(&mut out, text);
    Cow::Owned(out)
}

/// The inverse of [`escape`]: `None` when `escaped` is not something
/// [`escape`] produces. Used by tests and the fuzz target to show that
/// escaping loses nothing and cannot be confused.
pub fn unescape(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if needs_escape(c) {
                return None;
            }
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let mut hex = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        // `escape` writes lower-case hex only: `\u{1B}` is
                        // not its output (the fuzz target found this).
                        h if (h.is_ascii_digit() || ('a'..='f').contains(&h)) && hex.len() < 6 => {
                            hex.push(h)
                        }
                        _ => return None,
                    }
                }
                let c = char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?;
                // Only what `escape` writes this way.
                if !needs_escape(c)
                    || matches!(c, '\n' | '\r' | '\t')
                    || (hex.len() > 1 && hex.starts_with('0'))
                {
                    return None;
                }
                out.push(c);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A guest-controlled string. `Display` writes it escaped; there is no way
/// to format it raw (use [`GuestText::as_raw`] to hand it to a program, not a
/// person).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GuestText<'a>(pub &'a str);

impl<'a> GuestText<'a> {
    /// The guest's text unchanged, for machine consumers (JSON, comparisons).
    pub fn as_raw(&self) -> &'a str {
        self.0
    }
}

impl fmt::Display for GuestText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(f, self.0)
    }
}

impl fmt::Debug for GuestText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// A list of guest strings, escaped and joined with `separator`.
pub struct GuestList<'a, S>(pub &'a [S], pub &'static str);

impl<S: AsRef<str>> fmt::Display for GuestList<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(self.1)?;
            }
            escape_into(f, item.as_ref())?;
        }
        Ok(())
    }
}

/// Longest text of one guest error Kiln keeps: the app's error message, each
/// string inside a `request-error` it returns, a trap's cause. Beyond it the
/// text is truncated with a marker: a developer needs the start of a long
/// message, not 100 MiB of it on stderr.
pub const MAX_GUEST_ERROR_BYTES: usize = 8 * 1024;

/// Longest guest name Kiln keeps: a name-section function name in a trap
/// backtrace, an import or export name in a load error.
pub const MAX_GUEST_NAME_BYTES: usize = 256;

/// Most guest items Kiln keeps of one list it prints (the `missing` scopes of
/// a `scope-denied`, the exports of a component of another world, backtrace
/// frames); the rest are counted, not kept.
pub const MAX_GUEST_LIST_ITEMS: usize = 32;

/// `text` cut to at most `max` bytes at a character boundary, with a
/// marker saying how many bytes were cut. The marker is not counted in `max`.
pub fn cap(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let end = floor_char_boundary(text, max);
    Cow::Owned(format!(
        "{}… [{} more bytes cut by Kiln]",
        &text[..end],
        text.len() - end
    ))
}

/// [`cap`] for an owned string, reusing it when it fits.
pub fn cap_owned(text: String, max: usize) -> String {
    match cap(&text, max) {
        Cow::Borrowed(_) => text,
        Cow::Owned(capped) => capped,
    }
}

/// The largest character boundary of `text` at or below `at`.
pub fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut end = at;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// Pretty JSON whose bytes hold no character [`needs_escape`] names: serde_json
/// escapes C0 controls itself; DEL, C1, bidi controls and line separators are
/// written as `\uXXXX` here. The document means exactly what `value` holds.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    let formatter = SafeFormatter(serde_json::ser::PrettyFormatter::new());
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    // serde_json writes UTF-8 and the formatter only adds ASCII.
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// [`to_json_pretty`] on one line (JSON Lines).
pub fn to_json_line<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    let formatter = SafeFormatter(serde_json::ser::CompactFormatter);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// A serde_json formatter that also escapes what [`needs_escape`] names
/// beyond C0 (serde_json already escapes C0, `"` and `\`).
struct SafeFormatter<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut clean_from = 0;
        for (at, c) in fragment.char_indices() {
            if needs_escape(c) {
                writer.write_all(&fragment.as_bytes()[clean_from..at])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                clean_from = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[clean_from..])
    }

    // Everything else as the wrapped formatter does it.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_bidi_and_separators_are_escaped_to_one_clean_line() {
        let hostile = "ok\u{1b}[31m\r\nerror: forged\u{85}\u{9b}2J\u{7f}\u{202e}txt.exe\u{2066}\u{2028}\u{2029}\u{61c}\u{200f}\t\0";
        let escaped = escape(hostile);
        assert_eq!(
            escaped,
            "ok\\u{1b}[31m\\r\\nerror: forged\\u{85}\\u{9b}2J\\u{7f}\\u{202e}txt.exe\\u{2066}\\u{2028}\\u{2029}\\u{61c}\\u{200f}\\t\\u{0}"
        );
        assert!(!escaped.chars().any(needs_escape));
        assert_eq!(unescape(&escaped).as_deref(), Some(hostile));
    }

    #[test]
    fn plain_text_and_unicode_pass_unchanged_and_unallocated() {
        for text in ["", "hello", "Jira ✓ — issue ÄÖÜ 日本語 🎉", "a\u{2030}b"] {
            assert!(matches!(escape(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn a_guest_cannot_write_text_that_looks_escaped() {
        // The guest's own backslash sequence stays distinguishable from an
        // escaped control.
        let looks_escaped = "\\u{1b}";
        assert_eq!(escape(looks_escaped), "\\\\u{1b}");
        assert_ne!(escape(looks_escaped), escape("\u{1b}"));
        assert_eq!(
            unescape(&escape(looks_escaped)).as_deref(),
            Some(looks_escaped)
        );
    }

    #[test]
    fn guest_text_displays_escaped() {
        assert_eq!(GuestText("a\nb").to_string(), "a\\nb");
        assert_eq!(format!("{:?}", GuestText("a\u{1b}")), "\"a\\u{1b}\"");
        assert_eq!(GuestList(&["x\ny", "z"], ", ").to_string(), "x\\ny, z");
    }

    #[test]
    fn cap_cuts_at_a_char_boundary_with_a_marker() {
        assert_eq!(cap("short", 10), "short");
        let capped = cap("ééééé", 5); // 10 bytes; 5 is inside the third é
        assert_eq!(capped, "éé… [6 more bytes cut by Kiln]");
        let huge = "x".repeat(1 << 20);
        assert!(cap(&huge, MAX_GUEST_ERROR_BYTES).len() < MAX_GUEST_ERROR_BYTES + 64);
    }

    #[test]
    fn unescape_refuses_what_escape_never_writes() {
        for bad in [
            "\\",
            "\\x",
            "\\u{41}",
            "\\u{0a}",
            "\\u{1b",
            "a\nb",
            "\\u{110000}",
            // Found by the fuzz target: upper-case hex, which `escape` never
            // writes, made two escaped forms of one string.
            "\\u{1B}[31m",
        ] {
            assert_eq!(unescape(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_output_escapes_what_serde_json_lets_through_and_round_trips() {
        let value = serde_json::json!({ "message": "a\u{1b}b\u{9b}c\u{202e}d\u{2028}e\u{7f}" });
        for json in [
            to_json_pretty(&value).unwrap(),
            to_json_line(&value).unwrap(),
        ] {
            assert!(
                !json.chars().any(|c| needs_escape(c) && c != '\n'),
                "{json}"
            );
            assert!(
                json.contains("\\u202e") && json.contains("\\u009b"),
                "{json}"
            );
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(back, value);
        }
        assert!(!to_json_line(&value).unwrap().contains('\n'));
    }
}
