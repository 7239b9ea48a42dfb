//! The typed values `runtime serve`'s state is made of. Each is checked once, when it is
//! built, so the backends store only values that passed these rules; everything here may come
//! from a hostile manifest, site or request, so each error is typed and none echoes the input.

use crate::installation::Installation;

/// Milliseconds since the Unix epoch, from the caller's clock. Every time-dependent operation
/// takes `now` explicitly, so tests (and a controllable clock in `runtime serve`) drive time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    pub fn now() -> Self {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
    }

    pub fn plus(self, duration: std::time::Duration) -> Self {
        let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(ms))
    }
}

/// Longest module key, scope, grant subject, delivery id or error text kept, in bytes.
/// Manifest keys and Jira's identifiers are far shorter; the cap keeps a hostile value from
/// growing every index entry.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest failure text kept with an event; longer text is cut at a character boundary.
pub const MAX_ERROR_BYTES: usize = 1024;
/// Most scopes one installation may hold (Forge apps declare a few dozen at most).
pub const MAX_SCOPES: usize = 256;

/// Why a name (module key, scope, grant subject, delivery id, site) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the {what} is empty")]
    Empty { what: &'static str },
    #[error("the {what} is {bytes} bytes, over the {max}-byte limit")]
    TooLong {
        what: &'static str,
        bytes: usize,
        max: usize,
    },
    #[error("the {what} contains a control character")]
    ControlCharacter { what: &'static str },
    #[error("an installation holds at most {max} scopes; {count} were given")]
    TooManyScopes { count: usize, max: usize },
    #[error("at most {max} {what} are kept; {count} were given")]
    TooMany {
        what: &'static str,
        count: usize,
        max: usize,
    },
}

pub(crate) fn checked_name(what: &'static str, value: String) -> Result<String, NameError> {
    if value.is_empty() {
        return Err(NameError::Empty { what });
    }
    if value.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong {
            what,
            bytes: value.len(),
            max: MAX_NAME_BYTES,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter { what });
    }
    Ok(value)
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
                checked_name($what, value.into()).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A manifest module's key (`webtrigger`, `scheduledTrigger`, `trigger`).
    ModuleKey,
    "module key"
);
name_type!(
    /// One OAuth scope the installation's consent approved (`read:jira-work`).
    Scope,
    "scope"
);
name_type!(
    /// Jira's webhook identifier (`X-Atlassian-Webhook-Identifier`), the same on retries.
    DeliveryId,
    "delivery id"
);

/// How an installation reaches its site. Only who, never the secret: credentials stay in the
/// credential store, and this record says which one to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantIdentity {
    /// The embedded simulator; no credential.
    Simulator,
    /// An API token of this Atlassian account (email or account id).
    ApiToken { account: String },
    /// A 3LO login of this Atlassian account id.
    ThreeLeggedOAuth { account_id: String },
}

impl GrantIdentity {
    pub fn api_token(account: impl Into<String>) -> Result<Self, NameError> {
        Ok(Self::ApiToken {
            account: checked_name("grant account", account.into())?,
        })
    }

    pub fn three_legged(account_id: impl Into<String>) -> Result<Self, NameError> {
        Ok(Self::ThreeLeggedOAuth {
            account_id: checked_name("grant account id", account_id.into())?,
        })
    }

    pub(crate) fn to_columns(&self) -> (&'static str, &str) {
        match self {
            Self::Simulator => ("simulator", ""),
            Self::ApiToken { account } => ("api-token", account),
            Self::ThreeLeggedOAuth { account_id } => ("3lo", account_id),
        }
    }

    pub(crate) fn from_columns(kind: &str, subject: String) -> Option<Self> {
        match kind {
            "simulator" => Some(Self::Simulator),
            "api-token" => Some(Self::ApiToken { account: subject }),
            "3lo" => Some(Self::ThreeLeggedOAuth {
                account_id: subject,
            }),
            _ => None,
        }
    }
}

/// The scopes an installation's consent approved: distinct, sorted, at most [`MAX_SCOPES`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApprovedScopes(Vec<Scope>);

impl ApprovedScopes {
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, NameError> {
        let mut scopes: Vec<Scope> = scopes.into_iter().collect();
        scopes.sort();
        scopes.dedup();
        if scopes.len() > MAX_SCOPES {
            return Err(NameError::TooManyScopes {
                count: scopes.len(),
                max: MAX_SCOPES,
            });
        }
        Ok(Self(scopes))
    }

    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }

    pub(crate) fn to_json(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(Scope::as_str).collect();
        serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
    }

    pub(crate) fn from_json(text: &str) -> Option<Self> {
        let names: Vec<String> = serde_json::from_str(text).ok()?;
        let scopes = names
            .into_iter()
            .map(Scope::new)
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        Self::new(scopes).ok()
    }
}

