//! Manifests under hostile edits: whatever an app's author writes, loading answers a manifest
//! or a typed error, never a panic, and the error prints no control character.
//!
//! An app's manifest is the first thing of the app's that Kiln reads: `runtime run`, `runtime
//! serve` and the admin API's install all load it, and a load error is printed on the
//! operator's terminal and in the service's logs. A name from the manifest that carried an
//! escape sequence or a bidirectional override into that text could repaint the terminal or
//! disguise what the log says (invariant 5: guest text is escaped before it is printed).
//!
//! The cases start from every valid golden manifest and splice hostile text into it at
//! random: control characters and overrides in keys and values, long and deep values, YAML's
//! own punctuation, numbers past every type, tags and anchors. The generator is seeded, so a
//! failure reproduces; set `KILN_MANIFEST_HOSTILE_CASES` to run more than CI's share.

use std::path::PathBuf;

use kiln_manifest::Manifest;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// CI's share: each golden manifest edited a few dozen times, a few seconds in a debug
/// build (a load parses, deserializes and checks the published schema).
const CASES: u32 = 2_000;

/// What is spliced in: text an author could write anywhere a word stands.
const HOSTILE: &[&str] = &[
    "\u{1b}[31mred\u{1b}[0m",
    "\u{1b}]8;;https://evil.example/\u{7}link\u{1b}]8;;\u{7}",
    "a\u{0}b",
    "\u{7f}",
    "\u{9b}2J",
    "\r",
    "tab\there",
    "\u{202e}gnp.exe",
    "\u{2066}isolate\u{2069}",
    "\u{200b}",
    "\u{feff}",
    "\u{85}",
    "\u{2028}",
    "\"\\e[31m\"",
    "\"\\x1b[2J\"",
    "\"\\u202e\"",
    "\"\\0\"",
    "'\u{1b}'",
    "é",
    "🔥",
    "",
    "~",
    "null",
    "true",
    "0x7fffffff",
    "1e309",
    "-0",
    "99999999999999999999999999",
    "-1",
    "0.5",
    ".nan",
    "!!binary aGk=",
    "!custom x",
    "&anchor x",
    "*anchor",
    "<<: {}",
    "? complex",
    ": ",
    " #",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "|",
    ">-",
    "%YAML 1.2",
    "---",
    "...",
    "@",
    "`",
    "read:jira-work",
    "avi:jira:created:issue",
    "https://\u{1b}[31m.example.com",
    "*.example.com",
    "../../etc/passwd",
    "ari:cloud:ecosystem::app/\u{1b}",
];

/// The valid golden manifests: what authors write, to be edited.
fn goldens() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/valid");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("golden/valid")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a golden manifest"))
        .collect()
}

/// One edit of a manifest's text.
#[derive(Debug, Clone)]
enum Edit {
    /// The `n`th word (a run of non-space characters) becomes `text`.
    Replace(usize, String),
    /// `text` is put after the `n`th word.
    Insert(usize, String),
    /// Line `n` is repeated (a duplicate key, a second list item).
    DuplicateLine(usize),
    /// Line `n` is removed.
    DeleteLine(usize),
    /// Line `n` moves two spaces right or left.
    Indent(usize, bool),
    /// The `n`th word becomes a value `depth` flow sequences deep.
    Deep(usize, usize),
    /// The `n`th word becomes `text` repeated `times` times.
    Long(usize, String, usize),
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        // Two spliced together, as a key with an escape inside a word.
        2 => (prop::sample::select(HOSTILE), prop::sample::select(HOSTILE))
            .prop_map(|(a, b)| format!("{a}{b}")),
        1 => "[\\x00-\\x1f\\x7f-\\u{9f}\\u{2000}-\\u{206f}a-z:_-]{1,12}",
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0..400usize;
    prop_oneof![
        6 => (at.clone(), hostile()).prop_map(|(n, text)| Edit::Replace(n, text)),
        3 => (at.clone(), hostile()).prop_map(|(n, text)| Edit::Insert(n, text)),
        1 => at.clone().prop_map(Edit::DuplicateLine),
        1 => at.clone().prop_map(Edit::DeleteLine),
        1 => (at.clone(), any::<bool>()).prop_map(|(n, right)| Edit::Indent(n, right)),
        1 => (at.clone(), prop::sample::select(&[2usize, 64, 200, 5_000][..]))
            .prop_map(|(n, depth)| Edit::Deep(n, depth)),
        1 => (at, hostile(), prop::sample::select(&[100usize, 10_000, 300_000][..]))
            .prop_map(|(n, text, times)| Edit::Long(n, text, times)),
    ]
}

