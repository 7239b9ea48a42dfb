//! The Jira Cloud platform REST API (`/rest/api/3/...`, and `/rest/api/2/...` over it),
//! as far as Kiln apps use it.

mod account_ids;
mod adjust_estimate;
mod app_field_configuration;
mod app_field_value;
mod app_property;
mod application_role;
mod approximate_count;
pub(crate) mod attachment;
mod body_fields;
mod bulk_create;
mod bulk_fetch;
mod changelog_bulk;
mod comment;
mod comment_list;
mod comment_property;
pub(crate) mod component;
mod configuration;
mod create_meta;
mod create_meta_deprecated;
pub(crate) mod custom_field;
mod custom_field_option_order;
mod custom_field_write;
mod dashboard;
pub(crate) mod due_date;
pub(crate) mod duration;
mod expression_analyse;
mod expression_evaluate;
mod field_context;
mod field_context_default;
mod field_context_mapping;
mod field_context_option;
pub(crate) mod field_details;
pub(crate) mod fields;
mod filter;
mod group;
pub(crate) mod hierarchy;
pub(crate) mod html;
mod id_set;
pub(crate) mod issue;
pub(crate) mod issue_history;
mod issue_key_segment;
pub(crate) mod issue_link;
mod issue_picker;
mod issue_type_property;
mod jql_autocomplete;
mod jql_match;
mod jql_parse;
mod jql_sanitize;
mod label;
mod locale;
mod my_permissions;
pub(crate) mod my_preferences;
mod myself;
mod notify;
mod order_direction;
pub(crate) mod page;
mod permissions_check;
mod permitted_projects;
mod project;
mod project_property;
mod project_role;
mod project_write;
pub(crate) mod property;
mod property_bulk;
pub(crate) mod property_selection;
pub(crate) mod render;
mod rendered_fields;
mod replace_option;
mod screens;
mod search;
mod server_info;
pub(crate) mod share_permission;
mod shared_entity_query;
pub(crate) mod site_metadata;
mod status_category;
mod statuses;
mod task;
pub(crate) mod time_tracking;
mod transition;
mod user;
mod user_bulk;
mod user_email;
mod user_permission_search;
mod user_picker;
mod user_property;
mod user_search;
mod users_list;
pub(crate) mod v2;
pub(crate) mod version;
mod versioned;
mod votes;
mod watchers;
mod webhook;
mod wiki;
mod workflow_schemes;
mod workflows;
pub(crate) mod worklog;
mod worklog_bulk;
mod worklog_feed;
mod worklog_property;
mod worklog_visibility;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;
use axum::routing::{delete, get, post, put};

use crate::shared::Shared;

/// The platform routes, mounted both on the site and behind the gateway: the REST
/// API under `/rest/api/3` and, for apps written against it, `/rest/api/2` (the same
/// operations with rich text as strings: `v2.rs`), and Forge's app properties.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .nest("/rest/api/3", api_routes())
        .nest("/rest/api/2", api_routes().layer(from_fn(v2::translate)))
        .route("/rest/forge/1/app/properties", get(app_property::keys))
        .route(
            "/rest/forge/1/app/properties/{property_key}",
            get(app_property::get)
                .put(app_property::set)
                .delete(app_property::delete),
        )
}

