//! `permissions.scopes` in either of Forge's spellings: the list every app
//! writes (`[read:jira-work, …]`), or the map Forge's schema also admits
//! (`{ read:jira-work: { allowImpersonation: true } }`), whose options Forge
//! itself marks "not yet supported". Kiln takes the map's keys as the scopes;
//! `allowImpersonation` grants nothing (Kiln acts as no user but the invoking
//! one, docs/porting-forge-apps.md).
//!
//! Each name is one of Kiln's catalogue scopes (which open routes), else one
//! Forge's manifest accepts ([`crate::catalogue::is_forge_scope`]: kept, opens
//! nothing), else refused as unknown with the nearest known scope suggested.
//! A name given twice counts once: Forge's manifest schema accepts a repeat
//! (its `scopes` list has no `uniqueItems`), and public Forge apps carry one,
//! so a repeat is not worth refusing an app for; it grants nothing more.

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::catalogue::{Scope, is_forge_scope};

/// The declared scopes, split by what they do.
#[derive(Default)]
pub(super) struct DeclaredScopes {
    /// Kiln's catalogue scopes, in manifest order.
    pub kiln: Vec<Scope>,
    /// Scopes only Forge's manifest knows, in manifest order.
    pub forge: Vec<String>,
}

/// A scope's options in the map form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScopeOptions {
    #[serde(default, rename = "allowImpersonation")]
    _allow_impersonation: Option<bool>,
}

/// The scopes read so far, and where each stands (its index in the list or
/// map: a scope is only ever added once, so the count read is the next one's
/// index).
#[derive(Default)]
struct Reading {
    declared: DeclaredScopes,
    seen: HashMap<String, usize>,
}

/// One scope name, checked where it stands (so an error names its place).
struct OneScope<'a>(&'a mut Reading);

impl<'de> DeserializeSeed<'de> for OneScope<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let reading = self.0;
        let name = deserializer.deserialize_str(ScopeName)?;
        if reading.seen.contains_key(&name) {
            return Ok(());
        }
        match name.parse::<Scope>() {
            Ok(scope) => reading.declared.kiln.push(scope),
            Err(_) if is_forge_scope(&name) => reading.declared.forge.push(name.clone()),
            Err(unknown) => return Err(D::Error::custom(unknown)),
        }
        let index = reading.seen.len();
        reading.seen.insert(name, index);
        Ok(())
    }
}

/// A scope's name: a string, the error saying what one looks like.
struct ScopeName;

impl Visitor<'_> for ScopeName {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jira OAuth scope such as \"read:jira-work\"")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<String, E> {
        Ok(name.to_owned())
    }
}

/// Read element by element (not through a `Value`), so an unknown or repeated
/// scope is reported at its own place in the list or map.
struct Scopes;

impl<'de> Visitor<'de> for Scopes {
    type Value = DeclaredScopes;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of scopes (`[read:jira-work]`), or Forge's map of scope to options")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut reading = Reading::default();
        while seq.next_element_seed(OneScope(&mut reading))?.is_some() {}
        Ok(reading.declared)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut reading = Reading::default();
        while map.next_key_seed(OneScope(&mut reading))?.is_some() {
            map.next_value::<Option<ScopeOptions>>()?;
        }
        Ok(reading.declared)
    }
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DeclaredScopes, D::Error> {
    deserializer.deserialize_any(Scopes)
}
