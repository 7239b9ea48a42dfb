//! Kiln's hardened YAML reader, for other YAML inputs than the manifest (the
//! simulator's seed files). It refuses the same risky features as the
//! manifest parser: anchors and aliases ("billion laughs"), tags, several
//! documents and deep nesting.

use std::fmt;

/// A YAML file that could not be read, with its position when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Parses one YAML document into a JSON value.
pub fn parse_yaml(source: &str) -> Result<serde_json::Value, YamlError> {
    crate::manifest::source::parse(source)
        .map(|(value, _positions)| value)
        .map_err(|e| YamlError {
            line: e.position.map(|p| p.line),
            column: e.position.map(|p| p.column),
            message: e.message,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_documents_and_refuses_aliases() {
        let value = parse_yaml("users:\n  - email: a@example.com\n").unwrap();
        assert_eq!(value["users"][0]["email"], "a@example.com");
        let bomb = "a: &a [x, x]\nb: [*a, *a]\n";
        assert!(parse_yaml(bomb).is_err());
    }
}
