//! `GET /rest/api/3/field/{fieldId}/screens` (getScreensForField): the screens
//! holding a field, with the tab when `expand=tab` asks; a field taken off the
//! screen, or none of the site's, is on no screen; *Administer Jira* only;
//! paging and hostile page values; each answer against the spec's schema.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use reqwest::StatusCode;
use serde_json::json;

const SUMMARY_SCREENS: &str = "/rest/api/3/field/summary/screens";

#[tokio::test]
async fn a_field_on_the_default_screen_lists_it_with_its_tab_when_expanded() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let contract = Contract::new();

    let plain = alice.get(SUMMARY_SCREENS).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    contract.check_ref("getScreensForField", "PageBeanScreenWithTab", &plain.body);
    assert_eq!(plain.body["total"], 1);
    assert_eq!(plain.body["isLast"], true);
    assert_eq!(plain.body["values"][0]["id"], 1);
    assert_eq!(plain.body["values"][0]["name"], "Default Screen");
    assert!(
        plain.body["values"][0].get("tab").is_none(),
        "{}",
        plain.text
    );

    let expanded = alice.get(&format!("{SUMMARY_SCREENS}?expand=tab")).await;
    assert_eq!(expanded.status, StatusCode::OK, "{}", expanded.text);
    contract.check_ref("expand=tab", "PageBeanScreenWithTab", &expanded.body);
    assert_eq!(
        expanded.body["values"][0]["tab"],
        json!({ "id": 10000, "name": "Field Tab" })
    );
    assert!(
        expanded.str_at("/self").contains("expand=tab"),
        "{}",
        expanded.text
    );
}

#[tokio::test]
async fn a_field_off_every_screen_or_unknown_is_an_empty_page() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    // `labels` is on the Default Screen until taken off it.
    let off = alice
        .delete("/rest/api/3/screens/1/tabs/10000/fields/labels")
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.text);
    for field in ["labels", "status", "customfield_99999", "no%20such%20field"] {
        let reply = alice
            .get(&format!("/rest/api/3/field/{field}/screens?expand=tab"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{field}: {}", reply.text);
        assert_eq!(reply.body["total"], 0, "{field}");
        assert_eq!(reply.body["values"], json!([]), "{field}");
        assert_eq!(reply.body["isLast"], true, "{field}");
    }
}

#[tokio::test]
async fn a_new_custom_field_is_listed_once_put_on_the_screen() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let made = alice
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "Sync ID",
                "type": "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.str_at("/id");
    let path = format!("/rest/api/3/field/{id}/screens");
    assert_eq!(alice.get(&path).await.body["total"], 0);
    common::put_on_default_screen(&sim, &id).await;
    let listed = alice.get(&path).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.text);
    assert_eq!(listed.body["values"][0]["id"], 1);
}

#[tokio::test]
async fn only_jira_administrators_read_it() {
    let sim = start().await;
    for who in [USER, OUTSIDER] {
        let refused = caller(&sim, who).get(SUMMARY_SCREENS).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            refused.text
        );
        Contract::new().check_ref("refusal", "ErrorCollection", &refused.body);
    }
}

#[tokio::test]
async fn it_pages_and_refuses_bad_page_values() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let past = alice.get(&format!("{SUMMARY_SCREENS}?startAt=1")).await;
    assert_eq!(past.status, StatusCode::OK, "{}", past.text);
    assert_eq!(past.body["total"], 1);
    assert_eq!(past.body["values"], json!([]));
    // A huge page is the spec's largest; zero still holds one screen, as
    // every `PageBean` list does.
    let huge = alice
        .get(&format!("{SUMMARY_SCREENS}?maxResults=2147483647"))
        .await;
    assert_eq!(huge.body["maxResults"], 100, "{}", huge.text);
    let zero = alice.get(&format!("{SUMMARY_SCREENS}?maxResults=0")).await;
    assert_eq!(zero.body["maxResults"], 1, "{}", zero.text);
    assert_eq!(zero.body["values"][0]["id"], 1);
    let far = alice
        .get(&format!("{SUMMARY_SCREENS}?startAt=9223372036854775807"))
        .await;
    assert_eq!(far.status, StatusCode::OK, "{}", far.text);
    assert_eq!(far.body["values"], json!([]));
    for bad in [
        "startAt=-1",
        "maxResults=-5",
        "startAt=x",
        "maxResults=99999999999999999999",
    ] {
        let refused = alice.get(&format!("{SUMMARY_SCREENS}?{bad}")).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.text
        );
        Contract::new().check_ref(bad, "ErrorCollection", &refused.body);
    }
}

#[tokio::test]
async fn rest_api_v2_serves_it() {
    let sim = start().await;
    let v2 = caller(&sim, ADMIN)
        .get("/rest/api/2/field/summary/screens")
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["total"], 1);
}
