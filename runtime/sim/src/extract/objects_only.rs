//! A `Deserializer` adapter that reads a struct only from a JSON object.
//!
//! serde's derived `Deserialize` for a struct also accepts a sequence of its
//! fields in order, so `["name", "type"]` reads as `{"name":…, "type":…}`.
//! Jira's reader (Jackson) refuses an array where it expects a bean (`Can not
//! deserialize instance of … out of START_ARRAY token`), and a body the
//! simulator reads should be refused the same way. The adapter wraps every
//! visitor handed to `deserialize_struct` (and to a struct variant) so that
//! `visit_seq` is a type error, and wraps every nested deserializer, sequence,
//! map and enum access so the rule holds at any depth, in one pass over the
//! body. Everything else is forwarded untouched: sequences, tuples, enums,
//! maps, `Option`s.
//!
//! What serde buffers before reading (untagged and internally tagged enums,
//! `#[serde(flatten)]`) is read from serde's own buffer, out of this adapter's
//! reach; the simulator's bodies are plain structs.
//!
//! The shape follows `serde_ignored` and `serde_path_to_error`, which wrap a
//! deserializer the same way; neither refuses arrays, and no maintained crate
//! found does, so the few lines live here.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Unexpected, Visitor};

/// A deserializer whose structs must be maps.
pub(crate) struct ObjectsOnly<D>(pub(crate) D);

/// A visitor forwarded to the inner one; `is_struct` refuses sequences.
struct Wrap<V> {
    inner: V,
    is_struct: bool,
}

impl<V> Wrap<V> {
    fn any(inner: V) -> Self {
        Self {
            inner,
            is_struct: false,
        }
    }
    fn structure(inner: V) -> Self {
        Self {
            inner,
            is_struct: true,
        }
    }
}

/// A seed whose deserializer is wrapped.
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(ObjectsOnly(deserializer))
    }
}

/// Forwards `deserialize_*` methods that take only a visitor.
macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Wrap::any(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrap::any(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrap::any(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrap::any(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, Wrap::any(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, Wrap::structure(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrap::any(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Forwards `visit_*` methods that carry a plain value.
macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    forward_visit! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char) visit_str(&str)
        visit_borrowed_str(&'de str) visit_string(String) visit_bytes(&[u8])
        visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(ObjectsOnly(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(ObjectsOnly(deserializer))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.is_struct {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self.inner));
        }
        self.inner.visit_seq(Access(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Access(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Access(data))
    }
}

/// A sequence, map, enum or variant access whose elements are wrapped.
struct Access<A>(A);

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Access<A> {
    type Error = A::Error;
    type Variant = Access<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Seed(seed))?;
        Ok((value, Access(variant)))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Access<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap::any(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap::structure(visitor))
    }
}

/// `T` read from a JSON body whose structs are all objects: the whole body
/// must be one JSON value, as `serde_json::from_slice` requires.
pub(crate) fn from_slice<T: de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = T::deserialize(ObjectsOnly(&mut deserializer))?;
    deserializer.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    use super::from_slice;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        id: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Plain,
        Wrapped(Inner),
        Pair(u8, u8),
        Shaped { size: u8 },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
        #[serde(default)]
        items: Vec<Inner>,
        #[serde(default)]
        numbers: Vec<u8>,
        kind: Option<Kind>,
        #[serde(default)]
        pair: Option<(u8, String)>,
    }

    fn outer(text: &str) -> serde_json::Result<Outer> {
        from_slice(text.as_bytes())
    }

    #[test]
    fn objects_read_as_serde_reads_them() {
        let read = outer(
            r#"{"name":"n","inner":{"id":"1"},"items":[{"id":"2"}],"numbers":[1,2],
                "kind":{"shaped":{"size":3}},"pair":[1,"x"]}"#,
        )
        .expect("an object body");
        assert_eq!(read.inner, Some(Inner { id: "1".into() }));
        assert_eq!(read.items, vec![Inner { id: "2".into() }]);
        assert_eq!(read.numbers, vec![1, 2]);
        assert_eq!(read.kind, Some(Kind::Shaped { size: 3 }));
        assert_eq!(read.pair, Some((1, "x".into())));
    }

    #[test]
    fn a_struct_given_as_an_array_is_refused_at_the_top() {
        let refused = outer(r#"["n", null]"#).expect_err("an array body");
        assert!(
            refused.to_string().contains("invalid type: sequence"),
            "{refused}"
        );
    }

    #[test]
    fn a_struct_given_as_an_array_is_refused_at_any_depth() {
        for body in [
            r#"{"name":"n","inner":["1"]}"#,
            r#"{"name":"n","items":[{"id":"1"},["2"]]}"#,
            r#"{"name":"n","kind":{"wrapped":["1"]}}"#,
            r#"{"name":"n","kind":{"shaped":[3]}}"#,
        ] {
            assert!(outer(body).is_err(), "{body}");
        }
        assert!(from_slice::<Vec<Inner>>(br#"[["1"]]"#).is_err());
        assert!(from_slice::<Option<Inner>>(br#"["1"]"#).is_err());
    }

    #[test]
    fn enums_sequences_and_values_are_untouched() {
        for (body, kind) in [
            (r#""plain""#, Kind::Plain),
            (
                r#"{"wrapped":{"id":"1"}}"#,
                Kind::Wrapped(Inner { id: "1".into() }),
            ),
            (r#"{"pair":[1,2]}"#, Kind::Pair(1, 2)),
        ] {
            assert_eq!(
                from_slice::<Kind>(body.as_bytes()).ok(),
                Some(kind),
                "{body}"
            );
        }
        let value: Value = from_slice(br#"[1,{"a":[2]}]"#).expect("any JSON value");
        assert_eq!(value, serde_json::json!([1, {"a": [2]}]));
        assert!(from_slice::<Value>(b"[1] trailing").is_err());
    }
}
