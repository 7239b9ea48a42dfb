//! Jira's JSON shapes (per the platform OpenAPI's `User`, `IssueBean`, `Comment`,
//! `Project`, `StatusDetails` … schemas), built from world records.

use serde_json::{Map, Value, json};

use super::fields::FieldSelection;
use super::page::{Window, offset_page};
use super::property_selection::PropertySelection;
use crate::clock::jira_timestamp;
use crate::world::group::{APPLICATION_GROUP, Group, group_id};
use crate::world::resolution::Resolution;
use crate::world::version::VersionField;
use crate::world::workflow::{IssueType, Status, StatusCategory};
use crate::world::{
    AccountType, AttachmentRecord, CommentRecord, IssueRecord, Priority, ProjectRecord, UserRecord,
    World,
};

/// Avatar URLs point back at the simulator so nothing references another origin.
fn avatar_urls(links: &str, kind: &str, id: &str) -> Value {
    let url = |size: u32| format!("{links}/secure/{kind}avatar?size={size}&id={id}");
    json!({ "16x16": url(16), "24x24": url(24), "32x32": url(32), "48x48": url(48) })
}

/// Every user's locale. The simulator models no language preferences (nor a
/// browser's `Accept-Language`), so each user reads Jira in a new site's
/// default language; `GET /mypreferences/locale` answers the same.
pub(crate) const USER_LOCALE: &str = "en_US";

/// A `User`, as `/myself` and user search return it.
pub(crate) fn user(links: &str, record: &UserRecord) -> Value {
    let mut value = user_details(links, record);
    value["locale"] = json!(USER_LOCALE);
    value
}

/// The application role every seeded user holds: Jira Cloud's product access,
/// key `jira-software`, shown as "Jira" since Atlassian folded Jira Software
/// and Jira Work Management into one product.
const JIRA_ROLE_KEY: &str = "jira-software";
const JIRA_ROLE_NAME: &str = "Jira";

/// A `User` as `/myself` and `GET /user` return it: [`user`] with the lists
/// Jira always adds there, `groups` and `applicationRoles`, each a
/// `SimpleListWrapper` collapsed to its `size` (and empty `items`) unless
/// `expand` names it. The simulator models no groups, so a user is in none;
/// every user holds the one application role, Jira's.
pub(crate) fn user_with_lists(
    links: &str,
    world: &World,
    record: &UserRecord,
    expand: Option<&str>,
) -> Value {
    let expands = |what: &str| super::field_details::expands(expand, what);
    let mut value = user(links, record);
    let groups: Vec<Value> = world
        .groups_of(&record.account_id)
        .iter()
        .map(|group| group_name(links, group))
        .collect();
    let roles = vec![application_role(world)];
    let list = |items: Vec<Value>, expanded: bool| {
        let size = items.len();
        let items = if expanded { items } else { Vec::new() };
        json!({ "size": size, "items": items })
    };
    value["groups"] = list(groups, expands("groups"));
    value["applicationRoles"] = list(roles, expands("applicationRoles"));
    value["expand"] = json!("groups,applicationRoles");
    value
}

/// A `GroupName`: how a user's groups and group lists name a group.
pub(crate) fn group_name(links: &str, group: &Group) -> Value {
    json!({
        "name": group.name,
        "groupId": group.id,
        "self": format!("{links}/rest/api/3/group?groupId={}", group.id),
    })
}

/// The site's Jira application role (an `ApplicationRole`), as an expanded
/// user lists it: granted by the built-in application group, every user counted.
/// Seat counts are not modelled and left out (the spec makes them optional).
pub(crate) fn application_role(world: &World) -> Value {
    json!({
        "key": JIRA_ROLE_KEY,
        "groups": [APPLICATION_GROUP],
        "groupDetails": [{ "name": APPLICATION_GROUP, "groupId": group_id(0) }],
        "name": JIRA_ROLE_NAME,
        "defaultGroups": [APPLICATION_GROUP],
        "defaultGroupsDetails": [{ "name": APPLICATION_GROUP, "groupId": group_id(0) }],
        "selectedByDefault": false,
        "defined": true,
        "userCount": world.users.len(),
        "userCountDescription": "users",
        "hasUnlimitedSeats": false,
        "platform": false,
    })
}

