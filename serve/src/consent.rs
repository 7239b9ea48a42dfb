//! Installations bound to consent, as `runtime run`'s grants are (issue 12, section 2).
//!
//! An installation's approval names the site (origin and cloud id), the principal the site's
//! credentials act as, the app id (the installation's own), the component's SHA-256 and the
//! approved scopes. The app id is self-declared in the manifest, so it identifies nothing on
//! its own: another component under the same id is an **update**, and runs under no approval
//! until it is given one. Until then the installation is **held**: its events are accepted
//! and kept in the queue (nothing accepted is lost), claims skip it, its web triggers answer
//! 503, and the reason is listed by the admin API, logged and exported as
//! `kiln_installations_held`.
//!
//! What approves code this host runs:
//! - the admin API's `install` (an operator's explicit approval of the code served now);
//! - an `[[installation]]` in `kiln.toml` at its first start (the operator wrote it), or at
//!   any start when its `sha256` names exactly this code;
//! - the operator policy's `[[preapproved]]` entry for this exact digest, covering every
//!   declared scope, on this site (or every site);
//! - on the embedded simulator, every start: see [`Approver::Simulator`].
//!
//! The comparison is done by each host for the code it loaded, and the hold is written only
//! onto the approval it compared against (`ServeState::hold`), so a replica starting with
//! new code cannot undo an approval another replica's admin API gave meanwhile. A worker
//! also checks, before each run, that the approved digest is the one it loaded (`runs_approved`):
//! a replica still running the old code does not run events under the new code's approval.

use kiln_runtime::consent::{ComponentDigest, OperatorPolicy, SiteIdentity};
use kiln_state::serve::{ComponentSha256, GrantIdentity, HoldReason, InstallRecord, SiteBinding};

use crate::host::{AppBundle, Installed, SiteHost};

/// What this host would run for an installation: the code it loaded, on the site as
/// configured now, as the principal the site's credentials act as now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningCode {
    pub site: SiteBinding,
    pub grant: GrantIdentity,
    pub component: ComponentSha256,
    /// The scopes the manifest declares now.
    pub declared: Vec<String>,
}

impl RunningCode {
    pub fn of(bundle: &AppBundle, site: &SiteHost) -> Self {
        Self {
            site: site.binding.clone(),
            grant: site.grant.clone(),
            component: bundle.sha256.clone(),
            declared: bundle
                .manifest
                .permissions
                .scopes
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        }
    }
}

/// Why the stored approval does not cover `running`, or `None` when it does. The first
/// difference found is the reason given; each of them alone is enough to hold.
pub fn mismatch(record: &InstallRecord, running: &RunningCode) -> Option<HoldReason> {
    let Some(approval) = &record.approval else {
        return Some(HoldReason::Unbound);
    };
    if approval.component != running.component {
        return Some(HoldReason::ComponentChanged);
    }
    if record.grant != running.grant {
        return Some(HoldReason::PrincipalChanged);
    }
    if approval.site != running.site {
        return Some(HoldReason::SiteChanged);
    }
    let approved: Vec<&str> = record
        .scopes
        .as_slice()
        .iter()
        .map(|s| s.as_str())
        .collect();
    if running
        .declared
        .iter()
        .any(|d| !approved.contains(&d.as_str()))
    {
        return Some(HoldReason::ScopesAdded);
    }
    None
}

/// Who approved the code an installation runs, for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approver {
    /// The admin API's `install`.
    Admin,
    /// An `[[installation]]` in `kiln.toml`: its first start, or its `sha256`.
    Configuration,
    /// The operator policy's `[[preapproved]]` entry for this digest.
    OperatorPolicy,
    /// The approval given earlier: the code is the approved code again (a rollback).
    Earlier,
    /// The embedded simulator approves whatever code is served on it, at every start, as
    /// `runtime run` does not ask for consent there either. It is a throwaway site: its
    /// data, users and credentials are generated at each start and live in this process,
    /// so code under an old approval can read or write nothing that belongs to anyone; and
    /// holding there would stop every edit-and-restart loop of app development for no
    /// protection. The simulator's installations are still recorded with their digest.
    Simulator,
}

impl Approver {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin API",
            Self::Configuration => "kiln.toml",
            Self::OperatorPolicy => "operator policy",
            Self::Earlier => "the earlier approval",
            Self::Simulator => "embedded simulator",
        }
    }
}

/// An approval that stands without anyone asking: the simulator's, the operator policy's
/// pre-approval of this digest for every declared scope on this site, or the configuration
/// naming this digest. `None`: the code waits for the admin API.
pub fn standing_approval(
    on_simulator: bool,
    running: &RunningCode,
    policy: &OperatorPolicy,
    configured: Option<&ComponentSha256>,
) -> Option<Approver> {
    if on_simulator {
        return Some(Approver::Simulator);
    }
    if configured == Some(&running.component) {
        return Some(Approver::Configuration);
    }
    let component: ComponentDigest = running.component.as_str().parse().ok()?;
    let identity = SiteIdentity {
        origin: running.site.origin().to_owned(),
        cloud_id: running.site.cloud_id().to_owned(),
    };
    let all_preapproved = running.declared.iter().all(|scope| {
        scope
            .parse()
            .is_ok_and(|scope| policy.preapproves(&component, &identity, scope))
    });
    all_preapproved.then_some(Approver::OperatorPolicy)
}

