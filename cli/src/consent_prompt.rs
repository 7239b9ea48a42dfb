//! The interactive approval: says why approval is asked (first use, another
//! site or account, changed code, more scopes), lists each scope with
//! Atlassian's description and the difference to what was approved before,
//! and asks yes or no. Generic over the reader and writer so it is tested
//! without a terminal.

use std::io::{BufRead, Write};

use kiln_manifest::Scope;
use kiln_runtime::consent::{ApprovalReason, ApprovalRequest};

/// Longest answer line read (a pasted blob is not an answer).
const MAX_ANSWER: usize = 64;

/// Shows `request` on `output` and reads the answer from `input`; only `y`
/// or `yes` approves (deny by default, also at end of input).
pub fn ask_approval(
    request: &ApprovalRequest,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> std::io::Result<bool> {
    // The app id comes from the app's manifest: escaped, like all app text.
    let app_id = escape(&request.app_id);
    writeln!(
        output,
        "App {app_id} asks to use scopes on {}.",
        request.site
    )?;
    match &request.reason {
        ApprovalReason::FirstUse => {
            writeln!(output, "It has never been approved.")?;
        }
        ApprovalReason::SiteChanged { approved_on } => {
            writeln!(output, "It was approved on other sites, not on this one:")?;
            for site in approved_on {
                writeln!(output, "  {site}")?;
            }
        }
        ApprovalReason::PrincipalChanged { approved_for } => {
            writeln!(
                output,
                "It was approved on this site for other accounts, not for this one:"
            )?;
            for principal in approved_for {
                writeln!(output, "  {principal}")?;
            }
        }
        ApprovalReason::CodeChanged { previous } => {
            writeln!(
                output,
                "THE CODE CHANGED: this is not the component that was approved under this id."
            )?;
            writeln!(output, "  approved  sha256 {previous}")?;
            writeln!(output, "  now       sha256 {}", request.component)?;
        }
        ApprovalReason::ScopesAdded => {
            writeln!(
                output,
                "The same code (sha256 {}) now asks for more scopes.",
                request.component
            )?;
        }
    }
    let diff = &request.diff;
    if matches!(request.reason, ApprovalReason::FirstUse) || diff == &Default::default() {
        writeln!(output, "Scopes:")?;
        list(output, ' ', &request.unapproved)?;
    } else {
        writeln!(
            output,
            "Scopes (+ new, - no longer asked, = approved before):"
        )?;
        list(output, '+', &diff.added)?;
        list(output, '=', &diff.kept)?;
        list(output, '-', &diff.removed)?;
    }
    if !request.egress.is_empty() {
        writeln!(
            output,
            "Hosts outside Jira it may send data to (+ not approved before):"
        )?;
        for backend in &request.egress {
            let mark = if request.unapproved_egress.contains(backend) {
                '+'
            } else {
                '='
            };
            // Validated by the manifest grammar, escaped all the same.
            writeln!(output, "  {mark} {}", escape(backend))?;
        }
    }
    writeln!(
        output,
        "Component sha256 {} (pre-approve it in the operator policy to skip this question).",
        request.component
    )?;
    write!(output, "Approve? [y/N] ")?;
    output.flush()?;
    let mut answer = String::new();
    std::io::Read::take(&mut *input, MAX_ANSWER as u64).read_line(&mut answer)?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}

fn list(output: &mut impl Write, mark: char, scopes: &[Scope]) -> std::io::Result<()> {
    for scope in scopes {
        let description = scope
            .description()
            .unwrap_or("(no description in Atlassian's specs)");
        writeln!(output, "  {mark} {:<40} {description}", scope.as_str())?;
    }
    Ok(())
}

/// Control characters escaped, so a manifest cannot drive the terminal.
fn escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use kiln_runtime::consent::{ComponentDigest, PrincipalIdentity, ScopeDiff, SiteIdentity};

    use super::*;

    fn scope(name: &str) -> Scope {
        name.parse().unwrap()
    }

    fn request(reason: ApprovalReason, diff: ScopeDiff) -> ApprovalRequest {
        ApprovalRequest {
            app_id: "hello-jira\u{1b}[2J".to_owned(),
            site: SiteIdentity {
                origin: "https://x.atlassian.net".to_owned(),
                cloud_id: "c1".to_owned(),
            },
            component: ComponentDigest::of(b"v2"),
            reason,
            unapproved: vec![scope("read:jira-work"), scope("write:jira-work")],
            diff,
            egress: vec!["https://api.example.com".to_owned()],
            unapproved_egress: vec!["https://api.example.com".to_owned()],
        }
    }

    fn ask(request: &ApprovalRequest, answer: &str) -> (bool, String) {
        let mut out = Vec::new();
        let approved = ask_approval(request, &mut answer.as_bytes(), &mut out).unwrap();
        (approved, String::from_utf8(out).unwrap())
    }

    #[test]
    fn lists_scopes_with_descriptions_and_approves_only_on_yes() {
        let first = request(ApprovalReason::FirstUse, ScopeDiff::default());
        let (approved, shown) = ask(&first, "y\n");
        assert!(approved);
        assert!(shown.contains("read:jira-work") && shown.contains("write:jira-work"));
        let description = scope("read:jira-work").description().unwrap();
        assert!(shown.contains(description), "{shown}");
        assert!(shown.contains("  + https://api.example.com"), "{shown}");
        assert!(
            shown.contains(ComponentDigest::of(b"v2").as_str()),
            "{shown}"
        );
        assert!(!shown.contains('\u{1b}'), "the app id is escaped: {shown}");
        assert!(ask(&first, "YES\n").0);
        assert!(!ask(&first, "\n").0);
        assert!(!ask(&first, "").0, "end of input denies");
        assert!(!ask(&first, "sure\n").0);
    }

    #[test]
    fn a_code_change_shows_both_digests_and_the_scope_difference() {
        let previous = ComponentDigest::of(b"v1");
        let changed = request(
            ApprovalReason::CodeChanged {
                previous: previous.clone(),
            },
            ScopeDiff {
                added: vec![scope("write:jira-work")],
                removed: vec![scope("read:jira-user")],
                kept: vec![scope("read:jira-work")],
            },
        );
        let (_, shown) = ask(&changed, "n\n");
        assert!(shown.contains("THE CODE CHANGED"), "{shown}");
        assert!(
            shown.contains(&format!("approved  sha256 {previous}")),
            "{shown}"
        );
        assert!(
            shown.contains(&format!("now       sha256 {}", ComponentDigest::of(b"v2"))),
            "{shown}"
        );
        assert!(shown.contains("+ write:jira-work"), "{shown}");
        assert!(shown.contains("= read:jira-work"), "{shown}");
        assert!(shown.contains("- read:jira-user"), "{shown}");
    }

    #[test]
    fn another_site_or_account_says_where_it_was_approved() {
        let other = SiteIdentity {
            origin: "https://y.atlassian.net".to_owned(),
            cloud_id: "c2".to_owned(),
        };
        let (_, shown) = ask(
            &request(
                ApprovalReason::SiteChanged {
                    approved_on: vec![other],
                },
                ScopeDiff::default(),
            ),
            "n\n",
        );
        assert!(
            shown.contains("https://y.atlassian.net (cloud id c2)"),
            "{shown}"
        );
        let (_, shown) = ask(
            &request(
                ApprovalReason::PrincipalChanged {
                    approved_for: vec![PrincipalIdentity {
                        user: Some("api-token:bob@example.com".to_owned()),
                        app: None,
                    }],
                },
                ScopeDiff::default(),
            ),
            "n\n",
        );
        assert!(shown.contains("api-token:bob@example.com"), "{shown}");
    }
}
