//! What providers have submitted: one [`Area`] per kind of data, each entry
//! owned by the provider that submitted it.
//!
//! The updateSequenceNumber rule is the specs': stored data is replaced only
//! by data with a greater number; an update with an equal or lower number is
//! ignored (and still reported as accepted, as the specs say: being out of
//! order is not a failed submission).

use std::collections::BTreeMap;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::properties::{Properties, matches};

/// Who submitted data: the key every entry is stored under (see
/// `super::provider`).
pub(crate) type Provider = String;

/// One stored entity.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The entity as it is answered: its declared properties, as submitted.
    pub(crate) data: Map<String, Value>,
    pub(crate) sequence: i64,
    /// The submission's properties, never answered.
    pub(crate) properties: Properties,
    /// When the simulator stored this version.
    pub(crate) stored_at: OffsetDateTime,
}

impl Entry {
    /// A checked submission as it is stored: the fields its schema declares
    /// (`schemaVersion` defaulted), its sequence number from `sequence_field`
    /// (`updateSequenceNumber`, or feature flags' `updateSequenceId`; 0 when
    /// absent), and the submission's properties.
    pub(crate) fn submitted(
        object: &Map<String, Value>,
        fields: &[super::schema::Field],
        sequence_field: &str,
        properties: &Properties,
        stored_at: OffsetDateTime,
    ) -> Entry {
        Entry {
            data: super::with_schema_version(super::schema::declared(object, fields)),
            sequence: object
                .get(sequence_field)
                .and_then(Value::as_i64)
                .unwrap_or_default(),
            properties: properties.clone(),
            stored_at,
        }
    }
}

/// What [`Area::upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upsert {
    /// Stored: new, or newer than what was stored.
    Stored,
    /// Ignored: what is stored has an equal or greater sequence number.
    Stale,
    /// Refused: the area holds as many entries as the simulator keeps.
    Full,
}

/// The entities of one kind, by provider and key.
#[derive(Debug, Clone)]
pub(crate) struct Area<K: Ord + Clone> {
    entries: BTreeMap<(Provider, K), Entry>,
    cap: usize,
}

impl<K: Ord + Clone> Area<K> {
    /// An empty area that keeps at most `cap` entries, for all providers
    /// together: the simulator's bound on memory, not a Jira limit.
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            entries: BTreeMap::new(),
            cap,
        }
    }

    /// Stores a submitted `entry` as the bulk routes report it: `Ok` when it
    /// is accepted (stored, or ignored as not newer, which the specs still
    /// list as accepted), else the message for the rejected entity (the area
    /// is full; `what` names its kind).
    pub(crate) fn accept(
        &mut self,
        provider: &str,
        key: K,
        entry: Entry,
        what: &str,
    ) -> Result<(), String> {
        match self.upsert(provider, key, entry) {
            Upsert::Stored | Upsert::Stale => Ok(()),
            Upsert::Full => Err(super::store_full(what, self.cap)),
        }
    }

    /// Stores `entry` under `key` unless what is stored there is as new.
    pub(crate) fn upsert(&mut self, provider: &str, key: K, entry: Entry) -> Upsert {
        let slot = (provider.to_owned(), key);
        match self.entries.get(&slot) {
            Some(stored) if stored.sequence >= entry.sequence => Upsert::Stale,
            None if self.entries.len() >= self.cap => Upsert::Full,
            _ => {
                self.entries.insert(slot, entry);
                Upsert::Stored
            }
        }
    }

    pub(crate) fn get(&self, provider: &str, key: K) -> Option<&Entry> {
        self.entries.get(&(provider.to_owned(), key))
    }

    /// A `get…ById` route's answer: the provider's stored entity as it was
    /// submitted, or the spec's 404 (also for a key that cannot have been
    /// stored: `None`).
    pub(crate) fn answer(&self, provider: &str, key: Option<K>) -> Response {
        match key.and_then(|key| self.get(provider, key)) {
            Some(entry) => Json(Value::Object(entry.data.clone())).into_response(),
            None => super::error::not_found(),
        }
    }

    pub(crate) fn remove(&mut self, provider: &str, key: K) {
        self.entries.remove(&(provider.to_owned(), key));
    }

    /// Removes the provider's entries that have all of `wanted`.
    pub(crate) fn remove_matching(&mut self, provider: &str, wanted: &Properties) {
        self.entries
            .retain(|(owner, _), entry| owner != provider || !matches(&entry.properties, wanted));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sequence: i64, tag: &str) -> Entry {
        Entry {
            data: Map::from_iter([(String::from("tag"), Value::from(tag))]),
            sequence,
            properties: Properties::from([(String::from("p"), tag.to_owned())]),
            stored_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn only_a_greater_sequence_number_replaces() {
        let mut area = Area::new(2);
        assert_eq!(area.upsert("a", 1, entry(5, "first")), Upsert::Stored);
        assert_eq!(area.upsert("a", 1, entry(5, "same")), Upsert::Stale);
        assert_eq!(area.upsert("a", 1, entry(4, "older")), Upsert::Stale);
        assert_eq!(area.get("a", 1).map(|e| e.sequence), Some(5));
        assert_eq!(area.upsert("a", 1, entry(6, "newer")), Upsert::Stored);
        assert_eq!(
            area.get("a", 1).map(|e| e.data["tag"].clone()),
            Some(Value::from("newer"))
        );
        // Another provider's entry under the same key is its own.
        assert_eq!(area.upsert("b", 1, entry(1, "b")), Upsert::Stored);
        assert_eq!(area.upsert("b", 2, entry(1, "b")), Upsert::Full);
        assert_eq!(area.upsert("a", 1, entry(7, "still fits")), Upsert::Stored);
        area.remove_matching(
            "a",
            &Properties::from([(String::from("p"), String::from("b"))]),
        );
        assert!(area.get("a", 1).is_some());
        area.remove_matching(
            "b",
            &Properties::from([(String::from("p"), String::from("b"))]),
        );
        assert!(area.get("b", 1).is_none());
    }
}
