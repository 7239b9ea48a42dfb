//! What the server hosts: sites (each with its own runtime, Jira client and credentials),
//! apps (component + manifest), and installations (app × site × environment) made live by
//! loading the app into its site's runtime.
//!
//! The installations registry in kiln-state is the truth of what is installed; this is the
//! live view of it, for the apps and sites this process serves.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use kiln_manifest::{DeclaredScopes, Manifest, Scope};
use kiln_runtime::compiled::HashedComponent;
use kiln_runtime::consent::{ComponentDigest, OperatorPolicy};
use kiln_runtime::{LoadedApp, Runtime};
use kiln_sim::Simulator;
use kiln_state::Installation;
use kiln_state::serve::{ComponentSha256, GrantIdentity, InstallRecord, SiteBinding};
use secrecy::SecretSlice;
use tokio::sync::Mutex;

/// An app this process serves: its component and manifest, as the CLI resolved them.
pub struct AppBundle {
    /// The component's bytes with their SHA-256, hashed once when the bundle is made:
    /// each site's runtime loads it without hashing it again. Shared by every bundle of
    /// the same component (see [`AppBundles`]).
    pub wasm: Arc<HashedComponent>,
    pub manifest: Manifest,
    /// Where it came from, for messages.
    pub origin: PathBuf,
    /// SHA-256 of `wasm`: the code an installation's approval is bound to.
    pub sha256: ComponentSha256,
}

/// The apps a server is given, keeping one copy of each component's bytes: a server with a
/// hundred apps of one build holds it once, not a hundred times (each site's runtime
/// likewise keeps one compiled copy, `kiln_runtime::compiled`). A duplicate is dropped as
/// it is added, so even starting up never holds them all.
#[derive(Default)]
pub struct AppBundles {
    bundles: Vec<AppBundle>,
    components: HashMap<ComponentSha256, Arc<HashedComponent>>,
}

impl AppBundles {
    pub fn push(&mut self, wasm: Vec<u8>, manifest: Manifest, origin: PathBuf) {
        let component = HashedComponent::new(wasm);
        let digest = ComponentDigest::from(component.sha());
        let sha256 = ComponentSha256::new(digest.as_str())
            .expect("a SHA-256 in hex is 64 lowercase hex digits");
        let wasm = self
            .components
            .entry(sha256.clone())
            .or_insert_with(|| Arc::new(component))
            .clone();
        self.bundles.push(AppBundle {
            wasm,
            manifest,
            origin,
            sha256,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &AppBundle> {
        self.bundles.iter()
    }

    /// How many distinct components the apps share.
    pub fn components(&self) -> usize {
        self.components.len()
    }
}

/// A Jira site the server talks to.
pub struct SiteHost {
    /// Its name in `kiln.toml` and in the webhook path (`simulator` for the embedded one).
    pub name: String,
    /// The installation's `site` part: the site URL, or `simulator`.
    pub key: String,
    pub runtime: Runtime,
    /// The account `as_user()` acts as, passed to apps in their context.
    pub account_id: Option<String>,
    /// Accounts whose Jira writes are every app's own on this site (a configured site's
    /// one service account, which each app's both principals act as): events they caused
    /// are `selfGenerated` for each installation. An app's own account on the embedded
    /// simulator is its installation's alone ([`Installed::app_account`]).
    pub self_accounts: Vec<String>,
    /// The shared secret of Jira's admin webhook (`X-Hub-Signature`); `None`: the site's
    /// webhooks are refused.
    pub webhook_secret: Option<SecretSlice<u8>>,
    /// A 3LO login's OAuth client secret: deliveries of the dynamic webhooks it registered
    /// carry a bearer JWT signed with it (`webhook::bearer`). `None`: not a 3LO site.
    pub oauth_client_secret: Option<SecretSlice<u8>>,
    pub grant: GrantIdentity,
    /// The site an approval on it is bound to: origin and cloud id.
    pub binding: SiteBinding,
    /// Kept alive while the server runs.
    pub simulator: Option<Simulator>,
}

/// A live installation.
pub struct Installed {
    pub installation: Installation,
    pub site: Arc<SiteHost>,
    pub app: Arc<LoadedApp>,
    /// The approved scopes (every declared scope: an installation approves them all).
    pub scopes: DeclaredScopes,
    /// The digest of the code this host loaded for it (see `consent::runs_approved`).
    pub component: ComponentSha256,
    /// The account its `asApp()` calls act as on the embedded simulator, where each app is
    /// a user of its own as on Jira, the first served included
    /// (`kiln_sim::Simulator::app_account_id`): what it writes is authored by this account,
    /// and its `ignoreSelf` drops the events this account caused, never another app's.
    /// `None` on a configured site, whose one service account is in `self_accounts`.
    pub app_account: Option<String>,
    /// The client id of its app's integration on the embedded simulator
    /// (`kiln_sim::Simulator::app_client_for`), which both its principals call through
    /// (`asApp()` with the integration's token, `asUser()` with the API token of the
    /// user given to it, `kiln_sim::Simulator::user_token_for`): the simulator names it in
    /// the webhooks of what the app wrote ([`kiln_sim::ACTING_APP_FIELD`]). `None` on a
    /// configured site.
    pub app_client_id: Option<String>,
}

/// Who caused an event, as one installation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The installation's own write: `selfGenerated`, dropped by `ignoreSelf`, bounded by
    /// the loop guard.
    OwnWrite,
    /// Another app's write: the embedded simulator names another integration as the one
    /// that wrote, or the actor is another installation's own app account. Not
    /// `selfGenerated`, so `ignoreSelf` lets it through, but bounded by the loop guard as
    /// an app's own writes are: two apps answering each other's writes would otherwise run
    /// forever, each one's replies the other's events.
    AnotherApp,
    /// A person, or no one named.
    Other,
}

impl Installed {
    pub fn manifest(&self) -> &Manifest {
        self.app.manifest()
    }

    /// Who caused an event `actor` caused, for this installation. `acting_app`: the client
    /// id of the app integration the embedded simulator says made the write (`None` on a
    /// configured site, whose deliveries are not trusted to say it, or for a write no app
    /// made).
    ///
    /// As on Forge, an event is an app's own when its own calls caused it, whichever
    /// principal they used: on the simulator, when the acting integration is this app's.
    /// Every app's `asUser()` acts as one person there, so the actor alone cannot say it;
    /// a person (or a test) writing with that user's own token is no app, whatever the
    /// number of apps. Its own account's writes, and on a configured site the writes of
    /// the account every app there acts as, are its own too. Any other app's write, by the
    /// integration the simulator names or by the own account of another installation in
    /// `on_site` (the live installations on this site), is [`Cause::AnotherApp`].
    pub fn cause(
        &self,
        actor: Option<&str>,
        acting_app: Option<&str>,
        on_site: &[Arc<Installed>],
    ) -> Cause {
        let own_app = self.app_client_id.is_some() && self.app_client_id.as_deref() == acting_app;
        let own_account = actor.is_some_and(|actor| {
            self.app_account.as_deref() == Some(actor)
                || self.site.self_accounts.iter().any(|a| a == actor)
        });
        let another_apps_account = actor.is_some_and(|actor| {
            on_site
                .iter()
                .any(|other| other.app_account.as_deref() == Some(actor))
        });
        if own_app || own_account {
            Cause::OwnWrite
        } else if acting_app.is_some() || another_apps_account {
            Cause::AnotherApp
        } else {
            Cause::Other
        }
    }
}

/// Why an installation cannot be made live.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("this server does not serve app {0:?}")]
    UnknownApp(String),
    #[error("this server does not know site {0:?}")]
    UnknownSite(String),
    #[error(
        "the approved scopes miss {missing:?}, which the app declares; approve every declared scope"
    )]
    ScopesNotApproved { missing: Vec<String> },
    #[error("cannot load app {app:?}: {message}")]
    Load { app: String, message: String },
}

