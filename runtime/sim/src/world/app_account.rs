//! An app's own account.
//!
//! On Jira every Forge app is a user of the site: an account of
//! `accountType: "app"`, named after the app, that its `asApp()` calls act as.
//! What an app writes is authored by that account, the webhooks its writes
//! cause name it as the actor, and Forge's `filter.ignoreSelf` drops only the
//! events of the app's own account. Every app given an integration
//! (`app_clients.rs`), the first included, acts as an account made here; the
//! configured integration acts as a seeded person (`AppClientConfig::acts_as`)
//! only while no app has been given it.
//!
//! What an app account may do is its own, not a person's. On Jira an app user
//! is granted access through what is given to apps (the
//! `atlassian-addons-admin` group, the app's project roles), never by
//! following a human: adding a person to a group, or taking a permission from
//! them, changes nothing for any app. So an app account holds grants of its
//! own, set once when it is made, and changed afterwards through the same
//! APIs as any user's: a site admin adds it to a group or removes it by its
//! account id (`/rest/api/3/group/user`), and a project created later grants
//! it what the site's default scheme grants every user (`project_write.rs`).
//! The seed has no notion of apps, so what it is first given is a copy of the
//! configured integration's service account's: the same project permissions,
//! the same stored groups and the same site-admin flag, so every app may do
//! what a single app could before apps had accounts. A copy, not a link: a
//! later change to that person's groups does not reach the apps, as on Jira.
//!
//! The simulator keeps its site in memory and makes its integrations anew at
//! every start, so an app's account id is derived from the app id alone: the
//! same app finds the same account (and what it authored before, in an app's
//! own storage, still names it) on every start. There is one account per
//! integration, and integrations are bounded (`MAX_APP_CLIENTS`), so accounts
//! are too.

use sha2::{Digest as _, Sha256};

use super::World;
use super::project::{AccountType, UserRecord};

/// Jira's prefix for the accounts Atlassian itself makes, apps' among them
/// (Automation for Jira's is `557058:f58131cb-…`): an app account looks like
/// one, and no seeded person's id need be shaped so.
const APP_ACCOUNT_PREFIX: &str = "557058";

/// Jira's longest display name, in characters: an app id longer than this
/// (the simulator's API takes any string) is cut, never stored whole.
const MAX_DISPLAY_NAME_CHARS: usize = 255;

