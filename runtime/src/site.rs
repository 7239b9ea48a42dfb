//! Where requests go: the Jira site, the Atlassian API gateway and the cloud id,
//! mapped the way Atlassian's cloud routes them.
//!
//! The guest always writes the product path, whatever the credential. Where
//! it goes depends on the credential kind, as Atlassian's docs give it:
//!
//! | guest path | API token (basic) | OAuth 2.0 bearer (3LO, client credentials) |
//! |---|---|---|
//! | `/rest/…` (platform, Software) | `https://{site}/rest/…` | `https://api.atlassian.com/ex/jira/{cloudId}/rest/…` |
//! | `/jsm/ops/api/{cloudId}/v1/…` | `https://api.atlassian.com/jsm/ops/api/{cloudId}/v1/…` | `https://api.atlassian.com/ex/jira/{cloudId}/jsm/ops/api/v1/…` |
//! | `/jsm/ops/stakeholder-comms/cloudId/{cloudId}/…` | `https://api.atlassian.com/jsm/ops/stakeholder-comms/cloudId/{cloudId}/…` | the same |
//!
//! The Ops API's OAuth form moves the cloud id into the gateway's
//! `/ex/jira/{cloudId}` base (the URL builder's [`Placement::SegmentIntoBase`]).
//! The stakeholder-comms operations are documented on the Ops server only
//! (`https://api.atlassian.com/jsm/ops/`, no per-credential form), so they go
//! there with either credential. All endpoints are fixed when the site is
//! configured.

use kiln_manifest::{Product, Route};

use crate::jira::tenant::cloud_id_segments;
use crate::policy::url::{Endpoint, EndpointError, Placement};

/// Templates whose cloud id Atlassian's OAuth 2.0 gateway wants in its
/// `/ex/jira/{cloudId}` base rather than in the path (JSM Ops REST API,
/// "OAuth 2.0 (3LO) apps must call
/// `https://api.atlassian.com/ex/jira/{cloudId}/jsm/ops/api/v1/…`").
const CLOUD_ID_INTO_GATEWAY_BASE: &[&str] = &["/jsm/ops/api/{cloudId}/"];

/// Atlassian's API gateway, the default for OAuth and JSM Ops requests.
pub const ATLASSIAN_GATEWAY: &str = "https://api.atlassian.com";

/// The configured Jira site.
#[derive(Debug, Clone)]
pub struct Site {
    site: Endpoint,
    gateway: Endpoint,
    gateway_jira: Endpoint,
    cloud_id: String,
}

/// Why a site configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("site URL: {0}")]
    Site(EndpointError),
    #[error("gateway URL: {0}")]
    Gateway(EndpointError),
    #[error("cloud id `{0}` is not valid (expected letters, digits and `-`)")]
    CloudId(String),
}

impl Site {
    /// `site` is the Jira site (`https://your-domain.atlassian.net`),
    /// `gateway` the API gateway (usually [`ATLASSIAN_GATEWAY`]).
    pub fn new(site: &str, gateway: &str, cloud_id: &str) -> Result<Self, SiteError> {
        // The cloud id becomes part of a base path: only a plain token fits.
        let valid_id = !cloud_id.is_empty()
            && cloud_id.len() <= 64
            && cloud_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid_id {
            return Err(SiteError::CloudId(cloud_id.chars().take(80).collect()));
        }
        let site = Endpoint::parse(site).map_err(SiteError::Site)?;
        let gateway = Endpoint::parse(gateway).map_err(SiteError::Gateway)?;
        let gateway_jira = gateway
            .join_base(&format!("/ex/jira/{cloud_id}"))
            .map_err(SiteError::Gateway)?;
        Ok(Self {
            site,
            gateway,
            gateway_jira,
            cloud_id: cloud_id.to_owned(),
        })
    }

    /// Where a request for `route` is sent, with a bearer credential or
    /// not: the endpoint, and how the guest's path is placed under it.
    pub fn destination(&self, route: &Route, bearer: bool) -> (&Endpoint, Placement) {
        match (route.product, bearer) {
            (Product::JsmOps, true) => {
                let moved = CLOUD_ID_INTO_GATEWAY_BASE
                    .iter()
                    .any(|prefix| route.template.starts_with(prefix))
                    .then(|| {
                        cloud_id_segments(route)
                            .find(|(_, segment)| *segment == "{cloudId}")
                            .map(|(index, _)| index)
                    })
                    .flatten();
                match moved {
                    Some(index) => (&self.gateway_jira, Placement::SegmentIntoBase { index }),
                    None => (&self.gateway, Placement::AsWritten),
                }
            }
            (Product::JsmOps, false) => (&self.gateway, Placement::AsWritten),
            (_, true) => (&self.gateway_jira, Placement::AsWritten),
            (_, false) => (&self.site, Placement::AsWritten),
        }
    }

    /// The installation's cloud id; JSM Ops paths must name it.
    pub fn cloud_id(&self) -> &str {
        &self.cloud_id
    }

