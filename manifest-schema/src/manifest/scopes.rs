//! `permissions.scopes` in either of Forge's spellings: the list every app
//! writes (`[read:jira-work, …]`), or the map Forge's schema also admits
//! (`{ read:jira-work: { allowImpersonation: true } }`), whose options Forge
//! itself marks "not yet supported". Kiln takes the map's keys as the scopes;
//! `allowImpersonation` grants nothing (Kiln acts as no user but the invoking
//! one, docs/porting-forge-apps.md). Unknown scopes are refused in both.

use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::catalogue::Scope;

/// A scope's options in the map form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScopeOptions {
    #[serde(default, rename = "allowImpersonation")]
    _allow_impersonation: Option<bool>,
}

/// Read element by element (not through a `Value`), so an unknown scope is
/// reported at its own place in the list or map.
struct Scopes;

impl<'de> Visitor<'de> for Scopes {
    type Value = Vec<Scope>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of scopes (`[read:jira-work]`), or Forge's map of scope to options")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut scopes = Vec::new();
        while let Some(scope) = seq.next_element::<Scope>()? {
            scopes.push(scope);
        }
        Ok(scopes)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut scopes = Vec::new();
        while let Some((scope, _options)) = map.next_entry::<Scope, Option<ScopeOptions>>()? {
            scopes.push(scope);
        }
        Ok(scopes)
    }
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Scope>, D::Error> {
    deserializer.deserialize_any(Scopes)
}
