//! Why the app's requests to third-party hosts did not complete, told to the
//! developer after `runtime run`. The app itself sees only the engine's
//! `NetworkError` (the host's reason is not the guest's to read), and the
//! reason was written only to the audit log, if one was asked for: a
//! developer whose `fetch` failed could not tell a name that does not
//! resolve here from a host the manifest forgot to declare.
//!
//! The audit sink the run gives the runtime is [`EgressNotes`]: it passes
//! every line on to the sink the developer chose (`--audit-log`, or none)
//! and keeps, once each, the host, port and decision of every egress request
//! that was not allowed through. Only what the egress audit line holds:
//! never a path, a query, a header or a body.

use std::sync::{Arc, Mutex};

use kiln_runtime::egress::audit::EgressRecord;
use kiln_runtime::guest_text::GuestText;
use kiln_runtime::{AuditRecord, AuditSink};

/// Distinct refusals kept; a run that makes more is told about these.
const MAX_NOTES: usize = 20;

/// One refused or failed destination: the declared host (none when refused
/// before the allowlist matched), its port, and the decision.
type Note = (Option<String>, Option<u16>, &'static str);

/// The run's audit sink: `inner`'s, noting what egress did not complete.
pub struct EgressNotes {
    inner: Arc<dyn AuditSink>,
    notes: Mutex<Vec<Note>>,
}

impl EgressNotes {
    pub fn new(inner: Arc<dyn AuditSink>) -> Self {
        Self {
            inner,
            notes: Mutex::new(Vec::new()),
        }
    }

    /// One line per distinct destination and reason, escaped.
    pub fn hints(&self) -> Vec<String> {
        let notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        notes.iter().map(hint).collect()
    }
}

impl AuditSink for EgressNotes {
    fn record(&self, record: &AuditRecord) {
        self.inner.record(record);
    }

    fn record_egress(&self, record: &EgressRecord) {
        self.inner.record_egress(record);
        if record.decision == "allowed" {
            return;
        }
        let note = (record.host.clone(), record.port, record.decision);
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        if notes.len() < MAX_NOTES && !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// `request-jira` lines are built only if `inner` keeps them.
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    /// Egress lines are always wanted here, whatever `inner` keeps.
    fn egress_enabled(&self) -> bool {
        true
    }
}

fn hint((host, port, decision): &Note) -> String {
    let destination = match (host, port) {
        (Some(host), Some(port)) => format!("{}:{port}", GuestText(host)),
        (Some(host), None) => GuestText(host).to_string(),
        (None, _) => String::from("a host the manifest does not declare"),
    };
    format!(
        "hint: the app's request to {destination} did not complete: {decision} ({}; docs/egress.md)",
        why(decision)
    )
}

/// What a decision of the egress audit line means to the developer.
fn why(decision: &str) -> &'static str {
    match decision {
        "dns-failed" => "the name does not resolve from this machine",
        "not-allowed" => "declare the host in permissions.external.fetch.backend",
        "https-required" => "plain HTTP needs an operator's allow_http override",
        "address-refused" => {
            "it resolves to a loopback, private or reserved address, refused unless an operator's allow_addresses override names it"
        }
        "timeout" => "the host did not answer within the egress time limits",
        "tls-certificate" => "its certificate is not valid for the name under the public roots",
        "quota-exceeded" => "the invocation's request budget is spent",
        "request-too-large" | "response-too-large" => "a body over the 5 MiB egress limit",
        "method-refused" | "scheme-refused" => "not a request egress sends",
        _ => "the connection failed",
    }
}

#[cfg(test)]
mod tests {
    use kiln_runtime::MemoryAudit;

    use super::*;

    fn egress(host: Option<&str>, decision: &'static str) -> EgressRecord {
        EgressRecord {
            time: String::from("2026-12-02T00:00:00Z"),
            app_id: String::from("app"),
            invocation_id: String::from("inv"),
            method: String::from("GET"),
            host: host.map(str::to_owned),
            port: host.map(|_| 443),
            decision,
            status: None,
            bytes_out: 0,
            bytes_in: 0,
            latency_ms: 1,
        }
    }

    #[test]
    fn each_refused_destination_is_told_once_escaped_and_passed_on() {
        let memory = Arc::new(MemoryAudit::default());
        let notes = EgressNotes::new(memory.clone());
        notes.record_egress(&egress(Some("api.example.com"), "allowed"));
        notes.record_egress(&egress(Some("s3.us-west-2.amazonaws.com"), "dns-failed"));
        notes.record_egress(&egress(Some("s3.us-west-2.amazonaws.com"), "dns-failed"));
        notes.record_egress(&egress(None, "not-allowed"));
        notes.record_egress(&egress(Some("evil\u{1b}[2J.example"), "timeout"));
        assert_eq!(memory.egress_records().len(), 5, "every line passed on");
        let hints = notes.hints();
        assert_eq!(hints.len(), 3, "{hints:?}");
        assert!(hints[0].contains("s3.us-west-2.amazonaws.com:443 did not complete: dns-failed"));
        assert!(hints[0].contains("does not resolve"));
        assert!(hints[1].contains("a host the manifest does not declare"));
        assert!(hints[1].contains("permissions.external.fetch.backend"));
        assert!(!hints[2].contains('\u{1b}'), "{}", hints[2]);
    }

    #[test]
    fn a_flood_of_refusals_keeps_a_bounded_list() {
        let notes = EgressNotes::new(Arc::new(kiln_runtime::NoAudit));
        // Without an audit log, no request-jira line is built; egress lines are.
        assert!(!notes.enabled() && notes.egress_enabled());
        for i in 0..100 {
            let host = format!("h{i}.example");
            notes.record_egress(&egress(Some(&host), "dns-failed"));
        }
        assert_eq!(notes.hints().len(), MAX_NOTES);
    }
}
