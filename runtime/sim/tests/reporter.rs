//! The reporter: the caller on a create, or the user `fields.reporter` names when the caller
//! may modify it (Jira's *Modify Reporter*, folded into Edit); refused in Jira's words
//! otherwise; logged in the changelog and the `jira:issue_updated` webhook; followed by JQL.

use std::collections::BTreeMap;

use crate::common;
use crate::common::hook_receiver::{next_delivery, receiver};
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use kiln_sim::{AdminWebhook, Seed, SeedPermission, SimConfig, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOT_ON_SCREEN: &str =
    "Field 'reporter' cannot be set. It is not on the appropriate screen, or unknown.";

fn create(summary: &str, reporter: Option<Value>) -> Value {
    let mut fields = json!({
        "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": summary,
    });
    if let Some(reporter) = reporter {
        fields["reporter"] = reporter;
    }
    json!({ "fields": fields })
}

#[tokio::test]
async fn a_create_names_the_reporter_or_takes_the_caller() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob_id = account_id(&sim, USER);

    let defaulted = alice.post("/rest/api/3/issue", &create("Mine", None)).await;
    assert_eq!(defaulted.status, StatusCode::CREATED, "{}", defaulted.text);
    let read = alice
        .get(&format!("/rest/api/3/issue/{}", defaulted.str_at("/key")))
        .await;
    assert_eq!(
        read.body["fields"]["reporter"]["accountId"],
        account_id(&sim, ADMIN)
    );

    // By `accountId`, or by `id` as the assignee may be named.
    for named in [json!({ "accountId": bob_id }), json!({ "id": bob_id })] {
        let created = alice
            .post("/rest/api/3/issue", &create("For Bob", Some(named.clone())))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let read = alice
            .get(&format!("/rest/api/3/issue/{}", created.str_at("/key")))
            .await;
        contract.check_ref("GET /issue", "IssueBean", &read.body);
        assert_eq!(
            read.body["fields"]["reporter"]["accountId"], bob_id,
            "{named}"
        );
        assert_eq!(read.body["fields"]["reporter"]["displayName"], "Bob User");
        // The creator is still whoever created it.
        assert_eq!(
            read.body["fields"]["creator"]["accountId"],
            account_id(&sim, ADMIN)
        );
    }

    // Jira's field errors; nothing is created (the next key is the one expected).
    let before = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "project = KILN", "maxResults": 100 }),
        )
        .await;
    for (reporter, message) in [
        (
            json!({ "accountId": "no-such-account" }),
            "The reporter specified is not a user.",
        ),
        (
            json!({ "name": "Bob User" }),
            "The reporter specified is not a user.",
        ),
        (json!("plain text"), "The reporter specified is not a user."),
        (
            json!({ "accountId": 42 }),
            "The reporter specified is not a user.",
        ),
        (Value::Null, "Reporter is required."),
    ] {
        let refused = alice
            .post(
                "/rest/api/3/issue",
                &create("Refused", Some(reporter.clone())),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{reporter}");
        contract.check_ref("400", "ErrorCollection", &refused.body);
        assert_eq!(refused.body["errors"]["reporter"], message, "{reporter}");
    }
    let after = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "project = KILN", "maxResults": 100 }),
        )
        .await;
    assert_eq!(before.body["issues"], after.body["issues"]);
}