    /// The site's base URL, as shown to apps in their context.
    pub fn site_url(&self) -> &str {
        self.site.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::path::validate_path;
    use crate::policy::url::build_url_placed;
    use kiln_manifest::{Method, catalogue};

    /// The outgoing URL of `method path` with a bearer credential or not.
    fn outgoing(site: &Site, method: Method, path: &str, bearer: bool) -> String {
        let path = validate_path(path).unwrap();
        let route = catalogue().match_route(method, path.decoded()).unwrap();
        let (endpoint, placement) = site.destination(route, bearer);
        build_url_placed(endpoint, &path, placement, &[("q".into(), "1".into())])
            .unwrap()
            .to_string()
    }

    #[test]
    fn routes_like_atlassian_cloud() {
        let site = Site::new("https://kiln.atlassian.net", ATLASSIAN_GATEWAY, "c0ffee-1").unwrap();
        let table: &[(Method, &str, bool, &str)] = &[
            (
                Method::Get,
                "/rest/api/3/myself",
                false,
                "https://kiln.atlassian.net/rest/api/3/myself?q=1",
            ),
            (
                Method::Get,
                "/rest/api/3/myself",
                true,
                "https://api.atlassian.com/ex/jira/c0ffee-1/rest/api/3/myself?q=1",
            ),
            (
                Method::Get,
                "/rest/agile/1.0/board",
                false,
                "https://kiln.atlassian.net/rest/agile/1.0/board?q=1",
            ),
            (
                Method::Get,
                "/rest/agile/1.0/board",
                true,
                "https://api.atlassian.com/ex/jira/c0ffee-1/rest/agile/1.0/board?q=1",
            ),
            (
                Method::Get,
                "/jsm/ops/api/c0ffee-1/v1/schedules",
                false,
                "https://api.atlassian.com/jsm/ops/api/c0ffee-1/v1/schedules?q=1",
            ),
            (
                Method::Get,
                "/jsm/ops/api/c0ffee-1/v1/schedules",
                true,
                "https://api.atlassian.com/ex/jira/c0ffee-1/jsm/ops/api/v1/schedules?q=1",
            ),
            (
                Method::Get,
                "/jsm/ops/api/c0ffee-1/v1/schedules/s%201/timeline",
                true,
                "https://api.atlassian.com/ex/jira/c0ffee-1/jsm/ops/api/v1/schedules/s%201/timeline?q=1",
            ),
            (
                Method::Post,
                "/jsm/ops/api/c0ffee-1/v1/alerts",
                true,
                "https://api.atlassian.com/ex/jira/c0ffee-1/jsm/ops/api/v1/alerts?q=1",
            ),
            (
                Method::Get,
                "/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p1",
                false,
                "https://api.atlassian.com/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p1?q=1",
            ),
            (
                Method::Get,
                "/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p1",
                true,
                "https://api.atlassian.com/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p1?q=1",
            ),
        ];
        for (method, path, bearer, expected) in table {
            assert_eq!(
                &outgoing(&site, *method, path, *bearer),
                expected,
                "{method} {path} bearer={bearer}"
            );
        }
    }

    /// Every JSM Ops API route, with a bearer credential, goes to the
    /// gateway's `/ex/jira/{cloudId}` base with the cloud id moved out of
    /// the path; with an API token, to the Ops server as written. A path
    /// naming another cloud id cannot be moved (the tenant check refuses it
    /// first; the builder refuses it again).
    #[test]
    fn every_ops_api_route_has_both_forms() {
        let site = Site::new("https://kiln.atlassian.net", ATLASSIAN_GATEWAY, "c0ffee-1").unwrap();
        let mut moved = 0;
        for route in catalogue().routes() {
            if !route.template.starts_with("/jsm/ops/api/{cloudId}/") {
                continue;
            }
            let concrete = |cloud: &str| crate::jira::tenant::concrete_path(route.template, cloud);
            let path = validate_path(&concrete("c0ffee-1")).unwrap();
            let (endpoint, placement) = site.destination(route, true);
            let url = build_url_placed(endpoint, &path, placement, &[]).unwrap();
            let rest = route
                .template
                .strip_prefix("/jsm/ops/api/{cloudId}")
                .unwrap();
            assert_eq!(
                url.path(),
                format!(
                    "/ex/jira/c0ffee-1/jsm/ops/api{}",
                    concrete("c0ffee-1")
                        .strip_prefix("/jsm/ops/api/c0ffee-1")
                        .unwrap()
                ),
                "{route}"
            );
            assert!(rest.starts_with("/v1/"), "{route}");
            let (endpoint, placement) = site.destination(route, false);
            let url = build_url_placed(endpoint, &path, placement, &[]).unwrap();
            assert_eq!(url.path(), path.raw(), "{route}");
            assert_eq!(url.host_str(), Some("api.atlassian.com"));

            let other = validate_path(&concrete("another-1")).unwrap();
            let (endpoint, placement) = site.destination(route, true);
            assert_eq!(
                build_url_placed(endpoint, &other, placement, &[]),
                Err(crate::policy::url::UrlError::TenantMismatch),
                "{route}"
            );
            moved += 1;
        }
        assert!(moved >= 162, "{moved}");
    }

    #[test]
    fn refuses_bad_cloud_ids_and_cleartext_sites() {
        assert!(Site::new("https://k.atlassian.net", ATLASSIAN_GATEWAY, "../x").is_err());
        assert!(Site::new("https://k.atlassian.net", ATLASSIAN_GATEWAY, "").is_err());
        assert!(Site::new("http://k.atlassian.net", ATLASSIAN_GATEWAY, "c1").is_err());
    }
}
