//! SECURITY.md's list of escape cases stays true: every test it names exists
//! in `tests/tests/escape_<category>.rs` under the category it gives, and
//! every escape test is listed. A case added without documenting it, or a
//! documented case deleted, fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// The heading of SECURITY.md's case table.
const CASES_HEADING: &str = "### Escape cases";

/// The bar: at least 60 hostile cases in at least 8 categories.
const MIN_CASES: usize = 60;
const MIN_CATEGORIES: usize = 8;

/// Test name → category, from the table under [`CASES_HEADING`].
fn documented_cases(security_md: &str) -> BTreeMap<String, String> {
    let section = security_md
        .split_once(CASES_HEADING)
        .map(|(_, after)| after)
        .expect("SECURITY.md has an escape case table");
    let mut cases = BTreeMap::new();
    for line in section.lines() {
        if line.starts_with("## ") || line.starts_with("### ") {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| \`name\` | category | outcome |` splits into
        // ["", "`name`", "category", "outcome", ""].
        let Some(name) = cells
            .get(1)
            .and_then(|cell| cell.strip_prefix('`'))
            .and_then(|cell| cell.strip_suffix('`'))
        else {
            continue;
        };
        let category = cells.get(2).copied().unwrap_or_default();
        let previous = cases.insert(name.to_owned(), category.to_owned());
        assert!(previous.is_none(), "SECURITY.md lists `{name}` twice");
    }
    cases
}

/// Test name → category, from `escape_<category>.rs`: functions under a
/// test attribute, and the cases of `path_trick!`-style macro tables
/// (`name: input => expected;`).
fn escape_tests(dir: &Path) -> BTreeMap<String, String> {
    let mut tests = BTreeMap::new();
    let entries = std::fs::read_dir(dir).expect("tests/tests is readable");
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let Some(category) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_prefix("escape_"))
            .and_then(|name| name.strip_suffix(".rs"))
        else {
            continue;
        };
        let source = std::fs::read_to_string(&path).expect("escape test source");
        for name in test_names(&source) {
            let previous = tests.insert(name.clone(), category.to_owned());
            assert!(previous.is_none(), "two escape tests are named `{name}`");
        }
    }
    tests
}

