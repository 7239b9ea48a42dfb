//! Jira's rate limit, honoured across an installation's invocations.
//!
//! Jira Cloud answers `429 Too Many Requests` (and some `503`s) with
//! `Retry-After` when a credential sends too much, and asks clients to wait
//! that long before the next request
//! (<https://developer.atlassian.com/cloud/jira/platform/rate-limiting/>).
//! A Kiln invocation is short-lived: an app that backs off by ending and
//! trying again in the next invocation (the next webhook, the next scheduled
//! run), or many invocations running at once, would each hit the site again
//! at once, and the site's answer would only get worse for every app of the
//! installation.
//!
//! So the [`JiraClient`](super::client::JiraClient), shared by all the
//! invocations of one installation, remembers the site's answer per
//! principal in a [`RateLimitGate`]. Until the time the site named, a
//! request of that principal either waits (when the wait ends before its
//! invocation's deadline) or gets [`held_response`]: the host's own `429`
//! with the seconds still to wait, in Jira's error shape, without reaching
//! the site. The app handles it exactly as it handles Jira's own 429.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::bindings::Response;

/// The longest wait a site's `Retry-After` can impose on an installation.
/// Threat: a broken or hostile site (or anything before it) naming hours or
/// years would otherwise stop every invocation of the installation until
/// the host restarts. Five minutes is longer than Jira's own limits ask for.
pub const MAX_HONOURED_RETRY_AFTER: Duration = Duration::from_secs(300);

/// How long to hold after a 429 whose `Retry-After` is missing or
/// unreadable: the site did say "too many", so the next request does not go
/// at once, but for no longer than a short pause.
pub const RETRY_AFTER_WHEN_UNSTATED: Duration = Duration::from_secs(1);

/// What to do with a request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Send it.
    Now,
    /// Wait until this instant (before the invocation's deadline), then send.
    After(Instant),
    /// Do not send: answer [`held_response`] with this many seconds.
    Held { retry_after_secs: u64 },
}

/// The time before which each principal's requests must not reach the site.
#[derive(Debug, Default)]
pub struct RateLimitGate {
    /// `[user, app]`.
    not_before: [Mutex<Option<Instant>>; 2],
}

impl RateLimitGate {
    fn slot(&self, is_app: bool) -> &Mutex<Option<Instant>> {
        &self.not_before[usize::from(is_app)]
    }

    /// Whether a request of the principal may go now, after a wait that ends
    /// by `deadline`, or not within this invocation.
    pub fn admit(&self, is_app: bool, deadline: Instant) -> Admission {
        let now = Instant::now();
        let mut not_before = self.slot(is_app).lock().unwrap_or_else(|e| e.into_inner());
        match *not_before {
            Some(at) if at > now => {
                if at < deadline {
                    Admission::After(at)
                } else {
                    Admission::Held {
                        retry_after_secs: ceil_secs(at - now),
                    }
                }
            }
            // Past: forget it.
            Some(_) => {
                *not_before = None;
                Admission::Now
            }
            None => Admission::Now,
        }
    }

    /// Learns from a response of the site: a 429, or a 503 with
    /// `Retry-After`, holds the principal's next requests (never shortening
    /// a hold already in place).
    pub fn observe(&self, is_app: bool, status: u16, headers: &[(String, String)]) {
        let retry_after = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
            .map(|(_, value)| parse_retry_after(value, SystemTime::now()));
        let hold = match (status, retry_after) {
            (429, Some(Some(delay))) | (503, Some(Some(delay))) => delay,
            (429, _) => RETRY_AFTER_WHEN_UNSTATED,
            _ => return,
        };
        let until = Instant::now() + hold.min(MAX_HONOURED_RETRY_AFTER);
        let mut not_before = self.slot(is_app).lock().unwrap_or_else(|e| e.into_inner());
        if not_before.is_none_or(|at| at < until) {
            *not_before = Some(until);
        }
    }
}