/// Whether `record` approves exactly what `installed` runs: not held, bound, the same digest
/// and principal. Checked by a worker before each run and by a web trigger before each
/// request.
pub fn runs_approved(record: &InstallRecord, installed: &Installed) -> bool {
    record.hold.is_none()
        && record.grant == installed.site.grant
        && record
            .approval
            .as_ref()
            .is_some_and(|a| a.component == installed.component && a.site == installed.site.binding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_state::Installation;
    use kiln_state::serve::{ApprovalBinding, ApprovedScopes, Scope, UnixMillis};

    fn digest(byte: &str) -> ComponentSha256 {
        ComponentSha256::new(byte.repeat(32)).unwrap()
    }

    fn site() -> SiteBinding {
        SiteBinding::new("https://acme.atlassian.net", "cloud-1").unwrap()
    }

    fn running() -> RunningCode {
        RunningCode {
            site: site(),
            grant: GrantIdentity::api_token("ops@acme.example").unwrap(),
            component: digest("ab"),
            declared: vec!["read:jira-work".into()],
        }
    }

    fn approved(running: &RunningCode) -> InstallRecord {
        InstallRecord {
            installation: Installation::new("app", "https://acme.atlassian.net", "production")
                .unwrap(),
            scopes: ApprovedScopes::new(
                running
                    .declared
                    .iter()
                    .map(|s| Scope::new(s.clone()).unwrap()),
            )
            .unwrap(),
            grant: running.grant.clone(),
            approval: Some(ApprovalBinding {
                site: running.site.clone(),
                component: running.component.clone(),
            }),
            hold: None,
            paused: false,
            installed_at: UnixMillis(0),
        }
    }

    fn policy(text: &str) -> OperatorPolicy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiln-policy.toml");
        std::fs::write(&path, text).unwrap();
        OperatorPolicy::load(&path).unwrap()
    }

    #[test]
    fn only_an_exact_digest_for_every_declared_scope_on_this_site_stands() {
        let mut r = running();
        r.declared.push("write:jira-work".into());
        let code = r.component.as_str().to_owned();
        let both = "[\"read:jira-work\", \"write:jira-work\"]";
        let approves = |text: String| standing_approval(false, &r, &policy(&text), None);
        assert_eq!(
            approves(format!(
                "[[preapproved]]\nsha256 = \"{code}\"\nscopes = {both}\n"
            )),
            Some(Approver::OperatorPolicy)
        );
        assert_eq!(
            approves(format!(
                "[[preapproved]]\nsha256 = \"{code}\"\nscopes = {both}\nsites = [\"https://ACME.atlassian.net/\"]\n"
            )),
            Some(Approver::OperatorPolicy)
        );
        assert_eq!(
            approves(format!(
                "[[preapproved]]\nsha256 = \"{code}\"\nscopes = {both}\nsites = [\"https://other.atlassian.net\"]\n"
            )),
            None,
            "another site"
        );
        assert_eq!(
            approves(format!(
                "[[preapproved]]\nsha256 = \"{code}\"\nscopes = [\"read:jira-work\"]\n"
            )),
            None,
            "a declared scope not pre-approved"
        );
        assert_eq!(
            approves(format!(
                "[[preapproved]]\nsha256 = \"{}\"\nscopes = {both}\n",
                "cd".repeat(32)
            )),
            None,
            "other code"
        );
        assert_eq!(approves(String::new()), None);
        let none = OperatorPolicy::default();
        assert_eq!(
            standing_approval(false, &r, &none, Some(&r.component)),
            Some(Approver::Configuration)
        );
        assert_eq!(
            standing_approval(false, &r, &none, Some(&digest("cd"))),
            None
        );
        assert_eq!(
            standing_approval(true, &r, &none, Some(&digest("cd"))),
            Some(Approver::Simulator)
        );
    }

    #[test]
    fn the_same_binding_is_approved() {
        let r = running();
        assert_eq!(mismatch(&approved(&r), &r), None);
    }

    #[test]
    fn each_bound_field_alone_is_a_reason_to_hold() {
        let base = running();
        let record = approved(&base);
        let mut code = base.clone();
        code.component = digest("cd");
        assert_eq!(mismatch(&record, &code), Some(HoldReason::ComponentChanged));
        let mut principal = base.clone();
        principal.grant = GrantIdentity::api_token("mallory@acme.example").unwrap();
        assert_eq!(
            mismatch(&record, &principal),
            Some(HoldReason::PrincipalChanged)
        );
        let mut three_legged = base.clone();
        three_legged.grant = GrantIdentity::three_legged("ops@acme.example").unwrap();
        assert_eq!(
            mismatch(&record, &three_legged),
            Some(HoldReason::PrincipalChanged),
            "the same name as another kind of principal is another principal"
        );
        let mut cloud = base.clone();
        cloud.site = SiteBinding::new("https://acme.atlassian.net", "cloud-2").unwrap();
        assert_eq!(mismatch(&record, &cloud), Some(HoldReason::SiteChanged));
        let mut scopes = base.clone();
        scopes.declared.push("write:jira-work".into());
        assert_eq!(mismatch(&record, &scopes), Some(HoldReason::ScopesAdded));
        let mut fewer = base.clone();
        fewer.declared.clear();
        assert_eq!(
            mismatch(&record, &fewer),
            None,
            "fewer scopes need no consent"
        );
        let mut unbound = record.clone();
        unbound.approval = None;
        assert_eq!(mismatch(&unbound, &base), Some(HoldReason::Unbound));
    }
}
