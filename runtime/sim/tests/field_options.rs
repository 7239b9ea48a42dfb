//! Replacing a custom field option on the issues that hold it
//! (replaceCustomFieldOption, a `303` to a finished task) and cascading select
//! fields (parent and child options, issue values, JQL).

use crate::common;
use crate::common::hook_receiver::{admin_hook, next_delivery, nothing_more, receiver};
use crate::contract::Contract;
use crate::field_contexts::{
    BUG, KILN, SEC, TASK, TYPE, add_options, create_context, create_issue, global_context,
    select_field,
};

use common::{ADMIN, USER, caller, start};
use kiln_sim::{Simulator, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The usual searcher of a field type (short keys).
fn searcher(kind: &str) -> &'static str {
    match kind {
        "cascadingselect" => "cascadingselectsearcher",
        "textfield" => "textsearcher",
        _ => "multiselectsearcher",
    }
}

/// A field of `kind` (short type key) made by the admin, on the Default Screen.
async fn field_of(sim: &Simulator, name: &str, kind: &str) -> String {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({
                "name": name,
                "type": format!("{TYPE}{kind}"),
                "searcherKey": format!("{TYPE}{}", searcher(kind)),
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.str_at("/id");
    common::put_on_default_screen(sim, &id).await;
    id
}

/// The key of a new issue in `project` of `issue_type` with `fields`.
async fn issue_with(sim: &Simulator, project: &str, issue_type: &str, fields: Value) -> String {
    let created = create_issue(sim, project, issue_type, fields).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.str_at("/key")
}

/// The issue's value of `field`.
async fn value_of(sim: &Simulator, key: &str, field: &str) -> Value {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields={field}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["fields"][field].clone()
}

/// The option ids a select or multiselect value holds.
fn ids(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(ids).collect(),
        Value::Object(_) => vec![value["id"].as_str().unwrap_or_default().to_owned()],
        _ => Vec::new(),
    }
}

/// The numeric id of issue `key`.
async fn issue_id(sim: &Simulator, key: &str) -> u64 {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields=summary"))
        .await;
    reply.str_at("/id").parse().expect("numeric id")
}

/// `DELETE …/option/{option}/issue?{query}` as `who`.
async fn replace(
    sim: &Simulator,
    who: &str,
    (field, context, option): (&str, &str, &str),
    query: &str,
) -> common::Reply {
    caller(sim, who)
        .delete(&format!(
            "/rest/api/3/field/{field}/context/{context}/option/{option}/issue?{query}"
        ))
        .await
}

/// Follows a `303` to its task, checking the two agree; the task.
async fn followed(sim: &Simulator, reply: &common::Reply) -> Value {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let location = reply.headers["location"].to_str().expect("a location");
    assert_eq!(location, reply.str_at("/self"));
    let path = location.strip_prefix(sim.base_url()).expect("on the site");
    assert!(path.starts_with("/rest/api/3/task/"), "{path}");
    let task = caller(sim, ADMIN).get(path).await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.text);
    assert_eq!(task.body["status"], "COMPLETE");
    assert_eq!(task.body["result"], reply.body["result"]);
    Contract::new().check_ref("GET /task", "TaskProgressBeanObject", &task.body);
    task.body
}

