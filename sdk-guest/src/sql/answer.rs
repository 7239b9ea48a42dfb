//! What a statement answers: rows for a query, MySQL's result header for a
//! write or a schema change.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{SqlError, SqlErrorCode};

/// MySQL's result header for a statement that is not a query (`INSERT`,
/// `UPDATE`, `DELETE`, `CREATE TABLE`, …): `@forge/sql`'s
/// `UpdateQueryResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResultHeader {
    /// How many rows the statement inserted, updated or deleted; 0 for a
    /// schema change. (Kiln counts an upsert that updated as 1, where MySQL
    /// counts 2.)
    pub affected_rows: u64,
    /// The `AUTO_INCREMENT` id the last `INSERT` gave its row; 0 when it gave
    /// none.
    pub insert_id: i64,
    /// For an `UPDATE`, how many rows it changed; `None` for other
    /// statements, whose header has no such field.
    pub changed_rows: Option<u64>,
}

/// A statement's answer as it comes, for a statement that may be a query or
/// not ([`execute_raw`](super::execute_raw), [`Statement::run`](super::Statement::run)):
/// what `@forge/sql`'s `execute()` resolves with.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A query's rows, each a JSON object of column name to value (see
    /// [the module](super) for how each column type comes back).
    Rows(Vec<Map<String, Value>>),
    /// Anything else's result header.
    Written(ResultHeader),
}

impl Answer {
    /// The rows, each deserialised as `T`; an error if the statement was
    /// not a query.
    pub fn rows<T: DeserializeOwned>(self) -> Result<Vec<T>, SqlError> {
        match self {
            Answer::Rows(rows) => rows.into_iter().enumerate().map(decode_row).collect(),
            Answer::Written(_) => Err(SqlError::new(
                SqlErrorCode::UnexpectedAnswer,
                "the statement is not a query: it answered a result header, not rows \
                 (use `execute` for it)",
            )),
        }
    }

    /// The result header; an error if the statement was a query.
    pub fn header(self) -> Result<ResultHeader, SqlError> {
        match self {
            Answer::Written(header) => Ok(header),
            Answer::Rows(_) => Err(SqlError::new(
                SqlErrorCode::UnexpectedAnswer,
                "the statement is a query: it answered rows, not a result header \
                 (use `fetch_all`, `fetch_one` or `fetch_optional` for it)",
            )),
        }
    }
}

/// The header as the host writes it (mysql2's field names).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHeader {
    #[serde(default)]
    affected_rows: u64,
    #[serde(default)]
    insert_id: i64,
    changed_rows: Option<u64>,
}

/// The whole answer as the host writes it: `{"rows": [...]}` or
/// `{"rows": {...}}`.
#[derive(Deserialize)]
struct RawAnswer {
    rows: RawRows,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRows {
    Rows(Vec<Map<String, Value>>),
    Header(RawHeader),
}

/// Writes `answer` as the host does (mysql2's field names), for the fake host.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn to_json(answer: &Answer) -> String {
    let rows = match answer {
        Answer::Rows(rows) => Value::Array(rows.iter().cloned().map(Value::Object).collect()),
        Answer::Written(header) => {
            let mut fields = serde_json::json!({
                "fieldCount": 0,
                "affectedRows": header.affected_rows,
                "insertId": header.insert_id,
                "info": "",
                "serverStatus": 2,
                "warningStatus": 0,
            });
            if let Some(changed) = header.changed_rows {
                fields["changedRows"] = changed.into();
            }
            fields
        }
    };
    serde_json::json!({ "rows": rows }).to_string()
}

/// Reads the host's JSON text. A host that answers anything else is broken,
/// and the app hears so rather than a guess.
pub(crate) fn parse(json: &str) -> Result<Answer, SqlError> {
    let answer: RawAnswer = serde_json::from_str(json).map_err(|error| {
        SqlError::new(
            SqlErrorCode::UnexpectedAnswer,
            format!("the host's answer is not Forge SQL's `{{\"rows\": …}}`: {error}"),
        )
    })?;
    Ok(match answer.rows {
        RawRows::Rows(rows) => Answer::Rows(rows),
        RawRows::Header(header) => Answer::Written(ResultHeader {
            affected_rows: header.affected_rows,
            insert_id: header.insert_id,
            changed_rows: header.changed_rows,
        }),
    })
}

/// Row `index` as `T`; the error names the row and the type, so a column
/// whose type comes back differently than the struct expects (a `BIGINT` as
/// text) is found at once.
fn decode_row<T: DeserializeOwned>(
    (index, row): (usize, Map<String, Value>),
) -> Result<T, SqlError> {
    serde_json::from_value(Value::Object(row)).map_err(|error| {
        SqlError::new(
            SqlErrorCode::UnexpectedAnswer,
            format!(
                "row {index} is not a {}: {error} (BIGINT and DECIMAL columns come back as \
                 text: see kiln_sdk::sql::number)",
                std::any::type_name::<T>()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_answers_rows_and_a_write_its_header() {
        let rows = parse(r#"{"rows":[{"id":1,"name":"chair"}]}"#).unwrap();
        assert_eq!(
            rows.rows::<Value>().unwrap(),
            [serde_json::json!({"id": 1, "name": "chair"})]
        );
        let header = parse(
            r#"{"rows":{"fieldCount":0,"affectedRows":2,"insertId":7,"info":"","serverStatus":2,"warningStatus":0,"changedRows":2}}"#,
        )
        .unwrap()
        .header()
        .unwrap();
        assert_eq!(
            header,
            ResultHeader {
                affected_rows: 2,
                insert_id: 7,
                changed_rows: Some(2)
            }
        );
    }

    #[test]
    fn an_empty_result_is_rows_not_a_header() {
        assert_eq!(parse(r#"{"rows":[]}"#).unwrap(), Answer::Rows(Vec::new()));
    }

    #[test]
    fn asking_for_the_other_shape_is_an_unexpected_answer() {
        let header = parse(r#"{"rows":{"affectedRows":1,"insertId":0}}"#).unwrap();
        let error = header.rows::<Value>().unwrap_err();
        assert_eq!(error.code, SqlErrorCode::UnexpectedAnswer);
        let error = parse(r#"{"rows":[]}"#).unwrap().header().unwrap_err();
        assert_eq!(error.code, SqlErrorCode::UnexpectedAnswer);
        assert_eq!(
            parse("[]").unwrap_err().code,
            SqlErrorCode::UnexpectedAnswer
        );
    }

    #[test]
    fn a_row_of_the_wrong_shape_names_its_index_and_type() {
        #[derive(Debug, Deserialize)]
        struct Item {
            #[allow(dead_code)]
            views: i64,
        }
        let answer = parse(r#"{"rows":[{"views":"9007199254740993"}]}"#).unwrap();
        let error = answer.rows::<Item>().unwrap_err();
        assert!(error.message.contains("row 0"), "{error}");
        assert!(error.message.contains("Item"), "{error}");
    }
}
