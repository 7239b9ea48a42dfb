//! Who owns a piece of state: an **installation**, Forge's unit of isolation.
//!
//! An installation is one app on one site in one environment. Every row the state layer
//! keeps is filed under one, and nothing a guest supplies (a key, a prefix, a cursor) can
//! name another: the installation is chosen by the host from what it loaded and where it
//! runs, never from guest input.
//!
//! The three parts are kept as three separate columns rather than joined into one string,
//! so no choice of characters in one part can make two different installations collide
//! (`a:b` + `c` versus `a` + `b:c`).

use std::fmt;

/// Longest accepted part, in bytes. App ids are UUID-sized (`ari:cloud:ecosystem::app/…`
/// is under 100), site URLs under 300; 1 KiB leaves room without letting a hostile
/// configuration grow every index entry.
pub const MAX_PART_BYTES: usize = 1024;

/// One app × site × environment. Built only through [`Installation::new`], which checks
/// each part.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Installation {
    app_id: String,
    site: String,
    environment: String,
}

/// Why an installation's identity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallationError {
    #[error("the installation's {part} is empty")]
    Empty { part: &'static str },
    #[error("the installation's {part} is {bytes} bytes, over the {max}-byte limit")]
    TooLong {
        part: &'static str,
        bytes: usize,
        max: usize,
    },
    /// Control characters would be stored fine, but they make logs and `runtime storage`
    /// listings ambiguous; NUL in particular cannot be stored in a PostgreSQL `text`.
    #[error("the installation's {part} contains a control character")]
    ControlCharacter { part: &'static str },
}

impl Installation {
    pub fn new(
        app_id: impl Into<String>,
        site: impl Into<String>,
        environment: impl Into<String>,
    ) -> Result<Self, InstallationError> {
        let app_id = checked("app id", app_id.into())?;
        let site = checked("site", site.into())?;
        let environment = checked("environment", environment.into())?;
        Ok(Self {
            app_id,
            site,
            environment,
        })
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    pub fn site(&self) -> &str {
        &self.site
    }

    pub fn environment(&self) -> &str {
        &self.environment
    }
}

fn checked(part: &'static str, value: String) -> Result<String, InstallationError> {
    if value.is_empty() {
        return Err(InstallationError::Empty { part });
    }
    if value.len() > MAX_PART_BYTES {
        return Err(InstallationError::TooLong {
            part,
            bytes: value.len(),
            max: MAX_PART_BYTES,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(InstallationError::ControlCharacter { part });
    }
    Ok(value)
}

impl fmt::Debug for Installation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Escaped: the parts come from configuration, which may be hostile.
        write!(
            f,
            "Installation({:?} on {:?} in {:?})",
            self.app_id, self.site, self.environment
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_is_checked() {
        assert!(Installation::new("app", "https://x.atlassian.net", "development").is_ok());
        assert_eq!(
            Installation::new("", "s", "e"),
            Err(InstallationError::Empty { part: "app id" })
        );
        assert_eq!(
            Installation::new("a", "s\0", "e"),
            Err(InstallationError::ControlCharacter { part: "site" })
        );
        assert!(matches!(
            Installation::new("a", "s", "e".repeat(MAX_PART_BYTES + 1)),
            Err(InstallationError::TooLong {
                part: "environment",
                ..
            })
        ));
    }
}