/// A `UserDetails`, the shorter form embedded in issues and comments.
/// An app's account has no email, and Jira leaves the field out.
pub(crate) fn user_details(links: &str, user: &UserRecord) -> Value {
    let mut details = json!({
        "self": format!("{links}/rest/api/3/user?accountId={}", user.account_id),
        "accountId": user.account_id,
        "accountType": user.account_type.as_str(),
        "avatarUrls": avatar_urls(links, "user", &user.account_id),
        "displayName": user.display_name,
        "active": true,
        "timeZone": user.time_zone,
    });
    if user.account_type == AccountType::Atlassian {
        details["emailAddress"] = json!(user.email);
    }
    details
}

/// A user by account id, or JSON null when unknown.
fn user_or_null(links: &str, world: &World, account_id: Option<&str>) -> Value {
    account_id
        .and_then(|id| world.user(id))
        .map_or(Value::Null, |u| user_details(links, u))
}

pub(crate) fn status(links: &str, status: &Status) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/status/{}", status.id),
        "description": "",
        "iconUrl": format!("{links}/images/icons/statuses/generic.png"),
        "name": status.name,
        "id": status.id,
        "statusCategory": status_category(links, &status.category),
    })
}

/// A `StatusCategory`, as a status carries it and `/statuscategory` lists it.
pub(crate) fn status_category(links: &str, category: &StatusCategory) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/statuscategory/{}", category.id),
        "id": category.id,
        "key": category.key,
        "colorName": category.color_name,
        "name": category.name,
    })
}

pub(crate) fn issue_type(links: &str, issue_type: &IssueType) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/issuetype/{}", issue_type.id),
        "id": issue_type.id,
        "description": issue_type.description,
        "iconUrl": format!("{links}/images/icons/issuetypes/{}.svg", issue_type.name.to_lowercase()),
        "name": issue_type.name,
        "subtask": issue_type.is_subtask(),
        "hierarchyLevel": issue_type.hierarchy_level,
    })
}

/// The short project form embedded in issues and project lists.
pub(crate) fn project_summary(links: &str, project: &ProjectRecord) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/project/{}", project.id),
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": project.project_type.key(),
        "simplified": false,
        "avatarUrls": avatar_urls(links, "project", &project.id),
    })
}

/// What a `Project`'s `expand` says may be expanded, as Jira gives it.
const PROJECT_EXPANSIONS: &str = "description,lead,issueTypes,url,projectKeys,permissions,insight";

/// The full `Project`, as `GET /project/{key}` returns it. `properties` are the
/// project properties the request named (`{}` when it named none, as Jira
/// answers).
pub(crate) fn project(
    links: &str,
    world: &World,
    project: &ProjectRecord,
    properties: &PropertySelection,
) -> Value {
    let mut value = project_summary(links, project);
    if let Some(object) = value.as_object_mut() {
        object.insert(String::from("expand"), json!(PROJECT_EXPANSIONS));
        object.insert(
            String::from("description"),
            json!(project.description.as_deref().unwrap_or_default()),
        );
        if let Some(url) = &project.url {
            object.insert(String::from("url"), json!(url));
        }
        object.insert(
            String::from("lead"),
            user_or_null(links, world, Some(&project.lead)),
        );
        object.insert(
            String::from("components"),
            Value::Array(
                project
                    .components
                    .iter()
                    .map(|c| component(links, &c.id, &c.name))
                    .collect(),
            ),
        );
        object.insert(
            String::from("issueTypes"),
            Value::Array(
                crate::world::workflow::ISSUE_TYPES
                    .iter()
                    .map(|t| issue_type(links, t))
                    .collect(),
            ),
        );
        object.insert(
            String::from("assigneeType"),
            json!(project.default_assignee.name()),
        );
        object.insert(
            String::from("versions"),
            super::version::shape::of_project(links, world, project),
        );
        object.insert(String::from("roles"), json!({}));
        object.insert(String::from("style"), json!("classic"));
        object.insert(String::from("isPrivate"), json!(false));
        object.insert(
            String::from("properties"),
            Value::Object(properties.select(&project.properties)),
        );
    }
    value
}

