//! Config variables: Forge's `forge variables set [--encrypt] KEY VALUE`, set per app and
//! environment by the operator (`runtime variables set|list|unset`) and read by the app as
//! its environment (`process.env.KEY` in a JavaScript app, `std::env::var` in Rust).
//!
//! **Where they live.** In app storage ([`AppStorage`]), under a host-only installation per
//! app and environment whose site part is [`VARIABLES_SITE`]. That site can never be an
//! app's own installation: installations are named by the host from the site it runs on,
//! which is a site URL (`https://…`, with `//`) or `kiln-simulator`, never a string without
//! `//` that holds a `:`. So variables share everything app storage already has, on every
//! backend (memory, the SQLite file, PostgreSQL shared by `runtime serve` replicas, which
//! therefore see a change on their next invocation), and the encryption of secrets:
//!
//! - a plain variable is one value entry, `var.NAME` → `{"encrypted": false, "value": …}`;
//! - an encrypted one is the same entry with `{"encrypted": true}` (so it is listed by name)
//!   and its value in the **secret** key space under the same key, sealed with the host's
//!   storage key (XChaCha20-Poly1305, bound to this installation and key, rotated by
//!   `runtime storage rotate-key` with every other secret: [`crate::secrets`]).
//!
//! [`list`](AppVariables::list) never returns an encrypted value; only
//! [`environment`](AppVariables::environment), which builds what the guest receives, opens
//! them, and it hands them out as [`SecretString`]s, whose `Debug` is redacted.
//!
//! **Names.** Forge's rule for variable keys (letters, digits and `_`, not starting with a
//! digit), at most [`MAX_NAME_CHARS`]; names starting with `KILN_` (any case) are refused:
//! that prefix is the host's, for what it hands the guest beside the variables (the web
//! trigger URLs, [`RESERVED_PREFIX`]).

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::installation::{Installation, InstallationError};
use crate::secrets::SecretValue;
use crate::storage::{AppStorage, InstallationStorage, StorageError};

/// The site part of the installations that hold variables (see the module docs).
pub const VARIABLES_SITE: &str = "kiln:config-variables";
/// Names the operator cannot set: the host's own entries in the guest's environment.
pub const RESERVED_PREFIX: &str = "KILN_";
/// Longest variable name. Forge does not document one; environment names past this are
/// not config keys but data.
pub const MAX_NAME_CHARS: usize = 100;
/// Largest value, in bytes. Every variable is copied into every invocation's environment,
/// so the total is bounded too ([`MAX_VARIABLES`] × this = 1.6 MiB at most).
pub const MAX_VALUE_BYTES: usize = 16 * 1024;
/// Most variables per app and environment.
pub const MAX_VARIABLES: usize = 100;

const KEY_PREFIX: &str = "var.";
const PAGE: u32 = 100;

