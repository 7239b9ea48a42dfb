//! Default values of custom field contexts: set and read per context in the
//! spec's typed shapes, refused when they do not fit the field or the context,
//! applied to a create that leaves the field out (in the context that applies
//! to the new issue only), shown by the create metadata, and gone with the
//! option they name.

use crate::common;
use crate::field_contexts::{
    BUG, KILN, SEC, TASK, TYPE, add_options, create_context, create_issue, create_meta_fields,
    global_context, select_field,
};

use common::{ADMIN, USER, caller, start};
use kiln_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The defaults route of a field.
fn defaults_of(field: &str) -> String {
    format!("/rest/api/3/field/{field}/context/defaultValue")
}

/// Sets defaults as the admin, asserting the `204`.
async fn set_defaults(sim: &Simulator, field: &str, defaults: Value) {
    let reply = caller(sim, ADMIN)
        .put(&defaults_of(field), &json!({ "defaultValues": defaults }))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
}

/// The field's defaults as the admin reads them, checked against the spec.
async fn read_defaults(sim: &Simulator, field: &str, query: &str) -> Value {
    let reply = caller(sim, ADMIN)
        .get(&format!("{}{query}", defaults_of(field)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    crate::contract::Contract::new().check_context_defaults("getDefaultValues", &reply.body);
    reply.body
}

/// A field of `kind` made by the admin and put on the Default Screen; its id
/// and its global context's.
async fn field_of(sim: &Simulator, name: &str, kind: &str) -> (String, String) {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": name, "type": format!("{TYPE}{kind}") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.str_at("/id");
    common::put_on_default_screen(sim, &id).await;
    let global = global_context(sim, &id).await;
    (id, global)
}

/// An issue's value of the field, as `GET /issue` renders it.
async fn value_of(sim: &Simulator, key: &str, field: &str) -> Value {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields={field}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["fields"][field].clone()
}

/// Creates an issue, asserting the `201`; its key.
async fn created(sim: &Simulator, project: &str, issue_type: &str, fields: Value) -> String {
    let reply = create_issue(sim, project, issue_type, fields).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/key")
}

/// A select field with a global context (Gold, Silver) and a KILN context
/// (gold, Bronze): the field, the contexts and the options by value.
struct Tiers {
    field: String,
    global: String,
    kiln: String,
    silver: String,
    kiln_gold: String,
    bronze: String,
}

async fn tiers(sim: &Simulator) -> Tiers {
    let field = select_field(sim, "Tier").await;
    let global = global_context(sim, &field).await;
    let global_options = add_options(sim, &field, &global, &["Gold", "Silver"]).await;
    let kiln = create_context(sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;
    let kiln_options = add_options(sim, &field, &kiln, &["gold", "Bronze"]).await;
    Tiers {
        field,
        global,
        kiln,
        silver: global_options[1].clone(),
        kiln_gold: kiln_options[0].clone(),
        bronze: kiln_options[1].clone(),
    }
}

#[tokio::test]
async fn defaults_are_set_and_read_per_context() {
    let sim = start().await;
    let t = tiers(&sim).await;
    let none = read_defaults(&sim, &t.field, "").await;
    assert_eq!(none["total"], 0, "a context has no default at first");

    set_defaults(
        &sim,
        &t.field,
        json!([
            { "contextId": t.kiln, "optionId": t.bronze, "type": "option.single" },
            { "contextId": t.global, "optionId": t.silver, "type": "option.single" },
        ]),
    )
    .await;
    let all = read_defaults(&sim, &t.field, "").await;
    assert_eq!(all["total"], 2);
    assert_eq!(
        all["values"],
        json!([
            { "contextId": t.global, "optionId": t.silver, "type": "option.single" },
            { "contextId": t.kiln, "optionId": t.bronze, "type": "option.single" },
        ]),
        "in context order"
    );
    let one = read_defaults(&sim, &t.field, &format!("?contextId={}", t.kiln)).await;
    assert_eq!(one["total"], 1);
    assert_eq!(one["values"][0]["optionId"], json!(t.bronze));
    let paged = read_defaults(&sim, &t.field, "?startAt=1&maxResults=1").await;
    assert_eq!(paged["values"][0]["contextId"], json!(t.kiln));
    assert_eq!(paged["isLast"], true);

    // A default without its option removes the context's default.
    set_defaults(
        &sim,
        &t.field,
        json!([{ "contextId": t.kiln, "type": "option.single" }]),
    )
    .await;
    let left = read_defaults(&sim, &t.field, "").await;
    assert_eq!(left["total"], 1);
    assert_eq!(left["values"][0]["contextId"], json!(t.global));
}

#[tokio::test]
async fn every_modelled_type_takes_its_own_shape_and_fills_a_create() {
    let sim = start().await;
    let admin_id = common::account_id(&sim, ADMIN);
    let (multi, multi_global) = field_of(&sim, "Flavours", "multiselect").await;
    let flavours = add_options(&sim, &multi, &multi_global, &["Sweet", "Sour"]).await;
    let cases = [
        (
            "textfield",
            json!({ "type": "textfield", "text": "Fill me" }),
            json!("Fill me"),
        ),
        (
            "textarea",
            json!({ "type": "textarea", "text": "Line one" }),
            json!({ "type": "doc", "version": 1, "content": [
                { "type": "paragraph", "content": [{ "type": "text", "text": "Line one" }] },
            ]}),
        ),
        (
            "float",
            json!({ "type": "float", "number": 2.5 }),
            json!(2.5),
        ),
        (
            "labels",
            json!({ "type": "labels", "labels": ["red", "blue"] }),
            json!(["red", "blue"]),
        ),
        (
            "datepicker",
            json!({ "type": "datepicker", "date": "2025-06-30", "useCurrent": false }),
            json!("2025-06-30"),
        ),
        (
            "datetime",
            json!({
                "type": "datetimepicker",
                "dateTime": "2025-06-30T10:15:00.000+0000",
                "useCurrent": false,
            }),
            json!("2025-06-30T10:15:00.000+0000"),
        ),
        (
            "userpicker",
            json!({
                "type": "single.user.select",
                "accountId": admin_id,
                "userFilter": { "enabled": true, "groups": ["site-admins"], "roleIds": [] },
            }),
            Value::Null,
        ),
    ];
    let mut fields = Vec::new();
    for (kind, mut default, shown) in cases {
        let (field, global) = field_of(&sim, &format!("F {kind}"), kind).await;
        default["contextId"] = json!(global);
        set_defaults(&sim, &field, json!([default])).await;
        let read = read_defaults(&sim, &field, "").await;
        assert_eq!(read["values"], json!([default]), "{kind} reads back as set");
        fields.push((field, shown));
    }
    let both = json!({
        "contextId": multi_global, "optionIds": [flavours[1], flavours[0]], "type": "option.multiple",
    });
    set_defaults(&sim, &multi, json!([both])).await;
    assert_eq!(
        read_defaults(&sim, &multi, "").await["values"],
        json!([both])
    );

    let key = created(&sim, SEC, TASK, json!({})).await;
    for (field, shown) in &fields {
        let value = value_of(&sim, &key, field).await;
        if shown.is_null() {
            assert_eq!(value["accountId"], json!(admin_id), "{field}: {value}");
        } else {
            assert_eq!(&value, shown, "{field}");
        }
    }
    let chosen = value_of(&sim, &key, &multi).await;
    assert_eq!(chosen[0]["value"], "Sour");
    assert_eq!(chosen[1]["value"], "Sweet");
}

#[tokio::test]
async fn a_date_default_may_be_the_day_of_the_create() {
    let sim = start().await;
    let (field, global) = field_of(&sim, "Due by", "datepicker").await;
    let current = json!({ "contextId": global, "type": "datepicker", "useCurrent": true });
    set_defaults(&sim, &field, json!([current])).await;
    assert_eq!(
        read_defaults(&sim, &field, "").await["values"],
        json!([current])
    );
    let key = created(&sim, KILN, TASK, json!({})).await;
    let issue = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields=created,{field}"))
        .await;
    let day = issue.body["fields"]["created"].as_str().expect("created")[..10].to_owned();
    assert_eq!(issue.body["fields"][&field], json!(day));
}

#[tokio::test]
async fn refusals_name_what_is_wrong_and_change_nothing() {
    let sim = start().await;
    let t = tiers(&sim).await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let route = defaults_of(&t.field);
    let single = |context: &str, option: &str| json!({ "contextId": context, "optionId": option, "type": "option.single" });
    let put = |defaults: Value| json!({ "defaultValues": defaults });

    let read = bob.get(&route).await;
    assert_eq!(read.status, StatusCode::FORBIDDEN, "{}", read.text);
    let write = bob
        .put(&route, &put(json!([single(&t.kiln, &t.bronze)])))
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.text);
    assert_eq!(
        write.body["errorMessages"][0],
        "Only Jira administrators can access custom field contexts."
    );
    let unknown_field = alice.get(&defaults_of("customfield_99999")).await;
    assert_eq!(unknown_field.status, StatusCode::NOT_FOUND);

    let refused = [
        (
            json!([single("999999", &t.bronze)]),
            StatusCode::NOT_FOUND,
            "The context was not found.",
        ),
        (
            json!([single(&t.kiln, &t.silver)]),
            StatusCode::NOT_FOUND,
            "was not found",
        ),
        (
            json!([single(&t.kiln, &t.bronze), { "contextId": t.global, "type": "option.multiple", "optionIds": [t.silver] }]),
            StatusCode::BAD_REQUEST,
            "All default values in the request must have the same type.",
        ),
        (
            json!([{ "contextId": t.kiln, "type": "textfield", "text": "x" }]),
            StatusCode::BAD_REQUEST,
            "does not match the custom field",
        ),
        (
            json!([{ "contextId": t.kiln, "type": "url", "url": "https://example.com" }]),
            StatusCode::BAD_REQUEST,
            "the simulator does not model",
        ),
        (
            json!([{ "contextId": t.kiln, "type": "option.pick" }]),
            StatusCode::BAD_REQUEST,
            "is not valid",
        ),
        (
            json!([{ "contextId": t.kiln, "type": "option.single", "optionId": t.bronze, "text": "x" }]),
            StatusCode::BAD_REQUEST,
            "The property 'text' is not valid",
        ),
        (
            json!([{ "type": "option.single", "optionId": t.bronze }]),
            StatusCode::BAD_REQUEST,
            "contextId",
        ),
        (
            json!([single(&t.kiln, &t.bronze), single(&t.kiln, &t.kiln_gold)]),
            StatusCode::BAD_REQUEST,
            "more than once",
        ),
        // The first is fine, the second is not: neither is set.
        (
            json!([single(&t.kiln, &t.bronze), single(&t.global, &t.bronze)]),
            StatusCode::NOT_FOUND,
            "was not found",
        ),
    ];
    for (defaults, status, words) in refused {
        let reply = alice.put(&route, &put(defaults.clone())).await;
        assert_eq!(reply.status, status, "{defaults}: {}", reply.text);
        assert!(reply.text.contains(words), "{defaults}: {}", reply.text);
    }
    let too_many: Vec<Value> = (0..101).map(|_| single(&t.kiln, &t.bronze)).collect();
    let reply = alice.put(&route, &put(json!(too_many))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(read_defaults(&sim, &t.field, "").await["total"], 0);

    let (text, text_global) = field_of(&sim, "Note", "textfield").await;
    let long = "x".repeat(255);
    let reply = alice
        .put(
            &defaults_of(&text),
            &put(json!([{ "contextId": text_global, "type": "textfield", "text": long }])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let (date, date_global) = field_of(&sim, "When", "datepicker").await;
    let reply = alice
        .put(
            &defaults_of(&date),
            &put(json!([{ "contextId": date_global, "type": "datepicker", "date": "30/06/2025" }])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let (user, user_global) = field_of(&sim, "Who", "userpicker").await;
    let admin_id = common::account_id(&sim, ADMIN);
    for (filter, words) in [
        (None, "userFilter"),
        (
            Some(json!({ "enabled": true, "groups": ["no-such-group"] })),
            "no-such-group",
        ),
    ] {
        let mut default = json!({ "contextId": user_global, "type": "single.user.select", "accountId": admin_id });
        if let Some(filter) = filter {
            default["userFilter"] = filter;
        }
        let reply = alice.put(&defaults_of(&user), &put(json!([default]))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(reply.text.contains(words), "{}", reply.text);
    }
}

#[tokio::test]
async fn a_create_gets_the_default_of_the_context_that_applies_to_it() {
    let sim = start().await;
    let t = tiers(&sim).await;
    set_defaults(
        &sim,
        &t.field,
        json!([
            { "contextId": t.kiln, "optionId": t.bronze, "type": "option.single" },
            { "contextId": t.global, "optionId": t.silver, "type": "option.single" },
        ]),
    )
    .await;
    let kiln = created(&sim, KILN, TASK, json!({})).await;
    assert_eq!(value_of(&sim, &kiln, &t.field).await["value"], "Bronze");
    let sec = created(&sim, SEC, TASK, json!({})).await;
    assert_eq!(value_of(&sim, &sec, &t.field).await["value"], "Silver");

    // A value the create gives is kept, an empty one too.
    let chosen = created(
        &sim,
        KILN,
        TASK,
        json!({ t.field.clone(): { "id": t.kiln_gold } }),
    )
    .await;
    assert_eq!(value_of(&sim, &chosen, &t.field).await["value"], "gold");
    let emptied = created(&sim, KILN, TASK, json!({ t.field.clone(): null })).await;
    assert_eq!(value_of(&sim, &emptied, &t.field).await, Value::Null);

    // The metadata says what a create gets.
    for (project, shown) in [(KILN, "Bronze"), (SEC, "Silver")] {
        let fields = create_meta_fields(&sim, project, TASK).await;
        let meta = fields
            .iter()
            .find(|f| f["fieldId"] == json!(t.field))
            .expect("offered");
        assert_eq!(meta["hasDefaultValue"], true, "{meta}");
        assert_eq!(meta["defaultValue"]["value"], shown, "{meta}");
    }

    // Bulk creates fill them the same way.
    let bulk = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": [
                { "fields": { "project": { "id": SEC }, "issuetype": { "id": TASK }, "summary": "Bulk" } },
            ]}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::CREATED, "{}", bulk.text);
    let key = bulk.str_at("/issues/0/key");
    assert_eq!(value_of(&sim, &key, &t.field).await["value"], "Silver");

    // A context narrowed to bugs: KILN's tasks fall back to the global
    // context, and its default.
    caller(&sim, ADMIN)
        .put(
            &format!("/rest/api/3/field/{}/context/{}/issuetype", t.field, t.kiln),
            &json!({ "issueTypeIds": [BUG] }),
        )
        .await;
    let task = created(&sim, KILN, TASK, json!({})).await;
    assert_eq!(value_of(&sim, &task, &t.field).await["value"], "Silver");
    let bug = created(&sim, KILN, BUG, json!({})).await;
    assert_eq!(value_of(&sim, &bug, &t.field).await["value"], "Bronze");
}

#[tokio::test]
async fn a_field_off_the_screen_gets_no_default() {
    let sim = start().await;
    let reply = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Hidden", "type": format!("{TYPE}textfield") }),
        )
        .await;
    let field = reply.str_at("/id");
    let global = global_context(&sim, &field).await;
    set_defaults(
        &sim,
        &field,
        json!([{ "contextId": global, "type": "textfield", "text": "Hi" }]),
    )
    .await;
    let key = created(&sim, KILN, TASK, json!({})).await;
    assert_eq!(value_of(&sim, &key, &field).await, Value::Null);
}

#[tokio::test]
async fn deleting_an_option_or_context_clears_the_defaults_naming_it() {
    let sim = start().await;
    let t = tiers(&sim).await;
    let alice = caller(&sim, ADMIN);
    set_defaults(
        &sim,
        &t.field,
        json!([
            { "contextId": t.kiln, "optionId": t.bronze, "type": "option.single" },
            { "contextId": t.global, "optionId": t.silver, "type": "option.single" },
        ]),
    )
    .await;
    let deleted = alice
        .delete(&format!(
            "/rest/api/3/field/{}/context/{}/option/{}",
            t.field, t.kiln, t.bronze
        ))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let left = read_defaults(&sim, &t.field, "").await;
    assert_eq!(
        left["values"],
        json!([{ "contextId": t.global, "optionId": t.silver, "type": "option.single" }])
    );
    let kiln = created(&sim, KILN, TASK, json!({})).await;
    assert_eq!(value_of(&sim, &kiln, &t.field).await, Value::Null);

    let gone = alice
        .delete(&format!(
            "/rest/api/3/field/{}/context/{}",
            t.field, t.global
        ))
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    assert_eq!(read_defaults(&sim, &t.field, "").await["total"], 0);

    // A multiple default loses the deleted option and keeps the rest.
    let (multi, global) = field_of(&sim, "Flavours", "multiselect").await;
    let ids = add_options(&sim, &multi, &global, &["Sweet", "Sour"]).await;
    set_defaults(
        &sim,
        &multi,
        json!([{ "contextId": global, "optionIds": ids, "type": "option.multiple" }]),
    )
    .await;
    alice
        .delete(&format!(
            "/rest/api/3/field/{multi}/context/{global}/option/{}",
            ids[0]
        ))
        .await;
    let kept = read_defaults(&sim, &multi, "").await;
    assert_eq!(kept["values"][0]["optionIds"], json!([ids[1]]));
}

#[tokio::test]
async fn the_gateway_serves_defaults_with_the_specs_scopes() {
    let sim = start().await;
    let field = select_field(&sim, "Tier").await;
    let manage = common::oauth::access_token(&sim, "manage:jira-configuration").await;
    let read = common::oauth::gateway_get(&sim, &manage, &defaults_of(&field)).await;
    assert_eq!(read.status(), StatusCode::OK);
    let work = common::oauth::access_token(&sim, "read:jira-work").await;
    let refused = common::oauth::gateway_get(&sim, &work, &defaults_of(&field)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}
