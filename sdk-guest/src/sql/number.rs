//! Numbers that Forge SQL sends as text.
//!
//! Forge SQL answers `BIGINT` and `DECIMAL` columns as JSON strings
//! (`"9007199254740993"`, `"12.50"`), so that no digit is lost to a
//! JavaScript number, while `INT`, `FLOAT`, `DOUBLE` and computed values
//! (`COUNT(*)`) come as JSON numbers. On Kiln an `AUTO_INCREMENT` column
//! comes back as a number even when declared `BIGINT`, where Forge sends
//! text. A field read with these functions takes either, so the same struct
//! decodes on both:
//!
//! ```
//! use kiln_sdk::sql::number;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Item {
//!     #[serde(deserialize_with = "number::deserialize")]
//!     views: i64, // BIGINT: "9007199254740993"
//!     #[serde(deserialize_with = "number::deserialize")]
//!     price: f64, // DECIMAL(10,2): "12.50"
//!     #[serde(default, deserialize_with = "number::optional")]
//!     discount: Option<f64>, // a nullable DECIMAL: null or "1.25"
//! }
//!
//! let item: Item = serde_json::from_value(serde_json::json!({
//!     "views": "9007199254740993", "price": "12.50", "discount": null,
//! }))
//! .unwrap();
//! assert_eq!(item.views, 9_007_199_254_740_993);
//! assert_eq!(item.price, 12.5);
//! assert_eq!(item.discount, None);
//! ```
//!
//! To keep a `DECIMAL` exact, read it as a `String` (or a decimal type of
//! your choice that implements `FromStr`) rather than `f64`.

use std::fmt::Display;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{Deserializer, Error};
use serde_json::Value;

/// A number sent as JSON text or as a JSON number, parsed by `T`'s
/// `FromStr`. For `#[serde(deserialize_with = "kiln_sdk::sql::number::deserialize")]`.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    match Value::deserialize(deserializer)? {
        Value::String(text) => parse(&text),
        Value::Number(number) => parse(&number.to_string()),
        other => Err(D::Error::custom(format!(
            "expected a number or a number as text, found {}",
            kind(&other)
        ))),
    }
}

/// As [`deserialize`], for a nullable column: `null` is `None`. For
/// `#[serde(default, deserialize_with = "kiln_sdk::sql::number::optional")]`.
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) => parse(&text).map(Some),
        Value::Number(number) => parse(&number.to_string()).map(Some),
        other => Err(D::Error::custom(format!(
            "expected a number, a number as text or null, found {}",
            kind(&other)
        ))),
    }
}

fn parse<T, E>(text: &str) -> Result<T, E>
where
    T: FromStr,
    T::Err: Display,
    E: Error,
{
    text.parse().map_err(|error| {
        E::custom(format!(
            "{text:?} is not a {}: {error}",
            std::any::type_name::<T>()
        ))
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        #[serde(deserialize_with = "super::deserialize")]
        id: u64,
        #[serde(default, deserialize_with = "super::optional")]
        price: Option<f64>,
    }

    fn row(json: serde_json::Value) -> Result<Row, serde_json::Error> {
        serde_json::from_value(json)
    }

    #[test]
    fn text_and_numbers_both_decode() {
        let text = row(serde_json::json!({ "id": "18446744073709551615", "price": "0.10" }));
        assert_eq!(
            text.unwrap(),
            Row {
                id: u64::MAX,
                price: Some(0.1)
            }
        );
        let numbers = row(serde_json::json!({ "id": 3, "price": 2 })).unwrap();
        assert_eq!(
            numbers,
            Row {
                id: 3,
                price: Some(2.0)
            }
        );
        let absent = row(serde_json::json!({ "id": 3 })).unwrap();
        assert_eq!(absent.price, None);
    }

    #[test]
    fn anything_else_says_what_it_found() {
        let error = row(serde_json::json!({ "id": "twelve" }))
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"twelve\""), "{error}");
        let error = row(serde_json::json!({ "id": true }))
            .unwrap_err()
            .to_string();
        assert!(error.contains("a boolean"), "{error}");
    }
}
