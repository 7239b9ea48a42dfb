//! Where a webhook may be delivered.
//!
//! A registration's URL is caller input. With [`WebhookTargets::LoopbackOnly`] (the
//! default) it must name `localhost` or a loopback IP literal; other names are
//! refused rather than resolved, so DNS (or a name that resolves to loopback today and
//! elsewhere tomorrow) never decides where the simulator connects. `localhost` is
//! connected to at `127.0.0.1` directly (see [`super::delivery`]). Credentials in the
//! URL are refused too: the simulator would otherwise send them on.

use std::net::IpAddr;

use url::{Host, Url};

use super::config::WebhookTargets;

/// Why a URL cannot receive webhooks; the message is shown to the registering caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("The webhook URL is not a valid absolute URL.")]
    Invalid,
    #[error("The webhook URL must use http or https.")]
    Scheme,
    #[error("The webhook URL must not contain credentials.")]
    Credentials,
    #[error(
        "This Jira simulator delivers webhooks to loopback addresses only (localhost, 127.0.0.0/8, [::1])."
    )]
    NotLoopback,
}

/// Parses and checks a webhook URL.
pub(crate) fn check(text: &str, targets: WebhookTargets) -> Result<Url, TargetError> {
    let url = Url::parse(text).map_err(|_| TargetError::Invalid)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Credentials);
    }
    let host = url.host().ok_or(TargetError::Invalid)?;
    if targets == WebhookTargets::Any || is_loopback(&host) {
        Ok(url)
    } else {
        Err(TargetError::NotLoopback)
    }
}

/// `localhost` (exactly, as the URL parser lowercases it) or a loopback IP literal.
/// An IPv4-mapped IPv6 address is refused: `Ipv6Addr::is_loopback` is false for it,
/// and nothing legitimate needs it.
pub(crate) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_admits_loopback_hosts_and_nothing_else() {
        let only = WebhookTargets::LoopbackOnly;
        for ok in [
            "http://127.0.0.1:8080/hook",
            "http://localhost:1/x",
            "http://LOCALHOST/x",
            "https://[::1]:9/x",
            "http://127.255.0.1/",
            // The URL parser normalises these to 127.0.0.1 before the check.
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            assert!(check(ok, only).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://example.com/hook", TargetError::NotLoopback),
            ("http://localhost.example.com/", TargetError::NotLoopback),
            ("http://127.0.0.1.nip.io/", TargetError::NotLoopback),
            ("http://0.0.0.0:80/", TargetError::NotLoopback),
            ("http://10.0.0.1/", TargetError::NotLoopback),
            ("http://169.254.169.254/latest", TargetError::NotLoopback),
            ("http://[::ffff:127.0.0.1]/", TargetError::NotLoopback),
            ("http://[::]/", TargetError::NotLoopback),
            ("file:///etc/passwd", TargetError::Scheme),
            ("gopher://127.0.0.1/", TargetError::Scheme),
            ("http://user:pw@127.0.0.1/", TargetError::Credentials),
            ("/relative", TargetError::Invalid),
        ] {
            assert_eq!(check(bad, only).err(), Some(why), "{bad}");
        }
    }

    #[test]
    fn any_still_refuses_other_schemes_and_credentials() {
        assert!(check("https://example.com/hook", WebhookTargets::Any).is_ok());
        assert_eq!(
            check("ftp://example.com/", WebhookTargets::Any).err(),
            Some(TargetError::Scheme)
        );
        assert_eq!(
            check("http://a:b@example.com/", WebhookTargets::Any).err(),
            Some(TargetError::Credentials)
        );
    }
}
