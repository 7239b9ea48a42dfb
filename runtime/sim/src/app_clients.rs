//! The site's client-credentials integrations: the one it starts with, and one
//! more for each further app a host runs on it.
//!
//! Jira keys what an app owns by the app: its Forge app properties, the values
//! of its custom fields, its dynamic webhooks. On Jira every Forge app is an
//! integration of its own, so one app never reads or writes another's. A host
//! that runs several apps against this site (`runtime serve APP APP`) asks for
//! an integration per app ([`AppClients::for_app`]): the first app to ask is
//! given the site's configured integration (so a single app, `runtime run`,
//! calls with the client id and secret `SimConfig::app_client` names, as
//! before), each other app a new one with the same scopes but its own client
//! id and secret.
//!
//! Every app given an integration, the first included, acts as an account of
//! its own (`world/app_account.rs`): on Jira each app is a user of the site,
//! so what app B writes is not app A's, app A's `ignoreSelf` keeps app B's
//! events, and no app's writes are a person's. The configured integration acts
//! as its seeded user (`AppClientConfig::acts_as`) only while no app has been
//! given it: a host that calls with it directly, as a script or a test does,
//! acts as that person, as it always has. Asking again for the same app gives
//! the same integration and account, so an app loaded twice keeps what it
//! owns.
//!
//! Each app given an integration also gets an API token of the integration's
//! person (`acts_as`) of its own ([`AppClients::user_token`]): its `asUser()`
//! credential. It is that person's token in every way (same account, same
//! permissions, same `/myself`), but the site knows which app it was given
//! to, so what it writes is attributed to that app in the webhooks it causes,
//! as Forge knows which app an `asUser()` call came from (its tokens are
//! minted per app and user). A 3LO grant of the app's integration would be
//! closer to Forge's token, but would move every `asUser()` call to the
//! gateway and limit it to the integration's scopes, changing what apps read
//! on the simulator; an API token keeps them as they are.

use std::sync::RwLock;

use subtle::ConstantTimeEq as _;

use crate::config::AppClientConfig;

/// Integrations a site makes for apps beyond its configured one. Each holds a
/// few strings; the bound keeps a host that loads apps in a loop (or a bug)
/// from growing the site without end. A host serving more apps than this on
/// one simulator gets [`TooManyApps`] for the rest.
pub const MAX_APP_CLIENTS: usize = 1_000;

/// Bytes of a made integration's random client secret, as the configured one's.
const SECRET_BYTES: usize = 48;

/// Which of the site's integrations a token was issued to: an index into
/// [`AppClients`], `0` being the configured one. Small and `Copy`, as tokens
/// carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AppClientIndex(usize);

impl AppClientIndex {
    /// The integration the site was configured with.
    #[cfg(test)]
    pub(crate) const CONFIGURED: Self = Self(0);
}

/// The site holds [`MAX_APP_CLIENTS`] integrations already.
#[derive(Debug, thiserror::Error)]
#[error("the simulator holds {MAX_APP_CLIENTS} app integrations, its most")]
pub struct TooManyApps;

/// An integration and the app it was given to (`None`: not given yet).
struct Entry {
    client: AppClientConfig,
    app_id: Option<String>,
    /// The app's own account its tokens act as; `None` while the configured
    /// integration is given to no app (it then acts as `client.acts_as`), and
    /// for one given on a site without that user (whose tokens then fail as
    /// the configured one's do).
    account: Option<String>,
    /// The app's own API token of `client.acts_as` (see the module
    /// documentation); `None` while the integration is given to no app.
    user_token: Option<String>,
}

/// An app's own API token of the person its `asUser()` acts as
/// ([`crate::Simulator::user_token_for`]). Basic auth with `email` and
/// `token` acts as that person, attributed to the app. Its `Debug` hides the
/// token.
#[derive(Clone, PartialEq, Eq)]
pub struct AppUserToken {
    pub email: String,
    pub token: String,
}

impl std::fmt::Debug for AppUserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppUserToken")
            .field("email", &self.email)
            .field("token", &"<redacted>")
            .finish()
    }
}

pub(crate) struct AppClients {
    entries: RwLock<Vec<Entry>>,
}

