//! `/metrics` in the Prometheus text format.
//!
//! Crate: `prometheus-client`, the Prometheus project's own Rust client. It keeps metrics in
//! a registry the server owns (no process-global recorder another crate could also install),
//! label sets are typed structs, and it encodes the OpenMetrics text Prometheus scrapes.
//! The `metrics` facade + exporter was the alternative; it adds a global recorder and an
//! exporter crate for no gain in a binary that only ever exposes Prometheus text.

use std::sync::atomic::AtomicI64;

use kiln_runtime::{AuditRecord, AuditSink};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

// The fixed label values (a trigger kind, an outcome) are `&'static str`: every
// invocation builds its label sets, and a `String` each would be allocated and freed again.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InvocationLabels {
    pub app: String,
    pub function: String,
    pub trigger: &'static str,
    pub outcome: &'static str,
}

impl InvocationLabels {
    pub fn new(
        app: String,
        function: &str,
        trigger: crate::invocation::TriggerKind,
        outcome: &'static str,
    ) -> Self {
        Self {
            app,
            function: function.to_owned(),
            trigger: trigger.as_str(),
            outcome,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    pub app: String,
    pub trigger: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JiraLabels {
    pub app: String,
    /// The HTTP status, or the host's decision when no response came (`scope-denied`, …).
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

/// One installation held for approval, and why (`component-changed`, …).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HeldLabels {
    pub app: String,
    pub site: String,
    pub environment: String,
    pub reason: String,
}

/// A 3LO site's dynamic webhook registration, by state (`registered`, `failing`, …).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RegistrationLabels {
    pub site: String,
    pub state: String,
}

type LatencyFamily = Family<LatencyLabels, Histogram, fn() -> Histogram>;

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    pub invocations: Family<InvocationLabels, Counter>,
    pub latency: LatencyFamily,
    pub jira_requests: Family<JiraLabels, Counter>,
    pub webhooks: Family<OutcomeLabels, Counter>,
    pub web_requests: Family<OutcomeLabels, Counter>,
    pub queue_depth: Gauge<i64, AtomicI64>,
    pub slots_in_use: Gauge<i64, AtomicI64>,
    /// 1 while this host holds the installation for that reason, else 0.
    pub held: Family<HeldLabels, Gauge<i64, AtomicI64>>,
    /// 1 for the state a 3LO site's dynamic webhooks are in, 0 for the others (exported by
    /// the replica that holds the site's lease).
    pub registrations: Family<RegistrationLabels, Gauge<i64, AtomicI64>>,
}

fn latency_histogram() -> Histogram {
    // 250 µs … ~8 s, doubling.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kiln");
        let invocations = Family::<InvocationLabels, Counter>::default();
        registry.register(
            "invocations",
            "Invocations by app, function, trigger kind and outcome",
            invocations.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "invocation_duration_seconds",
            "Invocation wall time, from instantiation to result",
            latency.clone(),
        );
        let jira_requests = Family::<JiraLabels, Counter>::default();
        registry.register(
            "request_jira",
            "request-jira calls by app and HTTP status (or the host's refusal)",
            jira_requests.clone(),
        );
        let webhooks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Jira webhook deliveries by outcome",
            webhooks.clone(),
        );
        let web_requests = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "web_trigger_requests",
            "Web trigger requests by HTTP status",
            web_requests.clone(),
        );
        let queue_depth = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "queue_depth",
            "Events stored in the persistent queue (ready, leased, dead)",
            queue_depth.clone(),
        );
        let slots_in_use = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "slots_in_use",
            "Invocations running now (queue workers and web triggers)",
            slots_in_use.clone(),
        );
        let held = Family::<HeldLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "installations_held",
            "Installations whose code waits for approval (1), by reason; their events are kept",
            held.clone(),
        );
        let registrations = Family::<RegistrationLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "webhook_registrations",
            "A 3LO site's dynamic webhooks by state (1: the current one)",
            registrations.clone(),
        );
        Self {
            registry,
            invocations,
            latency,
            jira_requests,
            webhooks,
            web_requests,
            queue_depth,
            slots_in_use,
            held,
            registrations,
        }
    }

    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// One more run in `kiln_invocations_total`.
    pub fn count_invocation(&self, labels: InvocationLabels) {
        self.invocations.get_or_create(&labels).inc();
    }

    pub fn outcome(family: &Family<OutcomeLabels, Counter>, outcome: &str) {
        family
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts request-jira calls by status: the runtime reports each call to its audit sink.
pub struct JiraCallCounter(pub std::sync::Arc<Metrics>);

impl AuditSink for JiraCallCounter {
    fn record(&self, record: &AuditRecord) {
        let status = record
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| record.decision.to_owned());
        self.0
            .jira_requests
            .get_or_create(&JiraLabels {
                app: record.app_id.clone(),
                status,
            })
            .inc();
    }

    /// It counts `request-jira` calls only: no egress line is built for it.
    fn egress_enabled(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_names_the_families() {
        let metrics = Metrics::new();
        metrics
            .invocations
            .get_or_create(&InvocationLabels {
                app: "a".into(),
                function: "f".into(),
                trigger: "webtrigger",
                outcome: "ok",
            })
            .inc();
        metrics.queue_depth.set(3);
        let text = metrics.encode();
        assert!(text.contains("kiln_invocations_total{app=\"a\",function=\"f\",trigger=\"webtrigger\",outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("kiln_queue_depth 3"), "{text}");
    }
}
