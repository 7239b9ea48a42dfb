//! The advisor for the doors beside `request-jira`: app storage, opened by the
//! `storage:app` scope; Forge SQL, opened by a `sql` module; and egress, opened by
//! `permissions.external.fetch.backend`. As for Jira scopes, what was declared is
//! compared with what was used, so an app that makes no Jira call (a scheduled job
//! that only keeps state, a web trigger that forwards to a third party) still gets a
//! least-privilege verdict.

use std::collections::BTreeMap;

use kiln_manifest::{Backend, EgressAllowlist};
use serde::Serialize;

use super::observed::ObservedEgress;

/// How the app's use of a door compares with its declaration (`storage:app` for
/// storage, a `sql` module for Forge SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoorVerdict {
    /// Declared and called.
    Used,
    /// Declared, never called: the declaration can be dropped.
    Unused,
    /// Called without the declaration: every call was refused (`scope-denied` for
    /// storage, `app-not-enabled` for Forge SQL).
    Refused,
    /// Neither declared nor called.
    Undeclared,
    /// The source records no such calls (an audit log): not judged.
    NotObserved,
}

/// A door opened by one declaration: declared or not, calls seen, the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoorAdvice {
    /// Whether the manifest declares the door.
    pub declared: bool,
    /// Calls observed, refused ones included; `None`: not recorded.
    pub calls: Option<u64>,
    pub verdict: DoorVerdict,
}

impl DoorAdvice {
    pub fn new(declared: bool, calls: Option<u64>) -> Self {
        let verdict = match (declared, calls) {
            (_, None) => DoorVerdict::NotObserved,
            (true, Some(0)) => DoorVerdict::Unused,
            (true, Some(_)) => DoorVerdict::Used,
            (false, Some(0)) => DoorVerdict::Undeclared,
            (false, Some(_)) => DoorVerdict::Refused,
        };
        DoorAdvice {
            declared,
            calls,
            verdict,
        }
    }

    pub fn has_findings(&self) -> bool {
        matches!(self.verdict, DoorVerdict::Unused | DoorVerdict::Refused)
    }
}

/// Egress: the declared backends, which were used, and what was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EgressAdvice {
    /// Every declared backend, in its canonical spelling (`https://*.example.com`).
    pub declared: Vec<String>,
    /// Backends at least one observed request went to (whatever its outcome: a request
    /// that failed to connect still needed the backend).
    pub used: Vec<String>,
    /// Declared backends no observed request needed: candidates to drop.
    pub unused: Vec<String>,
    /// Requests the host refused, by decision (`not-allowed`: no declared backend names
    /// the host, which the audit does not record because it is the app's text;
    /// `https-required`, `method-refused`, …), and how many of each.
    pub refused: BTreeMap<String, usize>,
    /// Requests observed.
    pub requests: usize,
}

impl EgressAdvice {
    pub fn new(allowlist: &EgressAllowlist, requests: &[ObservedEgress]) -> Self {
        let mut used: Vec<&Backend> = Vec::new();
        let mut refused: BTreeMap<String, usize> = BTreeMap::new();
        for request in requests {
            // The audit line names the host only when a declared backend covered it.
            if let Some(host) = &request.host {
                for backend in allowlist.entries() {
                    let port_matches = request
                        .port
                        .is_none_or(|port| port == backend.effective_port());
                    if port_matches && backend.host.covers(host) && !used.contains(&backend) {
                        used.push(backend);
                    }
                }
            }
            if is_refusal(&request.decision) {
                *refused.entry(request.decision.clone()).or_default() += 1;
            }
        }
        let spell = |backends: &mut dyn Iterator<Item = &Backend>| -> Vec<String> {
            backends.map(ToString::to_string).collect()
        };
        EgressAdvice {
            declared: spell(&mut allowlist.entries().iter()),
            used: spell(&mut allowlist.entries().iter().filter(|b| used.contains(b))),
            unused: spell(&mut allowlist.entries().iter().filter(|b| !used.contains(b))),
            refused,
            requests: requests.len(),
        }
    }

