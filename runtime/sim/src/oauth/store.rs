//! The authorization server's memory: pending consents, codes and token families.
//!
//! Every token descends from one authorization code; that lineage is a *family*.
//! Refresh tokens rotate: each use returns a new refresh token and retires the old
//! one. Presenting a retired refresh token means it was copied, so the whole family is
//! revoked, as Atlassian's rotating refresh tokens do.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::app_clients::AppClientIndex;
use crate::credentials::OAuthApp;
use crate::user::random_secret;

/// A consent screen left open is abandoned after this long.
const CONSENT_LIFETIME: Duration = Duration::from_secs(600);
/// RFC 6749 §4.1.2: codes must be short-lived (10 minutes at most) so a leaked
/// redirect URL stops being useful quickly.
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// Bytes of randomness in codes and tokens: unguessable for the life of a run.
const TOKEN_BYTES: usize = 32;

/// What the user is asked to approve.
#[derive(Debug, Clone)]
pub(crate) struct ConsentRequest {
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) redirect_uri: String,
    pub(crate) state: String,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct IssuedCode {
    account_id: String,
    scopes: BTreeSet<String>,
    redirect_uri: String,
    expires: Instant,
    family: u64,
    used: bool,
}

#[derive(Debug, Clone)]
struct AccessGrant {
    account_id: String,
    scopes: BTreeSet<String>,
    expires: Instant,
    family: u64,
    app: OAuthApp,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    account_id: String,
    scopes: BTreeSet<String>,
    family: u64,
    /// Retired by rotation; presenting it again revokes the family.
    used: bool,
}

/// Tokens handed out by a successful grant.
#[derive(Debug, Clone)]
pub(crate) struct TokenSet {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: Duration,
    pub(crate) scopes: BTreeSet<String>,
}

/// Why a grant was refused; all are OAuth `invalid_grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantError {
    UnknownCode,
    RedirectMismatch,
    UnknownRefreshToken,
}

/// Atlassian issues a refresh token only when the app asked for `offline_access`.
pub(crate) const OFFLINE_ACCESS: &str = "offline_access";

#[derive(Debug, Default)]
pub(crate) struct OAuthStore {
    consents: HashMap<String, ConsentRequest>,
    codes: HashMap<String, IssuedCode>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    next_family: u64,
}

impl OAuthStore {
    /// Opens a consent screen and returns its id.
    pub(crate) fn begin_consent(
        &mut self,
        scopes: BTreeSet<String>,
        redirect_uri: String,
        state: String,
    ) -> String {
        let now = Instant::now();
        self.consents.retain(|_, c| c.expires > now);
        let id = random_secret("", TOKEN_BYTES);
        self.consents.insert(
            id.clone(),
            ConsentRequest {
                scopes,
                redirect_uri,
                state,
                expires: now + CONSENT_LIFETIME,
            },
        );
        id
    }

    /// Closes a consent screen (whatever the decision), returning what it asked.
    pub(crate) fn take_consent(&mut self, id: &str) -> Option<ConsentRequest> {
        self.consents
            .remove(id)
            .filter(|c| c.expires > Instant::now())
    }