/// What `searchProjects`' `expand` adds to each project (`url` adds nothing:
/// see [`listed_project`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ProjectExpand {
    pub(crate) description: bool,
    pub(crate) lead: bool,
    pub(crate) issue_types: bool,
    pub(crate) project_keys: bool,
    pub(crate) insight: bool,
}

impl ProjectExpand {
    /// Adds what a comma-separated `expand` names: `*` is everything; what
    /// cannot be expanded (`url`, `permissions`, anything else) is ignored, as
    /// Jira ignores it.
    pub(crate) fn add(&mut self, list: &str) {
        for item in list.split(',').map(str::trim) {
            match item {
                "description" => self.description = true,
                "lead" => self.lead = true,
                "issueTypes" => self.issue_types = true,
                "projectKeys" => self.project_keys = true,
                "insight" => self.insight = true,
                "*" => {
                    *self = Self {
                        description: true,
                        lead: true,
                        issue_types: true,
                        project_keys: true,
                        insight: true,
                    };
                }
                _ => {}
            }
        }
    }
}

/// A `Project` as `searchProjects` lists it: the short form, its `style`,
/// `isPrivate` and the named `properties` (`{}` when none), and what `expand`
/// asks for. `description` is the project's (the simulator's are empty);
/// `url` adds nothing, as Jira leaves out a URL a project does not have (the
/// simulator's have none); `projectKeys` is the project's one key (the
/// simulator never renames a project; the spec's `Project` schema lists no
/// such field, Jira answers it); `insight` counts the project's issues and
/// gives the last time one was updated (left out when it has none).
pub(crate) fn listed_project(
    links: &str,
    world: &World,
    project: &ProjectRecord,
    expand: ProjectExpand,
    properties: &PropertySelection,
) -> Value {
    let mut value = project_summary(links, project);
    value["expand"] = json!(PROJECT_EXPANSIONS);
    if expand.description {
        value["description"] = json!(project.description.as_deref().unwrap_or_default());
    }
    if expand.lead {
        value["lead"] = user_or_null(links, world, Some(&project.lead));
    }
    if expand.issue_types {
        value["issueTypes"] = Value::Array(
            crate::world::workflow::ISSUE_TYPES
                .iter()
                .map(|t| issue_type(links, t))
                .collect(),
        );
    }
    if expand.project_keys {
        value["projectKeys"] = json!([project.key]);
    }
    if expand.insight {
        let issues = || world.issues.iter().filter(|i| i.project_key == project.key);
        let mut insight = json!({ "totalIssueCount": issues().count() });
        if let Some(last) = issues().map(|i| i.updated).max() {
            insight["lastIssueUpdateTime"] = json!(jira_timestamp(last));
        }
        value["insight"] = insight;
    }
    value["style"] = json!("classic");
    value["isPrivate"] = json!(false);
    value["properties"] = Value::Object(properties.select(&project.properties));
    value
}

pub(crate) fn component(links: &str, id: &str, name: &str) -> Value {
    json!({ "self": format!("{links}/rest/api/3/component/{id}"), "id": id, "name": name })
}

pub(crate) fn comment(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    comment: &CommentRecord,
) -> Value {
    let author = user_or_null(links, world, Some(&comment.author));
    let update_author = match &comment.update_author {
        Some(editor) => user_or_null(links, world, Some(editor)),
        None => author.clone(),
    };
    json!({
        "self": format!("{links}/rest/api/3/issue/{}/comment/{}", issue.id, comment.id),
        "id": comment.id.to_string(),
        "author": author,
        "body": comment.body,
        "updateAuthor": update_author,
        "created": jira_timestamp(comment.created),
        "updated": jira_timestamp(comment.updated),
        "jsdPublic": true,
    })
}

