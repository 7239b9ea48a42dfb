//! The invoking user's Atlassian account id on a real site, for
//! `context.account-id`.
//!
//! The simulator knows its seeded user's id; a real site is asked once, by
//! the host, with the user principal's own credential: `GET
//! /rest/api/3/myself`, through the same [`JiraSession`] pipeline (path
//! policy, catalogue, URL builder, redaction, limits) as any guest request,
//! so this door has no URL builder of its own. Only `accountId` is kept, and
//! only when it looks like one; the rest of the answer (e-mail, name, time
//! zone) is dropped, never shown to the app.

use std::sync::Arc;
use std::time::Duration;

use kiln_manifest::{DeclaredScopes, Scope};
use tokio::sync::OnceCell;

use super::audit::NoAudit;
use super::client::JiraClient;
use super::session::{Door, JiraSession, SessionConfig};
use crate::bindings::{Method, Principal, Request};

/// The longest account id accepted. Atlassian's are 24 hex digits or
/// `557058:` + a UUID (under 50 characters); anything longer is not one.
const MAX_ACCOUNT_ID_LEN: usize = 128;

/// How long the host waits for `/myself` before running without an account
/// id (the app then sees `none`, as before).
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The user's account id, looked up at most once per value.
#[derive(Debug, Default)]
pub struct AccountIdCache {
    cell: OnceCell<Option<String>>,
}

impl AccountIdCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The account id of `client`'s user principal: asked of the site on the
    /// first call, remembered after (a failure is remembered as `None`, so
    /// a site that refuses is not asked on every invocation).
    pub async fn get(&self, client: &Arc<JiraClient>) -> Option<String> {
        self.cell
            .get_or_init(|| lookup(client, LOOKUP_TIMEOUT))
            .await
            .clone()
    }
}

/// Asks the site who the user principal is.
pub async fn lookup(client: &Arc<JiraClient>, timeout: Duration) -> Option<String> {
    client.credential(false)?;
    let session = JiraSession::new(SessionConfig {
        client: client.clone(),
        // The host's own request, not the app's: it carries the scope the
        // route needs, whatever the app declared.
        scopes: Arc::new(DeclaredScopes::new([Scope::ReadJiraUser])),
        audit: Arc::new(NoAudit),
        app_id: Arc::from("kiln-host"),
        invocation_id: String::from("account-id-lookup"),
        deadline: tokio::time::Instant::now() + timeout,
        max_requests: 1,
        max_egress_requests: 0,
        door: Door::App,
    });
    let request = Request {
        principal: Principal::User,
        method: Method::Get,
        path: String::from("/rest/api/3/myself"),
        query: Vec::new(),
        headers: vec![(String::from("accept"), String::from("application/json"))],
        body: None,
    };
    match session.request(request).await {
        Ok(response) if response.status == 200 => account_id_of(&response.body),
        Ok(response) => {
            tracing::warn!(
                status = response.status,
                "the site did not say who the user is; the app gets no account id"
            );
            None
        }
        Err(error) => {
            tracing::warn!(
                "cannot ask the site who the user is ({error:?}); the app gets no account id"
            );
            None
        }
    }
}

/// `accountId` of a `/myself` answer, if it is shaped like one.
fn account_id_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Myself {
        #[serde(rename = "accountId")]
        account_id: String,
    }
    let myself: Myself = serde_json::from_slice(body).ok()?;
    let id = myself.account_id;
    let plausible = !id.is_empty()
        && id.len() <= MAX_ACCOUNT_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'));
    plausible.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plausible_account_id_is_kept() {
        assert_eq!(
            account_id_of(br#"{"accountId":"5b10a2844c20165700ede21g","emailAddress":"a@b.c"}"#),
            Some("5b10a2844c20165700ede21g".into())
        );
        assert_eq!(
            account_id_of(br#"{"accountId":"557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"}"#),
            Some("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077".into())
        );
        assert_eq!(account_id_of(br#"{"accountId":"a\nb"}"#), None);
        assert_eq!(account_id_of(br#"{"accountId":""}"#), None);
        assert_eq!(account_id_of(br#"{"name":"x"}"#), None);
        assert_eq!(account_id_of(b"not json"), None);
    }
}
