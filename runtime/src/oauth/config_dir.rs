//! Where Kiln keeps per-user state (OAuth tokens, scope grants).

use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/kiln`, else `$HOME/.config/kiln`; `None` when neither
/// variable is set (then the caller must be told a path explicitly).
pub fn kiln_config_dir() -> Option<PathBuf> {
    config_dir_from(|name| std::env::var_os(name)).map(|dir| dir.join("kiln"))
}

fn config_dir_from(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    let xdg = lookup("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    xdg.or_else(|| {
        lookup("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|home| home.join(".config"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_wins_and_relative_paths_are_ignored() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.into())
        };
        assert_eq!(
            config_dir_from(env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(
            config_dir_from(env(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.config"))
        );
        assert_eq!(config_dir_from(env(&[])), None);
    }
}