/// Carol may create issues in KILN but not edit them: she holds no *Modify Reporter*.
fn carol_creates_without_edit() -> SimConfig {
    let mut seed = Seed::default();
    let kiln = seed
        .projects
        .iter_mut()
        .find(|p| p.key == "KILN")
        .expect("KILN is seeded");
    kiln.permissions = BTreeMap::from([
        (
            ADMIN.to_owned(),
            vec![
                SeedPermission::Browse,
                SeedPermission::Create,
                SeedPermission::Edit,
                SeedPermission::Comment,
            ],
        ),
        (
            USER.to_owned(),
            vec![SeedPermission::Browse, SeedPermission::Comment],
        ),
        (
            OUTSIDER.to_owned(),
            vec![SeedPermission::Browse, SeedPermission::Create],
        ),
    ]);
    SimConfig {
        seed,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn only_a_caller_who_may_modify_the_reporter_sees_or_sets_it() {
    let sim = common::start_with(carol_creates_without_edit()).await;
    let carol = caller(&sim, OUTSIDER);
    let alice = caller(&sim, ADMIN);
    let carol_id = account_id(&sim, OUTSIDER);
    let bob_id = account_id(&sim, USER);

    // Not on Carol's screen: refused even when it names herself, and absent from her
    // create metadata; a create without it makes her the reporter.
    for named in [&bob_id, &carol_id] {
        let refused = carol
            .post(
                "/rest/api/3/issue",
                &create("Hers", Some(json!({ "accountId": named }))),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.body["errors"]["reporter"], NOT_ON_SCREEN);
    }
    let created = carol.post("/rest/api/3/issue", &create("Hers", None)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let read = alice.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(read.body["fields"]["reporter"]["accountId"], carol_id);

    let meta_of = |body: &Value| -> Option<Value> {
        body["fields"]
            .as_array()
            .and_then(|all| all.iter().find(|f| f["fieldId"] == "reporter").cloned())
    };
    let path = "/rest/api/3/issue/createmeta/KILN/issuetypes/10001?maxResults=50";
    assert_eq!(meta_of(&carol.get(path).await.body), None);
    let alices = meta_of(&alice.get(path).await.body).expect("reporter in Alice's metadata");
    assert_eq!(
        alices["schema"],
        json!({ "type": "user", "system": "reporter" })
    );
    assert_eq!(alices["operations"], json!(["set"]));
    assert_eq!(alices["required"], true);
    assert_eq!(alices["hasDefaultValue"], true);
    let edit_meta = alice
        .get(&format!("/rest/api/3/issue/{key}/editmeta"))
        .await;
    assert_eq!(edit_meta.body["fields"]["reporter"]["name"], "Reporter");

    // mypermissions answers what the routes enforce.
    for (who, held) in [(&carol, false), (&alice, true)] {
        let answer = who
            .get_with(
                "/rest/api/3/mypermissions",
                &[("permissions", "MODIFY_REPORTER"), ("projectKey", "KILN")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(
            answer.body["permissions"]["MODIFY_REPORTER"]["havePermission"],
            held
        );
        assert_eq!(answer.body["permissions"]["MODIFY_REPORTER"]["id"], "30");
    }
}

#[tokio::test]
async fn an_edit_changes_the_reporter_as_the_changelog_webhook_and_jql_see_it() {
    let (url, mut deliveries) = receiver().await;
    let seed = Seed {
        webhooks: vec![AdminWebhook {
            name: String::from("reporter"),
            url,
            events: vec![WebhookEvent::IssueUpdated],
            jql_filter: None,
            secret: None,
        }],
        ..Seed::default()
    };
    let sim = common::start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    let (alice_id, bob_id) = (account_id(&sim, ADMIN), account_id(&sim, USER));
    let issue = alice.get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(issue.body["fields"]["reporter"]["accountId"], alice_id);

    let put = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "reporter": { "accountId": bob_id } } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "jira:issue_updated");
    assert_eq!(delivery["issue"]["fields"]["reporter"]["accountId"], bob_id);
    let item = json!({
        "field": "reporter", "fieldtype": "jira", "fieldId": "reporter",
        "from": alice_id, "fromString": "Alice Admin",
        "to": bob_id, "toString": "Bob User",
    });
    assert_eq!(delivery["changelog"]["items"], json!([item]));
    let page = alice.get("/rest/api/3/issue/KILN-1/changelog").await;
    let values = page.body["values"].as_array().expect("values");
    assert_eq!(values.last().expect("an entry")["items"], json!([item]));

    // The same reporter again changes nothing: no changelog item, no `reporter` webhook
    // item. `update` `set` works as `fields` does.
    let put = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "update": { "reporter": [{ "set": { "accountId": bob_id } }] } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let after = alice.get("/rest/api/3/issue/KILN-1/changelog").await;
    assert_eq!(after.body["values"], page.body["values"]);

    let found = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("key = KILN-1 AND reporter = {bob_id}") }),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["issues"].as_array().map(Vec::len), Some(1));

    // A refused edit changes nothing.
    let refused = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "reporter": null, "summary": "Renamed" } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["errors"]["reporter"], "Reporter is required.");
    let read = alice.get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(read.body["fields"]["reporter"]["accountId"], bob_id);
    assert_ne!(read.body["fields"]["summary"], "Renamed");
}
