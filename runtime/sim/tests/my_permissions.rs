//! `GET /rest/api/3/mypermissions`: each seeded user's answer in each context
//! matches what the other routes enforce, and refusals are Jira's.

use crate::common;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use serde_json::Value;

const ALL: &str = "ADMINISTER,ADMINISTER_PROJECTS,BROWSE_PROJECTS,CREATE_ISSUES,EDIT_ISSUES,\
ASSIGN_ISSUES,TRANSITION_ISSUES,DELETE_ISSUES,MANAGE_WATCHERS,MODIFY_REPORTER,ADD_COMMENTS";

/// The keys held in `body`, sorted, after checking every asked key is answered.
fn held(body: &Value) -> Vec<String> {
    let permissions = body["permissions"].as_object().expect("permissions object");
    assert_eq!(permissions.len(), ALL.split(',').count(), "{body}");
    let mut keys: Vec<String> = permissions
        .iter()
        .filter(|(key, entry)| {
            assert_eq!(entry["key"], key.as_str());
            entry["havePermission"].as_bool().expect("havePermission")
        })
        .map(|(key, _)| key.clone())
        .collect();
    keys.sort();
    keys
}

async fn ask(email: &str, sim: &kiln_sim::Simulator, context: &[(&str, &str)]) -> (u16, Value) {
    let mut query = vec![("permissions", ALL)];
    query.extend_from_slice(context);
    let reply = caller(sim, email)
        .get_with("/rest/api/3/mypermissions", &query)
        .await;
    (reply.status.as_u16(), reply.body)
}

fn sorted(keys: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    keys.sort();
    keys
}

const EDITOR: [&str; 9] = [
    "BROWSE_PROJECTS",
    "CREATE_ISSUES",
    "EDIT_ISSUES",
    "ASSIGN_ISSUES",
    "TRANSITION_ISSUES",
    "DELETE_ISSUES",
    "MANAGE_WATCHERS",
    "MODIFY_REPORTER",
    "ADD_COMMENTS",
];

#[tokio::test]
async fn each_user_holds_what_the_world_grants_in_each_context() {
    let sim = start().await;

    // The site admin leads both projects: everything, everywhere.
    let mut admin = EDITOR.to_vec();
    admin.extend(["ADMINISTER", "ADMINISTER_PROJECTS"]);
    for context in [
        vec![],
        vec![("projectKey", "SEC")],
        vec![("issueKey", "KILN-1")],
    ] {
        let (status, body) = ask(ADMIN, &sim, &context).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(held(&body), sorted(&admin), "{context:?}");
    }

    // user@ edits KILN but only browses and comments on SEC; leads nothing.
    let (_, global) = ask(USER, &sim, &[]).await;
    assert_eq!(held(&global), sorted(&EDITOR), "held in some project");
    let (_, kiln) = ask(USER, &sim, &[("projectKey", "KILN")]).await;
    assert_eq!(held(&kiln), sorted(&EDITOR));
    let (_, sec) = ask(USER, &sim, &[("projectId", "10001")]).await;
    assert_eq!(held(&sec), sorted(&["BROWSE_PROJECTS", "ADD_COMMENTS"]));
    let (_, sec_issue) = ask(USER, &sim, &[("issueKey", "SEC-1")]).await;
    assert_eq!(
        held(&sec_issue),
        sorted(&["BROWSE_PROJECTS", "ADD_COMMENTS"])
    );
    // `projectId` wins over `projectKey`, as the spec says.
    let (_, both) = ask(
        USER,
        &sim,
        &[("projectKey", "KILN"), ("projectId", "10001")],
    )
    .await;
    assert_eq!(held(&both), held(&sec));

    // The outsider cannot see SEC at all: 404, not a list of `false`.
    let (status, body) = ask(OUTSIDER, &sim, &[("projectKey", "SEC")]).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = ask(OUTSIDER, &sim, &[("issueKey", "SEC-1")]).await;
    assert_eq!(status, 404, "{body}");
    let (_, kiln) = ask(OUTSIDER, &sim, &[("issueKey", "KILN-1")]).await;
    assert_eq!(held(&kiln), sorted(&["BROWSE_PROJECTS", "ADD_COMMENTS"]));

    // Each entry carries Jira's metadata.
    let (_, body) = ask(USER, &sim, &[]).await;
    assert_eq!(body["permissions"]["ADMINISTER"]["type"], "GLOBAL");
    assert_eq!(body["permissions"]["EDIT_ISSUES"]["type"], "PROJECT");
    assert_eq!(body["permissions"]["EDIT_ISSUES"]["id"], "12");
}

#[tokio::test]
async fn refusals_follow_the_spec() {
    let sim = start().await;
    let user = caller(&sim, USER);
    let path = "/rest/api/3/mypermissions";

    // `permissions` is required (since 2019).
    for query in [
        vec![],
        vec![("permissions", "")],
        vec![("permissions", " , ")],
    ] {
        let reply = user.get_with(path, &query).await;
        assert_eq!(reply.status, 400, "{query:?}: {}", reply.text);
        assert!(reply.body["errorMessages"][0].is_string());
    }
    let reply = user
        .get_with(path, &[("permissions", "BROWSE_PROJECTS,NO_SUCH_KEY")])
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.text.contains("NO_SUCH_KEY"));

    // A real key the world does not model: the simulator's 501, naming it.
    let reply = user
        .get_with(path, &[("permissions", "BROWSE_PROJECTS,WORK_ON_ISSUES")])
        .await;
    assert_eq!(reply.status, 501, "{}", reply.text);
    assert!(reply.text.contains("WORK_ON_ISSUES"));
    assert_eq!(
        reply
            .headers
            .get(kiln_sim::SIMULATOR_HEADER)
            .map(|v| v.as_bytes()),
        Some(kiln_sim::NOT_MODELLED.as_bytes())
    );

    // A hostile key is reported back as data, not interpreted.
    let reply = user
        .get_with(path, &[("permissions", "<script>\u{0}")])
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
}