/// The REST API's routes, relative to `/rest/api/{version}`.
fn api_routes() -> Router<Arc<Shared>> {
    Router::new()
        .merge(site_metadata::routes())
        .merge(issue_history::routes())
        .merge(filter::routes())
        .merge(dashboard::routes())
        .merge(version::routes())
        .merge(users_list::routes())
        .merge(user_permission_search::routes())
        .merge(status_category::routes())
        .merge(workflows::routes())
        .merge(workflow_schemes::routes())
        .merge(screens::routes())
        .route("/issueLinkType", get(issue_link::types))
        .route(
            "/issueLinkType/{issue_link_type_id}",
            get(issue_link::get_type),
        )
        .route("/issueLink", post(issue_link::create))
        .route(
            "/issueLink/{link_id}",
            get(issue_link::get).delete(issue_link::delete),
        )
        .route(
            "/component",
            post(component::create).get(site_metadata::component::across_projects),
        )
        .route(
            "/component/{id}",
            get(component::get)
                .put(component::update)
                .delete(component::delete),
        )
        .route(
            "/component/{id}/relatedIssueCounts",
            get(component::related_issue_counts),
        )
        .route("/myself", get(myself::get))
        .route("/mypreferences/locale", get(locale::get))
        .route("/mypermissions", get(my_permissions::get))
        .route("/permissions/check", post(permissions_check::check))
        .route("/permissions/project", post(permitted_projects::permitted))
        .route("/applicationrole", get(application_role::list))
        .route("/applicationrole/{key}", get(application_role::get))
        .route(
            "/mypreferences",
            get(my_preferences::get)
                .put(my_preferences::set)
                .delete(my_preferences::remove),
        )
        .route("/issuetype/{id}/properties", get(issue_type_property::keys))
        .route(
            "/issuetype/{id}/properties/{property_key}",
            get(issue_type_property::get)
                .put(issue_type_property::set)
                .delete(issue_type_property::delete),
        )
        .route("/issue", post(issue::create))
        .route(
            "/issue/picker",
            issue_key_segment::write("picker").get(issue_picker::suggest),
        )
        .route(
            "/issue/bulk",
            issue_key_segment::write("bulk")
                .merge(issue_key_segment::read("bulk"))
                .post(bulk_create::create),
        )
        .route(
            "/issue/watching",
            issue_key_segment::write("watching")
                .merge(issue_key_segment::read("watching"))
                .post(watchers::watching),
        )
        .route(
            "/issue/bulkfetch",
            issue_key_segment::write("bulkfetch")
                .merge(issue_key_segment::read("bulkfetch"))
                .post(bulk_fetch::fetch),
        )
        .route(
            "/issue/{issue_id_or_key}",
            get(issue::get).put(issue::edit).delete(issue::delete),
        )
        .route(
            "/issue/{issue_id_or_key}/comment",
            get(comment::list).post(comment::add),
        )
        .route(
            "/issue/{issue_id_or_key}/comment/{id}",
            get(comment::get)
                .put(comment::update)
                .delete(comment::delete),
        )
        .route("/comment/list", post(comment_list::list))
        .route(
            "/webhook",
            get(webhook::list)
                .post(webhook::register)
                .delete(webhook::delete),
        )
        .route("/webhook/refresh", put(webhook::refresh))
        .route("/webhook/failed", get(webhook::failed))
        .route(
            "/issue/{issue_id_or_key}/transitions",
            get(transition::list).post(transition::perform),
        )
        .route("/issue/{issue_id_or_key}/assignee", put(issue::assign))
        .route("/issue/{issue_id_or_key}/notify", post(notify::notify))
        .route(
            "/issue/{issue_id_or_key}/editmeta",
            get(create_meta::edit_meta),
        )
        .route("/issue/createmeta", get(create_meta_deprecated::get))
        .route(
            "/issue/createmeta/{project_id_or_key}/issuetypes",
            get(project::create_meta_issue_types),
        )
        .route(
            "/issue/createmeta/{project_id_or_key}/issuetypes/{issue_type_id}",
            get(create_meta::fields),
        )
        .route(
            "/group",
            get(group::get).post(group::create).delete(group::remove),
        )
        .route("/group/bulk", get(group::bulk))
        .route("/group/member", get(group::list_members))
        .route(
            "/group/user",
            post(group::add_member).delete(group::remove_member),
        )
        .route("/groups/picker", get(group::picker))
        .route("/groupuserpicker", get(user_picker::users_and_groups))
        .route("/user/groups", get(group::of_user))
        .route("/search/jql", get(search::get).post(search::post))
        .route(
            "/jql/autocompletedata",
            get(jql_autocomplete::reference).post(jql_autocomplete::reference_filtered),
        )
        .route(
            "/jql/autocompletedata/suggestions",
            get(jql_autocomplete::suggestions),
        )
        .route("/search/approximate-count", post(approximate_count::count))
        .route("/jql/parse", post(jql_parse::parse))
        .route("/jql/match", post(jql_match::match_issues))
        .route("/jql/sanitize", post(jql_sanitize::sanitize))
        .route("/expression/evaluate", post(expression_evaluate::evaluate))
        .route("/expression/analyse", post(expression_analyse::analyse))
        .route("/statuses", get(statuses::by_id))
        .route("/statuses/search", get(statuses::search))
        .route("/statuses/byNames", get(statuses::by_name))
        .route(
            "/project/{project_id_or_key}/role",
            get(project_role::of_project),
        )
        .route(
            "/project/{project_id_or_key}/role/{id}",
            get(project_role::in_project),
        )
        .route(
            "/project/{project_id_or_key}/roledetails",
            get(project_role::details),
        )
        .route("/role", get(project_role::all))
        .route("/role/{id}", get(project_role::one))
        .route("/role/{id}/actors", get(project_role::one))
        .route("/project", get(project::all).post(project_write::create))
        .route("/project/search", get(project::search))
        .route("/project/recent", get(project::recent))
        .route(
            "/project/{project_id_or_key}",
            get(project::get)
                .put(project_write::update)
                .delete(project_write::delete),
        )
        .route(
            "/project/{project_id_or_key}/statuses",
            get(project::statuses),
        )
        .route("/user", get(user::get))
        .route("/user/search", get(user_search::find))
        .route("/user/picker", get(user_picker::for_picker))
        .route("/user/bulk", get(user_bulk::get))
        .route("/user/email", get(user_email::one))
        .route("/user/email/bulk", get(user_email::bulk))
        .route("/label", get(label::list))
        .route(
            "/project/{project_id_or_key}/properties",
            get(project_property::keys),
        )
        .route(
            "/project/{project_id_or_key}/properties/{property_key}",
            get(project_property::get)
                .put(project_property::set)
                .delete(project_property::delete),
        )
        .route("/user/properties", get(user_property::keys))
        .route(
            "/user/properties/{property_key}",
            get(user_property::get)
                .put(user_property::set)
                .delete(user_property::delete),
        )
        .route("/serverInfo", get(server_info::get))
        .route("/configuration", get(configuration::get))
        .route(
            "/configuration/timetracking",
            get(configuration::time_tracking_provider),
        )
        .route(
            "/configuration/timetracking/list",
            get(configuration::time_tracking_providers),
        )
        .route(
            "/configuration/timetracking/options",
            get(configuration::time_tracking_options),
        )
        .route(
            "/field",
            get(field_details::list).post(custom_field::create),
        )
        .route("/field/search", get(custom_field::search))
        .route("/app/field/value", post(app_field_value::update_many))
        .route(
            "/app/field/{field_id_or_key}/value",
            put(app_field_value::update_one),
        )
        .route(
            "/app/field/{field_id_or_key}/context/configuration",
            get(app_field_configuration::get).put(app_field_configuration::update),
        )
        .route(
            "/app/field/context/configuration/list",
            post(app_field_configuration::list),
        )
        .route(
            "/field/{field_id}",
            put(custom_field_write::update).delete(custom_field_write::delete),
        )
        .route("/task/{task_id}", get(task::get))
        .route("/task/{task_id}/cancel", post(task::cancel))
        .route("/customFieldOption/{id}", get(field_context_option::get))
        .route(
            "/field/{field_id}/context",
            get(field_context::list).post(field_context::create),
        )
        .route(
            "/field/{field_id}/context/defaultValue",
            get(field_context_default::list).put(field_context_default::set),
        )
        .route(
            "/field/{field_id}/context/projectmapping",
            get(field_context_mapping::projects),
        )
        .route(
            "/field/{field_id}/context/issuetypemapping",
            get(field_context_mapping::issue_types),
        )
        .route(
            "/field/{field_id}/context/mapping",
            post(field_context_mapping::applicable),
        )
        .route(
            "/field/{field_id}/context/{context_id}",
            put(field_context::update).delete(field_context::delete),
        )
        .route(
            "/field/{field_id}/context/{context_id}/project",
            put(field_context::assign_projects),
        )
        .route(
            "/field/{field_id}/context/{context_id}/project/remove",
            post(field_context::remove_projects),
        )
        .route(
            "/field/{field_id}/context/{context_id}/issuetype",
            put(field_context::add_issue_types),
        )
        .route(
            "/field/{field_id}/context/{context_id}/issuetype/remove",
            post(field_context::remove_issue_types),
        )
        .route(
            "/field/{field_id}/context/{context_id}/option",
            get(custom_field::options)
                .post(custom_field::create_options)
                .put(custom_field::update_options),
        )
        .route(
            "/field/{field_id}/context/{context_id}/option/move",
            put(custom_field_option_order::reorder),
        )
        .route(
            "/field/{field_id}/context/{context_id}/option/{option_id}",
            delete(custom_field::delete_option),
        )
        .route(
            "/field/{field_id}/context/{context_id}/option/{option_id}/issue",
            delete(replace_option::replace),
        )
        .route(
            "/issue/{issue_id_or_key}/worklog",
            get(worklog::list)
                .post(worklog::add)
                .delete(worklog_bulk::delete),
        )
        .route(
            "/issue/{issue_id_or_key}/worklog/move",
            post(worklog_bulk::move_to),
        )
        .route("/worklog/updated", get(worklog_feed::updated))
        .route("/worklog/deleted", get(worklog_feed::deleted))
        .route("/worklog/list", post(worklog_feed::list))
        .route("/changelog/bulkfetch", post(changelog_bulk::bulk_fetch))
        .route(
            "/issue/{issue_id_or_key}/changelog/list",
            post(changelog_bulk::by_ids),
        )
        .route(
            "/issue/{issue_id_or_key}/worklog/{id}",
            get(worklog::get)
                .put(worklog::update)
                .delete(worklog::delete),
        )
        .route(
            "/issue/{issue_id_or_key}/worklog/{id}/properties",
            get(worklog_property::keys),
        )
        .route(
            "/issue/{issue_id_or_key}/worklog/{id}/properties/{property_key}",
            get(worklog_property::get)
                .put(worklog_property::set)
                .delete(worklog_property::delete),
        )
        .route(
            "/issue/{issue_id_or_key}/watchers",
            get(watchers::list)
                .post(watchers::add)
                .delete(watchers::remove),
        )
        .route(
            "/issue/{issue_id_or_key}/votes",
            get(votes::get).post(votes::add).delete(votes::remove),
        )
        .route(
            "/issue/{issue_id_or_key}/attachments",
            post(attachment::add).layer(DefaultBodyLimit::max(attachment::MAX_REQUEST_BYTES)),
        )
        .route("/attachment/meta", get(attachment::settings))
        .route(
            "/attachment/{id}",
            get(attachment::get).delete(attachment::remove),
        )
        .route("/attachment/content/{id}", get(attachment::content))
        .route(
            "/comment/{comment_id}/properties",
            get(comment_property::keys),
        )
        .route(
            "/comment/{comment_id}/properties/{property_key}",
            get(comment_property::get)
                .put(comment_property::set)
                .delete(comment_property::delete),
        )
        .route(
            "/issue/properties",
            issue_key_segment::write("properties")
                .merge(issue_key_segment::read("properties"))
                .post(property_bulk::set_list),
        )
        .route("/issue/properties/multi", property_bulk::multi_route())
        .route(
            "/issue/properties/{property_key}",
            put(property_bulk::set_on_many).delete(property_bulk::delete_from_many),
        )
        .route("/issue/{issue_id_or_key}/properties", get(property::keys))
        .route(
            "/issue/{issue_id_or_key}/properties/{property_key}",
            get(property::get)
                .put(property::set)
                .delete(property::delete),
        )
}

