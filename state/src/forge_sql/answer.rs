//! A statement's answer as Forge's SQL service sends it: `{"rows": ..., "metadata": {...}}`.
//!
//! `@forge/sql` types `metadata` loosely (`Record<string, any>`), but apps and ORMs read it:
//! forge-sql-orm reports `dbExecutionTime` and `responseSize`, and checks row-level rules by
//! the table each column comes from (`fields`, mysql2's column descriptions), skipping the
//! check when the fields are missing. So a query's answer always carries them here, and an
//! absent origin means "computed", never "unknown": a column SQLite cannot trace to a table
//! is one MySQL would not trace either (an expression, a literal, an aggregate).

use std::time::Duration;

use serde_json::{Value as Json, json};

use super::dialect::Selected;

/// One column of a query's answer, as mysql2 (and so Forge) names its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The column's name in the answer: its alias when the select list gives one.
    pub name: String,
    /// The table column it reads, as the table declares it; empty for a computed column.
    pub org_name: String,
    /// The name the statement calls its table by: the table's alias in `FROM`, or its name
    /// without one; empty for a computed column.
    pub table: String,
    /// The table the column belongs to; empty for a computed column.
    pub org_table: String,
}

impl Field {
    fn to_json(&self) -> Json {
        json!({
            "name": self.name,
            "orgName": self.org_name,
            "table": self.table,
            "orgTable": self.org_table,
        })
    }
}

/// A statement's answer before it is written as Forge's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The `rows` JSON text: an array of row objects for a query, mysql2's result header
    /// (`{affectedRows, insertId, ...}`) for anything else.
    pub rows: String,
    /// A query's columns, in select-list order; `None` for an answer that is not a result
    /// set (a write's header: mysql2 reports no fields for one) and for `SHOW`, which Kiln
    /// answers from the schema rather than from a query of tables.
    pub fields: Option<Vec<Field>>,
    /// How long the database took to run the statement, parse and translation excluded (on
    /// Forge, the time TiDB reports; here the time around the SQLite transaction).
    pub db_execution_time: Duration,
}

impl Answer {
    /// Forge's answer: `{"rows": ..., "metadata": {"dbExecutionTime", "responseSize",
    /// "fields"?}}`, `rows` first and kept as written (its row keys follow the select list,
    /// which ORMs read by position). `dbExecutionTime` is whole milliseconds, as Forge
    /// reports it; `responseSize` is the bytes of the `rows` text, what the statement
    /// returned.
    pub fn to_forge_text(&self) -> String {
        let millis = u64::try_from(self.db_execution_time.as_millis()).unwrap_or(u64::MAX);
        let mut metadata = json!({
            "dbExecutionTime": millis,
            "responseSize": self.rows.len(),
        });
        if let Some(fields) = &self.fields {
            metadata["fields"] = Json::Array(fields.iter().map(Field::to_json).collect());
        }
        format!("{{\"rows\":{},\"metadata\":{metadata}}}", self.rows)
    }
}

/// The columns of `statement`, a prepared query, with the tables SQLite traces each to.
///
/// `tables` are the tables the statement's outer `FROM` names, each with the name the
/// statement calls it by ([`super::dialect::Translated::tables`]). SQLite reports only the
/// table itself, so a table named twice (a self-join under two aliases) cannot say which
/// alias a column came through: the select list says it ([`Selected`], placed by
/// [`qualifiers`]) when it reads the column as `a.name` or through `a.*` (or `*`) and names
/// one of that table's aliases; otherwise such a column's `table` is the table's own name.
pub(crate) fn fields(
    statement: &rusqlite::Statement<'_>,
    tables: &[(String, String)],
    selected: &[Selected],
) -> Vec<Field> {
    let origins: Vec<(String, String)> = statement
        .columns_with_metadata()
        .iter()
        .map(|column| {
            (
                column.table_name().unwrap_or_default().to_owned(),
                column.origin_name().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let qualifiers = qualifiers(&origins, tables, selected);
    statement
        .column_names()
        .into_iter()
        .zip(origins.iter())
        .enumerate()
        .map(|(position, (name, (org_table, org_name)))| {
            let table = if org_table.is_empty() {
                String::new()
            } else {
                let called: Vec<&str> = tables
                    .iter()
                    .filter(|(name, _)| name.eq_ignore_ascii_case(org_table))
                    .map(|(_, called)| called.as_str())
                    .collect();
                let qualifier = qualifiers.get(position).copied().flatten();
                match (called.as_slice(), qualifier) {
                    ([only], _) => only,
                    // MySQL compares table aliases case-sensitively on Linux, and an
                    // app's own spelling is what it wrote in both places.
                    (several, Some(qualifier)) if several.contains(&qualifier) => qualifier,
                    _ => org_table.as_str(),
                }
                .to_owned()
            };
            Field {
                name: name.to_owned(),
                org_name: org_name.clone(),
                table,
                org_table: org_table.clone(),
            }
        })
        .collect()
}

/// The name the select list reads each column through, by position, for as many columns as
/// `selected` places: one per plain item, and for `a.*` the run of the answer's columns
/// that SQLite traces to `a`'s table. A table's columns have distinct names, so the run
/// ends at the first column of another table, or of the same table under a name the run
/// already gave (the next alias's `*`, or a column read after it). A wildcard whose table
/// is not among `tables`, or whose run is empty, ends the placing: the columns after it
/// have no qualifier, and a self-joined table's column then goes by the table's name.
fn qualifiers<'a>(
    origins: &[(String, String)],
    tables: &'a [(String, String)],
    selected: &'a [Selected],
) -> Vec<Option<&'a str>> {
    let mut qualifiers = Vec::with_capacity(origins.len());
    for item in selected {
        match item {
            Selected::One(qualifier) => qualifiers.push(qualifier.as_deref()),
            Selected::AllOf(alias) => {
                let Some((table, called)) = tables
                    .iter()
                    .find(|(_, called)| called.eq_ignore_ascii_case(alias))
                else {
                    break;
                };
                let start = qualifiers.len();
                while let Some((org_table, org_name)) = origins.get(qualifiers.len())
                    && org_table.eq_ignore_ascii_case(table)
                    && origins.get(start..qualifiers.len()).is_some_and(|run| {
                        !run.iter()
                            .any(|(_, given)| given.eq_ignore_ascii_case(org_name))
                    })
                {
                    qualifiers.push(Some(called.as_str()));
                }
                if qualifiers.len() == start {
                    break;
                }
            }
        }
    }
    qualifiers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_follows_rows_and_sizes_them() {
        let answer = Answer {
            rows: r#"[{"n":1}]"#.to_owned(),
            fields: Some(vec![Field {
                name: "n".to_owned(),
                org_name: String::new(),
                table: String::new(),
                org_table: String::new(),
            }]),
            db_execution_time: Duration::from_micros(2_500),
        };
        assert_eq!(
            answer.to_forge_text(),
            r#"{"rows":[{"n":1}],"metadata":{"dbExecutionTime":2,"fields":[{"name":"n","orgName":"","orgTable":"","table":""}],"responseSize":9}}"#
        );
    }

    #[test]
    fn a_header_has_no_fields() {
        let answer = Answer {
            rows: r#"{"affectedRows":1}"#.to_owned(),
            fields: None,
            db_execution_time: Duration::ZERO,
        };
        let json: Json = serde_json::from_str(&answer.to_forge_text()).unwrap();
        assert_eq!(json["metadata"]["responseSize"], 18);
        assert!(json["metadata"].get("fields").is_none());
    }
}