impl AppClients {
    pub(crate) fn new(configured: AppClientConfig) -> Self {
        Self {
            entries: RwLock::new(vec![Entry {
                client: configured,
                app_id: None,
                account: None,
                user_token: None,
            }]),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Entry>> {
        // Every write leaves the list whole before anything that can panic.
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The integration the site was configured with.
    pub(crate) fn configured(&self) -> AppClientConfig {
        self.read()[0].client.clone()
    }

    /// The integration of `app_id`, given on first ask (see the module
    /// documentation). Its account is made by `make_account` (given the
    /// configured integration), called only then: at most once per app and
    /// never past [`MAX_APP_CLIENTS`].
    pub(crate) fn for_app(
        &self,
        app_id: &str,
        make_account: impl FnOnce(&AppClientConfig) -> Option<String>,
    ) -> Result<AppClientConfig, TooManyApps> {
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(entry) = entries.iter().find(|e| e.app_id.as_deref() == Some(app_id)) {
            return Ok(entry.client.clone());
        }
        if entries[0].app_id.is_none() {
            let account = make_account(&entries[0].client);
            let configured = &mut entries[0];
            configured.app_id = Some(app_id.to_owned());
            configured.account = account;
            configured.user_token = Some(crate::user::new_api_token());
            return Ok(configured.client.clone());
        }
        if entries.len() >= MAX_APP_CLIENTS {
            return Err(TooManyApps);
        }
        let template = &entries[0].client;
        let client = AppClientConfig {
            client_id: format!("{}-app-{}", template.client_id, entries.len()),
            client_secret: crate::user::random_secret("", SECRET_BYTES),
            scopes: template.scopes.clone(),
            // The person whose permissions the app's account was made with.
            acts_as: template.acts_as.clone(),
            access_token_lifetime: template.access_token_lifetime,
        };
        let account = make_account(template);
        entries.push(Entry {
            client: client.clone(),
            app_id: Some(app_id.to_owned()),
            account,
            user_token: Some(crate::user::new_api_token()),
        });
        Ok(client)
    }

    /// The integration `client_id` names, with its index.
    pub(crate) fn find(&self, client_id: &str) -> Option<(AppClientIndex, AppClientConfig)> {
        self.read()
            .iter()
            .enumerate()
            .find(|(_, e)| e.client.client_id == client_id)
            .map(|(i, e)| (AppClientIndex(i), e.client.clone()))
    }

    /// The app account the integration at `index` acts as, when it has one
    /// of its own (see [`Entry::account`]).
    pub(crate) fn account(&self, index: AppClientIndex) -> Option<String> {
        self.read().get(index.0).and_then(|e| e.account.clone())
    }

    /// The client id of the integration at `index`.
    pub(crate) fn client_id(&self, index: AppClientIndex) -> Option<String> {
        self.read().get(index.0).map(|e| e.client.client_id.clone())
    }

    /// The API token of its person the integration `client_id` was given for
    /// its app's `asUser()` calls; `None` for an unknown client id or one
    /// given to no app.
    pub(crate) fn user_token(&self, client_id: &str) -> Option<AppUserToken> {
        self.read()
            .iter()
            .find(|e| e.client.client_id == client_id)
            .and_then(|e| {
                Some(AppUserToken {
                    email: e.client.acts_as.clone(),
                    token: e.user_token.clone()?,
                })
            })
    }

    /// The integration whose app was given `token` ([`Self::user_token`])
    /// for the person `email`, with that person's email. Every token is
    /// compared, in constant time, so response timing tells nothing of which
    /// (or how much of one) a guess matched.
    pub(crate) fn with_user_token(&self, email: &str, token: &str) -> Option<AppClientIndex> {
        let mut found = None;
        for (i, entry) in self.read().iter().enumerate() {
            let Some(own) = &entry.user_token else {
                continue;
            };
            let same = bool::from(own.as_bytes().ct_eq(token.as_bytes()));
            if same && found.is_none() && entry.client.acts_as.eq_ignore_ascii_case(email) {
                found = Some(AppClientIndex(i));
            }
        }
        found
    }

    /// Whether `client_id` is one of the site's client-credentials integrations.
    pub(crate) fn contains(&self, client_id: &str) -> bool {
        self.read().iter().any(|e| e.client.client_id == client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clients() -> AppClients {
        AppClients::new(AppClientConfig::default())
    }

    /// An account maker that names each account after its app and counts
    /// how often it was asked.
    fn for_app(clients: &AppClients, app_id: &str, made: &mut usize) -> AppClientConfig {
        clients
            .for_app(app_id, |_| {
                *made += 1;
                Some(format!("account-of-{app_id}"))
            })
            .unwrap()
    }

    #[test]
    fn the_first_app_gets_the_configured_integration_and_others_their_own() {
        let clients = clients();
        let configured = clients.configured();
        let mut made = 0;
        let a = for_app(&clients, "app-a", &mut made);
        let b = for_app(&clients, "app-b", &mut made);
        assert_eq!(a.client_id, configured.client_id);
        assert_ne!(b.client_id, a.client_id);
        assert_ne!(b.client_secret, a.client_secret);
        assert_eq!(b.scopes, a.scopes);
        // Asked again, each app keeps its own.
        assert_eq!(for_app(&clients, "app-b", &mut made).client_id, b.client_id);
        assert_eq!(for_app(&clients, "app-a", &mut made).client_id, a.client_id);
        let (index, found) = clients.find(&b.client_id).unwrap();
        assert_eq!(found.client_secret, b.client_secret);
        assert_eq!(
            clients.client_id(index).as_deref(),
            Some(b.client_id.as_str())
        );
        assert!(clients.contains(&a.client_id) && clients.contains(&b.client_id));
        assert!(!clients.contains("someone-else"));
        // Each app, the one given the configured integration included, acts
        // as the account made for it, made once.
        let (configured_index, _) = clients.find(&a.client_id).unwrap();
        assert_eq!(configured_index, AppClientIndex::CONFIGURED);
        assert_eq!(
            clients.account(configured_index).as_deref(),
            Some("account-of-app-a")
        );
        assert_eq!(clients.account(index).as_deref(), Some("account-of-app-b"));
        assert_eq!(made, 2);
    }

    #[test]
    fn the_configured_integration_has_no_account_of_its_own_until_an_app_is_given_it() {
        let clients = clients();
        let (index, _) = clients.find(&clients.configured().client_id).unwrap();
        // It acts as its seeded user meanwhile (`Shared::acting_account`).
        assert_eq!(clients.account(index), None);
        let mut made = 0;
        for_app(&clients, "app-a", &mut made);
        assert_eq!(clients.account(index).as_deref(), Some("account-of-app-a"));
    }

    #[test]
    fn each_app_gets_a_user_token_of_its_own() {
        let clients = clients();
        let configured = clients.configured();
        assert_eq!(clients.user_token(&configured.client_id), None);
        let mut made = 0;
        let a = for_app(&clients, "app-a", &mut made);
        let b = for_app(&clients, "app-b", &mut made);
        let token_a = clients.user_token(&a.client_id).unwrap();
        let token_b = clients.user_token(&b.client_id).unwrap();
        assert_eq!(token_a.email, configured.acts_as);
        assert_eq!(token_b.email, configured.acts_as);
        assert_ne!(token_a.token, token_b.token);
        assert!(!format!("{token_a:?}").contains(&token_a.token));
        // Asked again, the same token.
        for_app(&clients, "app-a", &mut made);
        assert_eq!(clients.user_token(&a.client_id), Some(token_a.clone()));
        let (index_b, _) = clients.find(&b.client_id).unwrap();
        assert_eq!(
            clients.with_user_token(&token_b.email.to_uppercase(), &token_b.token),
            Some(index_b)
        );
        assert_eq!(
            clients.with_user_token(&token_a.email, &token_a.token),
            Some(AppClientIndex::CONFIGURED)
        );
        // Only for its person, and only whole.
        assert_eq!(
            clients.with_user_token("other@example.com", &token_a.token),
            None
        );
        assert_eq!(
            clients.with_user_token(&token_a.email, &token_a.token[1..]),
            None
        );
        assert_eq!(clients.with_user_token(&token_a.email, ""), None);
    }

    #[test]
    fn the_site_holds_a_bounded_number() {
        let clients = clients();
        let mut made = 0;
        for i in 0..MAX_APP_CLIENTS {
            for_app(&clients, &format!("app-{i}"), &mut made);
        }
        assert_eq!(made, MAX_APP_CLIENTS);
        let refused = clients.for_app("one-more", |_| {
            made += 1;
            Some(String::from("never"))
        });
        assert!(refused.is_err());
        assert_eq!(made, MAX_APP_CLIENTS, "no account past the bound");
        // Those it holds are still given, with the account made for them.
        let again = for_app(&clients, "app-7", &mut made);
        let (index, _) = clients.find(&again.client_id).unwrap();
        assert_eq!(clients.account(index).as_deref(), Some("account-of-app-7"));
        assert_eq!(made, MAX_APP_CLIENTS);
    }
}