pub struct Host {
    /// The operator policy: forbidden scopes (enforced by each site's runtime) and code
    /// pre-approved by digest (see `consent`).
    pub policy: OperatorPolicy,
    bundles: BTreeMap<String, AppBundle>,
    sites: BTreeMap<String, Arc<SiteHost>>,
    loaded: Mutex<HashMap<(String, String), Arc<LoadedApp>>>,
    installed: RwLock<HashMap<Installation, Arc<Installed>>>,
}

impl Host {
    pub fn new(bundles: AppBundles, sites: Vec<SiteHost>, policy: OperatorPolicy) -> Self {
        Self {
            policy,
            bundles: bundles
                .bundles
                .into_iter()
                .map(|b| (b.manifest.app.id.clone(), b))
                .collect(),
            sites: sites
                .into_iter()
                .map(|s| (s.name.clone(), Arc::new(s)))
                .collect(),
            loaded: Mutex::new(HashMap::new()),
            installed: RwLock::new(HashMap::new()),
        }
    }

    pub fn bundle(&self, app_id: &str) -> Option<&AppBundle> {
        self.bundles.get(app_id)
    }

    pub fn bundles(&self) -> impl Iterator<Item = &AppBundle> {
        self.bundles.values()
    }

    pub fn site(&self, name: &str) -> Option<&Arc<SiteHost>> {
        self.sites.get(name)
    }

    pub fn sites(&self) -> impl Iterator<Item = &Arc<SiteHost>> {
        self.sites.values()
    }

    pub fn site_by_key(&self, key: &str) -> Option<&Arc<SiteHost>> {
        self.sites.values().find(|s| s.key == key)
    }

    pub fn installed(&self, installation: &Installation) -> Option<Arc<Installed>> {
        self.installed
            .read()
            .ok()
            .and_then(|map| map.get(installation).cloned())
    }

    /// Live installations, in a stable order.
    pub fn all_installed(&self) -> Vec<Arc<Installed>> {
        let mut all: Vec<Arc<Installed>> = self
            .installed
            .read()
            .map(|map| map.values().cloned().collect())
            .unwrap_or_default();
        all.sort_by(|a, b| a.installation.cmp(&b.installation));
        all
    }