/// A component's SHA-256: 64 lowercase hex digits, as `runtime inspect` prints it. One
/// spelling only, so two approvals of the same code compare equal as plain strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct ComponentSha256(String);

impl TryFrom<String> for ComponentSha256 {
    type Error = DigestError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::new(text)
    }
}

/// Why a text is not a component digest (the text is not echoed: it may be hostile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a component digest is 64 lowercase hex digits")]
pub struct DigestError;

impl ComponentSha256 {
    pub fn new(value: impl Into<String>) -> Result<Self, DigestError> {
        let value = value.into();
        let canonical = value.len() == 64
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if canonical {
            Ok(Self(value))
        } else {
            Err(DigestError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The site an approval was given on: its origin and its cloud id (an origin alone does not
/// pin the site behind Atlassian's gateway). The embedded simulator's is `simulator` with no
/// cloud id: its cloud id is new at every start.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteBinding {
    origin: String,
    cloud_id: String,
}

impl SiteBinding {
    pub fn new(origin: impl Into<String>, cloud_id: impl Into<String>) -> Result<Self, NameError> {
        let origin = checked_name("site origin", origin.into())?;
        let cloud_id = cloud_id.into();
        if !cloud_id.is_empty() {
            checked_name("site cloud id", cloud_id.clone())?;
        }
        Ok(Self { origin, cloud_id })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn cloud_id(&self) -> &str {
        &self.cloud_id
    }
}

/// What an installation's approval is bound to (issue 12, section 2), besides its app id
/// (part of the [`Installation`]) and its [`InstallRecord::scopes`] and
/// [`InstallRecord::grant`]: the site it was given on and the exact code it was given to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApprovalBinding {
    pub site: SiteBinding,
    pub component: ComponentSha256,
}

/// Why an installation's events wait instead of running: what it runs now is not what was
/// approved. The approval stays as it was until it is given again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldReason {
    /// The component's SHA-256 is not the approved one: new code under the same app id.
    ComponentChanged,
    /// The site's credentials act as another principal than the approved one.
    PrincipalChanged,
    /// The site's cloud id is not the one approved.
    SiteChanged,
    /// The app now declares scopes the approval does not hold.
    ScopesAdded,
    /// The approval was stored before approvals were bound to code and site: treated as
    /// absent.
    Unbound,
}

impl HoldReason {
    pub const ALL: [Self; 5] = [
        Self::ComponentChanged,
        Self::PrincipalChanged,
        Self::SiteChanged,
        Self::ScopesAdded,
        Self::Unbound,
    ];

    /// The stable name stored, listed by the admin API and used as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ComponentChanged => "component-changed",
            Self::PrincipalChanged => "principal-changed",
            Self::SiteChanged => "site-changed",
            Self::ScopesAdded => "scopes-added",
            Self::Unbound => "approval-unbound",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::ComponentChanged => {
                "the component changed since it was approved (a different SHA-256 under the same app id)"
            }
            Self::PrincipalChanged => {
                "the site's credentials act as another principal than the approved one"
            }
            Self::SiteChanged => "the site's cloud id is not the approved one",
            Self::ScopesAdded => "the app declares scopes the approval does not hold",
            Self::Unbound => "the approval predates approvals bound to code and site",
        }
    }
}

impl std::fmt::Display for HoldReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An installation held: why, and the component that waits for approval.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hold {
    pub reason: HoldReason,
    pub pending: ComponentSha256,
}

/// An installed installation, as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRecord {
    pub installation: Installation,
    pub scopes: ApprovedScopes,
    pub grant: GrantIdentity,
    /// The site and code approved; `None`: an approval stored in the old, unbound format,
    /// which counts as no approval.
    pub approval: Option<ApprovalBinding>,
    /// `Some`: its events are kept but not run, its web triggers answer 503.
    pub hold: Option<Hold>,
    pub paused: bool,
    pub installed_at: UnixMillis,
}

impl InstallRecord {
    /// Whether its events may run: approved, bound, not held, not paused.
    pub fn runnable(&self) -> bool {
        !self.paused && self.hold.is_none() && self.approval.is_some()
    }
}

/// A webhook delivery's identity: the site that sent it and Jira's identifier. Two sites may
/// reuse an identifier; the pair may not repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    pub site: String,
    pub id: DeliveryId,
}

impl DeliveryKey {
    pub fn new(site: impl Into<String>, id: DeliveryId) -> Result<Self, NameError> {
        Ok(Self {
            site: checked_name("delivery site", site.into())?,
            id,
        })
    }
}

/// What recording a delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// First time seen (or seen before its record expired): process it.
    First,
    /// Seen within the retention window: Jira retried; acknowledge and do nothing.
    Duplicate,
}