/// `Retry-After` as RFC 9110 §10.2.3 defines it: delay-seconds or an
/// HTTP-date. `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is "very long": the cap applies.
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The host's answer to a request it held: Jira's 429 and error shape, with
/// the seconds still to wait. Nothing in it comes from the site.
pub fn held_response(retry_after_secs: u64) -> Response {
    let message = format!(
        "Rate limit exceeded: the site asked this installation to wait; \
         Kiln held this request without sending it. Retry after {retry_after_secs} seconds."
    );
    let body = serde_json::json!({ "errorMessages": [message], "errors": {} });
    Response {
        status: 429,
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("retry-after".to_owned(), retry_after_secs.to_string()),
        ],
        body: body.to_string().into_bytes(),
    }
}

/// Whole seconds, rounded up (a client told "0" would retry at once).
fn ceil_secs(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: &str) -> Vec<(String, String)> {
        vec![("Retry-After".to_owned(), retry_after.to_owned())]
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(120))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(120));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        for bad in ["", "-5", "1.5", "soon", "30s"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_that_principal_until_the_time_the_site_named() {
        let gate = RateLimitGate::default();
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(gate.admit(false, far), Admission::Now);
        gate.observe(false, 429, &headers("10"));
        let at = match gate.admit(false, far) {
            Admission::After(at) => at,
            other => panic!("expected a wait, got {other:?}"),
        };
        assert_eq!(at - Instant::now(), Duration::from_secs(10));
        // The other principal is not held.
        assert_eq!(gate.admit(true, far), Admission::Now);
        // A deadline before the end of the hold: held, with the seconds left.
        let soon = Instant::now() + Duration::from_secs(5);
        assert_eq!(
            gate.admit(false, soon),
            Admission::Held {
                retry_after_secs: 10
            }
        );
        tokio::time::advance(Duration::from_millis(2500)).await;
        assert_eq!(
            gate.admit(false, soon),
            Admission::Held {
                retry_after_secs: 8
            }
        );
        tokio::time::advance(Duration::from_secs(8)).await;
        assert_eq!(gate.admit(false, soon), Admission::Now);
    }

    #[tokio::test(start_paused = true)]
    async fn holds_only_grow_are_capped_and_other_answers_change_nothing() {
        let gate = RateLimitGate::default();
        let far = Instant::now() + Duration::from_secs(3600);
        gate.observe(false, 200, &headers("100"));
        gate.observe(false, 500, &headers("100"));
        gate.observe(false, 503, &[]);
        assert_eq!(gate.admit(false, far), Admission::Now);
        gate.observe(false, 503, &headers("20"));
        gate.observe(false, 429, &headers("5"));
        let Admission::After(at) = gate.admit(false, far) else {
            panic!("held")
        };
        assert_eq!(
            at - Instant::now(),
            Duration::from_secs(20),
            "not shortened"
        );
        // A site naming a year is held to the cap.
        gate.observe(false, 429, &headers("31536000"));
        let Admission::After(at) = gate.admit(false, far) else {
            panic!("held")
        };
        assert_eq!(at - Instant::now(), MAX_HONOURED_RETRY_AFTER);
        // No (or an unreadable) Retry-After on a 429: a short pause.
        let gate = RateLimitGate::default();
        gate.observe(true, 429, &headers("whenever"));
        let Admission::After(at) = gate.admit(true, far) else {
            panic!("held")
        };
        assert_eq!(at - Instant::now(), RETRY_AFTER_WHEN_UNSTATED);
    }

    #[test]
    fn the_held_answer_is_jiras_429_with_the_seconds_left() {
        let response = held_response(7);
        assert_eq!(response.status, 429);
        assert!(
            response
                .headers
                .contains(&("retry-after".to_owned(), "7".to_owned()))
        );
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert!(
            body["errorMessages"][0]
                .as_str()
                .unwrap()
                .contains("Retry after 7 seconds"),
            "{body}"
        );
    }
}
