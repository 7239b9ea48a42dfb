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

/// Adds cascading options under `parent` as the admin; their ids, in order.
async fn add_children(
    sim: &Simulator,
    field: &str,
    context: &str,
    parent: &str,
    values: &[&str],
) -> Vec<String> {
    let options: Vec<Value> = values
        .iter()
        .map(|v| json!({ "value": v, "optionId": parent }))
        .collect();
    let reply = caller(sim, ADMIN)
        .post(
            &format!("/rest/api/3/field/{field}/context/{context}/option"),
            &json!({ "options": options }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    for i in 0..values.len() {
        assert_eq!(reply.body["options"][i]["optionId"], parent);
    }
    (0..values.len())
        .map(|i| reply.str_at(&format!("/options/{i}/id")))
        .collect()
}

/// The keys `jql` finds, in the site's order, or JQL's refusal.
async fn keys(sim: &Simulator, jql: &str) -> Result<Vec<String>, String> {
    let found = caller(sim, ADMIN)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("{jql} ORDER BY key ASC"), "fields": ["summary"], "maxResults": 100 }),
        )
        .await;
    if found.status != StatusCode::OK {
        return Err(found.text);
    }
    Ok(found.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
        .collect())
}

/// A cascading select "Location" with Europe (Paris, Lyon) and Asia (Tokyo)
/// in its global context: the field, the context, the parents and children.
async fn location(sim: &Simulator) -> (String, String, Vec<String>, Vec<String>) {
    let field = field_of(sim, "Location", "cascadingselect").await;
    let context = global_context(sim, &field).await;
    let parents = add_options(sim, &field, &context, &["Europe", "Asia"]).await;
    let mut children = add_children(sim, &field, &context, &parents[0], &["Paris", "Lyon"]).await;
    children.extend(add_children(sim, &field, &context, &parents[1], &["Tokyo"]).await);
    (field, context, parents, children)
}

