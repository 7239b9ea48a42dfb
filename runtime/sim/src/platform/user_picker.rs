//! The pickers' user searches: `GET /rest/api/3/user/picker` (findUsersForPicker)
//! and `GET /rest/api/3/groupuserpicker` (findUsersAndGroups), what an app's
//! "assign to…" box or mention list calls as the person types.
//!
//! Both match users as every user search does ([`UserMatch`]: a prefix of the
//! email address, the display name or a word of it, without regard to case)
//! and mark the typed text in each user's `html` with `<strong>`, as the spec's
//! examples show (`<strong>Mi</strong>a Krystof - <strong>mi</strong>a@example.com`).
//! Every part of that markup that comes from a user is escaped: a display name
//! is whatever its owner typed, and the `html` is made to be put into a page.
//!
//! `/user/picker` keeps the operation's documented quirk: it "takes the users in
//! the range defined by `maxResults`, up to the thousandth user, and then returns
//! only the users from that range that match", so it "usually returns fewer users
//! than specified in `maxResults`"; `total` counts every match among the first
//! thousand. Every user of the simulator holds *Browse users and groups*
//! (`platform/group.rs`), so no caller is limited to exact matches.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::group::{PICKER_MAX, found_groups};
use super::html::escape;
use super::user_search::UserMatch;
use crate::access::Caller;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::UserRecord;

/// `maxResults` when the caller gives none, for both operations (the spec's).
const DEFAULT_MAX: usize = 50;
/// The users `/user/picker` looks through: "up to the thousandth user".
const PICKER_RANGE: usize = 1_000;

/// What both pickers read from the query string. Keys may repeat
/// (`excludeAccountIds=a&excludeAccountIds=b`), so it is read by hand.
#[derive(Default)]
struct PickerQuery {
    query: Option<String>,
    max: Option<usize>,
    show_avatar: bool,
    avatar_size: Option<String>,
    /// A set: as many as a URL holds, each asked about every user.
    exclude_account_ids: HashSet<String>,
    /// `exclude` (usernames): gone from Jira Cloud, refused beside `excludeAccountIds`.
    exclude_given: bool,
    case_insensitive: bool,
}

impl PickerQuery {
    fn read(raw: Option<String>) -> Result<Self, JiraError> {
        let mut read = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "query" => read.query = Some(value.into_owned()),
                "maxResults" => read.max = Some(query_number("maxResults", value.trim())?),
                "showAvatar" => read.show_avatar = value.eq_ignore_ascii_case("true"),
                "avatarSize" => read.avatar_size = Some(value.into_owned()),
                // "This parameter accepts a comma-separated list. Multiple account
                // IDs can also be provided using an ampersand-separated list."
                "excludeAccountIds" => read.exclude_account_ids.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_owned),
                ),
                "exclude" => read.exclude_given = true,
                "caseInsensitive" => read.case_insensitive = value.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        Ok(read)
    }

    /// The typed text; both operations require it.
    fn query(&self) -> Result<&str, JiraError> {
        self.query
            .as_deref()
            .ok_or_else(|| JiraError::bad_request("The parameter 'query' is required."))
    }

    fn max(&self) -> usize {
        self.max.unwrap_or(DEFAULT_MAX).min(PICKER_MAX)
    }

    fn excludes(&self, user: &UserRecord) -> bool {
        self.exclude_account_ids.contains(&user.account_id)
    }
}

/// `GET /user/picker` (findUsersForPicker): see the module documentation.
pub(crate) async fn for_picker(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let read = PickerQuery::read(raw)?;
    if read.exclude_given && !read.exclude_account_ids.is_empty() {
        return Err(JiraError::bad_request(
            "The parameters 'exclude' and 'excludeAccountIds' cannot be used together.",
        ));
    }
    let query = read.query()?;
    let matcher = UserMatch::new(Some(query), None);
    let world = shared.world();
    let in_range = read.max().min(PICKER_RANGE);
    let matching = |(_, user): &(usize, &UserRecord)| matcher.matches(user) && !read.excludes(user);
    let candidates = world.users.iter().take(PICKER_RANGE).enumerate();
    let total = candidates.clone().filter(matching).count();
    let users: Vec<Value> = candidates
        .filter(|(at, _)| *at < in_range)
        .filter(matching)
        .map(|(_, user)| picker_user(&caller.links, user, query, &read))
        .collect();
    Ok(Json(found_users(users, total)))
}

/// `GET /groupuserpicker` (findUsersAndGroups): users as `/user/picker` finds
/// them (without its range quirk) and groups as `/groups/picker` does, each list
/// at most `maxResults` long. `fieldId`, `projectId` and `issueTypeId` narrow the
/// search to those who may see a custom field's projects on Jira; the
/// simulator's users all may, so they narrow nothing here.
pub(crate) async fn users_and_groups(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let read = PickerQuery::read(raw)?;
    let query = read.query()?;
    let matcher = UserMatch::new(Some(query), None);
    let world = shared.world();
    let matching: Vec<&UserRecord> = world
        .users
        .iter()
        .filter(|user| matcher.matches(user) && !read.excludes(user))
        .collect();
    let users: Vec<Value> = matching
        .iter()
        .take(read.max())
        .map(|user| picker_user(&caller.links, user, query, &read))
        .collect();
    let groups = found_groups(&world, query, &[], &[], read.max(), read.case_insensitive);
    Ok(Json(json!({
        "users": found_users(users, matching.len()),
        "groups": groups,
    })))
}

