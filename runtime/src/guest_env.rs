//! The guest's environment (`wasi:cli/environment`): the app's own config variables and
//! the host's `KILN_` entries, never anything of the host process's environment.
//!
//! What is in it, for an invocation of app A in environment E:
//! - A's config variables in E ([`kiln_state::variables`], set by the operator with
//!   `runtime variables set`), encrypted ones opened: read from the app storage the runtime
//!   was given, at the start of every invocation of a component that imports
//!   `wasi:cli/environment` (one that cannot read them does not pay for them), so a change
//!   is seen by the next invocation; `runtime serve` reuses a read for one second
//!   ([`crate::storage::variables`]), so there a change reaches every replica sharing the
//!   database within that second;
//! - [`WEB_TRIGGER_URLS`]: under `runtime serve`, the installation's web trigger URLs as a
//!   JSON object `{moduleKey: url}` (`webTrigger.getUrl`); absent under `runtime run`,
//!   which serves no URL.
//!
//! Why the environment and not the WIT: `kiln:app@0.2.0` is frozen, and its `context` has
//! no field for either. `wasi:cli/environment` is already linked for every guest (Rust's
//! std imports it); it returned an empty list. Handing the app's own configuration through
//! it is what an environment is for, and gives Rust guests `std::env::var` for free.
//!
//! The threat beside it: the host's environment holds the operator's credentials
//! (`KILN_STORAGE_KEY`, tokens, `DATABASE_URL`…). Nothing here reads `std::env`: the list
//! is built from the state database and the host's own URLs only, and the operator cannot
//! set a `KILN_` name ([`kiln_state::variables::RESERVED_PREFIX`]). `Debug` shows names,
//! never values.

use std::sync::Arc;

use kiln_state::VariableError;
use secrecy::{ExposeSecret, SecretString};

use crate::storage::StorageHost;

/// The entry that carries the installation's web trigger URLs.
pub const WEB_TRIGGER_URLS: &str = "KILN_WEBTRIGGER_URLS";

/// An installation's web trigger URLs as the guest is given them: the [`WEB_TRIGGER_URLS`]
/// entry's JSON object `{moduleKey: url}`, written once when the list is made. `runtime
/// serve` keeps an installation's list for a second and invokes with it many times; each
/// invocation then copies the text, instead of building and serializing the object anew.
/// Cheap to clone. `Debug` shows how many URLs, never one: a URL's id is the credential of
/// the trigger.
#[derive(Clone, Default)]
pub struct WebTriggerUrls {
    count: usize,
    /// `None` for no URL: no entry is given.
    json: Option<Arc<str>>,
}

impl WebTriggerUrls {
    /// The list of (module key, URL).
    pub fn new(urls: &[(String, String)]) -> Self {
        if urls.is_empty() {
            return Self::default();
        }
        let object: serde_json::Map<String, serde_json::Value> = urls
            .iter()
            .map(|(key, url)| (key.clone(), serde_json::Value::String(url.clone())))
            .collect();
        Self {
            count: urls.len(),
            json: Some(serde_json::Value::Object(object).to_string().into()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.json.is_none()
    }
}

impl std::fmt::Debug for WebTriggerUrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebTriggerUrls")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// One invocation's environment. Cheap to clone.
#[derive(Clone, Default)]
pub struct GuestEnvironment(Arc<[(String, SecretString)]>);

impl std::fmt::Debug for GuestEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl GuestEnvironment {
    /// The environment of `app_id` in `environment`: its variables from `storage` (none
    /// without storage) and, when given, the web trigger URLs.
    pub async fn load(
        storage: Option<&StorageHost>,
        app_id: &str,
        environment: &str,
        web_trigger_urls: &WebTriggerUrls,
    ) -> Result<Self, VariableError> {
        let mut pairs: Vec<(String, SecretString)> = match storage {
            Some(storage) => storage.variables(app_id, environment).await?.to_vec(),
            None => Vec::new(),
        };
        if let Some(json) = &web_trigger_urls.json {
            pairs.push((WEB_TRIGGER_URLS.to_owned(), SecretString::from(&**json)));
        }
        Ok(Self(pairs.into()))
    }

    /// The names and values, for the WASI context.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.expose_secret()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use kiln_state::AppVariables;

    use super::*;

    #[tokio::test]
    async fn holds_the_apps_variables_and_urls_and_nothing_of_the_host() {
        let storage = crate::runtime::in_memory_storage().unwrap();
        let vars = AppVariables::open(storage.storage(), "app", "development")
            .await
            .unwrap();
        vars.set(
            &kiln_state::VariableName::new("API_KEY").unwrap(),
            &SecretString::from("k".to_owned()),
            true,
        )
        .await
        .unwrap();
        let env = GuestEnvironment::load(
            Some(&storage),
            "app",
            "development",
            &WebTriggerUrls::new(&[("hook".into(), "http://127.0.0.1:1/x/y".into())]),
        )
        .await
        .unwrap();
        let pairs: Vec<(&str, &str)> = env.pairs().collect();
        assert_eq!(
            pairs,
            vec![
                ("API_KEY", "k"),
                (WEB_TRIGGER_URLS, r#"{"hook":"http://127.0.0.1:1/x/y"}"#)
            ]
        );
        assert_eq!(format!("{env:?}"), r#"["API_KEY", "KILN_WEBTRIGGER_URLS"]"#);
        let urls = WebTriggerUrls::new(&[("hook".into(), "http://127.0.0.1:1/x1/secret".into())]);
        assert_eq!(format!("{urls:?}"), "WebTriggerUrls { count: 1, .. }");
        // Another environment of the same app sees nothing.
        let other =
            GuestEnvironment::load(Some(&storage), "app", "production", &Default::default())
                .await
                .unwrap();
        assert!(other.is_empty());
        assert!(
            GuestEnvironment::load(None, "app", "development", &Default::default())
                .await
                .unwrap()
                .is_empty()
        );
    }
}
