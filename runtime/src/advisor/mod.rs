//! The least-privilege advisor behind `runtime lint`: compares the scopes an
//! app declares with the routes it was seen calling (an audit log), and says
//! which scopes to drop, which calls were denied and what would allow them,
//! and whether granular scopes would open less than classic ones. App
//! storage (`storage:app`) and egress backends are judged the same way,
//! against the storage calls and egress requests seen ([`doors`]).
//!
//! Scope use is recomputed from the catalogue against the *current*
//! manifest, so an audit log recorded under another manifest still gives the
//! right answer for this one.

pub mod doors;
pub mod observed;
pub mod payloads;
pub mod scope_reach;

use std::collections::BTreeSet;

use kiln_manifest::{
    Access, DeclaredScopes, EgressAllowlist, ProductEvent, Route, Scope, ScopeDecision,
};
use serde::Serialize;

pub use doors::{DoorAdvice, DoorVerdict, EgressAdvice};
pub use observed::{Observed, ObservedCall, ObservedEgress};

use self::scope_reach::{is_classic, routes_opened};

/// What the advisor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Advice {
    pub declared: Vec<&'static str>,
    /// Scopes that granted at least one observed call.
    pub used: Vec<&'static str>,
    /// Declared scopes no observed call needed: candidates to drop.
    pub unused: Vec<&'static str>,
    /// Calls refused for scopes, with what would allow them.
    pub denied: Vec<DeniedRoute>,
    /// Calls to paths that match no catalogued route.
    pub unknown_routes: usize,
    /// The smallest set, per route preferring classic scopes, that allows every observed route.
    pub classic_set: ScopeSet,
    /// The same with granular scopes where a route has them.
    pub granular_set: ScopeSet,
    /// Whether `granular_set` opens fewer routes than `classic_set`.
    pub granular_is_narrower: bool,
    /// App storage against `storage:app` (which opens no Jira route, so it is
    /// judged here rather than in `used`/`unused` when storage was observed).
    pub storage: DoorAdvice,
    /// Forge SQL (`kiln:app/sql`, `@forge/sql`) against the manifest's `sql` module.
    pub sql: DoorAdvice,
    /// Egress requests against the declared backends.
    pub egress: EgressAdvice,
}

/// A candidate set of scopes and how many catalogue routes it opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeSet {
    pub scopes: Vec<&'static str>,
    pub routes_opened: usize,
}

/// A route the app called without the scopes for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeniedRoute {
    /// `METHOD /template`.
    pub route: String,
    /// The fewest scopes to add to the manifest to allow it.
    pub add: Vec<&'static str>,
    /// Every scope set that allows it (classic first), for choosing granular ones.
    pub alternatives: Vec<Vec<&'static str>>,
}

impl Advice {
    /// Whether there is anything to act on.
    pub fn has_findings(&self) -> bool {
        !self.unused.is_empty()
            || !self.denied.is_empty()
            || self.unknown_routes > 0
            || self.storage.has_findings()
            || self.sql.has_findings()
            || self.egress.has_findings()
    }
}

