//! Reading a simulator seed file for `runtime sim --seed` and `runtime run --seed`.
//!
//! The format is [`kiln_sim::Seed`] (documented in docs/simulator.md), as JSON or, for
//! `.yml`/`.yaml`, YAML through Kiln's hardened reader. A seed is checked in full
//! before the simulator starts (every email, project and team it refers to exists,
//! keys are unique, admin webhooks point at loopback), so a mistake is reported with
//! the file's name rather than as a failed start.

use std::path::{Path, PathBuf};

use kiln_sim::{Seed, SimError};

/// Why a seed file cannot be used. Each message carries its cause's text and
/// no error source, so a caller printing the chain says it once.
#[derive(Debug, thiserror::Error)]
pub enum SeedFileError {
    #[error("cannot read the seed file {}: {cause}", path.display())]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}:{message}", path.display())]
    Yaml { path: PathBuf, message: String },
    /// A YAML seed whose document is not a seed: `at` is the field, as the
    /// file spells its path (`issues[0]`), since the document has no JSON text
    /// whose lines a position could name.
    #[error("the seed file {} is not valid: {at}: {message}", path.display())]
    YamlField {
        path: PathBuf,
        at: String,
        message: String,
    },
    #[error("the seed file {} is not valid: {cause}", path.display())]
    Invalid { path: PathBuf, cause: SimError },
}

/// Reads and checks the seed at `path`.
pub fn load(path: &Path) -> Result<Seed, SeedFileError> {
    let text = std::fs::read_to_string(path).map_err(|cause| SeedFileError::Read {
        path: path.to_owned(),
        cause,
    })?;
    let invalid = |cause| SeedFileError::Invalid {
        path: path.to_owned(),
        cause,
    };
    let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    let seed = if is_yaml {
        let value = kiln_manifest::yaml::parse_yaml(&text).map_err(|e| SeedFileError::Yaml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        serde_path_to_error::deserialize::<_, Seed>(value).map_err(|e| {
            SeedFileError::YamlField {
                path: path.to_owned(),
                at: e.path().to_string(),
                message: e.inner().to_string(),
            }
        })?
    } else {
        Seed::from_json(&text).map_err(invalid)?
    };
    seed.validate().map_err(invalid)?;
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "users:
  - accountId: 5b10ac8d82e05b22cc7d4ef5
    email: alice@example.com
    displayName: Alice
projects:
  - id: \"10000\"
    key: DEMO
    name: Demo
    lead: alice@example.com
    issues:
      - summary: First issue
        status: To Do
        reporter: alice@example.com
";

    fn load_text(name: &str, text: &str) -> Result<Seed, SeedFileError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        load(&path)
    }

    /// A YAML seed's mistake names the field by its path, once, not a
    /// position in a JSON text the user never wrote.
    #[test]
    fn a_yaml_seed_names_the_field_it_lacks_once() {
        let error = load_text("seed.yml", SEED)
            .expect_err("no created")
            .to_string();
        assert!(
            error.ends_with("is not valid: projects[0].issues[0]: missing field `created`"),
            "{error}"
        );
        let with_created = SEED.replace(
            "reporter: alice@example.com\n",
            "reporter: alice@example.com\n        created: \"2024-01-01T09:00:00Z\"\n",
        );
        let seed = load_text("seed.yml", &with_created).expect("a valid seed");
        assert_eq!(seed.projects[0].issues.len(), 1);
    }

    /// A JSON seed's position is the file's own; the cause is said once.
    #[test]
    fn a_json_seed_is_refused_with_its_position_once() {
        let error = load_text("seed.json", "{\"users\": [}").expect_err("bad JSON");
        let text = format!("{:#}", anyhow::anyhow!(error));
        assert_eq!(text.matches("cannot parse seed").count(), 1, "{text}");
        assert!(text.contains("line 1 column"), "{text}");
    }
}
