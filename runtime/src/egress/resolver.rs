//! The seam between egress and name resolution: the host, never the guest,
//! turns a declared name into addresses, and the addresses it returns are
//! the ones checked and connected to.
//!
//! [`SystemResolver`] asks the operating system (getaddrinfo, on a blocking
//! thread: `/etc/hosts` and the configured DNS servers). [`StaticResolver`]
//! answers from a table, so tests can make a name resolve to loopback, to a
//! private address or to a mix, and see the host refuse it without any DNS
//! server.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;

/// Turns a name into addresses.
#[async_trait::async_trait]
pub trait Resolver: Send + Sync {
    /// Every address `host` (lowercase, no final dot, never an IP literal)
    /// resolves to. An empty answer is an error.
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver.
pub struct SystemResolver;

#[async_trait::async_trait]
impl Resolver for SystemResolver {
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        // Port 0: only the addresses matter; the port comes from the URL.
        let addresses: Vec<IpAddr> = tokio::net::lookup_host((host, 0))
            .await?
            .map(|addr| addr.ip())
            .collect();
        if addresses.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no address"));
        }
        Ok(addresses)
    }
}

/// A fixed table of answers (tests, and operators who pin names).
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    answers: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// `host` resolves to `addresses` (in this order).
    pub fn with(mut self, host: &str, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.answers
            .insert(host.to_ascii_lowercase(), addresses.into_iter().collect());
        self
    }
}

#[async_trait::async_trait]
impl Resolver for StaticResolver {
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        match self.answers.get(host) {
            Some(addresses) if !addresses.is_empty() => Ok(addresses.clone()),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such host")),
        }
    }
}
