//! A field's address in the manifest, shared by serde, rule and schema errors so
//! that each can be mapped back to a line.

use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(Vec<PathSegment>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathSegment {
    Key(String),
    Index(usize),
}

impl FieldPath {
    pub(crate) fn root() -> Self {
        FieldPath(Vec::new())
    }

    pub(crate) fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.0.push(PathSegment::Key(key.to_owned()));
        path
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(PathSegment::Index(index));
        path
    }

    pub(crate) fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    pub(crate) fn from_serde(path: &serde_path_to_error::Path) -> Self {
        FieldPath(
            path.iter()
                .filter_map(|segment| match segment {
                    serde_path_to_error::Segment::Map { key } => {
                        Some(PathSegment::Key(key.clone()))
                    }
                    serde_path_to_error::Segment::Seq { index } => Some(PathSegment::Index(*index)),
                    serde_path_to_error::Segment::Enum { .. }
                    | serde_path_to_error::Segment::Unknown => None,
                })
                .collect(),
        )
    }

    pub(crate) fn from_schema(location: &jsonschema::paths::Location) -> Self {
        FieldPath(
            location
                .iter()
                .map(|segment| match segment {
                    jsonschema::paths::LocationSegment::Property(key) => {
                        PathSegment::Key(key.into_owned())
                    }
                    jsonschema::paths::LocationSegment::Index(index) => PathSegment::Index(index),
                })
                .collect(),
        )
    }
}

impl fmt::Display for FieldPath {
    /// `permissions.scopes[2]`, `app.runtime.memoryMiB`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if position == 0 => f.write_str(key)?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_dotted_keys_and_indices() {
        let path = FieldPath::root().key("permissions").key("scopes").index(2);
        assert_eq!(path.to_string(), "permissions.scopes[2]");
        assert_eq!(FieldPath::root().to_string(), "");
    }
}