/// A `PageOfComments` holding `comments[start..start+max]`.
pub(crate) fn comment_page(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    window: Window,
) -> Value {
    let page: Vec<Value> = window
        .of(&issue.comments)
        .map(|c| comment(links, world, issue, c))
        .collect();
    offset_page(window, issue.comments.len(), "comments", page)
}

/// An `Attachment`, as an upload's answer and an issue's `attachment` field carry
/// it. No `thumbnail`: the simulator makes none (the spec marks it optional).
pub(crate) fn attachment(links: &str, world: &World, attachment: &AttachmentRecord) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/attachment/{}", attachment.id),
        "id": attachment.id.to_string(),
        "filename": attachment.filename,
        "author": user_or_null(links, world, Some(&attachment.author)),
        "created": jira_timestamp(attachment.created),
        "size": attachment.content.len(),
        "mimeType": attachment.mime_type,
        "content": format!("{links}/rest/api/3/attachment/content/{}", attachment.id),
    })
}

/// The issue's `attachment` field: every attachment, oldest first.
pub(crate) fn attachments(links: &str, world: &World, issue: &IssueRecord) -> Value {
    Value::Array(
        issue
            .attachments
            .iter()
            .map(|a| attachment(links, world, a))
            .collect(),
    )
}

/// Jira's default comment page size inside an issue and on the comments endpoint.
pub(crate) const COMMENT_PAGE_SIZE: usize = 5000;

/// A `Priority` as an issue carries it.
pub(crate) fn priority(links: &str, priority: &Priority) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/priority/{}", priority.id),
        "iconUrl": format!("{links}/images/icons/priorities/{}", priority.icon),
        "name": priority.name,
        "id": priority.id,
    })
}

/// A `Resolution`, as `/resolution` lists it and an issue's `resolution` field
/// carries it.
pub(crate) fn resolution(links: &str, resolution: &Resolution) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/resolution/{}", resolution.id),
        "id": resolution.id,
        "description": resolution.description,
        "name": resolution.name,
    })
}

