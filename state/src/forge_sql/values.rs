//! Values in and out of Forge SQL, in the JSON Forge's SQL service speaks.
//!
//! In: `bindParams(...)` arrives as a JSON array; each element binds one `?`.
//! Out: Forge SQL "encodes and decodes query results as JSON" and documents what each MySQL type
//! comes back as (Forge SQL data types): `INT`, `SMALLINT`, `TINYINT`, `MEDIUMINT`, `FLOAT`,
//! `DOUBLE` as numbers; `BIGINT` and `DECIMAL` as strings, so no precision is lost; dates and
//! times as strings; `JSON` columns as the JSON they hold. SQLite keeps the declared type of a
//! table's column, so a value read straight from a column comes back as its MySQL type says; an
//! aggregate of a column as MySQL types it ([`super::aggregate_types`]); any other computed
//! value (`COUNT(*)`, `a + b`) has no declared type and comes back as what SQLite holds:
//! integers and reals as numbers, text as strings.

use rusqlite::types::{Value as SqliteValue, ValueRef};
use serde_json::{Number, Value as Json};

use super::error::ForgeSqlError;

/// The parameters of one statement, from `@forge/sql`'s `params` array.
pub fn parameters(params: &[Json]) -> Result<Vec<SqliteValue>, ForgeSqlError> {
    params
        .iter()
        .enumerate()
        .map(|(index, param)| {
            Ok(match param {
                Json::Null => SqliteValue::Null,
                // MySQL has no boolean storage: TRUE is 1.
                Json::Bool(value) => SqliteValue::Integer(i64::from(*value)),
                Json::Number(number) => match (number.as_i64(), number.as_f64()) {
                    (Some(integer), _) => SqliteValue::Integer(integer),
                    // Past i64 (a BIGINT UNSIGNED) SQLite cannot hold the integer: keep its
                    // digits rather than round it.
                    _ if number.is_u64() => SqliteValue::Text(number.to_string()),
                    (None, Some(real)) => SqliteValue::Real(real),
                    (None, None) => SqliteValue::Text(number.to_string()),
                },
                Json::String(text) => SqliteValue::Text(text.clone()),
                Json::Array(_) | Json::Object(_) => {
                    return Err(ForgeSqlError::invalid(format!(
                        "parameter {} is a JSON {}; bind a string (JSON.stringify) to store JSON",
                        index + 1,
                        if param.is_array() { "array" } else { "object" }
                    )));
                }
            })
        })
        .collect()
}

/// How a column's values come back, from the MySQL type it was declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `INT`, `TINYINT`, `BOOLEAN`, `FLOAT`, `DOUBLE`…: a JSON number.
    Number,
    /// `BIGINT`: the integer's digits as a string.
    BigInt,
    /// `DECIMAL(p, s)`/`NUMERIC`: digits as a string, with `s` decimals.
    Decimal { scale: u32 },
    /// `JSON`: the JSON value the column holds.
    Json,
    /// `BLOB`, `BINARY`, `VARBINARY`: Node's JSON form of a Buffer.
    Bytes,
    /// Text and dates and times: a string.
    Text,
    /// No declared type (a computed value): as SQLite holds it.
    Stored,
}

impl ColumnType {
    /// The column type for SQLite's declared type (the MySQL name [`super::dialect`] kept).
    pub fn from_declared(declared: Option<&str>) -> ColumnType {
        let Some(declared) = declared else {
            return ColumnType::Stored;
        };
        let upper = declared.to_ascii_uppercase();
        let name = upper.split('(').next().unwrap_or_default();
        let first = name.split_whitespace().next().unwrap_or_default();
        match first {
            "BIGINT" | "SERIAL" => ColumnType::BigInt,
            "DECIMAL" | "NUMERIC" | "DEC" | "FIXED" => ColumnType::Decimal {
                scale: scale_of(&upper),
            },
            "INT" | "INTEGER" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "BOOL" | "BOOLEAN"
            | "BIT" | "FLOAT" | "DOUBLE" | "REAL" | "YEAR" => ColumnType::Number,
            "JSON" => ColumnType::Json,
            "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" => {
                ColumnType::Bytes
            }
            _ => ColumnType::Text,
        }
    }

