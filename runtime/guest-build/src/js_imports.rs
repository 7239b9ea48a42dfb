//! The npm packages a JS app's backend imports, as the build's scan reads
//! them, and the npm names Kiln accepts of them.
//!
//! Forge apps often keep one `package.json` for their backend and their
//! frontend, so it names dozens of frontend packages (`@atlaskit/*`, UI
//! libraries) the backend never imports. When npm no longer serves one of
//! their versions (`@atlaskit/tokens` 3.0.0, FacundoDuarte/carga-masiva-scarlett's),
//! `npm ci` of the whole lockfile fails, and the app cannot be built,
//! although nothing of that package could ever be in the bundle: esbuild
//! bundles only what the manifest's handlers reach through static imports
//! and `require`s. So before installing, `build.mjs` runs in scan mode, in
//! the same sandbox and with the same entry points and settings as the
//! bundle, with every bare import left external, and prints the package
//! names the app's own code imports; the install keeps only those and what
//! the lockfile says they need (`js_provided::pruned_for_install`).
//!
//! What the scan prints is the app's text (its import strings): it is read
//! within [`MAX_SCAN_BYTES`] and [`MAX_PACKAGES`], and each name must be an
//! npm package name ([`is_npm_name`]) before it is used.

use std::collections::BTreeSet;

/// Longest scan output read: far more than any app's list of imports.
pub const MAX_SCAN_BYTES: u64 = 1024 * 1024;

/// Most packages a scan may name; more is no real backend, and the install
/// falls back to every dependency.
pub const MAX_PACKAGES: usize = 10_000;

/// npm's limit on a package name's length (validate-npm-package-name).
const MAX_NAME_BYTES: usize = 214;

/// The package names an app's backend imports (its own code's bare imports,
/// each cut to its package: `lodash/fp` is `lodash`), every one an npm name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackendImports {
    names: BTreeSet<String>,
}

/// Why the scan's output was not used: the install then takes every
/// dependency, as it did before there was a scan.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanOutputError {
    /// Not the JSON object `{"packages": [string, …]}`.
    #[error("the scan's output is not its list of packages")]
    NotAList,
    /// More than [`MAX_SCAN_BYTES`].
    #[error("the scan printed more than {MAX_SCAN_BYTES} bytes")]
    TooLong,
    /// More than [`MAX_PACKAGES`] names.
    #[error("the scan names more than {MAX_PACKAGES} packages")]
    TooMany,
}

impl BackendImports {
    /// The names of `output` (the scan's stdout: `{"packages": [...]}`).
    /// A string that is no npm package name (a path alias the scan could not
    /// resolve, `~/utils`, which the bundle then reports) names no package
    /// that could be installed: it is left out.
    pub fn from_scan(output: &[u8]) -> Result<Self, ScanOutputError> {
        if output.len() as u64 > MAX_SCAN_BYTES {
            return Err(ScanOutputError::TooLong);
        }
        let value: serde_json::Value =
            serde_json::from_slice(output).map_err(|_| ScanOutputError::NotAList)?;
        let list = value
            .get("packages")
            .and_then(serde_json::Value::as_array)
            .ok_or(ScanOutputError::NotAList)?;
        if list.len() > MAX_PACKAGES {
            return Err(ScanOutputError::TooMany);
        }
        let mut names = BTreeSet::new();
        for item in list {
            let name = item.as_str().ok_or(ScanOutputError::NotAList)?;
            if is_npm_name(name) {
                names.insert(name.to_owned());
            }
        }
        Ok(Self { names })
    }

    /// The imports `names` (each kept only if it is an npm name).
    pub fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            names: names
                .into_iter()
                .filter(|name| is_npm_name(name))
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Whether the backend imports the package `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Every name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

/// Whether `name` is an npm package name: `name` or `@scope/name`, at most
/// 214 bytes, each part non-empty, not starting with `.` or `_`, of the
/// characters a name may hold in a URL unescaped (npm's rule; old packages'
/// capitals, `JSONStream`, are accepted as npm still installs them). So no
/// `..`, no `/` beyond the scope's, nothing a path could climb with.
pub fn is_npm_name(name: &str) -> bool {
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return false;
    }
    let parts: Vec<&str> = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, rest)) => vec![scope, rest],
            None => return false,
        },
        None => vec![name],
    };
    parts.iter().all(|part| {
        !part.is_empty()
            && !part.starts_with('.')
            && !part.starts_with('_')
            && part.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'-' | b'.' | b'_' | b'~' | b'!' | b'*' | b'\'' | b'(' | b')'
                    )
            })
    }) && !matches!(name, "node_modules" | "favicon.ico")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_names_are_told_from_paths_and_tricks() {
        for good in [
            "lodash",
            "@atlaskit/tokens",
            "date-fns",
            "JSONStream",
            "lodash.merge",
            "@forge/api",
            "a",
        ] {
            assert!(is_npm_name(good), "{good}");
        }
        let long = "a".repeat(215);
        for bad in [
            "",
            "..",
            "../x",
            "a/../b",
            "@scope",
            "@scope/",
            "@/utils",
            "~/utils",
            "a/b",
            "@a/b/c",
            ".hidden",
            "_private",
            "node_modules",
            "kiln:app",
            "with space",
            "a\\b",
            "\u{e9}",
            long.as_str(),
        ] {
            assert!(!is_npm_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_scans_output_is_read_within_bounds() {
        let imports =
            BackendImports::from_scan(br#"{"packages":["lodash","@/alias","../up","zod"]}"#)
                .unwrap();
        assert_eq!(imports.names().collect::<Vec<_>>(), ["lodash", "zod"]);
        assert_eq!(
            BackendImports::from_scan(b"not json"),
            Err(ScanOutputError::NotAList)
        );
        assert_eq!(
            BackendImports::from_scan(br#"{"packages":[1]}"#),
            Err(ScanOutputError::NotAList)
        );
        let many = serde_json::json!({ "packages": vec!["a"; MAX_PACKAGES + 1] }).to_string();
        assert_eq!(
            BackendImports::from_scan(many.as_bytes()),
            Err(ScanOutputError::TooMany)
        );
        let long = vec![b' '; MAX_SCAN_BYTES as usize + 1];
        assert_eq!(
            BackendImports::from_scan(&long),
            Err(ScanOutputError::TooLong)
        );
    }
}
