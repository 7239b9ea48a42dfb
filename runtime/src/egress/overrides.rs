//! The operator's egress overrides: what an app's manifest cannot ask for
//! but the machine's operator may allow for a named host.
//!
//! ```toml
//! # kiln-policy.toml (the operator policy, see crate::consent::policy)
//! [[egress]]
//! host = "staging-api.corp.example"     # or "*.corp.example"
//! allow_http = true                     # plain HTTP to this host
//! allow_addresses = ["10.20.0.0/16"]    # private ranges it may resolve to
//! ```
//!
//! An override widens what the address policy and the https rule refuse for
//! that host only; it never adds a host to an app's allowlist (the manifest
//! must still declare it, and the user approve it).

use std::net::IpAddr;

use ipnet::IpNet;
use kiln_manifest::{Backend, HostPattern};
use serde::Deserialize;

/// One `[[egress]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressOverride {
    /// A name or `*.domain`, in the manifest's grammar.
    #[serde(deserialize_with = "host_pattern")]
    pub host: HostPattern,
    #[serde(default)]
    pub allow_http: bool,
    #[serde(default)]
    pub allow_addresses: Vec<IpNet>,
}

fn host_pattern<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<HostPattern, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse::<Backend>()
        .map(|backend| backend.host)
        .map_err(|error| serde::de::Error::custom(format!("invalid egress host {text:?}: {error}")))
}

/// Every override of the operator policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressOverrides {
    entries: Vec<EgressOverride>,
}

impl EgressOverrides {
    pub fn new(entries: Vec<EgressOverride>) -> Self {
        Self { entries }
    }

    /// Whether plain HTTP may be used to `host` (normalised).
    pub fn allows_http(&self, host: &str) -> bool {
        self.entries
            .iter()
            .any(|o| o.allow_http && o.host.covers(host))
    }

    /// Whether `ip` is in a range the operator allows for `host` (normalised).
    pub fn allows_address(&self, host: &str, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.entries
            .iter()
            .any(|o| o.host.covers(host) && o.allow_addresses.iter().any(|net| net.contains(&ip)))
    }
}

/// `::ffff:a.b.c.d` as `a.b.c.d`, so that an IPv4 range also covers the
/// mapped spelling (and only the mapped one: not NAT64 or 6to4).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_is_scoped_to_its_host() {
        let overrides: Vec<EgressOverride> = toml::from_str::<toml::Table>(
            "[[egress]]\nhost = \"api.test\"\nallow_http = true\nallow_addresses = [\"127.0.0.0/8\"]\n",
        )
        .unwrap()["egress"]
            .clone()
            .try_into()
            .unwrap();
        let overrides = EgressOverrides::new(overrides);
        assert!(overrides.allows_http("api.test"));
        assert!(!overrides.allows_http("other.test"));
        assert!(overrides.allows_address("api.test", "127.0.0.1".parse().unwrap()));
        assert!(overrides.allows_address("api.test", "::ffff:127.0.0.1".parse().unwrap()));
        assert!(!overrides.allows_address("api.test", "::1".parse().unwrap()));
        assert!(!overrides.allows_address("api.test", "10.0.0.1".parse().unwrap()));
        assert!(!overrides.allows_address("other.test", "127.0.0.1".parse().unwrap()));
    }
}
