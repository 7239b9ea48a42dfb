//! Where requests go: the Jira site, the Atlassian API gateway and the cloud id,
//! mapped the way Atlassian's cloud routes them.
//!
//! The guest always writes the product path. With an API token the platform
//! and Software APIs are on the site (`https://{site}/rest/...`); with an
//! OAuth bearer token they are behind the gateway
//! (`https://api.atlassian.com/ex/jira/{cloudId}/rest/...`); JSM Ops is on the
//! gateway for both (`https://api.atlassian.com/jsm/ops/api/{cloudId}/...`).
//! All three endpoints are fixed when the site is configured.

use kiln_manifest::Product;

use crate::policy::url::{Endpoint, EndpointError};

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

    /// The endpoint a request for `product` is sent to.
    pub fn endpoint_for(&self, product: Product, bearer: bool) -> &Endpoint {
        match (product, bearer) {
            (Product::JsmOps, _) => &self.gateway,
            (_, true) => &self.gateway_jira,
            (_, false) => &self.site,
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

    #[test]
    fn routes_like_atlassian_cloud() {
        let site = Site::new("https://kiln.atlassian.net", ATLASSIAN_GATEWAY, "c0ffee-1").unwrap();
        assert_eq!(
            site.endpoint_for(Product::Platform, false).as_str(),
            "https://kiln.atlassian.net"
        );
        assert_eq!(
            site.endpoint_for(Product::Software, false).as_str(),
            "https://kiln.atlassian.net"
        );
        assert_eq!(
            site.endpoint_for(Product::Platform, true).as_str(),
            "https://api.atlassian.com/ex/jira/c0ffee-1"
        );
        assert_eq!(
            site.endpoint_for(Product::JsmOps, false).as_str(),
            "https://api.atlassian.com"
        );
        assert_eq!(
            site.endpoint_for(Product::JsmOps, true).as_str(),
            "https://api.atlassian.com"
        );
    }

    #[test]
    fn refuses_bad_cloud_ids_and_cleartext_sites() {
        assert!(Site::new("https://k.atlassian.net", ATLASSIAN_GATEWAY, "../x").is_err());
        assert!(Site::new("https://k.atlassian.net", ATLASSIAN_GATEWAY, "").is_err());
        assert!(Site::new("http://k.atlassian.net", ATLASSIAN_GATEWAY, "c1").is_err());
    }
}