/// `source` with `edit` made; an index past the end wraps around.
fn apply(source: &str, edit: &Edit) -> String {
    match edit {
        Edit::Replace(n, text) => on_word(source, *n, |_| text.clone()),
        Edit::Insert(n, text) => on_word(source, *n, |word| format!("{word} {text}")),
        Edit::Deep(n, depth) => on_word(source, *n, |_| {
            format!("{}x{}", "[".repeat(*depth), "]".repeat(*depth))
        }),
        Edit::Long(n, text, times) => on_word(source, *n, |_| text.repeat(*times)),
        Edit::DuplicateLine(n) | Edit::DeleteLine(n) | Edit::Indent(n, _) => {
            let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
            if lines.is_empty() {
                return source.to_owned();
            }
            let at = n % lines.len();
            match edit {
                Edit::DuplicateLine(_) => lines.insert(at, lines[at].clone()),
                Edit::DeleteLine(_) => {
                    lines.remove(at);
                }
                Edit::Indent(_, true) => lines[at].insert_str(0, "  "),
                _ => {
                    let trimmed = lines[at].strip_prefix("  ").map(str::to_owned);
                    if let Some(trimmed) = trimmed {
                        lines[at] = trimmed;
                    }
                }
            }
            lines.join("\n")
        }
    }
}

/// `source` with its `n`th word (wrapping) replaced by `with(word)`.
fn on_word(source: &str, n: usize, with: impl Fn(&str) -> String) -> String {
    let words: Vec<(usize, &str)> = source
        .split([' ', '\n'])
        .scan(0usize, |offset, word| {
            let start = *offset;
            *offset += word.len() + 1;
            Some((start, word))
        })
        .filter(|(_, word)| !word.is_empty())
        .collect();
    if words.is_empty() {
        return with("");
    }
    let (start, word) = words[n % words.len()];
    format!(
        "{}{}{}",
        &source[..start],
        with(word),
        &source[start + word.len()..]
    )
}

/// A character that must not reach a terminal or a log line unescaped: C0 and C1 controls
/// (but the line feed between a message's lines), DEL, and the bidirectional controls that
/// reorder what a reader sees.
fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The first 2,000 characters of `text`, escaped: a failing case can be 256 KiB.
fn head(text: &str) -> String {
    let escaped = format!("{text:?}");
    match escaped.char_indices().nth(2_000) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped,
    }
}

fn cases() -> u32 {
    std::env::var("KILN_MANIFEST_HOSTILE_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(CASES)
}

#[test]
fn any_edited_manifest_loads_or_errs_in_printable_words() {
    let goldens = goldens();
    assert!(goldens.len() > 20, "the golden manifests were found");
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let case = (0..goldens.len(), prop::collection::vec(edit(), 1..4));
    runner
        .run(&case, |(golden, edits)| {
            let source = edits
                .iter()
                .fold(goldens[golden].clone(), |source, edit| apply(&source, edit));
            let loaded = std::panic::catch_unwind(|| Manifest::from_yaml(&source));
            let Ok(loaded) = loaded else {
                return Err(TestCaseError::fail(format!(
                    "panicked on {}",
                    head(&source)
                )));
            };
            if let Err(error) = loaded {
                // The printed line, and the field and message apart (the admin API's JSON).
                let printed = error.to_string();
                for text in [&printed, &error.field, &error.message] {
                    if let Some(c) = text.chars().find(|c| unprintable(*c)) {
                        return Err(TestCaseError::fail(format!(
                            "the error prints {c:?}: {}\nfrom {}",
                            head(&printed),
                            head(&source)
                        )));
                    }
                }
                prop_assert!(!error.message.is_empty(), "an error says what is wrong");
            }
            Ok(())
        })
        .expect("every edited manifest loads or errs in printable words");
}
