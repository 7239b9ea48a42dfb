//! The scopes Forge's manifest accepts, beyond Kiln's catalogue.
//!
//! Kiln's [`Scope`](super::Scope) enum holds the scopes its routes need: Jira's platform,
//! Jira Software and JSM Operations, from Atlassian's OpenAPI specs. A Forge app often
//! declares more: Confluence's scopes in a cross-product app, JSM's own REST API
//! (`read:servicedesk-request`), `report:personal-data` for Forge's privacy API. Those are
//! not typos: Forge's own manifest validator knows them (`catalogue/forge-scopes.txt`, from
//! `@forge/manifest` 13.7.0). Such a scope loads and opens no route, since Kiln serves no
//! route that needs it; a name in neither list is refused, with the nearest known scope
//! suggested.

/// `catalogue/forge-scopes.txt`: comment lines (`#`), then one scope per line, sorted.
const FORGE_SCOPES: &str = include_str!("../../catalogue/forge-scopes.txt");

/// Whether Forge's manifest accepts `name` as a scope.
pub fn is_forge_scope(name: &str) -> bool {
    forge_scopes().any(|scope| scope == name)
}

/// Every scope Forge's manifest accepts, in the file's (sorted) order.
pub fn forge_scopes() -> impl Iterator<Item = &'static str> {
    FORGE_SCOPES
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Scope;

    #[test]
    fn the_list_is_sorted_unique_and_holds_what_forge_apps_declare() {
        let scopes: Vec<&str> = forge_scopes().collect();
        assert!(
            scopes.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted, no duplicates"
        );
        for scope in [
            "report:personal-data",
            "read:servicedesk-request",
            "read:confluence-content.all",
            "storage:app",
            "read:jira-work",
        ] {
            assert!(is_forge_scope(scope), "{scope}");
        }
        assert!(!is_forge_scope("read:jira-everything"));
        // Forge's list covers the classic Jira scopes Kiln's catalogue has.
        for scope in ["read:jira-work", "write:jira-work", "manage:jira-project"] {
            assert!(
                scope.parse::<Scope>().is_ok() && is_forge_scope(scope),
                "{scope}"
            );
        }
    }
}