/// Why a variable could not be set, read or removed. No variant carries a value.
#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    #[error(
        "`{0}` is not a variable name: use letters, digits and `_`, not starting with a digit, at most {MAX_NAME_CHARS} characters"
    )]
    InvalidName(String),
    #[error("`{0}` starts with `{RESERVED_PREFIX}`, which Kiln reserves for its own entries")]
    Reserved(String),
    #[error("the value is {bytes} bytes, over the {MAX_VALUE_BYTES}-byte limit")]
    ValueTooLong { bytes: usize },
    #[error("the value contains a NUL character, which no environment can hold")]
    ValueNul,
    #[error("the app already has {MAX_VARIABLES} variables in this environment")]
    TooMany,
    #[error("the installation cannot be named: {0}")]
    Installation(#[from] InstallationError),
    #[error("a stored variable is damaged (not in the format Kiln writes)")]
    Damaged,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A validated variable name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VariableName(String);

impl VariableName {
    pub fn new(name: &str) -> Result<Self, VariableError> {
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let rest_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !first_ok || !rest_ok || name.len() > MAX_NAME_CHARS {
            return Err(VariableError::InvalidName(escape(name)));
        }
        if name.to_ascii_uppercase().starts_with(RESERVED_PREFIX) {
            return Err(VariableError::Reserved(name.to_owned()));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A refused name is operator input echoed in an error: only printable ASCII is shown.
fn escape(name: &str) -> String {
    let shown: String = name.chars().take(MAX_NAME_CHARS).collect();
    shown.escape_default().to_string()
}

/// A variable as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedVariable {
    pub name: String,
    pub encrypted: bool,
    /// `None` for an encrypted variable: its value is never listed.
    pub value: Option<String>,
}

/// The variables of one app in one environment.
#[derive(Clone)]
pub struct AppVariables {
    store: InstallationStorage,
}

impl std::fmt::Debug for AppVariables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppVariables")
            .field("installation", self.store.installation())
            .finish_non_exhaustive()
    }
}

impl AppVariables {
    /// The variables of `app_id` in `environment`, in `storage`.
    pub async fn open(
        storage: &AppStorage,
        app_id: &str,
        environment: &str,
    ) -> Result<Self, VariableError> {
        let installation = Self::holder(app_id, environment)?;
        Ok(Self::over(storage.installation(&installation).await?))
    }

    /// The host-only installation that holds the variables of `app_id` in `environment`.
    pub fn holder(app_id: &str, environment: &str) -> Result<Installation, VariableError> {
        Ok(Installation::new(app_id, VARIABLES_SITE, environment)?)
    }

    /// The variables in `store`, the storage of a [`holder`](Self::holder) installation
    /// (a host that caches opened installations passes its cached handle).
    pub fn over(store: InstallationStorage) -> Self {
        Self { store }
    }

    /// Sets `name` to `value`, encrypted at rest when `encrypted`. Setting a name again
    /// replaces its value and its encryption.
    pub async fn set(
        &self,
        name: &VariableName,
        value: &SecretString,
        encrypted: bool,
    ) -> Result<(), VariableError> {
        let text = value.expose_secret();
        if text.len() > MAX_VALUE_BYTES {
            return Err(VariableError::ValueTooLong { bytes: text.len() });
        }
        if text.contains('\0') {
            return Err(VariableError::ValueNul);
        }
        let key = storage_key(name);
        if self.store.get(&key).await?.is_none() && self.count().await? >= MAX_VARIABLES {
            return Err(VariableError::TooMany);
        }
        if encrypted {
            // The secret first: the entry that says "encrypted" never points at nothing.
            self.store
                .set_secret(&key, &SecretValue::new(Value::String(text.to_owned())))
                .await?;
            self.store.set(&key, &json!({ "encrypted": true })).await?;
        } else {
            self.store
                .set(&key, &json!({ "encrypted": false, "value": text }))
                .await?;
            self.store.delete_secret(&key).await?;
        }
        Ok(())
    }

    /// Removes `name`; returns whether it existed.
    pub async fn unset(&self, name: &VariableName) -> Result<bool, VariableError> {
        let key = storage_key(name);
        let existed = self.store.get(&key).await?.is_some();
        self.store.delete(&key).await?;
        self.store.delete_secret(&key).await?;
        Ok(existed)
    }

    /// Every variable, by name; encrypted ones without their value.
    pub async fn list(&self) -> Result<Vec<ListedVariable>, VariableError> {
        let mut listed = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .query(KEY_PREFIX, cursor.as_deref(), Some(PAGE))
                .await?;
            for entry in page.entries {
                let name = entry
                    .key
                    .strip_prefix(KEY_PREFIX)
                    .ok_or(VariableError::Damaged)?
                    .to_owned();
                let (encrypted, value) = parse_entry(&entry.value)?;
                listed.push(ListedVariable {
                    name,
                    encrypted,
                    value: if encrypted { None } else { value },
                });
            }
            match page.next_cursor {
                Some(next) if listed.len() <= MAX_VARIABLES => cursor = Some(next),
                _ => return Ok(listed),
            }
        }
    }

    /// What the guest receives: every variable with its value, encrypted ones opened.
    pub async fn environment(&self) -> Result<Vec<(String, SecretString)>, VariableError> {
        let mut environment = Vec::new();
        for variable in self.list().await? {
            let value = if variable.encrypted {
                let key = format!("{KEY_PREFIX}{}", variable.name);
                match self.store.get_secret(&key).await? {
                    Some(secret) => match secret.expose_secret() {
                        Value::String(text) => SecretString::from(text.clone()),
                        _ => return Err(VariableError::Damaged),
                    },
                    None => return Err(VariableError::Damaged),
                }
            } else {
                SecretString::from(variable.value.ok_or(VariableError::Damaged)?)
            };
            environment.push((variable.name, value));
        }
        Ok(environment)
    }

    async fn count(&self) -> Result<usize, VariableError> {
        Ok(self.list().await?.len())
    }
}

fn storage_key(name: &VariableName) -> String {
    format!("{KEY_PREFIX}{}", name.as_str())
}

