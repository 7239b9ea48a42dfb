//! A request body's list of numeric ids (`{"ids": [1, 2]}` and the like), read
//! as Jira reads one: into a set (the schemas' `uniqueItems`), each id a JSON
//! integer or a string of one (Jira's JSON reader takes either for a number).
//! Anything else (a fraction, text, `null`, a list that is not one, a number
//! beyond `int64`) makes the body unreadable: Jira's `400`.
//!
//! At most [`MAX_KEPT`] distinct ids are stored: past that the list is still
//! read (a bad item is still a bad body) but only counted, so a hostile list
//! costs no more memory than a full one, and the operation answers its own
//! limit's `400` from [`IdSet::too_many`]. [`KeyList`] reads a list of issue
//! ids or keys the same way.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// Distinct ids kept: above every operation's limit.
pub(crate) const MAX_KEPT: usize = 10_000;

/// The distinct ids of a list, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IdSet {
    pub(crate) ids: BTreeSet<i64>,
    /// Whether the list held more distinct ids than were kept.
    overflowed: bool,
}

impl IdSet {
    /// Whether the list held more than `limit` distinct ids.
    pub(crate) fn too_many(&self, limit: usize) -> bool {
        self.overflowed || self.ids.len() > limit
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(crate) fn contains(&self, id: u64) -> bool {
        i64::try_from(id).is_ok_and(|id| self.ids.contains(&id))
    }
}

impl<'de> Deserialize<'de> for IdSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (ids, overflowed) = deserializer.deserialize_seq(Bounded::<BTreeSet<i64>>::new())?;
        Ok(Self { ids, overflowed })
    }
}

/// What a bounded list is read into: it keeps an item unless that would take
/// it past [`MAX_KEPT`].
trait Kept: Default {
    /// An item as the list sends it.
    type Item: for<'de> Deserialize<'de>;
    /// Keeps `item`; `false` if it was only counted.
    fn keep(&mut self, item: Self::Item) -> bool;
}

impl Kept for BTreeSet<i64> {
    type Item = Id;

    fn keep(&mut self, Id(id): Id) -> bool {
        (self.len() < MAX_KEPT || self.contains(&id)) && {
            self.insert(id);
            true
        }
    }
}

impl Kept for Vec<String> {
    type Item = Key;

    fn keep(&mut self, Key(key): Key) -> bool {
        self.len() < MAX_KEPT && {
            self.push(key);
            true
        }
    }
}

/// Reads a list into a [`Kept`], and whether any item was only counted.
struct Bounded<C>(std::marker::PhantomData<C>);

impl<C> Bounded<C> {
    fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, C: Kept> Visitor<'de> for Bounded<C> {
    type Value = (C, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of ids or keys")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(C, bool), A::Error> {
        let mut kept = C::default();
        let mut overflowed = false;
        while let Some(item) = seq.next_element::<C::Item>()? {
            if !kept.keep(item) {
                overflowed = true;
            }
        }
        Ok((kept, overflowed))
    }
}

/// One id: the spec's `int64`, as a JSON integer or a string of one.
pub(crate) struct Id(pub(crate) i64);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct One;

        impl Visitor<'_> for One {
            type Value = Id;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (a 64-bit integer)")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Id, E> {
                Ok(Id(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Id, E> {
                i64::try_from(value)
                    .map(Id)
                    .map_err(|_| E::custom("an id beyond int64"))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Id, E> {
                value
                    .parse()
                    .map(Id)
                    .map_err(|_| E::custom("an id that is not a number"))
            }
        }

        deserializer.deserialize_any(One)
    }
}

/// A list of strings (issue ids or keys, field ids, JQL queries), each a
/// string or an integer (taken as its digits, as Jira's JSON reader takes a
/// number for a string), in the order sent. At most [`MAX_KEPT`] are
/// stored; past that they are only counted, as [`IdSet`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyList {
    pub(crate) keys: Vec<String>,
    overflowed: bool,
}

impl KeyList {
    /// Whether the list held more than `limit` items.
    pub(crate) fn too_many(&self, limit: usize) -> bool {
        self.overflowed || self.keys.len() > limit
    }
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (keys, overflowed) = deserializer.deserialize_seq(Bounded::<Vec<String>>::new())?;
        Ok(Self { keys, overflowed })
    }
}

/// One id or key: a string, or an integer taken as its digits.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct One;

        impl Visitor<'_> for One {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id or key")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Key, E> {
                Ok(Key(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Key, E> {
                Ok(Key(value.to_string()))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Key, E> {
                Ok(Key(value.to_owned()))
            }
        }

        deserializer.deserialize_any(One)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: serde_json::Value) -> Result<IdSet, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn ids_are_a_set_of_integers_or_strings_of_them() {
        let set = read(json!([3, "1", 3, -2, "3"])).expect("reads");
        assert_eq!(set.ids, BTreeSet::from([-2, 1, 3]));
        assert!(!set.too_many(3));
        assert!(set.too_many(2));
        assert!(set.contains(1) && !set.contains(2));
        for unreadable in [
            json!(1),
            json!("1,2"),
            json!([1.5]),
            json!(["abc"]),
            json!([null]),
            json!([[1]]),
            json!([u64::MAX]),
        ] {
            assert!(read(unreadable.clone()).is_err(), "{unreadable}");
        }
    }

    #[test]
    fn keys_are_strings_or_integers_and_a_huge_list_is_counted() {
        let list: KeyList =
            serde_json::from_value(json!(["KILN-1", 10_000, "KILN-1"])).expect("reads");
        assert_eq!(list.keys, vec!["KILN-1", "10000", "KILN-1"]);
        assert!(!list.too_many(3) && list.too_many(2));
        for unreadable in [json!("KILN-1"), json!([null]), json!([1.5]), json!([["a"]])] {
            assert!(
                serde_json::from_value::<KeyList>(unreadable.clone()).is_err(),
                "{unreadable}"
            );
        }
        let huge: Vec<String> = (0..(MAX_KEPT + 3)).map(|n| format!("K-{n}")).collect();
        let list: KeyList = serde_json::from_value(json!(huge)).expect("reads");
        assert_eq!(list.keys.len(), MAX_KEPT);
        assert!(list.too_many(MAX_KEPT));
    }

    #[test]
    fn a_huge_list_is_counted_not_kept() {
        let huge: Vec<i64> = (0..(MAX_KEPT as i64 + 50)).collect();
        let set = read(json!(huge)).expect("reads");
        assert_eq!(set.ids.len(), MAX_KEPT);
        assert!(set.too_many(MAX_KEPT));
        // Repeats of kept ids are not "more".
        let twice: Vec<i64> = (0..10).chain(0..10).collect();
        assert!(!read(json!(twice)).expect("reads").too_many(10));
    }
}
