//! The interactive approval: lists each scope with Atlassian's description
//! and asks yes or no. Generic over the reader and writer so it is tested
//! without a terminal.

use std::io::{BufRead, Write};

use kiln_manifest::Scope;

/// Longest answer line read (a pasted blob is not an answer).
const MAX_ANSWER: usize = 64;

/// Shows `scopes` for `app_id` on `output` and reads the answer from
/// `input`; only `y` or `yes` approves (deny by default, also at end of input).
pub fn ask_approval(
    app_id: &str,
    site: &str,
    scopes: &[Scope],
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> std::io::Result<bool> {
    writeln!(output, "App {app_id} asks to use these scopes on {site}:")?;
    for scope in scopes {
        let description = scope
            .description()
            .unwrap_or("(no description in Atlassian's specs)");
        writeln!(output, "  {:<40} {description}", scope.as_str())?;
    }
    write!(output, "Approve? [y/N] ")?;
    output.flush()?;
    let mut answer = String::new();
    std::io::Read::take(&mut *input, MAX_ANSWER as u64).read_line(&mut answer)?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(answer: &str) -> (bool, String) {
        let scopes = [
            "read:jira-work".parse().unwrap(),
            "write:jira-work".parse().unwrap(),
        ];
        let mut out = Vec::new();
        let approved = ask_approval(
            "hello-jira",
            "https://x.atlassian.net",
            &scopes,
            &mut answer.as_bytes(),
            &mut out,
        )
        .unwrap();
        (approved, String::from_utf8(out).unwrap())
    }

    #[test]
    fn lists_scopes_with_descriptions_and_approves_only_on_yes() {
        let (approved, shown) = ask("y\n");
        assert!(approved);
        assert!(shown.contains("read:jira-work") && shown.contains("write:jira-work"));
        let description = "read:jira-work"
            .parse::<Scope>()
            .unwrap()
            .description()
            .unwrap();
        assert!(shown.contains(description), "{shown}");
        assert!(ask("YES\n").0);
        assert!(!ask("\n").0);
        assert!(!ask("").0, "end of input denies");
        assert!(!ask("sure\n").0);
    }
}