/// A `FoundUsers`.
fn found_users(users: Vec<Value>, total: usize) -> Value {
    json!({
        "header": format!("Showing {} of {total} matching users", users.len()),
        "total": total,
        "users": users,
    })
}

/// A `UserPickerUser`: `avatarUrl` only when `showAvatar=true`, in the size
/// `avatarSize` names (Jira's `xsmall`, 16 pixels, by default).
fn picker_user(links: &str, user: &UserRecord, query: &str, read: &PickerQuery) -> Value {
    let html = format!(
        "{} - {}",
        strong_prefix(&user.display_name, query, true),
        strong_prefix(&user.email, query, false),
    );
    let mut value = json!({
        "accountId": user.account_id,
        "accountType": user.account_type.as_str(),
        "displayName": user.display_name,
        "html": html,
    });
    if read.show_avatar {
        let size = avatar_pixels(read.avatar_size.as_deref());
        value["avatarUrl"] = json!(format!(
            "{links}/secure/useravatar?size={size}&id={}",
            user.account_id
        ));
    }
    value
}

/// The pixels of an `avatarSize` (`xsmall` 16, `small` 24, `medium` 32,
/// `large` and larger 48, the sizes the simulator draws; a `@2x`/`@3x` suffix
/// asks the same size at a higher density). Anything else is the default, as the
/// spec says of an invalid value.
fn avatar_pixels(size: Option<&str>) -> u32 {
    let name = size.unwrap_or("xsmall");
    let name = name.split('@').next().unwrap_or(name);
    match name {
        "small" => 24,
        "medium" => 32,
        "large" | "xlarge" | "xxlarge" | "xxxlarge" => 48,
        _ => 16,
    }
}

/// `text`, escaped, with `query` marked in `<strong>` where it starts the text
/// or, when `by_word`, a word of it (the first such place), as [`UserMatch`]
/// matches; unmarked when it matches neither. Comparison ignores case.
fn strong_prefix(text: &str, query: &str, by_word: bool) -> String {
    let word_starts = text
        .char_indices()
        .filter(|(_, c)| by_word && c.is_whitespace())
        .map(|(i, c)| i + c.len_utf8());
    let starts = std::iter::once(0).chain(word_starts);
    for start in starts {
        if let Some(end) = prefix_end(&text[start..], query) {
            let end = start + end;
            return format!(
                "{}<strong>{}</strong>{}",
                escape(&text[..start]),
                escape(&text[start..end]),
                escape(&text[end..])
            );
        }
    }
    escape(text)
}

/// The byte length of the part of `text` that `query` is a prefix of, ignoring
/// case; `None` when it is not one (or is empty). Walked character by
/// character, so the length falls on a character boundary of `text`.
fn prefix_end(text: &str, query: &str) -> Option<usize> {
    if query.is_empty() {
        return None;
    }
    let mut rest = text.char_indices();
    for q in query.chars() {
        let (_, c) = rest.next()?;
        if !c.to_lowercase().eq(q.to_lowercase()) {
            return None;
        }
    }
    Some(rest.next().map_or(text.len(), |(i, _)| i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_text_is_marked_where_it_starts_the_text_or_a_word() {
        assert_eq!(
            strong_prefix("Mia Krystof", "mi", true),
            "<strong>Mi</strong>a Krystof"
        );
        assert_eq!(
            strong_prefix("Mia Krystof", "kry", true),
            "Mia <strong>Kry</strong>stof"
        );
        assert_eq!(
            strong_prefix("mia@example.com", "MIA", false),
            "<strong>mia</strong>@example.com"
        );
        // Inside a word, or a word of an email address, is not a match.
        assert_eq!(strong_prefix("Amia Krystof", "mi", true), "Amia Krystof");
        assert_eq!(strong_prefix("a.mi@x.org", "mi", false), "a.mi@x.org");
    }

    #[test]
    fn every_part_of_the_markup_is_escaped() {
        assert_eq!(
            strong_prefix("<img src=x> <b>Bob", "<b", true),
            "&lt;img src=x&gt; <strong>&lt;b</strong>&gt;Bob"
        );
        assert_eq!(strong_prefix("Zoë <x>", "", true), "Zoë &lt;x&gt;");
    }

    #[test]
    fn marking_keeps_to_character_boundaries() {
        assert_eq!(
            strong_prefix("Élodie Ünal", "ün", true),
            "Élodie <strong>Ün</strong>al"
        );
        assert_eq!(
            strong_prefix("日本 語", "語", true),
            "日本 <strong>語</strong>"
        );
    }

    #[test]
    fn avatar_sizes_map_to_the_sizes_drawn() {
        assert_eq!(avatar_pixels(None), 16);
        assert_eq!(avatar_pixels(Some("small@2x")), 24);
        assert_eq!(avatar_pixels(Some("medium")), 32);
        assert_eq!(avatar_pixels(Some("xxxlarge@3x")), 48);
        assert_eq!(avatar_pixels(Some("bogus")), 16);
    }
}