/// Compares `declared` (and the manifest's egress `allowlist`, and whether it
/// declares a Forge SQL database, `declares_sql`) with what was `observed`, and with the product `events` the manifest's triggers subscribe
/// to: an event needs scopes whether or not a payload made a call (the
/// manifest is refused without them, as Forge's validator refuses it), so the
/// scopes that let the app read an event are used, and every suggested set
/// keeps them.
pub fn advise(
    declared: &DeclaredScopes,
    declared_list: &[Scope],
    allowlist: &EgressAllowlist,
    declares_sql: bool,
    events: &[ProductEvent],
    observed: &Observed,
) -> Advice {
    let calls = &observed.calls;
    let sql = DoorAdvice::new(declares_sql, observed.sql_calls);
    let storage = DoorAdvice::new(
        declared_list.contains(&Scope::StorageApp),
        observed.storage_calls,
    );
    let mut used: BTreeSet<Scope> = BTreeSet::new();
    if storage.verdict == DoorVerdict::Used {
        used.insert(Scope::StorageApp);
    }
    for event in events {
        used.extend(event_scopes(*event, declared).iter().copied());
    }
    let mut denied: Vec<DeniedRoute> = Vec::new();
    let mut routes: Vec<&'static Route> = Vec::new();
    let mut unknown_routes = 0;
    for call in calls {
        let Some(route) = call.route else {
            if call.decision == "unknown-route" {
                unknown_routes += 1;
            }
            continue;
        };
        if !routes.contains(&route) {
            routes.push(route);
        }
        match declared.allows(route) {
            ScopeDecision::Granted { alternative } => used.extend(alternative.iter().copied()),
            ScopeDecision::Denied { missing } => {
                let name = route.to_string();
                if !denied.iter().any(|d| d.route == name) {
                    denied.push(DeniedRoute {
                        route: name,
                        add: missing.iter().map(|s| s.as_str()).collect(),
                        alternatives: route
                            .alternatives
                            .iter()
                            .map(|alt| alt.iter().map(|s| s.as_str()).collect())
                            .collect(),
                    });
                }
            }
        }
    }
    let classic_set = cover(&routes, events, true);
    let granular_set = cover(&routes, events, false);
    let granular_is_narrower = granular_set.routes_opened < classic_set.routes_opened;
    Advice {
        declared: declared_list.iter().map(|s| s.as_str()).collect(),
        used: used.iter().map(|s| s.as_str()).collect(),
        unused: declared_list
            .iter()
            .filter(|s| !used.contains(*s))
            // Unused storage is the storage verdict's finding; unobserved
            // storage is no finding at all.
            .filter(|s| **s != Scope::StorageApp)
            .map(|s| s.as_str())
            .collect(),
        denied,
        unknown_routes,
        classic_set,
        granular_set,
        granular_is_narrower,
        storage,
        sql,
        egress: EgressAdvice::new(allowlist, &observed.egress),
    }
}

/// The declared scopes through which the app reads `event`: its classic set
/// when declared, else its granular one (none for a lifecycle event, which
/// carries no site data, or when neither is declared).
fn event_scopes(event: ProductEvent, declared: &DeclaredScopes) -> &'static [Scope] {
    let covered = |scopes: &'static [Scope]| {
        !event.is_lifecycle()
            && !scopes.is_empty()
            && scopes.iter().all(|scope| declared.contains(*scope))
    };
    [event.classic_scopes(), event.granular_scopes()]
        .into_iter()
        .find(|scopes| covered(scopes))
        .unwrap_or(&[])
}

/// A set of scopes that allows every route and lets the app read every event,
/// choosing per route the alternative of the wanted kind (classic or granular)
/// that adds the fewest scopes to those already chosen; the first alternative
/// when none is of that kind. Each event brings its set of that kind (the
/// other when it has none of that kind).
fn cover(routes: &[&'static Route], events: &[ProductEvent], classic: bool) -> ScopeSet {
    let mut chosen: BTreeSet<Scope> = BTreeSet::new();
    for event in events.iter().filter(|event| !event.is_lifecycle()) {
        let (wanted, other) = match classic {
            true => (event.classic_scopes(), event.granular_scopes()),
            false => (event.granular_scopes(), event.classic_scopes()),
        };
        chosen.extend(if wanted.is_empty() { other } else { wanted });
    }
    // A route every app may call needs no scope, so it adds none: the app-data
    // scope an own-app-data route also names would only widen the set.
    for route in routes.iter().filter(|route| route.access == Access::Scoped) {
        let of_kind = |alt: &&&'static [Scope]| alt.iter().all(|s| is_classic(*s) == classic);
        let candidates: Vec<&&'static [Scope]> =
            route.alternatives.iter().filter(of_kind).collect();
        let pool: Vec<&&'static [Scope]> = if candidates.is_empty() {
            route.alternatives.iter().take(1).collect()
        } else {
            candidates
        };
        let best = pool
            .into_iter()
            .min_by_key(|alt| alt.iter().filter(|s| !chosen.contains(*s)).count());
        if let Some(alternative) = best {
            chosen.extend(alternative.iter().copied());
        }
    }
    let opened = routes_opened(&DeclaredScopes::new(chosen.iter().copied())).len();
    ScopeSet {
        scopes: chosen.iter().map(|s| s.as_str()).collect(),
        routes_opened: opened,
    }
}

#[cfg(test)]
mod tests {
    use kiln_manifest::{Method, catalogue};

    use super::*;

    fn scopes(names: &[&str]) -> Vec<Scope> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn call(method: Method, template: &str, decision: &str) -> ObservedCall {
        ObservedCall {
            route: catalogue().route(method, template),
            decision: decision.to_owned(),
        }
    }