/// An `IssueBean` with the selected fields. `viewer` is the account the answer
/// is for: its `issuelinks` leave out issues that account may not browse. A
/// webhook payload has no one viewer (`None`) and shows every link, as Jira's
/// payloads are rendered for the site.
pub(crate) fn issue(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    selection: &FieldSelection,
    viewer: Option<&str>,
) -> Value {
    let mut out = Map::new();
    out.insert(
        String::from("expand"),
        json!("renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"),
    );
    out.insert(String::from("id"), json!(issue.id.to_string()));
    out.insert(
        String::from("self"),
        json!(format!("{links}/rest/api/3/issue/{}", issue.id)),
    );
    out.insert(String::from("key"), json!(issue.key));
    let mut fields = Map::new();
    let mut put = |name: &str, value: Value| {
        if selection.has(name) {
            fields.insert(name.to_owned(), value);
        }
    };
    put("summary", json!(issue.summary));
    put("status", status(links, &issue.status));
    put(
        "assignee",
        user_or_null(links, world, issue.assignee.as_deref()),
    );
    put(
        "reporter",
        user_or_null(links, world, Some(&issue.reporter)),
    );
    put("creator", user_or_null(links, world, Some(&issue.creator)));
    put("labels", json!(issue.labels));
    if let Some(project) = world.project(&issue.project_key) {
        put("project", project_summary(links, project));
        put(
            "components",
            Value::Array(
                issue
                    .components
                    .iter()
                    .filter_map(|name| project.component_named(name))
                    .map(|c| component(links, &c.id, &c.name))
                    .collect(),
            ),
        );
    }
    put("issuetype", issue_type(links, &issue.issue_type));
    put("created", json!(jira_timestamp(issue.created)));
    put("updated", json!(jira_timestamp(issue.updated)));
    put(
        "statuscategorychangedate",
        json!(jira_timestamp(issue.status_category_changed)),
    );
    put(
        "resolution",
        issue
            .resolution
            .map_or(Value::Null, |r| resolution(links, r)),
    );
    put(
        "resolutiondate",
        issue
            .resolution_date
            .map_or(Value::Null, |at| json!(jira_timestamp(at))),
    );
    put(
        "description",
        issue.description.clone().unwrap_or(Value::Null),
    );
    put(
        "environment",
        issue.environment.clone().unwrap_or(Value::Null),
    );
    put(
        super::due_date::FIELD,
        super::due_date::render(issue.due_date),
    );
    put("priority", priority(links, issue.priority));
    for field in VersionField::ALL {
        put(
            field.id(),
            super::version::shape::issue_field(links, world, issue, field),
        );
    }
    put(
        "comment",
        comment_page(
            links,
            world,
            issue,
            Window {
                start: 0,
                max: COMMENT_PAGE_SIZE,
            },
        ),
    );
    put("votes", votes(links, issue, viewer));
    // Rendered only when asked for: each carries its uploader's details.
    if selection.has("attachment") {
        fields.insert(String::from("attachment"), attachments(links, world, issue));
    }
    // Likewise: each link carries the other issue's key fields.
    if selection.has("issuelinks") {
        fields.insert(
            String::from("issuelinks"),
            super::issue_link::field(links, world, issue, viewer),
        );
    }
    // The parent and sub-tasks show, like links, other issues' key fields, trimmed to what `viewer` may see.
    if selection.has(super::hierarchy::FIELD)
        && let Some(parent) = super::hierarchy::parent_field(links, world, issue, viewer)
    {
        fields.insert(String::from(super::hierarchy::FIELD), parent);
    }
    if selection.has(super::hierarchy::SUBTASKS_FIELD) {
        fields.insert(
            String::from(super::hierarchy::SUBTASKS_FIELD),
            super::hierarchy::subtasks_field(links, world, issue, viewer),
        );
    }
    super::time_tracking::render(world, issue, selection, &mut fields);
    // Rendered only when asked for: each worklog carries its author's details.
    if selection.has(super::worklog::FIELD) {
        fields.insert(
            String::from(super::worklog::FIELD),
            super::worklog::issue_field(links, world, issue, viewer),
        );
    }
    // Jira Software's Sprint field, a custom field on every cloud site.
    if selection.has_custom(crate::world::sprint::SPRINT_FIELD_ID) {
        fields.insert(
            String::from(crate::world::sprint::SPRINT_FIELD_ID),
            crate::software::sprint_field::value(world, issue),
        );
    }
    for field in &world.custom_fields {
        let id = field.id();
        if selection.has_custom(&id) {
            let value = issue.custom_fields.get(&field.number);
            fields.insert(
                id,
                super::custom_field::render_value(links, world, field, value),
            );
        }
    }
    out.insert(String::from("fields"), Value::Object(fields));
    Value::Object(out)
}

/// The issue's `votes` field (Jira's `Votes` without the voters, as an issue
/// carries it): the count, and whether `viewer` voted. A webhook payload has no
/// one viewer, so `hasVoted` is false there.
pub(crate) fn votes(links: &str, issue: &IssueRecord, viewer: Option<&str>) -> Value {
    json!({
        "self": format!("{links}/rest/api/3/issue/{}/votes", issue.key),
        "votes": issue.voters.len(),
        "hasVoted": viewer.is_some_and(|viewer| issue.voters.iter().any(|v| v == viewer)),
    })
}

/// The bare form the enhanced search returns when only ids were asked for.
pub(crate) fn issue_id_only(issue: &IssueRecord) -> Value {
    json!({ "id": issue.id.to_string() })
}