    /// Issues an authorization code for an approved consent.
    pub(crate) fn issue_code(&mut self, account_id: String, consent: &ConsentRequest) -> String {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires > now && !c.used);
        let code = random_secret("", TOKEN_BYTES);
        let family = self.new_family();
        self.codes.insert(
            code.clone(),
            IssuedCode {
                account_id,
                scopes: consent.scopes.clone(),
                redirect_uri: consent.redirect_uri.clone(),
                expires: now + CODE_LIFETIME,
                family,
                used: false,
            },
        );
        code
    }

    /// Redeems a code once. A second redemption revokes what the first one issued
    /// (RFC 6749 §4.1.2), since the code has evidently leaked.
    pub(crate) fn exchange_code(
        &mut self,
        code: &str,
        redirect_uri: &str,
        lifetime: Duration,
    ) -> Result<TokenSet, GrantError> {
        let issued = self.codes.get_mut(code).ok_or(GrantError::UnknownCode)?;
        if issued.used {
            let family = issued.family;
            self.revoke_family(family);
            return Err(GrantError::UnknownCode);
        }
        if issued.expires <= Instant::now() {
            return Err(GrantError::UnknownCode);
        }
        if issued.redirect_uri != redirect_uri {
            return Err(GrantError::RedirectMismatch);
        }
        issued.used = true;
        let (account_id, scopes, family) = (
            issued.account_id.clone(),
            issued.scopes.clone(),
            issued.family,
        );
        Ok(self.mint(account_id, scopes, family, lifetime))
    }

    /// Rotates a refresh token. Reusing a retired one revokes its whole family.
    pub(crate) fn refresh(
        &mut self,
        token: &str,
        lifetime: Duration,
    ) -> Result<TokenSet, GrantError> {
        let grant = self
            .refresh
            .get_mut(token)
            .ok_or(GrantError::UnknownRefreshToken)?;
        if grant.used {
            let family = grant.family;
            self.revoke_family(family);
            return Err(GrantError::UnknownRefreshToken);
        }
        grant.used = true;
        let (account_id, scopes, family) =
            (grant.account_id.clone(), grant.scopes.clone(), grant.family);
        Ok(self.mint(account_id, scopes, family, lifetime))
    }

    /// Issues an access token to a client acting as itself (the client-credentials
    /// grant). Each is a family of its own, and none comes with a refresh token
    /// (RFC 6749 §4.4.3): the client simply asks again with its secret.
    pub(crate) fn issue_client_token(
        &mut self,
        client: AppClientIndex,
        account_id: String,
        scopes: BTreeSet<String>,
        lifetime: Duration,
    ) -> TokenSet {
        let now = Instant::now();
        self.access.retain(|_, a| a.expires > now);
        let family = self.new_family();
        let access_token = random_secret("", TOKEN_BYTES);
        self.access.insert(
            access_token.clone(),
            AccessGrant {
                account_id,
                scopes: scopes.clone(),
                expires: now + lifetime,
                family,
                app: OAuthApp::ClientCredentials(client),
            },
        );
        TokenSet {
            access_token,
            refresh_token: None,
            expires_in: lifetime,
            scopes,
        }
    }

    /// The account and scopes of a live access token.
    pub(crate) fn access(&self, token: &str) -> Option<(String, BTreeSet<String>, OAuthApp)> {
        self.access
            .get(token)
            .filter(|grant| grant.expires > Instant::now())
            .map(|grant| (grant.account_id.clone(), grant.scopes.clone(), grant.app))
    }

    fn mint(
        &mut self,
        account_id: String,
        scopes: BTreeSet<String>,
        family: u64,
        lifetime: Duration,
    ) -> TokenSet {
        let now = Instant::now();
        self.access.retain(|_, a| a.expires > now);
        let access_token = random_secret("", TOKEN_BYTES);
        self.access.insert(
            access_token.clone(),
            AccessGrant {
                account_id: account_id.clone(),
                scopes: scopes.clone(),
                expires: now + lifetime,
                family,
                app: OAuthApp::ThreeLegged,
            },
        );
        let refresh_token = scopes.contains(OFFLINE_ACCESS).then(|| {
            let token = random_secret("", TOKEN_BYTES);
            self.refresh.insert(
                token.clone(),
                RefreshGrant {
                    account_id,
                    scopes: scopes.clone(),
                    family,
                    used: false,
                },
            );
            token
        });
        TokenSet {
            access_token,
            refresh_token,
            expires_in: lifetime,
            scopes,
        }
    }

    fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    fn revoke_family(&mut self, family: u64) {
        self.access.retain(|_, a| a.family != family);
        self.refresh.retain(|_, r| r.family != family);
        self.codes.retain(|_, c| c.family != family);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn approved(store: &mut OAuthStore) -> String {
        let scopes = BTreeSet::from([String::from("read:jira-work"), String::from(OFFLINE_ACCESS)]);
        let id = store.begin_consent(
            scopes,
            String::from("http://127.0.0.1:9/cb"),
            String::from("s"),
        );
        let consent = store.take_consent(&id).expect("consent is open");
        store.issue_code(String::from("acct"), &consent)
    }

    #[test]
    fn refresh_rotates_and_reuse_revokes_the_family() {
        let mut store = OAuthStore::default();
        let code = approved(&mut store);
        let first = store
            .exchange_code(&code, "http://127.0.0.1:9/cb", HOUR)
            .expect("code redeems");
        let old_refresh = first
            .refresh_token
            .expect("offline_access gives a refresh token");
        let second = store
            .refresh(&old_refresh, HOUR)
            .expect("refresh works once");
        let new_refresh = second.refresh_token.expect("rotated");
        assert_ne!(new_refresh, old_refresh);
        assert!(store.access(&second.access_token).is_some());

        assert_eq!(
            store.refresh(&old_refresh, HOUR).err(),
            Some(GrantError::UnknownRefreshToken)
        );
        assert!(
            store.access(&second.access_token).is_none(),
            "family revoked"
        );
        assert!(
            store.access(&first.access_token).is_none(),
            "family revoked"
        );
        assert_eq!(
            store.refresh(&new_refresh, HOUR).err(),
            Some(GrantError::UnknownRefreshToken)
        );
    }

    #[test]
    fn a_code_redeems_once_and_only_at_its_redirect_uri() {
        let mut store = OAuthStore::default();
        let code = approved(&mut store);
        assert_eq!(
            store
                .exchange_code(&code, "http://127.0.0.1:9/other", HOUR)
                .err(),
            Some(GrantError::RedirectMismatch)
        );
        let tokens = store
            .exchange_code(&code, "http://127.0.0.1:9/cb", HOUR)
            .expect("redeems");
        assert_eq!(
            store
                .exchange_code(&code, "http://127.0.0.1:9/cb", HOUR)
                .err(),
            Some(GrantError::UnknownCode)
        );
        assert!(
            store.access(&tokens.access_token).is_none(),
            "replayed code revokes its tokens"
        );
    }

    #[test]
    fn client_tokens_have_no_refresh_token_and_expire() {
        let mut store = OAuthStore::default();
        let scopes = BTreeSet::from([String::from("read:jira-work"), String::from(OFFLINE_ACCESS)]);
        let live = store.issue_client_token(
            AppClientIndex::CONFIGURED,
            String::from("app"),
            scopes.clone(),
            HOUR,
        );
        assert!(live.refresh_token.is_none());
        assert_eq!(
            store.access(&live.access_token),
            Some((
                String::from("app"),
                scopes.clone(),
                OAuthApp::ClientCredentials(AppClientIndex::CONFIGURED)
            ))
        );
        let again = store.issue_client_token(
            AppClientIndex::CONFIGURED,
            String::from("app"),
            scopes.clone(),
            HOUR,
        );
        assert_ne!(again.access_token, live.access_token);
        let expired = store.issue_client_token(
            AppClientIndex::CONFIGURED,
            String::from("app"),
            scopes,
            Duration::ZERO,
        );
        assert!(store.access(&expired.access_token).is_none());
        assert!(
            store.access(&live.access_token).is_some(),
            "others unaffected"
        );
    }

    #[test]
    fn an_expired_access_token_is_refused() {
        let mut store = OAuthStore::default();
        let code = approved(&mut store);
        let tokens = store
            .exchange_code(&code, "http://127.0.0.1:9/cb", Duration::ZERO)
            .expect("redeems");
        assert!(store.access(&tokens.access_token).is_none());
    }
}