    /// Advice on Jira calls alone (storage not recorded, no egress).
    fn advise_calls(declared: &[Scope], calls: &[ObservedCall]) -> Advice {
        advise(
            &DeclaredScopes::new(declared.to_vec()),
            declared,
            &EgressAllowlist::default(),
            false,
            &[],
            &Observed {
                calls: calls.to_vec(),
                ..Observed::default()
            },
        )
    }

    #[test]
    fn a_planted_scope_nobody_uses_is_reported_unused() {
        let declared = scopes(&[
            "read:jira-work",
            "read:jira-user",
            "manage:jira-configuration",
        ]);
        let calls = [
            call(Method::Get, "/rest/api/3/myself", "allowed"),
            call(Method::Get, "/rest/api/3/issue/{issueIdOrKey}", "allowed"),
        ];
        let advice = advise_calls(&declared, &calls);
        assert_eq!(advice.unused, ["manage:jira-configuration"]);
        assert_eq!(advice.used, ["read:jira-user", "read:jira-work"]);
        assert!(advice.denied.is_empty());
        assert!(advice.has_findings());
    }

    /// An app that sets its own property and field value, as a Forge app does
    /// with no scope, is told the app-data scope it declared for them is not
    /// needed, and no suggested set brings it back.
    #[test]
    fn own_app_data_calls_need_no_scope() {
        let declared = scopes(&["write:app-data:jira"]);
        let calls = [
            call(
                Method::Put,
                "/rest/forge/1/app/properties/{propertyKey}",
                "allowed",
            ),
            call(
                Method::Put,
                "/rest/api/3/app/field/{fieldIdOrKey}/value",
                "allowed",
            ),
        ];
        let advice = advise_calls(&declared, &calls);
        assert!(advice.denied.is_empty(), "{advice:?}");
        assert!(advice.used.is_empty(), "{:?}", advice.used);
        assert_eq!(advice.unused, ["write:app-data:jira"]);
        assert!(advice.classic_set.scopes.is_empty(), "{advice:?}");
        assert!(advice.granular_set.scopes.is_empty(), "{advice:?}");
        // Nothing declared: still nothing denied.
        assert!(advise_calls(&[], &calls).denied.is_empty());
    }

    #[test]
    fn a_denied_call_names_the_scope_that_would_allow_it() {
        let declared = scopes(&["read:jira-work"]);
        let calls = [call(
            Method::Put,
            "/rest/api/3/issue/{issueIdOrKey}",
            "scope-denied",
        )];
        let advice = advise_calls(&declared, &calls);
        assert_eq!(advice.denied.len(), 1);
        assert_eq!(
            advice.denied[0].route,
            "PUT /rest/api/3/issue/{issueIdOrKey}"
        );
        assert_eq!(advice.denied[0].add, ["write:jira-work"]);
        assert_eq!(advice.unused, ["read:jira-work"]);
    }

    #[test]
    fn granular_scopes_for_one_issue_route_open_less_than_read_jira_work() {
        let declared = scopes(&["read:jira-work"]);
        let calls = [call(
            Method::Get,
            "/rest/api/3/issue/{issueIdOrKey}",
            "allowed",
        )];
        let advice = advise_calls(&declared, &calls);
        assert_eq!(advice.classic_set.scopes, ["read:jira-work"]);
        assert!(
            advice.granular_set.scopes.contains(&"read:issue:jira"),
            "{:?}",
            advice.granular_set
        );
        assert!(advice.granular_is_narrower, "{advice:?}");
        assert!(!advice.has_findings());
    }

    #[test]
    fn exactly_the_needed_scopes_are_clean() {
        let declared = scopes(&["read:ops-config:jira-service-management"]);
        let calls = [call(
            Method::Get,
            "/jsm/ops/api/{cloudId}/v1/teams",
            "allowed",
        )];
        let advice = advise_calls(&declared, &calls);
        assert!(!advice.has_findings(), "{advice:?}");
        assert_eq!(
            advice.classic_set, advice.granular_set,
            "JSM Ops has only granular scopes"
        );
        assert!(!advice.granular_is_narrower);
    }