#[tokio::test]
async fn an_option_is_replaced_on_the_issues_holding_it() {
    let sim = start().await;
    let single = select_field(&sim, "Tier").await;
    let multi = field_of(&sim, "Regions", "multiselect").await;
    let single_context = global_context(&sim, &single).await;
    let multi_context = global_context(&sim, &multi).await;
    let tiers = add_options(
        &sim,
        &single,
        &single_context,
        &["Gold", "Silver", "Bronze"],
    )
    .await;
    let regions = add_options(&sim, &multi, &multi_context, &["EU", "US", "APAC"]).await;
    let gold = |f: &str| json!({ f: { "id": tiers[0] } });
    let first = issue_with(&sim, KILN, TASK, gold(&single)).await;
    let second = issue_with(&sim, SEC, BUG, gold(&single)).await;
    let silver = issue_with(&sim, KILN, TASK, json!({ &single: { "id": tiers[1] } })).await;
    let both = issue_with(
        &sim,
        KILN,
        TASK,
        json!({ &multi: [{ "id": regions[0] }, { "id": regions[2] }] }),
    )
    .await;
    let already = issue_with(
        &sim,
        KILN,
        TASK,
        json!({ &multi: [{ "id": regions[1] }, { "id": regions[0] }] }),
    )
    .await;

    // Gold becomes Bronze on both issues holding it; Silver stays.
    let reply = replace(
        &sim,
        ADMIN,
        (&single, &single_context, &tiers[0]),
        &format!("replaceWith={}", tiers[2]),
    )
    .await;
    let task = followed(&sim, &reply).await;
    let (first_id, second_id) = (issue_id(&sim, &first).await, issue_id(&sim, &second).await);
    assert_eq!(
        task["result"]["modifiedIssues"],
        json!([first_id, second_id])
    );
    assert_eq!(task["result"]["unmodifiedIssues"], json!([]));
    assert_eq!(
        task["description"],
        format!(
            "Remove option {} from issues matched by '*', and replace with option {}",
            tiers[0], tiers[2]
        )
    );
    for key in [&first, &second] {
        let value = value_of(&sim, key, &single).await;
        assert_eq!(value["value"], "Bronze");
        assert_eq!(value["id"], tiers[2].as_str());
    }
    assert_eq!(value_of(&sim, &silver, &single).await["value"], "Silver");

    // In the changelog, as an edit records it.
    let history = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{first}/changelog"))
        .await;
    let entries = history.body["values"].as_array().expect("entries");
    let last = entries.last().expect("an entry");
    assert_eq!(
        last["items"],
        json!([{
            "field": "Tier", "fieldtype": "custom", "fieldId": single,
            "from": tiers[0], "fromString": "Gold", "to": tiers[2], "toString": "Bronze",
        }])
    );

    // A multiselect: EU becomes US in place; where US is held already, once.
    let reply = replace(
        &sim,
        ADMIN,
        (&multi, &multi_context, &regions[0]),
        &format!("replaceWith={}", regions[1]),
    )
    .await;
    followed(&sim, &reply).await;
    assert_eq!(
        ids(&value_of(&sim, &both, &multi).await),
        [regions[1].clone(), regions[2].clone()]
    );
    assert_eq!(
        ids(&value_of(&sim, &already, &multi).await),
        [regions[1].clone()]
    );

    // Without replaceWith the option is taken off: the value goes when empty.
    let reply = replace(&sim, ADMIN, (&multi, &multi_context, &regions[1]), "").await;
    let task = followed(&sim, &reply).await;
    assert_eq!(
        task["description"],
        format!("Remove option {} from issues matched by '*'", regions[1])
    );
    assert_eq!(
        ids(&value_of(&sim, &both, &multi).await),
        [regions[2].clone()]
    );
    assert_eq!(value_of(&sim, &already, &multi).await, Value::Null);
}

#[tokio::test]
async fn jql_narrows_the_issues_and_an_issue_out_of_scope_is_left_alone() {
    let sim = start().await;
    let field = select_field(&sim, "Tier").await;
    let global = global_context(&sim, &field).await;
    add_options(&sim, &field, &global, &["Anything"]).await;
    // KILN's bugs have their own context.
    let own = create_context(
        &sim,
        &field,
        &json!({ "name": "KILN bugs", "projectIds": [KILN], "issueTypeIds": [BUG] }),
    )
    .await;
    let options = add_options(&sim, &field, &own, &["Gold", "Silver"]).await;
    let gold = json!({ &field: { "id": options[0] } });
    let narrowed = issue_with(&sim, KILN, BUG, gold.clone()).await;
    let kept = issue_with(&sim, KILN, BUG, gold.clone()).await;
    let moved = issue_with(&sim, KILN, BUG, gold).await;

    let reply = replace(
        &sim,
        ADMIN,
        (&field, &own, &options[0]),
        &format!("replaceWith={}&jql=key%20%3D%20{narrowed}", options[1]),
    )
    .await;
    let task = followed(&sim, &reply).await;
    assert_eq!(
        task["result"]["modifiedIssues"],
        json!([issue_id(&sim, &narrowed).await])
    );
    assert_eq!(
        task["description"],
        format!(
            "Remove option {} from issues matched by 'key = {narrowed}', and replace with option {}",
            options[0], options[1]
        )
    );
    assert_eq!(value_of(&sim, &narrowed, &field).await["value"], "Silver");
    assert_eq!(value_of(&sim, &kept, &field).await["value"], "Gold");

    // The context stops covering bugs: the bugs still holding Gold are out of
    // its scope, so Silver cannot be set on them; clearing still works.
    let alice = caller(&sim, ADMIN);
    let path = format!("/rest/api/3/field/{field}/context/{own}/issuetype");
    let added = alice.put(&path, &json!({ "issueTypeIds": [TASK] })).await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.text);
    let removed = alice
        .post(&format!("{path}/remove"), &json!({ "issueTypeIds": [BUG] }))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let reply = replace(
        &sim,
        ADMIN,
        (&field, &own, &options[0]),
        &format!("replaceWith={}&jql=key%20%3D%20{moved}", options[1]),
    )
    .await;
    let task = followed(&sim, &reply).await;
    assert_eq!(task["result"]["modifiedIssues"], json!([]));
    assert_eq!(
        task["result"]["unmodifiedIssues"],
        json!([issue_id(&sim, &moved).await])
    );
    assert_eq!(
        task["result"]["errors"]["errorMessages"],
        json!([format!(
            "Option {} cannot be set on issue {moved} as it is not in the correct scope",
            options[1]
        )])
    );
    let reply = replace(&sim, ADMIN, (&field, &own, &options[0]), "").await;
    let task = followed(&sim, &reply).await;
    let cleared = json!([issue_id(&sim, &kept).await, issue_id(&sim, &moved).await]);
    assert_eq!(task["result"]["modifiedIssues"], cleared);
    assert_eq!(value_of(&sim, &moved, &field).await, Value::Null);
}