#[tokio::test]
async fn cascading_options_have_a_top_level_parent_of_their_context() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Where", "type": format!("{TYPE}cascadingselect") }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["schema"]["type"], "option-with-child");
    assert_eq!(
        created.body["schema"]["custom"],
        format!("{TYPE}cascadingselect")
    );
    let (field, context, parents, children) = location(&sim).await;
    let base = format!("/rest/api/3/field/{field}/context/{context}/option");

    // Parents first, then cascading options, each naming its parent.
    let listed = alice.get(&base).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    Contract::new().check_ref(
        "GET …/option",
        "PageBeanCustomFieldContextOption",
        &listed.body,
    );
    let values: Vec<(Value, Value)> = listed.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|o| (o["value"].clone(), o["optionId"].clone()))
        .collect();
    assert_eq!(
        values,
        [
            (json!("Europe"), Value::Null),
            (json!("Asia"), Value::Null),
            (json!("Paris"), json!(parents[0])),
            (json!("Lyon"), json!(parents[0])),
            (json!("Tokyo"), json!(parents[1])),
        ]
    );

    // Jira's rules: a parent is a top-level option of the same context;
    // values are unique among siblings; only cascading selects take one.
    let other = create_context(&sim, &field, &json!({ "name": "SEC", "projectIds": [SEC] })).await;
    let foreign = add_options(&sim, &field, &other, &["Elsewhere"]).await;
    let tier = select_field(&sim, "Tier").await;
    let tier_context = global_context(&sim, &tier).await;
    let tier_option = add_options(&sim, &tier, &tier_context, &["Gold"]).await;
    let refused = [
        (
            base.clone(),
            json!({ "value": "Nice", "optionId": children[0] }),
        ),
        (
            base.clone(),
            json!({ "value": "Nice", "optionId": "99999" }),
        ),
        (
            base.clone(),
            json!({ "value": "Nice", "optionId": foreign[0] }),
        ),
        (
            base.clone(),
            json!({ "value": "paris", "optionId": parents[0] }),
        ),
        (
            format!("/rest/api/3/field/{tier}/context/{tier_context}/option"),
            json!({ "value": "Nice", "optionId": tier_option[0] }),
        ),
    ];
    for (path, option) in refused {
        let reply = alice.post(&path, &json!({ "options": [option] })).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{option}: {}",
            reply.text
        );
    }
    // The same value under another parent, or at the top, is fine.
    add_children(&sim, &field, &context, &parents[1], &["Paris"]).await;
    add_options(&sim, &field, &context, &["Paris"]).await;

    // Options move within their level.
    let moved = alice
        .put(
            &format!("{base}/move"),
            &json!({ "customFieldOptionIds": [children[1]], "position": "First" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let listed = alice.get(&base).await;
    let order: Vec<&str> = listed.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|o| o["value"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        order,
        ["Europe", "Asia", "Paris", "Lyon", "Paris", "Tokyo", "Paris"],
        "top-level options first, then Lyon first among the children"
    );
    for body in [
        json!({ "customFieldOptionIds": [parents[1], children[0]], "position": "First" }),
        json!({ "customFieldOptionIds": [children[0]], "after": parents[1] }),
    ] {
        let refused = alice.put(&format!("{base}/move"), &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
    }

    // A parent goes only once its cascading options have gone.
    let parent = alice.delete(&format!("{base}/{}", parents[1])).await;
    assert_eq!(parent.status, StatusCode::BAD_REQUEST, "{}", parent.text);
    let listed = alice.get(&format!("{base}?maxResults=100")).await;
    let under_asia: Vec<String> = listed.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter(|o| o["optionId"] == parents[1].as_str())
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    for child in &under_asia {
        let gone = alice.delete(&format!("{base}/{child}")).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    }
    let parent = alice.delete(&format!("{base}/{}", parents[1])).await;
    assert_eq!(parent.status, StatusCode::NO_CONTENT, "{}", parent.text);
}

#[tokio::test]
async fn cascading_values_are_set_rendered_logged_and_searched() {
    let sim = start().await;
    let (field, context, parents, children) = location(&sim).await;
    let (europe, asia) = (&parents[0], &parents[1]);
    let (paris, lyon, tokyo) = (&children[0], &children[1], &children[2]);
    let in_paris = issue_with(
        &sim,
        KILN,
        TASK,
        json!({ &field: { "value": "Europe", "child": { "value": "Paris" } } }),
    )
    .await;
    let in_europe = issue_with(&sim, KILN, TASK, json!({ &field: { "id": europe } })).await;
    let in_tokyo = issue_with(
        &sim,
        KILN,
        TASK,
        json!({ &field: { "id": asia, "child": { "id": tokyo } } }),
    )
    .await;
    let nowhere = issue_with(&sim, KILN, TASK, json!({})).await;

    let base = sim.base_url();
    assert_eq!(
        value_of(&sim, &in_paris, &field).await,
        json!({
            "self": format!("{base}/rest/api/3/customFieldOption/{europe}"),
            "value": "Europe",
            "id": europe,
            "child": {
                "self": format!("{base}/rest/api/3/customFieldOption/{paris}"),
                "value": "Paris",
                "id": paris,
            },
        })
    );
    assert_eq!(
        value_of(&sim, &in_europe, &field).await["child"],
        Value::Null
    );

    // A child must be one of the parent's; a parent must be top-level.
    for (value, message) in [
        (
            json!({ "value": "Asia", "child": { "value": "Paris" } }),
            "Option value 'Paris' is not a valid child of the option 'Asia'",
        ),
        (
            json!({ "id": europe, "child": { "id": tokyo } }),
            &*format!("Option id '{tokyo}' is not a valid child of the option 'Europe'"),
        ),
        (
            json!({ "id": paris }),
            &*format!("Option id '{paris}' is not valid"),
        ),
        (
            json!({ "child": { "value": "Paris" } }),
            "Could not find valid 'id' or 'value' in the Parent Option object.",
        ),
    ] {
        let reply = create_issue(&sim, KILN, TASK, json!({ &field: value })).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{value}: {}",
            reply.text
        );
        assert_eq!(reply.body["errors"][&field], message, "{value}");
    }

    // An edit is logged in Jira's cascading format.
    let edited = caller(&sim, ADMIN)
        .put(
            &format!("/rest/api/3/issue/{in_paris}"),
            &json!({ "fields": { &field: { "value": "Asia" } } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let history = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{in_paris}/changelog"))
        .await;
    let entries = history.body["values"].as_array().expect("entries");
    let item = &entries.last().expect("an entry")["items"][0];
    assert_eq!(item["fieldId"], field.as_str());
    assert_eq!(item["from"], Value::Null);
    assert_eq!(
        item["fromString"],
        format!("Parent values: Europe({europe})Level 1 values: Paris({paris})")
    );
    assert_eq!(item["toString"], format!("Parent values: Asia({asia})"));
    let edited = caller(&sim, ADMIN)
        .put(
            &format!("/rest/api/3/issue/{in_paris}"),
            &json!({ "fields": { &field: { "value": "Europe", "child": { "value": "Paris" } } } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);

    // The metadata offers the parents with their children.
    let meta = crate::field_contexts::create_meta_fields(&sim, KILN, TASK).await;
    let meta = meta
        .iter()
        .find(|f| f["fieldId"] == field.as_str())
        .expect("offered");
    assert_eq!(meta["schema"]["type"], "option-with-child");
    let allowed = &meta["allowedValues"];
    assert_eq!(allowed[0]["value"], "Europe");
    assert_eq!(allowed[0]["children"][1]["value"], "Lyon");
    assert_eq!(allowed[1]["children"][0]["id"], tokyo.as_str());
    assert_eq!(allowed.as_array().map(Vec::len), Some(2));

    // JQL: a value names the option at either level; cascadeOption a pair.
    let cf = field.trim_start_matches("customfield_");
    let found = |jql: String| {
        let sim = &sim;
        async move { keys(sim, &jql).await }
    };
    assert_eq!(
        found(format!("cf[{cf}] = Europe")).await,
        Ok(vec![in_paris.clone(), in_europe.clone()])
    );
    assert_eq!(
        found(format!("cf[{cf}] = Tokyo")).await,
        Ok(vec![in_tokyo.clone()])
    );
    assert_eq!(
        found("Location in cascadeOption(Europe, Paris)".to_owned()).await,
        Ok(vec![in_paris.clone()])
    );
    assert_eq!(
        found(format!("Location in cascadeOption({europe}, none)")).await,
        Ok(vec![in_europe.clone()])
    );
    assert_eq!(
        found("Location in cascadeOption(Asia)".to_owned()).await,
        Ok(vec![in_tokyo.clone()])
    );
    assert_eq!(
        found(
            "project = KILN AND Location not in cascadeOption(Europe) AND Location is not EMPTY"
                .to_owned()
        )
        .await,
        Ok(vec![in_tokyo.clone()])
    );
    assert_eq!(
        found(format!(
            "key = {nowhere} AND Location in cascadeOption(none)"
        ))
        .await,
        Ok(vec![nowhere.clone()])
    );
    for refused in [
        "Location in cascadeOption(Mars)",
        "Location in cascadeOption(Asia, Paris)",
        "Location in cascadeOption()",
        "Location = cascadeOption(Asia)",
        "summary in cascadeOption(Asia)",
    ] {
        assert!(found(refused.to_owned()).await.is_err(), "{refused}");
    }

    // Replacing a cascading option: a child by a child, a parent by a parent.
    let reply = replace(
        &sim,
        ADMIN,
        (&field, &context, paris),
        &format!("replaceWith={lyon}"),
    )
    .await;
    let task = followed(&sim, &reply).await;
    assert_eq!(
        task["result"]["modifiedIssues"],
        json!([issue_id(&sim, &in_paris).await])
    );
    assert_eq!(
        value_of(&sim, &in_paris, &field).await["child"]["value"],
        "Lyon"
    );
    let reply = replace(
        &sim,
        ADMIN,
        (&field, &context, europe),
        &format!("replaceWith={tokyo}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let reply = replace(
        &sim,
        ADMIN,
        (&field, &context, europe),
        &format!("replaceWith={asia}"),
    )
    .await;
    followed(&sim, &reply).await;
    let moved = value_of(&sim, &in_paris, &field).await;
    assert_eq!(moved["value"], "Asia");
    assert_eq!(moved["child"], Value::Null, "Lyon is not Asia's");
}

#[tokio::test]
async fn a_cascading_default_names_a_parent_and_a_child() {
    let sim = start().await;
    let (field, context, parents, children) = location(&sim).await;
    let path = format!("/rest/api/3/field/{field}/context/defaultValue");
    let alice = caller(&sim, ADMIN);
    let default = json!({
        "type": "option.cascading", "contextId": context,
        "optionId": parents[0], "cascadingOptionId": children[1],
    });
    let set = alice
        .put(&path, &json!({ "defaultValues": [default.clone()] }))
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    let read = alice.get(&path).await;
    assert_eq!(read.body["values"][0], default);
    let key = issue_with(&sim, KILN, TASK, json!({})).await;
    let value = value_of(&sim, &key, &field).await;
    assert_eq!(value["value"], "Europe");
    assert_eq!(value["child"]["value"], "Lyon");
    // A child of another parent is not found.
    let wrong = json!({
        "type": "option.cascading", "contextId": context,
        "optionId": parents[0], "cascadingOptionId": children[2],
    });
    let refused = alice.put(&path, &json!({ "defaultValues": [wrong] })).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
}
