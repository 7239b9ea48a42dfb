//! The one error a manifest load can produce: where, which field, what is wrong.

use std::fmt;
use std::path::PathBuf;

/// Why a manifest was rejected, located as precisely as the input allows:
/// `manifest.yml:12:7: permissions.scopes[2]: unknown scope "read:jira-wrok" (did you mean "read:jira-work"?)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestError {
    /// What kind of rule was broken.
    pub kind: ManifestErrorKind,
    /// The file, when loaded with [`Manifest::load`](crate::Manifest::load).
    pub path: Option<PathBuf>,
    /// 1-based line of the offending node, when known.
    pub line: Option<usize>,
    /// 1-based column of the offending node, when known.
    pub column: Option<usize>,
    /// The field, as `app.runtime.memoryMiB` or `permissions.scopes[2]`; empty for
    /// the document as a whole.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

/// The stage that rejected the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestErrorKind {
    /// The file could not be read.
    Io,
    /// The input is over the size cap.
    TooLarge,
    /// Not well-formed YAML, or YAML Kiln refuses (aliases, tags, duplicate keys, …).
    Syntax,
    /// Well-formed, but a field is missing, unknown, of the wrong type or breaks a rule.
    Invalid,
    /// Rejected by the published JSON Schema.
    Schema,
}

impl ManifestError {
    pub(crate) fn new(kind: ManifestErrorKind, message: impl Into<String>) -> Self {
        ManifestError {
            kind,
            path: None,
            line: None,
            column: None,
            field: String::new(),
            message: printable(message.into()),
        }
    }

    pub(crate) fn at(mut self, position: Option<crate::manifest::Position>) -> Self {
        if let Some(position) = position {
            self.line = Some(position.line);
            self.column = Some(position.column);
        }
        self
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = printable(field.into());
        self
    }

    pub(crate) fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line, self.column) {
            (Some(path), Some(line), Some(column)) => {
                write!(f, "{}:{line}:{column}: ", path.display())?
            }
            (Some(path), Some(line), None) => write!(f, "{}:{line}: ", path.display())?,
            (Some(path), None, _) => write!(f, "{}: ", path.display())?,
            (None, Some(line), Some(column)) => write!(f, "line {line}, column {column}: ")?,
            (None, Some(line), None) => write!(f, "line {line}: ")?,
            (None, None, _) => {}
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// `text` with every character that could change what a terminal or a log line shows escaped
/// as Rust escapes it (`\u{1b}`, `\n`): an error's field and message quote the manifest's own
/// keys and values, and an app's author may have put an escape sequence, a line break that
/// forges a second log line, or a bidirectional override that reorders the line into them.
/// Applied where an error is made, so the text is safe wherever it goes (a terminal, a log,
/// the admin API's JSON).
fn printable(text: String) -> String {
    if !text.chars().any(unprintable) {
        return text;
    }
    text.chars()
        .map(|c| {
            if unprintable(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What Kiln escapes in any text an app controls ([`kiln_guest_text::needs_escape`]: C0 and
/// C1 controls, DEL, the bidirectional controls and marks, the line and paragraph
/// separators), and the zero-width characters besides: an error quotes the manifest's names
/// (scopes, events, keys, app ids), which a reader compares with names they know, and a
/// zero-width character makes two different names look the same.
fn unprintable(c: char) -> bool {
    kiln_guest_text::needs_escape(c)
        || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2065}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threat: a manifest key or value built to repaint the operator's terminal, forge a log
    /// line or reorder what is read, quoted by an error.
    #[test]
    fn an_errors_field_and_message_print_no_control_character() {
        let error = ManifestError::new(
            ManifestErrorKind::Invalid,
            "unknown key \"\u{1b}[2J\" \u{202e}gnp.exe\nERROR: forged",
        )
        .field("permissions.\u{1b}[31mred\u{7}");
        let printed = error.to_string();
        assert_eq!(
            printed,
            "permissions.\\u{1b}[31mred\\u{7}: unknown key \"\\u{1b}[2J\" \\u{202e}gnp.exe\\u{a}ERROR: forged"
        );
        assert!(!printed.chars().any(unprintable), "{printed}");
        let plain = ManifestError::new(
            ManifestErrorKind::Invalid,
            "unknown scope \"read:jira-wrok\"",
        );
        assert_eq!(plain.message, "unknown scope \"read:jira-wrok\"");
    }
}
