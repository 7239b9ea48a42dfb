//! Which guest programs the host tests use.
//!
//! A guest program that no host test loads proves nothing and rots: it still
//! costs build time, and a reader takes it for coverage. The rule is written
//! here once: a program is *used* when a Rust file under `tests/tests` names
//! its constant as `programs::NAME` (as `kiln_tests::programs::NAME`,
//! `programs::NAME` after `use kiln_tests::programs`, or in
//! `use kiln_tests::programs::NAME`) outside a comment. A longer name does not
//! count for a shorter one (`programs::HELLO_V2` does not use `HELLO`).
//! `tests/tests/programs_tested.rs` applies it to every program `build.rs`
//! builds.

use std::path::{Path, PathBuf};

/// How a host test refers to a program: `programs::` then its constant.
pub const PREFIX: &str = "programs::";

/// Whether `source` (Rust) refers to the constant `name` outside comments.
pub fn refers_to(source: &str, name: &str) -> bool {
    let code = without_comments(source);
    let needle = format!("{PREFIX}{name}");
    code.match_indices(&needle).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + needle.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `source` with line comments (`//`, doc comments too) and block comments
/// (nested, as Rust nests them) replaced by a space. String literals are not
/// parsed: a `//` inside one cuts the rest of its line, which can only make a
/// reference be missed (the safe side: the test then asks for one).
pub fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    let mut depth = 0usize;
    while !rest.is_empty() {
        if rest.starts_with("/*") {
            depth += 1;
            rest = &rest[2..];
        } else if depth > 0 && rest.starts_with("*/") {
            depth -= 1;
            rest = &rest[2..];
            if depth == 0 {
                out.push(' ');
            }
        } else if depth == 0 && rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push(' ');
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            if depth == 0 {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Every `.rs` file under `dir`, recursively, sorted.
pub fn rust_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The names in `names` that no source in `sources` refers to.
pub fn unused<'a>(names: &[&'a str], sources: &[String]) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|name| !sources.iter().any(|source| refers_to(source, name)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_or_an_import_is_a_use() {
        assert!(refers_to("load(kiln_tests::programs::TRAP)", "TRAP"));
        assert!(refers_to(
            "use kiln_tests::programs;\nf(programs::TRAP);",
            "TRAP"
        ));
        assert!(refers_to("use kiln_tests::programs::TRAP;", "TRAP"));
        assert!(refers_to("f(&[programs::PROBE, programs::TRAP])", "TRAP"));
    }

    #[test]
    fn a_longer_or_a_different_name_is_not() {
        assert!(!refers_to("f(programs::HELLO_V2)", "HELLO"));
        assert!(!refers_to("f(programs::WAT_HELLO)", "HELLO"));
        assert!(!refers_to("f(other_programs::HELLO)", "HELLO"));
        assert!(!refers_to("f(HELLO)", "HELLO"));
    }

    #[test]
    fn a_mention_in_a_comment_is_not() {
        assert!(!refers_to("// programs::TRAP\nfn f() {}", "TRAP"));
        assert!(!refers_to("/// runs programs::TRAP\nfn f() {}", "TRAP"));
        assert!(!refers_to(
            "/* a /* nested */ programs::TRAP */ fn f() {}",
            "TRAP"
        ));
        assert!(refers_to("/* a */ f(programs::TRAP) // done", "TRAP"));
    }

    #[test]
    fn comments_are_removed_and_code_is_kept() {
        assert_eq!(without_comments("a // b\nc"), "a  \nc");
        assert_eq!(without_comments("a /* b /* c */ d */ e"), "a   e");
        assert_eq!(without_comments("ünï /* x */"), "ünï  ");
    }

    #[test]
    fn unused_lists_exactly_the_programs_no_source_names() {
        let sources = ["f(programs::A);".to_owned(), "// programs::C".to_owned()];
        assert_eq!(unused(&["A", "B", "C"], &sources), ["B", "C"]);
    }
}