/// The account id of the app `app_id` at `attempt`: attempt 0 is the app's
/// own; a later one is taken only when a seeded user already holds every
/// earlier one, which a seed can only do on purpose.
fn derived_account_id(app_id: &str, attempt: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(app_id.as_bytes());
    if attempt > 0 {
        // A separator no app id holds keeps `("a", 1)` apart from an app
        // whose id ends in the attempt's digits.
        hash.update([0]);
        hash.update(attempt.to_le_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!("{APP_ACCOUNT_PREFIX}:{}", uuid::Uuid::from_bytes(bytes))
}

/// The display name of the app `app_id`'s account: the app, as Jira names an
/// app's account.
fn display_name(app_id: &str) -> String {
    if app_id.trim().is_empty() {
        return String::from("app");
    }
    app_id.chars().take(MAX_DISPLAY_NAME_CHARS).collect()
}

impl World {
    /// Adds the account of the app `app_id`, made from the user whose email is
    /// `template` (the configured integration's service account), and answers
    /// its id; `None` when the site has no such user (the configured
    /// integration then fails the same way, `oauth/token.rs`).
    ///
    /// Call it once per app: the caller (`AppClients::for_app`) remembers the
    /// account with the app's integration, which is bounded.
    pub(crate) fn add_app_account(&mut self, app_id: &str, template: &str) -> Option<String> {
        let template = self.user_by_email(template)?.clone();
        // Each attempt gives an id none before gave, so among the site's users
        // plus one attempts one is free.
        let account_id = (0..=self.users.len())
            .map(|attempt| derived_account_id(app_id, attempt))
            .find(|id| self.user(id).is_none())?;
        self.users.push(UserRecord {
            account_id: account_id.clone(),
            email: String::new(),
            display_name: display_name(app_id),
            site_admin: template.site_admin,
            time_zone: template.time_zone.clone(),
            account_type: AccountType::App,
            properties: std::collections::BTreeMap::new(),
            preferences: std::collections::BTreeMap::new(),
        });
        for project in &mut self.projects {
            if let Some(granted) = project.grants.get(&template.account_id).cloned() {
                project.grants.insert(account_id.clone(), granted);
            }
        }
        for group in &mut self.groups {
            if group.members.contains(&template.account_id) {
                group.members.push(account_id.clone());
            }
        }
        Some(account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{Seed, SeedPermission};

    const ADMIN: &str = "admin@example.com";

    fn world() -> World {
        World::from_seed(&Seed::default()).expect("the default seed")
    }

    #[test]
    fn an_app_account_is_the_apps_and_may_what_the_service_account_may() {
        let mut world = world();
        let admin = world.user_by_email(ADMIN).unwrap().clone();
        let id = world.add_app_account("my-app", ADMIN).unwrap();
        let account = world.user(&id).unwrap();
        assert_eq!(account.account_type, AccountType::App);
        assert_eq!(account.display_name, "my-app");
        assert!(account.email.is_empty());
        assert!(id.starts_with("557058:"));
        assert_eq!(account.site_admin, admin.site_admin);
        for project in &world.projects {
            for permission in [
                SeedPermission::Browse,
                SeedPermission::Create,
                SeedPermission::Edit,
                SeedPermission::Comment,
            ] {
                assert_eq!(
                    project.grants(&id, permission),
                    project.grants(&admin.account_id, permission),
                    "{} {permission:?}",
                    project.key
                );
            }
        }
        let groups = |who: &str| {
            world
                .groups_of(who)
                .into_iter()
                .map(|g| g.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(groups(&id), groups(&admin.account_id));
        // An app account has no email, so no email finds it: not even an
        // empty one.
        assert_eq!(world.user_by_email("").map(|u| &u.account_id), None);
        assert_eq!(
            world.user_by_email(ADMIN).unwrap().account_id,
            admin.account_id
        );
    }

    #[test]
    fn the_same_app_gets_the_same_account_on_every_site_and_others_their_own() {
        let first = world().add_app_account("my-app", ADMIN).unwrap();
        let again = world().add_app_account("my-app", ADMIN).unwrap();
        let other = world().add_app_account("other-app", ADMIN).unwrap();
        assert_eq!(first, again, "derived from the app id alone");
        assert_ne!(first, other);
    }

    #[test]
    fn an_app_account_never_takes_a_seeded_users_id() {
        let taken = derived_account_id("my-app", 0);
        let mut seed = Seed::default();
        seed.users[1].account_id = taken.clone();
        let mut world = World::from_seed(&seed).expect("the seed");
        let seeded = world.user(&taken).unwrap().clone();
        let id = world.add_app_account("my-app", ADMIN).unwrap();
        assert_ne!(id, taken);
        assert_eq!(id, derived_account_id("my-app", 1));
        // The seeded user is untouched.
        assert_eq!(world.user(&taken).unwrap().email, seeded.email);
        assert_eq!(
            world.user(&taken).unwrap().account_type,
            AccountType::Atlassian
        );
    }

    #[test]
    fn no_account_without_the_service_accounts_user() {
        let mut world = world();
        let before = world.users.len();
        assert_eq!(world.add_app_account("my-app", "nobody@example.com"), None);
        assert_eq!(world.users.len(), before);
    }

    #[test]
    fn a_long_app_id_makes_a_bounded_name() {
        let long = "a".repeat(10 * MAX_DISPLAY_NAME_CHARS);
        assert_eq!(display_name(&long).chars().count(), MAX_DISPLAY_NAME_CHARS);
    }
}
