//! Jira operations of the host's own integration, which no app may call.
//!
//! Jira keys some resources by *the calling app*, not by the user: dynamic
//! webhooks above all (`/rest/api/3/webhook`: "Only webhooks registered by the
//! calling app are removed"). To Jira, every app a Kiln host serves on a site
//! is one app: they share the site's credential (the 3LO login, the OAuth
//! client), and the host attaches it. So an app let through to these
//! operations would see and change what belongs to the host and to every
//! other app on the site:
//!
//! - **the host's event delivery**: on a 3LO site `runtime serve` registers,
//!   refreshes and deletes its own dynamic webhooks
//!   (`serve/src/webhook/registrar.rs`), which deliver every installed app's
//!   product events. An app that could list and delete them would cut the
//!   other apps off from their triggers; one that could register webhooks
//!   would have the site send the host events no manifest asked for;
//! - **what other apps were told**: `getFailedWebhooks` lists deliveries,
//!   with their payload's event, that were meant for the host.
//!
//! Forge keeps these operations from Forge apps as well (the spec: "Only
//! Connect and OAuth 2.0 apps can use this operation"); a Forge app receives
//! product events through its manifest's `trigger` modules, and so does a
//! Kiln app. The host's own calls go through the same door as an app's
//! (session, URL builder, redaction) but open these operations, and only
//! the host can make a [`Door::Host`] session.
//!
//! The list is of operation ids of the catalogue
//! (`manifest-schema/src/catalogue/generated.rs`), so a path spelled any other
//! way that matches the same route is refused alike; a test checks that each
//! id is catalogued, so a regenerated catalogue cannot silently drop the rule.

use kiln_manifest::Route;

/// Who a `request-jira` session serves: what it may open beyond an app's
/// scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// A guest's invocation: scopes decide, and [`HOST_OPERATIONS`] stay shut.
    App,
    /// The host's own calls (webhook registration): scopes decide, and the
    /// host's operations are open to it.
    Host,
}

/// The dynamic webhook operations, keyed by the calling app (see the module
/// documentation for the threat).
pub const HOST_OPERATIONS: [&str; 5] = [
    "getDynamicWebhooksForApp",
    "registerDynamicWebhooks",
    "deleteWebhookById",
    "refreshWebhooks",
    "getFailedWebhooks",
];

/// Why `route` is not open through `door`, if it is not: the text the guest
/// reads, naming the operation and what to do instead.
pub fn refusal(door: Door, route: &Route) -> Option<String> {
    if door == Door::Host || !HOST_OPERATIONS.contains(&route.operation_id) {
        return None;
    }
    Some(format!(
        "{} {} is Jira's {}: dynamic webhooks belong to the Kiln host, which registers them for every app on this site under the credential they share, so no app may call it (Forge apps cannot either); declare a `trigger` module to receive product events",
        route.method, route.template, route.operation_id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_manifest::{Method, catalogue};

    #[test]
    fn every_host_operation_is_catalogued() {
        // A regenerated catalogue that renamed or dropped one would leave the
        // rule guarding nothing; each must match a catalogued route.
        let catalogued: Vec<&str> = catalogue()
            .routes()
            .iter()
            .map(|r| r.operation_id)
            .collect();
        for id in HOST_OPERATIONS {
            assert!(catalogued.contains(&id), "{id} is not in the catalogue");
        }
    }

    #[test]
    fn apps_are_refused_the_host_operations_and_the_host_is_not() {
        let cases = [
            (Method::Get, "/rest/api/3/webhook"),
            (Method::Post, "/rest/api/3/webhook"),
            (Method::Delete, "/rest/api/3/webhook"),
            (Method::Put, "/rest/api/3/webhook/refresh"),
            (Method::Get, "/rest/api/3/webhook/failed"),
        ];
        for (method, path) in cases {
            let route = catalogue().match_route(method, path).expect("catalogued");
            let text = refusal(Door::App, route).expect("refused to an app");
            assert!(text.contains(route.operation_id), "{text}");
            assert!(text.contains("trigger"), "{text}");
            assert_eq!(refusal(Door::Host, route), None, "{path}");
        }
    }

    #[test]
    fn other_routes_are_left_to_the_scopes() {
        for (method, path) in [
            (Method::Get, "/rest/api/3/myself"),
            (Method::Get, "/rest/api/3/webhooks/x"),
            (Method::Get, "/rest/api/3/issue/KILN-1/properties/webhook"),
        ] {
            if let Some(route) = catalogue().match_route(method, path) {
                assert_eq!(refusal(Door::App, route), None, "{path}");
            }
        }
    }
}