#[tokio::test]
async fn a_replacement_raises_the_issue_updated_webhook_an_edit_does() {
    let (url, mut deliveries) = receiver().await;
    let sim = common::hook_receiver::start_with_hooks(vec![admin_hook(
        &url,
        &[WebhookEvent::IssueUpdated],
        None,
    )])
    .await;
    let field = select_field(&sim, "Tier").await;
    let context = global_context(&sim, &field).await;
    let options = add_options(&sim, &field, &context, &["Gold", "Silver"]).await;
    let key = issue_with(&sim, KILN, TASK, json!({ &field: { "value": "Gold" } })).await;

    let reply = replace(
        &sim,
        ADMIN,
        (&field, &context, &options[0]),
        &format!("replaceWith={}", options[1]),
    )
    .await;
    followed(&sim, &reply).await;
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "jira:issue_updated");
    assert_eq!(delivery["issue"]["key"], key.as_str());
    assert_eq!(delivery["issue"]["fields"][&field]["value"], "Silver");
    let items = &delivery["changelog"]["items"];
    assert_eq!(items[0]["fieldId"], field.as_str());
    assert_eq!(items[0]["fromString"], "Gold");
    assert_eq!(items[0]["toString"], "Silver");
    let history = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}/changelog"))
        .await;
    let entries = history.body["values"].as_array().expect("entries");
    assert_eq!(
        entries.last().expect("an entry")["id"],
        delivery["changelog"]["id"]
    );
    nothing_more(&mut deliveries).await;
}

#[tokio::test]
async fn a_replacement_is_refused_as_the_spec_says() {
    let sim = start().await;
    let field = select_field(&sim, "Tier").await;
    let context = global_context(&sim, &field).await;
    let options = add_options(&sim, &field, &context, &["Gold", "Silver"]).await;
    let other = create_context(&sim, &field, &json!({ "name": "SEC", "projectIds": [SEC] })).await;
    let elsewhere = add_options(&sim, &field, &other, &["Gold"]).await;
    let text = field_of(&sim, "Notes", "textfield").await;
    let (gold, silver) = (options[0].as_str(), options[1].as_str());
    let with = |id: &str| format!("replaceWith={id}");

    let cases = [
        (
            USER,
            (field.as_str(), context.as_str(), gold),
            with(silver),
            StatusCode::FORBIDDEN,
        ),
        (
            ADMIN,
            ("customfield_99999", context.as_str(), gold),
            with(silver),
            StatusCode::NOT_FOUND,
        ),
        (
            ADMIN,
            (text.as_str(), "10000", gold),
            with(silver),
            StatusCode::NOT_FOUND,
        ),
        (
            ADMIN,
            (field.as_str(), "99999", gold),
            with(silver),
            StatusCode::NOT_FOUND,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), "99999"),
            with(silver),
            StatusCode::NOT_FOUND,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), elsewhere[0].as_str()),
            with(silver),
            StatusCode::NOT_FOUND,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), gold),
            with(gold),
            StatusCode::BAD_REQUEST,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), gold),
            with(&elsewhere[0]),
            StatusCode::BAD_REQUEST,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), gold),
            with("99999"),
            StatusCode::BAD_REQUEST,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), gold),
            with("gold"),
            StatusCode::BAD_REQUEST,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), gold),
            "jql=project%20%3D%20NOPE".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            ADMIN,
            (field.as_str(), context.as_str(), gold),
            "overrideScreenSecurity=true".to_owned(),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, target, query, status) in cases {
        let reply = replace(&sim, who, target, &query).await;
        assert_eq!(reply.status, status, "{target:?} {query}: {}", reply.text);
        assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
    }
    // Refusals record no task: the next one is the first.
    let reply = replace(&sim, ADMIN, (&field, &context, gold), "").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert_eq!(reply.body["id"], "10000");
    // Only the submitter or an admin reads the task.
    let task = caller(&sim, USER).get("/rest/api/3/task/10000").await;
    assert_eq!(task.status, StatusCode::FORBIDDEN, "{}", task.text);
}