/// Path parameters of issue routes; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(serde::Deserialize)]
pub(crate) struct IssuePath {
    pub(crate) issue_id_or_key: String,
}

/// Path parameters of a route to one thing an issue holds by numeric id (a
/// comment, a worklog); named so the gateway's extra `cloud_id` is ignored.
#[derive(serde::Deserialize)]
pub(crate) struct IssueChildPath {
    pub(crate) issue_id_or_key: String,
    pub(crate) id: String,
}

/// The issue `path` names (visible to the caller) and the position of its
/// child whose id is `path.id` among `children(issue)`, or `not_found(id)`:
/// a child of another issue is not found under this one.
pub(crate) fn find_child<T>(
    world: &crate::world::World,
    caller: &crate::access::Caller,
    path: &IssueChildPath,
    children: impl Fn(&crate::world::IssueRecord) -> &[T],
    id_of: impl Fn(&T) -> u64,
    not_found: impl FnOnce(&str) -> crate::jira_error::JiraError,
) -> Result<(usize, usize), crate::jira_error::JiraError> {
    let index = issue::visible_issue(world, caller, &path.issue_id_or_key)?;
    let position = children(&world.issues[index])
        .iter()
        .position(|child| id_of(child).to_string() == path.id)
        .ok_or_else(|| not_found(&path.id))?;
    Ok((index, position))
}