fn test_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut after_test_attribute = false;
    let mut in_macro_table = false;
    for line in source.lines() {
        let trimmed = line.trim();
        if after_test_attribute && let Some(name) = function_name(trimmed) {
            names.push(name);
            after_test_attribute = false;
            continue;
        }
        if trimmed.starts_with("#[tokio::test") || trimmed == "#[test]" {
            after_test_attribute = true;
            continue;
        }
        // A macro invocation at the top level, holding one case per line.
        if !line.starts_with(' ')
            && trimmed.ends_with("! {")
            && !trimmed.starts_with("macro_rules!")
        {
            in_macro_table = true;
            continue;
        }
        if in_macro_table {
            if trimmed == "}" {
                in_macro_table = false;
            } else if let Some((name, rest)) = trimmed.split_once(':')
                && rest.contains("=>")
                && is_identifier(name)
            {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// `NAME` of `async fn NAME(` or `fn NAME(`.
fn function_name(line: &str) -> Option<String> {
    let rest = line
        .strip_prefix("async fn ")
        .or_else(|| line.strip_prefix("fn "))?;
    let name = rest.split('(').next()?;
    is_identifier(name).then(|| name.to_owned())
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn security_md_lists_exactly_the_escape_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let security_md =
        std::fs::read_to_string(root.join("../SECURITY.md")).expect("SECURITY.md is readable");
    let documented = documented_cases(&security_md);
    let tests = escape_tests(&root.join("tests"));

    let undocumented: Vec<&String> = tests
        .keys()
        .filter(|t| !documented.contains_key(*t))
        .collect();
    assert!(
        undocumented.is_empty(),
        "escape tests missing from SECURITY.md's case table: {undocumented:?}"
    );
    let missing: Vec<&String> = documented
        .keys()
        .filter(|t| !tests.contains_key(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "SECURITY.md lists cases that have no test: {missing:?}"
    );
    for (name, category) in &documented {
        assert_eq!(
            &tests[name], category,
            "SECURITY.md files `{name}` under `{category}`, but it is in escape_{}.rs",
            tests[name]
        );
    }

    let hostile: Vec<&String> = documented
        .iter()
        .filter(|(_, category)| category.as_str() != "soak")
        .map(|(name, _)| name)
        .collect();
    assert!(hostile.len() >= MIN_CASES, "only {} cases", hostile.len());
    let mut categories: Vec<&String> = documented
        .values()
        .filter(|c| c.as_str() != "soak")
        .collect();
    categories.sort();
    categories.dedup();
    assert!(
        categories.len() >= MIN_CATEGORIES,
        "categories: {categories:?}"
    );
}

#[test]
fn the_parsers_read_the_shapes_they_are_given() {
    let doc = "intro\n### Escape cases\n\n| test | category | outcome |\n|---|---|---|\n\
               | `cpu_spin` | cpu | `Timeout` |\n| `abi_x` | abi | trap |\n## Next\n| `later` | x | y |\n";
    let cases = documented_cases(doc);
    assert_eq!(
        cases.into_iter().collect::<Vec<_>>(),
        vec![
            ("abi_x".to_owned(), "abi".to_owned()),
            ("cpu_spin".to_owned(), "cpu".to_owned())
        ]
    );
    let source = "#[tokio::test]\nasync fn one() {}\n\nfn helper() {}\n\n#[test]\nfn two() {}\n\
                  path_trick! {\n    three: \"//x\" => \"single\";\n}\n";
    assert_eq!(test_names(source), vec!["one", "two", "three"]);
}

/// The row of SECURITY.md's limits table whose first cell is `name`.
fn limits_row<'a>(security_md: &'a str, name: &str) -> Option<&'a str> {
    let section = security_md.split_once("\n## Limits\n")?.1;
    section
        .lines()
        .take_while(|line| !line.starts_with("## "))
        .find(|line| {
            line.split('|')
                .nth(1)
                .is_some_and(|cell| cell.trim() == name)
        })
}

#[test]
fn security_md_states_the_build_limits_the_code_applies() {
    use kiln_guest_build::limits::{
        DEFAULT_ADDRESS_SPACE_BYTES, DEFAULT_CPU_SECONDS, DEFAULT_FILE_BYTES, DEFAULT_OUTPUT_BYTES,
        DEFAULT_WALL_TIME,
    };
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let security_md =
        std::fs::read_to_string(root.join("../SECURITY.md")).expect("SECURITY.md is readable");
    let rows = [
        (
            "build wall-clock time",
            format!(
                "{} min per isolated build",
                DEFAULT_WALL_TIME.as_secs() / 60
            ),
            "KILN_BUILD_TIMEOUT_SECS",
        ),
        (
            "build CPU time",
            format!("{DEFAULT_CPU_SECONDS} s per process"),
            "KILN_BUILD_CPU_SECS",
        ),
        (
            "build memory",
            format!(
                "{} GiB of address space per process",
                DEFAULT_ADDRESS_SPACE_BYTES / GIB
            ),
            "KILN_BUILD_MEMORY_MIB",
        ),
        (
            "build file size",
            format!("{} GiB per file", DEFAULT_FILE_BYTES / GIB),
            "KILN_BUILD_FILE_MIB",
        ),
        (
            "build output",
            format!(
                "{} MiB, stdout and stderr together",
                DEFAULT_OUTPUT_BYTES / MIB
            ),
            "KILN_BUILD_OUTPUT_MIB",
        ),
    ];
    for (name, default, variable) in rows {
        let row = limits_row(&security_md, name)
            .unwrap_or_else(|| panic!("SECURITY.md's limits table has no `{name}` row"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells.get(2), Some(&default.as_str()), "{row}");
        assert!(row.contains(variable), "{row} does not name {variable}");
        // The variable the row names is the one the code reads.
        let parsed =
            kiln_guest_build::BuildLimits::from_vars(|v| (v == variable).then(|| "7".into()))
                .expect("a positive number is accepted");
        assert_ne!(
            parsed,
            kiln_guest_build::BuildLimits::default(),
            "{variable} changes nothing"
        );
    }
}