    #[test]
    fn storage_app_is_judged_by_the_storage_calls_seen() {
        let declared = scopes(&["read:jira-work", "storage:app"]);
        let calls = vec![call(
            Method::Get,
            "/rest/api/3/issue/{issueIdOrKey}",
            "allowed",
        )];
        let with_storage = |storage_calls| {
            advise(
                &DeclaredScopes::new(declared.clone()),
                &declared,
                &EgressAllowlist::default(),
                false,
                &[],
                &Observed {
                    calls: calls.clone(),
                    storage_calls,
                    ..Observed::default()
                },
            )
        };
        let used = with_storage(Some(2));
        assert_eq!(used.used, ["read:jira-work", "storage:app"]);
        assert!(used.unused.is_empty());
        assert!(!used.has_findings(), "{used:?}");

        let unused = with_storage(Some(0));
        assert_eq!(unused.storage.verdict, DoorVerdict::Unused);
        assert!(unused.unused.is_empty(), "reported once, as storage");
        assert!(unused.has_findings());

        // From an audit log storage is not recorded: neither used nor a finding.
        let unobserved = with_storage(None);
        assert_eq!(unobserved.storage.verdict, DoorVerdict::NotObserved);
        assert_eq!(unobserved.used, ["read:jira-work"]);
        assert!(!unobserved.has_findings(), "{unobserved:?}");
    }

    /// An app whose trigger subscribes to issue events keeps the scope that lets
    /// it read them, though no observed call needed it (dropping it would make
    /// the manifest refused), and each suggested set keeps the event's scopes.
    #[test]
    fn the_scopes_a_subscribed_event_needs_are_used() {
        let declared = scopes(&["read:jira-work", "write:jira-work"]);
        let created: ProductEvent = "avi:jira:created:issue".parse().unwrap();
        let comment = [call(
            Method::Post,
            "/rest/api/3/issue/{issueIdOrKey}/comment",
            "allowed",
        )];
        let advice = advise(
            &DeclaredScopes::new(declared.clone()),
            &declared,
            &EgressAllowlist::default(),
            false,
            &[created],
            &Observed {
                calls: comment.to_vec(),
                ..Observed::default()
            },
        );
        assert!(advice.unused.is_empty(), "{:?}", advice.unused);
        assert_eq!(advice.used, ["read:jira-work", "write:jira-work"]);
        assert!(advice.classic_set.scopes.contains(&"read:jira-work"));
        for scope in created.granular_scopes() {
            assert!(
                advice.granular_set.scopes.contains(&scope.as_str()),
                "{scope:?} in {:?}",
                advice.granular_set.scopes
            );
        }
        // Without the event, the same calls leave read:jira-work unused.
        assert_eq!(advise_calls(&declared, &comment).unused, ["read:jira-work"]);
    }

    /// Forge SQL is judged as storage is, against the manifest's `sql` module.
    #[test]
    fn forge_sql_is_judged_by_the_sql_calls_seen() {
        let declared = scopes(&[]);
        let with_sql = |declares_sql, sql_calls| {
            advise(
                &DeclaredScopes::new(declared.clone()),
                &declared,
                &EgressAllowlist::default(),
                declares_sql,
                &[],
                &Observed {
                    sql_calls,
                    ..Observed::default()
                },
            )
        };
        let used = with_sql(true, Some(3));
        assert_eq!(used.sql.verdict, DoorVerdict::Used);
        assert!(!used.has_findings(), "{used:?}");
        let unused = with_sql(true, Some(0));
        assert_eq!(unused.sql.verdict, DoorVerdict::Unused);
        assert!(unused.has_findings());
        let refused = with_sql(false, Some(2));
        assert_eq!(refused.sql.verdict, DoorVerdict::Refused);
        assert!(refused.has_findings());
        assert_eq!(
            with_sql(false, Some(0)).sql.verdict,
            DoorVerdict::Undeclared
        );
        let unobserved = with_sql(true, None);
        assert_eq!(unobserved.sql.verdict, DoorVerdict::NotObserved);
        assert!(!unobserved.has_findings());
    }

    #[test]
    fn storage_without_storage_app_is_a_refusal_to_fix() {
        let declared = scopes(&[]);
        let advice = advise(
            &DeclaredScopes::new(declared.clone()),
            &declared,
            &EgressAllowlist::default(),
            false,
            &[],
            &Observed {
                storage_calls: Some(1),
                ..Observed::default()
            },
        );
        assert_eq!(advice.storage.verdict, DoorVerdict::Refused);
        assert!(advice.has_findings());
    }
}