fn parse_entry(value: &Value) -> Result<(bool, Option<String>), VariableError> {
    let encrypted = value
        .get("encrypted")
        .and_then(Value::as_bool)
        .ok_or(VariableError::Damaged)?;
    let text = value
        .get("value")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if !encrypted && text.is_none() {
        return Err(VariableError::Damaged);
    }
    Ok((encrypted, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{EncryptionKey, SecretCipher};
    use crate::storage::StorageLimits;

    fn storage() -> AppStorage {
        AppStorage::in_memory(
            StorageLimits::default(),
            SecretCipher::new(EncryptionKey::generate().unwrap()),
        )
    }

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn names_follow_forges_rule_and_kiln_is_reserved() {
        for good in ["API_KEY", "_x", "a1", "MixedCase"] {
            VariableName::new(good).unwrap();
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "é", "A\0", &"A".repeat(101)] {
            assert!(matches!(
                VariableName::new(bad),
                Err(VariableError::InvalidName(_))
            ));
        }
        for reserved in ["KILN_WEBTRIGGER_URLS", "kiln_x", "Kiln_"] {
            assert!(matches!(
                VariableName::new(reserved),
                Err(VariableError::Reserved(_))
            ));
        }
    }

    #[tokio::test]
    async fn set_list_environment_unset() {
        let storage = storage();
        let vars = AppVariables::open(&storage, "app", "development")
            .await
            .unwrap();
        let plain = VariableName::new("PLAIN").unwrap();
        let hidden = VariableName::new("HIDDEN").unwrap();
        vars.set(&plain, &secret("shown"), false).await.unwrap();
        vars.set(&hidden, &secret("s3cret"), true).await.unwrap();

        let listed = vars.list().await.unwrap();
        assert_eq!(
            listed,
            vec![
                ListedVariable {
                    name: "HIDDEN".into(),
                    encrypted: true,
                    value: None
                },
                ListedVariable {
                    name: "PLAIN".into(),
                    encrypted: false,
                    value: Some("shown".into())
                },
            ]
        );
        let env: Vec<(String, String)> = vars
            .environment()
            .await
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, v.expose_secret().to_owned()))
            .collect();
        assert_eq!(
            env,
            vec![
                ("HIDDEN".to_owned(), "s3cret".to_owned()),
                ("PLAIN".to_owned(), "shown".to_owned())
            ]
        );

        // Re-setting in the clear drops the sealed value.
        vars.set(&hidden, &secret("now plain"), false)
            .await
            .unwrap();
        assert!(vars.store.get_secret("var.HIDDEN").await.unwrap().is_none());

        assert!(vars.unset(&plain).await.unwrap());
        assert!(!vars.unset(&plain).await.unwrap());
        assert_eq!(vars.list().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn encrypted_values_are_sealed_not_stored_in_the_clear() {
        let storage = storage();
        let vars = AppVariables::open(&storage, "app", "production")
            .await
            .unwrap();
        let name = VariableName::new("TOKEN").unwrap();
        vars.set(&name, &secret("very-secret-value"), true)
            .await
            .unwrap();
        let entry = vars.store.get("var.TOKEN").await.unwrap().unwrap();
        assert!(!entry.value.to_string().contains("very-secret-value"));
    }

    #[tokio::test]
    async fn variables_are_per_app_and_environment() {
        let storage = storage();
        let name = VariableName::new("A").unwrap();
        let dev = AppVariables::open(&storage, "app", "development")
            .await
            .unwrap();
        dev.set(&name, &secret("dev"), false).await.unwrap();
        for (app, env) in [("app", "production"), ("other", "development")] {
            let vars = AppVariables::open(&storage, app, env).await.unwrap();
            assert!(vars.list().await.unwrap().is_empty());
        }
        // The app's own installation on a site sees none of them as storage.
        let own = storage
            .installation(&Installation::new("app", "kiln-simulator", "development").unwrap())
            .await
            .unwrap();
        assert!(own.query("", None, None).await.unwrap().entries.is_empty());
    }

    #[tokio::test]
    async fn limits_are_enforced() {
        let storage = storage();
        let vars = AppVariables::open(&storage, "app", "development")
            .await
            .unwrap();
        let name = VariableName::new("BIG").unwrap();
        assert!(matches!(
            vars.set(&name, &secret(&"x".repeat(MAX_VALUE_BYTES + 1)), false)
                .await,
            Err(VariableError::ValueTooLong { .. })
        ));
        assert!(matches!(
            vars.set(&name, &secret("a\0b"), true).await,
            Err(VariableError::ValueNul)
        ));
        for i in 0..MAX_VARIABLES {
            let name = VariableName::new(&format!("V{i}")).unwrap();
            vars.set(&name, &secret("v"), false).await.unwrap();
        }
        assert!(matches!(
            vars.set(&name, &secret("v"), false).await,
            Err(VariableError::TooMany)
        ));
        // Replacing an existing one is still allowed at the limit.
        let existing = VariableName::new("V0").unwrap();
        vars.set(&existing, &secret("w"), true).await.unwrap();
    }
}