    /// One value of this column as Forge returns it.
    pub fn to_json(self, value: ValueRef<'_>) -> Json {
        match (self, value) {
            (_, ValueRef::Null) => Json::Null,
            (ColumnType::BigInt, ValueRef::Integer(integer)) => Json::String(integer.to_string()),
            (ColumnType::Decimal { scale }, ValueRef::Integer(integer)) => {
                Json::String(decimal_digits(integer as f64, scale, Some(integer)))
            }
            (ColumnType::Decimal { scale }, ValueRef::Real(real)) => {
                Json::String(decimal_digits(real, scale, None))
            }
            (ColumnType::Json, ValueRef::Text(bytes)) => {
                let text = String::from_utf8_lossy(bytes);
                serde_json::from_str(&text).unwrap_or(Json::String(text.into_owned()))
            }
            (ColumnType::Text, ValueRef::Integer(integer)) => Json::String(integer.to_string()),
            (ColumnType::Text, ValueRef::Real(real)) => Json::String(real.to_string()),
            (ColumnType::Number, ValueRef::Text(bytes)) => {
                // A number column holding text (SQLite keeps what it cannot convert): the
                // text, rather than a number Kiln would have to invent.
                Json::String(String::from_utf8_lossy(bytes).into_owned())
            }
            (_, ValueRef::Integer(integer)) => Json::Number(integer.into()),
            (_, ValueRef::Real(real)) => Number::from_f64(real).map_or(Json::Null, Json::Number),
            (_, ValueRef::Text(bytes)) => Json::String(String::from_utf8_lossy(bytes).into_owned()),
            (_, ValueRef::Blob(bytes)) => serde_json::json!({
                // What JSON.stringify makes of the Buffer a MySQL driver returns.
                "type": "Buffer",
                "data": bytes,
            }),
        }
    }
}

fn scale_of(declared: &str) -> u32 {
    declared
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(inside, _)| inside.split_once(','))
        .and_then(|(_, scale)| scale.trim().parse().ok())
        .unwrap_or(0)
        .min(30)
}

fn decimal_digits(value: f64, scale: u32, integer: Option<i64>) -> String {
    match integer {
        Some(integer) if scale == 0 => integer.to_string(),
        Some(integer) => format!("{integer}.{}", "0".repeat(scale as usize)),
        // Half away from zero on the value's digits, as a write rounds it
        // (`super::number_functions::decimal_round`): a value stored before Kiln rounded
        // writes reads back as MySQL would hold it.
        None => format!(
            "{:.*}",
            scale as usize,
            super::number_functions::decimal_round(value, scale as i32)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_decide_the_json() {
        let cases = [
            ("INT(11)", ValueRef::Integer(7), serde_json::json!(7)),
            (
                "BIGINT",
                ValueRef::Integer(9_007_199_254_740_993),
                serde_json::json!("9007199254740993"),
            ),
            (
                "DECIMAL(10,2)",
                ValueRef::Real(12.5),
                serde_json::json!("12.50"),
            ),
            (
                "DECIMAL(10,2)",
                ValueRef::Integer(3),
                serde_json::json!("3.00"),
            ),
            ("DECIMAL", ValueRef::Integer(3), serde_json::json!("3")),
            (
                "JSON",
                ValueRef::Text(br#"{"a":[1]}"#),
                serde_json::json!({"a": [1]}),
            ),
            (
                "VARCHAR(20)",
                ValueRef::Integer(12),
                serde_json::json!("12"),
            ),
            (
                "DATETIME",
                ValueRef::Text(b"2026-12-04 10:00:00"),
                serde_json::json!("2026-12-04 10:00:00"),
            ),
            (
                "BLOB",
                ValueRef::Blob(&[1, 2]),
                serde_json::json!({"type": "Buffer", "data": [1, 2]}),
            ),
        ];
        for (declared, value, expected) in cases {
            assert_eq!(
                ColumnType::from_declared(Some(declared)).to_json(value),
                expected,
                "{declared}"
            );
        }
        assert_eq!(
            ColumnType::from_declared(None).to_json(ValueRef::Integer(3)),
            serde_json::json!(3)
        );
    }

    #[test]
    fn parameters_bind_as_mysql_would() {
        let bound = parameters(
            &serde_json::from_str::<Vec<Json>>(
                r#"[null, true, 3, 1.5, "x", 18446744073709551615]"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            bound,
            vec![
                SqliteValue::Null,
                SqliteValue::Integer(1),
                SqliteValue::Integer(3),
                SqliteValue::Real(1.5),
                SqliteValue::Text("x".into()),
                SqliteValue::Text("18446744073709551615".into()),
            ]
        );
        let refused = parameters(&[serde_json::json!({"a": 1})]).unwrap_err();
        assert!(
            refused.message.contains("parameter 1 is a JSON object"),
            "{refused}"
        );
    }
}
