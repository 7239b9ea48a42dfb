//! Reading a simulator seed file for `runtime sim --seed` and `runtime run --seed`.
//!
//! The format is [`kiln_sim::Seed`] (documented in docs/simulator.md), as JSON or, for
//! `.yml`/`.yaml`, YAML through Kiln's hardened reader. A seed is checked in full
//! before the simulator starts (every email, project and team it refers to exists,
//! keys are unique, admin webhooks point at loopback), so a mistake is reported with
//! the file's name rather than as a failed start.

use std::path::{Path, PathBuf};

use kiln_sim::{Seed, SimError};

/// Why a seed file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedFileError {
    #[error("cannot read the seed file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{message}", path.display())]
    Yaml { path: PathBuf, message: String },
    #[error("the seed file {} is not valid: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: SimError,
    },
}

/// Reads and checks the seed at `path`.
pub fn load(path: &Path) -> Result<Seed, SeedFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| SeedFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    let seed = if is_yaml {
        let value = kiln_manifest::yaml::parse_yaml(&text).map_err(|e| SeedFileError::Yaml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Seed::from_json(&value.to_string())
    } else {
        Seed::from_json(&text)
    };
    let invalid = |source| SeedFileError::Invalid {
        path: path.to_owned(),
        source,
    };
    let seed = seed.map_err(invalid)?;
    seed.validate().map_err(invalid)?;
    Ok(seed)
}