    /// Live installations on one site.
    pub fn installed_on(&self, site: &SiteHost) -> Vec<Arc<Installed>> {
        self.all_installed()
            .into_iter()
            .filter(|i| i.installation.site() == site.key)
            .collect()
    }

    pub fn deactivate(&self, installation: &Installation) {
        if let Ok(mut map) = self.installed.write() {
            map.remove(installation);
        }
    }

    /// Makes a registered installation live: loads its app into its site's runtime (once
    /// per app and site) and checks its approval covers what the app declares. A held
    /// installation is made live too (so it can be listed and approved) but runs nothing.
    pub async fn activate(&self, record: &InstallRecord) -> Result<Arc<Installed>, HostError> {
        let installation = &record.installation;
        let bundle = self
            .bundles
            .get(installation.app_id())
            .ok_or_else(|| HostError::UnknownApp(installation.app_id().to_owned()))?;
        let site = self
            .site_by_key(installation.site())
            .ok_or_else(|| HostError::UnknownSite(installation.site().to_owned()))?
            .clone();
        let approved: DeclaredScopes = record
            .scopes
            .as_slice()
            .iter()
            .filter_map(|s| s.as_str().parse::<Scope>().ok())
            .collect();
        let missing: Vec<String> = bundle
            .manifest
            .declared_scopes()
            .iter()
            .filter(|s| !approved.contains(*s))
            .map(|s| s.as_str().to_owned())
            .collect();
        if !missing.is_empty() && record.hold.is_none() {
            return Err(HostError::ScopesNotApproved { missing });
        }
        let app = self.load(bundle, &site).await?;
        // `load` made the app's integration; asking again gives the same.
        let own = site
            .simulator
            .as_ref()
            .and_then(|simulator| simulator.app_client_for(&bundle.manifest.app.id).ok());
        let app_account = site
            .simulator
            .as_ref()
            .zip(own.as_ref())
            .and_then(|(simulator, own)| simulator.app_account_id(&own.client_id));
        let installed = Arc::new(Installed {
            installation: installation.clone(),
            site,
            app,
            scopes: bundle.manifest.declared_scopes(),
            component: bundle.sha256.clone(),
            app_account,
            app_client_id: own.map(|own| own.client_id),
        });
        if let Ok(mut map) = self.installed.write() {
            map.insert(installation.clone(), installed.clone());
        }
        Ok(installed)
    }

    async fn load(&self, bundle: &AppBundle, site: &SiteHost) -> Result<Arc<LoadedApp>, HostError> {
        let app_id = bundle.manifest.app.id.clone();
        let mut loaded = self.loaded.lock().await;
        if let Some(app) = loaded.get(&(app_id.clone(), site.name.clone())) {
            return Ok(app.clone());
        }
        let failed = |message: String| HostError::Load {
            app: app_id.clone(),
            message,
        };
        let component = HashedComponent::clone(&bundle.wasm);
        let manifest = bundle.manifest.clone();
        let app = match &site.simulator {
            // On the embedded simulator each app calls as an app integration of its own,
            // as each Forge app does on Jira: what Jira keys by the app (app properties,
            // its custom fields' values) is then each app's alone, though the apps share
            // the site. A configured site has the one credential its operator gave.
            Some(simulator) => {
                let own = simulator
                    .app_client_for(&app_id)
                    .map_err(|e| failed(e.to_string()))?;
                let client = crate::sites::simulator_client(simulator, &own).map_err(failed)?;
                site.runtime
                    .load_hashed_with_client(component, manifest, client)
                    .await
            }
            None => site.runtime.load_hashed(component, manifest).await,
        }
        .map_err(|e| failed(e.to_string()))?;
        let app = Arc::new(app);
        loaded.insert((app_id, site.name.clone()), app.clone());
        Ok(app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(id: &str) -> Manifest {
        Manifest::from_yaml(&format!(
            "app:\n  id: {id}\nmodules:\n  function:\n    - key: main\n      handler: main\n"
        ))
        .unwrap()
    }

    #[test]
    fn apps_of_one_component_share_its_bytes() {
        let mut bundles = AppBundles::default();
        bundles.push(b"one build".to_vec(), manifest("a"), "a.wasm".into());
        bundles.push(b"one build".to_vec(), manifest("b"), "b.wasm".into());
        bundles.push(b"another build".to_vec(), manifest("c"), "c.wasm".into());
        assert_eq!(bundles.components(), 2);
        let all: Vec<&AppBundle> = bundles.iter().collect();
        assert!(Arc::ptr_eq(&all[0].wasm, &all[1].wasm));
        assert!(!Arc::ptr_eq(&all[0].wasm, &all[2].wasm));
        assert_eq!(all[0].sha256, all[1].sha256);
        assert_eq!(all[2].wasm.bytes(), b"another build");
        assert_eq!(
            all[2].sha256.as_str(),
            ComponentDigest::of(b"another build").as_str(),
            "the bundle's digest is of its own bytes"
        );
        assert_eq!(
            all[1].manifest.app.id, "b",
            "each app keeps its own manifest"
        );
    }
}