    pub fn has_findings(&self) -> bool {
        !self.unused.is_empty() || !self.refused.is_empty()
    }
}

/// Whether an egress decision is the host refusing the request on its rules, which the
/// manifest or the app's code can change; not an outcome of the network (`dns-failed`,
/// `timeout`, `tls-certificate`, `transport`), of the answer's size or of the quota, which
/// lint on the simulator cannot judge.
fn is_refusal(decision: &str) -> bool {
    matches!(
        decision,
        "not-allowed" | "https-required" | "method-refused" | "scheme-refused" | "address-refused"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowlist(entries: &[&str]) -> EgressAllowlist {
        EgressAllowlist::new(entries.iter().map(|e| e.parse::<Backend>().unwrap()))
    }

    fn request(host: Option<&str>, port: Option<u16>, decision: &str) -> ObservedEgress {
        ObservedEgress {
            host: host.map(str::to_owned),
            port,
            decision: decision.to_owned(),
        }
    }

    #[test]
    fn storage_is_judged_against_storage_app() {
        let verdict = |declared, calls| DoorAdvice::new(declared, calls).verdict;
        assert_eq!(verdict(true, Some(3)), DoorVerdict::Used);
        assert_eq!(verdict(true, Some(0)), DoorVerdict::Unused);
        assert_eq!(verdict(false, Some(2)), DoorVerdict::Refused);
        assert_eq!(verdict(false, Some(0)), DoorVerdict::Undeclared);
        assert_eq!(verdict(true, None), DoorVerdict::NotObserved);
        assert!(DoorAdvice::new(true, Some(0)).has_findings());
        assert!(DoorAdvice::new(false, Some(1)).has_findings());
        assert!(!DoorAdvice::new(true, Some(1)).has_findings());
        assert!(!DoorAdvice::new(true, None).has_findings());
    }

    #[test]
    fn a_backend_no_request_needed_is_unused_and_refusals_are_counted() {
        let declared = allowlist(&[
            "api.weather.example",
            "*.sentry.io",
            "https://x.example:8443",
        ]);
        let advice = EgressAdvice::new(
            &declared,
            &[
                request(Some("api.weather.example"), Some(443), "allowed"),
                // A wildcard is used by any name it covers; a failure still needed it.
                request(Some("o1.ingest.sentry.io"), Some(443), "dns-failed"),
                request(None, None, "not-allowed"),
                request(None, None, "not-allowed"),
                request(Some("api.weather.example"), Some(443), "https-required"),
            ],
        );
        // In the allowlist's order.
        assert_eq!(
            advice.used,
            ["https://api.weather.example", "https://*.sentry.io"]
        );
        assert_eq!(advice.unused, ["https://x.example:8443"]);
        assert_eq!(advice.refused.get("not-allowed"), Some(&2));
        assert_eq!(advice.refused.get("https-required"), Some(&1));
        assert_eq!(advice.refused.get("dns-failed"), None);
        assert_eq!(advice.requests, 5);
        assert!(advice.has_findings());
    }

    #[test]
    fn the_port_tells_two_backends_of_one_host_apart() {
        let declared = allowlist(&["https://x.example", "https://x.example:8443"]);
        let advice = EgressAdvice::new(
            &declared,
            &[request(Some("x.example"), Some(8443), "allowed")],
        );
        assert_eq!(advice.used, ["https://x.example:8443"]);
        assert_eq!(advice.unused, ["https://x.example"]);
    }

    #[test]
    fn no_backends_and_no_requests_is_clean() {
        let advice = EgressAdvice::new(&allowlist(&[]), &[]);
        assert!(!advice.has_findings(), "{advice:?}");
        assert!(advice.declared.is_empty());
    }
}
